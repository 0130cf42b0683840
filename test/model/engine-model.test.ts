import fc from 'fast-check';
import { describe, it } from 'vitest';
import { modelProperty } from '../support/model';

const RUNS = Number(process.env.MODEL_RUNS ?? 500);
const SEED = Number(process.env.MODEL_SEED ?? 424242);

describe('model-based: ticks, prices, faults, crashes, restarts and engines joining', () => {
  it(`${RUNS} seeded runs: the state always matches the model, and never two start buys in a cycle`, async () => {
    await fc.assert(modelProperty(), { numRuns: RUNS, seed: SEED });
  });
});
