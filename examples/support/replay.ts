/**
 * Replays historical candles through a {@link CycleEngine}: shared by the demo and the bench.
 *
 * The loop is deterministic: the same candles, options and strategy give the same orders, in the
 * same order, at the same prices and simulated times (only the random ids differ between runs).
 *
 * ## What is visited inside a candle (`intrabar`)
 *
 * An hourly candle says where the price went in the hour, not in which order. With
 * `intrabar: 'ohlc'` (the default) every candle is visited as three price points, so that a
 * rebuy trigger touched by the candle's low, or a take-profit touched by its high, is seen even
 * when the close is back in between:
 *
 * | step | price | clock |
 * | --- | --- | --- |
 * | 1 | first extreme | open time + 20 min |
 * | 2 | second extreme | open time + 40 min |
 * | 3 | close | open time + 60 min − 1 s (just before the next candle opens) |
 *
 * The order of the two extremes follows the usual OHLC bar convention: a rising candle
 * (`close >= open`) is taken to have gone open → low → high → close, a falling one
 * open → high → low → close. The open itself is not visited: it is (almost always) the previous
 * candle's close, which was just visited. Each step is one `engine.tick()` followed by
 * `engine.idle()`, so at most one order per cycle happens per step, and every order executes at the
 * step's price (the paper exchange has no latency here).
 *
 * With `intrabar: 'close'` each candle is a single point, its close, at open time + 60 min − 1 s.
 * That is faster and more conservative (it misses wicks), and is what most close-based backtests do.
 *
 * Prices go to the exchange as decimal strings of the candle's numbers (`String(3723.04)` is
 * `'3723.04'`: the shortest decimal that reads back as the same number, i.e. the file's text).
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import type { CycleEngine, ManualClock } from 'cycle-engine';

/**
 * One candle, `[timestampMs, open, high, low, close, volume]`; the timestamp is the open time
 * (Unix ms, UTC). Volume is in the base asset.
 */
export type Candle = readonly [time: number, open: number, high: number, low: number, close: number, volume: number];

/** How each candle is visited: three points (low/high in bar order, then close) or its close only. */
export type IntrabarMode = 'ohlc' | 'close';

/** What the replay needs from the exchange: a way to set the last price (the `PaperExchange` has it). */
export interface PriceFeed {
  setPrice(symbol: string, price: string): void;
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  /** The engine to drive; it must trade exactly the symbols in `candles` (or more: those keep their price). */
  readonly engine: Pick<CycleEngine, 'tick' | 'idle'>;
  /** Receives the prices; usually the engine's `PaperExchange`. */
  readonly exchange: PriceFeed;
  /** The clock the engine (and exchange) read; set to each visited point's time. */
  readonly clock: ManualClock;
  /** Candles by symbol. Every series must have the same timestamps (index by index). */
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
  /** Replay at most this many candles per symbol (default: all). */
  readonly limit?: number;
  /** What is visited inside a candle (default `'ohlc'`; see the module comment). */
  readonly intrabar?: IntrabarMode;
  /** Called after each candle's last step (e.g. for progress); returning `'stop'` ends the replay there. */
  readonly onCandle?: (index: number, time: number) => 'stop' | void;
}

/** What a replay did. */
export interface ReplayResult {
  /** Candles replayed per symbol. */
  readonly candles: number;
  /** Engine ticks run (candles × points per candle). */
  readonly ticks: number;
  /** Open time of the first candle replayed (Unix ms), or null when none was. */
  readonly firstTime: number | null;
  /** Open time of the last candle replayed (Unix ms), or null when none was. */
  readonly lastTime: number | null;
}

const MINUTE = 60_000;
/** Clock offsets from the candle's open time of the points visited. */
const OFFSETS: Readonly<Record<IntrabarMode, readonly number[]>> = {
  ohlc: [20 * MINUTE, 40 * MINUTE, 60 * MINUTE - 1_000],
  close: [60 * MINUTE - 1_000],
};

/**
 * Reads a candle file: a JSON array of `[timestampMs, open, high, low, close, volume]`, sorted by
 * time without duplicates (see `data/SOURCES.md`).
 * @throws Error naming the file and the first bad candle when the file is not such an array
 */
export async function loadCandles(path: string): Promise<Candle[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new Error(`${path}: cannot read a JSON candle file`, { cause });
  }
  if (!Array.isArray(data)) throw new Error(`${path}: expected a JSON array of candles`);
  let previous = -Infinity;
  data.forEach((c: unknown, i) => {
    const bad = (why: string) => new Error(`${path}: candle #${i} ${JSON.stringify(c)} ${why}`);
    if (!Array.isArray(c) || c.length !== 6 || !c.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw bad('is not [timestampMs, open, high, low, close, volume] of finite numbers');
    }
    const [t, o, h, l, cl] = c as number[] as [number, number, number, number, number];
    if (!Number.isSafeInteger(t) || t <= previous) throw bad('is out of order or has a duplicate timestamp');
    if (!(l > 0) || l > Math.min(o, cl) || h < Math.max(o, cl)) throw bad('has low/high outside open/close or a price ≤ 0');
    previous = t;
  });
  return data as Candle[];
}

/**
 * The prices visited inside one candle, in order (see the module comment).
 * @internal
 */
export function pathOf(candle: Candle, mode: IntrabarMode): number[] {
  const [, open, high, low, close] = candle;
  if (mode === 'close') return [close];
  return close >= open ? [low, high, close] : [high, low, close];
}

/**
 * Replays candles: for each candle index and each point visited in it (see the module comment),
 * sets the clock, sets every symbol's price, runs `engine.tick()` and waits for `engine.idle()`.
 * Deterministic. Engine errors from `tick()` propagate.
 * @throws Error when the series do not share their timestamps
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const { engine, exchange, clock, candles } = options;
  const mode = options.intrabar ?? 'ohlc';
  const series = Object.entries(candles);
  if (series.length === 0) return { candles: 0, ticks: 0, firstTime: null, lastTime: null };
  const shortest = Math.min(...series.map(([, s]) => s.length));
  const count = Math.max(0, Math.min(shortest, options.limit ?? Infinity));
  const offsets = OFFSETS[mode];
  const [firstSymbol, firstSeries] = series[0]!;
  let ticks = 0;
  let replayed = 0;
  for (let i = 0; i < count; i++) {
    const time = firstSeries[i]![0];
    const paths: Array<[string, number[]]> = [];
    for (const [symbol, s] of series) {
      const candle = s[i]!;
      if (candle[0] !== time) {
        throw new Error(`candle #${i}: ${symbol} is at ${new Date(candle[0]).toISOString()}, ${firstSymbol} at ${new Date(time).toISOString()}`);
      }
      paths.push([symbol, pathOf(candle, mode)]);
    }
    for (let step = 0; step < offsets.length; step++) {
      clock.set(time + offsets[step]!);
      for (const [symbol, path] of paths) exchange.setPrice(symbol, String(path[step]));
      await engine.tick();
      await engine.idle();
      ticks++;
    }
    replayed = i + 1;
    if (options.onCandle?.(i, time) === 'stop') break;
  }
  return {
    candles: replayed,
    ticks,
    firstTime: replayed > 0 ? firstSeries[0]![0] : null,
    lastTime: replayed > 0 ? firstSeries[replayed - 1]![0] : null,
  };
}
