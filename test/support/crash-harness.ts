/**
 * The crash campaign shared by `test/crash/file-store-kill.test.ts` and `scripts/crash-soak.ts`:
 * spawn the kill-writer on a directory, let it write for a seeded random 20–150 ms, SIGKILL it,
 * then check what it left with fresh readers, and again, on the same directory (state persists
 * across kills). Several lanes (each its own directory and writer) run in parallel.
 *
 * After each kill, with no writer alive:
 * - every `v<N>.json` of every key parses, is its version's envelope for its key, and holds a valid
 *   cycle record (`assertCycleRecord`); a fresh FileStateStore `get` of every key does not throw;
 * - temp files (`.tmp-…`) may exist, but `list()` returns exactly the keys that have a version,
 *   and removes the temp files (their writer is dead); no other file is ever there;
 * - no cycle goes back to idle (or to another cycle) while it holds a position: an active cycle
 *   only leaves when `closedCycles` grows (a sell closed it); a starting one goes idle only when
 *   `closedCycles` or `rejections` grew, and never when its start buy executed (unless sold since);
 *   versions and `closedCycles` never go back; a record never disappears;
 * - the exchange's journal and the store agree (no fill lost, none applied twice): per symbol,
 *   executed sells = `closedCycles` (+1 when the record's pending sell executed), executed starts =
 *   `closedCycles` + (active ? 1 : 0) (+1 when the pending start executed);
 * - the writer wrote nothing to stderr (engine errors, a duplicate order) and was alive when killed.
 *
 * By default the writer is bundled once with esbuild (a dependency of tsx and vite) and run with
 * plain `node`: ~0.15 s per spawn instead of ~0.75 s with `--import tsx`. `runner: 'tsx'` runs
 * the TypeScript file through tsx instead.
 */
import { asV2, marketSlot } from './records';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStateStore, assertCycleRecord, type CycleRecord, type OrderFill } from 'cycle-engine';
import { prng, subSeed } from './prng';
import { runnableScript } from './child-processes';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER_TS = path.join(ROOT, 'test/support/kill-writer.ts');
const VERSION_RE = /^v(\d+)\.json$/;

export interface CrashOptions {
  readonly seed: number;
  readonly kills: number;
  /** Writers killed in parallel, each on its own directory (default 2). */
  readonly lanes?: number;
  /** Symbols per writer (default 6). */
  readonly symbols?: number;
  /** Time the writer runs before its SIGKILL, drawn per kill from [min, max] ms (default 20–150). */
  readonly delayMs?: readonly [number, number];
  readonly runner?: 'bundle' | 'tsx';
  /** Called after each kill's checks. */
  readonly onProgress?: (stats: CrashStats) => void;
  /** Stop at the first problem (default true). */
  readonly stopOnProblem?: boolean;
}

export interface CrashStats {
  kills: number;
  elapsedMs: number;
  /** Kills after which a temp file was found (the writer died mid-write). */
  killsWithTempFile: number;
  tempFiles: number;
  /** Kills after which some record had an order in flight (the writer died mid-order). */
  killsWithPendingOrder: number;
  /** Version files parsed and validated. */
  filesChecked: number;
  /** Store versions written by the writers, summed over keys. */
  transitions: number;
  /** Orders the writers' exchanges executed (journal entries). */
  executedOrders: number;
  closedCycles: number;
  problems: string[];
}

export async function runCrashCampaign(options: CrashOptions): Promise<CrashStats> {
  const lanes = Math.max(1, Math.min(options.lanes ?? 2, options.kills));
  const t0 = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-crash-'));
  const stats: CrashStats = { kills: 0, elapsedMs: 0, killsWithTempFile: 0, tempFiles: 0, killsWithPendingOrder: 0, filesChecked: 0, transitions: 0, executedOrders: 0, closedCycles: 0, problems: [] };
  const stopOnProblem = options.stopOnProblem ?? true;
  try {
    const writer = options.runner === 'tsx' ? { file: WRITER_TS, args: ['--import', 'tsx', WRITER_TS] } : await bundleWriter(work);
    const perLane = Array.from({ length: lanes }, (_, i) => Math.floor(options.kills / lanes) + (i < options.kills % lanes ? 1 : 0));
    await Promise.all(
      perLane.map(async (kills, lane) => {
        const dir = path.join(work, `lane-${lane}`);
        fs.mkdirSync(dir);
        const rand = prng(subSeed(options.seed, lane));
        const observer = new Observer(dir, stats);
        for (let k = 0; k < kills; k++) {
          if (stopOnProblem && stats.problems.length > 0) return;
          const writerSeed = subSeed(options.seed, lane, k);
          const delay = rand.int(options.delayMs?.[0] ?? 20, options.delayMs?.[1] ?? 150);
          const where = `lane ${lane} kill ${k} (seed ${writerSeed}, after ${delay} ms)`;
          const stderr = await killOnce(writer.args, ['--dir', dir, '--seed', String(writerSeed), '--symbols', String(options.symbols ?? 6)], delay, where, stats);
          if (stderr) stats.problems.push(`${where}: writer stderr: ${stderr.trim().slice(0, 500)}`);
          stats.kills++;
          await observer.check(where);
          stats.elapsedMs = Date.now() - t0;
          options.onProgress?.(stats);
        }
        stats.transitions += observer.transitions;
        stats.executedOrders += observer.journal.size;
        stats.closedCycles += observer.closedCycles();
      }),
    );
  } finally {
    stats.elapsedMs = Date.now() - t0;
    fs.rmSync(work, { recursive: true, force: true });
  }
  return stats;
}

