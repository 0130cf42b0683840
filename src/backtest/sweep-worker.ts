/**
 * The worker thread of a sweep: receives the shared setup as `workerData`, then one combination
 * per message, and answers each with its metrics (or its error). Built as its own entry
 * (`dist/backtest-worker.js` / `.cjs`); from the TypeScript source it runs through tsx.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runCombination, type SweepSetup } from './sweep-job';
import type { SweepValue } from './sweep-grid';

/**
 * A job for a worker, and its answer.
 * @internal
 */
export type SweepRequest = { readonly index: number; readonly params: Readonly<Record<string, SweepValue>> } | { readonly stop: true };

/**
 * Marks the `workerData` of a sweep's worker, so that this module starts serving only there.
 * @internal
 */
export const SWEEP_WORKER_MARK = 'cycle-engine:sweep';

const data = workerData as { mark?: string; setup?: SweepSetup } | null;
if (!isMainThread && parentPort !== null && data?.mark === SWEEP_WORKER_MARK && data.setup !== undefined) {
  const port = parentPort;
  const setup = data.setup;
  port.on('message', (job: SweepRequest) => {
    if ('stop' in job) {
      port.close();
      return;
    }
    runCombination(setup, job.params).then(
      (metrics) => port.postMessage({ index: job.index, metrics }),
      (error: unknown) => {
        const e = error as { name?: string; message?: string; code?: string };
        port.postMessage({ index: job.index, error: { name: e?.name ?? 'Error', message: e?.message ?? String(error), code: e?.code } });
      },
    );
  });
}
