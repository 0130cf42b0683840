/**
 * `npm run bench`: performance figures of cycle-engine, each beside its target. It prints and
 * asserts nothing: these are benchmarks, not tests (timings depend on the machine and its load).
 *
 * a. lock hold time (MemoryStateStore + MemoryLock): over a replay of the ETH/USDT hourly series,
 *    and over a synthetic stress where 1,000 symbols all trade on every tick
 * b. one `engine.tick()` over 10 / 1,000 / 10,000 active symbols with nothing to do, beside a
 *    naive per-symbol lock → read → structuredClone → release loop over the same 10,000 records
 * c. replay of 10,000 ETH/USDT hourly candles through the engine (path open → close, and open → low/high →
 *    close), with the engine ticked at every level crossed in between (src/backtest/replay.ts)
 * d. import time of the built root entry `dist/index.js` in fresh node processes, beside a trivial module
 * e. the polling budget: exchange requests per cycle per tick over 1,000 cycles with resting
 *    orders and prices that cross nothing, beside the naive "look up every open order every tick"
 * f. a year of 1-minute candles (525,600, seeded random walk) through `backtest()` in limit mode
 * g. a 1,000-combination `sweep()` over 10,000 hourly candles on every core, with the speed-up over
 *    one worker (bench/backtest.ts; `BENCH_*` variables cut the sizes while developing)
 *
 * `npm run bench -- c` runs only the listed sections (letters a–g, `backtest` for f and g; `files` and `services` name the
 * file-store and service rows), e.g. the replay rows alone before and after a change to the replay.
 *
 * @packageDocumentation
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  assertCycleRecord,
  dca,
  type CycleRecord,
} from '../src/index';
import { loadCandles, replay, type Candle, type IntrabarMode } from '../src/backtest/index';
import { emptyRecord } from '../src/ports/record';
import { fileStoreRows } from './file-store';
import { serviceRows } from './services';
import { pollingRows } from './polling';
import { ensureBuilt, measureImport } from './import-time';
import { minuteYearRows, sweepRows } from './backtest';
import { median, percentile, table, timeMs, type Row } from './stats';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const T0 = Date.UTC(2024, 0, 1);
/** The demo's strategy. Over the 2022 bear market its positions soon hold all 5 rebuys and wait. */
const strategy = () => dca({ startQuote: 10, rebuyDropPct: 2, rebuyStepScale: 1, rebuyVolumeScale: 1.5, maxRebuys: 5, takeProfitPct: 1.5 });
/** A strategy that keeps trading through the whole ETH series (enough rebuys for a 76% drawdown). */
const busyStrategy = () => dca({ startQuote: 10, rebuyDropPct: 2, rebuyStepScale: 1, rebuyVolumeScale: 1, maxRebuys: 80, takeProfitPct: 1.5 });
type StrategyKind = 'demo' | 'busy';
const int = (n: number) => n.toLocaleString('en-US');

function log(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}

// ------------------------------------------------------------------------------------------- a/c

/** A paper-trading engine over ETH/USDT on a manual clock, with no logger attached. */
function replayRig(symbols: readonly string[], concurrency?: number, kind: StrategyKind = 'demo') {
  const clock = new ManualClock(T0);
  const exchange = new PaperExchange({ balances: { USDT: '1000000000' }, feeRate: '0.001', clock });
  const chosen = kind === 'busy' ? busyStrategy() : strategy();
  const engine = new CycleEngine({
    exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols, strategy: chosen, clock,
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  return { clock, exchange, engine, strategy: chosen };
}

async function replayEth(eth: readonly Candle[], limit: number, intrabar: IntrabarMode, kind: StrategyKind, holds?: number[]) {
  const rig = replayRig(['ETH/USDT'], undefined, kind);
  if (holds) rig.engine.on('lock:released', (e) => holds.push(e.heldMs));
  const t0 = performance.now();
  const result = await replay({ ...rig, candles: { 'ETH/USDT': eth }, limit, intrabar });
  const ms = performance.now() - t0;
  return { ms, ticks: result.ticks, candles: result.candles, orders: rig.exchange.orders.length };
}

/**
 * Every symbol trades on every tick: start at 100, rebuy at 97.9, sell at 102, again and again.
 * `concurrency` is the engine's (default 32 symbols decided at once).
 */
async function lockStress(symbolCount: number, rounds: number, concurrency?: number): Promise<{ holds: number[]; orders: number; ms: number }> {
  const symbols = Array.from({ length: symbolCount }, (_, i) => `T${String(i).padStart(4, '0')}/USDT`);
  const rig = replayRig(symbols, concurrency);
  const holds: number[] = [];
  rig.engine.on('lock:released', (e) => holds.push(e.heldMs));
  const t0 = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const price of ['100', '97.9', '102']) {
      rig.clock.advance(60_000);
      for (const s of symbols) rig.exchange.setPrice(s, price);
      await rig.engine.tick();
      await rig.engine.idle();
    }
  }
  return { holds, orders: rig.exchange.orders.length, ms: performance.now() - t0 };
}

