import fc from 'fast-check';
import { describe, it } from 'vitest';
import { limitModelProperty, modelProperty } from '../support/model';

const RUNS = Number(process.env.MODEL_RUNS ?? 500);
const LIMIT_RUNS = Number(process.env.MODEL_LIMIT_RUNS ?? 200);
const SEED = Number(process.env.MODEL_SEED ?? 424242);

describe('model-based: ticks, prices, faults, crashes, restarts and engines joining', () => {
  it(`${RUNS} seeded runs: the state always matches the model, and never two start buys in a cycle`, async () => {
    await fc.assert(modelProperty(), { numRuns: RUNS, seed: SEED });
  });

  it(`${LIMIT_RUNS} seeded runs in limit modes (resting take-profit and/or safety buys, activeRebuys 1–3): partial fills, fills during cancels, lost cancels and placements`, async () => {
    await fc.assert(limitModelProperty(), { numRuns: LIMIT_RUNS, seed: SEED });
  }, 180_000); // ~11 s of CPU; the margin is for a machine shared by several runs
});
