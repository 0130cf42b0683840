/**
 * `backtest()` options (issue 12): bad input is refused with an InvalidOptionsError naming the
 * option, before anything runs; markets may bring their own strategy; the report is written.
 */
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, dca, type Strategy } from 'cycle-engine';
import { backtest, type BacktestOptions, type Candle } from 'cycle-engine/backtest';
import { routeStrategies } from '../../src/backtest/backtest-options';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const at = (i: number, open: number, high: number, low: number, close: number): Candle => ({ time: T0 + i * H, open, high, low, close, volume: 1 });
const CANDLES = [at(0, 100, 100.5, 99.5, 100), at(1, 100, 102.4, 99.8, 102), at(2, 102, 102.5, 98, 99)];
const strategy = () => dca({ startQuote: 100, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5 });
const ok: BacktestOptions = { symbol: 'ETH/USDT', candles: CANDLES, strategy: strategy(), startBalance: { USDT: '1000' }, feeRate: '0.001' };

describe('backtest(): bad options', () => {
  it.each<[string, Partial<BacktestOptions> & Record<string, unknown>, RegExp]>([
    ['no symbol', { symbol: undefined }, /`symbol`/],
    ['a symbol without quote', { symbol: 'ETHUSDT' }, /`symbol`/],
    ['no candles', { candles: [] }, /`candles`/],
    ['no strategy', { strategy: undefined }, /`strategy`/],
    ['a negative balance', { startBalance: { USDT: '-1' } }, /`startBalance.USDT`/],
    ['a fee rate of 1', { feeRate: '1' }, /`feeRate`/],
    ['slippage of 100 %', { slippagePct: 100 }, /`slippagePct`/],
    ['an unknown option, with the nearest', { feerate: '0.001' }, /feerate.*feeRate/],
    ['markets and symbol at once', { markets: [{ symbol: 'BTC/USDT', candles: CANDLES }] }, /`markets`/],
    ['a bad maxRebuys', { maxRebuys: -1 }, /`maxRebuys`/],
  ])('%s', async (_name, bad, message) => {
    await expect(backtest({ ...ok, ...bad } as BacktestOptions)).rejects.toThrow(InvalidOptionsError);
    await expect(backtest({ ...ok, ...bad } as BacktestOptions)).rejects.toThrow(message);
  });

  it.each<[string, BacktestOptions['markets'], RegExp]>([
    ['two quotes', [{ symbol: 'ETH/USDT', candles: CANDLES }, { symbol: 'ETH/BTC', candles: CANDLES }], /share one quote/],
    ['a symbol twice', [{ symbol: 'ETH/USDT', candles: CANDLES }, { symbol: 'ETH/USDT', candles: CANDLES }], /twice/],
    ['other timestamps', [{ symbol: 'ETH/USDT', candles: CANDLES }, { symbol: 'BTC/USDT', candles: CANDLES.slice(1) }], /share their timestamps/],
  ])('markets: %s', async (_name, markets, message) => {
    const { symbol: _s, candles: _c, ...rest } = ok;
    await expect(backtest({ ...rest, markets })).rejects.toThrow(message);
  });
});

describe('backtest(): markets with their own strategy', () => {
  it('each symbol is decided by its own strategy', async () => {
    const only = (name: string): Strategy => ({ name, decide: ({ position }) => (position === null ? { action: 'start', quoteAmount: name === 'eth' ? '20' : '30' } : null) });
    const { symbol: _s, candles: _c, strategy: _st, ...rest } = ok;
    const r = await backtest({ ...rest, slippagePct: 0, markets: [{ symbol: 'ETH/USDT', candles: CANDLES, strategy: only('eth') }, { symbol: 'BTC/USDT', candles: CANDLES, strategy: only('btc') }] });
    expect(r.trades.map((t) => [t.symbol, t.quoteAmount])).toEqual([['ETH/USDT', '20'], ['BTC/USDT', '30']]);
    expect(r.metrics.bagTimeMs).toBe(0); // custom strategies, no maxRebuys given
  });

  it('strategies with different cooldowns are refused (the engine has one)', () => {
    const a: Strategy = { name: 'a', cooldownMs: 0, decide: () => null };
    const b: Strategy = { name: 'b', cooldownMs: 5, decide: () => null };
    expect(() => routeStrategies(new Map([['A/USDT', a], ['B/USDT', b]]))).toThrow(/cooldownMs/);
  });
});

describe('backtest(): engine options pass through; report', () => {
  it('cooldownMs of the engine holds the next start back', async () => {
    const free = await backtest({ ...ok, strategy: strategy() });
    const cooled = await backtest({ ...ok, strategy: strategy(), engine: { cooldownMs: 10 * H } });
    expect(free.trades.filter((t) => t.purpose === 'start').length).toBeGreaterThan(cooled.trades.filter((t) => t.purpose === 'start').length);
  });

  it('writeReport writes one HTML file (0644), creating its directory', async () => {
    const r = await backtest(ok);
    const file = join(mkdtempSync(join(tmpdir(), 'ce-report-')), 'sub', 'report.html');
    await r.writeReport(file, { title: 'ETH test' });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readFileSync(file, 'utf8')).toMatch(/<html|<!doctype html/i);
  });
});

describe('backtest(): exits of dca() are backtested like any other option', () => {
  it.each([
    ['stopLoss', { stopLossPct: 5 }],
    ['trailingTakeProfit', { trailingTakeProfitPct: 0.5 }],
    ['timeLimit', { maxCycleMs: 12 * H }],
  ] as const)('%s: cycles closed for it, one exit sell each', async (reason, exit) => {
    const { loadCandles } = await import('cycle-engine/backtest');
    const candles = (await loadCandles(new URL('../../data/eth-usdt-1h.json', import.meta.url).pathname)).slice(0, 1_000);
    const r = await backtest({ symbol: 'ETH/USDT', candles, strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...exit }), startBalance: { USDT: '1000' }, feeRate: '0.001' });
    expect(r.errors).toEqual([]);
    const exits = r.metrics.exitsByReason[reason] ?? 0;
    expect(exits).toBeGreaterThan(0);
    expect(r.cycles.filter((c) => c.endReason === reason).length).toBe(exits);
    expect(r.trades.filter((t) => t.purpose === 'exit').length).toBe(r.cycles.filter((c) => c.endReason !== null && c.endReason !== 'takeProfit').length);
  });
});
