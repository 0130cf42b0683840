/**
 * Options of {@link CycleEngine} and their validation.
 */
import { parseDecimal, str, type DecimalLike } from '../decimal';
import { InvalidOptionsError } from '../errors';
import { checkKnownOptions, type OptionShape } from '../options-check';
import { systemClock, type Clock } from '../ports/clock';
import type { Exchange } from '../ports/exchange';
import type { Lock } from '../ports/lock';
import type { StateStore } from '../ports/state-store';
import type { Strategy } from '../strategy/strategy';

/**
 * Options of {@link CycleEngine}.
 * @public
 */
export interface CycleEngineOptions {
  /** Where orders go. */
  readonly exchange: Exchange;
  /** Where cycle records live. Every write is a compare-and-set. */
  readonly store: StateStore;
  /** Per-symbol lock that keeps engines sharing the store apart. */
  readonly lock: Lock;
  /** Unified symbols to trade, e.g. `['ETH/USDT']`. Non-empty, no duplicates. */
  readonly symbols: readonly string[];
  /** What to do at each price: `dca({...})` or your own. */
  readonly strategy: Strategy;
  /** Pause between ticks of `start()`'s loop, \> 0 (default 1,000 ms). */
  readonly tickIntervalMs?: number | undefined;
  /** An order call running longer than this is abandoned and its outcome is unknown (default 30,000 ms). */
  readonly orderTimeoutMs?: number | undefined;
  /**
   * An intent without an outcome whose sender is not this engine is taken as abandoned (its worker
   * crashed or its engine is gone) once it is older than `orderTimeoutMs + workerGraceMs`
   * (default 5,000 ms); it is then parked as unknown.
   */
  readonly workerGraceMs?: number | undefined;
  /**
   * An order not found by its client order id is treated as rejected only once it can no longer
   * land: `orderTimeoutMs + landingWindowMs` after its intent (default 60,000 ms: Binance drops
   * requests older than their receive window, at most 60 s).
   *
   * There is no fixed floor (a fake venue in a test may need none), but a window below what the
   * exchange adapter says it needs (`Exchange.minLandingWindowMs`, e.g. its receive window) is
   * refused with an `InvalidOptionsError`: an order could land after being given up.
   */
  readonly landingWindowMs?: number | undefined;
  /** Backoff between look-ups of a parked order: `initialMs · 2^(n−1)` with ±20% jitter, capped (defaults 1,000 and 15,000 ms; `maxMs` ≥ `initialMs`). */
  readonly lookupBackoff?: { readonly initialMs?: number | undefined; readonly maxMs?: number | undefined } | undefined;
  /** Lease length of the per-symbol lock (default 5,000 ms; holds last about a millisecond). */
  readonly lockTtlMs?: number | undefined;
  /**
   * How long a worker waits for the lock before writing an outcome with compare-and-set alone
   * (default 1,000 ms). Ticks never wait: a busy symbol is looked at again on the next tick.
   */
  readonly lockWaitMs?: number | undefined;
  /** Backoff after a rejected order: `initialMs · 2^(n−1)` for the n-th rejection in a row, capped (defaults 1,000 and 60,000 ms; `maxMs` ≥ `initialMs`). */
  readonly retryBackoff?: { readonly initialMs?: number | undefined; readonly maxMs?: number | undefined } | undefined;
  /** Wait after a sell before the next cycle starts; defaults to the strategy's `cooldownMs`, else 0. */
  readonly cooldownMs?: number | undefined;
  /** Prefix of store and lock keys (e.g. an account name), so several accounts share one store. */
  readonly keyPrefix?: string | undefined;
  /** Symbols read and decided at once in a tick, without the lock (default 32; matters for remote stores). */
  readonly concurrency?: number | undefined;
  /**
   * Symbols whose transition (lock, read, write) runs at once (default 1). Keep 1 for in-process
   * and file stores: each lock hold then lasts only its own calls. Raise it for a remote store,
   * where a transition is mostly waiting on round trips.
   */
  readonly transitionConcurrency?: number | undefined;
  /** Id of this engine instance, recorded as the owner of its intents: a non-empty string (default: random). */
  readonly instanceId?: string | undefined;
  /** Time source (default: the wall clock). */
  readonly clock?: Clock | undefined;
  /**
   * Bound on every port call but `placeMarketOrder` (`fetchPrices`, `getMarket`, `findOrder`,
   * `fetchBalances`, the store's and the lock's calls): a call still pending after this fails with
   * a `CallTimeoutError` for that call only (default 30,000 ms).
   */
  readonly callTimeoutMs?: number | undefined;
  /**
   * `stop()` resolves within this even when a call hangs, and reports (`engine:stopped`) the
   * orders it left without an outcome (default 35,000 ms).
   */
  readonly stopTimeoutMs?: number | undefined;
  /**
   * What to do when a sell is refused because the account holds less base than the position
   * says: `'halt'` (default) — the cycle sends nothing until `engine.resyncCycle(symbol)`;
   * `'adopt'` — the position shrinks to what the account holds (never grows) and the sell is
   * retried for that.
   */
  readonly onPositionMismatch?: 'halt' | 'adopt' | undefined;
  /**
   * A fill whose fee the venue has not reported yet is looked up again; after this long it is
   * applied with a fee estimated from the market's taker rate, flagged `feeEstimated`
   * (default 600,000 ms).
   */
  readonly feeLookupTimeoutMs?: number | undefined;
  /**
   * After an order is given up as not found (it could no longer land), it is looked up again this
   * long after, once per entry, in case it landed after all: a fill found then is recorded as an
   * orphan, accounted and announced (default `[60_000, 600_000, 3_600_000]`: 1 min, 10 min, 1 h;
   * `[]` turns it off). Kept in memory: a restart forgets them.
   */
  readonly lateLookupsMs?: readonly number[] | undefined;
  /**
   * A resting (open) order is looked up when the price crossed its limit since its last check, or
   * when this long has passed since (default 60,000 ms) — never on every tick, so an idle cycle
   * with resting orders costs no request per tick.
   */
  readonly openOrderCheckMs?: number | undefined;
  /**
   * Portfolio limit: at most this many cycles hold a position or an order at once, across every
   * engine sharing the store and `portfolioKey` (an integer ≥ 1). A start that would exceed it
   * waits (`cycle:budgetWait`). See docs/exits.md.
   */
  readonly maxActiveCycles?: number | undefined;
  /**
   * Portfolio limit: the quote invested in active cycles plus the quote of buys in flight or
   * resting never exceeds this, across every engine sharing the store and `portfolioKey` (a
   * positive decimal). A start or a rebuy that would exceed it waits (`cycle:budgetWait`).
   */
  readonly maxTotalInvestedQuote?: DecimalLike | undefined;
  /**
   * Store key of the shared portfolio record holding the limits' reservations (default
   * `'__portfolio'`; not prefixed by `keyPrefix`, so engines with different prefixes can share one
   * budget — give them different keys to keep budgets apart). Written only when a limit is set.
   */
  readonly portfolioKey?: string | undefined;
}

