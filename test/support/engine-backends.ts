/**
 * The store and lock of an engine child process (./engine-process.ts), by kind: `file` (a
 * FileStateStore + FileLock directory), `postgres` or `redis` (tables / key prefixes on the services
 * at 127.0.0.1). Both are wrapped to count what happens to their writes and lock takes, and — with
 * `pauseWhen` — to pause the process once, right after a tick transition took a key's lease and
 * read its record:
 *
 * `pauseWhen: 'idle' | 'active'`: the first time a tick transition reads a record right after
 * taking that key's lease (the read the engine decides on), and the record is idle (or absent) /
 * active with no order, the process prints `holding <key> <version> <lease taken at> <now>` (Unix
 * ms) and waits for a `continue` line before handing the read to the engine. The parent SIGSTOPs it
 * there; after SIGCONT and `continue` the engine writes against the version it read.
 *
 * `dieAfterReserve: n`: the n-th compare-and-set of the portfolio record that lands a reservation
 * the version it replaced (as read here) did not have (a start's, a rebuy's) SIGKILLs the process at once —
 * between the reservation and the cycle write it was taken for, the crash the portfolio sweep is
 * for.
 *
 * pg and ioredis are loaded only for the kinds that need them, so that a bundled child on files
 * runs without them.
 */
import path from 'node:path';
import { FileLock, FileStateStore, type Lock, type LockAcquireOptions, type LockLease, type StateStore, type StoredValue, isPortfolioRecord } from 'cycle-engine';
import { asV2 } from './records';
import { POSTGRES_URL, REDIS_URL } from './service-urls';

export type BackendKind = 'file' | 'postgres' | 'redis';

export interface BackendOptions {
  readonly store: BackendKind;
  readonly lock: BackendKind;
  /** `file`: the directory (`state/` and `locks/` below it). */
  readonly dir?: string;
  /** `postgres` / `redis`: table or key prefix of the store, and of the lock. */
  readonly storeAt?: string;
  readonly lockAt?: string;
  /** The pg pool's `application_name` and the Redis client's name, so a test can kill only this process's connections. */
  readonly appName?: string;
  readonly pauseWhen?: 'idle' | 'active';
  /** See the file comment. */
  readonly dieAfterReserve?: number;
  /** Waits for a line on stdin (the `continue` of a pause). */
  readonly waitLine: (line: string) => Promise<void>;
}

export interface BackendCounters {
  /** compareAndSet calls that resolved a version / null (refused: stale version) / rejected (unknown or error). */
  cas: { written: number; refused: number; failed: number };
  /** compareAndSet refusals that came after the pause (the stale writer's). */
  refusedAfterPause: number;
  paused: boolean;
  /** Lock takes that found the key held by someone else. */
  lockBusy: number;
  poolErrors: number;
  redisErrors: number;
}

export interface Backends {
  readonly store: StateStore;
  readonly lock: Lock;
  readonly counters: BackendCounters;
  /** Ends the connections. */
  close(): Promise<void>;
}

