/**
 * cycle-engine/postgres: a `StateStore` and a `Lock` in PostgreSQL, for engines on
 * several hosts sharing cycles. Both take a `pg` Pool you create (pg is an optional peer
 * dependency, loaded by you, never by this package):
 *
 * ```ts
 * import pg from 'pg';
 * import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = new PostgresStateStore({ pool });
 * const lock = new PostgresLock({ pool });
 * ```
 *
 * @packageDocumentation
 * @module cycle-engine/postgres
 */
export { PostgresStateStore } from './postgres-state-store';
export type { PostgresStateStoreOptions } from './postgres-state-store';
export { PostgresLock } from './postgres-lock';
export type { PostgresLockOptions } from './postgres-lock';
export type { PgQueryable } from './sql';
