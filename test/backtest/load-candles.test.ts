/**
 * `loadCandles` (issue 12): JSON and CSV files, a ccxt-like exchange paged and cached on disk, and
 * the validation that names the first bad row.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CandleDataError, InvalidOptionsError, isCandleDataError } from 'cycle-engine';
import { loadCandles, type OhlcvSource } from 'cycle-engine/backtest';
import { checkCandles } from '../../src/backtest/candle-check';
import { parseCsvCandles } from '../../src/backtest/candle-files';
import { timeframeMs } from '../../src/backtest/fetch-candles';

const ETH = fileURLToPath(new URL('../../data/eth-usdt-1h.json', import.meta.url));
const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const row = (i: number, o = 100, h = 101, l = 99, c = 100.5, v = 1) => [T0 + i * H, o, h, l, c, v];
const tmp = () => mkdtempSync(join(tmpdir(), 'ce-candles-'));

describe('checkCandles: the first bad row is named', () => {
  it.each([
    { why: 'duplicate timestamp', rows: [row(0), row(1), row(1)], index: 2, message: /duplicate timestamp/ },
    { why: 'out of order', rows: [row(0), row(2), row(1)], index: 2, message: /before the previous/ },
    { why: 'low above the open', rows: [row(0), row(1, 100, 101, 100.2, 100.5)], index: 1, message: /low 100.2/ },
    { why: 'high below the close', rows: [row(0, 100, 100.4, 99, 100.5)], index: 0, message: /high 100.4/ },
    { why: 'a zero price', rows: [row(0), row(1, 0, 101, 0, 100)], index: 1, message: /greater than 0/ },
    { why: 'NaN', rows: [row(0), [T0 + H, 100, Number.NaN, 99, 100, 1]], index: 1, message: /high is not a finite number/ },
    { why: 'Infinity', rows: [[T0, 100, Infinity, 99, 100, 1]], index: 0, message: /high is not a finite number/ },
    { why: 'a short row', rows: [row(0), [T0 + H, 1, 2, 3]], index: 1, message: /expected \[timestamp/ },
    { why: 'a text price', rows: [[T0, 'abc', 101, 99, 100, 1]], index: 0, message: /open is not a finite number/ },
    { why: 'a negative volume', rows: [row(0, 100, 101, 99, 100, -1)], index: 0, message: /volume -1/ },
  ])('$why', ({ rows, index, message }) => {
    let error: unknown;
    try {
      checkCandles(rows, 'x.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CandleDataError);
    const e = error as CandleDataError;
    expect(isCandleDataError(e)).toBe(true);
    expect(e.code).toBe('CANDLE_DATA');
    expect(e.index).toBe(index);
    expect(e.source).toBe('x.json');
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`row ${index}`);
    const t = (rows[index] as unknown[])[0];
    if (typeof t === 'number') {
      expect(e.time).toBe(t);
      expect(e.message).toContain(new Date(t).toISOString());
    }
  });

  it('good rows become Candle objects; numeric strings are read as numbers', () => {
    expect(checkCandles([row(0), ['1704070800000', '1', '2', '0.5', '1.5', '3']], 's')).toEqual([
      { time: T0, open: 100, high: 101, low: 99, close: 100.5, volume: 1 },
      { time: T0 + H, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 },
    ]);
  });
});

describe('loadCandles: files', () => {
  it('reads the JSON series of data/ (sorted, checked)', async () => {
    const candles = await loadCandles(ETH);
    expect(candles.length).toBeGreaterThan(10_000);
    expect(candles[1]!.time - candles[0]!.time).toBe(H);
    expect(Object.keys(candles[0]!)).toEqual(['time', 'open', 'high', 'low', 'close', 'volume']);
  });

  it('reads CSV with a header: timestamp or time, any column order, ISO dates, no volume', async () => {
    const dir = tmp();
    const file = join(dir, 'c.csv');
    writeFileSync(file, 'Time,Open,High,Low,Close,Volume\n1704067200000,100,101,99,100.5,2\n1704070800000,100.5,102,100,101,3\n');
    expect(await loadCandles(file)).toEqual([
      { time: T0, open: 100, high: 101, low: 99, close: 100.5, volume: 2 },
      { time: T0 + H, open: 100.5, high: 102, low: 100, close: 101, volume: 3 },
    ]);
    expect(parseCsvCandles('close;low;high;open;timestamp\n1;0.5;2;1.5;2024-01-01T00:00:00Z\n', 's')).toEqual([{ time: T0, open: 1.5, high: 2, low: 0.5, close: 1, volume: 0 }]);
  });

  it.each([
    { name: 'CSV without a close column', file: 'a.csv', text: 'timestamp,open,high,low\n1,2,3,1\n', message: /lacks close/ },
    { name: 'JSON that is not an array', file: 'a.json', text: '{"a":1}', message: /expected a JSON array/ },
    { name: 'broken JSON', file: 'a.json', text: '[[1,2', message: /not valid JSON/ },
    { name: 'a bad CSV row, index counted from the first data row', file: 'a.csv', text: 'timestamp,open,high,low,close\n1704067200000,1,2,0.5,1\n1704067200000,1,2,0.5,1\n', message: /row 1 .*duplicate/ },
  ])('$name: CandleDataError', async ({ file, text, message }) => {
    const path = join(tmp(), file);
    writeFileSync(path, text);
    await expect(loadCandles(path)).rejects.toThrow(message);
    await expect(loadCandles(path)).rejects.toBeInstanceOf(CandleDataError);
  });

  it('a missing file: CandleDataError naming it', async () => {
    await expect(loadCandles('/nonexistent/x.json')).rejects.toThrow(/\/nonexistent\/x.json: cannot read/);
  });
});

/** A fake ccxt exchange: hourly candles from T0, at most `max` per call, every call recorded. */
function fakeExchange(total: number, max = 3): OhlcvSource & { calls: Array<[string, string | undefined, number | undefined, number | undefined]> } {
  const calls: Array<[string, string | undefined, number | undefined, number | undefined]> = [];
  return {
    id: 'fakex',
    calls,
    async fetchOHLCV(symbol, timeframe, since, limit) {
      calls.push([symbol, timeframe, since, limit]);
      const out: number[][] = [];
      for (let i = 0; i < total && out.length < Math.min(limit ?? max, max); i++) {
        if (T0 + i * H >= (since ?? 0)) out.push(row(i, 100 + i, 101 + i, 99 + i, 100.5 + i));
      }
      return out;
    },
  };
}

