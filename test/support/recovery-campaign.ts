/**
 * The crash-recovery campaign shared by `test/crash/engine-kill-recovery.test.ts` and
 * `scripts/recovery-soak.ts`.
 *
 * The test process starts the fake exchange server on 127.0.0.1 (orders take a seeded 20–120 ms,
 * and execute even when their sender is gone) and moves its prices with a seeded mean-reverting
 * walk, so that cycles start, rebuy and sell. Then, per lane (its own FileStateStore + FileLock
 * directory and its own symbols; one engine process per lane at a time), `kills` times: spawn the
 * engine process (`engine-process.ts`) on the lane's directory — its `engine.start()` recovers
 * what the previous one left — and SIGKILL it:
 *
 * - `order` kills (a seeded share): right after the server receives one of the lane's orders, with
 *   a seeded delay in [0, that order's latency] — the order is in flight, at the server or in the
 *   engine, when the process dies; if no order comes within `orderWaitMs`, it is killed anyway;
 * - `random` kills: a seeded delay after the process is up (some land during recovery).
 *
 * After each kill every key of the lane is read with a fresh FileStateStore (which validates).
 * After the last kill a final engine process per lane is not killed: it recovers, trades a little,
 * then drains (its strategy decides nothing new) and ticks until no cycle has an order in its slot
 * and every landing deadline has passed, and stops cleanly. Then, from the server's journal and the
 * store, per symbol:
 *
 * - no client order id was received, let alone executed, twice;
 * - the executed orders form start, rebuy*, sell, start, … (never two starts without a sell, never
 *   more than `maxRebuys` rebuys in a cycle), and each sell sells exactly the base the position held
 *   (rounded down to the amount step);
 * - base bought net of fees minus base sold = the record's `position.baseVolume + dust.baseVolume`
 *   (exact decimals): no fill lost, none applied twice; `closedCycles` = executed sells; the phase
 *   and `position.buys` agree with the journal; the order slot is empty; no orphan fill;
 * - every `v<N>.json` of every key validates and `FileStateStore.get` does not throw;
 * - every engine process was alive when killed, wrote nothing to stderr, and the final one exited 0.
 */
import { asV2 } from './records';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStore, assertCycleRecord, type CycleRecord } from 'cycle-engine';
import { Decimal } from '../../src/decimal';
import { startFakeExchangeServer, type FakeExchangeServer, type JournalEntry } from './fake-exchange-server';
import { prng, subSeed } from './prng';
import { walkPrices } from './price-walk';
import { ENGINE_PROCESS, killAndWait, runnableScript, spawnScript } from './child-processes';
import { drainingEngine } from './engine-runs';

const VERSION_RE = /^v(\d+)\.json$/;
const BASES = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III', 'JJJ', 'KKK', 'LLL'];
const AMOUNT_STEP = '0.0001';
const STRATEGY = { startQuote: 10, rebuyDropPct: 0.5, maxRebuys: 3, takeProfitPct: 0.5 };

export interface RecoveryOptions {
  readonly seed: number;
  /** SIGKILLs in all (spread over the lanes). */
  readonly kills: number;
  /** Engine processes killed in parallel, each on its own directory and symbols (default 1). */
  readonly lanes?: number;
  /** Symbols per lane (default 3). */
  readonly symbols?: number;
  /** Order latency at the exchange, arrival to answer (default 20–120 ms). */
  readonly latencyMs?: readonly [number, number];
  /** The engine's order timeout (default 90 ms: some orders time out and are looked up). */
  readonly orderTimeoutMs?: number;
  /**
   * The engine's landing window (default 500 ms, ≥ the maximum latency). Much wider than the
   * latency alone needs: an intent's `createdAt` is its tick's start, and the order leaves only
   * after the tick's earlier durable writes — measured (`maxIntentToSendMs`) at ~150 ms on a quiet
   * 2-CPU machine and up to ~460 ms on a loaded one — and that time is taken out of the window:
   * see test/engine/intent-created-at.test.ts. `ordersPastLandingDeadline` tells when it was not enough.
   */
  readonly landingWindowMs?: number;
  /** Share of kills aimed at an order in flight (default 0.7). */
  readonly orderKillShare?: number;
  /** Delay of the other kills after the process is up (default 0–400 ms). */
  readonly randomKillMs?: readonly [number, number];
  /** How long an `order` kill waits for an order before killing anyway (default 1,500 ms). */
  readonly orderWaitMs?: number;
  /** How long the final process trades before it drains (default 300 ms). */
  readonly finalTradeMs?: number;
  readonly runner?: 'bundle' | 'tsx';
  readonly onProgress?: (stats: RecoveryStats) => void;
  /** Stop killing at the first problem (default true). */
  readonly stopOnProblem?: boolean;
}

