/**
 * PostgreSQL and Redis for the adapter tests. Each check runs once per test file: a reachable
 * server gives a describe block with a pool or client, unique table names or key prefixes, and
 * cleanup; an unreachable one skips the block with a loud warning — or, with
 * CYCLE_ENGINE_REQUIRE_SERVICES=1 (as in CI), fails the file instead.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { POSTGRES_URL, REDIS_URL } from './service-urls';

export { POSTGRES_URL, REDIS_URL };
const REQUIRED = process.env.CYCLE_ENGINE_REQUIRE_SERVICES === '1';
const CONNECT_TIMEOUT_MS = 2_000;

/** Unique to this test file's run: parallel runs never share a table or a key. */
export const RUN_ID = `${process.pid}_${randomBytes(4).toString('hex')}`;

/** What a PostgreSQL test block gets. */
export interface PostgresContext {
  readonly pool: pg.Pool;
  /** A table name unique to this run, dropped after the block. */
  table(base: string): string;
}

/** What a Redis test block gets. */
export interface RedisContext {
  readonly client: Redis;
  /** A key prefix unique to this run; its keys are deleted after the block. */
  prefix(base: string): string;
}

function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}

function unreachable(what: string, url: string, name: string, error: unknown): void {
  const message = `${what} not reachable at ${where(url)} (${(error as Error)?.message ?? String(error)})`;
  if (REQUIRED) throw new Error(`${message}, and CYCLE_ENGINE_REQUIRE_SERVICES=1: failing instead of skipping ${name}`);
  console.warn(`\n*** ${message}: skipping ${name}. Set CYCLE_ENGINE_REQUIRE_SERVICES=1 to fail instead. ***\n`);
  // Skipped on purpose, and loudly (above): the server is unreachable and this run does not require it.
  describe.skip(name, () => it(`needs ${what}`, () => {}));
}

async function probePostgres(): Promise<unknown> {
  const probe = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error ?? new Error('unknown error');
  } finally {
    await probe.end().catch(() => {});
  }
}

async function probeRedis(): Promise<unknown> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error ?? new Error('unknown error');
  } finally {
    client.disconnect();
  }
}

function postgresContext(): { ctx: PostgresContext; cleanup(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // an idle client killed by a test must not crash the run
  const tables: string[] = [];
  const ctx: PostgresContext = {
    pool,
    table: (base) => {
      const table = `ce_test_${base}_${RUN_ID}`;
      tables.push(table);
      return table;
    },
  };
  return {
    ctx,
    cleanup: async () => {
      for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    },
  };
}

function redisContext(): { ctx: RedisContext; cleanup(): Promise<void> } {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  client.on('error', () => {});
  const prefixes: string[] = [];
  const ctx: RedisContext = {
    client,
    prefix: (base) => {
      const prefix = `ce-test:${base}:${RUN_ID}:`;
      prefixes.push(prefix);
      return prefix;
    },
  };
  return {
    ctx,
    cleanup: async () => {
      for (const prefix of prefixes) await deleteByPrefix(client, prefix);
      await client.quit();
    },
  };
}

/** Registers `body` in a describe block with a PostgreSQL pool, or skips it (see the file comment). */
export async function withPostgres(name: string, body: (ctx: PostgresContext) => void): Promise<void> {
  const down = await probePostgres();
  if (down !== undefined) return unreachable('PostgreSQL', POSTGRES_URL, name, down);
  const pg = postgresContext();
  describe(name, () => {
    afterAll(pg.cleanup);
    body(pg.ctx);
  });
}

/** Registers `body` in a describe block with a Redis client, or skips it (see the file comment). */
export async function withRedis(name: string, body: (ctx: RedisContext) => void): Promise<void> {
  const down = await probeRedis();
  if (down !== undefined) return unreachable('Redis', REDIS_URL, name, down);
  const redis = redisContext();
  describe(name, () => {
    afterAll(redis.cleanup);
    body(redis.ctx);
  });
}

/** Registers `body` in a describe block with both servers, or skips it (see the file comment). */
export async function withPostgresAndRedis(name: string, body: (pg: PostgresContext, redis: RedisContext) => void): Promise<void> {
  const [pgDown, redisDown] = await Promise.all([probePostgres(), probeRedis()]);
  if (pgDown !== undefined) return unreachable('PostgreSQL', POSTGRES_URL, name, pgDown);
  if (redisDown !== undefined) return unreachable('Redis', REDIS_URL, name, redisDown);
  const pg = postgresContext();
  const redis = redisContext();
  describe(name, () => {
    afterAll(async () => {
      await pg.cleanup();
      await redis.cleanup();
    });
    body(pg.ctx, redis.ctx);
  });
}

async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
