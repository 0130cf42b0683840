/**
 * The conformance suite every {@link StateStore} must pass: compare-and-set semantics, versions,
 * listing, exact round-trips of every record field, awkward keys, no aliasing, and racing writers
 * (a reported conflict is never written, a reported success always is).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PortfolioRecord } from '../ports/portfolio-record';
import type { CycleRecord } from '../ports/record';
import type { StateStore } from '../ports/state-store';
import { randomKey, samplePortfolio, sampleRecords } from './fixtures';
import { judgeRace, raceIncrements, seededPauses } from './increment-race';
import { tryMutate, type Writable } from './support';

/**
 * Options of {@link describeStateStore}.
 * @public
 */
export interface StateStoreSuiteOptions {
  /** Skip the cases where many callers race on one key (for stores that cannot take parallel calls). */
  readonly skipConcurrency?: boolean | undefined;
  /** Number of parallel callers in the race cases (default 25). */
  readonly concurrency?: number | undefined;
  /** Start of every key the suite writes (default `cycle-engine-test`); a random part follows. */
  readonly keyPrefix?: string | undefined;
  /** Timeout of each case and hook, in ms (default: vitest's). */
  readonly timeoutMs?: number | undefined;
  /** Seed of the pauses that interleave the racing writers (default fixed: runs are reproducible). */
  readonly seed?: number | undefined;
}

/** Writers in the increment race (at most `concurrency`), and the successes each must be told. */
const RACE_WRITERS = 6;
const RACE_SUCCESSES = 20;

/**
 * Keys that stores with an encoding step (file names, URL paths, Redis patterns) tend to get
 * wrong: each must be stored under itself, and none may collide with another.
 */
const AWKWARD_KEYS: readonly string[] = [
  'ETH/USDT', 'eth/usdt', 'acct-1:ETH/USDT', 'ETH/USDT:USDT', 'a/b', 'a_b', 'a%2Fb', 'a%2fb', 'a-b', 'a.b',
  'a b', 'a+b', 'a\\b', 'a:b', 'a*b', 'a?b', 'a/../b', 'a//b', 'a/', ' lead', 'trail ', '₿/€', '日本/円',
  '🚀/USDT', 'caf\u00e9', 'cafe\u0301',
];

/**
 * Registers, inside a vitest `describe`, the cases every {@link StateStore} must pass.
 *
 * Each case gets a fresh store from `factory` (closed afterwards when it has `close()`) and uses
 * keys no other run uses, so the suite can run against a shared real database; it never deletes
 * anything. What it requires beyond the port's signatures: a key is any string and distinct
 * strings are distinct keys; values come back deep-equal (decimal strings digit for digit,
 * `null` fields kept); a store never aliases caller objects, so mutating the value given to
 * `compareAndSet` (the store must not freeze it either), or a value returned by `get` or `list`,
 * never changes what the store holds (returned values may be frozen).
 * @param name - shown in the test names, e.g. `FileStateStore`
 * @param factory - makes a fresh store for each case
 * @param options - capability flags and timeouts
 * @public
 */
