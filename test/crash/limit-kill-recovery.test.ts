/**
 * Issue 10's real-process proof: engine processes in limit modes (`takeProfitOrder: 'limit'`,
 * `rebuyOrders: 'limit'`, `activeRebuys: 2`), several at once on one FileStateStore + FileLock
 * directory, SIGKILLed at seeded random moments and replaced, against a fake exchange on 127.0.0.1
 * that holds a resting book and outlives them, while its prices walk so that resting orders fill
 * (some in part), take-profits are replaced and safety buys cancelled (some filling during the
 * cancel). A healthy engine drains at the end. Then: no client order id twice, every record's base
 * = the venue's net fills, no orphan unaccounted, no order in a record that the server does not
 * have open (and none resting at the server outside a record), and every active cycle has exactly
 * one take-profit resting at the server for its whole sellable position.
 * See test/support/limit-kill-campaign.ts and test/support/limit-ledger-checks.ts.
 *
 * The same against PostgreSQL (store and lock), skipped loudly when it is not reachable at
 * 127.0.0.1 unless CYCLE_ENGINE_REQUIRE_SERVICES=1.
 *
 * CRASH_SEED (default 20261130); LIMIT_KILL_MS / LIMIT_KILL_PG_MS: how long processes are killed
 * (default 20,000 / 15,000 ms).
 */
import { describe, expect, it } from 'vitest';
import { PostgresStateStore } from 'cycle-engine/postgres';
import { runLimitKillCampaign, type LimitKillStats } from '../support/limit-kill-campaign';
import { withPostgres } from '../support/services';

const SEED = Number(process.env.CRASH_SEED ?? 20261130);
const KILL_MS = Number(process.env.LIMIT_KILL_MS ?? 20_000);
const PG_KILL_MS = Number(process.env.LIMIT_KILL_PG_MS ?? 15_000);
const TITLE = 'every slot recovers: no duplicate order, no lost fill, every active cycle ends with its take-profit resting for its whole position';

describe(`engines in limit modes SIGKILLed and restarted on one FileStateStore, a resting book outliving them (seed ${SEED})`, () => {
  it(TITLE, async () => {
    const stats = await runLimitKillCampaign({ seed: SEED, killPhaseMs: KILL_MS, runner: process.env.CRASH_RUNNER === 'tsx' ? 'tsx' : 'bundle' });
    expectRecovered('file', stats);
  }, 120_000);
});

await withPostgres(`engines in limit modes SIGKILLed and restarted on one PostgreSQL store and lock (seed ${SEED})`, (pg) => {
  it(TITLE, async () => {
    const table = pg.table('limit_kill_state');
    const stats = await runLimitKillCampaign({
      seed: SEED,
      killPhaseMs: PG_KILL_MS,
      postgres: { table, lockTable: pg.table('limit_kill_lock'), reader: new PostgresStateStore({ pool: pg.pool, table }) },
    });
    expectRecovered('postgres', stats);
  }, 120_000);
});

function expectRecovered(label: string, stats: LimitKillStats): void {
  console.log(
    `[limit-kill ${label}] seed ${SEED}: ${stats.kills} kills (${stats.killsWithOrderInFlight} with an order in flight at the server, ${stats.killsBeforeStarted} before recovery finished, ${stats.killsWithUnsettledSlot} leaving a slot unsettled), ` +
      `${stats.ordersReceived} orders (${stats.limitOrders} LIMIT), ${stats.marketFills} market fills, ${stats.limitFills} LIMIT orders filled (${stats.partialLimitFills} in part), ` +
      `${stats.cancels} cancels, ${stats.faultsArmed} faults armed, ${stats.closedCycles} cycles closed, ${stats.activeAtEnd} active at the end, events ${JSON.stringify(stats.events)}, spawn→ready mean ${stats.readyMs.mean.toFixed(0)} ms, spawn→recovered mean ${stats.startMs.mean.toFixed(0)} ms (max ${stats.startMs.max}), ` +
      `${(stats.elapsedMs / 1000).toFixed(1)} s: ${stats.problems.length === 0 ? 'OK' : `${stats.problems.length} PROBLEMS`}`,
  );
  if (stats.stderr.length > 0) console.log(`[limit-kill ${label}] engine stderr:\n${stats.stderr.join('\n')}`);
  expect(stats.problems).toEqual([]);
  // The kills and the walk did what the test is for.
  expect(stats.kills).toBeGreaterThan(3);
  expect(stats.killsWithUnsettledSlot).toBeGreaterThan(0);
  expect(stats.limitFills).toBeGreaterThan(3);
  expect(stats.cancels).toBeGreaterThan(0);
  expect(stats.closedCycles).toBeGreaterThan(0);
  expect(stats.activeAtEnd).toBeGreaterThan(0);
}
