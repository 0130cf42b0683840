/**
 * The default dollar-cost-averaging strategy, as pure functions.
 */
import { Decimal, ceilToStep, floorToStep, str, parseDecimal, type DecimalLike } from '../decimal';
import { InvalidOptionsError } from '../errors';
import { checkKnownOptions } from '../options-check';
import type { MarketRules } from '../ports/exchange';
import type { JsonValue, OrderSlot, Position } from '../ports/record';
import { checkExits, noExits, readDcaMemory, type ExitLevels, type ExitParams } from './exits';
import type { DesiredOrder, RestingContext, Strategy, StrategyContext, StrategyDecision } from './strategy';

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
  readonly rebuyStepScale?: DecimalLike | undefined;
  /** Rebuy *k* buys `startQuote · rebuyVolumeScale^k` (default 1). Must be \> 0. */
  readonly rebuyVolumeScale?: DecimalLike | undefined;
  /** Most rebuys in one cycle (an integer ≥ 0). */
  readonly maxRebuys: number;
  /** Sell everything at this gain in percent over the average price. Must be \> 0. */
  readonly takeProfitPct: DecimalLike;
  /** Wait this long after a sell before the next cycle starts (default 0). */
  readonly cooldownMs?: number | undefined;
  /** No buy may take the cycle's invested quote above this (optional). */
  readonly maxInvestedQuote?: DecimalLike | undefined;
  /**
   * `market` (default): sell with a MARKET order when the price reaches the take-profit. `limit`:
   * a LIMIT sell for the whole sellable position rests at `avgPrice × (1 + takeProfitPct / 100)`,
   * rounded up to the tick, and is replaced whenever a buy changes the position.
   */
  readonly takeProfitOrder?: 'market' | 'limit' | undefined;
  /**
   * `market` (default): rebuy with a MARKET order when the price reaches the next level. `limit`:
   * safety buys rest at their levels, computed ahead from the start fill (level k = level k−1 ×
   * (1 − rebuyDropPct·rebuyStepScale^(k−1) / 100), level 0 the start price), prices rounded down to
   * the tick, amounts (`startQuote · rebuyVolumeScale^k` / price) down to the step.
   */
  readonly rebuyOrders?: 'market' | 'limit' | undefined;
  /** With `rebuyOrders: 'limit'`: how many safety buys rest at once (default 1, an integer ≥ 1). */
  readonly activeRebuys?: number | undefined;
  /**
   * Stop loss: exit the cycle when the price is at or below `avgPrice × (1 − stopLossPct / 100)`
   * (0 \< stopLossPct \< 100). The exit cancels the cycle's resting orders, then sells what is held
   * with one MARKET order. See docs/exits.md.
   */
  readonly stopLossPct?: DecimalLike | undefined;
  /** With `stopLossPct`: exit only once the price has stayed at or below the stop this long, ms (default 0: at once). */
  readonly stopLossTimeoutMs?: number | undefined;
  /**
   * Trailing take-profit: arms when the price reaches the take-profit price, follows the peak from
   * then on (persisted in the cycle's memory, written only when it moves up) and exits on a retrace
   * of this many % from the peak (0 \< pct \< 100). Needs `takeProfitOrder: 'market'`: a resting
   * LIMIT sell cannot trail.
   */
  readonly trailingTakeProfitPct?: DecimalLike | undefined;
  /** Time limit: exit a cycle open (since its start fill) this long, ms (\> 0). */
  readonly maxCycleMs?: number | undefined;
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
  takeProfitOrder: 'market' | 'limit';
  rebuyOrders: 'market' | 'limit';
  activeRebuys: number;
  exits: ExitParams;
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
  takeProfitOrder: true,
  rebuyOrders: true,
  activeRebuys: true,
  stopLossPct: true,
  stopLossTimeoutMs: true,
  trailingTakeProfitPct: true,
  maxCycleMs: true,
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
  const mode = (name: 'takeProfitOrder' | 'rebuyOrders'): 'market' | 'limit' => {
    const v = options[name] ?? 'market';
    if (v !== 'market' && v !== 'limit') throw new InvalidOptionsError(`strategy.${name}`, `expected 'market' or 'limit', got ${JSON.stringify(v)}`);
    return v;
  };
  const activeRebuys = options.activeRebuys ?? 1;
  if (!Number.isSafeInteger(activeRebuys) || activeRebuys < 1) {
    throw new InvalidOptionsError('strategy.activeRebuys', `expected an integer ≥ 1, got ${String(activeRebuys)}`);
  }
  const percent = (name: 'stopLossPct' | 'trailingTakeProfitPct'): Decimal | null => {
    if (options[name] === undefined) return null;
    const d = positive(name, options[name]);
    if (d.gte(100)) throw new InvalidOptionsError(`strategy.${name}`, `must be below 100, got ${str(d)}`);
    return d;
  };
  const ms = (name: 'stopLossTimeoutMs' | 'maxCycleMs', min: 'zero' | 'positive'): number | null => {
    const v = options[name];
    if (v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (min === 'positive' && v === 0)) {
      throw new InvalidOptionsError(`strategy.${name}`, `expected a number of ms ${min === 'zero' ? '≥ 0' : '> 0'}, got ${String(v)}`);
    }
    return v;
  };
  const stopLossPct = percent('stopLossPct');
  const stopLossTimeoutMs = ms('stopLossTimeoutMs', 'zero');
  if (stopLossTimeoutMs !== null && stopLossPct === null) throw new InvalidOptionsError('strategy.stopLossTimeoutMs', 'needs stopLossPct');
  const trailingTakeProfitPct = percent('trailingTakeProfitPct');
  if (trailingTakeProfitPct !== null && mode('takeProfitOrder') === 'limit') {
    throw new InvalidOptionsError('strategy.trailingTakeProfitPct', "cannot be used with takeProfitOrder: 'limit' (a resting LIMIT sell cannot trail); use takeProfitOrder: 'market'");
  }
  const takeProfitPct = positive('takeProfitPct', options.takeProfitPct);
  if (trailingTakeProfitPct !== null && trailingTakeProfitPct.gte(takeProfitPct)) {
    throw new InvalidOptionsError('strategy.trailingTakeProfitPct', `must be below takeProfitPct (${str(takeProfitPct)}): a retrace of ${str(trailingTakeProfitPct)} % from where it arms could sell below the average price`);
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
    takeProfitOrder: mode('takeProfitOrder'),
    rebuyOrders: mode('rebuyOrders'),
    activeRebuys,
    exits: {
      stopLossPct,
      stopLossTimeoutMs: stopLossTimeoutMs ?? 0,
      trailingTakeProfitPct,
      maxCycleMs: ms('maxCycleMs', 'positive'),
      takeProfitPct: positive('takeProfitPct', options.takeProfitPct),
    },
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
  if (exact.gte(t.takeProfit)) return p.takeProfitOrder === 'limit' ? null : { action: 'sell' };
  if (p.rebuyOrders === 'limit') return null;
  if (t.rebuyAt !== null && t.rebuyQuote !== null && t.rebuyAt.gt(0) && exact.lte(t.rebuyAt)) {
    return { action: 'rebuy', quoteAmount: t.rebuyQuote };
  }
  return null;
}

