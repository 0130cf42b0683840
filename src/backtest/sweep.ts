/**
 * `sweep()`: every combination of a grid of `dca()` options backtested over the same candles, on
 * worker threads across the machine's cores, ranked by a metric.
 *
 * ## Where the workers' code comes from
 *
 * A worker thread runs a file, not a function, and can receive only plain data: the grid applies
 * to `dca()`'s options, and each worker builds its own strategy. The worker file sits next to this
 * module: `backtest-worker.js` (or `.cjs`) beside the built `backtest.js`; from the TypeScript
 * sources (tests, `tsx`), `sweep-worker.ts`, loaded through tsx's loader (a dev dependency, never
 * reached from the published package).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { dca, type DcaOptions } from '../strategy/dca';
import { CycleEngineError, InvalidOptionsError } from '../errors';
import type { BacktestOptions } from './backtest-options';
import { ProgressBar, type BarStream } from './progress-bar';
import { writeSweepReport, type ReportFileOptions } from './report-file';
import { expandGrid, rankRows, type SweepValue } from './sweep-grid';
import { runCombination, type SweepSetup } from './sweep-job';
import { SWEEP_WORKER_MARK, type SweepRequest } from './sweep-worker';
import type { BacktestMetrics, Candle, SweepRow } from './types';

/**
 * Options of `sweep()`.
 * @public
 */
export interface SweepOptions extends Omit<BacktestOptions, 'symbol' | 'candles' | 'markets' | 'strategy' | 'onCandle'> {
  /** Unified symbol. */
  readonly symbol: string;
  /** The candles every combination replays. */
  readonly candles: readonly Candle[];
  /** The swept `dca()` options and their values, e.g. `{ takeProfitPct: [1, 1.5, 2], rebuyDropPct: [1, 2, 3] }`. */
  readonly grid: Readonly<Record<string, readonly SweepValue[]>>;
  /** The other `dca()` options, shared by every combination. */
  readonly base: Partial<DcaOptions>;
  /** The metric the rows are ranked by, best first (default `realizedPnlQuote`). */
  readonly rankBy?: keyof BacktestMetrics | undefined;
  /** Worker threads (default `os.availableParallelism()`, at most one per combination); 0 runs every combination in this thread. */
  readonly workers?: number | undefined;
  /**
   * A progress bar on stderr (default: when stderr is a terminal), or a function called with the
   * combinations done and their count.
   */
  readonly progress?: boolean | ((done: number, total: number) => void) | undefined;
}

/**
 * What `sweep()` returns.
 * @public
 */
export interface SweepResult {
  /** Every combination with its metrics, best first by `rankBy`. */
  readonly rows: readonly SweepRow[];
  /** The metric ranked by. */
  readonly rankBy: keyof BacktestMetrics;
  /** Worker threads used (0: the calling thread). */
  readonly workers: number;
  /** Wall time of the sweep, ms. */
  readonly elapsedMs: number;
  /** Writes the sweep's HTML report (a sortable table, a heat map of two swept options: by default the grid's first two). */
  writeReport(path: string, options?: ReportFileOptions & { readonly heatmap?: { readonly x: string; readonly y: string } | undefined }): Promise<void>;
}

/**
 * Backtests every combination of `grid` (applied to `dca({ ...base, ...combination })`) over the
 * same candles, on worker threads across all cores, with a progress bar on stderr, and ranks the
 * results by `rankBy`. Every combination is checked with `dca()` before anything runs.
 *
 * @example
 * ```ts
 * const result = await sweep({
 *   symbol: 'ETH/USDT', candles, startBalance: { USDT: '1000' }, feeRate: '0.001',
 *   base: { startQuote: 10, maxRebuys: 5 }, grid: { takeProfitPct: [1, 1.5, 2], rebuyDropPct: [1, 2, 3] },
 *   rankBy: 'roiOnPeakCapitalPct',
 * });
 * await result.writeReport('sweep.html');
 * ```
 * @throws {@link InvalidOptionsError} for a bad grid, metric or combination; a
 * {@link CycleEngineError} when a combination's backtest fails
 * @public
 */