export function describeStateStore(
  name: string,
  factory: () => StateStore | Promise<StateStore>,
  options: StateStoreSuiteOptions = {},
): void {
  const { timeoutMs, concurrency = 25 } = options;
  const sample = sampleRecords();
  // A distinct record per writer, so the stored value tells who wrote it.
  const stamped = (n: number, base: CycleRecord = sample.idle): CycleRecord => ({ ...base, updatedAt: base.updatedAt + n });

  describe(`StateStore conformance: ${name}`, () => {
    let current: StateStore | undefined;
    let prefix = '';
    const store = (): StateStore => current!;
    const key = (suffix: string): string => `${prefix}/${suffix}`;
    const mine = <T extends { key: string }>(rows: readonly T[]): T[] =>
      rows.filter((r) => r.key.startsWith(`${prefix}/`)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

    beforeEach(async () => {
      prefix = randomKey(options.keyPrefix);
      current = await factory();
    }, timeoutMs);
    afterEach(async () => {
      const closing = current;
      current = undefined;
      await closing?.close?.();
    }, timeoutMs);

    it('get of a missing key resolves undefined', async () => {
      expect(await store().get(key('missing'))).toBeUndefined();
    }, timeoutMs);

    it('compareAndSet(null) creates an absent key and returns its version', async () => {
      const version = await store().compareAndSet(key('k'), null, sample.idle);
      expect(typeof version).toBe('number');
      expect(await store().get(key('k'))).toEqual({ version, value: sample.idle });
    }, timeoutMs);

    it('a second compareAndSet(null) returns null and overwrites nothing', async () => {
      const version = await store().compareAndSet(key('k'), null, stamped(1));
      expect(await store().compareAndSet(key('k'), null, stamped(2))).toBeNull();
      expect(await store().get(key('k'))).toEqual({ version, value: stamped(1) });
    }, timeoutMs);

    it('compareAndSet with the current version writes and returns a greater version', async () => {
      const v1 = (await store().compareAndSet(key('k'), null, sample.idle))!;
      const v2 = await store().compareAndSet(key('k'), v1, sample.starting);
      expect(v2).toBeTypeOf('number');
      expect(v2!).toBeGreaterThan(v1);
      expect(await store().get(key('k'))).toEqual({ version: v2, value: sample.starting });
    }, timeoutMs);

    it('compareAndSet with a stale version returns null and leaves the value unchanged', async () => {
      const v1 = (await store().compareAndSet(key('k'), null, sample.idle))!;
      const v2 = (await store().compareAndSet(key('k'), v1, sample.starting))!;
      expect(await store().compareAndSet(key('k'), v1, sample.startRejected)).toBeNull();
      expect(await store().get(key('k'))).toEqual({ version: v2, value: sample.starting });
    }, timeoutMs);

    it('compareAndSet with a version on a missing key returns null and creates nothing', async () => {
      expect(await store().compareAndSet(key('missing'), 1, sample.idle)).toBeNull();
      expect(await store().compareAndSet(key('missing'), 0, sample.idle)).toBeNull();
      expect(await store().get(key('missing'))).toBeUndefined();
    }, timeoutMs);

    it('versions strictly increase over many sequential updates', async () => {
      let version = (await store().compareAndSet(key('k'), null, stamped(0)))!;
      for (let n = 1; n <= 30; n++) {
        const next = await store().compareAndSet(key('k'), version, stamped(n));
        expect(next, `update ${n}`).not.toBeNull();
        expect(next!, `update ${n}`).toBeGreaterThan(version);
        version = next!;
      }
      expect(await store().get(key('k'))).toEqual({ version, value: stamped(30) });
    }, timeoutMs);

    describe.skipIf(options.skipConcurrency)('under concurrency', () => {
      it(`exactly one of ${concurrency} parallel compareAndSet(null) creates the key`, async () => {
        const results = await Promise.all(
          Array.from({ length: concurrency }, (_, n) => store().compareAndSet(key('race'), null, stamped(n))),
        );
        const winners = results.flatMap((v, n) => (v === null ? [] : [n]));
        expect(winners).toHaveLength(1);
        expect(await store().get(key('race'))).toEqual({ version: results[winners[0]!], value: stamped(winners[0]!) });
      }, timeoutMs);

      it(`exactly one of ${concurrency} parallel updates with the same version wins`, async () => {
        const v1 = (await store().compareAndSet(key('race'), null, sample.idle))!;
        const results = await Promise.all(
          Array.from({ length: concurrency }, (_, n) => store().compareAndSet(key('race'), v1, stamped(n + 1, sample.starting))),
        );
        const winners = results.flatMap((v, n) => (v === null ? [] : [n]));
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        expect(results[winner]!).toBeGreaterThan(v1);
        expect(await store().get(key('race'))).toEqual({ version: results[winner], value: stamped(winner + 1, sample.starting) });
      }, timeoutMs);

      const writers = Math.max(2, Math.min(concurrency, RACE_WRITERS));
      it(`${writers} writers racing get + compareAndSet increments on one key: every reported success is applied exactly once, no reported conflict is applied`, async () => {
        // Each write adds one to a counter and appends its tag; the writers' reads rebuild the
        // history. A WriteUnknownError (code WRITE_UNKNOWN) may go either way; a null never may.
        const k = key('increments');
        await store().compareAndSet(k, null, { ...sample.idle, closedCycles: 0, recent: [] });
        const pause = seededPauses(options.seed ?? 20261130);
        const ledgers = await Promise.all(
          Array.from({ length: writers }, (_, n) => raceIncrements(store(), k, { writer: `w${n}`, successes: RACE_SUCCESSES, pause })),
        );
        const final = (await store().get(k))!.value;
        const v = judgeRace(ledgers, final);
        expect(v.successes, 'every writer reached its successes').toBe(writers * RACE_SUCCESSES);
        expect(v.missing, 'the writers\' reads cover the whole history').toBe(0);
        expect(v.forks, 'two reads disagree on a version').toEqual([]);
        expect(v.lostSuccesses, 'reported won, not in the history').toEqual([]);
        expect(v.duplicates, 'applied twice').toEqual([]);
        expect(v.phantoms, 'reported a conflict (null), but in the history').toEqual([]);
        expect(v.landed).toBeGreaterThanOrEqual(v.successes);
        expect(v.landed).toBeLessThanOrEqual(v.successes + v.unknowns);
      }, timeoutMs);
    });

    it('list includes every written key with its current version and value', async () => {
      const va = (await store().compareAndSet(key('a'), null, sample.idle))!;
      const vb1 = (await store().compareAndSet(key('b'), null, sample.idle))!;
      const vb2 = (await store().compareAndSet(key('b'), vb1, sample.starting))!;
      await store().compareAndSet(key('c'), 1, sample.active); // refused: must not appear
      expect(mine(await store().list())).toEqual([
        { key: key('a'), version: va, value: sample.idle },
        { key: key('b'), version: vb2, value: sample.starting },
      ]);
    }, timeoutMs);

    it('every field of every sample record round-trips exactly (get and list)', async () => {
      const written = [];
      for (const [sampleName, record] of Object.entries(sample)) {
        const version = await store().compareAndSet(key(sampleName), null, record);
        expect(version, sampleName).not.toBeNull();
        expect(await store().get(key(sampleName)), sampleName).toEqual({ version, value: record });
        written.push({ key: key(sampleName), version, value: record });
      }
      expect(mine(await store().list())).toEqual(mine(written));
    }, timeoutMs);

    it('awkward keys (/, :, %, spaces, case, unicode) are stored under themselves without collisions', async () => {
      const versions = new Map<string, number | null>();
      for (const [n, suffix] of AWKWARD_KEYS.entries()) {
        versions.set(suffix, await store().compareAndSet(key(suffix), null, { ...stamped(n), symbol: suffix }));
      }
      for (const [n, suffix] of AWKWARD_KEYS.entries()) {
        expect(versions.get(suffix), `create ${JSON.stringify(suffix)}`).not.toBeNull();
        const got = await store().get(key(suffix));
        expect(got, `get ${JSON.stringify(suffix)}`).toEqual({ version: versions.get(suffix), value: { ...stamped(n), symbol: suffix } });
      }
      expect(mine(await store().list()).map((r) => r.key)).toEqual(mine(AWKWARD_KEYS.map((s) => ({ key: key(s) }))).map((r) => r.key));
    }, timeoutMs);

    it('the portfolio record round-trips beside cycle records, with compare-and-set', async () => {
      const portfolio = samplePortfolio(prefix);
      const k = key('__portfolio');
      const v1 = (await store().compareAndSet(k, null, portfolio))!;
      expect(v1).toBeTypeOf('number');
      expect(await store().get(k)).toEqual({ version: v1, value: portfolio });
      const grown: PortfolioRecord = { ...portfolio, reservations: portfolio.reservations.slice(1), updatedAt: portfolio.updatedAt + 1 };
      expect(await store().compareAndSet(k, null, grown)).toBeNull();
      const v2 = (await store().compareAndSet(k, v1, grown))!;
      expect(v2).toBeGreaterThan(v1);
      expect(await store().compareAndSet(k, v1, portfolio)).toBeNull();
      const vc = (await store().compareAndSet(key('ETH/USDT'), null, sample.active))!;
      expect(mine(await store().list())).toEqual([
        { key: key('ETH/USDT'), version: vc, value: sample.active },
        { key: k, version: v2, value: grown },
      ]);
    }, timeoutMs);

    it('mutating the value after compareAndSet does not change the stored record', async () => {
      const value = structuredClone(sample.sellFilled) as Writable<CycleRecord>;
      const version = await store().compareAndSet(key('k'), null, value as CycleRecord);
      // The store must neither keep nor freeze the caller's object: these assignments must work.
      value.phase = 'idle';
      value.position!.baseVolume = '0';
      (value.orders[0]!.applied.fees as Array<{ amount: string }>)[0]!.amount = '999';
      expect(await store().get(key('k'))).toEqual({ version, value: sample.sellFilled });
    }, timeoutMs);

    it('mutating a record returned by get or list does not change the stored record', async () => {
      const version = await store().compareAndSet(key('k'), null, sample.sellFilled);
      const got = (await store().get(key('k')))!.value as Writable<CycleRecord>;
      tryMutate(() => void (got.phase = 'idle'));
      tryMutate(() => void (got.position!.investedQuote = '0'));
      tryMutate(() => void ((got.orders[0]!.applied as { base: string }).base = '0'));
      const listed = mine(await store().list())[0]!.value as Writable<CycleRecord>;
      tryMutate(() => void (listed.position!.buys = 99));
      tryMutate(() => void (listed.orders = []));
      expect(await store().get(key('k'))).toEqual({ version, value: sample.sellFilled });
      expect(mine(await store().list())).toEqual([{ key: key('k'), version, value: sample.sellFilled }]);
    }, timeoutMs);
  });
}
