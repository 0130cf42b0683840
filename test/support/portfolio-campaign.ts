/**
 * The multi-process proof of the portfolio limits (issue 11; test/multiprocess/portfolio-processes.test.ts).
 *
 * 4 engine processes (./engine-process.ts) share one store and lock (a FileStateStore + FileLock
 * directory, or PostgreSQL) and 20 symbols, with `maxActiveCycles: 5` and a budget
 * (`maxTotalInvestedQuote`), against the fake exchange server on 127.0.0.1 (MARKET orders land
 * 5–40 ms after they arrive, also when their sender is gone). Every symbol's price goes down in
 * seeded steps, so that every symbol wants to start and to rebuy, and now and then bounces back
 * above its cycles' take-profit, so that cycles close and others take their place. Each process is
 * SIGKILLed a seeded time after its recovery (or, for a seeded share, during it) and replaced at
 * once, until `killPhaseMs` has passed; the second life of two seeded processes instead kills
 * itself right after its first or second reservation landed, before the cycle write it was for
 * (`--die-after-reserve`: the crash that leaves a reservation no cycle holds); then the last ones are killed, the price freezes, 4 new
 * processes recover, trade a little and drain, and one more process, whose clock runs past the
 * sweep's minimum age of a reservation, recovers (its `engine.start()` sweeps the portfolio) and
 * stops.
 *
 * What is checked (./venue-exposure.ts computes the first two from the server's journal only):
 * 1. at no instant do more than `maxActiveCycles` symbols hold a position or an order at the venue;
 * 2. the venue's net spend (and its exposure: net spend plus the buys in flight) never exceeds the budget;
 * 3. at the end every reservation belongs to a cycle that holds a position or an order and covers
 *    its claim (invested quote plus what its buys may still spend); every such cycle has one; and
 *    the venue's holders are the records' active cycles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { FileStateStore, type StateStore } from 'cycle-engine';
import { ENGINE_PROCESS, ROOT, killAndWait, runnableScript, spawnScript, type Child } from './child-processes';
import { drainingEngine } from './engine-runs';
import { startFakeExchangeServer, type FakeExchangeServer } from './fake-exchange-server';
import { checkReservations, holdsCycle, portfolioState } from './portfolio-end-checks';
import { sawtoothPrices } from './price-walk';
import { prng, subSeed } from './prng';
import { venueExposure, type VenueExposure } from './venue-exposure';

export const MAX_ACTIVE = 5;
export const BUDGET = '90';
export const SYMBOLS = Array.from({ length: 20 }, (_, i) => `P${String.fromCharCode(65 + i)}X/USDT`);
const PROCESSES = 4;
const STRATEGY = { startQuote: 10, rebuyDropPct: 1, rebuyVolumeScale: 1.5, maxRebuys: 3, takeProfitPct: 1.5 };
const ORDER_TIMEOUT_MS = 300;
const ENGINE = {
  workerGraceMs: 300, landingWindowMs: 1_000, callTimeoutMs: 5_000, lockWaitMs: 200, openOrderCheckMs: 250,
  lookupBackoff: { initialMs: 10, maxMs: 100 }, retryBackoff: { initialMs: 5, maxMs: 50 },
  maxActiveCycles: MAX_ACTIVE, maxTotalInvestedQuote: BUDGET,
};
/** The sweep leaves a stale reservation younger than 60 s alone (not an engine option): the last process's clock runs this far ahead. */
const SWEEP_CLOCK_OFFSET_MS = 61_000;
/** Base below which a symbol holds nothing at the venue: what one cycle's rounding can leave is < 0.0001. */
const DUST_BASE = '0.005';

export interface PortfolioCampaignOptions {
  readonly seed: number;
  readonly killPhaseMs: number;
  /** Life of each killed process after its recovery (default 800–2,500 ms; on a loaded machine a recovery alone takes seconds). */
  readonly lifeMs?: readonly [number, number];
  /** The engines' store and lock in PostgreSQL (their tables, and a store on the same table for the test to read). */
  readonly postgres?: { readonly table: string; readonly lockTable: string; readonly reader: StateStore };
}

