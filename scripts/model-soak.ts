/**
 * The model-based test for longer: `npx tsx scripts/model-soak.ts --runs 100000 [--seed N] [--limit]`
 * (`--limit`: the limit-mode property, order modes drawn per run).
 *
 * Runs are split into batches of 5,000, each in its own process (the scheduler's bookkeeping of
 * thousands of runs, with crashed engines' calls left hanging on purpose, would otherwise fill the
 * heap), two at a time. Prints the seeds run and the result; on a failure, the batch seed and
 * fast-check's path that reproduce it (MODEL_SEED / a regression test).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { limitModelProperty, modelProperty } from '../test/support/model';

const BATCH = 5_000;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' }, batch: { type: 'boolean', default: false }, limit: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);

if (values.batch) {
  // One batch, in this process.
  const result = await fc.check(values.limit ? limitModelProperty() : modelProperty(), { numRuns: runs, seed, endOnFailure: true });
  if (result.failed) {
    console.log(JSON.stringify({ failed: true, seed, runs: result.numRuns, path: result.counterexamplePath, error: String(result.errorInstance ?? result.error).slice(0, 2000) }));
    process.exit(1);
  }
  console.log(JSON.stringify({ failed: false, seed, runs: result.numRuns }));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
function batch(n: number, batchSeed: number): Promise<{ failed: boolean; runs: number; seed: number; path?: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, '--batch', '--runs', String(n), '--seed', String(batchSeed)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`batch ${batchSeed} printed no result: ${out.slice(0, 500)}`));
      }
    });
  });
}

const t0 = Date.now();
const batches: Array<[number, number]> = [];
for (let done = 0, i = 0; done < runs; done += BATCH, i++) batches.push([Math.min(BATCH, runs - done), seed + i]);
let ran = 0;
let failure: Awaited<ReturnType<typeof batch>> | null = null;
let next = 0;
const lane = async () => {
  while (next < batches.length && failure === null) {
    const [n, s] = batches[next++]!;
    const r = await batch(n, s);
    ran += r.runs;
    if (r.failed) failure = r;
  }
};
await Promise.all([lane(), lane()]);
const seconds = ((Date.now() - t0) / 1000).toFixed(0);
if (failure) {
  console.log(`model soak: FAILED in the batch with seed ${failure.seed} (path ${failure.path}) after ${ran} runs in all, ${seconds} s`);
  console.log(failure.error);
  process.exit(1);
}
console.log(`model soak: ${ran} seeded runs passed (seeds ${seed}…${seed + batches.length - 1}, ${batches.length} batches of up to ${BATCH}) in ${seconds} s`);