/**
 * Price of limit safety level `k` (1-based) from the start price: level k = level k−1 ×
 * (1 − rebuyDropPct·rebuyStepScale^(k−1) / 100), level 0 the start price — exactly where the
 * MARKET rule would trigger if every fill landed on its level. Not rounded.
 * @internal
 */
export function rebuyLevelPrice(startPrice: Decimal, k: number, p: Pick<DcaParams, 'rebuyDropPct' | 'rebuyStepScale'>): Decimal {
  let price = startPrice;
  for (let j = 1; j <= k; j++) price = rebuyTriggerPrice(price, j, p);
  return price;
}

type LevelOrder = (DesiredOrder & { readonly quote: Decimal }) | null;

/** Levels computed so far, by parameters, market rules and `startPrice|k`: a ladder is a pure function of them (and asked for on every write of a cycle). */
const LADDERS = new WeakMap<DcaParams, WeakMap<MarketRules, Map<string, LevelOrder>>>();

/** The resting safety buy of level `k`, rounded (price down to the tick, amount down to the step), or null when it rounds below the venue's minimums. Memoised (see {@link LADDERS}); the answer is shared, not to be changed. */
function levelOrder(position: Position, k: number, p: DcaParams, market: MarketRules): LevelOrder {
  let byMarket = LADDERS.get(p);
  if (byMarket === undefined) LADDERS.set(p, (byMarket = new WeakMap()));
  let memo = byMarket.get(market);
  if (memo === undefined) byMarket.set(market, (memo = new Map()));
  const key = `${position.startPrice}|${k}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const out = computeLevelOrder(position, k, p, market);
  if (memo.size >= 4_096) memo.clear();
  memo.set(key, out);
  return out;
}

function computeLevelOrder(position: Position, k: number, p: DcaParams, market: MarketRules): LevelOrder {
  const price = floorToStep(rebuyLevelPrice(new Decimal(position.startPrice), k, p), new Decimal(market.priceTick));
  if (price.lte(0)) return null;
  const quote = rebuyQuoteAmount(k, p);
  const amount = floorToStep(quote.div(price), new Decimal(market.amountStep));
  if (amount.lte(0) || amount.mul(price).lt(market.minNotional)) return null;
  return { purpose: 'rebuy', price: str(price), baseAmount: str(amount), level: k, quote: amount.mul(price) };
}

/**
 * The orders the DCA strategy keeps resting for an active cycle (pure): with
 * `takeProfitOrder: 'limit'`, the take-profit for the whole sellable position at
 * `avgPrice × (1 + takeProfitPct / 100)` rounded up to the tick; with `rebuyOrders: 'limit'`, the
 * live safety buys at their levels plus the next levels, so that `activeRebuys` rest while levels
 * (and `maxInvestedQuote`) remain. Levels used so far are the rebuys that filled (`buys − 1`) plus
 * the live safety buys that have not filled yet.
 * @internal
 */
export function restingDca(p: DcaParams, position: Position | null, orders: readonly OrderSlot[], market: MarketRules): DesiredOrder[] {
  if (position === null) return [];
  const out: DesiredOrder[] = [];
  if (p.takeProfitOrder === 'limit') {
    const price = ceilToStep(takeProfitPrice(new Decimal(position.avgPrice), p), new Decimal(market.priceTick));
    const amount = floorToStep(new Decimal(position.baseVolume), new Decimal(market.amountStep));
    if (amount.gt(0) && amount.mul(price).gte(market.minNotional)) out.push({ purpose: 'takeProfit', price: str(price), baseAmount: str(amount) });
  }
  if (p.rebuyOrders === 'limit') {
    const live = orders.filter((o) => o.purpose === 'rebuy' && o.type === 'limit' && o.level !== undefined);
    const unfilled = live.filter((o) => new Decimal(o.applied.base).isZero());
    let committed = new Decimal(position.investedQuote);
    for (const o of live) {
      const kept = levelOrder(position, o.level as number, p, market);
      if (kept === null) continue;
      // A live safety buy is wanted for what it still has to buy: a partly filled one is left resting.
      const rest = floorToStep(Decimal.max(new Decimal(o.baseAmount ?? kept.baseAmount).minus(o.applied.base), 0), new Decimal(market.amountStep));
      if (rest.lte(0)) continue;
      out.push({ purpose: 'rebuy', price: kept.price, baseAmount: str(rest), level: kept.level as number });
      committed = committed.plus(rest.mul(kept.price));
    }
    let count = live.length;
    for (let k = position.buys + unfilled.length; count < p.activeRebuys && k <= p.maxRebuys; k++) {
      if (live.some((o) => o.level === k)) continue;
      const next = levelOrder(position, k, p, market);
      if (next === null) break; // a level below the venue's minimums ends the ladder: later levels are never skipped to
      if (p.maxInvestedQuote !== null && committed.plus(next.quote).gt(p.maxInvestedQuote)) break;
      committed = committed.plus(next.quote);
      out.push({ purpose: 'rebuy', price: next.price, baseAmount: next.baseAmount, level: k });
      count++;
    }
  }
  return out;
}

/**
 * The DCA decision for an active position with exits on (pure): an exit first (time limit, stop
 * loss, trailing take-profit), else the DCA decision — without its MARKET take-profit while a
 * trailing take-profit is on (that sells on the retrace instead) — carrying the new memory when it
 * changed (a `remember` when there is nothing else to do).
 * @internal
 */
export function decideWithExits(
  p: DcaParams,
  ctx: StrategyContext,
  exitCache?: WeakMap<Position, ExitLevels>,
  cache?: WeakMap<Position, Thresholds>,
): StrategyDecision | null {
  const position = ctx.position as Position;
  const verdict = checkExits(p.exits, position, ctx.price, ctx.now, readDcaMemory(ctx.memory), exitCache);
  if (verdict.exit !== undefined) return { action: 'exit', reason: verdict.exit };
  const d = decideDca(p, position, ctx.price, cache);
  const decision = d?.action === 'sell' && p.exits.trailingTakeProfitPct !== null ? null : d;
  if (verdict.memory === undefined) return decision;
  const memory = verdict.memory as JsonValue;
  return decision === null ? { action: 'remember', memory } : { ...decision, memory };
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
  const exitCache = new WeakMap<Position, ExitLevels>();
  const exitsOff = noExits(p.exits);
  const resting = new WeakMap<Position, { orders: readonly OrderSlot[]; market: MarketRules; out: readonly DesiredOrder[] }>();
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
      takeProfitOrder: p.takeProfitOrder,
      rebuyOrders: p.rebuyOrders,
      activeRebuys: p.activeRebuys,
      stopLossPct: p.exits.stopLossPct === null ? null : str(p.exits.stopLossPct),
      stopLossTimeoutMs: p.exits.stopLossTimeoutMs,
      trailingTakeProfitPct: p.exits.trailingTakeProfitPct === null ? null : str(p.exits.trailingTakeProfitPct),
      maxCycleMs: p.exits.maxCycleMs,
    },
    usesLimitOrders: p.takeProfitOrder === 'limit' || p.rebuyOrders === 'limit',
    decide(ctx: StrategyContext): StrategyDecision | null {
      if (typeof ctx.price !== 'number' || !Number.isFinite(ctx.price)) return null;
      if (ctx.position === null || exitsOff) return decideDca(p, ctx.position, ctx.price, cache);
      return decideWithExits(p, ctx, exitCache, cache);
    },
    ...(p.takeProfitOrder === 'limit' || p.rebuyOrders === 'limit'
      ? {
          restingOrders: (ctx: RestingContext): readonly DesiredOrder[] => {
            // Pure in (position, orders, market): the same objects give the same (frozen) answer.
            const position = ctx.position;
            if (position === null) return [];
            const hit = resting.get(position);
            if (hit !== undefined && hit.orders === ctx.orders && hit.market === ctx.market) return hit.out;
            const out = Object.freeze(restingDca(p, position, ctx.orders, ctx.market));
            resting.set(position, { orders: ctx.orders, market: ctx.market, out });
            return out;
          },
        }
      : {}),
  };
}
