/**
 * Crash-safe orders, with real processes: an engine process on a FileStateStore + FileLock
 * directory is SIGKILLed at seeded random instants — most of them while one of its orders is in
 * flight — against a fake exchange on 127.0.0.1 that outlives it and keeps executing orders whose
 * sender died (latency 20–120 ms). Each restarted process recovers in `engine.start()`. After the
 * last kill a final process, not killed, recovers, drains past every landing deadline and stops;
 * then the exchange's journal and the store must agree: no client order id twice, well-formed
 * cycles, no fill lost or applied twice (exact base accounting), no orphan, every file valid.
 * See test/support/recovery-campaign.ts for the exact checks; `scripts/recovery-soak.ts` runs it longer.
 *
 * CRASH_SEED (default 20261124) and RECOVERY_KILLS (default 100) override the campaign;
 * RECOVERY_LANES (default 1) runs that many engine processes (own directory, own symbols) in parallel.
 */
import { describe, expect, it } from 'vitest';
import { runRecoveryCampaign } from '../support/recovery-campaign';

const SEED = Number(process.env.CRASH_SEED ?? 20261124);
const KILLS = Number(process.env.RECOVERY_KILLS ?? 100);
const LANES = Number(process.env.RECOVERY_LANES ?? 1);

describe(`engine processes SIGKILLed with orders in flight, restarted on the same FileStateStore (seed ${SEED}, ${KILLS} kills)`, () => {
  it('every cycle recovers: no duplicate order, no lost fill, none applied twice, every state file valid', async () => {
    const stats = await runRecoveryCampaign({ seed: SEED, kills: KILLS, lanes: LANES, runner: process.env.CRASH_RUNNER === 'tsx' ? 'tsx' : 'bundle' });
    const reconciledByLookup = stats.reconciled.filled + stats.reconciled.notFound;
    console.log(
      `[recovery] seed ${SEED}: ${stats.kills} kills, ${stats.killsWithOrderInFlight} with an order in flight at the exchange ` +
        `(${stats.killsWithPendingIntent} left an intent without outcome, ${stats.killsBeforeStarted} before recovery finished), ` +
        `${stats.ordersExecuted} orders executed (${stats.starts} starts, ${stats.rebuys} rebuys, ${stats.sells} sells; ${stats.ordersExecutedAfterKill} after their sender died), ` +
        `${reconciledByLookup} reconciled by look-up (${stats.reconciled.filled} found filled, ${stats.reconciled.notFound} not found) + ${stats.reconciled.lateResponse} late responses, ` +
        `${stats.unknown} unknown, ${stats.orphaned} orphaned, intent→send ≤ ${stats.maxIntentToSendMs} ms, intent→arrival ≤ ${stats.maxIntentToArrivalMs} ms, intent→execution ≤ ${stats.maxIntentToExecutionMs} ms (${stats.ordersPastLandingDeadline} past the landing deadline), `+
        `${(stats.elapsedMs / 1000).toFixed(1)} s: ${stats.problems.length === 0 ? 'OK' : `${stats.problems.length} PROBLEMS`}`,
    );
    expect(stats.problems).toEqual([]);
    expect(stats.kills).toBe(KILLS);
    expect(stats.ordersRefused).toBe(0);
    if (KILLS < 20) return; // too few kills for the coverage checks below
    // The kills landed where it matters: with orders in flight, leaving intents for recovery.
    expect(stats.killsWithOrderInFlight).toBeGreaterThan(KILLS / 4);
    expect(stats.killsWithPendingIntent).toBeGreaterThan(KILLS / 4);
    expect(stats.ordersExecutedAfterKill).toBeGreaterThan(0);
    expect(stats.reconciled.filled).toBeGreaterThan(0);
    // And the cycles really moved: starts, rebuys and sells.
    expect(stats.starts).toBeGreaterThan(3);
    expect(stats.rebuys).toBeGreaterThan(0);
    expect(stats.sells).toBeGreaterThan(0);
  }, 300_000);
});
