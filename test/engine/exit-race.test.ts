/**
 * Issue 11's race proof for exits: in limit modes (a resting take-profit, two resting safety
 * buys) with a stop loss, several engines on one store and one paper exchange, an exit — a
 * `closeCycle` by any engine, or the stop loss — is decided while safety buys fill, the
 * take-profit is being replaced, cancels are lost or fill on the way, under seeded schedules where
 * every store, lock and exchange call is answered when fast-check's scheduler says.
 *
 * Checked after every effect at the venue (see test/support/limit-race.ts): no sell is ever refused
 * for lack of base — by the venue or by the engine's own balance check — so the venue never sells
 * more than the account holds (a resting sell's base is never sold twice); at most one resting
 * take-profit. After each schedule, once drained: no exit is left half done, the record's base and
 * quote are exactly what the venue's fills put in and took out of the account.
 *
 * A failure prints fast-check's `seed` and `path`: replay with EXIT_RACE_SEED=… EXIT_RACE_PATH=….
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FAULTS, PRICES, runRaceSchedule, type Action, type Schedule } from '../support/limit-race';

const SEED = Number(process.env.EXIT_RACE_SEED ?? 20261130);
const RUNS = Number(process.env.EXIT_RACE_RUNS ?? 300);
const PATH = process.env.EXIT_RACE_PATH;
const STORY_RUNS = Number(process.env.EXIT_RACE_STORY_RUNS ?? 50);

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), engine: fc.nat({ max: 2 }), wait: fc.constantFrom('none' as const, 'tick' as const, 'idle' as const) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('release' as const), n: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('price' as const), price: fc.constantFrom(...PRICES), partial: fc.constantFrom('0.3' as const, '0.5' as const) }, { requiredKeys: ['kind', 'price'] }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fault' as const), fault: fc.constantFrom(...FAULTS), side: fc.constantFrom('buy' as const, 'sell' as const) }, { requiredKeys: ['kind', 'fault'] }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const), engine: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(300, 2_000, 12_000, 40_000, 100_000) }) },
);

const schedule: fc.Arbitrary<Schedule> = fc.record({
  engines: fc.integer({ min: 2, max: 3 }),
  random: fc.integer(),
  actions: fc.array(action, { minLength: 4, maxLength: 18, size: 'max' }),
});


afterEach(() => {
  vi.restoreAllMocks();
});

describe('exits under races: a close or a stop loss while safety buys fill and the take-profit is replaced', () => {
  it('the story of the issue: a safety buy fills, the take-profit is being replaced, and another engine closes the cycle', async () => {
    const actions: Action[] = [
      { kind: 'price', price: '97.9' }, // level 1 (98) fills at the venue
      { kind: 'tick', engine: 0, wait: 'none' }, // e0 sees it: applies the fill, cancels the take-profit to replace it…
      { kind: 'release', n: 3 },
      { kind: 'close', engine: 1 }, // …while e1 persists the exit
      { kind: 'fault', fault: { kind: 'fillDuringCancel', ratio: '0.5' }, side: 'sell' },
      { kind: 'price', price: '101.7', partial: '0.5' }, // the old take-profit may fill in part while being cancelled
      { kind: 'release', n: 6 },
      { kind: 'tick', engine: 1, wait: 'none' },
      { kind: 'release', n: 12 },
    ];
    const totals = new Map<string, number>();
    await fc.assert(fc.asyncProperty(fc.scheduler(), (s) => runRaceSchedule(s, { engines: 2, random: 0, actions }, totals, { exits: true })), { numRuns: STORY_RUNS, seed: SEED });
    expect(totals.get('exits')).toBeGreaterThan(0); // the exit happened in these schedules, not only the take-profit
  }, 120_000);

  it(`holds every invariant under ${RUNS} seeded schedules with closes, stop losses and faults`, async () => {
    const totals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), schedule, (s, p) => runRaceSchedule(s, p, totals, { exits: true })),
      { numRuns: RUNS, seed: SEED, timeout: 30_000, ...(PATH !== undefined ? { path: PATH, endOnFailure: true } : {}) },
    );
    console.log(`[exit-race] ${RUNS} schedules (seed ${SEED}) exercised: ${[...totals].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(totals.get('exits')).toBeGreaterThan(RUNS / 10);
  }, Math.max(120_000, RUNS * 200));
});