// --------------------------------------------------------------------------------------------- b

const symbolName = (i: number) => `S${String(i).padStart(5, '0')}/USDT`;

/** An active cycle bought at 100: at price 100 the DCA strategy neither rebuys (≤ 98) nor sells (≥ 101.5). */
function activeRecord(symbol: string, i: number): CycleRecord {
  const record: CycleRecord = {
    ...emptyRecord(symbol, T0),
    phase: 'active',
    cycleId: `bench${String(i).padStart(15, '0')}`,
    position: {
      startPrice: '100',
      lastBuyPrice: '100',
      avgPrice: '100.1001001001001001001001',
      baseVolume: '0.0999',
      investedQuote: '10',
      buys: 1,
      openedAt: T0,
    },
  };
  assertCycleRecord(symbol, record);
  return record;
}

async function seededRig(n: number) {
  const symbols = Array.from({ length: n }, (_, i) => symbolName(i + 1));
  const clock = new ManualClock(T0 + 3_600_000);
  const store = new MemoryStateStore();
  const lock = new MemoryLock();
  for (const [i, s] of symbols.entries()) {
    if ((await store.compareAndSet(s, null, activeRecord(s, i))) === null) throw new Error(`could not seed ${s}`);
  }
  const exchange = new PaperExchange({ prices: Object.fromEntries(symbols.map((s) => [s, '100'])), balances: { USDT: '1000' }, clock });
  const engine = new CycleEngine({ exchange, store, lock, symbols, strategy: strategy(), clock });
  return { symbols, store, lock, exchange, engine };
}

async function idleTick(n: number, warmup = 5, samples = 30) {
  const rig = await seededRig(n);
  let skipped = 0;
  let ordersStarted = 0;
  rig.engine.on('tick:completed', (e) => {
    skipped += e.skipped;
    ordersStarted += e.ordersStarted;
  });
  for (let i = 0; i < warmup; i++) await rig.engine.tick();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await timeMs(() => rig.engine.tick()));
  await rig.engine.idle();
  if (rig.exchange.orders.length > 0 || ordersStarted > 0 || skipped > 0) {
    log(`WARNING: the ${int(n)}-symbol idle tick was not idle (${ordersStarted} orders started, ${skipped} skipped)`);
  }
  return { median: median(times), p95: percentile(times, 95), rig };
}

/** The loop the issue compares with: per symbol, take the lock, read, structuredClone, release. */
async function naiveLoop(rig: Awaited<ReturnType<typeof seededRig>>, warmup = 3, samples = 15) {
  const pass = async () => {
    for (const s of rig.symbols) {
      const lease = await rig.lock.acquire(s, { ttlMs: 5_000 });
      if (lease === null) throw new Error(`${s} is locked`);
      const snap = await rig.store.get(s);
      structuredClone(snap?.value);
      await lease.release();
    }
  };
  for (let i = 0; i < warmup; i++) await pass();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await timeMs(pass));
  return { median: median(times), p95: percentile(times, 95) };
}

// ------------------------------------------------------------------------------------------ main

/** Sections named on the command line (`npm run bench -- a c`), or all when none is. */
const only = new Set(process.argv.slice(2));
const runs = (section: string): boolean => only.size === 0 || only.has(section) || (only.has('backtest') && (section === 'f' || section === 'g'));

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`cycle-engine bench: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpu}`);
  console.log('(figures, not assertions: they vary with the machine and its load; progress goes to stderr)\n');

  const eth = await loadCandles(fileURLToPath(new URL('../data/eth-usdt-1h.json', import.meta.url)));

  if (runs('a')) await lockRows(eth, rows);
  if (runs('b')) await idleTickRows(rows);
  if (runs('c')) await replayRows(eth, rows);
  if (runs('d')) importRows(rows);
  if (runs('e')) rows.push(...(await pollingRows(log)));
  if (runs('f')) rows.push(...(await minuteYearRows(log)));
  if (runs('g')) rows.push(...(await sweepRows(eth, ROOT, log)));
  if (runs('files')) rows.push(...(await fileStoreRows(log)));
  if (runs('services')) rows.push(...(await serviceRows(log)));

  console.log(table(rows));
  console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function lockRows(eth: readonly Candle[], rows: Row[]): Promise<void> {
  log('a. lock hold: ETH/USDT replay');
  await replayEth(eth, 2_000, 'ohlc', 'busy'); // warm-up (JIT), on its own engine
  await lockStress(50, 2);
  const holds: number[] = [];
  const ethReplay = await replayEth(eth, eth.length, 'ohlc', 'busy', holds);
  rows.push(
    { name: 'a. lock hold p50, ETH replay', value: percentile(holds, 50), unit: 'ms', target: null, note: `${int(holds.length)} holds, ${int(ethReplay.orders)} orders (busy strategy: up to 80 rebuys), after a warm-up` },
    { name: 'a. lock hold p99, ETH replay', value: percentile(holds, 99), unit: 'ms', target: 0.2, note: `max ${percentile(holds, 100).toFixed(3)} ms` },
  );
  log('a. lock hold: 1,000-symbol stress');
  const stress = await lockStress(1_000, 10);
  rows.push(
    { name: 'a. lock hold p50, stress 1,000 sym', value: percentile(stress.holds, 50), unit: 'ms', target: null, note: `${int(stress.holds.length)} holds, ${int(stress.orders)} orders, every symbol trades every tick` },
    { name: 'a. lock hold p99, stress 1,000 sym', value: percentile(stress.holds, 99), unit: 'ms', target: 0.2, note: `max ${percentile(stress.holds, 100).toFixed(3)} ms; engine concurrency 32 (default)` },
  );
  log('a. lock hold: the same stress with engine concurrency 1');
  const serial = await lockStress(1_000, 10, 1);
  rows.push(
    { name: 'a. lock hold p50, stress, concurrency 1', value: percentile(serial.holds, 50), unit: 'ms', target: null, note: `${int(serial.holds.length)} holds; shows what the 32 lanes add to each hold` },
    { name: 'a. lock hold p99, stress, concurrency 1', value: percentile(serial.holds, 99), unit: 'ms', target: 0.2, note: `max ${percentile(serial.holds, 100).toFixed(3)} ms` },
  );

}

