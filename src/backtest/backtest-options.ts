/**
 * Options of `backtest()` and their validation: one symbol, or several markets sharing one
 * balance, each with the candles it replays and (optionally) its own strategy.
 */
import { parseDecimal, type DecimalLike } from '../decimal';
import type { CycleEngineOptions } from '../engine/options';
import { InvalidOptionsError } from '../errors';
import { checkKnownOptions } from '../options-check';
import type { PaperMarketRules } from '../adapters/paper/paper-options';
import type { Strategy } from '../strategy/strategy';
import type { IntrabarMode } from './replay';
import type { Candle } from './types';

/**
 * One market of a multi-symbol backtest.
 * @public
 */
export interface BacktestMarket {
  /** Unified symbol, `BASE/QUOTE`; every market of a backtest has the same quote. */
  readonly symbol: string;
  /** Its candles; every market's series must share its timestamps. */
  readonly candles: readonly Candle[];
  /** Its strategy (default: the backtest's `strategy`). */
  readonly strategy?: Strategy | undefined;
}

/**
 * Engine options a backtest passes through (the exchange, store, lock, symbols, strategy and clock
 * are the backtest's own).
 * @public
 */
export type BacktestEngineOptions = Partial<Omit<CycleEngineOptions, 'exchange' | 'store' | 'lock' | 'symbols' | 'strategy' | 'clock'>>;

/**
 * Options of `backtest()`: `symbol` + `candles` for one market, or `markets` for several sharing
 * `startBalance`.
 * @public
 */
export interface BacktestOptions {
  /** One market: its symbol (with `candles`). */
  readonly symbol?: string | undefined;
  /** One market: its candles (with `symbol`). */
  readonly candles?: readonly Candle[] | undefined;
  /** Several markets at once, trading from one balance. */
  readonly markets?: readonly BacktestMarket[] | undefined;
  /** The strategy (`dca({...})` or your own); markets may bring their own. */
  readonly strategy?: Strategy | undefined;
  /** The paper account at the start, e.g. `{ USDT: '1000' }`. */
  readonly startBalance: Readonly<Record<string, DecimalLike>>;
  /** Taker fee rate, e.g. `'0.001'` (0.1 %): buys pay it in base, sells in quote. */
  readonly feeRate: DecimalLike;
  /** Maker fee rate of resting LIMIT orders (default: `feeRate`). */
  readonly makerFeeRate?: DecimalLike | undefined;
  /** MARKET fills move against the bot by this much, in % (default 0.05). */
  readonly slippagePct?: DecimalLike | undefined;
  /** The path inside a candle (default `'ohlc'`: open → low/high in bar order → close). */
  readonly intrabar?: IntrabarMode | undefined;
  /**
   * Tick the engine at every point of every candle's path, also where it has nothing to do
   * (default false: such points pass without a tick and the orders are the same; see the
   * replay's `tickEveryPoint`). For a strategy whose `decide` is not pure.
   */
  readonly tickEveryPoint?: boolean | undefined;
  /** Trading rules (price tick, amount step, min notional) by symbol; default the paper exchange's. */
  readonly marketRules?: Readonly<Record<string, PaperMarketRules>> | undefined;
  /** Engine options passed through (timeouts, backoffs, `cooldownMs`, exit options as they come). */
  readonly engine?: BacktestEngineOptions | undefined;
  /**
   * The strategy's most rebuys per cycle, for the bag time. Default: `strategy.options.maxRebuys`
   * of a `dca()` strategy (the largest over the markets); without either the bag time is 0.
   */
  readonly maxRebuys?: number | undefined;
  /** Called after each candle (all markets) with its index and the count: progress. */
  readonly onCandle?: ((index: number, count: number) => void) | undefined;
}

const SHAPE = {
  symbol: true, candles: true, markets: true, strategy: true, startBalance: true, feeRate: true, makerFeeRate: true, slippagePct: true,
  intrabar: true, tickEveryPoint: true, marketRules: true, engine: true, maxRebuys: true, onCandle: true,
} as const satisfies Record<keyof BacktestOptions, true>;

/**
 * The markets of a backtest, checked.
 * @internal
 */
export interface ParsedBacktest {
  readonly markets: ReadonlyArray<{ readonly symbol: string; readonly base: string; readonly candles: readonly Candle[]; readonly strategy: Strategy }>;
  readonly quote: string;
  readonly maxRebuys: number | null;
}

/**
 * Checks the options of `backtest()`.
 * @throws {@link InvalidOptionsError} naming the first bad option
 * @internal
 */
