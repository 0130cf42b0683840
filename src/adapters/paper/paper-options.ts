/**
 * Options, order records and market rules of the paper exchange, and their validation.
 */
import { dec, parseDecimal, type Decimal, type DecimalLike } from '../../decimal';
import { InvalidOptionsError } from '../../errors';
import { checkKnownOptions, eachOf } from '../../options-check';
import { systemClock, type Clock } from '../../ports/clock';
import type { OrderFill, OrderSide, OrderState } from '../../ports/exchange';
import type { PaperFault } from './paper-faults';

/**
 * Trading rules of one paper market; any field left out falls back to the exchange's defaults.
 * @public
 */
export interface PaperMarketRules {
  /** Base amounts are rounded down to a multiple of this (default `'0.00001'`). */
  readonly amountStep?: DecimalLike | undefined;
  /** Price tick, reported by `getMarket` (default `'0.01'`). */
  readonly priceTick?: DecimalLike | undefined;
  /** Smallest order value in quote, checked after rounding (default `'5'`). */
  readonly minNotional?: DecimalLike | undefined;
}

/**
 * Options of {@link PaperExchange}.
 * @public
 */
export interface PaperExchangeOptions {
  /** Initial prices by symbol (`BASE/QUOTE`); a symbol with a price is a market. */
  readonly prices?: Readonly<Record<string, DecimalLike>> | undefined;
  /** Initial balances by asset. */
  readonly balances?: Readonly<Record<string, DecimalLike>> | undefined;
  /** Taker fee rate (default `'0.001'`, i.e. 0.1%): buys pay it in base, sells in quote. */
  readonly feeRate?: DecimalLike | undefined;
  /** Maker fee rate, paid by a resting LIMIT order when it fills (default `'0.001'`); same currencies. */
  readonly makerFeeRate?: DecimalLike | undefined;
  /** Rules by symbol; an entry makes the symbol a market even without a price. */
  readonly markets?: Readonly<Record<string, PaperMarketRules>> | undefined;
  /** Rules of markets without their own entry (defaults: step `'0.00001'`, tick `'0.01'`, min notional `'5'`). */
  readonly defaultRules?: PaperMarketRules | undefined;
  /** Time an order stays open before it executes (default 0: executes within the call, no timer). */
  readonly latencyMs?: number | undefined;
  /**
   * Slippage of MARKET fills, in percent of the price (default 0: fills at the price set). A buy
   * fills at `price × (1 + pct/100)`, a sell at `price × (1 − pct/100)`, rounded against the bot
   * to the price tick when the price set is on it. Replays set it (see `setMarketSlippagePct`).
   */
  readonly marketSlippagePct?: DecimalLike | undefined;
  /** Time source for timestamps (default: the wall clock). */
  readonly clock?: Clock | undefined;
  /** Name for logs (default `'paper'`). */
  readonly id?: string | undefined;
}

/**
 * Where an order received by the paper exchange ended up: `open` (inside its latency, or a LIMIT
 * order resting), `filled`, `expired` (a partial fill: part executed, the rest expired — see the
 * `partialFill` fault), `cancelled` (a LIMIT order cancelled, with whatever it executed before),
 * `rejected` (refused; never existed for `findOrder`), `not-executed` (lost by an injected fault).
 * @public
 */
export type PaperOrderStatus = 'open' | 'filled' | 'expired' | 'cancelled' | 'rejected' | 'not-executed';

/**
 * One order received by the paper exchange, as recorded in `PaperExchange.orders`.
 * @public
 */
export interface PaperOrder {
  /** Arrival number, from 1. */
  readonly seq: number;
  /** Exchange order id (`paper-<seq>`). */
  readonly orderId: string;
  /** Symbol as sent. */
  readonly symbol: string;
  /** Side as sent. */
  readonly side: OrderSide;
  /** Client order id as sent. */
  readonly clientOrderId: string;
  /** Quote amount as sent (buys). */
  readonly quoteAmount?: string;
  /** Base amount as sent (sells). */
  readonly baseAmount?: string;
  /** Arrival time, Unix ms. */
  readonly receivedAt: number;
  /** Current status; leaves `open` when the latency ends. */
  readonly status: PaperOrderStatus;
  /** The injected fault this order consumed, if any. */
  readonly fault?: PaperFault;
  /** The true fill (also when the caller got an error or a malformed fill instead). */
  readonly fill?: OrderFill;
  /** Rejection reason, e.g. `MIN_NOTIONAL`. */
  readonly rejectReason?: string;
  /** `limit` for a LIMIT order; absent for a MARKET order. */
  readonly type?: 'limit';
  /** Limit price as sent (LIMIT orders). */
  readonly price?: string;
  /** The true current state of a LIMIT order once it landed: cumulative fills and fees. */
  readonly state?: OrderState;
}

