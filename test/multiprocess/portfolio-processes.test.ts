/**
 * Issue 11's multi-process proof of the portfolio limits: 4 engine processes on one store (a
 * FileStateStore + FileLock directory, and PostgreSQL) trading 20 symbols with `maxActiveCycles: 5`
 * and a budget, prices that make every symbol want to start and rebuy, SIGKILLs of seeded random
 * processes and restarts, then a drain. From the fake exchange server's own journal: at no instant
 * do more than 5 symbols hold a position or an order at the venue, and the venue's net spend (and
 * exposure) never exceeds the budget; from the store at the end, after a recovery past the sweep's
 * minimum age: no leaked reservation, each covers its cycle's claim, every active cycle has one.
 * See test/support/portfolio-campaign.ts and test/support/venue-exposure.ts.
 *
 * PostgreSQL is skipped loudly when it is not reachable at 127.0.0.1, unless
 * CYCLE_ENGINE_REQUIRE_SERVICES=1. PF_SEED (default 20261130); PF_KILL_MS (default 8,000 ms of kills per store).
 */
import { describe, expect, it } from 'vitest';
import { PostgresStateStore } from 'cycle-engine/postgres';
import { BUDGET, MAX_ACTIVE, runPortfolioCampaign, type PortfolioCampaignStats } from '../support/portfolio-campaign';
import { withPostgres } from '../support/services';

const SEED = Number(process.env.PF_SEED ?? 20261130);
const KILL_MS = Number(process.env.PF_KILL_MS ?? 8_000);
const TITLE = `never more than ${MAX_ACTIVE} cycles holding at the venue, never more than ${BUDGET} spent, no reservation leaked after kills, restarts and a drain`;

describe(`portfolio limits: 4 engine processes on one FileStateStore, SIGKILLed and restarted (seed ${SEED})`, () => {
  it(TITLE, async () => {
    expectHeld('file', await runPortfolioCampaign({ seed: SEED, killPhaseMs: KILL_MS }));
  }, 120_000);
});

await withPostgres(`portfolio limits: 4 engine processes on one PostgreSQL store and lock, SIGKILLed and restarted (seed ${SEED})`, (pg) => {
  it(TITLE, async () => {
    const table = pg.table('pf_state');
    const stats = await runPortfolioCampaign({ seed: SEED, killPhaseMs: KILL_MS, postgres: { table, lockTable: pg.table('pf_lock'), reader: new PostgresStateStore({ pool: pg.pool, table }) } });
    expectHeld('postgres', stats);
  }, 120_000);
});

function expectHeld(label: string, s: PortfolioCampaignStats): void {
  const v = s.venue;
  console.log(
    `[portfolio ${label}] seed ${SEED}: ${s.kills} kills (${s.killsWithOrderInFlight} with an order in flight, ${s.killsBeforeStarted} before recovery finished); ` +
      `orders ${s.orders.start} starts, ${s.orders.rebuy} rebuys, ${s.orders.sell} sells; ` +
      `max holders at the venue ${v?.maxHolders ?? '?'} (limit ${MAX_ACTIVE}), max net spend ${v?.maxNetSpend.toFixed(4) ?? '?'} and max exposure ${v?.maxExposure.toFixed(4) ?? '?'} (budget ${BUDGET}); ` +
      `reservations after the drain ${s.reservationsAfterDrain}, after the sweep ${s.reservationsAtEnd.length} for ${s.activeAtEnd} active cycles ` +
      `[${s.reservationsAtEnd.map((r) => `${r.symbol} ${r.quote}≥${r.claim}`).join(', ')}]; ${(s.elapsedMs / 1000).toFixed(1)} s: ${s.problems.length === 0 ? 'OK' : `${s.problems.length} PROBLEMS`}`,
  );
  if (s.stderr.length > 0) console.log(`[portfolio ${label}] engine stderr:\n${s.stderr.join('\n')}`);
  expect(s.problems).toEqual([]);
  // The run did what the proof is for: processes were killed, both limits were reached, cycles turned over.
  expect(s.kills).toBeGreaterThan(3);
  expect(v!.maxHolders).toBe(MAX_ACTIVE);
  expect(s.orders.start).toBeGreaterThan(MAX_ACTIVE);
  expect(s.orders.rebuy).toBeGreaterThan(0);
  expect(s.orders.sell).toBeGreaterThan(0);
}
