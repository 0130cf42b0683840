/**
 * Replays historical candles through a {@link CycleEngine}: shared by the demo and the bench.
 *
 * The loop is deterministic: the same candles, options and strategy give the same orders, in the
 * same order, at the same prices and simulated times (only the random ids differ between runs).
 *
 * ## The path inside a candle (`intrabar`)
 *
 * An hourly candle says where the price went in the hour, not in which order. With
 * `intrabar: 'ohlc'` (the default) every candle is walked along the usual OHLC bar convention:
 * a rising candle (`close >= open`) goes open → low → high → close, a falling one
 * open → high → low → close, in straight lines, so that a rebuy trigger touched by the low, or a
 * take-profit touched by the high, is seen even when the close is back in between. With
 * `intrabar: 'close'` the path is open → close: faster, and it misses wicks.
 *
 * | point | clock (an hourly candle; other intervals in proportion) |
 * | --- | --- |
 * | open | open time (a "soft" point: the engine ticks there only when the strategy would act) |
 * | first extreme (`ohlc`) | open time + 1/3 of the interval (20 min) |
 * | second extreme (`ohlc`) | open time + 2/3 of the interval (40 min) |
 * | close | open time + the interval − 1 s (just before the next candle opens; − 1/60 of an interval under a minute) |
 *
 * The interval is the `intervalMs` option, by default the gap between the first two candles (1 h
 * with a single candle).
 *
 * The engine is ticked (one `engine.tick()`, then `engine.idle()`) at the points where it has
 * something to do, and at every level crossed in between.
 *
 * ## Points the engine is not ticked at
 *
 * Most points of a quiet market are nothing to the bot: the price moved, no threshold was crossed,
 * no order is in flight. A tick there reads the record, asks the strategy and finds nothing to
 * write. So a point is passed without a tick (its price reaches the exchange before the next
 * tick) unless, for some symbol:
 *
 * - the engine wrote the record in the last tick (it may have a next step: a close, a replacement),
 * - the record has work of the engine's own pending: a slot being sent, cancelled or unknown, a
 *   MARKET order, an exit or a close under way,
 * - a backoff (`retryAt`) ended since the last tick (what it held back can be placed now),
 * - the strategy's `decide` at the point's price and clock returns anything (an action, even one
 *   the engine held back last time, or a memory to record) — time-based exits come due here,
 * - a resting LIMIT order's limit is reached at the point (it fills there),
 * - a resting order a tick's price reached is still as it was in the record (the engine holds its
 *   fill in memory, e.g. a fee the venue has not reported yet, and looks it up again), or
 * - the strategy's `restingOrders` at the point want an order with no slot of its kind in the
 *   record while no backoff runs (the engine places it at its next tick unless a portfolio limit
 *   holds it back — and that can lift without a write to this record),
 * - the strategy's `restingOrders` at the point differ from its answer at the last tick, or are
 *   an answer the engine refuses (a throw, an invalid order: reported as an error at every tick,
 *   as is a `decide` that throws or answers something malformed).
 *
 * That is the engine's own plan for the tick (`#planFor`) read from the outside: every order still
 * goes through the whole protocol (intent, compare-and-set, send, observation). The strategy must
 * be pure — the same context gives the same answer — as it must be for the levels; for one that
 * is not, `tickEveryPoint: true` ticks every point as before (slower, otherwise the same orders —
 * the tests compare the two on real series).
 *
 * ## Levels crossed between two points: replays that do not flatter
 *
 * Between two points the price passes through every price in between, and a polling bot acts at
 * the first one its strategy answers to: a MARKET take-profit decided because the price crossed
 * `avg × 1.015` fills there, not at the candle's high. So before walking a stretch the replay
 * asks the strategy — the same `decide` the engine calls, with the position of the cycle record
 * (`engine.getCycle`), the market rules, each price and the clock there — where along the stretch
 * it would first return an action (see `levels.ts`: a sample every 0.25 % of the price, at most 32
 * per stretch, then a bisection to the tick: exact for thresholds, while a decision that holds
 * only on a band narrower than a sample interval can be missed). It sets the paper price to that
 * level and ticks the real engine there, which decides and sends the order as it would live; then
 * it goes on along the stretch from that level (after a sell, the next start is decided at the
 * same price). The exchange fills MARKET orders moved against the bot by `slippagePct` (set on
 * the exchange with `setMarketSlippagePct`). Levels are found with whatever strategy is passed,
 * so the rule holds for custom strategies too.
 *
 * A decision the engine did not act on (a back-off after a refused order, a cooldown, an order in
 * flight) is not looked for again along the rest of the stretch; the engine gets its next chance
 * at the next point, where a decision unblocked by time fills at that point's price. A strategy
 * that acts more than 8 times in a row at one price gets no more levels on that stretch. Levels
 * of several symbols are taken in time order (the clock at a level is interpolated along the
 * stretch); the other symbols keep their last price meanwhile. A gap between a close and the next
 * open is a jump: a level crossed in it is taken at the open. Positions are read again after a
 * tick only for the symbols whose lock the engine released with a write (`lock:released`).
 *
 * Prices of points go to the exchange as decimal strings of the candle's numbers
 * (`String(3723.04)` is `'3723.04'`: the shortest decimal that reads back as the same number, i.e.
 * the file's text); levels are on the market's price tick (or on the candles' own decimals when
 * they are finer than the tick).
 */
