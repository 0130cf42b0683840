/**
 * The conformance suite every {@link Lock} must pass: exclusion, leases that lapse, fencing tokens
 * that only grow, waiting, and releases that never free someone else's lease.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lock, LockAcquireOptions, LockLease } from '../ports/lock';
import { randomKey } from './fixtures';
import { codeOf, settle, sleep } from './support';

/**
 * Options of {@link describeLock}.
 * @public
 */
export interface LockSuiteOptions {
  /** Lease length of the expiry cases, in ms (default 200); raise it for locks with coarse expiry. */
  readonly shortTtlMs?: number | undefined;
  /** Skip the cases that wait for a lease to lapse (for locks whose leases cannot be that short). */
  readonly skipExpiry?: boolean | undefined;
  /** Number of tasks in the contention case (default 20). */
  readonly contenders?: number | undefined;
  /** Start of every key the suite locks (default `cycle-engine-test`); a random part follows. */
  readonly keyPrefix?: string | undefined;
  /** Timeout of each case and hook, in ms (default: vitest's). */
  readonly timeoutMs?: number | undefined;
}

const LONG_TTL_MS = 30_000;

/**
 * Registers, inside a vitest `describe`, the cases every {@link Lock} must pass.
 *
 * Each case gets a fresh lock from `factory` (closed afterwards when it has `close()`), locks keys
 * no other run uses, and releases what it still holds at the end. Leases are checked against the
 * wall clock (`Date.now()`), so the lock under test must use it. A lapsed lease released after
 * another holder took the key must be refused with an error whose `code` is `LOCK_NOT_HELD`
 * (`LockNotHeldError`); releasing twice may resolve or be refused the same way, but must never
 * free another holder's lease.
 * @param name - shown in the test names, e.g. `RedisLock`
 * @param factory - makes a fresh lock for each case
 * @param options - lease length of the expiry cases, capability flags and timeouts
 * @public
 */