export interface RecoveryStats {
  kills: number;
  /** Kills while one of the lane's orders was at the server, received and not yet answered. */
  killsWithOrderInFlight: number;
  /** Kills after which some record of the lane held an intent without outcome (or parked). */
  killsWithPendingIntent: number;
  /** Kills timed from an order's arrival (`order` kills that got one). */
  killsAimedAtOrder: number;
  /** Kills before `engine.start()` (the recovery) had resolved. */
  killsBeforeStarted: number;
  ordersReceived: number;
  ordersExecuted: number;
  /** Orders the venue refused (e.g. min notional): none expected. */
  ordersRefused: number;
  /** Executed orders that were still executing when their sender was killed. */
  ordersExecutedAfterKill: number;
  starts: number;
  rebuys: number;
  sells: number;
  /** `order:reconciled` events reported by the engine processes, by result. */
  reconciled: { filled: number; notFound: number; lateResponse: number };
  /** `order:unknown` events (timeouts, parked intents of dead processes). */
  unknown: number;
  orphaned: number;
  /**
   * Longest time from an intent's `createdAt` (read from its client order id) to its order's
   * execution, ms: what the landing deadline (`createdAt + orderTimeoutMs + landingWindowMs`) must cover.
   */
  maxIntentToExecutionMs: number;
  /**
   * Orders that executed after their landing deadline: the engine may have given them up already,
   * so a lost fill next to a non-zero count points at the test's timing (a loaded machine), not the engine.
   */
  ordersPastLandingDeadline: number;
  /** Longest time from an intent's `createdAt` to its order leaving the engine process (`order:submitted`), ms. */
  maxIntentToSendMs: number;
  /** Longest time from an intent's `createdAt` to its order's arrival at the exchange, ms. */
  maxIntentToArrivalMs: number;
  /** Runtime of the final (drained, not killed) processes, ms. */
  finalRunMs: number;
  elapsedMs: number;
  problems: string[];
}