/** @internal */
export interface ResolvedOptions {
  exchange: Exchange;
  store: StateStore;
  lock: Lock;
  symbols: readonly string[];
  strategy: Strategy;
  tickIntervalMs: number;
  orderTimeoutMs: number;
  workerGraceMs: number;
  landingWindowMs: number;
  lookupBackoffInitialMs: number;
  lookupBackoffMaxMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  cooldownMs: number;
  keyPrefix: string;
  concurrency: number;
  transitionConcurrency: number;
  instanceId: string | undefined;
  clock: Clock;
  callTimeoutMs: number;
  stopTimeoutMs: number;
  onPositionMismatch: 'halt' | 'adopt';
  feeLookupTimeoutMs: number;
  lateLookupsMs: readonly number[];
  openOrderCheckMs: number;
  maxActiveCycles: number | null;
  maxTotalInvestedQuote: string | null;
  portfolioKey: string;
}

/**
 * Every key {@link CycleEngineOptions} may hold (the `satisfies` makes a new option fail to
 * compile until it is listed here).
 * @internal
 */
export const ENGINE_OPTION_SHAPE = {
  exchange: true,
  store: true,
  lock: true,
  symbols: true,
  strategy: true,
  tickIntervalMs: true,
  orderTimeoutMs: true,
  workerGraceMs: true,
  landingWindowMs: true,
  lookupBackoff: { initialMs: true, maxMs: true },
  lockTtlMs: true,
  lockWaitMs: true,
  retryBackoff: { initialMs: true, maxMs: true },
  cooldownMs: true,
  keyPrefix: true,
  concurrency: true,
  transitionConcurrency: true,
  instanceId: true,
  clock: true,
  callTimeoutMs: true,
  stopTimeoutMs: true,
  onPositionMismatch: true,
  feeLookupTimeoutMs: true,
  lateLookupsMs: true,
  openOrderCheckMs: true,
  maxActiveCycles: true,
  maxTotalInvestedQuote: true,
  portfolioKey: true,
} as const satisfies Record<keyof CycleEngineOptions, true | OptionShape>;

