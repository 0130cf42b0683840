/**
 * Where the test PostgreSQL and Redis are (no vitest import: child processes load this too).
 */

/** Connection string of the test database. */
export const POSTGRES_URL = process.env.CYCLE_ENGINE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** URL of the test Redis. */
export const REDIS_URL = process.env.CYCLE_ENGINE_REDIS_URL ?? 'redis://127.0.0.1:6379';