export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const { grid, base, symbol, candles, rankBy = 'realizedPnlQuote', workers: wanted, progress, ...rest } = options;
  const combos = expandGrid(grid);
  rankRows([], rankBy); // a bad metric fails before anything runs
  for (const params of combos) dca({ ...base, ...params } as DcaOptions);
  if (wanted !== undefined && (!Number.isSafeInteger(wanted) || wanted < 0)) throw new InvalidOptionsError('workers', `expected an integer ≥ 0, got ${String(wanted)}`);
  const workers = Math.min(wanted ?? availableParallelism(), combos.length);
  const setup: SweepSetup = { symbol, candles, base, backtest: rest };

  const stream: BarStream = process.stderr;
  const bar = progress === true || (progress === undefined && process.stderr.isTTY) ? new ProgressBar(stream, combos.length, `sweep ${symbol}`) : null;
  let done = 0;
  const tick = () => {
    done++;
    bar?.update(done);
    if (typeof progress === 'function') progress(done, combos.length);
  };
  const metrics: BacktestMetrics[] = new Array(combos.length);
  if (workers === 0) {
    for (const [i, params] of combos.entries()) {
      metrics[i] = await runCombination(setup, params);
      tick();
    }
  } else {
    await runOnWorkers(setup, combos, workers, (i, m) => {
      metrics[i] = m;
      tick();
    });
  }
  bar?.end();
  const rows = rankRows(combos.map((params, i) => ({ params, metrics: metrics[i]! })), rankBy);
  const keys = Object.keys(grid);
  return {
    rows, rankBy, workers, elapsedMs: performance.now() - t0,
    writeReport: (path, o) =>
      writeSweepReport(path, {
        title: o?.title ?? `Sweep ${symbol}: ${combos.length} combinations of ${keys.join(', ')}`,
        rankBy, rows,
        heatmap: o?.heatmap ?? (keys.length >= 2 ? { x: keys[0]!, y: keys[1]! } : undefined),
      }),
  };
}

/** Where this module is, and so the worker file next to it. */
function workerSource(): { file: string; viaTsx: boolean } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return { file: join(dirname(here), 'sweep-worker.ts'), viaTsx: true };
  return { file: join(dirname(here), here.endsWith('.cjs') ? 'backtest-worker.cjs' : 'backtest-worker.js'), viaTsx: false };
}

/** Runs the combinations on `count` workers, each pulling the next when it answers. */
function runOnWorkers(setup: SweepSetup, combos: ReadonlyArray<Record<string, SweepValue>>, count: number, onResult: (index: number, metrics: BacktestMetrics) => void): Promise<void> {
  const { file, viaTsx } = workerSource();
  const workerData = { mark: SWEEP_WORKER_MARK, setup };
  let next = 0;
  let answered = 0;
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      for (const w of pool) void w.terminate();
      reject(error);
    };
    const feed = (w: Worker) => {
      const job: SweepRequest = next < combos.length ? { index: next, params: combos[next++]! } : { stop: true };
      w.postMessage(job);
    };
    for (let k = 0; k < count; k++) {
      const w = startWorker((execArgv) =>
        viaTsx
          ? new Worker(`import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(pathToFileURL(file).href)});`, { eval: true, workerData, execArgv })
          : new Worker(file, { workerData, execArgv }),
      );
      pool.push(w);
      w.on('message', (m: { index: number; metrics?: BacktestMetrics; error?: { name: string; message: string; code?: string } }) => {
        if (m.error !== undefined) {
          const error = m.error.code === 'INVALID_OPTIONS' ? new InvalidOptionsError('grid', m.error.message) : new CycleEngineError(`sweep: combination ${JSON.stringify(combos[m.index])} failed: ${m.error.name}: ${m.error.message}`);
          fail(error);
          return;
        }
        onResult(m.index, m.metrics!);
        if (++answered === combos.length) {
          for (const p of pool) p.postMessage({ stop: true } satisfies SweepRequest);
          resolve();
        } else feed(w);
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && answered < combos.length) fail(new CycleEngineError(`sweep: a worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}

/**
 * Starts a worker with the parent's Node flags ({@link workerExecArgv}), less those a worker
 * refuses: V8 and per-process options such as `--max-old-space-size` or `--stack-size` (they hold
 * for the whole process anyway). Node names them in its `ERR_WORKER_INVALID_EXEC_ARGV`.
 */
function startWorker(make: (execArgv: string[]) => Worker): Worker {
  let argv = workerExecArgv(process.execArgv);
  for (;;) {
    try {
      return make(argv);
    } catch (error) {
      const next = withoutRefused(argv, error);
      if (next === null) throw error;
      argv = next;
    }
  }
}

/**
 * `argv` less the flags an `ERR_WORKER_INVALID_EXEC_ARGV` names ("Initiated Worker with invalid
 * execArgv flags: --a, --b=1"), or null when `error` is not one or names none of them.
 * @internal
 */
export function withoutRefused(argv: readonly string[], error: unknown): string[] | null {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof e.message !== 'string') return null;
  const colon = e.message.indexOf(': ');
  if (colon === -1) return null;
  const refused = new Set(e.message.slice(colon + 2).split(', ').map((f) => f.trim()));
  const kept = argv.filter((a) => !refused.has(a));
  return kept.length < argv.length ? kept : null;
}

/**
 * The parent's Node flags for a worker, less `--input-type`: a parent started with
 * `node --input-type=module -e …` would hand it on, and a worker that runs a file refuses it.
 * @internal
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--input-type') i++;
    else if (!a.startsWith('--input-type=')) out.push(a);
  }
  return out;
}
