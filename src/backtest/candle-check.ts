/**
 * Validation of candle data: each row six finite numbers, prices above 0, `low ≤ open, close ≤
 * high`, timestamps strictly increasing. Pure; used by `loadCandles` for files and exchanges alike.
 */
import { CandleDataError } from '../errors';
import type { Candle } from './types';

/**
 * A row as read from a source: `[time, open, high, low, close, volume]` or an object with those
 * fields (`timestamp` accepted for `time`).
 * @internal
 */
export type RawCandle = readonly unknown[] | Readonly<Record<string, unknown>>;

const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The six values of a row, or null when it has not the shape. */
function valuesOf(row: unknown): unknown[] | null {
  if (Array.isArray(row)) return row.length >= 6 ? row.slice(0, 6) : null;
  if (typeof row !== 'object' || row === null) return null;
  const r = row as Record<string, unknown>;
  return [r.time ?? r.timestamp, r.open, r.high, r.low, r.close, r.volume ?? 0];
}

/**
 * Checks rows and returns them as {@link Candle} objects. Rows may be arrays or objects (see
 * {@link RawCandle}); numbers given as numeric strings are accepted.
 * @param source - named in the error (a path, or `exchange:SYMBOL:TIMEFRAME`)
 * @throws {@link CandleDataError} naming the first bad row (its index and timestamp)
 * @internal
 */
export function checkCandles(rows: readonly unknown[], source: string): Candle[] {
  const out: Candle[] = new Array(rows.length);
  let previous = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const values = valuesOf(rows[i]);
    const row = rows[i] as Record<string | number, unknown> | null;
    const firstTime = values !== null ? toNumber(values[0]) : typeof row === 'object' && row !== null ? toNumber(row[0] ?? row.time ?? row.timestamp) : null;
    const timeOf = firstTime !== null && Number.isFinite(firstTime) ? firstTime : null;
    const bad = (why: string) => new CandleDataError(source, i, timeOf, why);
    if (values === null) throw bad(`expected [timestamp, open, high, low, close, volume], got ${preview(rows[i])}`);
    const n = values.map(toNumber);
    for (let k = 0; k < 6; k++) {
      if (n[k] === null || !Number.isFinite(n[k])) throw bad(`${FIELDS[k]} is not a finite number (${preview(values[k])})`);
    }
    const [time, open, high, low, close, volume] = n as [number, number, number, number, number, number];
    if (!Number.isSafeInteger(time) || time < 0) throw bad(`timestamp ${time} is not a Unix time in ms`);
    if (time <= previous) throw bad(time === previous ? 'duplicate timestamp' : `timestamp is before the previous row's (${previous})`);
    if (!(open > 0 && high > 0 && low > 0 && close > 0)) throw bad('prices must be greater than 0');
    if (volume < 0) throw bad(`volume ${volume} is negative`);
    if (low > Math.min(open, close) || high < Math.max(open, close)) {
      throw bad(`low ${low} ≤ open ${open}, close ${close} ≤ high ${high} does not hold`);
    }
    previous = time;
    out[i] = { time, open, high, low, close, volume };
  }
  return out;
}

/** A number, or a numeric string as a number; null otherwise. */
function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