async function idleTickRows(rows: Row[]): Promise<void> {
  let rig10k: Awaited<ReturnType<typeof seededRig>> | undefined;
  for (const n of [10, 1_000, 10_000]) {
    log(`b. idle tick over ${int(n)} active symbols`);
    const r = await idleTick(n);
    const target = n === 10_000 ? 20 : null;
    rows.push(
      { name: `b. idle tick, ${int(n)} sym, median`, value: r.median, unit: 'ms', target, note: 'over 30 ticks after 5 warm-up' },
      { name: `b. idle tick, ${int(n)} sym, p95`, value: r.p95, unit: 'ms', target },
    );
    if (n === 10_000) rig10k = r.rig;
  }
  log('b. naive lock/read/clone/release loop over the same 10,000 records');
  const naive = await naiveLoop(rig10k!);
  const tick10k = rows.find((r) => r.name.startsWith('b. idle tick, 10,000 sym, median'))!.value;
  rows.push({
    name: 'b. naive loop, 10,000 sym, median',
    value: naive.median,
    unit: 'ms',
    target: null,
    note: `baseline (issue: ~85 ms); engine tick is ${(tick10k / naive.median).toFixed(2)}× of it`,
  });
  rig10k = undefined;
}

async function replayRows(eth: readonly Candle[], rows: Row[]): Promise<void> {
  const limit = Math.min(10_000, eth.length);
  const variants = [['close', 'demo'], ['ohlc', 'demo'], ['ohlc', 'busy']] as const;
  for (const [mode, kind] of variants) {
    log(`c. replay of ${int(limit)} candles, intrabar ${mode}, ${kind} strategy`);
    await replayEth(eth, 500, mode, kind); // warm-up
    const runs: Array<Awaited<ReturnType<typeof replayEth>>> = [];
    for (let i = 0; i < 3; i++) runs.push(await replayEth(eth, limit, mode, kind));
    const best = runs.map((r) => r.ms);
    rows.push({
      name: `c. replay ${int(limit)} candles, ${mode === 'close' ? 'close only' : 'low/high/close'}${kind === 'busy' ? ', busy' : ''}`,
      value: median(best) / 1000,
      unit: 's',
      target: 2,
      note: `median of 3; ${int(runs[0]!.ticks)} ticks, ${int(runs[0]!.orders)} orders`,
    });
  }
}

function importRows(rows: Row[]): void {
  log('d. import time of dist/index.js (building it first if stale)');
  const built = ensureBuilt(ROOT);
  if (built.entry === null) {
    rows.push({ name: 'd. import dist/index.js, median', value: Number.NaN, unit: 'ms', target: 100, note: 'build failed' });
    console.error(`build failed:\n${built.detail ?? ''}`);
  } else {
    try {
      const imp = measureImport(built.entry, 7);
      const how = built.how === 'fallback' ? 'ESM-only temp build (npm run build failed)' : built.how === 'built' ? 'built now' : 'dist up to date';
      rows.push(
        { name: 'd. import dist/index.js, median', value: imp.entryMs, unit: 'ms', target: 100, note: `7 fresh node processes; ${how}` },
        { name: 'd. import trivial module, median', value: imp.baselineMs, unit: 'ms', target: null, note: `baseline; difference ${(imp.entryMs - imp.baselineMs).toFixed(2)} ms` },
      );
      if (built.how === 'fallback') console.error(`npm run build failed, timed a temporary ESM build instead:\n${built.detail ?? ''}`);
    } finally {
      built.cleanup?.();
    }
  }
}

main().catch((error: unknown) => {
  // A broken bench is reported, but the bench asserts nothing: figures that could not be taken are the report.
  console.error('bench failed:', error);
  process.exitCode = 1;
});