export async function runRecoveryCampaign(options: RecoveryOptions): Promise<RecoveryStats> {
  const t0 = Date.now();
  const lanes = Math.max(1, Math.min(options.lanes ?? 1, Math.max(1, options.kills)));
  const perLaneSymbols = options.symbols ?? 3;
  const latency = options.latencyMs ?? [20, 120];
  const orderTimeoutMs = options.orderTimeoutMs ?? 90;
  const landingWindowMs = options.landingWindowMs ?? 500;
  const orderKillShare = options.orderKillShare ?? 0.7;
  const randomKillMs = options.randomKillMs ?? [0, 400];
  const orderWaitMs = options.orderWaitMs ?? 1_500;
  const stopOnProblem = options.stopOnProblem ?? true;
  const stats: RecoveryStats = {
    kills: 0, killsWithOrderInFlight: 0, killsWithPendingIntent: 0, killsAimedAtOrder: 0, killsBeforeStarted: 0,
    ordersReceived: 0, ordersExecuted: 0, ordersRefused: 0, ordersExecutedAfterKill: 0, starts: 0, rebuys: 0, sells: 0,
    reconciled: { filled: 0, notFound: 0, lateResponse: 0 }, unknown: 0, orphaned: 0, maxIntentToExecutionMs: 0, ordersPastLandingDeadline: 0, maxIntentToSendMs: 0, maxIntentToArrivalMs: 0, finalRunMs: 0, elapsedMs: 0, problems: [],
  };
  if (landingWindowMs < latency[1]) throw new Error(`landingWindowMs ${landingWindowMs} is below the maximum latency ${latency[1]}: orders could land after being given up`);
  const laneSymbols = Array.from({ length: lanes }, (_, l) => BASES.slice(l * perLaneSymbols, (l + 1) * perLaneSymbols).map((b) => `${b}/USDT`));
  if (laneSymbols.some((s) => s.length !== perLaneSymbols)) throw new Error(`at most ${BASES.length} symbols in all`);
  const allSymbols = laneSymbols.flat();

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-recovery-'));
  const children = new Set<ChildProcess>();
  let server: FakeExchangeServer | undefined;
  let stopPrices = () => {};
  try {
    const script = await runnableScript(ENGINE_PROCESS, work, options.runner);
    server = await startFakeExchangeServer({
      seed: subSeed(options.seed, 1),
      orderLatencyMs: latency,
      prices: Object.fromEntries(allSymbols.map((s) => [s, '100'])),
      balances: { USDT: '1000000000', ...Object.fromEntries(allSymbols.map((s) => [s.split('/')[0]!, '1000000000'])) },
      defaultRules: { amountStep: AMOUNT_STEP, priceTick: '0.01', minNotional: '5' },
    });
    const exchange = server.exchange;
    // A seeded mean-reverting walk of every symbol's price, one step every 10 ms (up to ±0.6 %).
    stopPrices = walkPrices(allSymbols, prng(subSeed(options.seed, 2)), { everyMs: 10, swing: 0.012, min: 50, max: 200 }, (prices) => {
      for (const [s, p] of Object.entries(prices)) exchange.setPrice(s, p);
    });
    const srv = server;
    /** Orders still executing at the server when their sender was killed. */
    const executingAtKill = new Set<JournalEntry>();
    const perLane = Array.from({ length: lanes }, (_, i) => Math.floor(options.kills / lanes) + (i < options.kills % lanes ? 1 : 0));

    await Promise.all(
      perLane.map(async (kills, lane) => {
        const dir = path.join(work, `lane-${lane}`);
        fs.mkdirSync(dir);
        const symbols = laneSymbols[lane]!;
        const symbolSet = new Set(symbols);
        const rand = prng(subSeed(options.seed, 3, lane));
        // Only one process runs at a time: an intent without an outcome that is not ours is a dead one's.
        const engine = { workerGraceMs: 20, landingWindowMs, lookupBackoff: { initialMs: 10, maxMs: 60 }, retryBackoff: { initialMs: 5, maxMs: 40 } };
        const args = ['--dir', dir, '--url', srv.url, '--symbols', symbols.join(','), '--tick-ms', '5', '--lock-ttl-ms', '2000', '--order-timeout-ms', String(orderTimeoutMs), '--engine', JSON.stringify(engine), '--strategy', JSON.stringify(STRATEGY), '--events'];
        let lastKillAt = 0;
        for (let k = 0; k < kills; k++) {
          if (stopOnProblem && stats.problems.length > 0) return;
          // Every draw is made whatever happens, so the schedule depends on the seed alone.
          const aimAtOrder = rand.next() < orderKillShare;
          const fraction = rand.next();
          const randomDelay = Math.round(randomKillMs[0] + fraction * (randomKillMs[1] - randomKillMs[0]));
          const where = `lane ${lane} kill ${k} (seed ${options.seed}, ${aimAtOrder ? `at an order + ${(fraction * 100).toFixed(0)}% of its latency` : `after ${randomDelay} ms`})`;
          const child = spawnScript(script, args);
          children.add(child.proc);
          try {
            await child.waitFor('up', 30_000);
            let delay = randomDelay;
            if (aimAtOrder) {
              const entry = await nextOrder(srv, symbolSet, orderWaitMs);
              if (entry) {
                stats.killsAimedAtOrder++;
                delay = Math.round(fraction * entry.latencyMs);
              } else delay = 0;
            }
            await sleep(delay);
          } finally {
            if (child.proc.exitCode === null && child.proc.signalCode === null) {
              const inFlight = srv.inFlight(symbolSet);
              if (inFlight.length > 0) stats.killsWithOrderInFlight++;
              for (const e of inFlight) if (e.state === 'pending') executingAtKill.add(e);
              child.proc.kill('SIGKILL');
            }
          }
          const { code, signal } = await child.exited;
          lastKillAt = Date.now();
          stats.kills++;
          if (signal !== 'SIGKILL') stats.problems.push(`${where}: the engine process was not alive when killed (exit ${code}, ${signal}): ${child.stderr.trim().slice(0, 1000)}`);
          else if (child.stderr) stats.problems.push(`${where}: engine process stderr: ${child.stderr.trim().slice(0, 1000)}`);
          if (!child.lines.includes('started')) stats.killsBeforeStarted++;
          countEvents(child.lines, stats);
          // With no engine process alive, every key of the lane reads and validates.
          const store = new FileStateStore({ dir: path.join(dir, 'state') });
          let pending = false;
          for (const symbol of symbols) {
            try {
              const snap = await store.get(symbol);
              if (snap !== undefined && asV2(snap.value).orders.length > 0) pending = true;
            } catch (error) {
              stats.problems.push(`${where}: get(${symbol}) threw: ${(error as Error).message}`);
            }
          }
          if (pending) stats.killsWithPendingIntent++;
          stats.elapsedMs = Date.now() - t0;
          options.onProgress?.(stats);
        }
        if (stopOnProblem && stats.problems.length > 0) return;

        // The final process: recovers, trades a little, drains past every landing deadline, stops.
        const f0 = Date.now();
        const notBefore = lastKillAt + orderTimeoutMs + landingWindowMs + 50;
        const { child: final, problems } = await drainingEngine(script, args, notBefore, { label: `lane ${lane}: `, tradeMs: options.finalTradeMs ?? 300, track: children });
        stats.problems.push(...problems);
        stats.finalRunMs = Math.max(stats.finalRunMs, Date.now() - f0);
        countEvents(final.lines, stats);
      }),
    );
    stopPrices();
    // Nothing can still be executing: the final processes waited past every landing deadline.
    await Promise.race([srv.settled(), sleep(5_000)]);
    if (srv.inFlight().length > 0) stats.problems.push(`${srv.inFlight().length} orders still in flight at the server at the end`);
    if (!(stopOnProblem && stats.problems.length > 0)) {
      for (let lane = 0; lane < lanes; lane++) {
        await verifyLane(path.join(work, `lane-${lane}`), laneSymbols[lane]!, srv.journal(), stats);
      }
    }
    const journal = srv.journal();
    stats.ordersReceived = journal.length;
    stats.ordersExecuted = journal.filter((e) => e.state === 'filled').length;
    stats.ordersRefused = journal.filter((e) => e.state === 'rejected').length;
    stats.ordersExecutedAfterKill = [...executingAtKill].filter((e) => e.state === 'filled').length;
    for (const e of journal) {
      const createdAt = intentTime(e.clientOrderId);
      if (createdAt === undefined) continue;
      stats.maxIntentToArrivalMs = Math.max(stats.maxIntentToArrivalMs, e.receivedAt - createdAt);
      if (e.executedAt === undefined) continue;
      stats.maxIntentToExecutionMs = Math.max(stats.maxIntentToExecutionMs, e.executedAt - createdAt);
      if (e.executedAt >= createdAt + orderTimeoutMs + landingWindowMs) stats.ordersPastLandingDeadline++;
    }
  } finally {
    stopPrices();
    await killAndWait(children);
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
    stats.elapsedMs = Date.now() - t0;
  }
  return stats;
}