export interface PortfolioCampaignStats {
  kills: number;
  killsWithOrderInFlight: number;
  killsBeforeStarted: number;
  /** Processes that killed themselves between a reservation and its cycle write. */
  killsAfterReserve: number;
  orders: { start: number; rebuy: number; sell: number };
  /** `cycle:budgetWait` events of every process, by limit. */
  budgetWaits: Record<string, number>;
  venue: VenueExposure | null;
  /** Reservations after the drain, and after the last process's sweep. */
  reservationsAfterDrain: number;
  /** Reservations after the drain that no cycle holds (left for the sweep: younger than its minimum age). */
  leakedAfterDrain: number;
  reservationsAtEnd: Array<{ symbol: string; quote: string; claim: string }>;
  activeAtEnd: number;
  stderr: string[];
  /** When the kills ended, the drain ended, the sweep ended (ms from the start). */
  phasesMs: { kills: number; drain: number; sweep: number };
  elapsedMs: number;
  problems: string[];
}

export async function runPortfolioCampaign(o: PortfolioCampaignOptions): Promise<PortfolioCampaignStats> {
  const t0 = Date.now();
  const [minLife, maxLife] = o.lifeMs ?? [800, 2_500];
  const stats: PortfolioCampaignStats = {
    kills: 0, killsWithOrderInFlight: 0, killsBeforeStarted: 0, killsAfterReserve: 0, orders: { start: 0, rebuy: 0, sell: 0 }, budgetWaits: {}, venue: null,
    reservationsAfterDrain: 0, leakedAfterDrain: 0, reservationsAtEnd: [], activeAtEnd: 0, stderr: [], phasesMs: { kills: 0, drain: 0, sweep: 0 }, elapsedMs: 0, problems: [],
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-portfolio-'));
  // The bundled child resolves pg (kept out of the bundle) from next to itself.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  const dir = path.join(work, 'shared');
  fs.mkdirSync(dir);
  const children = new Set<ChildProcess>();
  let server: FakeExchangeServer | undefined;
  let stopWalk = () => {};
  try {
    const script = await runnableScript(ENGINE_PROCESS, work);
    const backend = o.postgres ? ['--store', 'postgres', '--lock', 'postgres', '--store-at', o.postgres.table, '--lock-at', o.postgres.lockTable] : ['--dir', dir];
    const reader = o.postgres?.reader ?? new FileStateStore({ dir: path.join(dir, 'state') });
    server = await startFakeExchangeServer({
      seed: subSeed(o.seed, 1),
      orderLatencyMs: [5, 40],
      prices: Object.fromEntries(SYMBOLS.map((s) => [s, '100'])),
      balances: { USDT: '1000000' },
      defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
    });
    const srv = server;
    const post = (prices: Record<string, string>) =>
      fetch(`${srv.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prices }) }).then((r) => r.text());
    stopWalk = sawtoothPrices(SYMBOLS, prng(subSeed(o.seed, 2)), 50, post);
    const args = (name: string) => [
      ...backend, '--url', srv.url, '--symbols', SYMBOLS.join(','), '--name', name, '--tick-ms', '20', '--lock-ttl-ms', '2000',
      '--order-timeout-ms', String(ORDER_TIMEOUT_MS), '--engine', JSON.stringify(ENGINE), '--strategy', JSON.stringify(STRATEGY), '--events',
    ];
    const note = (child: Child, name: string) => {
      for (const line of child.lines) {
        if (!line.startsWith('{"ev":"budgetWait"')) continue;
        try {
          const limit = (JSON.parse(line) as { limit: string }).limit;
          stats.budgetWaits[limit] = (stats.budgetWaits[limit] ?? 0) + 1;
        } catch {
          // a line cut by the kill
        }
      }
      if (child.stderr.trim()) stats.stderr.push(`${name}: ${child.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 600)}`);
    };

    const planRand = prng(subSeed(o.seed, 4));
    const dying = new Map<number, number>();
    while (dying.size < 2) dying.set(planRand.int(0, PROCESSES - 1), planRand.int(1, 2));
    const killUntil = Date.now() + o.killPhaseMs;
    let lastKillAt = Date.now();
    await Promise.all(
      Array.from({ length: PROCESSES }, async (_, p) => {
        const rand = prng(subSeed(o.seed, 3, p));
        for (let k = 0; Date.now() < killUntil; k++) {
          const atRecovery = rand.next() < 0.15;
          const life = atRecovery ? rand.int(0, 300) : rand.int(minLife, maxLife);
          const name = `p${p}-${k}`;
          const dieAfter = k === 1 ? dying.get(p) : undefined;
          const child = spawnScript(script, [...args(name), ...(dieAfter !== undefined ? ['--die-after-reserve', String(dieAfter)] : [])]);
          children.add(child.proc);
          let killed = false;
          try {
            // One that is to kill itself may do so as soon as its loop ticks (before it prints `started`): it gets a
            // longer life to get there, from `ready` (if it does not, it is killed as the others).
            await child.waitFor(dieAfter !== undefined ? 'ready' : atRecovery ? 'up' : 'started', 30_000);
            await Promise.race([sleep(dieAfter === undefined ? Math.min(life, Math.max(0, killUntil - Date.now())) : life + 5_000), child.exited]);
          } catch (error) {
            stats.problems.push(`${name}: ${(error as Error).message.slice(0, 600)}`);
          }
          if (child.proc.exitCode === null && child.proc.signalCode === null) {
            killed = true;
            if (srv.inFlight().length > 0) stats.killsWithOrderInFlight++;
            child.proc.kill('SIGKILL');
          }
          const { code, signal } = await child.exited;
          lastKillAt = Date.now();
          stats.kills++;
          if (!child.lines.includes('started')) stats.killsBeforeStarted++;
          if (signal !== 'SIGKILL') stats.problems.push(`${name}: not alive when killed (exit ${code ?? signal})`);
          else if (!killed && dieAfter !== undefined) stats.killsAfterReserve++;
          note(child, name);
        }
      }),
    );

    stats.phasesMs.kills = Date.now() - t0;
    // The price freezes; 4 new processes recover what the killed ones left, trade a little, drain.
    stopWalk();
    const notBefore = lastKillAt + ORDER_TIMEOUT_MS + ENGINE.landingWindowMs + 100;
    const drains = await Promise.all(
      Array.from({ length: PROCESSES }, (_, p) => drainingEngine(script, args(`d${p}`), notBefore, { label: `d${p}: `, tradeMs: 500, track: children })),
    );
    drains.forEach((d, p) => {
      stats.problems.push(...d.problems);
      note(d.child, `d${p}`);
    });
    await Promise.race([srv.settled(), sleep(5_000)]);
    stats.phasesMs.drain = Date.now() - t0;
    const drained = await portfolioState(reader);
    stats.reservationsAfterDrain = drained.reservations.length;
    stats.leakedAfterDrain = drained.reservations.filter((r) => r.dust !== true && !holdsCycle(drained.cycles.get(r.key), r.cycleId)).length;
    // One more recovery, past the sweep's minimum age: what no cycle holds is released.
    const last = await drainingEngine(script, [...args('sweep'), '--clock-offset-ms', String(SWEEP_CLOCK_OFFSET_MS), '--drain-at-start'], 0, { label: 'sweep: ', track: children });
    stats.problems.push(...last.problems);
    note(last.child, 'sweep');
    stats.phasesMs.sweep = Date.now() - t0;

    const journal = srv.journal();
    for (const e of journal) {
      const tag = e.clientOrderId.slice(0, 5);
      if (tag === 'ce-s-') stats.orders.start++;
      else if (tag === 'ce-r-') stats.orders.rebuy++;
      else stats.orders.sell++;
    }
    const ids = journal.map((e) => e.clientOrderId);
    if (new Set(ids).size !== ids.length) stats.problems.push('a client order id reached the venue twice');
    const venue = venueExposure(journal, DUST_BASE);
    stats.venue = venue;
    stats.problems.push(...venue.problems);
    if (venue.maxHolders > MAX_ACTIVE) stats.problems.push(`${venue.maxHolders} symbols held a position or an order at the venue at once (event ${venue.maxHoldersAt.event}: ${venue.maxHoldersAt.symbols.join(' ')}); the limit is ${MAX_ACTIVE}`);
    if (venue.maxNetSpend.gt(BUDGET)) stats.problems.push(`the venue's net spend reached ${venue.maxNetSpend.toFixed()} > budget ${BUDGET}`);
    if (venue.maxExposure.gt(BUDGET)) stats.problems.push(`the venue's exposure (net spend + buys in flight) reached ${venue.maxExposure.toFixed()} > budget ${BUDGET}`);
    const end = checkReservations(await portfolioState(reader), venue.holdersAtEnd, { maxActiveCycles: MAX_ACTIVE, budget: BUDGET });
    stats.reservationsAtEnd = end.reservations;
    stats.activeAtEnd = end.active;
    stats.problems.push(...end.problems);
  } finally {
    stopWalk();
    await killAndWait(children);
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
    stats.elapsedMs = Date.now() - t0;
  }
  return stats;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