async function bundleWriter(work: string): Promise<{ file: string; args: string[] }> {
  const outfile = await runnableScript(WRITER_TS, work);
  return { file: outfile, args: [outfile] };
}

/** Spawns the writer, waits for `ready` then `delay` ms, SIGKILLs it; returns its stderr. */
async function killOnce(nodeArgs: string[], args: string[], delay: number, where: string, stats: CrashStats): Promise<string> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${where}: the writer did not start within 30 s`)), 30_000);
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        if (c.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${where}: the writer exited before it was ready: ${stderr}`));
      });
    });
    await new Promise((resolve) => setTimeout(resolve, delay));
  } finally {
    child.kill('SIGKILL');
  }
  const { code, signal } = await exited;
  if (signal !== 'SIGKILL') stats.problems.push(`${where}: the writer was not alive when killed (exit ${code}, ${signal}): ${stderr}`);
  return stderr;
}

interface Seen {
  version: number;
  value: CycleRecord;
}

/** Checks one lane's directory after each kill, remembering what it saw before. */
class Observer {
  readonly journal = new Map<string, OrderFill>();
  readonly #last = new Map<string, Seen>();
  /** Executed orders per `<symbol> <client id prefix>`. */
  readonly #executed = new Map<string, number>();
  transitions = 0;

  constructor(
    readonly dir: string,
    readonly stats: CrashStats,
  ) {}

