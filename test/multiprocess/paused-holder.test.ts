/**
 * A paused lock holder. Process A takes a symbol's lease for a transition, reads the record under
 * it — and is frozen there with SIGSTOP. Its 300 ms lease lapses; process B takes the key and moves
 * the cycle on (a start buy that fills and activates the cycle; or a sell, then the next cycle's
 * start). Then A is resumed with SIGCONT: it writes the intent it decided against the version it
 * read before the pause. The store's compare-and-set must refuse that write (counted in A), and the
 * exchange must see exactly the orders B sent: never a second start buy in a cycle, never a sell of
 * a position that was already sold.
 *
 * Orders are counted at the exchange (the fake exchange server), refusals in A's store wrapper
 * (test/support/engine-process.ts). PostgreSQL state + PostgreSQL lock, PostgreSQL state +
 * Redis lock, and Redis state + Redis lock.
 */
import { asV2 } from '../support/records';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CycleRecord, PaperOrder, StateStore } from 'cycle-engine';
import { PostgresStateStore } from 'cycle-engine/postgres';
import { RedisStateStore } from 'cycle-engine/redis';
import { ENGINE_PROCESS, killAll, spawnScript, type Child } from '../support/child-processes';
import { startFakeExchangeServer, type FakeExchangeServer } from '../support/fake-exchange-server';
import { withPostgresAndRedis } from '../support/services';

const ENGINE = ENGINE_PROCESS;
const SYMBOL = 'PAU/USDT';
const LOCK_TTL_MS = 300;
const STRATEGY = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1 };

type Kind = 'postgres' | 'redis';
type Counters = {
  name: string;
  submitted: { start: number; rebuy: number; sell: number };
  cas: { written: number; refused: number; failed: number };
  refusedAfterPause: number;
  paused: boolean;
  lockBusy: number;
  errors: number;
  lockNotHeld: number;
  errorSamples: string[];
};