export function describeLock(
  name: string,
  factory: () => Lock | Promise<Lock>,
  options: LockSuiteOptions = {},
): void {
  const { timeoutMs, shortTtlMs = 200, contenders = 20 } = options;

  describe(`Lock conformance: ${name}`, () => {
    let current: Lock | undefined;
    let prefix = '';
    let taken: LockLease[] = [];
    const key = (suffix = 'k'): string => `${prefix}/${suffix}`;
    const acquire = async (k: string, opts: LockAcquireOptions = {}): Promise<LockLease | null> => {
      const lease = await current!.acquire(k, { ttlMs: LONG_TTL_MS, waitMs: 0, ...opts });
      if (lease) taken.push(lease);
      return lease;
    };

    beforeEach(async () => {
      prefix = randomKey(options.keyPrefix);
      taken = [];
      current = await factory();
    }, timeoutMs);
    afterEach(async () => {
      // Best effort: most of these were released (or lapsed) by the case itself.
      await Promise.all(taken.map((lease) => settle(lease.release())));
      const closing = current;
      current = undefined;
      await closing?.close?.();
    }, timeoutMs);

    it('acquire of a free key returns a lease with the key, a numeric token and a future expiry', async () => {
      const before = Date.now();
      const lease = await acquire(key(), { ttlMs: 5_000 });
      expect(lease).not.toBeNull();
      expect(lease!.key).toBe(key());
      expect(Number.isFinite(lease!.token)).toBe(true);
      expect(lease!.expiresAt).toBeGreaterThan(Date.now());
      expect(lease!.expiresAt).toBeLessThanOrEqual(before + 5_000 + 1_000);
    }, timeoutMs);

    it('a held key cannot be acquired with waitMs 0', async () => {
      expect(await acquire(key())).not.toBeNull();
      expect(await acquire(key(), { waitMs: 0 })).toBeNull();
    }, timeoutMs);

    it('a held key makes acquire give up with null after waitMs', async () => {
      expect(await acquire(key())).not.toBeNull();
      const start = Date.now();
      expect(await acquire(key(), { waitMs: 150 })).toBeNull();
      expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    }, timeoutMs);

    it('different keys do not block each other', async () => {
      expect(await acquire(key('a'))).not.toBeNull();
      expect(await acquire(key('b'))).not.toBeNull();
      expect(await acquire(key('a/b'))).not.toBeNull();
    }, timeoutMs);

    it('a released key can be acquired again, with a greater token', async () => {
      const first = (await acquire(key()))!;
      await first.release();
      const second = await acquire(key());
      expect(second).not.toBeNull();
      expect(second!.token).toBeGreaterThan(first.token);
    }, timeoutMs);

    it('fencing tokens strictly increase across successive leases of a key', async () => {
      const tokens: number[] = [];
      for (let n = 0; n < 10; n++) {
        const lease = await acquire(key());
        expect(lease, `lease ${n}`).not.toBeNull();
        tokens.push(lease!.token);
        await lease!.release();
      }
      for (let n = 1; n < tokens.length; n++) expect(tokens[n]!).toBeGreaterThan(tokens[n - 1]!);
    }, timeoutMs);

    it('acquire with waitMs > 0 gets the key once its holder releases it', async () => {
      const holder = (await acquire(key()))!;
      let released = false;
      const waiting = acquire(key(), { waitMs: 10_000 }).then((lease) => ({ lease, afterRelease: released }));
      await sleep(50);
      released = true;
      await holder.release();
      const start = Date.now();
      const { lease, afterRelease } = await waiting;
      expect(lease).not.toBeNull();
      expect(afterRelease).toBe(true);
      expect(lease!.token).toBeGreaterThan(holder.token);
      expect(Date.now() - start).toBeLessThan(5_000);
    }, timeoutMs);

    it('a lease that double-releases never frees the next holder', async () => {
      const first = (await acquire(key()))!;
      await first.release();
      const second = await acquire(key());
      expect(second).not.toBeNull();
      const again = await settle(first.release());
      if (!again.ok) expect(codeOf(again.error)).toBe('LOCK_NOT_HELD');
      expect(await acquire(key())).toBeNull();
      await second!.release();
    }, timeoutMs);

    describe.skipIf(options.skipExpiry)('lease expiry', () => {
      it(`a lease of ${shortTtlMs} ms lapses and another caller takes the key, with a greater token`, async () => {
        const first = (await acquire(key(), { ttlMs: shortTtlMs }))!;
        expect(await acquire(key())).toBeNull();
        await sleep(shortTtlMs);
        // Grace for locks whose expiry is coarser than a millisecond; the holder never releases.
        const second = await acquire(key(), { waitMs: shortTtlMs * 2 });
        expect(second).not.toBeNull();
        expect(second!.token).toBeGreaterThan(first.token);
      }, timeoutMs);

      it('releasing a lapsed lease after another caller took the key is refused with LOCK_NOT_HELD', async () => {
        const first = (await acquire(key(), { ttlMs: shortTtlMs }))!;
        await sleep(shortTtlMs);
        const second = (await acquire(key(), { waitMs: shortTtlMs * 2 }))!;
        expect(second).not.toBeNull();
        const stale = await settle(first.release());
        expect(stale.ok).toBe(false);
        expect(codeOf(stale.ok ? undefined : stale.error)).toBe('LOCK_NOT_HELD');
        expect(await acquire(key())).toBeNull(); // the new holder still holds it
        await expect(second.release()).resolves.toBeUndefined();
        expect(await acquire(key())).not.toBeNull();
      }, timeoutMs);
    });

    it(`${contenders} concurrent tasks take turns: never two inside the critical section`, async () => {
      let inside = 0;
      let maxInside = 0;
      const tokens: number[] = [];
      const task = async (): Promise<void> => {
        const lease = await acquire(key(), { waitMs: 60_000 });
        expect(lease).not.toBeNull();
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        tokens.push(lease!.token);
        await sleep(1 + Math.floor(Math.random() * 3));
        inside -= 1;
        await lease!.release();
      };
      await Promise.all(Array.from({ length: contenders }, task));
      expect(maxInside).toBe(1);
      expect(tokens).toHaveLength(contenders);
      for (let n = 1; n < tokens.length; n++) expect(tokens[n]!).toBeGreaterThan(tokens[n - 1]!);
    }, timeoutMs);
  });
}