import type { DecimalLike } from '../decimal';
import type { CycleEngine } from '../engine/cycle-engine';
import type { ManualClock } from '../ports/clock';
import type { MarketRules } from '../ports/exchange';
import type { Strategy } from '../strategy/strategy';
import type { Candle } from './types';
import { Walker } from './walker';

/**
 * The path inside a candle: open → low/high in bar order → close, or open → close.
 * @public
 */
export type IntrabarMode = 'ohlc' | 'close';

/**
 * What the replay needs from the exchange (the `PaperExchange` has it all).
 * @public
 */
export interface PriceFeed {
  /** Sets the last price. */
  setPrice(symbol: string, price: string): void;
  /** The market's rules: the strategy sees them, and levels are on its price tick. */
  getMarket(symbol: string): Promise<MarketRules>;
  /** Slippage of MARKET fills, in percent: the replay sets it to its `slippagePct`. */
  setMarketSlippagePct(pct: DecimalLike): void;
}

/**
 * Options of {@link replay}.
 * @public
 */
export interface ReplayOptions {
  /** The engine to drive; it must trade exactly the symbols in `candles` (or more: those keep their price). */
  readonly engine: Pick<CycleEngine, 'tick' | 'idle' | 'getCycle' | 'on' | 'off'>;
  /** The engine's strategy (the same object): asked where along the path it would act. */
  readonly strategy: Strategy;
  /** Receives the prices; usually the engine's `PaperExchange`. */
  readonly exchange: PriceFeed;
  /** The clock the engine (and exchange) read; set to each tick's time. */
  readonly clock: ManualClock;
  /** Candles by symbol. Every series must have the same timestamps (index by index). */
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
  /** Replay at most this many candles per symbol (default: all). */
  readonly limit?: number;
  /** The path inside a candle (default `'ohlc'`; see the module comment). */
  readonly intrabar?: IntrabarMode;
  /** Slippage of MARKET fills in percent, set on the exchange (default 0.05, i.e. 0.05 %). */
  readonly slippagePct?: DecimalLike;
  /**
   * Tick the engine at every point of every candle's path (default false: a point where no
   * symbol's engine has anything to do passes without a tick — see the module comment, "Points
   * the engine is not ticked at"; the orders are the same). Set it for a strategy whose `decide`
   * is not pure (e.g. one that counts the calls).
   */
  readonly tickEveryPoint?: boolean;
  /** Time between candles' open times, ms, for the clock inside a candle (default: the first two candles' gap). */
  readonly intervalMs?: number;
  /** Called after each candle's last step (e.g. for progress); returning `'stop'` ends the replay there. */
  readonly onCandle?: (index: number, time: number) => 'stop' | void;
}

/**
 * What a replay did.
 * @public
 */
export interface ReplayResult {
  /** Candles replayed per symbol. */
  readonly candles: number;
  /** Engine ticks run: at the points (candles × 3, or × 1 for `'close'`) not skipped, and at the levels. */
  readonly ticks: number;
  /** Of those, ticks at a level crossed between two points (or at an open). */
  readonly levelTicks: number;
  /** Points passed without a tick: no symbol's engine had anything to do there (see the module comment). */
  readonly skippedPoints: number;
  /** Open time of the first candle replayed (Unix ms), or null when none was. */
  readonly firstTime: number | null;
  /** Open time of the last candle replayed (Unix ms), or null when none was. */
  readonly lastTime: number | null;
}

/**
 * The default `slippagePct`: 0.05 %.
 * @public
 */
export const DEFAULT_SLIPPAGE_PCT = '0.05';

const HOUR = 3_600_000;

/**
 * Clock offsets from the candle's open time of the path's points, for candles `intervalMs` apart.
 * @internal
 */
export function offsetsOf(mode: IntrabarMode, intervalMs: number): number[] {
  const close = intervalMs - Math.min(1_000, Math.floor(intervalMs / 60));
  return mode === 'close' ? [0, close] : [0, Math.floor(intervalMs / 3), Math.floor((2 * intervalMs) / 3), close];
}

/**
 * The points of one candle's path, in order, open first (see the module comment).
 * @internal
 */
export function pathOf(candle: Candle, mode: IntrabarMode): number[] {
  const { open, high, low, close } = candle;
  if (mode === 'close') return [open, close];
  return close >= open ? [open, low, high, close] : [open, high, low, close];
}

