/**
 * A per-key lease lock in Redis: SET NX PX with a random token, a fencing token from a counter,
 * compare-and-delete release, each one server-side script.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InvalidOptionsError, LockNotHeldError, type WriteUnknownError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import type { Lock, LockAcquireOptions, LockLease } from '../../ports/lock';
import { redactThrown } from '../../redact';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT, checkClient, checkPrefix, redisSecrets, runScript, unknownWrite } from './scripts';
import { pollUntil } from '../poll';

/**
 * Options of {@link RedisLock}.
 * @public
 */
export interface RedisLockOptions {
  /** An ioredis client you create and close yourself (without ioredis' own `keyPrefix`). */
  readonly client: Redis;
  /** Start of the lock's Redis keys (default `cycle-engine:`): `<prefix>lock:<key>`, `<prefix>fence:<key>`. */
  readonly prefix?: string | undefined;
  /** Default lease length (default 10,000 ms). */
  readonly ttlMs?: number | undefined;
  /** Default wait for a held key (default 0: try once). */
  readonly waitMs?: number | undefined;
}

/**
 * A {@link Lock} in Redis (one server, or a primary with replicas; not Redis Cluster), for engines
 * on several hosts.
 *
 * Taking a key is one Lua script: `SET <prefix>lock:<key> <random token> NX PX <ttl>` and, if that
 * succeeded, `INCR <prefix>fence:<key>` for the fencing token. Releasing is a script that deletes
 * the key only if it still holds this lease's random token; otherwise it rejects with
 * {@link "cycle-engine".LockNotHeldError}. Leases are timed by the Redis server (`PX`); `expiresAt` is the
 * server's time plus the remaining lease, in Unix ms.
 *
 * Fencing tokens grow as long as Redis keeps the counter: a Redis without persistence that
 * restarts starts the counters again from 1. The engine's fence is the store's version, not this
 * token, so a Redis lock in front of a PostgreSQL store stays safe; see docs/deployment.md.
 *
 * Waiting (`waitMs`) polls with a backoff from 5 to 100 ms.
 *
 * @example
 * ```ts
 * const lock = new RedisLock({ client: new Redis(process.env.REDIS_URL!), ttlMs: 5_000 });
 * ```
 * @public
 */
export class RedisLock implements Lock {
  /** Start of the lock's Redis keys. */
  readonly prefix: string;
  readonly #client: Redis;
  readonly #ttlMs: number;
  readonly #waitMs: number;

  /**
   * @param options - the client, the key prefix and default lease and wait lengths
   * @throws {@link "cycle-engine".InvalidOptionsError} for a missing client, a client with `keyPrefix`, negative times or an unknown key
   */
  constructor(options: RedisLockOptions) {
    checkKnownOptions(options, { client: true, prefix: true, ttlMs: true, waitMs: true } satisfies Record<keyof RedisLockOptions, true>);
    this.#client = checkClient(options?.client);
    this.prefix = checkPrefix(options.prefix ?? 'cycle-engine:');
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#waitMs = options.waitMs ?? 0;
    if (!(this.#ttlMs > 0)) throw new InvalidOptionsError('ttlMs', 'expected a number of ms above 0');
    if (!(this.#waitMs >= 0)) throw new InvalidOptionsError('waitMs', 'expected a number of ms ≥ 0');
  }

  /**
   * Takes the key, or resolves `null` when it stays held by someone else for `waitMs` (the `Lock` port).
   * @throws {@link "cycle-engine".WriteUnknownError} when the result of a take is unknown (the lease, if it was
   * granted, lapses by itself)
   */
  acquire(key: string, options: LockAcquireOptions = {}): Promise<LockLease | null> {
    const secrets = () => redisSecrets(this.#client);
    return redactThrown(async () => {
      const lease = await this.#acquire(key, options);
      // The lease's release() leaves errors redacted too.
      return lease && { ...lease, release: () => redactThrown(() => lease.release(), secrets, 'RedisLock.release') };
    }, secrets, 'RedisLock.acquire');
  }

  async #acquire(key: string, options: LockAcquireOptions): Promise<LockLease | null> {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidOptionsError('key', 'expected a non-empty string');
    const ttlMs = Math.ceil(options.ttlMs ?? this.#ttlMs);
    if (!(ttlMs > 0)) throw new InvalidOptionsError('ttlMs', 'expected a number of ms above 0');
    return pollUntil(options.waitMs ?? this.#waitMs, () => this.#tryTake(key, ttlMs));
  }

  /** Does nothing: the client is the caller's to close. */
  async close(): Promise<void> {}

  async #tryTake(key: string, ttlMs: number): Promise<LockLease | null> {
    const lockKey = `${this.prefix}lock:${key}`;
    const holder = randomBytes(16).toString('hex');
    let reply: unknown;
    try {
      reply = await runScript(this.#client, ACQUIRE_SCRIPT, [lockKey, `${this.prefix}fence:${key}`], [holder, ttlMs]);
    } catch (error) {
      throw unknownWrite(key, `acquire of lock \`${key}\` at ${lockKey}`, error);
    }
    if (reply === null) return null;
    const [fence, pttl, seconds, micros] = (reply as unknown[]).map(Number) as [number, number, number, number];
    const token = fence;
    const expiresAt = Math.floor(seconds * 1000 + micros / 1000) + Math.max(0, pttl);
    let released = false;
    return {
      key,
      token,
      expiresAt,
      release: async () => {
        if (released) throw new LockNotHeldError(key, `lease ${token} was already released`);
        released = true;
        let done: unknown;
        try {
          done = await runScript(this.#client, RELEASE_SCRIPT, [lockKey], [holder]);
        } catch (error) {
          throw unknownWrite(key, `release of lock \`${key}\` (lease ${token})`, error);
        }
        if (done !== 1) throw new LockNotHeldError(key, `lease ${token} lapsed and was taken over`);
      },
    };
  }
}
