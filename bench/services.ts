/**
 * f. Transition cost on the server adapters, on loopback: lock + read + compare-and-set write +
 * release (PostgresLock + PostgresStateStore over one pg Pool; RedisLock + RedisStateStore over one
 * ioredis client), each beside a bare round trip on the same connection(s) — `SELECT 1`, `PING` —
 * measured in the same run, interleaved so that machine noise hits both alike. A transition is
 * four round trips (acquire, get, compare-and-set, release), so about 4× a bare one is the floor;
 * on PostgreSQL three of them are committed writes, each waiting for its WAL flush.
 *
 * A server that does not answer is skipped with a printed note (and an n/a row). Each run creates
 * its own tables / key prefix and removes them afterwards.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { CycleRecord, Lock, StateStore } from 'cycle-engine';
import { PostgresLock, PostgresStateStore } from '../src/adapters/postgres/index';
import { RedisLock, RedisStateStore } from '../src/adapters/redis/index';
import { assertCycleRecord, emptyRecord } from '../src/ports/record';
import { upgradeCycleRecord } from '../src/ports/record-v1';
import { percentile, type Row } from './stats';

const POSTGRES_URL = process.env.CYCLE_ENGINE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.CYCLE_ENGINE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SAMPLES = 400;
const WARMUP = 30;
const KEYS = Array.from({ length: 10 }, (_, i) => `B${String(i).padStart(2, '0')}/USDT`);
const RUN = `${process.pid}_${Date.now().toString(36)}`;

async function transition(store: StateStore, lock: Lock, key: string, i: number): Promise<void> {
  const lease = await lock.acquire(key, { ttlMs: 5_000 });
  if (lease === null) throw new Error('lock busy in the bench');
  const snap = await store.get(key);
  const stored = snap?.value;
  if (stored !== undefined) assertCycleRecord(key, stored);
  const next: CycleRecord = { ...(stored === undefined ? emptyRecord(key, i) : upgradeCycleRecord(stored)), updatedAt: i };
  if ((await store.compareAndSet(key, snap?.version ?? null, next)) === null) throw new Error('conflict in the bench');
  await lease.release();
}

/** Transition and bare round-trip samples, interleaved. */
async function measure(store: StateStore, lock: Lock, bare: () => Promise<unknown>): Promise<{ transition: number[]; bare: number[] }> {
  const t: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < SAMPLES + WARMUP; i++) {
    const key = KEYS[i % KEYS.length] as string;
    let t0 = performance.now();
    await transition(store, lock, key, i + 1);
    const tt = performance.now() - t0;
    t0 = performance.now();
    await bare();
    const bt = performance.now() - t0;
    if (i >= WARMUP) {
      t.push(tt);
      b.push(bt);
    }
  }
  return { transition: t, bare: b };
}

function rowsOf(label: string, bareName: string, m: { transition: number[]; bare: number[] }, how: string): Row[] {
  const t50 = percentile(m.transition, 50);
  const b50 = percentile(m.bare, 50);
  return [
    { name: `f. ${label} transition p50`, value: t50, unit: 'ms', target: null, note: `lock + read + CAS + release on 10 keys, ${SAMPLES} samples; ${how}` },
    { name: `f. ${label} transition p99`, value: percentile(m.transition, 99), unit: 'ms', target: null, note: `max ${percentile(m.transition, 100).toFixed(3)} ms` },
    { name: `f. ${label} bare ${bareName} p50 (same run)`, value: b50, unit: 'ms', target: null, note: 'interleaved with the transitions' },
    { name: `f. ${label} bare ${bareName} p99 (same run)`, value: percentile(m.bare, 99), unit: 'ms', target: null },
    { name: `f. ${label} transition / ${bareName}`, value: t50 / b50, unit: '×', target: null, note: `ratio of the p50s; a transition is 4 round trips${label === 'PostgreSQL' ? ', 3 of them committed writes (WAL flush each)' : ''}` },
  ];
}

function skipped(label: string, url: string, error: unknown, log: (line: string) => void): Row[] {
  const where = new URL(url);
  const why = `${label} not reachable at ${where.hostname}:${where.port} (${(error as Error)?.message ?? String(error)})`;
  log(`f. SKIPPED: ${why}`);
  console.log(`note: section f (${label}) skipped: ${why}`);
  return [{ name: `f. ${label} transition p50`, value: Number.NaN, unit: 'ms', target: null, note: 'skipped: server unreachable' }];
}

async function postgresRows(log: (line: string) => void): Promise<Row[]> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, connectionTimeoutMillis: 2_000 });
  pool.on('error', () => {});
  try {
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      return skipped('PostgreSQL', POSTGRES_URL, error, log);
    }
    log('f. PostgreSQL transition (PostgresLock + PostgresStateStore) beside SELECT 1');
    const stateTable = `ce_bench_state_${RUN}`;
    const lockTable = `ce_bench_locks_${RUN}`;
    try {
      const store = new PostgresStateStore({ pool, table: stateTable });
      const lock = new PostgresLock({ pool, table: lockTable });
      const m = await measure(store, lock, () => pool.query('SELECT 1'));
      return rowsOf('PostgreSQL', 'SELECT 1', m, 'one pg Pool (max 2) on loopback');
    } finally {
      await pool.query(`DROP TABLE IF EXISTS "${stateTable}"`);
      await pool.query(`DROP TABLE IF EXISTS "${lockTable}"`);
    }
  } finally {
    await pool.end();
  }
}

async function redisRows(log: (line: string) => void): Promise<Row[]> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      return skipped('Redis', REDIS_URL, error, log);
    }
    log('f. Redis transition (RedisLock + RedisStateStore) beside PING');
    const prefix = `ce-bench:${RUN}:`;
    try {
      const store = new RedisStateStore({ client, prefix: `${prefix}state:` });
      const lock = new RedisLock({ client, prefix: `${prefix}lock:` });
      const m = await measure(store, lock, () => client.ping());
      return rowsOf('Redis', 'PING', m, 'one ioredis client on loopback');
    } finally {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await client.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

/** The rows of section f. */
export async function serviceRows(log: (line: string) => void): Promise<Row[]> {
  return [...(await postgresRows(log)), ...(await redisRows(log))];
}
