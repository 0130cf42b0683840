/**
 * The portfolio book on real stores (issue 11): concurrent reservers never exceed the limits, the
 * sweep fences a stale reservation's cycle before releasing it (so a slow reserver's write fails),
 * unknown writes and corrupt portfolio records. Memory and file stores always; PostgreSQL and
 * Redis when reachable (see test/support/services.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptStateError, FileStateStore, ManualClock, MemoryStateStore, WriteUnknownError, type StateStore } from 'cycle-engine';
import { PostgresStateStore } from 'cycle-engine/postgres';
import { RedisStateStore } from 'cycle-engine/redis';
import { randomKey, sampleRecords } from 'cycle-engine/testing';
import { PortfolioBook } from '../../src/engine/portfolio-store';
import { storeFence } from '../../src/engine/portfolio-io';
import type { PortfolioLimits } from '../../src/engine/portfolio';
import { emptyRecord, type CycleRecord } from '../../src/ports/record';
import { seededPauses } from '../../src/testing/increment-race';
import { withPostgres, withRedis } from '../support/services';

interface Backend {
  readonly make: () => StateStore;
  /** Replaces the stored value of `key` with `value` behind the store's back (no validation). */
  readonly corrupt?: (key: string, value: unknown) => Promise<void>;
}

/** The store, with seeded pauses before and after every call: the reservers interleave differently per seed. */
function interleaved(store: StateStore, seed: number): StateStore {
  const pause = seededPauses(seed);
  const around = async <T>(call: () => Promise<T>): Promise<T> => {
    await pause();
    const out = await call();
    await pause();
    return out;
  };
  return { get: (k) => around(() => store.get(k)), compareAndSet: (k, v, r) => around(() => store.compareAndSet(k, v, r)), list: () => store.list() };
}

function starting(symbol: string, cycleId: string, now: number): CycleRecord {
  const start = {
    intentId: `int-${cycleId}`, clientOrderId: `ce-s-${cycleId}`, purpose: 'start', type: 'market', side: 'buy', quoteAmount: '20', createdAt: now, owner: 'slow',
    state: 'sending', applied: { base: '0', quote: '0', fees: [] }, checkedAt: null,
  } as const;
  return { ...emptyRecord(symbol, now), phase: 'starting', cycleId, orders: [start] };
}

