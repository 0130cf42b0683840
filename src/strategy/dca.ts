/**
 * The default dollar-cost-averaging strategy, as pure functions.
 */
import { Decimal, str, parseDecimal, type DecimalLike } from '../decimal';
import { InvalidOptionsError } from '../errors';
import { checkKnownOptions } from '../options-check';
import type { Position } from '../ports/record';
import type { Strategy, StrategyContext, StrategyDecision } from './strategy';

/**
 * Options of {@link dca}. Numbers may be given as numbers or decimal strings.
 * @public
 */
export interface DcaOptions {
  /** Quote spent by the start buy (e.g. 10 USDT). Must be \> 0. */
  readonly startQuote: DecimalLike;
  /** Drop in percent below the last buy price that triggers the first rebuy. Must be \> 0. */
  readonly rebuyDropPct: DecimalLike;
  /** Each later rebuy needs a drop this many times the previous one (default 1). Must be \> 0. */
  readonly rebuyStepScale?: DecimalLike;
  /** Rebuy *k* buys `startQuote · rebuyVolumeScale^k` (default 1). Must be \> 0. */
  readonly rebuyVolumeScale?: DecimalLike;
  /** Most rebuys in one cycle (an integer ≥ 0). */
  readonly maxRebuys: number;
  /** Sell everything at this gain in percent over the average price. Must be \> 0. */
  readonly takeProfitPct: DecimalLike;
  /** Wait this long after a sell before the next cycle starts (default 0). */
  readonly cooldownMs?: number;
  /** No buy may take the cycle's invested quote above this (optional). */
  readonly maxInvestedQuote?: DecimalLike;
}

/**
 * {@link DcaOptions} validated and parsed.
 * @internal
 */
export interface DcaParams {
  startQuote: Decimal;
  rebuyDropPct: Decimal;
  rebuyStepScale: Decimal;
  rebuyVolumeScale: Decimal;
  maxRebuys: number;
  takeProfitPct: Decimal;
  cooldownMs: number;
  maxInvestedQuote: Decimal | null;
}

/**
 * A DCA strategy: a {@link Strategy} that also tells the engine its cooldown.
 * @public
 */
export interface DcaStrategy extends Strategy {
  /** Wait after a sell before the next cycle starts. */
  readonly cooldownMs: number;
  /** The validated options, as decimal strings. */
  readonly options: Readonly<Record<keyof DcaOptions, string | number | null>>;
}

const DCA_OPTION_SHAPE = {
  startQuote: true,
  rebuyDropPct: true,
  rebuyStepScale: true,
  rebuyVolumeScale: true,
  maxRebuys: true,
  takeProfitPct: true,
  cooldownMs: true,
  maxInvestedQuote: true,
} as const satisfies Record<keyof DcaOptions, true>;

function positive(name: string, value: unknown, fallback?: string): Decimal {
  if (value === undefined && fallback !== undefined) return new Decimal(fallback);
  const d = parseDecimal(value);
  if (d === undefined) throw new InvalidOptionsError(`strategy.${name}`, `expected a positive number or decimal string, got ${JSON.stringify(value) ?? String(value)}`);
  if (d.lte(0)) throw new InvalidOptionsError(`strategy.${name}`, `must be greater than 0, got ${str(d)}`);
  return d;
}

/**
 * Validates DCA options.
 * @throws {@link InvalidOptionsError} for a missing, non-numeric, zero or negative value, or an
 * unknown key (named with the nearest valid one)
 * @internal
 */
export function parseDcaOptions(options: DcaOptions): DcaParams {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('strategy', 'expected an options object');
  checkKnownOptions(options, DCA_OPTION_SHAPE, 'strategy');
  const maxRebuys = options.maxRebuys;
  if (!Number.isSafeInteger(maxRebuys) || maxRebuys < 0) {
    throw new InvalidOptionsError('strategy.maxRebuys', `expected an integer ≥ 0, got ${String(maxRebuys)}`);
  }
  const cooldownMs = options.cooldownMs ?? 0;
  if (!Number.isFinite(cooldownMs) || cooldownMs < 0) {
    throw new InvalidOptionsError('strategy.cooldownMs', `expected a number of ms ≥ 0, got ${String(cooldownMs)}`);
  }
  const params: DcaParams = {
    startQuote: positive('startQuote', options.startQuote),
    rebuyDropPct: positive('rebuyDropPct', options.rebuyDropPct),
    rebuyStepScale: positive('rebuyStepScale', options.rebuyStepScale, '1'),
    rebuyVolumeScale: positive('rebuyVolumeScale', options.rebuyVolumeScale, '1'),
    maxRebuys,
    takeProfitPct: positive('takeProfitPct', options.takeProfitPct),
    cooldownMs,
    maxInvestedQuote: options.maxInvestedQuote === undefined ? null : positive('maxInvestedQuote', options.maxInvestedQuote),
  };
  if (params.rebuyDropPct.gte(100)) throw new InvalidOptionsError('strategy.rebuyDropPct', 'must be below 100');
  if (params.maxInvestedQuote !== null && params.maxInvestedQuote.lt(params.startQuote)) {
    throw new InvalidOptionsError('strategy.maxInvestedQuote', 'is below startQuote: no cycle could ever start');
  }
  return params;
}

/**
 * Price at or below which rebuy `k` (1-based) triggers:
 * `lastBuyPrice × (1 − rebuyDropPct · rebuyStepScale^(k−1) / 100)`.
 * @internal
 */