export function parseBacktestOptions(o: BacktestOptions): ParsedBacktest {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionsError('backtest', 'expected an options object');
  checkKnownOptions(o, SHAPE, '');
  const list: BacktestMarket[] = o.markets !== undefined ? [...o.markets] : [];
  if (o.markets !== undefined && (o.symbol !== undefined || o.candles !== undefined)) {
    throw new InvalidOptionsError('markets', 'give either symbol + candles or markets, not both');
  }
  if (o.markets === undefined) {
    if (typeof o.symbol !== 'string') throw new InvalidOptionsError('symbol', 'expected a symbol such as ETH/USDT (or markets)');
    list.push({ symbol: o.symbol, candles: o.candles as readonly Candle[], strategy: o.strategy });
  }
  if (list.length === 0) throw new InvalidOptionsError('markets', 'expected at least one market');
  const seen = new Set<string>();
  let quote: string | null = null;
  const markets = list.map((m, i) => {
    const at = o.markets === undefined ? '' : `markets[${i}].`;
    const parts = typeof m.symbol === 'string' ? m.symbol.split('/') : [];
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new InvalidOptionsError(`${at}symbol`, `expected BASE/QUOTE, got ${JSON.stringify(m.symbol)}`);
    if (seen.has(m.symbol)) throw new InvalidOptionsError(`${at}symbol`, `${m.symbol} is given twice`);
    seen.add(m.symbol);
    if (quote !== null && parts[1] !== quote) throw new InvalidOptionsError(`${at}symbol`, `every market must share one quote (${quote}), got ${m.symbol}`);
    quote = parts[1]!;
    if (!Array.isArray(m.candles) || m.candles.length === 0) throw new InvalidOptionsError(`${at}candles`, 'expected a non-empty array of candles (see loadCandles)');
    const strategy = m.strategy ?? o.strategy;
    if (strategy === undefined || typeof strategy.decide !== 'function') throw new InvalidOptionsError(`${at}strategy`, 'expected a strategy such as dca({...})');
    return { symbol: m.symbol, base: parts[0]!, candles: m.candles, strategy };
  });
  const first = markets[0]!.candles;
  for (const m of markets) {
    if (m.candles.length !== first.length || m.candles[0]!.time !== first[0]!.time || m.candles[m.candles.length - 1]!.time !== first[first.length - 1]!.time) {
      throw new InvalidOptionsError('markets', `every market's candles must share their timestamps (${m.symbol} differs from ${markets[0]!.symbol})`);
    }
  }
  if (typeof o.startBalance !== 'object' || o.startBalance === null) throw new InvalidOptionsError('startBalance', 'expected e.g. { USDT: "1000" }');
  for (const [asset, amount] of Object.entries(o.startBalance)) {
    const d = parseDecimal(amount);
    if (d === undefined || d.isNeg()) throw new InvalidOptionsError(`startBalance.${asset}`, `expected a decimal ≥ 0, got ${JSON.stringify(amount)}`);
  }
  for (const k of ['feeRate', 'makerFeeRate', 'slippagePct'] as const) {
    if (o[k] === undefined && k !== 'feeRate') continue;
    const d = parseDecimal(o[k]);
    if (d === undefined || d.isNeg() || d.gte(k === 'slippagePct' ? 100 : 1)) throw new InvalidOptionsError(k, `expected a decimal in [0, ${k === 'slippagePct' ? 100 : 1}), got ${JSON.stringify(o[k])}`);
  }
  if (o.tickEveryPoint !== undefined && typeof o.tickEveryPoint !== 'boolean') throw new InvalidOptionsError('tickEveryPoint', `expected a boolean, got ${JSON.stringify(o.tickEveryPoint)}`);
  if (o.maxRebuys !== undefined && (!Number.isSafeInteger(o.maxRebuys) || o.maxRebuys < 0)) throw new InvalidOptionsError('maxRebuys', `expected an integer ≥ 0, got ${String(o.maxRebuys)}`);
  return { markets, quote: quote!, maxRebuys: o.maxRebuys ?? maxRebuysOf(markets.map((m) => m.strategy)) };
}

/** The largest `options.maxRebuys` of `dca()` strategies, or null when none says. */
function maxRebuysOf(strategies: readonly Strategy[]): number | null {
  let max: number | null = null;
  for (const s of strategies) {
    const n = (s as { options?: { maxRebuys?: unknown } }).options?.maxRebuys;
    if (typeof n === 'number' && Number.isSafeInteger(n)) max = Math.max(max ?? 0, n);
  }
  return max;
}

/**
 * One strategy for the engine from each market's own: decisions and resting orders go to the
 * symbol's strategy. Strategies must agree on `cooldownMs` (the engine has one).
 * @throws {@link InvalidOptionsError} when their cooldowns differ
 * @internal
 */
export function routeStrategies(bySymbol: ReadonlyMap<string, Strategy>): Strategy {
  const distinct = [...new Set(bySymbol.values())];
  if (distinct.length === 1) return distinct[0]!;
  const cooldowns = new Set(distinct.map((s) => s.cooldownMs ?? 0));
  if (cooldowns.size > 1) throw new InvalidOptionsError('markets', `the markets' strategies must share one cooldownMs, got ${[...cooldowns].join(', ')}`);
  const pick = (symbol: string): Strategy => bySymbol.get(symbol)!;
  const resting = distinct.some((s) => typeof s.restingOrders === 'function');
  return {
    name: distinct.map((s) => s.name).join('+'),
    cooldownMs: [...cooldowns][0],
    usesLimitOrders: distinct.some((s) => s.usesLimitOrders === true),
    decide: (context) => pick(context.symbol).decide(context),
    ...(resting ? { restingOrders: (context) => pick(context.symbol).restingOrders?.(context) ?? [] } : {}),
  } as Strategy;
}