function describeBook(name: string, backend: Backend, seeds: readonly number[]): void {
  describe(`PortfolioBook on ${name}`, () => {
    const fresh = () => ({ store: backend.make(), pkey: `${randomKey('pf')}/__portfolio`, prefix: `${randomKey('cy')}:` });

    async function race(seed: number, limits: PortfolioLimits, claim: (i: number) => string) {
      const { store, pkey, prefix } = fresh();
      const clock = { now: () => 1_000 };
      const books = Array.from({ length: 20 }, (_, i) => new PortfolioBook({ store: interleaved(store, seed * 100 + i), key: pkey, limits, clock, owner: `e${i}`, maxAttempts: 500, pause: seededPauses(seed + i) }));
      const results = await Promise.all(books.map((b, i) => b.reserve({ key: `${prefix}S${i}`, symbol: `S${i}`, cycleId: `c${i}`, intentId: `i${i}`, claim: claim(i) })));
      const final = await books[0]!.read();
      const ok = results.flatMap((r, i) => (r.kind === 'ok' ? [`${prefix}S${i}`] : []));
      return { results, final: final!, ok, prefix };
    }

    for (const seed of seeds) {
      it(`20 concurrent reservers, maxActiveCycles 5: exactly 5 get one (seed ${seed})`, async () => {
        const { results, final, ok } = await race(seed, { maxActiveCycles: 5 }, () => '10');
        expect(ok).toHaveLength(5);
        expect(results.filter((r) => r.kind === 'refused').every((r) => r.kind === 'refused' && r.limit === 'maxActiveCycles')).toBe(true);
        expect(final.reservations.map((r) => r.key).sort()).toEqual([...ok].sort());
      }, 60_000);

      it(`20 concurrent reservers, a budget of 100: the total never exceeds it, and no refusal was needless (seed ${seed})`, async () => {
        const claim = (i: number) => String(((i * 7) % 4) + 1) + '0.5'; // 10.5 … 40.5
        const { results, final, ok } = await race(seed, { maxTotalInvestedQuote: '100' }, claim);
        const total = final.reservations.reduce((s, r) => s + Number(r.quote) * 10, 0) / 10; // tenths: exact in floats here
        expect(total).toBeLessThanOrEqual(100);
        expect(final.reservations.map((r) => r.key).sort()).toEqual([...ok].sort());
        expect(ok.length).toBeGreaterThanOrEqual(2);
        // The total only grew: a claim refused then would not fit now either.
        results.forEach((r, i) => {
          if (r.kind === 'refused') expect(total + Number(claim(i)), `S${i}`).toBeGreaterThan(100);
        });
      }, 60_000);
    }

    async function slowStart(symbolExists: boolean) {
      const { store, pkey, prefix } = fresh();
      const clock = new ManualClock(1_000_000);
      const key = `${prefix}ETH/USDT`;
      if (symbolExists) await store.compareAndSet(key, null, { ...sampleRecords(`ETH/USDT`).idle, closedCycles: 2 });
      const slow = new PortfolioBook({ store, key: pkey, limits: { maxActiveCycles: 1 }, clock, owner: 'slow', minAgeMs: 60_000 });
      const other = new PortfolioBook({ store, key: pkey, limits: { maxActiveCycles: 1 }, clock, owner: 'other', minAgeMs: 60_000 });
      const read = await store.get(key); // what the slow engine decides on
      expect(await slow.reserve({ key, symbol: 'ETH/USDT', cycleId: 'c1', intentId: 'int-c1', claim: '20' })).toEqual({ kind: 'ok', written: true });
      return { store, clock, key, prefix, slow, other, readVersion: read?.version ?? null };
    }

    for (const exists of [false, true]) {
      it(`sweep fences and releases a reservation whose start never landed; the slow reserver's write then fails (${exists ? 'idle record' : 'no record'})`, async () => {
        const { store, clock, key, prefix, slow, other, readVersion } = await slowStart(exists);
        const btc = { key: `${prefix}BTC/USDT`, symbol: 'BTC/USDT', cycleId: 'b1', intentId: 'int-b1', claim: '10' };
        expect(await other.reserve(btc)).toMatchObject({ kind: 'refused', limit: 'maxActiveCycles', active: 1 });
        clock.advance(59_999);
        expect(await other.sweep()).toMatchObject({ released: [], kept: [{ key, cycleId: 'c1' }], errors: [] });
        clock.advance(1);
        expect(await other.sweep()).toMatchObject({ released: [{ key, cycleId: 'c1' }], kept: [], errors: [] });
        expect(await store.compareAndSet(key, readVersion, starting('ETH/USDT', 'c1', clock.now()))).toBeNull();
        expect((await store.get(key))!.value).toMatchObject({ phase: 'idle', symbol: 'ETH/USDT' });
        expect(await other.reserve(btc)).toEqual({ kind: 'ok', written: true });
        expect((await slow.read())!.reservations.map((r) => r.key)).toEqual([btc.key]);
      });
    }

    it('a reserver retrying between the fence and the release keeps its new reservation', async () => {
      const { store, clock, key, slow, other, readVersion } = await slowStart(true);
      clock.advance(60_000);
      const fence = storeFence(store, clock);
      const result = await other.sweep(undefined, async (k, symbol, snap) => {
        const landed = await fence(k, symbol, snap);
        // The slow engine wakes now: its write fails, it plans again (a new cycle id) and goes on.
        expect(await store.compareAndSet(key, readVersion, starting('ETH/USDT', 'c1', clock.now()))).toBeNull();
        const now = await store.get(key);
        expect(await slow.reserve({ key, symbol: 'ETH/USDT', cycleId: 'c2', intentId: 'int-c2', claim: '20' })).toEqual({ kind: 'ok', written: true });
        expect(await store.compareAndSet(key, now!.version, starting('ETH/USDT', 'c2', clock.now()))).not.toBeNull();
        return landed;
      });
      expect(result).toMatchObject({ released: [], kept: [{ cycleId: 'c1' }] });
      expect((await slow.read())!.reservations).toMatchObject([{ key, cycleId: 'c2' }]);
      clock.advance(120_000);
      expect(await other.sweep()).toEqual({ released: [], kept: [], errors: [] }); // c2 is live
    });

    it('release drops only the named cycle; reserve of a key with a cycle record there fails as corrupt', async () => {
      const { store, pkey, prefix } = fresh();
      const book = new PortfolioBook({ store, key: pkey, limits: {}, clock: new ManualClock(5), owner: 'e' });
      await book.reserve({ key: `${prefix}A`, symbol: 'A', cycleId: 'a1', intentId: 'i', claim: '1' });
      expect(await book.release(`${prefix}A`, 'a0')).toBe(false);
      expect(await book.release(`${prefix}A`, 'a1')).toBe(true);
      expect(await book.release(`${prefix}A`, 'a1')).toBe(false);
      expect((await book.read())!.reservations).toEqual([]);
      await store.compareAndSet(`${prefix}X`, null, sampleRecords('X').idle);
      const wrong = new PortfolioBook({ store, key: `${prefix}X`, limits: {}, clock: new ManualClock(5), owner: 'e' });
      await expect(wrong.reserve({ key: 'k', symbol: 'A', cycleId: 'a1', intentId: 'i', claim: '1' })).rejects.toMatchObject({ name: 'CorruptStateError', key: `${prefix}X` });
    });

    it.skipIf(backend.corrupt === undefined)('a corrupt portfolio record is a CorruptStateError naming its key', async () => {
      const { store, pkey, prefix } = fresh();
      const book = new PortfolioBook({ store, key: pkey, limits: {}, clock: new ManualClock(5), owner: 'e' });
      await book.reserve({ key: `${prefix}A`, symbol: 'A', cycleId: 'a1', intentId: 'i', claim: '1' });
      const value = structuredClone((await store.get(pkey))!.value) as unknown as { reservations: Array<{ quote: string }> };
      value.reservations[0]!.quote = '-1';
      await backend.corrupt!(pkey, value);
      const error = await store.get(pkey).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptStateError);
      expect(error).toMatchObject({ key: pkey, message: expect.stringContaining('portfolio record: reservations[0].quote') });
      await expect(book.reserve({ key: `${prefix}B`, symbol: 'B', cycleId: 'b1', intentId: 'i', claim: '1' })).rejects.toBeInstanceOf(CorruptStateError);
    });
  });
}

