/**
 * Bench sections of `cycle-engine/backtest` (issue 12):
 *
 * f. a year of 1-minute candles (525,600, a seeded random walk) through `backtest()` in limit
 *    mode — the real engine, paper exchange and replay
 * g. a 1,000-combination `sweep()` over 10,000 hourly ETH/USDT candles on every core, and the
 *    speed-up over one worker measured in the same run on the same combinations
 *
 * Sizes can be cut while developing: `BENCH_MINUTES` (candles of f), `BENCH_SWEEP_COMBOS` (at
 * most 1,000), `BENCH_SWEEP_HOURS` (candles of g), `BENCH_SPEEDUP_COMBOS` (the combinations the
 * speed-up is measured on, default all of the sweep's).
 * The sweep runs from the built package (`dist/backtest.js`, its worker file beside it) when the
 * build is fresh, else from the sources (workers through tsx).
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { dca } from '../src/index';
import * as source from '../src/backtest/index';
import type { Candle } from '../src/backtest/index';
import { ensureBuilt } from './import-time';
import type { Row } from './stats';

const int = (n: number) => n.toLocaleString('en-US');
const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
};

/**
 * `n` one-minute candles of a seeded random walk around 2,000: steps of up to ±0.2 %, pulled back
 * towards 2,000 (0.05 % of the log distance a minute, so the year keeps trading instead of
 * drifting away from every level), wicks up to 0.1 %, prices on a 0.01 tick.
 */
export function randomWalk(n: number, seed = 12): Candle[] {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
  const cents = (x: number) => Math.round(x * 100) / 100;
  const out: Candle[] = new Array(n);
  const t0 = Date.UTC(2024, 0, 1);
  const home = Math.log(2_000);
  let price = 2_000;
  for (let i = 0; i < n; i++) {
    const open = price;
    const pull = -0.0005 * (Math.log(open) - home);
    const close = cents(Math.max(1, open * Math.exp(pull + (rnd() - 0.5) * 0.004)));
    const high = Math.max(open, close, cents(Math.max(open, close) * (1 + rnd() * 0.001)));
    const low = Math.min(open, close, cents(Math.min(open, close) * (1 - rnd() * 0.001)));
    out[i] = { time: t0 + i * 60_000, open, high, low, close, volume: 1 };
    price = close;
  }
  return out;
}

/** f: a year of minute candles, limit mode. */
export async function minuteYearRows(log: (line: string) => void): Promise<Row[]> {
  const n = env('BENCH_MINUTES', 525_600);
  const candles = randomWalk(n);
  const strategy = () => dca({ startQuote: 10, rebuyDropPct: 1, rebuyVolumeScale: 1.5, maxRebuys: 5, takeProfitPct: 1, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 });
  log(`f. backtest of ${int(n)} one-minute candles, limit mode (warm-up on 20,000 first)`);
  await source.backtest({ symbol: 'ETH/USDT', candles: candles.slice(0, 20_000), strategy: strategy(), startBalance: { USDT: '100000' }, feeRate: '0.001' });
  const t0 = performance.now();
  const r = await source.backtest({ symbol: 'ETH/USDT', candles, strategy: strategy(), startBalance: { USDT: '100000' }, feeRate: '0.001' });
  const s = (performance.now() - t0) / 1000;
  // The equity points are printed when first read (the report reads them): timed on their own.
  const t1 = performance.now();
  const points = r.equity.length;
  const printed = (performance.now() - t1) / 1000;
  const line = `f. ${int(n)} minute candles through backtest(), limit mode: ${s.toFixed(2)} s (${int(r.trades.length)} trades, ${int(r.metrics.cyclesClosed)} cycles, ${int(r.resting.length)} resting spans); reading its ${int(points)} equity points: ${printed.toFixed(2)} s more`;
  console.log(line);
  return [{ name: `f. backtest ${int(n)} 1m candles, limit`, value: s, unit: 's', target: n === 525_600 ? 5 : null, note: `${int(r.trades.length)} trades, ${int(r.metrics.cyclesClosed)} cycles; ${((s * 1e6) / n).toFixed(1)} µs per candle; + ${printed.toFixed(2)} s to read result.equity` }];
}