export async function openBackends(o: BackendOptions): Promise<Backends> {
  const counters: BackendCounters = { cas: { written: 0, refused: 0, failed: 0 }, refusedAfterPause: 0, paused: false, lockBusy: 0, poolErrors: 0, redisErrors: 0 };
  const kinds = [o.store, o.lock];
  const pg = kinds.includes('postgres') ? (await import('pg')).default : undefined;
  const pool = pg ? new pg.Pool({ connectionString: POSTGRES_URL, max: 4, ...(o.appName ? { application_name: o.appName } : {}) }) : undefined;
  pool?.on('error', () => counters.poolErrors++); // an idle client killed by the test
  const { Redis } = kinds.includes('redis') ? await import('ioredis') : { Redis: undefined };
  const redis = Redis ? new Redis(REDIS_URL, o.appName ? { connectionName: o.appName } : {}) : undefined;
  redis?.on('error', () => counters.redisErrors++);

  const at = (which: 'store' | 'lock'): string => {
    const value = which === 'store' ? o.storeAt : o.lockAt;
    if (!value) throw new Error(`--${which}-at is needed for a ${o[which]} ${which}`);
    return value;
  };
  let innerStore: StateStore;
  if (o.store === 'file') innerStore = new FileStateStore({ dir: path.join(o.dir!, 'state') });
  else if (o.store === 'postgres') innerStore = new (await import('cycle-engine/postgres')).PostgresStateStore({ pool: pool!, table: at('store') });
  else innerStore = new (await import('cycle-engine/redis')).RedisStateStore({ client: redis!, prefix: at('store') });
  let innerLock: Lock;
  if (o.lock === 'file') innerLock = new FileLock({ dir: path.join(o.dir!, 'locks') });
  else if (o.lock === 'postgres') innerLock = new (await import('cycle-engine/postgres')).PostgresLock({ pool: pool!, table: at('lock') });
  else innerLock = new (await import('cycle-engine/redis')).RedisLock({ client: redis!, prefix: at('lock') });

  /**
   * Keys whose lease a tick transition just took (a take with `waitMs: 0`; workers writing an
   * outcome wait) and whose next read is the transition's read under that lease. Disarmed by that
   * read or by the release, so a read without the lease never pauses.
   */
  const armed = new Map<string, number>();
  const lock: Lock = {
    async acquire(key: string, options?: LockAcquireOptions): Promise<LockLease | null> {
      const lease = await innerLock.acquire(key, options);
      if (lease === null) {
        counters.lockBusy++;
        return null;
      }
      if (!options?.waitMs) armed.set(key, Date.now());
      return {
        key: lease.key,
        token: lease.token,
        expiresAt: lease.expiresAt,
        release: async () => {
          armed.delete(key);
          await lease.release();
        },
      };
    },
  };
  const pausesHere = (stored: StoredValue | undefined): boolean => {
    if (isPortfolioRecord(stored)) return false;
    const value = asV2(stored);
    if (o.pauseWhen === 'idle') return value === undefined || (value.phase === 'idle' && value.orders.length === 0);
    if (o.pauseWhen === 'active') return value !== undefined && value.phase === 'active' && value.orders.length === 0;
    return false;
  };
  /** The reservations of each version of the portfolio record read, as `key intentId quote` strings. */
  const portfolioSeen = new Map<number, Set<string>>();
  let reserves = 0;
  const reservationsOf = (value: StoredValue | undefined): string[] => (isPortfolioRecord(value) ? value.reservations.map((r) => `${r.key} ${r.intentId} ${r.quote}`) : []);
  const store: StateStore = {
    async get(key) {
      const tookAt = armed.get(key);
      armed.delete(key);
      const snap = await innerStore.get(key);
      if (o.dieAfterReserve !== undefined && snap !== undefined && isPortfolioRecord(snap.value)) {
        if (portfolioSeen.size > 1_000) portfolioSeen.clear();
        portfolioSeen.set(snap.version, new Set(reservationsOf(snap.value)));
      }
      if (o.pauseWhen && !counters.paused && tookAt !== undefined && pausesHere(snap?.value)) {
        counters.paused = true;
        process.stdout.write(`holding ${key} ${snap?.version ?? 'none'} ${tookAt} ${Date.now()}\n`);
        await o.waitLine('continue');
      }
      return snap;
    },
    async compareAndSet(key, expectedVersion, value) {
      try {
        const version = await innerStore.compareAndSet(key, expectedVersion, value);
        if (version !== null && o.dieAfterReserve !== undefined && isPortfolioRecord(value)) {
          const before = expectedVersion === null ? new Set<string>() : portfolioSeen.get(expectedVersion);
          if (before !== undefined && reservationsOf(value).some((r) => !before.has(r)) && ++reserves === o.dieAfterReserve) process.kill(process.pid, 'SIGKILL');
        }
        if (version === null) {
          counters.cas.refused++;
          if (counters.paused) counters.refusedAfterPause++;
        } else counters.cas.written++;
        return version;
      } catch (error) {
        counters.cas.failed++;
        throw error;
      }
    },
    list: () => innerStore.list(),
  };
  return {
    store,
    lock,
    counters,
    async close() {
      await pool?.end();
      await redis?.quit();
    },
  };
}
