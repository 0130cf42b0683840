/**
 * Connections killed under load. Three engine processes share four symbols (each symbol traded by
 * at least two of them) on PostgreSQL (state + lock) or Redis (state + lock), with moving prices,
 * while the test process kills their server connections again and again — `pg_terminate_backend`
 * on every backend whose `application_name` is theirs, `CLIENT KILL ID` on every Redis client named
 * theirs. Then the kills stop, the engines trade on a little, and stop cleanly; a last engine that
 * never decides anything drains what is left (orders whose outcome a killed connection kept from
 * being recorded are looked up by client order id).
 *
 * Checked at the exchange and in the store: per symbol the executed orders go start, rebuy*, sell,
 * start… (never two starts in a cycle), no client order id twice, nothing rejected or left open;
 * every record agrees with the exchange (closed cycles = sells; base bought net of base fees −
 * base sold = position + carried dust, exact decimals); no order left in a record after the drain;
 * and the engines kept trading after the last kill, by themselves.
 */
import { asV2 } from '../support/records';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CycleEngine, type CycleRecord, type Lock, type PaperOrder, type StateStore } from 'cycle-engine';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
import { RedisLock, RedisStateStore } from 'cycle-engine/redis';
import { Decimal, dec } from '../../src/decimal';
import { ENGINE_PROCESS, killAll, spawnScript, type Child } from '../support/child-processes';
import { cycleProblems } from '../support/engine-runs';
import { venueFills } from '../support/limit-ledger-checks';
import { HttpExchange } from '../support/http-exchange';
import { startFakeExchangeServer, type FakeExchangeServer } from '../support/fake-exchange-server';
import { prng, subSeed } from '../support/prng';
import { RUN_ID, withPostgresAndRedis } from '../support/services';

const SEED = Number(process.env.MP_SEED ?? 20261124);
const ENGINE = ENGINE_PROCESS;
const SYMBOLS = ['KAA/USDT', 'KBB/USDT', 'KCC/USDT', 'KDD/USDT'];
const PROCESSES = 3;
const STRATEGY = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1 };
const WARM_MS = 1_500;
const KILLING_MS = 6_000;
const KILL_EVERY_MS = 200;
const CALM_MS = 3_000;

type Kind = 'postgres' | 'redis';
type Counters = {
  name: string;
  ticks: number;
  submitted: { start: number; rebuy: number; sell: number };
  cas: { written: number; refused: number; failed: number };
  poolErrors: number;
  redisErrors: number;
  errors: number;
  errorSamples: string[];
};