export function rebuyTriggerPrice(lastBuyPrice: Decimal, k: number, p: Pick<DcaParams, 'rebuyDropPct' | 'rebuyStepScale'>): Decimal {
  const drop = p.rebuyDropPct.mul(p.rebuyStepScale.pow(k - 1)).div(100);
  return lastBuyPrice.mul(new Decimal(1).minus(drop));
}

/**
 * Quote bought by rebuy `k` (1-based): `startQuote · rebuyVolumeScale^k`.
 * @internal
 */
export function rebuyQuoteAmount(k: number, p: Pick<DcaParams, 'startQuote' | 'rebuyVolumeScale'>): Decimal {
  return p.startQuote.mul(p.rebuyVolumeScale.pow(k));
}

/**
 * Price at or above which the position is sold: `avgPrice × (1 + takeProfitPct / 100)`.
 * @internal
 */
export function takeProfitPrice(avgPrice: Decimal, p: Pick<DcaParams, 'takeProfitPct'>): Decimal {
  return avgPrice.mul(p.takeProfitPct.div(100).plus(1));
}

/** Thresholds of one position, computed once per position object (records are immutable). */
interface Thresholds {
  takeProfit: Decimal;
  rebuyAt: Decimal | null;
  rebuyQuote: string | null;
  /** Float bounds of the "nothing to do" band, a hair inside the exact thresholds. */
  quietAbove: number;
  quietBelow: number;
}

/** Relative margin of the float pre-check: far above float error, far below any price tick. */
const MARGIN = 1e-9;

/**
 * The decision of the DCA strategy (pure): sell at take-profit first, else rebuy when the price
 * fell far enough and rebuys and budget remain, else nothing. Idle: always start.
 * @internal
 */
export function decideDca(p: DcaParams, position: Position | null, price: Decimal | number, cache?: WeakMap<Position, Thresholds>): StrategyDecision | null {
  if (position === null) return { action: 'start', quoteAmount: str(p.startQuote) };
  let t = cache?.get(position);
  if (t === undefined) {
    const k = position.buys; // rebuy k follows buy k (the start buy is buy 1)
    const rebuyIndex = k;
    let rebuyAt: Decimal | null = null;
    let rebuyQuote: string | null = null;
    if (rebuyIndex <= p.maxRebuys) {
      const amount = rebuyQuoteAmount(rebuyIndex, p);
      const withinBudget = p.maxInvestedQuote === null || new Decimal(position.investedQuote).plus(amount).lte(p.maxInvestedQuote);
      if (withinBudget) {
        rebuyAt = rebuyTriggerPrice(new Decimal(position.lastBuyPrice), rebuyIndex, p);
        rebuyQuote = str(amount);
      }
    }
    const takeProfit = takeProfitPrice(new Decimal(position.avgPrice), p);
    const quietAbove = rebuyAt !== null && rebuyAt.gt(0) ? rebuyAt.toNumber() * (1 + MARGIN) : 0;
    t = { takeProfit, rebuyAt, rebuyQuote, quietAbove, quietBelow: takeProfit.toNumber() * (1 - MARGIN) };
    cache?.set(position, t);
  }
  // Most ticks find the price strictly between the triggers: a float comparison with a margin
  // settles that without building a decimal; near a trigger the exact comparison decides.
  if (typeof price === 'number' && price > t.quietAbove && price < t.quietBelow) return null;
  const exact = typeof price === 'number' ? new Decimal(price) : price;
  if (exact.gte(t.takeProfit)) return { action: 'sell' };
  if (t.rebuyAt !== null && t.rebuyQuote !== null && t.rebuyAt.gt(0) && exact.lte(t.rebuyAt)) {
    return { action: 'rebuy', quoteAmount: t.rebuyQuote };
  }
  return null;
}

/**
 * The default DCA strategy: buy `startQuote`, rebuy on drops, sell everything at take-profit.
 *
 * Rebuy *k* (1 … `maxRebuys`) triggers when the price is at or below
 * `lastBuyPrice × (1 − rebuyDropPct·rebuyStepScale^(k−1) / 100)` and buys
 * `startQuote · rebuyVolumeScale^k`; the sell triggers when the price is at or above
 * `avgPrice × (1 + takeProfitPct / 100)`.
 *
 * @example
 * ```ts
 * const strategy = dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 });
 * ```
 * @throws {@link InvalidOptionsError} for invalid options
 * @public
 */
export function dca(options: DcaOptions): DcaStrategy {
  const p = parseDcaOptions(options);
  const cache = new WeakMap<Position, Thresholds>();
  return {
    name: 'dca',
    cooldownMs: p.cooldownMs,
    options: {
      startQuote: str(p.startQuote),
      rebuyDropPct: str(p.rebuyDropPct),
      rebuyStepScale: str(p.rebuyStepScale),
      rebuyVolumeScale: str(p.rebuyVolumeScale),
      maxRebuys: p.maxRebuys,
      takeProfitPct: str(p.takeProfitPct),
      cooldownMs: p.cooldownMs,
      maxInvestedQuote: p.maxInvestedQuote === null ? null : str(p.maxInvestedQuote),
    },
    decide(ctx: StrategyContext): StrategyDecision | null {
      if (typeof ctx.price !== 'number' || !Number.isFinite(ctx.price)) return null;
      return decideDca(p, ctx.position, ctx.price, cache);
    },
  };
}
