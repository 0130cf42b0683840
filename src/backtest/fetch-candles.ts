/**
 * Candles from an exchange: ccxt's `fetchOHLCV`, paged over a range and cached on disk, so that a
 * second backtest of the same range makes no request.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CandleDataError, InvalidOptionsError } from '../errors';
import { checkCandles } from './candle-check';
import { parseJsonCandles } from './candle-files';
import type { Candle } from './types';

/**
 * What `loadCandles` needs of an exchange: a ccxt `Exchange` instance has it.
 * @public
 */
export interface OhlcvSource {
  /** The exchange's id (ccxt: `binance`, …), part of the cache file's name. */
  readonly id?: string | undefined;
  /** ccxt's `fetchOHLCV`: rows `[timestamp, open, high, low, close, volume]` from `since`, at most `limit`. */
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<ReadonlyArray<ReadonlyArray<number | undefined>>>;
}

/**
 * The range to fetch with an {@link OhlcvSource}.
 * @public
 */
export interface ExchangeCandleOptions {
  /** Unified symbol, e.g. `ETH/USDT`. */
  readonly symbol: string;
  /** ccxt timeframe: `1m`, `5m`, `1h`, `4h`, `1d`, … */
  readonly timeframe: string;
  /** First candle's open time, Unix ms (inclusive). */
  readonly since: number;
  /** End of the range, Unix ms (exclusive). */
  readonly until: number;
  /** Candles asked per request (default 1,000). */
  readonly pageSize?: number | undefined;
  /** Where fetched ranges are kept (default `.cycle-engine/candles` under the working directory). */
  readonly cacheDir?: string | undefined;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000 };

/**
 * Milliseconds of a ccxt timeframe (`15m` is 900,000).
 * @throws {@link InvalidOptionsError} for anything else
 * @internal
 */
export function timeframeMs(timeframe: string): number {
  const m = /^(\d+)([smhdwM])$/.exec(timeframe);
  if (m === null || Number(m[1]) <= 0) throw new InvalidOptionsError('timeframe', `expected e.g. '1m', '1h' or '1d', got ${JSON.stringify(timeframe)}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/**
 * The cache file of a range.
 * @internal
 */
export function cacheFileOf(exchangeId: string, o: ExchangeCandleOptions): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return join(resolve(o.cacheDir ?? join('.cycle-engine', 'candles')), `${safe(exchangeId)}_${safe(o.symbol)}_${safe(o.timeframe)}_${o.since}_${o.until}.json`);
}

/**
 * Fetches `[since, until)` page by page (each page from one timeframe after the last candle
 * received), or reads it from the cache file when an earlier call fetched the same range.
 * @throws {@link InvalidOptionsError} for a bad range or timeframe; {@link CandleDataError} for
 * bad rows; whatever `fetchOHLCV` throws
 * @internal
 */
export async function fetchCandles(exchange: OhlcvSource, o: ExchangeCandleOptions): Promise<Candle[]> {
  for (const k of ['since', 'until'] as const) {
    if (!Number.isSafeInteger(o[k]) || o[k] < 0) throw new InvalidOptionsError(k, `expected a Unix time in ms, got ${String(o[k])}`);
  }
  if (o.until <= o.since) throw new InvalidOptionsError('until', `must be after since (${o.since}), got ${o.until}`);
  if (typeof o.symbol !== 'string' || !o.symbol.includes('/')) throw new InvalidOptionsError('symbol', `expected BASE/QUOTE, got ${JSON.stringify(o.symbol)}`);
  const step = timeframeMs(o.timeframe);
  const pageSize = o.pageSize ?? 1_000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new InvalidOptionsError('pageSize', `expected an integer ≥ 1, got ${String(pageSize)}`);
  const file = cacheFileOf(exchange.id ?? 'exchange', o);
  const source = `${exchange.id ?? 'exchange'}:${o.symbol}:${o.timeframe}`;
  const cached = await readFile(file, 'utf8').catch(() => null);
  if (cached !== null) return parseJsonCandles(cached, file);

  const rows: Array<ReadonlyArray<number | undefined>> = [];
  let since = o.since;
  let last = -Infinity;
  while (since < o.until) {
    const page = await exchange.fetchOHLCV(o.symbol, o.timeframe, since, pageSize);
    if (!Array.isArray(page)) throw new CandleDataError(source, null, null, `fetchOHLCV returned ${typeof page}, expected an array`);
    let advanced = false;
    for (const row of page) {
      const t = row?.[0];
      if (typeof t !== 'number' || t < since || t >= o.until) continue; // outside the range, or a repeat of the last page
      if (t <= last) continue;
      rows.push(row);
      last = t;
      advanced = true;
    }
    if (!advanced) break; // nothing new: the venue has no more in the range
    since = last + step;
  }
  const candles = checkCandles(rows, source);
  await mkdir(resolve(file, '..'), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(candles.map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume])), { mode: 0o644 });
  await rename(tmp, file);
  return candles;
}