describe('loadCandles: an exchange (fetchOHLCV), paged and cached', () => {
  it('fetches [since, until) page by page, then the second call reads the cache', async () => {
    const cacheDir = tmp();
    const ex = fakeExchange(20);
    const options = { symbol: 'ETH/USDT', timeframe: '1h', since: T0 + H, until: T0 + 8 * H, cacheDir };
    const first = await loadCandles(ex, options);
    expect(first.map((c) => (c.time - T0) / H)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ex.calls.map((c) => (c[2]! - T0) / H)).toEqual([1, 4, 7]); // pages of 3, each from the last + 1 h
    expect(ex.calls[0]).toEqual(['ETH/USDT', '1h', T0 + H, 1_000]);
    expect(readdirSync(cacheDir)).toEqual([`fakex_ETH-USDT_1h_${T0 + H}_${T0 + 8 * H}.json`]);
    const second = await loadCandles(ex, options);
    expect(second).toEqual(first);
    expect(ex.calls.length).toBe(3); // no new request
  });

  it('stops when the venue has nothing more', async () => {
    const ex = fakeExchange(5);
    const candles = await loadCandles(ex, { symbol: 'ETH/USDT', timeframe: '1h', since: T0, until: T0 + 100 * H, cacheDir: tmp() });
    expect(candles.length).toBe(5);
    expect(ex.calls.length).toBe(3); // 3 + 2, then an empty page
  });

  it('bad rows from the venue: CandleDataError naming the source', async () => {
    const ex: OhlcvSource = { id: 'bad', fetchOHLCV: async (_s, _t, since) => (since === T0 ? [row(0), [T0 + H, 100, 99, 101, 100, 1]] : []) };
    await expect(loadCandles(ex, { symbol: 'ETH/USDT', timeframe: '1h', since: T0, until: T0 + 2 * H, cacheDir: tmp() })).rejects.toThrow(/bad:ETH\/USDT:1h row 1/);
  });

  it.each([
    [{ since: 10, until: 5 }, /until/],
    [{ since: -1, until: 5 }, /since/],
    [{ timeframe: 'hourly' }, /timeframe/],
    [{ symbol: 'ETHUSDT' }, /symbol/],
  ])('bad options %j: InvalidOptionsError', async (bad, message) => {
    const options = { symbol: 'ETH/USDT', timeframe: '1h', since: T0, until: T0 + H, cacheDir: tmp(), ...bad };
    await expect(loadCandles(fakeExchange(2), options)).rejects.toThrow(message);
    await expect(loadCandles(fakeExchange(2), options)).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it('timeframes in ms', () => {
    expect([timeframeMs('1m'), timeframeMs('15m'), timeframeMs('4h'), timeframeMs('1d')]).toEqual([60_000, 900_000, 4 * H, 24 * H]);
  });
});
