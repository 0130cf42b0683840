/**
 * A lock take that *throws* — the PostgreSQL and Redis locks do when a take's result is unknown
 * (connection killed, server restarted) — is reported for that symbol and treated as a busy key;
 * the tick goes on with the other symbols. Found by test/multiprocess/connection-kills.test.ts:
 * before the fix the throw escaped `tick()`, no `tick:completed` was emitted, and the symbols
 * behind the failing one waited for the next tick.
 */
import { expect, it } from 'vitest';
import { CycleEngineError, MemoryLock, type Lock, type LockAcquireOptions, type LockLease } from 'cycle-engine';
import { setup } from '../support/setup';

const SYMBOLS = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT'];

/** A MemoryLock whose first take throws, as a server lock does when the take's reply is lost. */
function lockFailingOnce(): Lock & { failedKey: string | null } {
  const inner = new MemoryLock();
  const lock = {
    failedKey: null as string | null,
    async acquire(key: string, options?: LockAcquireOptions): Promise<LockLease | null> {
      if (lock.failedKey === null) {
        lock.failedKey = key;
        throw new CycleEngineError(`acquire of lock \`${key}\`: the result is unknown (connection terminated); it may or may not have been applied, re-read before deciding`);
      }
      return inner.acquire(key, options);
    },
  };
  return lock;
}

it('a lock take that throws for one symbol is reported for that symbol; the tick goes on with the others', async () => {
  const lock = lockFailingOnce();
  const s = setup({ prices: Object.fromEntries(SYMBOLS.map((x) => [x, '100'])), lock });
  await expect(s.engine.tick()).resolves.toBeUndefined();
  await s.engine.idle();
  expect(s.of('tick:completed')).toHaveLength(1);
  expect(s.of('error').map((e) => e.message)).toEqual([expect.stringContaining(lock.failedKey!)]);
  // Every symbol but the failing one started its cycle in this tick.
  expect(s.exchange.orders.map((o) => o.symbol).sort()).toEqual(SYMBOLS.filter((x) => x !== lock.failedKey));
});
