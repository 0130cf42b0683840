/**
 * A state store in one PostgreSQL table: one row per key, compare-and-set as one conditional
 * statement.
 */
import { CorruptStateError, CycleEngineError, InvalidOptionsError, type WriteUnknownError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import { assertStoredValue, explainInvalidStoredValue } from '../../ports/record';
import type { StateStore, StoredRecord, StoredValue, VersionedRecord } from '../../ports/state-store';
import { redactThrown } from '../../redact';
import { checkPool, ensureSchema, pgSecrets, quoteTable, toSafeInt, unknownWrite, type PgQueryable } from './sql';

/**
 * Options of {@link PostgresStateStore}.
 * @public
 */
export interface PostgresStateStoreOptions {
  /** A `pg.Pool` you create and end yourself (a connected `pg.Client` works too). */
  readonly pool: PgQueryable;
  /** Table name, `name` or `schema.name` (default `cycle_engine_state`). */
  readonly table?: string | undefined;
  /**
   * Create the table if it is missing, on first use (default `true`). Set `false` where the
   * application may not run DDL, and create it by hand with {@link PostgresStateStore.createTableSql}.
   */
  readonly createTable?: boolean | undefined;
}

interface Row {
  key?: string;
  version: string | number;
  record: string;
}

/**
 * A {@link StateStore} in PostgreSQL, for engines on several hosts sharing cycles.
 *
 * One row per key: `(key text primary key, version bigint, record jsonb, updated_at timestamptz)`.
 * A compare-and-set is one statement — `INSERT … ON CONFLICT (key) DO NOTHING` to create,
 * `UPDATE … WHERE key = $1 AND version = $2` to replace — so of all writers that read a version
 * exactly one succeeds, whatever the isolation level. A write is durable when PostgreSQL commits it
 * (with the server's default `synchronous_commit = on`).
 *
 * A statement whose result never arrives (dropped connection, server restart, statement timeout) is
 * an unknown write: `compareAndSet` rejects with a {@link "cycle-engine".WriteUnknownError} saying so — never
 * `null` — and the engine re-reads before deciding again.
 *
 * Records are stored as JSONB: decimal amounts are strings and round-trip digit for digit; JSONB
 * does not keep key order, which nothing depends on. Rows that do not validate raise
 * {@link "cycle-engine".CorruptStateError} with the location `postgres:<table>/<key>`.
 *
 * The pool is yours: `close()` does not end it.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = new PostgresStateStore({ pool, table: 'dca_cycles' });
 * ```
 * @public
 */
export class PostgresStateStore implements StateStore {
  /** The quoted table name used in SQL. */
  readonly table: string;
  readonly #pool: PgQueryable;
  readonly #createTable: boolean;
  readonly #name: string;

  /**
   * @param options - the pool, the table name and whether to create the table
   * @throws {@link "cycle-engine".InvalidOptionsError} for a missing pool, an invalid table name or an unknown key
   */
  constructor(options: PostgresStateStoreOptions) {
    checkKnownOptions(options, { pool: true, table: true, createTable: true } satisfies Record<keyof PostgresStateStoreOptions, true>);
    this.#pool = checkPool(options?.pool);
    this.#name = options.table ?? 'cycle_engine_state';
    this.table = quoteTable('table', this.#name);
    this.#createTable = options.createTable ?? true;
  }

  /**
   * The `CREATE TABLE` statement of a store table, for creating it by hand.
   * @param table - the table name (default `cycle_engine_state`)
   */
  static createTableSql(table = 'cycle_engine_state'): string {
    const t = quoteTable('table', table);
    return `CREATE TABLE IF NOT EXISTS ${t} (
  key        text COLLATE "C" PRIMARY KEY,
  version    bigint      NOT NULL CHECK (version > 0),
  record     jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;
  }

  /**
   * The record under `key` and its version, or `undefined` when there is none (the `StateStore` port).
   * @throws {@link "cycle-engine".CorruptStateError} when the row does not hold a valid cycle or portfolio record
   */
  get(key: string): Promise<VersionedRecord | undefined> {
    return this.#redacting('get', () => this.#get(key));
  }

  async #get(key: string): Promise<VersionedRecord | undefined> {
    checkKey(key);
    await this.#ready();
    const { rows } = await this.#pool.query(`SELECT version::text AS version, record::text AS record FROM ${this.table} WHERE key = $1`, [key]);
    const row = rows[0] as Row | undefined;
    return row === undefined ? undefined : this.#parse(key, row);
  }

  /**
   * Writes `value` if the stored version is `expectedVersion` (`null`: only if the key is absent); resolves the new version, or `null` when nothing was written (the `StateStore` port).
   * @throws {@link "cycle-engine".WriteUnknownError} when the result of the write is unknown (it may have been
   *   applied: re-read)
   * @throws {@link "cycle-engine".CycleEngineError} when `value` is not a valid cycle or portfolio record
   */
  compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    return this.#redacting('compareAndSet', () => this.#compareAndSet(key, expectedVersion, value));
  }

  async #compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    checkKey(key);
    const invalid = explainInvalidStoredValue(value);
    if (invalid !== undefined) throw new CycleEngineError(`Refusing to write an invalid record for \`${key}\`: ${invalid}`);
    if (expectedVersion !== null && !(Number.isSafeInteger(expectedVersion) && expectedVersion > 0)) return null;
    await this.#ready();
    const json = JSON.stringify(value);
    let rows: unknown[];
    try {
      ({ rows } =
        expectedVersion === null
          ? await this.#pool.query(
              `INSERT INTO ${this.table} (key, version, record, updated_at) VALUES ($1, 1, $2::jsonb, now()) ON CONFLICT (key) DO NOTHING RETURNING version::text AS version`,
              [key, json],
            )
          : await this.#pool.query(
              `UPDATE ${this.table} SET version = version + 1, record = $3::jsonb, updated_at = now() WHERE key = $1 AND version = $2 RETURNING version::text AS version`,
              [key, String(expectedVersion), json],
            ));
    } catch (error) {
      if (isRefusedBeforeWriting(error)) throw error;
      throw unknownWrite(key, `compareAndSet of \`${key}\` in ${this.table}`, error);
    }
    const row = rows[0] as Row | undefined;
    if (row === undefined) return null;
    const version = toSafeInt(row.version);
    if (version === undefined) throw unknownWrite(key, `compareAndSet of \`${key}\` in ${this.table}`, new Error(`unexpected version ${String(row.version)}`));
    return version;
  }

  /**
   * Every record in the store (the `StateStore` port).
   * @throws {@link "cycle-engine".CorruptStateError} when a row does not hold a valid cycle or portfolio record
   */
  list(): Promise<StoredRecord[]> {
    return this.#redacting('list', () => this.#list());
  }

  async #list(): Promise<StoredRecord[]> {
    await this.#ready();
    const { rows } = await this.#pool.query(`SELECT key, version::text AS version, record::text AS record FROM ${this.table} ORDER BY key`);
    return (rows as Row[]).map((row) => ({ key: row.key!, ...this.#parse(row.key!, row) }));
  }

  /** Does nothing: the pool is the caller's to end. */
  async close(): Promise<void> {}

  /** Errors leave with the pool's password redacted and the driver's error replaced by a clean copy. */
  #redacting<T>(method: string, run: () => Promise<T>): Promise<T> {
    return redactThrown(run, () => pgSecrets(this.#pool), `PostgresStateStore.${method}`);
  }

  #ready(): Promise<void> {
    return this.#createTable ? ensureSchema(this.#pool, [PostgresStateStore.createTableSql(this.#name)]) : Promise.resolve();
  }

  #parse(key: string, row: Row): VersionedRecord {
    const location = `postgres:${this.#name}/${key}`;
    const version = toSafeInt(row.version);
    if (version === undefined || version < 1) throw new CorruptStateError(key, `invalid version ${String(row.version)}`, { location });
    let value: unknown;
    try {
      value = JSON.parse(row.record);
    } catch (error) {
      throw new CorruptStateError(key, 'the record is not JSON', { location, cause: error });
    }
    assertStoredValue(key, value, location);
    return { version, value };
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidOptionsError('key', 'expected a non-empty string');
}

/**
 * Errors the server raised for the statement itself (SQLSTATE classes 22 data, 23 constraint,
 * 42 syntax or access): the statement was refused, nothing was written. Anything else — no
 * SQLSTATE (a socket error), 57 (admin shutdown, cancel, statement timeout), 08 (connection),
 * 40 (rollback) — leaves the result unknown.
 */
function isRefusedBeforeWriting(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|42)/.test(code);
}