function ms(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionsError(name, `expected a number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function portfolioLimits(options: CycleEngineOptions): Pick<ResolvedOptions, 'maxActiveCycles' | 'maxTotalInvestedQuote' | 'portfolioKey'> {
  const max = options.maxActiveCycles;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) throw new InvalidOptionsError('maxActiveCycles', `expected an integer ≥ 1, got ${String(max)}`);
  let budget: string | null = null;
  if (options.maxTotalInvestedQuote !== undefined) {
    const d = parseDecimal(options.maxTotalInvestedQuote);
    if (d === undefined || !d.isFinite() || d.lte(0)) {
      throw new InvalidOptionsError('maxTotalInvestedQuote', `expected a positive number or decimal string, got ${JSON.stringify(options.maxTotalInvestedQuote) ?? String(options.maxTotalInvestedQuote)}`);
    }
    budget = str(d);
  }
  const key = options.portfolioKey ?? '__portfolio';
  if (typeof key !== 'string' || key.trim() === '') throw new InvalidOptionsError('portfolioKey', `expected a non-empty string, got ${JSON.stringify(key) ?? String(key)}`);
  return { maxActiveCycles: max ?? null, maxTotalInvestedQuote: budget, portfolioKey: key };
}

function lateLookups(value: unknown): readonly number[] {
  if (value === undefined) return [60_000, 600_000, 3_600_000];
  if (!Array.isArray(value)) throw new InvalidOptionsError('lateLookupsMs', 'expected an array of delays in ms');
  const out = value.map((v, i) => ms(`lateLookupsMs[${i}]`, v, 0, 1));
  for (let i = 1; i < out.length; i++) if ((out[i] as number) <= (out[i - 1] as number)) throw new InvalidOptionsError('lateLookupsMs', 'expected growing delays');
  return out;
}

function positiveMs(name: string, value: unknown, fallback: number): number {
  const v = ms(name, value, fallback);
  if (v <= 0) throw new InvalidOptionsError(name, `expected a number > 0, got ${String(value)}`);
  return v;
}

function backoff(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidOptionsError(name, 'expected an object { initialMs?, maxMs? }');
  }
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new InvalidOptionsError(name, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function port(name: string, value: unknown, methods: string[]): void {
  if (typeof value !== 'object' || value === null) throw new InvalidOptionsError(name, 'is required');
  for (const m of methods) {
    if (typeof (value as Record<string, unknown>)[m] !== 'function') throw new InvalidOptionsError(name, `has no ${m}() method`);
  }
}

/**
 * Validates engine options.
 * @throws {@link InvalidOptionsError}
 * @internal
 */
export function resolveOptions(options: CycleEngineOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('options', 'expected an object');
  checkKnownOptions(options, ENGINE_OPTION_SHAPE);
  port('exchange', options.exchange, ['fetchPrices', 'getMarket', 'placeMarketOrder', 'findOrder']);
  port('store', options.store, ['get', 'compareAndSet', 'list']);
  port('lock', options.lock, ['acquire']);
  port('strategy', options.strategy, ['decide']);
  const symbols = options.symbols;
  if (!Array.isArray(symbols) || symbols.length === 0) throw new InvalidOptionsError('symbols', 'expected a non-empty array of symbols');
  const seen = new Set<string>();
  for (const s of symbols) {
    if (typeof s !== 'string' || !/^[^\s/]+\/[^\s/]+$/.test(s)) throw new InvalidOptionsError('symbols', `expected symbols like "ETH/USDT", got ${JSON.stringify(s)}`);
    if (seen.has(s)) throw new InvalidOptionsError('symbols', `${s} is listed twice`);
    seen.add(s);
  }
  const keyPrefix = options.keyPrefix ?? '';
  if (typeof keyPrefix !== 'string') throw new InvalidOptionsError('keyPrefix', 'expected a string');
  if (options.instanceId !== undefined && (typeof options.instanceId !== 'string' || options.instanceId.trim() === '')) {
    throw new InvalidOptionsError('instanceId', `expected a non-empty string, got ${JSON.stringify(options.instanceId) ?? String(options.instanceId)}`);
  }
  backoff('retryBackoff', options.retryBackoff);
  backoff('lookupBackoff', options.lookupBackoff);
  const strategyCooldown = options.strategy.cooldownMs;
  const concurrency = ms('concurrency', options.concurrency, 32, 1);
  if (!Number.isInteger(concurrency)) throw new InvalidOptionsError('concurrency', 'expected an integer');
  const transitionConcurrency = ms('transitionConcurrency', options.transitionConcurrency, 1, 1);
  if (!Number.isInteger(transitionConcurrency)) throw new InvalidOptionsError('transitionConcurrency', 'expected an integer');
  const resolved: ResolvedOptions = {
    exchange: options.exchange,
    store: options.store,
    lock: options.lock,
    symbols: [...symbols],
    strategy: options.strategy,
    tickIntervalMs: positiveMs('tickIntervalMs', options.tickIntervalMs, 1_000),
    orderTimeoutMs: ms('orderTimeoutMs', options.orderTimeoutMs, 30_000, 1),
    workerGraceMs: ms('workerGraceMs', options.workerGraceMs, 5_000),
    landingWindowMs: ms('landingWindowMs', options.landingWindowMs, 60_000),
    lookupBackoffInitialMs: ms('lookupBackoff.initialMs', options.lookupBackoff?.initialMs, 1_000),
    lookupBackoffMaxMs: ms('lookupBackoff.maxMs', options.lookupBackoff?.maxMs, 15_000),
    lockTtlMs: ms('lockTtlMs', options.lockTtlMs, 5_000, 1),
    lockWaitMs: ms('lockWaitMs', options.lockWaitMs, 1_000),
    backoffInitialMs: ms('retryBackoff.initialMs', options.retryBackoff?.initialMs, 1_000),
    backoffMaxMs: ms('retryBackoff.maxMs', options.retryBackoff?.maxMs, 60_000),
    cooldownMs: ms('cooldownMs', options.cooldownMs ?? (typeof strategyCooldown === 'number' ? strategyCooldown : undefined), 0),
    keyPrefix,
    concurrency,
    transitionConcurrency,
    instanceId: options.instanceId,
    clock: options.clock ?? systemClock,
    callTimeoutMs: ms('callTimeoutMs', options.callTimeoutMs, 30_000, 1),
    stopTimeoutMs: ms('stopTimeoutMs', options.stopTimeoutMs, 35_000, 1),
    onPositionMismatch: oneOf('onPositionMismatch', options.onPositionMismatch, ['halt', 'adopt'] as const, 'halt'),
    feeLookupTimeoutMs: ms('feeLookupTimeoutMs', options.feeLookupTimeoutMs, 600_000),
    lateLookupsMs: lateLookups(options.lateLookupsMs),
    openOrderCheckMs: ms('openOrderCheckMs', options.openOrderCheckMs, 60_000, 1),
    ...portfolioLimits(options),
  };
  if (resolved.maxActiveCycles !== null || resolved.maxTotalInvestedQuote !== null) {
    if (symbols.some((s) => keyPrefix + s === resolved.portfolioKey)) {
      throw new InvalidOptionsError('portfolioKey', `${resolved.portfolioKey} is also the key of a cycle`);
    }
  }
  if (resolved.backoffMaxMs < resolved.backoffInitialMs) {
    throw new InvalidOptionsError('retryBackoff.maxMs', `${resolved.backoffMaxMs} is below retryBackoff.initialMs (${resolved.backoffInitialMs})`);
  }
  if (resolved.lookupBackoffMaxMs < resolved.lookupBackoffInitialMs) {
    throw new InvalidOptionsError('lookupBackoff.maxMs', `${resolved.lookupBackoffMaxMs} is below lookupBackoff.initialMs (${resolved.lookupBackoffInitialMs})`);
  }
  const strategy = options.strategy;
  if ((strategy.usesLimitOrders === true || typeof strategy.restingOrders === 'function') && (typeof options.exchange.placeLimitOrder !== 'function' || typeof options.exchange.cancelOrder !== 'function')) {
    throw new InvalidOptionsError(
      'strategy',
      `rests LIMIT orders (takeProfitOrder or rebuyOrders 'limit'), but the ${options.exchange.id} exchange has no placeLimitOrder() and cancelOrder(): use market modes or an adapter that supports limit orders`,
    );
  }
  const needed = options.exchange.minLandingWindowMs;
  if (typeof needed === 'number' && Number.isFinite(needed) && resolved.landingWindowMs < needed) {
    throw new InvalidOptionsError(
      'landingWindowMs',
      `${resolved.landingWindowMs} ms is below the ${options.exchange.id} adapter's minimum of ${needed} ms: an order could land after being given up`,
    );
  }
  return resolved;
}
