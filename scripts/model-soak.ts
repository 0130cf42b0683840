/**
 * The model-based test for longer: `npx tsx scripts/model-soak.ts --runs 100000 [--seed N]`.
 * Prints how many seeds ran and the result; on a failure, the seed and path that reproduce it
 * (set MODEL_SEED / add a regression test with them).
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { modelProperty } from '../test/support/model';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const t0 = Date.now();
const result = await fc.check(modelProperty(), { numRuns: runs, seed, endOnFailure: true });
const seconds = ((Date.now() - t0) / 1000).toFixed(1);
if (result.failed) {
  console.log(`model soak: FAILED after ${result.numRuns} run(s) of ${runs} (seed ${seed}, path ${result.counterexamplePath}) in ${seconds} s`);
  console.log(String(result.errorInstance ?? result.error));
  process.exit(1);
}
console.log(`model soak: ${result.numRuns} seeded runs passed (seed ${seed}) in ${seconds} s`);
