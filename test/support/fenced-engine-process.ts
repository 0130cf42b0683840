/**
 * One engine process of the fencing tests (paused lock holder, connections killed under load): a
 * CycleEngine on PostgreSQL or Redis adapters, trading against the fake exchange server, whose
 * store and lock are wrapped to count what happens to its writes.
 *
 *   node --import tsx test/support/fenced-engine-process.ts --store postgres|redis --lock postgres|redis \
 *     --store-at <table or prefix> --lock-at <table or prefix> --url http://127.0.0.1:P --symbols A/USDT,B/USDT \
 *     [--name p0] [--tick-ms 5] [--lock-ttl-ms 300] [--strategy '{…}'] [--app-name tag] [--pause-when idle|active] [--wait-go]
 *
 * Protocol: prints `ready`, (with --wait-go: waits for a `go` line,) starts the engine, runs until a `stop` line on stdin, then stops the
 * engine, waits (bounded) for every outcome to be persisted, and prints one JSON line of counters.
 *
 * --app-name: the pg pool's `application_name` and the Redis client's `CLIENT SETNAME`, so that the
 * test kills only this process's connections. Connection errors are counted, never fatal.
 *
 * --pause-when idle|active: the first time a tick transition of this process reads a record right
 * after taking that key's lease (the read the engine decides on), and the record is idle (or
 * absent) / active with no order, it prints `holding <key> <version> <lease taken at> <now>` (Unix
 * ms) and waits for a `continue` line before handing the read to the engine. The parent SIGSTOPs it
 * there; after SIGCONT and `continue` the engine writes against the version it read.
 */
import { asV2 } from './records';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CycleEngine, dca, type DcaOptions, type Lock, type LockAcquireOptions, type LockLease, type StateStore } from 'cycle-engine';
import type { CycleRecord, StoredCycleRecord } from 'cycle-engine';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
import { RedisLock, RedisStateStore } from 'cycle-engine/redis';
import { HttpExchange } from './http-exchange';
import { POSTGRES_URL, REDIS_URL } from './service-urls';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    lock: { type: 'string' },
    'store-at': { type: 'string' },
    'lock-at': { type: 'string' },
    url: { type: 'string' },
    symbols: { type: 'string' },
    name: { type: 'string' },
    'tick-ms': { type: 'string' },
    'lock-ttl-ms': { type: 'string' },
    strategy: { type: 'string' },
    'app-name': { type: 'string' },
    'pause-when': { type: 'string' },
    'wait-go': { type: 'boolean' },
  },
});
const { store: storeKind, lock: lockKind, url } = values;
const storeAt = values['store-at'];
const lockAt = values['lock-at'];
const symbols = (values.symbols ?? '').split(',').filter(Boolean);
if (!storeKind || !lockKind || !storeAt || !lockAt || !url || symbols.length === 0) {
  process.stderr.write('usage: fenced-engine-process --store postgres|redis --lock postgres|redis --store-at T --lock-at T --url U --symbols A/B,C/D\n');
  process.exit(2);
}
const pauseWhen = values['pause-when'] as 'idle' | 'active' | undefined;
const appName = values['app-name'];
const strategyOptions: DcaOptions = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1, ...(values.strategy ? JSON.parse(values.strategy) : {}) };

const counters = {
  name: values.name ?? `pid-${process.pid}`,
  ticks: 0,
  submitted: { start: 0, rebuy: 0, sell: 0 },
  filled: 0,
  unknown: 0,
  /** compareAndSet calls that resolved a version / null (refused: stale version) / rejected (unknown or error). */
  cas: { written: 0, refused: 0, failed: 0 },
  /** compareAndSet refusals that came after the pause (the stale writer's). */
  refusedAfterPause: 0,
  paused: false,
  /** Lock takes that found the key held by someone else. */
  lockBusy: 0,
  poolErrors: 0,
  redisErrors: 0,
  engineErrors: 0,
  lockNotHeld: 0,
  errorSamples: [] as string[],
};

const pool =
  storeKind === 'postgres' || lockKind === 'postgres'
    ? new pg.Pool({ connectionString: POSTGRES_URL, max: 4, ...(appName ? { application_name: appName } : {}) })
    : undefined;
pool?.on('error', () => counters.poolErrors++); // an idle client killed by the test
const redis = storeKind === 'redis' || lockKind === 'redis' ? new Redis(REDIS_URL, appName ? { connectionName: appName } : {}) : undefined;
redis?.on('error', () => counters.redisErrors++);