const purposeOf = (o: PaperOrder): string => o.clientOrderId.slice(0, 5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Process i trades every symbol but the i-th: each symbol is shared by at least 2 processes. */
const symbolsOf = (i: number): string[] => SYMBOLS.filter((_, j) => j !== i);

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
afterEach(async () => {
  await killAll();
  await server?.close();
});



function heldBase(record: CycleRecord): Decimal {
  return dec(record.position?.baseVolume ?? '0').plus(dec(record.dust?.baseVolume ?? '0'));
}

/** Moves every price by up to ±1.2% every 15 ms, pulled back towards 100. */
function priceDriver(seed: number) {
  const r = prng(seed);
  const prices = new Map(SYMBOLS.map((s) => [s, 100]));
  return async (done: () => boolean): Promise<void> => {
    while (!done()) {
      for (const s of SYMBOLS) {
        const p = prices.get(s)!;
        prices.set(s, Math.max(50, p * (1 + (r.next() - 0.5) * 0.024) + (100 - p) * 0.05));
      }
      const body = { prices: Object.fromEntries([...prices].map(([s, p]) => [s, p.toFixed(2)])) };
      await fetch(`${server.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await sleep(15);
    }
  };
}

await withPostgresAndRedis(`${PROCESSES} engine processes whose connections are killed under load (seed ${SEED})`, (pg, redis) => {
  const SCENARIOS: ReadonlyArray<{ label: string; kind: Kind }> = [
    { label: 'PostgreSQL state + lock, pg_terminate_backend', kind: 'postgres' },
    { label: 'Redis state + lock, CLIENT KILL', kind: 'redis' },
  ];
  for (const [n, scenario] of SCENARIOS.entries()) {
    it(`${scenario.label}: no duplicate, no lost fill, the engines recover by themselves`, { timeout: 45_000 }, async () => {
      const kind = scenario.kind;
      const tag = `ce_kill_${n}_${RUN_ID}`;
      const storeAt = kind === 'postgres' ? pg.table(`ck${n}_state`) : redis.prefix(`ck${n}-state`);
      const lockAt = kind === 'postgres' ? pg.table(`ck${n}_lock`) : redis.prefix(`ck${n}-lock`);
      const store: StateStore = kind === 'postgres' ? new PostgresStateStore({ pool: pg.pool, table: storeAt }) : new RedisStateStore({ client: redis.client, prefix: storeAt });
      const lock: Lock = kind === 'postgres' ? new PostgresLock({ pool: pg.pool, table: lockAt }) : new RedisLock({ client: redis.client, prefix: lockAt });

      /** Kills every connection of the engine processes; resolves how many were killed. */
      const killConnections = async (): Promise<number> => {
        if (kind === 'postgres') {
          const { rows } = await pg.pool.query(
            `SELECT count(*) FILTER (WHERE killed)::int AS n FROM (
               SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1) t`,
            [tag],
          );
          return (rows[0] as { n: number }).n;
        }
        const list = (await redis.client.call('CLIENT', 'LIST')) as string;
        const ids = list
          .split('\n')
          .filter((line) => line.includes(` name=${tag} `))
          .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
          .filter((id): id is string => id !== undefined);
        let killed = 0;
        for (const id of ids) killed += Number(await redis.client.call('CLIENT', 'KILL', 'ID', id));
        return killed;
      };

      const children: Child[] = Array.from({ length: PROCESSES }, (_, i) =>
        spawnScript(ENGINE, [
          '--store', kind, '--lock', kind, '--store-at', storeAt, '--lock-at', lockAt,
          '--url', server.url, '--symbols', symbolsOf(i).join(','), '--name', `k${i}`, '--tick-ms', '5',
          '--lock-ttl-ms', '1000', '--strategy', JSON.stringify(STRATEGY), '--tolerate-errors', '--engine', JSON.stringify({ lockWaitMs: 200 }), '--app-name', tag,
        ]),
      );
      await Promise.all(children.map((c) => c.waitFor('ready')));

      let driving = true;
      const drive = priceDriver(subSeed(SEED, 3, n))(() => !driving);
      await sleep(WARM_MS);
      const ordersBeforeKills = server.orders().length;
      let kills = 0;
      let rounds = 0;
      const killUntil = Date.now() + KILLING_MS;
      while (Date.now() < killUntil) {
        kills += await killConnections();
        rounds++;
        await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
      }
      kills += await killConnections();
      const lastKillAt = Date.now();
      const ordersDuringKills = server.orders().length - ordersBeforeKills;
      await sleep(CALM_MS);
      for (const c of children) c.send('stop');
      const exits = await Promise.all(children.map((c) => c.exited));
      driving = false;
      await drive;
      exits.forEach((r, i) => expect(r, `k${i} exit; stderr: ${children[i]!.stderr}`).toEqual({ code: 0, signal: null }));
      for (const c of children) expect(c.stderr, 'engine processes write nothing to stderr').toBe('');
      const counters = children.map((c) => JSON.parse(c.lines[c.lines.length - 1]!) as Counters);

      // The final drain: an engine that never decides, with no time-outs to wait for.
      const before = await store.list();
      const leftInFlight = before.filter((r) => asV2(r.value).orders.length > 0).map((r) => `${r.key}:${asV2(r.value).orders.map((o) => `${o.purpose}:${o.state}`).join(',')}`);
      const drainer = new CycleEngine({
        exchange: new HttpExchange(server.url),
        store,
        lock,
        symbols: SYMBOLS,
        strategy: { name: 'never', decide: () => null },
        tickIntervalMs: 20,
        orderTimeoutMs: 1,
        workerGraceMs: 0,
        landingWindowMs: 0,
        lookupBackoff: { initialMs: 10, maxMs: 50 },
        instanceId: 'drainer',
      });
      const drainErrors: string[] = [];
      drainer.on('error', (e) => drainErrors.push(e.message));
      await drainer.start();
      for (let i = 0; i < 50; i++) {
        await drainer.tick();
        await drainer.idle();
        if ((await store.list()).every((r) => asV2(r.value).orders.length === 0)) break;
        await sleep(20);
      }
      await drainer.stop();
      expect(drainErrors).toEqual([]);

      const orders = server.orders();
      expect(cycleProblems(orders, SYMBOLS)).toEqual([]);
      expect(counters.reduce((s, c) => s + c.submitted.start + c.submitted.rebuy + c.submitted.sell, 0), 'every order sent was one of the engines’').toBe(orders.length);
      const records = await store.list();
      expect(records.map((r) => r.key).sort()).toEqual([...SYMBOLS].sort());
      for (const stored of records) {
        const r = { key: stored.key, value: asV2(stored.value) };
        const mine = orders.filter((o) => o.symbol === r.key);
        expect(r.value.orders, `${r.key}: no order left after the drain`).toEqual([]);
        expect(r.value.orphans, `${r.key}: no orphan fill`).toEqual([]);
        expect(r.value.closedCycles, `${r.key}: closed cycles = sells`).toBe(mine.filter((o) => purposeOf(o) === 'ce-x-').length);
        expect(heldBase(r.value).toString(), `${r.key}: base at the exchange = position + dust`).toBe(venueFills(r.key, orders).net.toString());
        const lastStart = mine.filter((o) => purposeOf(o) === 'ce-s-').length;
        expect(lastStart - r.value.closedCycles, `${r.key}: open cycles`).toBe(r.value.phase === 'idle' ? 0 : 1);
        expect(r.value.position?.buys ?? 0, `${r.key}: buys of the open cycle`).toBe(
          r.value.phase === 'active' ? mine.length - mine.map(purposeOf).lastIndexOf('ce-s-') : 0,
        );
      }
      const afterKills = orders.filter((o) => o.receivedAt > lastKillAt).length;
      expect(kills, 'connections were killed').toBeGreaterThan(0);
      expect(afterKills, 'the engines kept trading after the last kill').toBeGreaterThan(0);
      const sells = orders.filter((o) => purposeOf(o) === 'ce-x-').length;
      console.info(
        `[connection-kills] ${scenario.label}: ${kills} connections killed in ${rounds + 1} rounds over ${KILLING_MS} ms; ` +
          `${orders.length} orders (${sells} sells; ${ordersDuringKills} during the kills, ${afterKills} after the last kill); ` +
          `left in flight for the drain: ${leftInFlight.length ? leftInFlight.join(', ') : 'none'}; ` +
          `cas written/refused/failed ${counters.map((c) => `${c.name}=${c.cas.written}/${c.cas.refused}/${c.cas.failed}`).join(' ')}; ` +
          `engine errors ${counters.map((c) => `${c.name}=${c.errors}`).join(' ')}; ` +
          `connection errors ${counters.map((c) => `${c.name}=${c.poolErrors + c.redisErrors}`).join(' ')}`,
      );
      if (counters.some((c) => c.errorSamples.length > 0)) console.info(`[connection-kills] error samples: ${counters.flatMap((c) => c.errorSamples.slice(0, 2)).join(' | ')}`);
    });
  }
});
