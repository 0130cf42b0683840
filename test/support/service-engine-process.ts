/**
 * One engine process of the multi-process tests on servers: a CycleEngine whose store and lock are
 * PostgreSQL or Redis (shared with other processes), trading against the fake exchange server.
 *
 *   node --import tsx test/support/service-engine-process.ts --store postgres|redis --lock postgres|redis \
 *     --store-at <table or key prefix> --lock-at <table or key prefix> --url http://127.0.0.1:P --symbols A/USDT,B/USDT \
 *     [--duration-ms 2500] [--tick-ms 5] [--strategy '{"startQuote":10,…}'] [--wait-go]
 *
 * Same protocol as engine-process.ts: `ready`, then `go` on stdin with --wait-go, one JSON line
 * of counters at the end, exit 0. Errors go to stderr.
 */
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CycleEngine, dca, type DcaOptions, type Lock, type StateStore } from 'cycle-engine';
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
    'duration-ms': { type: 'string' },
    'tick-ms': { type: 'string' },
    strategy: { type: 'string' },
    'wait-go': { type: 'boolean' },
  },
});
const { store: storeKind, lock: lockKind, url } = values;
const storeAt = values['store-at'];
const lockAt = values['lock-at'];
const symbols = (values.symbols ?? '').split(',').filter(Boolean);
if (!storeKind || !lockKind || !storeAt || !lockAt || !url || symbols.length === 0) {
  process.stderr.write('usage: service-engine-process --store postgres|redis --lock postgres|redis --store-at T --lock-at T --url U --symbols A/B,C/D\n');
  process.exit(2);
}
const durationMs = Number(values['duration-ms'] ?? 2_500);
const strategyOptions: DcaOptions = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1, ...(values.strategy ? JSON.parse(values.strategy) : {}) };

const pool = storeKind === 'postgres' || lockKind === 'postgres' ? new pg.Pool({ connectionString: POSTGRES_URL, max: 4 }) : undefined;
pool?.on('error', () => {}); // a dropped idle connection must not end the process
const redis = storeKind === 'redis' || lockKind === 'redis' ? new Redis(REDIS_URL) : undefined;
const store: StateStore = storeKind === 'postgres' ? new PostgresStateStore({ pool: pool!, table: storeAt }) : new RedisStateStore({ client: redis!, prefix: storeAt });
const lock: Lock = lockKind === 'postgres' ? new PostgresLock({ pool: pool!, table: lockAt }) : new RedisLock({ client: redis!, prefix: lockAt });

const counters = {
  name: values.name ?? `pid-${process.pid}`,
  ticks: 0,
  submitted: { start: 0, rebuy: 0, sell: 0 },
  filled: 0,
  unknown: 0,
  locks: 0,
  maxLockHeldMs: 0,
  errors: 0,
};

const exchange = new HttpExchange(url);
const engine = new CycleEngine({
  exchange,
  store,
  lock,
  symbols,
  strategy: dca(strategyOptions),
  tickIntervalMs: Number(values['tick-ms'] ?? 5),
  lockTtlMs: 1_000,
  orderTimeoutMs: 10_000,
  instanceId: counters.name,
});
engine.on('tick:completed', () => counters.ticks++);
engine.on('order:submitted', (e) => counters.submitted[e.purpose === 'start' || e.purpose === 'rebuy' ? e.purpose : 'sell']++);
engine.on('order:filled', () => counters.filled++);
engine.on('order:unknown', () => counters.unknown++);
engine.on('lock:released', (e) => {
  counters.locks++;
  counters.maxLockHeldMs = Math.max(counters.maxLockHeldMs, e.heldMs);
});
engine.on('error', (e) => {
  counters.errors++;
  process.stderr.write(`[${counters.name}] ${e.name}: ${e.message}\n`);
});

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

async function main(): Promise<void> {
  await exchange.fetchPrices(symbols);
  await store.list(); // connected, and the table exists
  process.stdout.write('ready\n');
  if (values['wait-go']) await waitLine('go');
  await engine.start();
  await Promise.race([new Promise((r) => setTimeout(r, durationMs)), waitLine('stop')]);
  await engine.stop();
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
