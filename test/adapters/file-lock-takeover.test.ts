/**
 * proper-lockfile's issue #121, on FileLock: contenders that find the same stale lock (its holder's
 * pid is dead) at the same instant can both end up believing they hold it. FileLock documents the
 * window and calls it harmless, because the store's compare-and-set, not the lock, is the fence.
 * These tests make the race happen and show that it is: of the contenders that write the same
 * version, exactly one wins; and engines whose lock grants everything still buy exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CycleEngine,
  FileLock,
  FileStateStore,
  LockNotHeldError,
  PaperExchange,
  dca,
  type Lock,
  type LockLease,
  type StateStore,
} from 'cycle-engine';
import { keyToName } from '../../src/adapters/file/key-names';
import { emptyRecord } from '../../src/ports/record';
import { ROOT, deadPid, killAll, spawnScript } from '../support/child-processes';

let dir: string;
let dead: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-takeover-'));
  dead ??= await deadPid();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await killAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A lock file as a holder that then died would have left it: its pid is dead, its lease far from over. */
function plantStaleLock(lockDir: string, key: string): string {
  fs.mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, `${keyToName(key)}.lock`);
  fs.writeFileSync(file, JSON.stringify({ pid: dead, host: os.hostname(), nonce: 'deadbeefdeadbeef', token: 1, expiresAt: Date.now() + 3_600_000 }));
  return file;
}

async function seedRecord(store: FileStateStore, key: string): Promise<void> {
  expect(await store.compareAndSet(key, null, emptyRecord(key, Date.now()))).toBe(1);
}

