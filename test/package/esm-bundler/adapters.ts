/**
 * Type-checked only (not run): every adapter built from the real client classes a user passes in,
 * under exactOptionalPropertyTypes (a real `ccxt.binance` has `precisionMode: Int`, not `number`).
 */
import ccxt from 'ccxt';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CycleEngine, MemoryLock, dca } from 'cycle-engine';
import type { CycleEngineOptions } from 'cycle-engine';
import { CcxtExchange } from 'cycle-engine/ccxt';
import type { CcxtExchangeOptions } from 'cycle-engine/ccxt';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
import { RedisLock, RedisStateStore } from 'cycle-engine/redis';
import { collectMetrics } from 'cycle-engine/metrics';
import { loadCandles } from 'cycle-engine/backtest';
import { Registry } from 'prom-client';

export function build(): CycleEngine[] {
  const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1/test' });
  const client = new Redis({ lazyConnect: true });
  const venue = new ccxt.binance({ apiKey: 'k', secret: 's' });
  const ccxtOptions: CcxtExchangeOptions = {};
  const exchange = new CcxtExchange(venue, ccxtOptions);
  // A real ccxt instance is a candle source for backtests (type-check only).
  void loadCandles(venue, { symbol: 'BTC/USDT', timeframe: '1h', since: 0, until: 3_600_000 });
  const options: CycleEngineOptions = {
    exchange,
    store: new PostgresStateStore({ pool, table: 'dca_cycles' }),
    lock: new PostgresLock({ pool, ttlMs: 5_000 }),
    symbols: ['BTC/USDT'],
    strategy: dca({ startQuote: '10', rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
  };
  // Other venues fit CcxtExchangeLike as ccxt types them too (type-check only: never constructed at run time here).
  const venues = [new ccxt.okx({}), new ccxt.bybit({}), new ccxt.kraken({}), new ccxt.coinbase({})].map((v) => new CcxtExchange(v));
  // Options read from configuration may be undefined: every optional option accepts it.
  const fromEnv = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  const tuned = new PostgresLock({ pool, ttlMs: fromEnv('LOCK_TTL_MS'), waitMs: fromEnv('LOCK_WAIT_MS'), table: process.env.LOCK_TABLE });
  const configured = new CcxtExchange(venue, { receiveWindowMs: fromEnv('RECV_WINDOW_MS'), id: process.env.VENUE_ID });
  const engine = new CycleEngine({ ...options, exchange: configured, lock: tuned });
  collectMetrics(engine, { registry: new Registry(), prefix: process.env.METRICS_PREFIX });
  return [
    engine,
    ...venues.map((v) => new CycleEngine({ ...options, exchange: v })),
    new CycleEngine(options),
    new CycleEngine({ ...options, store: new RedisStateStore({ client }), lock: new RedisLock({ client }) }),
    new CycleEngine({ ...options, lock: new MemoryLock() }),
  ];
}
