/**
 * Candle files: JSON (`[[timestamp, open, high, low, close, volume], …]`, or objects with those
 * fields) and CSV with a header row. Parsing only; the rows are checked by `checkCandles`.
 */
import { readFile } from 'node:fs/promises';
import { CandleDataError } from '../errors';
import { checkCandles } from './candle-check';
import type { Candle } from './types';

/** Column names of a CSV header, lower-cased, and the field each gives. */
const COLUMNS: Readonly<Record<string, string>> = {
  timestamp: 'time',
  time: 'time',
  date: 'time',
  datetime: 'time',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
};

/**
 * Reads and checks a candle file: `.csv` as CSV, anything else as JSON.
 * @throws {@link CandleDataError} when the file cannot be read or parsed, or a row is bad
 * @internal
 */
export async function readCandleFile(path: string): Promise<Candle[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CandleDataError(path, null, null, `cannot read the file (${(cause as Error).message})`, { cause });
  }
  return /\.csv$/i.test(path) ? parseCsvCandles(text, path) : parseJsonCandles(text, path);
}

/**
 * Parses JSON candles: an array of `[timestamp, open, high, low, close, volume]` arrays or of
 * objects with those fields.
 * @throws {@link CandleDataError}
 * @internal
 */
export function parseJsonCandles(text: string, source: string): Candle[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new CandleDataError(source, null, null, `not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (!Array.isArray(data)) throw new CandleDataError(source, null, null, 'expected a JSON array of candles');
  return checkCandles(data, source);
}

/**
 * Parses CSV candles: a header naming `timestamp` (or `time`, `date`), `open`, `high`, `low`,
 * `close` and optionally `volume`, in any order, case-insensitive; `,` or `;` separated. The
 * timestamp is Unix ms, or an ISO 8601 date. Row indexes in errors count data rows from 0.
 * @throws {@link CandleDataError}
 * @internal
 */
export function parseCsvCandles(text: string, source: string): Candle[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const headerLine = lines[0];
  if (headerLine === undefined) return [];
  const sep = headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
  const header = headerLine.split(sep).map((h) => COLUMNS[h.trim().replace(/^"|"$/g, '').toLowerCase()] ?? null);
  const missing = ['time', 'open', 'high', 'low', 'close'].filter((f) => !header.includes(f));
  if (missing.length > 0) {
    throw new CandleDataError(source, null, null, `the CSV header "${headerLine.trim()}" lacks ${missing.join(', ')} (expected timestamp|time, open, high, low, close, volume)`);
  }
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(sep);
    const row: Record<string, unknown> = { volume: 0 };
    header.forEach((field, k) => {
      if (field !== null) row[field] = cells[k]?.trim().replace(/^"|"$/g, '');
    });
    const t = row.time;
    if (typeof t === 'string' && t !== '' && Number.isNaN(Number(t))) {
      const ms = Date.parse(t);
      row.time = Number.isNaN(ms) ? t : ms;
    }
    return row;
  });
  return checkCandles(rows, source);
}
