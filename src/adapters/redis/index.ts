/**
 * cycle-engine/redis: a `StateStore` and a `Lock` in Redis, for engines on several hosts. Both take
 * an ioredis client you create (ioredis is an optional peer dependency, loaded by you, never by
 * this package):
 *
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLock } from 'cycle-engine/redis';
 * const lock = new RedisLock({ client: new Redis(process.env.REDIS_URL!) });
 * ```
 *
 * A Redis without AOF loses the latest writes when it restarts: for money, keep the state in
 * PostgreSQL and use Redis only for the lock, or run Redis with AOF (docs/deployment.md).
 *
 * @packageDocumentation
 * @module cycle-engine/redis
 */
export { RedisStateStore } from './redis-state-store';
export type { RedisStateStoreOptions } from './redis-state-store';
export { RedisLock } from './redis-lock';
export type { RedisLockOptions } from './redis-lock';
