/**
 * The kill campaign of engines in limit modes (test/crash/limit-kill-recovery.test.ts).
 *
 * The test process starts the fake exchange server on 127.0.0.1 (orders land after a seeded
 * 5–40 ms and land even when their sender is gone; resting LIMIT orders fill at their limit, as
 * makers, when the price crosses them) and walks every symbol's price with a seeded mean-reverting
 * walk, so that take-profits and safety buys fill, take-profits are replaced and safety buys are
 * cancelled when a cycle closes. Now and then it arms a seeded fault on a symbol: the next resting
 * order the price crosses fills only in part, the next cancel meets a fill just before it lands,
 * or the answer to the next cancel or order is lost (it landed).
 *
 * `processes` engine processes (./engine-process.ts, `dca({…, takeProfitOrder: 'limit',
 * rebuyOrders: 'limit', activeRebuys: 2})`) share one FileStateStore + FileLock directory (or one
 * PostgreSQL store and lock table) and every
 * symbol. Each is SIGKILLed a seeded random time after its recovery finished (or, for a seeded share,
 * during the recovery) and replaced at once by a new one on the same directory (whose
 * `engine.start()` recovers what it left), until `killPhaseMs` has
 * passed; then the last ones are killed, the price is frozen, and a healthy engine process drains:
 * it decides nothing new, keeps the resting orders it wants, and stops once every slot is a LIMIT
 * order acknowledged `open` with a take-profit per active cycle, unchanged for 200 ms, and every
 * landing deadline has passed. Then ./limit-ledger-checks.ts compares the records and the server.
 *
 * Seeded: the kill delays, the walk and the faults come from the seed; where the kills land in the
 * engines' work depends on the machine's timing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { FileStateStore, type CycleRecord, type PaperFault, type StateStore } from 'cycle-engine';
import { ENGINE_PROCESS, killAndWait, runnableScript, spawnScript, type Child } from './child-processes';
import { drainingEngine } from './engine-runs';
import { startFakeExchangeServer, type FakeExchangeServer } from './fake-exchange-server';
import { checkLimitLedger, venueFills } from './limit-ledger-checks';
import { prng, subSeed, type Prng } from './prng';
import { walkPrices } from './price-walk';
import { asV2 } from './records';

const BASES = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const AMOUNT_STEP = '0.0001';
/** Levels 1 % apart, a take-profit 1 % up: the walk below crosses both often. */
export const LIMIT_STRATEGY = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 } as const;
const ORDER_TIMEOUT_MS = 300;
const ENGINE = { workerGraceMs: 300, landingWindowMs: 1_000, callTimeoutMs: 1_000, lockWaitMs: 200, openOrderCheckMs: 250, lookupBackoff: { initialMs: 10, maxMs: 100 }, retryBackoff: { initialMs: 5, maxMs: 50 } };

export interface LimitKillOptions {
  readonly seed: number;
  /** Engine processes alive at once (default 3). */
  readonly processes?: number;
  /** Symbols, all shared by every process (default 4). */
  readonly symbols?: number;
  /** How long processes are killed and replaced (default 25 s). */
  readonly killPhaseMs?: number;
  /** Life of each killed process after its recovery (`started`), drawn per process (default 100–1,500 ms). */
  readonly lifeMs?: readonly [number, number];
  /** Share of the kills aimed at the recovery instead: 0–400 ms after the process is up (default 0.2). */
  readonly recoveryKillShare?: number;
  readonly runner?: 'bundle' | 'tsx';
  /**
   * The engines' store and lock in PostgreSQL instead of the shared directory: their tables, and a
   * store on the same table for the test to read the records. (The bundled runner cannot load pg
   * from its temp directory: the processes run through tsx.)
   */
  readonly postgres?: { readonly table: string; readonly lockTable: string; readonly reader: StateStore };
}

export interface LimitKillStats {
  kills: number;
  /** Kills while one of the orders at the server was received and not yet answered. */
  killsWithOrderInFlight: number;
  /** Kills before `engine.start()` (the recovery) had resolved. */
  killsBeforeStarted: number;
  /** Kills right after which a record held a slot that was not settled `open` (sending, cancelling, unknown). */
  killsWithUnsettledSlot: number;
  ordersReceived: number;
  limitOrders: number;
  marketFills: number;
  limitFills: number;
  partialLimitFills: number;
  cancels: number;
  faultsArmed: number;
  /** Active cycles at the end, each with its take-profit resting. */
  activeAtEnd: number;
  closedCycles: number;
  /** Spawn to `ready` (node up, the exchange and store answered) and to `started` (the recovery done), ms: mean and max of the processes that got there. */
  readyMs: { mean: number; max: number; n: number };
  startMs: { mean: number; max: number; n: number };
  /** `order:reconciled` results, `order:unknown` and `order:orphaned` events of every process. */
  events: Record<string, number>;
  /** stderr of the processes (engine errors), first lines. */
  stderr: string[];
  elapsedMs: number;
  problems: string[];
}