/** The backtest entry to sweep with: the built one when fresh, else the sources. */
async function sweepEntry(root: string, log: (line: string) => void): Promise<{ sweep: typeof source.sweep; how: string }> {
  const built = ensureBuilt(root);
  if (built.how === 'fresh' || built.how === 'built') {
    const mod = (await import(pathToFileURL(join(root, 'dist', 'backtest.js')).href)) as typeof source;
    return { sweep: mod.sweep, how: `dist/backtest.js (${built.how})` };
  }
  log(`g. no fresh build (${built.how}): sweeping from the sources, workers through tsx`);
  built.cleanup?.();
  return { sweep: source.sweep, how: 'sources via tsx' };
}

/** g: 1,000 combinations over 10,000 hourly candles on every core, and the speed-up over one worker. */
export async function sweepRows(eth: readonly Candle[], root: string, log: (line: string) => void): Promise<Row[]> {
  const hours = Math.min(env('BENCH_SWEEP_HOURS', 10_000), eth.length);
  const combos = Math.min(env('BENCH_SWEEP_COMBOS', 1_000), 1_000);
  const candles = eth.slice(0, hours);
  const values = (from: number, step: number) => Array.from({ length: 10 }, (_, i) => Number((from + i * step).toFixed(2)));
  // 10 × 10 × 10; a smaller run keeps the first combinations of the same grid.
  const grid = { takeProfitPct: values(0.5, 0.5), rebuyDropPct: values(0.5, 0.5), rebuyVolumeScale: values(1, 0.1) };
  const cut = (n: number) => {
    const z = Math.max(1, Math.ceil(n / 100));
    const y = Math.max(1, Math.min(10, Math.ceil(n / (10 * z))));
    return { takeProfitPct: grid.takeProfitPct.slice(0, z), rebuyDropPct: grid.rebuyDropPct.slice(0, y), rebuyVolumeScale: grid.rebuyVolumeScale.slice(0, Math.max(1, Math.min(10, Math.ceil(n / (z * y))))) };
  };
  const common = { symbol: 'ETH/USDT', candles, startBalance: { USDT: '10000' }, feeRate: '0.001', base: { startQuote: 10, maxRebuys: 5 }, rankBy: 'roiOnPeakCapitalPct' as const };
  const { sweep, how } = await sweepEntry(root, log);
  const cores = availableParallelism();
  const full = cut(combos);
  const fullCount = Object.values(full).reduce((a, v) => a * v.length, 1);
  log(`g. sweep of ${int(fullCount)} combinations over ${int(hours)} hourly candles on ${cores} workers (${how})`);
  const run = await sweep({ ...common, grid: full, workers: cores, progress: true });
  const s = run.elapsedMs / 1000;
  const best = run.rows[0]!;
  // The speed-up on the same combinations (by default the whole grid: each worker's JIT warm-up is
  // a fixed cost that a short run would overweight), on 1 worker after the run on all.
  const small = cut(Math.min(env('BENCH_SPEEDUP_COMBOS', fullCount), fullCount));
  const smallCount = Object.values(small).reduce((a, v) => a * v.length, 1);
  const all = smallCount === fullCount ? run : await sweep({ ...common, grid: small, workers: cores, progress: true });
  log(`g. speed-up: the same ${int(smallCount)} combinations on 1 worker`);
  const one = await sweep({ ...common, grid: small, workers: 1, progress: true });
  const speedup = one.elapsedMs / all.elapsedMs;
  console.log(`g. sweep ${int(fullCount)} combinations × ${int(hours)} hourly candles on ${cores} workers: ${s.toFixed(1)} s; speed-up over 1 worker ${speedup.toFixed(2)}× (${smallCount} combinations: ${(one.elapsedMs / 1000).toFixed(1)} s vs ${(all.elapsedMs / 1000).toFixed(1)} s); best ${JSON.stringify(best.params)} ROI ${best.metrics.roiOnPeakCapitalPct} %`);
  return [
    { name: `g. sweep ${int(fullCount)} × ${int(hours)} 1h candles`, value: s, unit: 's', target: fullCount === 1_000 && hours === 10_000 ? 60 : null, note: `${cores} workers, ${how}; ${((run.elapsedMs / fullCount) * cores / 1000).toFixed(2)} s per combination per worker` },
    { name: 'g. sweep speed-up over 1 worker', value: speedup, unit: '×', target: null, note: `target ≥ 1.7× on 2 cores; ${smallCount} combinations, ${(one.elapsedMs / 1000).toFixed(1)} s on 1 vs ${(all.elapsedMs / 1000).toFixed(1)} s on ${cores}` },
  ];
}