/**
 * What became of a cancel: `cancelled` (the order stopped resting), `already-ended` (it had
 * filled or been cancelled before: its state was answered), `unknown-order` (answered null),
 * `not-executed` (lost on the way by an injected fault).
 * @public
 */
export type PaperCancelOutcome = 'cancelled' | 'already-ended' | 'unknown-order' | 'not-executed';

/**
 * One cancel received by the paper exchange, as recorded in `PaperExchange.cancels`.
 * @public
 */
export interface PaperCancel {
  /** Arrival number, from 1. */
  readonly seq: number;
  /** Symbol as sent. */
  readonly symbol: string;
  /** Client order id as sent. */
  readonly clientOrderId: string;
  /** Arrival time, Unix ms. */
  readonly receivedAt: number;
  /** What became of it. */
  readonly outcome: PaperCancelOutcome;
  /** The injected faults this cancel consumed (a lost answer, a fill just before it landed). */
  readonly faults: readonly PaperFault[];
  /** The order's state after the cancel (also when the caller got an error instead). */
  readonly state?: OrderState;
}

/**
 * Market rules as decimals, checked.
 * @internal
 */
export interface ParsedRules {
  readonly amountStep: Decimal;
  readonly priceTick: Decimal;
  readonly minNotional: Decimal;
}

/**
 * {@link PaperExchangeOptions} checked and with defaults applied.
 * @internal
 */
export interface ParsedPaperOptions {
  readonly id: string;
  readonly latencyMs: number;
  readonly marketSlippagePct: Decimal;
  readonly clock: Clock;
  readonly feeRate: Decimal;
  readonly makerFeeRate: Decimal;
  readonly defaultRules: ParsedRules;
  readonly markets: ReadonlyMap<string, ParsedRules>;
  readonly prices: ReadonlyMap<string, Decimal>;
  readonly balances: ReadonlyMap<string, Decimal>;
}

const DEFAULT_RULES: ParsedRules = { amountStep: dec('0.00001'), priceTick: dec('0.01'), minNotional: dec('5') };

/**
 * Binance's rule for `newClientOrderId`, enforced so that ids a real venue would refuse already
 * fail in tests.
 * @internal
 */
export const CLIENT_ORDER_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/**
 * Parses a decimal option, throwing `InvalidOptionsError` unless it is a decimal in range
 * (`fraction`: 0 ≤ x < 1).
 * @internal
 */
export function optionDecimal(
  value: unknown,
  option: string,
  range: 'positive' | 'non-negative' | 'fraction',
): Decimal {
  const d = parseDecimal(value);
  if (d === undefined) {
    throw new InvalidOptionsError(option, `not a decimal number: ${JSON.stringify(value) ?? String(value)}`);
  }
  if (range === 'positive' && !d.gt(0)) throw new InvalidOptionsError(option, `must be > 0, got ${d.toFixed()}`);
  if (range !== 'positive' && d.isNeg()) throw new InvalidOptionsError(option, `must be >= 0, got ${d.toFixed()}`);
  if (range === 'fraction' && !d.lt(1)) throw new InvalidOptionsError(option, `must be < 1, got ${d.toFixed()}`);
  return d;
}

/**
 * Parses a slippage in percent, throwing `InvalidOptionsError` unless 0 ≤ pct \< 100.
 * @internal
 */
export function optionSlippagePct(value: unknown, option: string): Decimal {
  const pct = optionDecimal(value, option, 'non-negative');
  if (!pct.lt(100)) throw new InvalidOptionsError(option, `must be < 100 (percent), got ${pct.toFixed()}`);
  return pct;
}

/**
 * Splits `BASE/QUOTE`; undefined for anything else.
 * @internal
 */
export function splitSymbol(symbol: unknown): { base: string; quote: string } | undefined {
  if (typeof symbol !== 'string') return undefined;
  const parts = symbol.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { base: parts[0], quote: parts[1] };
}

