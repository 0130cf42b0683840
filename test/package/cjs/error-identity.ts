/**
 * Issue 9, case 19, against the installed package: one runtime copy of the error classes across
 * the entries. A corrupt PostgreSQL row and a corrupt Redis hash each give exactly one
 * CorruptStateError `error` event over several ticks (a second copy of the class made the engine
 * wrap it in a generic CycleEngineError and report it every tick), and a lapsed PostgresLock
 * lease's release() throws a LockNotHeldError of the root entry. CommonJS: every entry is
 * loaded with require(), and the subpath builds require the root build.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CorruptStateError, CycleEngine, CycleEngineError, LockNotHeldError, MemoryLock, PaperExchange, dca, isCorruptStateError, isLockNotHeldError } from 'cycle-engine';
import type { StateStore } from 'cycle-engine';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
import { RedisStateStore } from 'cycle-engine/redis';

const POSTGRES_URL = process.env.CYCLE_ENGINE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.CYCLE_ENGINE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SYMBOL = 'ETH/USDT';
const TICKS = 4;
const run = `pkg_${randomBytes(4).toString('hex')}`;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`error identity: ${what}`);
}

/** Runs an engine on `store` for a few ticks and returns the `error` events it emitted. */
async function errorsOver(store: StateStore): Promise<CycleEngineError[]> {
  const engine = new CycleEngine({
    exchange: new PaperExchange({ prices: { [SYMBOL]: '3000' }, balances: { USDT: '1000' } }),
    store,
    lock: new MemoryLock(),
    symbols: [SYMBOL],
    strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
  });
  const errors: CycleEngineError[] = [];
  engine.on('error', (error) => errors.push(error));
  for (let i = 0; i < TICKS; i += 1) {
    await engine.tick().catch((error: unknown) => errors.push(error as CycleEngineError));
    await engine.idle();
  }
  return errors;
}

function expectOneCorrupt(where: string, errors: CycleEngineError[]): void {
  const shown = errors.map((e) => `${e.name}(${e.code})`).join(', ');
  console.log(`  ${where}: ${errors.length} error event(s) over ${TICKS} ticks: ${shown}`);
  check(errors.length === 1, `${where}: expected exactly one error event, got ${errors.length}: ${shown}`);
  const [error] = errors;
  check(error instanceof CorruptStateError, `${where}: the event is not instanceof CorruptStateError (root)`);
  check(isCorruptStateError(error) && error.code === 'CORRUPT_STATE', `${where}: code is not CORRUPT_STATE`);
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL });
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const stateTable = `${run}_state`;
  const lockTable = `${run}_locks`;
  const redisPrefix = `${run}:state:`;
  try {
    // A corrupt PostgreSQL row: valid JSON, not a cycle record.
    await pool.query(PostgresStateStore.createTableSql(stateTable));
    await pool.query(`INSERT INTO ${stateTable} (key, version, record) VALUES ($1, 1, $2::jsonb)`, [SYMBOL, JSON.stringify({ symbol: SYMBOL, phase: 'nonsense' })]);
    expectOneCorrupt('PostgresStateStore, corrupt row', await errorsOver(new PostgresStateStore({ pool, table: stateTable })));

    // A corrupt Redis hash: a version and a record that is not a cycle record.
    await redis.connect();
    await redis.hset(`${redisPrefix}${SYMBOL}`, { version: '1', record: '{"symbol":"ETH/USDT","phase":"nonsense"}' });
    expectOneCorrupt('RedisStateStore, corrupt hash', await errorsOver(new RedisStateStore({ client: redis, prefix: redisPrefix })));

    // A lapsed PostgresLock lease, taken over by another holder: release() throws LockNotHeldError.
    const lock = new PostgresLock({ pool, table: lockTable });
    const lease = await lock.acquire('identity', { ttlMs: 20 });
    check(lease !== null, 'could not take the lock');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const taker = await lock.acquire('identity', { ttlMs: 10_000 });
    check(taker !== null, 'the lapsed lease was not taken over');
    const thrown = await lease!.release().then(() => undefined, (error: unknown) => error);
    const name = (thrown as Error | undefined)?.name;
    console.log(`  PostgresLock, lapsed lease: release() threw ${name}; instanceof LockNotHeldError (root): ${thrown instanceof LockNotHeldError}; instanceof CycleEngineError: ${thrown instanceof CycleEngineError}`);
    check(thrown instanceof LockNotHeldError && isLockNotHeldError(thrown), 'release() of a lapsed lease did not throw the root LockNotHeldError');
    await taker!.release();
    console.log('  error identity: ok');
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${stateTable}, ${lockTable}`).catch(() => {});
    const keys = await redis.keys(`${redisPrefix}*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys).catch(() => {});
    redis.disconnect();
    await pool.end();
  }
  if (!require.resolve('cycle-engine/postgres').endsWith('.cjs')) throw new Error('error identity: not the CommonJS build');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
