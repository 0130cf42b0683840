/**
 * Helpers shared by the PostgreSQL adapters: the client shape they need, identifier checks, DDL
 * that tolerates a concurrent creator, and the unknown-write error.
 */
import { CycleEngineError, InvalidOptionsError, WriteUnknownError } from '../../errors';
import { secretsOf } from '../../redact';

/**
 * What the PostgreSQL adapters need from `pg`: its `query(text, values)` method. A `pg.Pool` (the
 * intended argument) or a connected `pg.Client` fits; the adapters never end it.
 * @public
 */
export interface PgQueryable {
  /** Runs one parameterised statement, as `pg.Pool#query` does. */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Validates a table name (`name` or `schema.name`, letters, digits and `_`) and returns it
 * double-quoted for SQL.
 * @internal
 */
export function quoteTable(option: string, name: unknown): string {
  if (typeof name !== 'string') throw new InvalidOptionsError(option, 'expected a table name');
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new InvalidOptionsError(option, `expected \`name\` or \`schema.name\` of letters, digits and _ (at most 63 each), got ${JSON.stringify(name)}`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}

/** Checks that `pool` looks like a pg Pool. @internal */
export function checkPool(pool: unknown): PgQueryable {
  if (typeof (pool as PgQueryable | undefined)?.query !== 'function') throw new InvalidOptionsError('pool', 'expected a pg Pool (or Client)');
  return pool as PgQueryable;
}

/**
 * The credentials a pg pool or client holds (password, connection string's password, and
 * `PGPASSWORD`), for redacting errors (issue 14).
 * @internal
 */
export function pgSecrets(pool: PgQueryable): string[] {
  const fields = ['options.password', 'options.connectionString', 'password', 'connectionString', 'connectionParameters.password'];
  const env = process.env.PGPASSWORD;
  return [...secretsOf(pool, fields), ...(env ? [env] : [])];
}

/** SQLSTATEs of a concurrent `CREATE … IF NOT EXISTS` that lost the race. */
const CREATE_RACE = new Set(['23505', '42P07', '42710']);

/**
 * Runs idempotent DDL once per pool and statement, retrying once when another process created the
 * same object at the same instant (PostgreSQL's `IF NOT EXISTS` is not race-free).
 * @internal
 */
export function ensureSchema(pool: PgQueryable, statements: readonly string[]): Promise<void> {
  let done = created.get(pool);
  if (done === undefined) created.set(pool, (done = new Map()));
  const id = statements.join(';\n');
  let pending = done.get(id);
  if (pending === undefined) {
    pending = (async () => {
      for (const sql of statements) {
        try {
          await pool.query(sql);
        } catch (error) {
          if (!CREATE_RACE.has(String((error as { code?: unknown }).code))) throw error;
          await pool.query(sql);
        }
      }
    })();
    done.set(id, pending);
    pending.catch(() => done!.delete(id));
  }
  return pending;
}
const created = new WeakMap<PgQueryable, Map<string, Promise<void>>>();

/**
 * The error of a write whose result is unknown (the connection dropped, the server restarted or a
 * timeout hit while the statement was in flight): it may or may not have been applied, so the
 * caller must re-read before deciding anything. One typed error for every adapter: {@link WriteUnknownError}.
 * @internal
 */
export function unknownWrite(key: string, what: string, cause: unknown): WriteUnknownError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new WriteUnknownError(key, `${what}: the result is unknown (${reason}); it may or may not have been applied, re-read before deciding`, { cause });
}

/** Parses a bigint column sent as text; undefined when it is not a safe integer. @internal */
export function toSafeInt(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}