// ------------------------------------------------------------------------------------------ checks

const tagOf = (e: JournalEntry): 'start' | 'rebuy' | 'sell' | 'other' =>
  e.clientOrderId.startsWith('ce-s-') ? 'start' : e.clientOrderId.startsWith('ce-r-') ? 'rebuy' : e.clientOrderId.startsWith('ce-x-') ? 'sell' : 'other';

/** The intent's `createdAt`: an engine client id is `ce-<tag>-<intent id>`, whose first 9 characters are the time in base 36. */
function intentTime(clientOrderId: string): number | undefined {
  const m = /^ce-[srx]-([0-9a-z]{9})/.exec(clientOrderId);
  return m ? parseInt(m[1]!, 36) : undefined;
}

/** Base an executed order brought into the account (buys, net of a base fee) or took out (sells). */
function baseDelta(e: JournalEntry): Decimal {
  const fill = e.fill!;
  const base = new Decimal(fill.filledBase);
  const baseFee = fill.fee && fill.fee.currency === e.symbol.split('/')[0] ? new Decimal(fill.fee.amount) : new Decimal(0);
  return e.side === 'buy' ? base.minus(baseFee) : base.plus(baseFee).neg();
}

async function verifyLane(dir: string, symbols: readonly string[], journal: readonly JournalEntry[], stats: RecoveryStats): Promise<void> {
  const problem = (msg: string) => stats.problems.push(msg);
  const stateDir = path.join(dir, 'state');
  // Every version file of every key validates.
  for (const name of fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : []) {
    const keyDir = path.join(stateDir, name);
    if (!fs.statSync(keyDir).isDirectory()) continue;
    const key = decodeURIComponent(name);
    for (const file of fs.readdirSync(keyDir)) {
      const m = VERSION_RE.exec(file);
      if (!m) continue; // temp files of killed writers are ignored by readers
      try {
        const envelope = JSON.parse(fs.readFileSync(path.join(keyDir, file), 'utf8'));
        assertCycleRecord(key, envelope.payload.value, path.join(keyDir, file));
      } catch (error) {
        problem(`${name}/${file} does not parse or validate: ${(error as Error).message}`);
      }
    }
  }
  const store = new FileStateStore({ dir: stateDir });
  const mine = journal.filter((e) => symbols.includes(e.symbol));
  // No client order id twice: neither sent twice nor executed twice.
  const received = new Map<string, JournalEntry[]>();
  for (const e of mine) received.set(e.clientOrderId, [...(received.get(e.clientOrderId) ?? []), e]);
  for (const [id, es] of received) {
    if (es.length > 1) problem(`${id} was received ${es.length} times (arrivals ${es.map((e) => e.seq).join(', ')}), executed ${es.filter((e) => e.state === 'filled').length} times`);
  }
  for (const e of mine) if (tagOf(e) === 'other') problem(`${e.symbol}: order ${e.clientOrderId} has no engine client id`);
  for (const symbol of symbols) {
    const executed = mine.filter((e) => e.symbol === symbol && e.state === 'filled').sort((a, b) => a.execSeq! - b.execSeq!);
    let phase: 'idle' | 'active' = 'idle';
    let rebuys = 0;
    let base = new Decimal(0); // base held by the open position, per the journal
    let dust = new Decimal(0);
    let net = new Decimal(0); // base bought net of fees minus base sold
    let sells = 0;
    for (const e of executed) {
      const at = `${symbol} order ${e.clientOrderId} (arrival ${e.seq}, execution ${e.execSeq})`;
      const tag = tagOf(e);
      net = net.plus(baseDelta(e));
      if (tag === 'start') {
        stats.starts++;
        if (phase !== 'idle') problem(`${at}: a start while a cycle is active (two starts without a sell)`);
        phase = 'active';
        rebuys = 0;
        base = baseDelta(e).plus(dust);
        dust = new Decimal(0);
      } else if (tag === 'rebuy') {
        stats.rebuys++;
        if (phase !== 'active') problem(`${at}: a rebuy with no cycle`);
        if (++rebuys > STRATEGY.maxRebuys) problem(`${at}: rebuy ${rebuys} > maxRebuys ${STRATEGY.maxRebuys}`);
        base = base.plus(baseDelta(e));
      } else if (tag === 'sell') {
        stats.sells++;
        sells++;
        if (phase !== 'active') problem(`${at}: a sell with no cycle`);
        const expected = base.toDecimalPlaces(4, Decimal.ROUND_DOWN);
        if (!new Decimal(e.baseAmount ?? 'NaN').eq(expected)) problem(`${at}: sells ${e.baseAmount}, the position held ${base.toFixed()} (a fill lost or applied twice)`);
        dust = base.plus(baseDelta(e));
        base = new Decimal(0);
        phase = 'idle';
      }
      if ((tag === 'sell') !== (e.side === 'sell')) problem(`${at}: side ${e.side} does not fit ${tag}`);
    }
    let record: CycleRecord | undefined;
    try {
      record = asV2((await store.get(symbol))?.value);
    } catch (error) {
      problem(`${symbol}: get threw: ${(error as Error).message}`);
      continue;
    }
    if (record === undefined) {
      if (executed.length > 0) problem(`${symbol}: ${executed.length} orders executed but there is no record`);
      continue;
    }
    const held = new Decimal(record.position?.baseVolume ?? 0).plus(record.dust?.baseVolume ?? 0);
    if (!net.eq(held)) problem(`${symbol}: base bought net of fees minus sold at the exchange is ${net.toFixed()}, the record holds ${held.toFixed()} (position ${record.position?.baseVolume ?? 'none'} + dust ${record.dust?.baseVolume ?? 'none'})`);
    if (record.closedCycles !== sells) problem(`${symbol}: closedCycles ${record.closedCycles}, sells executed ${sells}`);
    for (const o of record.orders) problem(`${symbol}: order ${o.clientOrderId} (${o.purpose}, ${o.state}) left in the ledger after the final stop`);
    if (record.orphans.length > 0) {
      problem(`${symbol}: ${record.orphans.length} orphan fill(s): ${record.orphans.map((o) => `${o.fill.clientOrderId} ${o.fill.side} ${o.fill.filledBase} as ${o.accountedAs} (${o.note})`).join('; ')}`);
    }
    if (record.phase !== phase) problem(`${symbol}: record is ${record.phase}, the exchange's journal says ${phase}`);
    else if (phase === 'active' && record.position) {
      if (record.position.buys !== 1 + rebuys) problem(`${symbol}: position.buys ${record.position.buys}, buys executed in the cycle ${1 + rebuys}`);
      if (!new Decimal(record.position.baseVolume).eq(base)) problem(`${symbol}: position ${record.position.baseVolume}, the journal says ${base.toFixed()}`);
    }
  }
}

// ------------------------------------------------------------------------------------------ plumbing

function countEvents(lines: readonly string[], stats: RecoveryStats): void {
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let ev: { ev?: string; result?: string; lagMs?: number };
    try {
      ev = JSON.parse(line);
    } catch {
      continue; // a line cut by the kill
    }
    if (ev.ev === 'reconciled') {
      if (ev.result === 'filled') stats.reconciled.filled++;
      else if (ev.result === 'not-found') stats.reconciled.notFound++;
      else if (ev.result === 'late-response') stats.reconciled.lateResponse++;
    } else if (ev.ev === 'submitted') stats.maxIntentToSendMs = Math.max(stats.maxIntentToSendMs, ev.lagMs ?? 0);
    else if (ev.ev === 'unknown') stats.unknown++;
    else if (ev.ev === 'orphaned') stats.orphaned++;
  }
}

/** The next order of these symbols to arrive at the server, or null after `timeoutMs`. */
function nextOrder(server: FakeExchangeServer, symbols: ReadonlySet<string>, timeoutMs: number): Promise<JournalEntry | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, timeoutMs);
    const off = server.onOrder((entry) => {
      if (!symbols.has(entry.symbol)) return;
      clearTimeout(timer);
      off();
      resolve(entry);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
