/**
 * Crashes: the kill-writer (a real CycleEngine on a FileStateStore + FileLock directory, cycles
 * starting, rebuying and selling all the time) is SIGKILLed at seeded random instants, ≥ 200
 * times, on directories whose state persists across kills. After every kill, fresh readers check
 * that every state file parses and validates, that no temp file is taken for state, that no cycle
 * went back to idle while it held a position, and that the exchange's journal and the store agree.
 * See test/support/crash-harness.ts for the exact checks; `scripts/crash-soak.ts` runs it longer.
 *
 * CRASH_SEED (default 20261124) and CRASH_KILLS (default 200) override the campaign;
 * CRASH_LANES (default 2) sets how many writers are killed in parallel.
 */
import { describe, expect, it } from 'vitest';
import { runCrashCampaign } from '../support/crash-harness';

const SEED = Number(process.env.CRASH_SEED ?? 20261124);
const KILLS = Number(process.env.CRASH_KILLS ?? 200);
const LANES = Number(process.env.CRASH_LANES ?? 2);

describe(`FileStateStore under SIGKILL (seed ${SEED}, ${KILLS} kills)`, () => {
  it('every state file parses and validates after every kill; no temp file is read as state; no cycle drops a position', async () => {
    const stats = await runCrashCampaign({ seed: SEED, kills: KILLS, lanes: LANES, runner: process.env.CRASH_RUNNER === 'tsx' ? 'tsx' : 'bundle' });
    console.info(`[crash] ${JSON.stringify({ ...stats, problems: stats.problems.length })}`);
    expect(stats.problems).toEqual([]);
    expect(stats.kills).toBe(KILLS);
    // The kills landed where it matters: mid-write (a temp file left) and mid-order (an intent in flight).
    expect(stats.killsWithTempFile).toBeGreaterThan(0);
    expect(stats.killsWithPendingOrder).toBeGreaterThan(0);
    // And the writers really moved the cycles: many transitions, orders executed, cycles closed.
    expect(stats.transitions).toBeGreaterThan(KILLS);
    expect(stats.closedCycles).toBeGreaterThan(0);
  }, 300_000);
});