const purposeOf = (o: PaperOrder): string => o.clientOrderId.slice(0, 5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: FakeExchangeServer;
beforeEach(async () => {
  server = await startFakeExchangeServer({
    prices: { [SYMBOL]: '100' },
    balances: { USDT: '10000000' },
    latencyMs: 20,
    defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
  });
});
afterEach(async () => {
  await killAll();
  await server?.close();
});

async function setPrice(price: string): Promise<void> {
  await fetch(`${server.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prices: { [SYMBOL]: price } }) });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function finish(children: Child[]): Promise<Counters[]> {
  for (const c of children) c.send('stop');
  const exits = await Promise.all(children.map((c) => c.exited));
  exits.forEach((r, i) => expect(r, `child ${i} exit; stderr: ${children[i]!.stderr}`).toEqual({ code: 0, signal: null }));
  for (const c of children) expect(c.stderr).toBe('');
  return children.map((c) => JSON.parse(c.lines[c.lines.length - 1]!) as Counters);
}

const CONFIGS: ReadonlyArray<{ label: string; store: Kind; lock: Kind }> = [
  { label: 'PostgreSQL state + PostgreSQL lock', store: 'postgres', lock: 'postgres' },
  { label: 'PostgreSQL state + Redis lock', store: 'postgres', lock: 'redis' },
  { label: 'Redis state + Redis lock', store: 'redis', lock: 'redis' },
];

await withPostgresAndRedis('a paused lock holder is fenced off by the store', (pg, redis) => {
  for (const [n, config] of CONFIGS.entries()) {
    const place = (kind: Kind, what: string, run: string): string => (kind === 'postgres' ? pg.table(`ph${n}${run}_${what}`) : redis.prefix(`ph${n}${run}-${what}`));
    const storeOf = (at: string): StateStore => (config.store === 'postgres' ? new PostgresStateStore({ pool: pg.pool, table: at }) : new RedisStateStore({ client: redis.client, prefix: at }));
    const spawnEngine = (name: string, at: { storeAt: string; lockAt: string }, pauseWhen?: 'idle' | 'active', waitGo = false): Child =>
      spawnScript(ENGINE, [
        '--store', config.store, '--lock', config.lock, '--store-at', at.storeAt, '--lock-at', at.lockAt,
        '--url', server.url, '--symbols', SYMBOL, '--name', name, '--tick-ms', '5',
        '--lock-ttl-ms', String(LOCK_TTL_MS), '--strategy', JSON.stringify(STRATEGY), '--tolerate-errors', '--engine', JSON.stringify({ lockWaitMs: 200 }),
        ...(pauseWhen ? ['--pause-when', pauseWhen] : []),
        ...(waitGo ? ['--wait-go'] : []),
      ]);
    const holdingLine = (c: Child) => until('the paused holder', () => c.lines.find((l) => l.startsWith('holding ')));

    it(`${config.label}: A frozen before writing its start intent; B starts the cycle; A's write is refused, one start buy`, async () => {
      const at = { storeAt: place(config.store, 'state', 's'), lockAt: place(config.lock, 'lock', 's') };
      const store = storeOf(at.storeAt);
      const b = spawnEngine('B', at, undefined, true); // booted, waits for `go`
      await b.waitFor('ready');
      const a = spawnEngine('A', at, 'idle');
      await a.waitFor('ready');
      const line = await holdingLine(a); // A holds the lease and has read "no cycle"
      a.proc.kill('SIGSTOP');
      const stoppedAt = Date.now();
      b.send('go');
      const [, key, readVersion, tookAtText, printedAtText] = line.split(' ');
      const tookAt = Number(tookAtText);
      expect([key, readVersion]).toEqual([SYMBOL, 'none']);
      const active = await until('B to activate the cycle', async () => {
        const snap = await store.get(SYMBOL);
        return asV2(snap?.value)?.phase === 'active' && asV2(snap!.value).orders.length === 0 ? snap : undefined;
      });
      const tookOverAfterMs = server.orders()[0]!.receivedAt - tookAt;

      a.proc.kill('SIGCONT');
      a.send('continue');
      await sleep(600); // A's transition goes on: its compare-and-set, then its release
      const [ca, cb] = await finish([a, b]);

      const orders = server.orders();
      expect(orders.map((o) => [o.side, purposeOf(o), o.status])).toEqual([['buy', 'ce-s-', 'filled']]);
      expect(tookOverAfterMs, 'B only got the key after A’s lease lapsed').toBeGreaterThanOrEqual(LOCK_TTL_MS - 20);
      expect(cb!.lockBusy, 'B found the key held by the frozen A first').toBeGreaterThanOrEqual(1);
      expect(ca!.paused).toBe(true);
      expect(ca!.refusedAfterPause, 'A’s stale write was refused').toBeGreaterThanOrEqual(1);
      expect(ca!.lockNotHeld, 'A’s lease had lapsed and been taken over when it released it').toBeGreaterThanOrEqual(1);
      expect([ca!.errors, cb!.errors], `no other error: ${ca!.errorSamples.join(' | ')}`).toEqual([ca!.lockNotHeld, 0]);
      expect(ca!.submitted).toEqual({ start: 0, rebuy: 0, sell: 0 });
      expect(cb!.submitted.start).toBe(1);
      const final = (await store.get(SYMBOL))!;
      expect([asV2(final.value).phase, asV2(final.value).position?.buys, asV2(final.value).closedCycles]).toEqual(['active', 1, 0]);
      expect(final.version).toBeGreaterThanOrEqual(active.version);
      console.info(`[paused-holder] ${config.label}, start: B's order ${tookOverAfterMs} ms after A took the lease (A printed ${Number(printedAtText) - tookAt} ms after taking it, SIGSTOP ${stoppedAt - tookAt} ms after) (B found the key held ${cb!.lockBusy}×); A refused ${ca!.refusedAfterPause} write(s) after SIGCONT (cas ${JSON.stringify(ca!.cas)}, lockNotHeld ${ca!.lockNotHeld}); B cas ${JSON.stringify(cb!.cas)}`);
    });

    it(`${config.label}: A frozen before writing a sell intent; B sells and starts the next cycle; A's write is refused, one sell`, async () => {
      const at = { storeAt: place(config.store, 'state', 'x'), lockAt: place(config.lock, 'lock', 'x') };
      const store = storeOf(at.storeAt);
      const b = spawnEngine('B', at, undefined, true); // booted, waits for `go`
      await b.waitFor('ready');
      const a = spawnEngine('A', at, 'active');
      await a.waitFor('ready');
      const opened = await until('A to activate the cycle', async () => {
        const snap = await store.get(SYMBOL);
        return asV2(snap?.value)?.phase === 'active' && asV2(snap!.value).orders.length === 0 ? snap : undefined;
      });
      await setPrice('102'); // take profit at ≥ 101.1 (avg 100.1 with the fee): A decides to sell
      const line = await holdingLine(a);
      a.proc.kill('SIGSTOP');
      const stoppedAt = Date.now();
      b.send('go');
      const [, key, readVersion, tookAtText, printedAtText] = line.split(' ');
      const tookAt = Number(tookAtText);
      expect([key, readVersion]).toEqual([SYMBOL, String(opened.version)]);
      await until('B to sell and start the next cycle', async () => {
        const snap = await store.get(SYMBOL);
        const r: CycleRecord | undefined = asV2(snap?.value);
        return r?.closedCycles === 1 && r.phase === 'active' && r.orders.length === 0 ? r : undefined;
      });
      const sellAt = server.orders().find((o) => purposeOf(o) === 'ce-x-')!.receivedAt;

      a.proc.kill('SIGCONT');
      a.send('continue');
      await sleep(600);
      const [ca, cb] = await finish([a, b]);

      const orders = server.orders();
      expect(orders.map((o) => [o.side, purposeOf(o), o.status])).toEqual([
        ['buy', 'ce-s-', 'filled'],
        ['sell', 'ce-x-', 'filled'],
        ['buy', 'ce-s-', 'filled'],
      ]);
      expect(new Set(orders.map((o) => o.clientOrderId)).size).toBe(orders.length);
      expect(sellAt - tookAt, 'B only got the key after A’s lease lapsed').toBeGreaterThanOrEqual(LOCK_TTL_MS - 20);
      expect(cb!.lockBusy, 'B found the key held by the frozen A first').toBeGreaterThanOrEqual(1);
      expect(ca!.paused).toBe(true);
      expect(ca!.refusedAfterPause, 'A’s stale write was refused').toBeGreaterThanOrEqual(1);
      expect(ca!.lockNotHeld, 'A’s lease had lapsed and been taken over when it released it').toBeGreaterThanOrEqual(1);
      expect([ca!.errors, cb!.errors], `no other error: ${ca!.errorSamples.join(' | ')}`).toEqual([ca!.lockNotHeld, 0]);
      expect(ca!.submitted, 'A sent only the first start buy').toEqual({ start: 1, rebuy: 0, sell: 0 });
      expect(cb!.submitted).toEqual({ start: 1, rebuy: 0, sell: 1 });
      const final = asV2((await store.get(SYMBOL))!.value);
      expect([final.phase, final.position?.buys, final.closedCycles, final.orders]).toEqual(['active', 1, 1, []]);
      console.info(`[paused-holder] ${config.label}, sell: B's sell ${sellAt - tookAt} ms after A took the lease (A printed ${Number(printedAtText) - tookAt} ms after taking it, SIGSTOP ${stoppedAt - tookAt} ms after) (B found the key held ${cb!.lockBusy}×); A refused ${ca!.refusedAfterPause} write(s) after SIGCONT (cas ${JSON.stringify(ca!.cas)}, lockNotHeld ${ca!.lockNotHeld}); B cas ${JSON.stringify(cb!.cas)}`);
    });
  }
});