const innerStore: StateStore = storeKind === 'postgres' ? new PostgresStateStore({ pool: pool!, table: storeAt }) : new RedisStateStore({ client: redis!, prefix: storeAt });
const innerLock: Lock = lockKind === 'postgres' ? new PostgresLock({ pool: pool!, table: lockAt }) : new RedisLock({ client: redis!, prefix: lockAt });

const lines = readline.createInterface({ input: process.stdin });
const waitLine = (want: string) =>
  new Promise<void>((resolve) => {
    const onLine = (line: string) => {
      if (line.trim() !== want) return;
      lines.off('line', onLine);
      resolve();
    };
    lines.on('line', onLine);
  });

/**
 * Keys whose lease a tick transition just took (a take with `waitMs: 0`; workers writing an outcome
 * wait) and whose next read is the transition's read under that lease. Disarmed by that read or by
 * the release, so a read without the lease (a tick's scan, a worker that could not get the key) never
 * pauses.
 */
const armed = new Map<string, number>();

const lock: Lock = {
  async acquire(key: string, options?: LockAcquireOptions): Promise<LockLease | null> {
    const lease = await innerLock.acquire(key, options);
    if (lease === null) {
      counters.lockBusy++;
      return null;
    }
    if (!options?.waitMs) armed.set(key, Date.now());
    return {
      key: lease.key,
      token: lease.token,
      expiresAt: lease.expiresAt,
      release: async () => {
        armed.delete(key);
        await lease.release();
      },
    };
  },
};

function pausesHere(stored: StoredCycleRecord | undefined): boolean {
  const value = asV2(stored);
  if (pauseWhen === 'idle') return value === undefined || (value.phase === 'idle' && value.orders.length === 0);
  if (pauseWhen === 'active') return value !== undefined && value.phase === 'active' && value.orders.length === 0;
  return false;
}

const store: StateStore = {
  async get(key) {
    const tookAt = armed.get(key);
    armed.delete(key);
    const snap = await innerStore.get(key);
    if (pauseWhen && !counters.paused && tookAt !== undefined && pausesHere(snap?.value)) {
      counters.paused = true;
      process.stdout.write(`holding ${key} ${snap?.version ?? 'none'} ${tookAt} ${Date.now()}\n`);
      await waitLine('continue');
    }
    return snap;
  },
  async compareAndSet(key, expectedVersion, value) {
    try {
      const version = await innerStore.compareAndSet(key, expectedVersion, value);
      if (version === null) {
        counters.cas.refused++;
        if (counters.paused) counters.refusedAfterPause++;
      } else counters.cas.written++;
      return version;
    } catch (error) {
      counters.cas.failed++;
      throw error;
    }
  },
  list: () => innerStore.list(),
};

const exchange = new HttpExchange(url);
const engine = new CycleEngine({
  exchange,
  store,
  lock,
  symbols,
  strategy: dca(strategyOptions),
  tickIntervalMs: Number(values['tick-ms'] ?? 5),
  lockTtlMs: Number(values['lock-ttl-ms'] ?? 1_000),
  lockWaitMs: 200,
  orderTimeoutMs: 10_000,
  instanceId: counters.name,
});
engine.on('tick:completed', () => counters.ticks++);
engine.on('order:submitted', (e) => counters.submitted[e.purpose === 'start' || e.purpose === 'rebuy' ? e.purpose : 'sell']++);
engine.on('order:filled', () => counters.filled++);
engine.on('order:unknown', () => counters.unknown++);
engine.on('error', (e) => {
  counters.engineErrors++;
  if (e.code === 'LOCK_NOT_HELD') counters.lockNotHeld++;
  if (counters.errorSamples.length < 5) counters.errorSamples.push(`${e.code}: ${e.message.slice(0, 200)}`);
});

async function main(): Promise<void> {
  await exchange.fetchPrices(symbols);
  await innerStore.list(); // connected, and the table exists
  process.stdout.write('ready\n');
  if (values['wait-go']) await waitLine('go');
  await engine.start();
  await waitLine('stop');
  await engine.stop();
  // Outcomes a connection fault kept from being persisted are retried here (bounded).
  await Promise.race([engine.idle(), new Promise((r) => setTimeout(r, 5_000))]);
  lines.close();
  await pool?.end();
  await redis?.quit();
  process.stdout.write(`${JSON.stringify(counters)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`[${counters.name}] fatal: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
