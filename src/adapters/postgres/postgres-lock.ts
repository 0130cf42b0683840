/**
 * A per-key lease lock in one PostgreSQL table, timed by the server's clock, with fencing tokens
 * that only grow. No session-level advisory locks: a lease does not depend on a connection.
 */
import { randomBytes } from 'node:crypto';
import { InvalidOptionsError, LockNotHeldError, type WriteUnknownError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import type { Lock, LockAcquireOptions, LockLease } from '../../ports/lock';
import { redactThrown } from '../../redact';
import { checkPool, ensureSchema, pgSecrets, quoteTable, toSafeInt, unknownWrite, type PgQueryable } from './sql';
import { pollUntil } from '../poll';

/**
 * Options of {@link PostgresLock}.
 * @public
 */
export interface PostgresLockOptions {
  /** A `pg.Pool` you create and end yourself (a connected `pg.Client` works too). */
  readonly pool: PgQueryable;
  /** Table of the leases, `name` or `schema.name` (default `cycle_engine_locks`). */
  readonly table?: string | undefined;
  /** Create the table if it is missing (default `true`); see {@link PostgresLock.createTableSql}. */
  readonly createTable?: boolean | undefined;
  /** Default lease length (default 10,000 ms). */
  readonly ttlMs?: number | undefined;
  /** Default wait for a held key (default 0: try once). */
  readonly waitMs?: number | undefined;
}

interface LeaseRow {
  token: string;
  expires_ms: string;
}

/**
 * A {@link Lock} in PostgreSQL, for engines on several hosts.
 *
 * One row per key: `(key, holder, token, expires_at)`. Taking a key is one statement —
 * `INSERT … ON CONFLICT (key) DO UPDATE … WHERE expires_at <= now()` — that succeeds only when
 * the key is free or its lease has lapsed, and raises the key's fencing token by one (rows are
 * never deleted, so tokens only grow). Releasing is `UPDATE … WHERE key = $1 AND holder = $2`;
 * no row means the lease lapsed and was taken: {@link "cycle-engine".LockNotHeldError}.
 *
 * Leases are timed by the database server's clock (`now() + ttl`), not by the clients': hosts with
 * skewed clocks still agree on who holds a key. `expiresAt` is the server's expiry in Unix ms; on a
 * client whose clock differs from the server's it is off by that difference.
 *
 * Waiting (`waitMs`) polls with a backoff from 5 to 100 ms.
 *
 * @example
 * ```ts
 * const lock = new PostgresLock({ pool, ttlMs: 5_000 });
 * ```
 * @public
 */
export class PostgresLock implements Lock {
  /** The quoted table name used in SQL. */
  readonly table: string;
  readonly #pool: PgQueryable;
  readonly #name: string;
  readonly #createTable: boolean;
  readonly #ttlMs: number;
  readonly #waitMs: number;

  /**
   * @param options - the pool, the table and default lease and wait lengths
   * @throws {@link "cycle-engine".InvalidOptionsError} for a missing pool, an invalid table name, negative times or an unknown key
   */
  constructor(options: PostgresLockOptions) {
    checkKnownOptions(options, { pool: true, table: true, createTable: true, ttlMs: true, waitMs: true } satisfies Record<keyof PostgresLockOptions, true>);
    this.#pool = checkPool(options?.pool);
    this.#name = options.table ?? 'cycle_engine_locks';
    this.table = quoteTable('table', this.#name);
    this.#createTable = options.createTable ?? true;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#waitMs = options.waitMs ?? 0;
    if (!(this.#ttlMs > 0)) throw new InvalidOptionsError('ttlMs', 'expected a number of ms above 0');
    if (!(this.#waitMs >= 0)) throw new InvalidOptionsError('waitMs', 'expected a number of ms ≥ 0');
  }

  /**
   * The `CREATE TABLE` statement of a lock table, for creating it by hand.
   * @param table - the table name (default `cycle_engine_locks`)
   */
  static createTableSql(table = 'cycle_engine_locks'): string {
    const t = quoteTable('table', table);
    return `CREATE TABLE IF NOT EXISTS ${t} (
  key        text COLLATE "C" PRIMARY KEY,
  holder     text        NOT NULL,
  token      bigint      NOT NULL,
  expires_at timestamptz NOT NULL
)`;
  }

  /**
   * Takes the key, or resolves `null` when it stays held by someone else for `waitMs` (the `Lock` port).
   * @throws {@link "cycle-engine".WriteUnknownError} when the result of a take is unknown (the lease, if it was
   * granted, lapses by itself)
   */
  acquire(key: string, options: LockAcquireOptions = {}): Promise<LockLease | null> {
    const secrets = () => pgSecrets(this.#pool);
    return redactThrown(async () => {
      const lease = await this.#acquire(key, options);
      // The lease's release() leaves errors redacted too.
      return lease && { ...lease, release: () => redactThrown(() => lease.release(), secrets, 'PostgresLock.release') };
    }, secrets, 'PostgresLock.acquire');
  }

  async #acquire(key: string, options: LockAcquireOptions): Promise<LockLease | null> {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidOptionsError('key', 'expected a non-empty string');
    const ttlMs = options.ttlMs ?? this.#ttlMs;
    if (!(ttlMs > 0)) throw new InvalidOptionsError('ttlMs', 'expected a number of ms above 0');
    const waitMs = options.waitMs ?? this.#waitMs;
    if (this.#createTable) await ensureSchema(this.#pool, [PostgresLock.createTableSql(this.#name)]);
    return pollUntil(waitMs, () => this.#tryTake(key, Math.ceil(ttlMs)));
  }

  /** Does nothing: the pool is the caller's to end. */
  async close(): Promise<void> {}

  async #tryTake(key: string, ttlMs: number): Promise<LockLease | null> {
    const holder = randomBytes(16).toString('hex');
    let rows: unknown[];
    try {
      ({ rows } = await this.#pool.query(
        `INSERT INTO ${this.table} AS l (key, holder, token, expires_at)
         VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, token = l.token + 1, expires_at = EXCLUDED.expires_at
         WHERE l.expires_at <= now()
         RETURNING l.token::text AS token, floor(extract(epoch FROM l.expires_at) * 1000)::bigint::text AS expires_ms`,
        [key, holder, String(ttlMs)],
      ));
    } catch (error) {
      throw unknownWrite(key, `acquire of lock \`${key}\` in ${this.table}`, error);
    }
    const row = rows[0] as LeaseRow | undefined;
    if (row === undefined) return null;
    const token = toSafeInt(row.token)!;
    const expiresAt = toSafeInt(row.expires_ms)!;
    let released = false;
    return {
      key,
      token,
      expiresAt,
      release: async () => {
        if (released) throw new LockNotHeldError(key, `lease ${token} was already released`);
        released = true;
        let result: { rowCount: number | null };
        try {
          result = await this.#pool.query(
            `UPDATE ${this.table} SET holder = '', expires_at = '-infinity' WHERE key = $1 AND holder = $2`,
            [key, holder],
          );
        } catch (error) {
          throw unknownWrite(key, `release of lock \`${key}\` (lease ${token})`, error);
        }
        if (result.rowCount !== 1) throw new LockNotHeldError(key, `lease ${token} lapsed and was taken over`);
      },
    };
  }
}