export async function runLimitKillCampaign(options: LimitKillOptions): Promise<LimitKillStats> {
  const t0 = Date.now();
  const processes = options.processes ?? 3;
  const symbols = BASES.slice(0, options.symbols ?? 4).map((b) => `${b}/USDT`);
  const killPhaseMs = options.killPhaseMs ?? 25_000;
  const [minLife, maxLife] = options.lifeMs ?? [100, 1_500];
  const recoveryKillShare = options.recoveryKillShare ?? 0.2;
  const stats: LimitKillStats = {
    kills: 0, killsWithOrderInFlight: 0, killsBeforeStarted: 0, killsWithUnsettledSlot: 0, ordersReceived: 0, limitOrders: 0, marketFills: 0, limitFills: 0,
    partialLimitFills: 0, cancels: 0, faultsArmed: 0, activeAtEnd: 0, closedCycles: 0, readyMs: { mean: 0, max: 0, n: 0 }, startMs: { mean: 0, max: 0, n: 0 }, events: {}, stderr: [], elapsedMs: 0, problems: [],
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-limit-kill-'));
  const dir = path.join(work, 'shared');
  fs.mkdirSync(dir);
  const children = new Set<ChildProcess>();
  let server: FakeExchangeServer | undefined;
  let stopWalk = () => {};
  try {
    const script = await runnableScript(ENGINE_PROCESS, work, options.postgres ? 'tsx' : options.runner);
    const pgArgs = options.postgres ? ['--store', 'postgres', '--lock', 'postgres', '--store-at', options.postgres.table, '--lock-at', options.postgres.lockTable] : ['--dir', dir];
    const reader = options.postgres?.reader ?? new FileStateStore({ dir: path.join(dir, 'state') });
    server = await startFakeExchangeServer({
      seed: subSeed(options.seed, 1),
      orderLatencyMs: [5, 40],
      prices: Object.fromEntries(symbols.map((s) => [s, '100'])),
      balances: { USDT: '1000000000', ...Object.fromEntries(symbols.map((s) => [s.split('/')[0]!, '1000000000'])) },
      defaultRules: { amountStep: AMOUNT_STEP, priceTick: '0.01', minNotional: '5' },
    });
    const srv = server;
    stopWalk = walkAndFault(srv, symbols, prng(subSeed(options.seed, 2)), stats);
    const args = (name: string) => [
      ...pgArgs, '--url', srv.url, '--symbols', symbols.join(','), '--name', name, '--tick-ms', '10', '--lock-ttl-ms', '2000',
      '--order-timeout-ms', String(ORDER_TIMEOUT_MS), '--engine', JSON.stringify(ENGINE), '--strategy', JSON.stringify(LIMIT_STRATEGY), '--events',
    ];
    const noteStderr = (c: Child, name: string) => {
      for (const line of c.lines) {
        if (!line.startsWith('{"ev"')) continue;
        try {
          const ev = JSON.parse(line) as { ev: string; result?: string };
          if (ev.ev === 'submitted') continue;
          const key = ev.result ? `${ev.ev}:${ev.result}` : ev.ev;
          stats.events[key] = (stats.events[key] ?? 0) + 1;
        } catch {
          // a line cut by the kill
        }
      }
      if (c.stderr.trim()) stats.stderr.push(`${name}: ${c.stderr.trim().split('\n').slice(0, 3).join(' | ').slice(0, 600)}`);
    };
    const killUntil = Date.now() + killPhaseMs;
    let lastKillAt = Date.now();
    await Promise.all(
      Array.from({ length: processes }, async (_, p) => {
        const rand = prng(subSeed(options.seed, 3, p));
        for (let k = 0; Date.now() < killUntil; k++) {
          // Drawn whatever happens: the schedule is the seed's.
          const atRecovery = rand.next() < recoveryKillShare;
          const life = atRecovery ? rand.int(0, 400) : rand.int(minLife, maxLife);
          const name = `e${p}-${k}`;
          const child = spawnScript(script, args(name));
          children.add(child.proc);
          const spawnedAt = Date.now();
          for (const [line, key] of [['ready', 'readyMs'], ['started', 'startMs']] as const) {
            void child.waitFor(line, 60_000).then(() => {
              const ms = Date.now() - spawnedAt;
              const t = stats[key];
              stats[key] = { n: t.n + 1, max: Math.max(t.max, ms), mean: (t.mean * t.n + ms) / (t.n + 1) };
            }, () => {});
          }
          try {
            await child.waitFor(atRecovery ? 'up' : 'started', 30_000);
            await sleep(life);
          } catch (error) {
            stats.problems.push(`${name}: ${(error as Error).message.slice(0, 600)}`);
          }
          if (child.proc.exitCode === null && child.proc.signalCode === null) {
            if (srv.inFlight().length > 0) stats.killsWithOrderInFlight++;
            child.proc.kill('SIGKILL');
          }
          const { code, signal } = await child.exited;
          lastKillAt = Date.now();
          stats.kills++;
          if (!child.lines.includes('started')) stats.killsBeforeStarted++;
          if (signal !== 'SIGKILL') stats.problems.push(`${name}: not alive when killed (exit ${code ?? signal}): ${child.stderr.trim().slice(0, 600)}`);
          noteStderr(child, name);
          if (await unsettledSlot(reader, symbols, stats)) stats.killsWithUnsettledSlot++;
        }
      }),
    );
    // The price stops; a healthy engine finishes what the killed ones left.
    stopWalk();
    const notBefore = lastKillAt + ORDER_TIMEOUT_MS + ENGINE.landingWindowMs + 100;
    const { child: final, problems } = await drainingEngine(script, args('final'), notBefore, { label: '', track: children });
    stats.problems.push(...problems);
    noteStderr(final, 'final');
    await Promise.race([srv.settled(), sleep(5_000)]);
    if (srv.inFlight().length > 0) stats.problems.push(`${srv.inFlight().length} orders still in flight at the server at the end`);

    const store = reader;
    const records = new Map<string, CycleRecord | undefined>();
    for (const symbol of symbols) {
      try {
        records.set(symbol, asV2((await store.get(symbol))?.value));
      } catch (error) {
        stats.problems.push(`${symbol}: get threw: ${(error as Error).message}`);
      }
    }
    const orders = srv.orders();
    stats.problems.push(...checkLimitLedger(symbols, orders, srv.journal(), records, AMOUNT_STEP));
    stats.ordersReceived = srv.journal().length;
    stats.limitOrders = srv.journal().filter((e) => e.type === 'limit').length;
    stats.cancels = srv.exchange.cancels.length;
    for (const symbol of symbols) {
      const f = venueFills(symbol, orders);
      stats.marketFills += f.marketFills;
      stats.limitFills += f.limitFills;
      stats.partialLimitFills += f.partialLimitFills;
      const r = records.get(symbol);
      if (r?.phase === 'active') stats.activeAtEnd++;
      stats.closedCycles += r?.closedCycles ?? 0;
    }
  } finally {
    stopWalk();
    await killAndWait(children);
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
    stats.elapsedMs = Date.now() - t0;
  }
  return stats;
}

/** The faults armed now and then: part of a resting order fills, a fill lands during a cancel, a cancel's or a placement's answer is lost. */
const FAULTS: readonly PaperFault[] = [{ kind: 'restingPartialFill', ratio: '0.5' }, { kind: 'fillDuringCancel', ratio: '0.5' }, 'cancel-unknown-after', 'unknown-after'];

/** The walk, one step every 20 ms (up to ±0.4 %), through the server's admin route as a test driving a venue would; every 40 steps a seeded fault is armed on a symbol. */
function walkAndFault(server: FakeExchangeServer, symbols: readonly string[], rand: Prng, stats: LimitKillStats): () => void {
  const post = (prices: Record<string, string>) =>
    fetch(`${server.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prices }) }).then((res) => res.text());
  return walkPrices(symbols, rand, { everyMs: 20, swing: 0.008, min: 85, max: 115 }, post, (step) => {
    if (step % 40 !== 0) return;
    const symbol = symbols[rand.int(0, symbols.length - 1)]!;
    const fault = FAULTS[rand.int(0, FAULTS.length - 1)]!;
    server.exchange.injectFault(fault, { symbol });
    stats.faultsArmed++;
  });
}

/** Whether some record now holds a slot that is not settled `open` (every record reads and validates). */
async function unsettledSlot(store: StateStore, symbols: readonly string[], stats: LimitKillStats): Promise<boolean> {
  let unsettled = false;
  for (const symbol of symbols) {
    try {
      if (asV2((await store.get(symbol))?.value)?.orders.some((o) => o.state !== 'open')) unsettled = true;
    } catch (error) {
      stats.problems.push(`${symbol}: get threw after a kill: ${(error as Error).message}`);
    }
  }
  return unsettled;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