  closedCycles(): number {
    return [...this.#last.values()].reduce((n, s) => n + s.value.closedCycles, 0);
  }

  async check(where: string): Promise<void> {
    const problem = (msg: string) => this.stats.problems.push(`${where}: ${msg}`);
    const stateDir = path.join(this.dir, 'state');
    this.#loadJournal();
    const names = fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : [];
    const withVersions = new Set<string>();
    const tempsIn = new Map<string, number>();
    let temps = 0;
    // 1. Every version file of every key parses and validates; temp files are counted, nothing else is there.
    for (const name of names) {
      const keyDir = path.join(stateDir, name);
      if (name.startsWith('.tmp-') || !fs.statSync(keyDir).isDirectory()) {
        problem(`unexpected entry ${name} in the store directory`);
        continue;
      }
      const key = decodeURIComponent(name);
      for (const file of fs.readdirSync(keyDir)) {
        if (file.startsWith('.tmp-')) {
          temps++;
          tempsIn.set(name, (tempsIn.get(name) ?? 0) + 1);
          continue;
        }
        const m = VERSION_RE.exec(file);
        if (!m) {
          problem(`unexpected file ${name}/${file}`);
          continue;
        }
        withVersions.add(key);
        this.stats.filesChecked++;
        try {
          const envelope = JSON.parse(fs.readFileSync(path.join(keyDir, file), 'utf8'));
          if (envelope?.version !== Number(m[1]) || typeof envelope.nonce !== 'string' || envelope.payload?.key !== key) throw new Error('not its version envelope for its key');
          assertCycleRecord(key, envelope.payload.value, path.join(keyDir, file));
        } catch (error) {
          problem(`${name}/${file} does not parse or validate: ${(error as Error).message}`);
        }
      }
    }
    if (temps > 0) {
      this.stats.killsWithTempFile++;
      this.stats.tempFiles += temps;
    }
    // 2. A fresh store reads every key (get validates), and list() returns exactly the real keys.
    const reader = new FileStateStore({ dir: stateDir });
    const now = new Map<string, Seen>();
    for (const key of withVersions) {
      try {
        const snap = await reader.get(key);
        if (snap === undefined) problem(`get(${key}) found nothing though version files exist`);
        else now.set(key, { version: snap.version, value: asV2(snap.value) });
      } catch (error) {
        problem(`get(${key}) threw: ${(error as Error).message}`);
      }
    }
    try {
      const listed = await reader.list();
      const keys = listed.map((r) => r.key).sort();
      if (JSON.stringify(keys) !== JSON.stringify([...withVersions].sort())) problem(`list() returned [${keys}], the keys with versions are [${[...withVersions].sort()}]`);
      for (const r of listed) if (r.version !== now.get(r.key)?.version) problem(`list() and get() disagree on ${r.key}`);
    } catch (error) {
      problem(`list() threw: ${(error as Error).message}`);
    }
    for (const [name, n] of tempsIn) {
      const left = fs.readdirSync(path.join(stateDir, name)).filter((f) => f.startsWith('.tmp-'));
      if (left.length > 0) problem(`list() left ${left.length} of ${n} temp files of a dead writer in ${name}`);
    }
    // 3. The invariants across kills, and the journal against the store.
    let pending = false;
    for (const [key, cur] of now) {
      const prev = this.#last.get(key);
      const r = cur.value;
      if (r.orders.length > 0) pending = true;
      if (prev) {
        const p = prev.value;
        this.transitions += cur.version - prev.version;
        if (cur.version < prev.version) problem(`${key}: version went back ${prev.version} → ${cur.version}`);
        if (r.closedCycles < p.closedCycles) problem(`${key}: closedCycles went back ${p.closedCycles} → ${r.closedCycles}`);
        const closed = r.closedCycles > p.closedCycles;
        if (p.phase === 'active' && (r.phase !== 'active' || r.cycleId !== p.cycleId) && !closed) {
          problem(`${key}: active cycle ${p.cycleId} holding ${p.position?.baseVolume} went to ${r.phase} ${r.cycleId ?? ''} without a sell`);
        }
        if (p.phase === 'active' && r.phase === 'active' && r.cycleId === p.cycleId && r.position!.buys < p.position!.buys) problem(`${key}: position lost buys ${p.position!.buys} → ${r.position!.buys}`);
        if (p.phase === 'starting' && r.phase === 'idle' && !closed && r.rejections <= p.rejections) {
          problem(`${key}: starting cycle ${p.cycleId} went idle with neither a sell nor a rejection`);
        }
        if (p.phase === 'starting' && r.cycleId !== p.cycleId && this.journal.has(marketSlot(p)?.clientOrderId ?? '') && !closed) {
          problem(`${key}: the start buy of ${p.cycleId} executed, but the cycle was dropped`);
        }
      }
      const count = (tag: string) => this.#executed.get(`${key} ${tag}`) ?? 0;
      const inFlight = marketSlot(r);
      const pendingFill = inFlight && this.journal.has(inFlight.clientOrderId) ? (inFlight.purpose === 'takeProfit' ? 'sell' : inFlight.purpose) : null;
      const sells = count('ce-x-');
      const starts = count('ce-s-');
      if (sells !== r.closedCycles + (pendingFill === 'sell' ? 1 : 0)) problem(`${key}: ${sells} sells executed, closedCycles ${r.closedCycles}, pending ${pendingFill}`);
      if (starts !== r.closedCycles + (r.phase === 'active' ? 1 : 0) + (pendingFill === 'start' ? 1 : 0)) {
        problem(`${key}: ${starts} starts executed, closedCycles ${r.closedCycles}, phase ${r.phase}, pending ${pendingFill}`);
      }
    }
    for (const key of this.#last.keys()) if (!now.has(key)) problem(`${key}: the record disappeared`);
    for (const tally of this.#executed.keys()) {
      const symbol = tally.split(' ')[0]!;
      if (!now.has(symbol)) problem(`${symbol}: orders executed (${tally}) but there is no record`);
    }
    if (pending) this.stats.killsWithPendingOrder++;
    for (const [key, cur] of now) this.#last.set(key, cur);
  }

  #loadJournal(): void {
    const journalDir = path.join(this.dir, 'exchange');
    if (!fs.existsSync(journalDir)) return;
    for (const file of fs.readdirSync(journalDir)) {
      if (!file.endsWith('.json')) continue;
      const id = file.slice(0, -5);
      if (this.journal.has(id)) continue;
      const fill = JSON.parse(fs.readFileSync(path.join(journalDir, file), 'utf8')) as OrderFill;
      this.journal.set(id, fill);
      const tally = `${fill.symbol} ${fill.clientOrderId.slice(0, 5)}`;
      this.#executed.set(tally, (this.#executed.get(tally) ?? 0) + 1);
    }
  }
}
