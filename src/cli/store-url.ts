/**
 * Opening a state store from a `--store` URL: `file:<dir>`, `postgres://…` (or `postgresql://`)
 * and `redis://…` (or `rediss://`). Read-only use: the PostgreSQL table is never created, and a
 * file store's directory must exist. A URL's password never appears in a message.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CycleEngineError, FileStateStore, InvalidOptionsError, type StateStore } from '../index';

/**
 * An open store and how to let go of it (ends the pool or the client the CLI made).
 * @internal
 */
export interface OpenedStore {
  readonly store: StateStore;
  /** Where it is, for people: the directory, or the server without credentials. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * Options of {@link openStore} beside the URL.
 * @internal
 */
export interface StoreUrlOptions {
  /** PostgreSQL table (default `cycle_engine_state`). */
  readonly table?: string | undefined;
  /** Redis key prefix (default `cycle-engine:state:`). */
  readonly prefix?: string | undefined;
}

/** `scheme://host:port/db` without user or password. */
function safeWhere(url: URL): string {
  return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname === '/' ? '' : url.pathname}`;
}

function fileDir(spec: string): string {
  const rest = spec.slice('file:'.length);
  const dir = rest.startsWith('//') ? fileURLToPath(spec) : rest;
  if (dir.length === 0) throw new InvalidOptionsError('--store', 'expected file:<directory>, e.g. file:./state');
  return path.resolve(dir);
}

async function optionalPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new CycleEngineError(`This store needs the \`${name}\` package: npm install ${name}`, { cause: error });
  }
}

/**
 * Opens the store a `--store` URL names.
 * @throws {@link InvalidOptionsError} for a URL of another kind, or a file store directory that does not exist
 * @throws {@link CycleEngineError} when the client package (pg, ioredis) is not installed
 * @internal
 */
export async function openStore(spec: string, options: StoreUrlOptions = {}): Promise<OpenedStore> {
  if (spec.startsWith('file:')) {
    const dir = fileDir(spec);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidOptionsError('--store', `no file store at ${dir} (not a directory)`);
    return { store: new FileStateStore({ dir }), where: dir, close: async () => {} };
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new InvalidOptionsError('--store', 'expected file:<dir>, postgres://… or redis://…');
  }
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') {
    const [{ PostgresStateStore }, pg] = await Promise.all([import('../adapters/postgres/index'), optionalPeer('pg', () => import('pg'))]);
    const Pool = (pg as unknown as { default?: typeof import('pg') }).default?.Pool ?? pg.Pool;
    const pool = new Pool({ connectionString: spec, max: 2, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {});
    const store = new PostgresStateStore({ pool, table: options.table, createTable: false });
    return { store, where: `${safeWhere(url)} table ${options.table ?? 'cycle_engine_state'}`, close: () => pool.end() };
  }
  if (url.protocol === 'redis:' || url.protocol === 'rediss:') {
    const [{ RedisStateStore }, ioredis] = await Promise.all([import('../adapters/redis/index'), optionalPeer('ioredis', () => import('ioredis'))]);
    const client = new ioredis.Redis(spec, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => {});
    await client.connect().catch((error: unknown) => {
      client.disconnect();
      throw new CycleEngineError(`Could not connect to Redis at ${safeWhere(url)}: ${(error as Error)?.message ?? String(error)}`);
    });
    const store = new RedisStateStore({ client, prefix: options.prefix });
    return { store, where: `${safeWhere(url)} prefix ${options.prefix ?? 'cycle-engine:state:'}`, close: async () => void (await client.quit().catch(() => client.disconnect())) };
  }
  throw new InvalidOptionsError('--store', `unsupported store ${JSON.stringify(url.protocol)}: expected file:<dir>, postgres://… or redis://…`);
}