describe('PortfolioBook and unknown writes', () => {
  function flaky(applyFirst: boolean) {
    const inner = new MemoryStateStore();
    let armed = true;
    const store: StateStore = {
      get: (k) => inner.get(k),
      list: () => inner.list(),
      async compareAndSet(k, v, r) {
        if (!armed) return inner.compareAndSet(k, v, r);
        armed = false;
        if (applyFirst) await inner.compareAndSet(k, v, r);
        throw new WriteUnknownError(k, 'no answer');
      },
    };
    return new PortfolioBook({ store, limits: { maxActiveCycles: 1 }, clock: new ManualClock(7), owner: 'e' });
  }
  it.each([true, false])('a reserve whose write had no answer (applied: %s) is reserved exactly once', async (applied) => {
    const book = flaky(applied);
    expect(await book.reserve({ key: 'A', symbol: 'A', cycleId: 'a1', intentId: 'i', claim: '3' })).toEqual({ kind: 'ok', written: true });
    expect((await book.read())!.reservations).toEqual([{ key: 'A', symbol: 'A', cycleId: 'a1', intentId: 'i', quote: '3', at: 7, owner: 'e' }]);
  });
  it('a sweep never releases a reservation whose cycle it could not read, nor a live one', async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(1_000);
    const book = new PortfolioBook({ store, limits: {}, clock, owner: 'e', minAgeMs: 10 });
    for (const k of ['A', 'B', 'C']) await book.reserve({ key: k, symbol: k, cycleId: `${k}1`, intentId: 'i', claim: '1' });
    await store.compareAndSet('B', null, starting('B', 'B1', 1_000));
    clock.advance(10);
    const boom = new Error('unreadable');
    const result = await book.sweep(async (key) => {
      if (key === 'A') throw boom;
      const snap = await store.get(key);
      return snap && { version: snap.version, value: snap.value as CycleRecord };
    });
    expect(result.errors).toEqual([{ reservation: expect.objectContaining({ key: 'A' }), error: boom }]);
    expect(result.released.map((r) => r.key)).toEqual(['C']);
    expect((await book.read())!.reservations.map((r) => r.key)).toEqual(['A', 'B']);
    expect((await store.get('C'))!.value).toMatchObject({ phase: 'idle', symbol: 'C' }); // the fence created it
  });
  it('the memory store refuses to write an invalid portfolio record', async () => {
    const bad = { kind: 'portfolio', schema: 1, updatedAt: 1, reservations: [{ key: 'A', symbol: 'A', cycleId: 'c', intentId: 'i', quote: '1', at: 1, owner: 'e' }, { key: 'A', symbol: 'A', cycleId: 'd', intentId: 'i', quote: '1', at: 1, owner: 'e' }] };
    await expect(new MemoryStateStore().compareAndSet('__portfolio', null, bad as never)).rejects.toThrow(/invalid record for `__portfolio`: portfolio record: reservations has two entries/);
  });
});

describeBook('MemoryStateStore', { make: () => new MemoryStateStore() }, [1, 2, 3]);

const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});
const fileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-portfolio-'));
roots.push(fileDir);
describeBook('FileStateStore', {
  make: () => new FileStateStore({ dir: fileDir }),
  async corrupt(key, value) {
    // A well-formed file (its checksum right) whose portfolio record is not valid.
    const store = new FileStateStore({ dir: fileDir });
    const dir = store.pathOf(key);
    const file = path.join(dir, fs.readdirSync(dir).filter((n) => /^v\d+\.json$/.test(n)).sort().at(-1)!);
    const env = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; nonce: string; prev: string | null; payload: { key: string; value: unknown }; sum: string };
    const payload = { ...env.payload, value };
    const sum = createHash('sha256').update(JSON.stringify([env.version, env.nonce, env.prev, payload])).digest('hex').slice(0, 16);
    fs.writeFileSync(file, JSON.stringify({ ...env, payload, sum }));
  },
}, [4]);

await withPostgres('PortfolioBook on PostgreSQL', ({ pool, table }) => {
  const name = table('portfolio');
  describeBook('PostgresStateStore', {
    make: () => new PostgresStateStore({ pool, table: name }),
    async corrupt(key, value) {
      await pool.query(`UPDATE "${name}" SET record = $2::jsonb WHERE key = $1`, [key, JSON.stringify(value)]);
    },
  }, [5]);
});

await withRedis('PortfolioBook on Redis', ({ client, prefix }) => {
  const at = prefix('portfolio');
  describeBook('RedisStateStore', {
    make: () => new RedisStateStore({ client, prefix: at }),
    async corrupt(key, value) {
      await client.hset(at + key, 'record', JSON.stringify(value));
    },
  }, [6]);
});
