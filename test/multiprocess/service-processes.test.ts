/**
 * Several processes, several hosts' worth of adapters: 4 Node processes, each with its own
 * CycleEngine, overlapping symbols, ticking every 5 ms against one fake exchange on 127.0.0.1
 * whose orders take 30–80 ms — with PostgreSQL state and lock, PostgreSQL state and a Redis lock,
 * and Redis for both. Orders are counted at the exchange, not in events.
 */
import { asV2 } from '../support/records';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PaperOrder, StateStore } from 'cycle-engine';
import { PostgresStateStore } from 'cycle-engine/postgres';
import { RedisStateStore } from 'cycle-engine/redis';
import { killAll } from '../support/child-processes';
import { cycleProblems, runEngineProcesses } from '../support/engine-runs';
import { startFakeExchangeServer, type FakeExchangeServer } from '../support/fake-exchange-server';
import { prng, subSeed } from '../support/prng';
import { withPostgresAndRedis } from '../support/services';

const SEED = Number(process.env.MP_SEED ?? 20261125);
const SYMBOLS = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT', 'DDD/USDT', 'EEE/USDT', 'FFF/USDT'];
const PROCESSES = 4;
const STRATEGY = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1 };

type Kind = 'postgres' | 'redis';
type Counters = { name: string; ticks: number; submitted: { start: number; rebuy: number; sell: number }; errors: number; maxLockHeldMs: number };

/** Process i trades 4 of the 6 symbols; every symbol is shared by at least 2 processes. */
const symbolsOf = (i: number): string[] => SYMBOLS.filter((_, j) => (j + i) % 3 !== 0);
const purposeOf = (o: PaperOrder): string => o.clientOrderId.slice(0, 5);

let server: FakeExchangeServer;
beforeEach(async () => {
  server = await startFakeExchangeServer({
    prices: Object.fromEntries(SYMBOLS.map((s) => [s, '100'])),
    balances: { USDT: '10000000' },
    latencyMs: 30,
    responseJitterMs: [0, 50],
    seed: SEED,
    defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
  });
});
/** The engines on these kinds, started together, for `durationMs`. */
const runEngines = (kinds: { store: Kind; lock: Kind; storeAt: string; lockAt: string }, durationMs: number, during?: (done: () => boolean) => Promise<void>) =>
  runEngineProcesses<Counters>(PROCESSES, (i) => ['--store', kinds.store, '--lock', kinds.lock, '--store-at', kinds.storeAt, '--lock-at', kinds.lockAt, '--url', server.url, '--symbols', symbolsOf(i).join(','), '--name', `p${i}`, '--duration-ms', String(durationMs), '--tick-ms', '5', '--strategy', JSON.stringify(STRATEGY)], during);

afterEach(async () => {
  await killAll();
  await server?.close();
});



const CONFIGS: ReadonlyArray<{ label: string; store: Kind; lock: Kind }> = [
  { label: 'PostgreSQL state + PostgreSQL lock', store: 'postgres', lock: 'postgres' },
  { label: 'PostgreSQL state + Redis lock', store: 'postgres', lock: 'redis' },
  { label: 'Redis state + Redis lock', store: 'redis', lock: 'redis' },
];

await withPostgresAndRedis(`${PROCESSES} engine processes on shared servers (seed ${SEED})`, (pg, redis) => {
  for (const [n, config] of CONFIGS.entries()) {
    const place = (kind: Kind, what: string, run: string): string => (kind === 'postgres' ? pg.table(`mp${n}${run}_${what}`) : redis.prefix(`mp${n}${run}-${what}`));
    const storeOf = (at: string): StateStore => (config.store === 'postgres' ? new PostgresStateStore({ pool: pg.pool, table: at }) : new RedisStateStore({ client: redis.client, prefix: at }));

    it(`${config.label}, constant price: exactly one start buy per symbol across all processes`, async () => {
      const kinds = { ...config, storeAt: place(config.store, 'state', 'c'), lockAt: place(config.lock, 'lock', 'c') };
      const counters = await runEngines(kinds, 2_000);
      const orders = server.orders();
      // Enough ticks that the processes contended for the same keys (a count, not a speed: this machine is shared).
      for (const c of counters) expect(c.ticks, `${c.name} ticked`).toBeGreaterThan(5);
      expect(counters.reduce((s, c) => s + c.submitted.start + c.submitted.rebuy + c.submitted.sell, 0)).toBe(orders.length);
      for (const symbol of SYMBOLS) {
        expect(orders.filter((o) => o.symbol === symbol).map((o) => [o.side, purposeOf(o), o.status]), symbol).toEqual([['buy', 'ce-s-', 'filled']]);
      }
      const records = await storeOf(kinds.storeAt).list();
      expect(records.map((r) => [r.key, asV2(r.value).phase, asV2(r.value).position?.buys])).toEqual(SYMBOLS.map((s) => [s, 'active', 1]));
      console.info(`[multiprocess] ${config.label}, constant price: ${orders.length} orders; starts per process ${counters.map((c) => `${c.name}=${c.submitted.start}`).join(' ')}; max lock hold ${Math.max(...counters.map((c) => c.maxLockHeldMs)).toFixed(1)} ms`);
    });

    it(`${config.label}, moving prices: start, rebuy*, sell, start … per symbol, never two starts in a cycle`, async () => {
      const kinds = { ...config, storeAt: place(config.store, 'state', 'm'), lockAt: place(config.lock, 'lock', 'm') };
      const r = prng(subSeed(SEED, 2, n));
      const prices = new Map(SYMBOLS.map((s) => [s, 100]));
      const drive = async (done: () => boolean): Promise<void> => {
        while (!done()) {
          for (const s of SYMBOLS) {
            const p = prices.get(s)!;
            prices.set(s, Math.max(50, p * (1 + (r.next() - 0.5) * 0.024) + (100 - p) * 0.05));
          }
          const body = { prices: Object.fromEntries([...prices].map(([s, p]) => [s, p.toFixed(2)])) };
          await fetch(`${server.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
      };
      const counters = await runEngines(kinds, 2_500, drive);
      const orders = server.orders();
      expect(counters.reduce((s, c) => s + c.submitted.start + c.submitted.rebuy + c.submitted.sell, 0)).toBe(orders.length);
      expect(cycleProblems(orders, SYMBOLS)).toEqual([]);
      const sells = orders.filter((o) => purposeOf(o) === 'ce-x-').length;
      for (const record of await storeOf(kinds.storeAt).list()) {
        expect(asV2(record.value).orders, record.key).toEqual([]);
        expect(asV2(record.value).closedCycles, record.key).toBe(orders.filter((o) => o.symbol === record.key && purposeOf(o) === 'ce-x-').length);
      }
      expect(sells).toBeGreaterThanOrEqual(1);
      console.info(`[multiprocess] ${config.label}, moving prices: ${orders.length} orders (${sells} sells); orders per process ${counters.map((c) => `${c.name}=${c.submitted.start + c.submitted.rebuy + c.submitted.sell}`).join(' ')}`);
    });
  }
});