/**
 * Replays candles: for each candle, walks every symbol's path (see the module comment), ticking
 * the engine (`engine.tick()`, then `engine.idle()`) at each point but the open and at each level
 * where the strategy would act in between. Sets the exchange's MARKET slippage to `slippagePct`
 * first. Deterministic. Engine errors from `tick()` propagate.
 * @throws Error when the series do not share their timestamps
  * @public
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { engine, exchange, clock, candles, strategy } = options;
  const mode = options.intrabar ?? 'ohlc';
  exchange.setMarketSlippagePct(options.slippagePct ?? DEFAULT_SLIPPAGE_PCT);
  const series = Object.entries(candles);
  if (series.length === 0) return { candles: 0, ticks: 0, levelTicks: 0, skippedPoints: 0, firstTime: null, lastTime: null };
  const shortest = Math.min(...series.map(([, s]) => s.length));
  const count = Math.max(0, Math.min(shortest, options.limit ?? Infinity));
  const [firstSymbol, firstSeries] = series[0]!;
  const gap = firstSeries.length > 1 ? firstSeries[1]!.time - firstSeries[0]!.time : HOUR;
  const offsets = offsetsOf(mode, options.intervalMs ?? gap);
  const walkers: Walker[] = [];
  for (const [symbol, s] of series) {
    // The first open makes the symbol a market of a paper exchange that had no price for it yet.
    if (count > 0) exchange.setPrice(symbol, String(s[0]!.open));
    const w = new Walker(symbol, strategy, await exchange.getMarket(symbol));
    w.refresh((await engine.getCycle(symbol)) ?? null, clock.now());
    walkers.push(w);
  }
  let ticks = 0;
  let levelTicks = 0;
  let skipped = 0;
  let replayed = 0;
  // A record is only ever written under its lock: the positions to read again after a tick are
  // those of the symbols whose lock was released with a write (and the one ticked at its level).
  const written = new Set<string>();
  const onRelease = (e: { symbol: string; purpose: string }): void => {
    if (e.purpose !== 'none') written.add(e.symbol);
  };
  engine.on('lock:released', onRelease);
  // The prices of points passed without a tick reach the exchange before the next tick.
  const flush = (except: Walker | null): void => {
    for (const w of walkers) {
      const price = w === except ? null : w.flushPrice();
      if (price !== null) exchange.setPrice(w.symbol, price);
    }
  };
  const tickAt = async (time: number, level: Walker | null): Promise<void> => {
    clock.set(time); // forwards only
    written.clear();
    await engine.tick();
    await engine.idle();
    ticks++;
    for (const w of walkers) {
      const wrote = written.has(w.symbol);
      if (w !== level && !wrote) w.refresh(undefined, time);
      else w.refresh((await engine.getCycle(w.symbol)) ?? null, time, wrote);
    }
  };
  try {
    for (let i = 0; i < count; i++) {
      const time = firstSeries[i]!.time;
      for (let k = 0; k < series.length; k++) {
        const [symbol, s] = series[k]!;
        const candle = s[i]!;
        if (candle.time !== time) {
          throw new Error(`candle #${i}: ${symbol} is at ${new Date(candle.time).toISOString()}, ${firstSymbol} at ${new Date(time).toISOString()}`);
        }
        walkers[k]!.enterCandle(pathOf(candle, mode), time, offsets);
      }
      // Each leg: the levels crossed on it, all symbols together in time order, then its end point.
      for (let leg = 0; leg < offsets.length - 1; leg++) {
        for (const w of walkers) w.enterLeg(leg);
        for (;;) {
          let next: Walker | null = null;
          for (const w of walkers) if (w.level() !== null && (next === null || w.level()!.time < next.level()!.time)) next = w;
          if (next === null) break;
          const level = next.level()!;
          clock.set(level.time); // before the price: a resting order it crosses fills at this time
          next.flushPrice(); // its own point price is passed: the level is further along
          flush(next);
          exchange.setPrice(next.symbol, level.price);
          next.acting(level);
          await tickAt(level.time, next);
          levelTicks++;
        }
        clock.set(time + offsets[leg + 1]!);
        // A point where no symbol's engine has anything to do passes without a tick.
        let wanted = options.tickEveryPoint === true;
        if (!wanted) for (const w of walkers) if (w.wantsPoint()) { wanted = true; break; }
        if (!wanted) {
          for (const w of walkers) w.skipPoint();
          skipped++;
          continue;
        }
        for (const w of walkers) {
          w.flushPrice();
          exchange.setPrice(w.symbol, w.pointPrice(leg + 1));
          w.acting(null);
        }
        await tickAt(time + offsets[leg + 1]!, null);
      }
      replayed = i + 1;
      if (options.onCandle?.(i, time) === 'stop') break;
    }
    flush(null);
  } finally {
    engine.off('lock:released', onRelease);
  }
  return {
    candles: replayed,
    ticks,
    levelTicks,
    skippedPoints: skipped,
    firstTime: replayed > 0 ? firstSeries[0]!.time : null,
    lastTime: replayed > 0 ? firstSeries[replayed - 1]!.time : null,
  };
}
