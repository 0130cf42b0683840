/**
 * Several engine instances — on one host or many — sharing their cycles through PostgreSQL.
 *
 *   DATABASE_URL=postgres://user:pass@db-host:5432/bot npx tsx examples/multi-instance-postgres.ts
 *
 * Start it in two or more terminals (or on two hosts) with the same DATABASE_URL: the instances
 * share the `ETH/USDT` and `BTC/USDT` cycles, and each cycle still gets exactly one start buy,
 * whichever instance takes it. It trades on a PaperExchange (simulated, nothing real is bought);
 * swap in `CcxtExchange` for a real venue. Stop it with Ctrl-C; it keeps its table
 * (`example_cycles`, `example_locks`) so a restarted instance carries on where it stopped.
 */
import os from 'node:os';
import pg from 'pg';
import { CycleEngine, PaperExchange, attachLogger, dca, isPortfolioRecord } from 'cycle-engine';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to a PostgreSQL database this example may use, e.g.');
  console.error('  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx examples/multi-instance-postgres.ts');
  process.exit(2);
}

const instanceId = `${os.hostname()}-${process.pid}`;
const pool = new pg.Pool({ connectionString: url, max: 5 });
// An idle connection the server drops (restart, failover) is an 'error' event: without a
// listener it would end the process. The engine itself re-reads after any failed call.
pool.on('error', (error) => console.error(`[postgres] idle connection lost: ${error.message}`));
// The tables are created on first use; where the app may not run DDL, create them by hand from
// PostgresStateStore.createTableSql() and PostgresLock.createTableSql() and pass createTable: false.
const store = new PostgresStateStore({ pool, table: 'example_cycles' });
const lock = new PostgresLock({ pool, table: 'example_locks', ttlMs: 5_000 });

const exchange = new PaperExchange({ prices: { 'ETH/USDT': 3000, 'BTC/USDT': 60_000 }, balances: { USDT: '1000' } });
const engine = new CycleEngine({
  exchange,
  store,
  lock,
  symbols: ['ETH/USDT', 'BTC/USDT'],
  strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
  tickIntervalMs: 500,
  instanceId,
});
attachLogger(engine);
engine.on('cycle:starting', (e) => console.log(`[${instanceId}] this instance starts the ${e.symbol} cycle`));

console.log(`[${instanceId}] sharing cycles in ${new URL(url).host}${new URL(url).pathname} (tables example_cycles, example_locks)`);
for (const row of await store.list()) {
  if (isPortfolioRecord(row.value)) continue; // the shared portfolio record, not a cycle
  console.log(`[${instanceId}] found ${row.key}: phase ${row.value.phase}, version ${row.version}`);
}
await engine.start();
console.log(`[${instanceId}] running; Ctrl-C to stop`);

const shutdown = async (): Promise<void> => {
  console.log(`[${instanceId}] stopping: waiting for orders in flight`);
  await engine.stop();
  await pool.end();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