/**
 * Returns the symbol, or throws `InvalidOptionsError` unless it is `BASE/QUOTE`.
 * @internal
 */
export function optionSymbol(symbol: unknown, option: string): string {
  if (splitSymbol(symbol) === undefined) {
    throw new InvalidOptionsError(option, `symbol must look like BASE/QUOTE, got ${JSON.stringify(symbol)}`);
  }
  return symbol as string;
}

/**
 * Returns the asset, or throws `InvalidOptionsError` unless it is a non-empty string.
 * @internal
 */
export function optionAsset(asset: unknown, option: string): string {
  if (typeof asset !== 'string' || asset === '') {
    throw new InvalidOptionsError(option, 'asset must be a non-empty string');
  }
  return asset;
}

function parseRules(input: PaperMarketRules | undefined, fallback: ParsedRules, option: string): ParsedRules {
  if (input === undefined) return fallback;
  if (typeof input !== 'object' || input === null) throw new InvalidOptionsError(option, 'must be an object');
  // A zero step or tick would mean "no rounding", which no venue has: refuse it.
  const pick = (key: keyof PaperMarketRules, range: 'positive' | 'non-negative'): Decimal =>
    input[key] === undefined ? fallback[key] : optionDecimal(input[key], `${option}.${key}`, range);
  return {
    amountStep: pick('amountStep', 'positive'),
    priceTick: pick('priceTick', 'positive'),
    minNotional: pick('minNotional', 'non-negative'),
  };
}

const RULES_SHAPE = { amountStep: true, priceTick: true, minNotional: true } as const satisfies Record<keyof PaperMarketRules, true>;

const PAPER_OPTION_SHAPE = {
  prices: true,
  balances: true,
  feeRate: true,
  makerFeeRate: true,
  markets: eachOf(RULES_SHAPE),
  defaultRules: RULES_SHAPE,
  latencyMs: true,
  marketSlippagePct: true,
  clock: true,
  id: true,
} as const satisfies Record<keyof PaperExchangeOptions, unknown>;

function entries(value: unknown, option: string): Array<[string, unknown]> {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null) throw new InvalidOptionsError(option, 'must be an object');
  return Object.entries(value);
}

/**
 * Validates every option up front, so a bad option fails at construction, not mid-replay; an
 * unknown key is refused with the nearest valid name.
 * @internal
 */
export function parsePaperOptions(options: PaperExchangeOptions): ParsedPaperOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('options', 'must be an object');
  checkKnownOptions(options, PAPER_OPTION_SHAPE);
  const id = options.id ?? 'paper';
  if (typeof id !== 'string' || id === '') throw new InvalidOptionsError('id', 'must be a non-empty string');
  const latencyMs = options.latencyMs ?? 0;
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new InvalidOptionsError('latencyMs', `must be a finite number >= 0, got ${String(latencyMs)}`);
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function') throw new InvalidOptionsError('clock', 'must have a now() method');
  const defaultRules = parseRules(options.defaultRules, DEFAULT_RULES, 'defaultRules');
  const markets = new Map<string, ParsedRules>();
  for (const [symbol, rules] of entries(options.markets, 'markets')) {
    const option = `markets.${symbol}`;
    markets.set(optionSymbol(symbol, option), parseRules(rules as PaperMarketRules, defaultRules, option));
  }
  const prices = new Map<string, Decimal>();
  for (const [symbol, price] of entries(options.prices, 'prices')) {
    prices.set(optionSymbol(symbol, `prices.${symbol}`), optionDecimal(price, `prices.${symbol}`, 'positive'));
  }
  const balances = new Map<string, Decimal>();
  for (const [asset, amount] of entries(options.balances, 'balances')) {
    balances.set(optionAsset(asset, 'balances'), optionDecimal(amount, `balances.${asset}`, 'non-negative'));
  }
  const feeRate = optionDecimal(options.feeRate ?? '0.001', 'feeRate', 'fraction');
  const makerFeeRate = optionDecimal(options.makerFeeRate ?? '0.001', 'makerFeeRate', 'fraction');
  const marketSlippagePct = optionSlippagePct(options.marketSlippagePct ?? '0', 'marketSlippagePct');
  return { id, latencyMs, marketSlippagePct, clock, feeRate, makerFeeRate, defaultRules, markets, prices, balances };
}