describe('stale-lock takeover race (proper-lockfile #121) is harmless', () => {
  it('in-process, the race forced step by step: two contenders hold the lock, exactly one CAS on the version they read wins', async () => {
    const key = 'ETH/USDT';
    const lockDir = path.join(dir, 'locks');
    const lockFile = plantStaleLock(lockDir, key);
    const seedStore = new FileStateStore({ dir: path.join(dir, 'state') });
    await seedRecord(seedStore, key);
    const [a, b, d] = [new FileLock({ dir: lockDir }), new FileLock({ dir: lockDir }), new FileLock({ dir: lockDir })];

    // B judges the dead holder's lock stale. Just before B moves it aside, A takes it over and
    // creates its own lock, which B then moves aside instead; just before B puts A's lock back,
    // D finds the key free and locks it; B's put-back fails (EEXIST): A and D both hold a lease.
    let pa: Promise<LockLease | null> | undefined;
    let pd: Promise<LockLease | null> | undefined;
    let armA = true;
    let armD = true;
    const rename = fs.renameSync.bind(fs);
    const link = fs.linkSync.bind(fs);
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (armA && from === lockFile) {
        armA = false; // before the call: A's own takeover renames too
        pa = a.acquire(key, { waitMs: 0 });
      }
      return rename(from, to);
    });
    vi.spyOn(fs, 'linkSync').mockImplementation((from, to) => {
      if (armD && to === lockFile) {
        armD = false;
        pd = d.acquire(key, { waitMs: 0 });
      }
      return link(from, to);
    });
    const leaseB = await b.acquire(key, { waitMs: 0 });
    vi.restoreAllMocks();
    expect(pa, 'A took the stale lock over while B was about to').toBeDefined();
    expect(pd, 'D locked the key while B was putting A’s lock back').toBeDefined();
    const [leaseA, leaseD] = await Promise.all([pa!, pd!]);
    expect(leaseB).toBeNull();
    // The race of #121: two contenders believe they hold the key at once.
    expect(leaseA).not.toBeNull();
    expect(leaseD).not.toBeNull();

    // Each does what the engine does under the lock: read, then CAS on the version read.
    const [storeA, storeD] = [new FileStateStore({ dir: path.join(dir, 'state') }), new FileStateStore({ dir: path.join(dir, 'state') })];
    const [snapA, snapD] = await Promise.all([storeA.get(key), storeD.get(key)]);
    expect([snapA?.version, snapD?.version]).toEqual([1, 1]);
    const results = await Promise.all([
      storeA.compareAndSet(key, snapA!.version, { ...snapA!.value, updatedAt: 1 }),
      storeD.compareAndSet(key, snapD!.version, { ...snapD!.value, updatedAt: 2 }),
    ]);
    expect(results.filter((v) => v !== null)).toEqual([2]);
    const final = await seedStore.get(key);
    expect(final?.version).toBe(2);
    expect(final?.value.updatedAt).toBe(results[0] !== null ? 1 : 2);

    // The lost lease surfaces at release; the real holder releases cleanly.
    await expect(leaseA!.release()).rejects.toBeInstanceOf(LockNotHeldError);
    await expect(leaseD!.release()).resolves.toBeUndefined();
  });

  it('4 processes take over the same stale lock at the same instant, 40 times: exactly one CAS per round wins', async () => {
    const ROUNDS = 40;
    const keys = Array.from({ length: ROUNDS }, (_, r) => `K${r}/USDT`);
    const store = new FileStateStore({ dir: path.join(dir, 'state') });
    for (const key of keys) {
      plantStaleLock(path.join(dir, 'locks'), key);
      await seedRecord(store, key);
    }
    const racers = Array.from({ length: 4 }, (_, i) => spawnScript(path.join(ROOT, 'test/support/lock-racer.ts'), ['--dir', dir, '--keys', keys.join(','), '--gap-ms', '30', '--name', `p${i}`]));
    await Promise.all(racers.map((c) => c.waitFor('ready')));
    const t0 = Date.now() + 300;
    for (const c of racers) c.send(`go ${t0}`);
    const exits = await Promise.all(racers.map((c) => c.exited));
    racers.forEach((c, i) => expect(exits[i], c.stderr).toEqual({ code: 0, signal: null }));
    const outs = racers.map((c) => JSON.parse(c.lines[c.lines.length - 1]!) as { rounds: Array<{ lease: boolean; readVersion: number | null; won: boolean }>; lostAtRelease: number });

    let doubleHolders = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const round = outs.map((o) => o.rounds[r]!);
      const holders = round.filter((x) => x.lease).length;
      expect(holders, `round ${r}: someone took the stale lock over`).toBeGreaterThanOrEqual(1);
      if (holders > 1) doubleHolders++;
      expect(round.filter((x) => x.won).length, `round ${r}: exactly one CAS on version 1 wins`).toBe(1);
      expect((await store.get(keys[r]!))?.version, `round ${r}: exactly one write`).toBe(2);
    }
    const lost = outs.reduce((n, o) => n + o.lostAtRelease, 0);
    console.info(`[lock-takeover] ${ROUNDS} rounds × 4 processes: ${doubleHolders} rounds with two holders (the #121 window), ${lost} leases lost at release; one CAS won every round`);
  });

  it('engines whose lock grants every request, sharing one FileStateStore: exactly one start buy per symbol', async () => {
    const symbols = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT', 'DDD/USDT'];
    const exchange = new PaperExchange({ prices: Object.fromEntries(symbols.map((s) => [s, '100'])), balances: { USDT: '100000' }, latencyMs: 20, defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } });
    let held = 0;
    let maxHeld = 0;
    let token = 0;
    // Broken on purpose: every acquire gets a lease, whoever holds the key.
    const grantAll: Lock = {
      acquire: async (key) => {
        maxHeld = Math.max(maxHeld, ++held);
        let released = false;
        return { key, token: ++token, expiresAt: Date.now() + 5_000, release: async () => void (released ? 0 : (released = true, held--)) };
      },
    };
    let conflicts = 0;
    const counting = (s: FileStateStore): StateStore => ({
      get: (k) => s.get(k),
      list: () => s.list(),
      compareAndSet: async (k, v, r) => {
        const result = await s.compareAndSet(k, v, r);
        if (result === null) conflicts++;
        return result;
      },
    });
    const engines = Array.from({ length: 3 }, (_, i) =>
      new CycleEngine({
        exchange,
        store: counting(new FileStateStore({ dir: path.join(dir, 'state') })),
        lock: grantAll,
        symbols: i % 2 === 0 ? symbols : [...symbols].reverse(),
        strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 2 }),
        instanceId: `e${i}`,
      }),
    );
    const errors: unknown[] = [];
    for (const e of engines) e.on('error', (err) => errors.push(err));
    for (let round = 0; round < 15; round++) {
      await Promise.all(engines.map((e) => e.tick()));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await Promise.all(engines.map((e) => e.idle()));

    expect(errors).toEqual([]);
    expect(maxHeld, 'the lock kept nobody apart').toBeGreaterThanOrEqual(2);
    expect(conflicts, 'engines wrote the same version: the CAS refused the later writers').toBeGreaterThan(0);
    for (const symbol of symbols) {
      const orders = exchange.orders.filter((o) => o.symbol === symbol);
      expect(orders.map((o) => [o.side, o.clientOrderId.slice(0, 5), o.status]), symbol).toEqual([['buy', 'ce-s-', 'filled']]);
      expect((await engines[0]!.getCycle(symbol))?.phase).toBe('active');
    }
    console.info(`[lock-takeover] always-grant lock, 3 engines × 15 overlapping ticks: ${exchange.orders.length} orders, ${conflicts} CAS conflicts, up to ${maxHeld} leases at once`);
  });
});
