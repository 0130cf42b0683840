/**
 * Several processes, one directory: at least 4 Node processes, each with its own CycleEngine on
 * the same FileStateStore + FileLock directory and overlapping symbols, tick every 5 ms against one
 * exchange (a PaperExchange served on 127.0.0.1) whose orders take 30–80 ms. Orders are counted at
 * the exchange, not in events.
 */
import { asV2 } from '../support/records';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore, type PaperOrder } from 'cycle-engine';
import { killAll } from '../support/child-processes';
import { runEngineProcesses } from '../support/engine-runs';
import { startFakeExchangeServer, type FakeExchangeServer } from '../support/fake-exchange-server';
import { prng, subSeed } from '../support/prng';

const SEED = Number(process.env.MP_SEED ?? 20261124);
const SYMBOLS = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT', 'DDD/USDT', 'EEE/USDT', 'FFF/USDT'];
const PROCESSES = 4;
const AMOUNT_STEP = '0.0001';
const MAX_REBUYS = 3;

type Counters = {
  name: string;
  ticks: number;
  submitted: { start: number; rebuy: number; sell: number };
  errors: number;
  locks: number;
  maxLockHeldMs: number;
  closed: number;
  rebought: number;
  activated: number;
};

/** Process i trades 4 of the 6 symbols, in its own seeded order; every symbol is shared by ≥ 2 processes. */
function symbolsOf(i: number): string[] {
  const mine = SYMBOLS.filter((_, j) => (j + i) % 3 !== 0);
  const r = prng(subSeed(SEED, 1, i));
  for (let k = mine.length - 1; k > 0; k--) {
    const j = r.int(0, k);
    [mine[k], mine[j]] = [mine[j]!, mine[k]!];
  }
  return mine;
}

let dir: string;
let server: FakeExchangeServer;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-mp-'));
  server = await startFakeExchangeServer({
    prices: Object.fromEntries(SYMBOLS.map((s) => [s, '100'])),
    balances: { USDT: '10000000' },
    latencyMs: 30,
    responseJitterMs: [0, 50],
    seed: SEED,
    defaultRules: { amountStep: AMOUNT_STEP, priceTick: '0.01', minNotional: '5' },
  });
});

/** The engines on the shared directory, started together, for `durationMs`. */
const runEngines = (durationMs: number, strategy: object, during?: (done: () => boolean) => Promise<void>) =>
  runEngineProcesses<Counters>(PROCESSES, (i) => ['--dir', dir, '--url', server.url, '--symbols', symbolsOf(i).join(','), '--name', `p${i}`, '--duration-ms', String(durationMs), '--tick-ms', '5', '--strategy', JSON.stringify(strategy)], during);

afterEach(async () => {
  await killAll();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});


const netBase = (o: PaperOrder): Decimal => {
  const fill = o.fill!;
  const base = new Decimal(fill.filledBase);
  return fill.fee && fill.fee.currency === o.symbol.split('/')[0] ? base.minus(fill.fee.amount) : base;
};
const purposeOf = (o: PaperOrder): string => o.clientOrderId.slice(0, 5);

describe(`${PROCESSES} engine processes on one FileStateStore/FileLock directory (seed ${SEED})`, () => {
  it('constant price: exactly one start buy per symbol across all processes, each filled and recorded', async () => {
    const counters = await runEngines(2_000, { startQuote: 10, rebuyDropPct: 1, maxRebuys: MAX_REBUYS, takeProfitPct: 1 });
    const orders = server.orders();

    for (const c of counters) {
      expect(c.errors).toBe(0);
      // Enough ticks that the processes contended for the same keys (a count, not a speed: this machine is shared).
      expect(c.ticks, `${c.name} ticked`).toBeGreaterThan(10);
    }
    // Every order an engine says it sent reached the exchange, and nothing else did.
    expect(counters.reduce((n, c) => n + c.submitted.start + c.submitted.rebuy + c.submitted.sell, 0)).toBe(orders.length);

    const store = new FileStateStore({ dir: path.join(dir, 'state') });
    for (const symbol of SYMBOLS) {
      const mine = orders.filter((o) => o.symbol === symbol);
      expect(mine.map((o) => [o.side, purposeOf(o), o.status]), symbol).toEqual([['buy', 'ce-s-', 'filled']]);
      const fill = mine[0]!.fill!;
      const snap = await store.get(symbol);
      expect(asV2(snap?.value)?.phase, symbol).toBe('active');
      const record = asV2(snap!.value);
      expect(record.orders).toEqual([]);
      expect(record.position!.buys).toBe(1);
      expect(record.position!.startPrice).toBe(fill.avgPrice);
      expect(new Decimal(record.position!.baseVolume).eq(netBase(mine[0]!))).toBe(true);
      expect(new Decimal(record.position!.investedQuote).eq(fill.costQuote)).toBe(true);
    }
    expect(orders).toHaveLength(SYMBOLS.length);
    console.info(`[multiprocess] constant price: ${orders.length} orders at the exchange; starts per process ${counters.map((c) => `${c.name}=${c.submitted.start}`).join(' ')}; max lock hold ${Math.max(...counters.map((c) => c.maxLockHeldMs)).toFixed(1)} ms`);
  });

  it('moving prices: per symbol the orders form start, rebuy*, sell, start, … — never two in flight, never a client id twice', async () => {
    const r = prng(subSeed(SEED, 2));
    const prices = new Map(SYMBOLS.map((s) => [s, 100]));
    let steps = 0;
    // A seeded, mean-reverting walk of ±1% steps every 15 ms, set through the admin endpoint.
    const drive = async (done: () => boolean) => {
      while (!done()) {
        for (const s of SYMBOLS) {
          const p = prices.get(s)!;
          prices.set(s, Math.max(50, p * (1 + (r.next() - 0.5) * 0.024) + (100 - p) * 0.05));
        }
        steps++;
        const body = { prices: Object.fromEntries([...prices].map(([s, p]) => [s, p.toFixed(2)])) };
        const res = await fetch(`${server.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    };
    const counters = await runEngines(2_500, { startQuote: 10, rebuyDropPct: 1, maxRebuys: MAX_REBUYS, takeProfitPct: 1 }, drive);
    const res = await fetch(`${server.url}/admin/orders`);
    const { orders } = (await res.json()) as { orders: PaperOrder[] };
    expect(orders).toEqual(server.orders()); // the admin listing is the exchange's record

    for (const c of counters) expect(c.errors).toBe(0);
    expect(counters.reduce((n, c) => n + c.submitted.start + c.submitted.rebuy + c.submitted.sell, 0)).toBe(orders.length);

    const ids = orders.map((o) => o.clientOrderId);
    expect(new Set(ids).size, 'no client order id twice').toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^ce-[srx]-[0-9a-z]{20}$/);

    const problems: string[] = [];
    const store = new FileStateStore({ dir: path.join(dir, 'state') });
    const totals = { start: 0, rebuy: 0, sell: 0 };
    for (const symbol of SYMBOLS) {
      const mine = orders.filter((o) => o.symbol === symbol).sort((a, b) => a.seq - b.seq);
      let phase: 'idle' | 'active' = 'idle';
      let rebuys = 0;
      let base = new Decimal(0);
      let dust = new Decimal(0); // base left over by a sell (below the amount step), carried into the next cycle
      let sells = 0;
      let prev: PaperOrder | undefined;
      for (const o of mine) {
        const at = `${symbol} order ${o.seq} (${o.clientOrderId})`;
        if (o.status !== 'filled') problems.push(`${at} is ${o.status} (${o.rejectReason ?? ''})`);
        if (prev?.fill && o.receivedAt < prev.fill.timestamp) problems.push(`${at} arrived while ${prev.clientOrderId} was in flight`);
        prev = o;
        const tag = purposeOf(o);
        if (tag === 'ce-s-') {
          totals.start++;
          if (phase !== 'idle') problems.push(`${at}: a start while a cycle is active (two starts without a sell)`);
          phase = 'active';
          rebuys = 0;
          base = o.fill ? netBase(o).plus(dust) : base;
          dust = new Decimal(0);
        } else if (tag === 'ce-r-') {
          totals.rebuy++;
          if (phase !== 'active') problems.push(`${at}: a rebuy with no cycle`);
          if (++rebuys > MAX_REBUYS) problems.push(`${at}: rebuy ${rebuys} > maxRebuys`);
          if (o.fill) base = base.plus(netBase(o));
        } else {
          totals.sell++;
          sells++;
          if (phase !== 'active') problems.push(`${at}: a sell with no cycle`);
          const expected = base.toDecimalPlaces(4, Decimal.ROUND_DOWN);
          if (!new Decimal(o.baseAmount ?? 'NaN').eq(expected)) problems.push(`${at}: sells ${o.baseAmount}, the position holds ${base.toFixed()}`);
          dust = base.minus(o.baseAmount ?? 0);
          phase = 'idle';
        }
        if ((tag === 'ce-x-') !== (o.side === 'sell')) problems.push(`${at}: side ${o.side} does not fit ${tag}`);
      }
      // The store agrees with the exchange: no fill lost, none counted twice.
      const record = asV2((await store.get(symbol))?.value);
      if (mine.length === 0) continue;
      if (record === undefined) {
        problems.push(`${symbol}: orders but no record`);
        continue;
      }
      if (record.closedCycles !== sells) problems.push(`${symbol}: closedCycles ${record.closedCycles}, sells at the exchange ${sells}`);
      if (asV2(record).orders.length > 0) problems.push(`${symbol}: an order left in the record after stop()`);
      if (record.phase !== phase) problems.push(`${symbol}: record is ${record.phase}, the exchange says ${phase}`);
      if (phase === 'active' && record.position) {
        if (!new Decimal(record.position.baseVolume).eq(base)) problems.push(`${symbol}: position ${record.position.baseVolume}, bought ${base.toFixed()}`);
        if (record.position.buys !== 1 + rebuys) problems.push(`${symbol}: position.buys ${record.position.buys}, buys at the exchange ${1 + rebuys}`);
      }
    }
    expect(problems).toEqual([]);
    // The scenario did what it is for: cycles started, rebought, sold and restarted across processes.
    expect(totals.sell).toBeGreaterThanOrEqual(3);
    expect(totals.rebuy).toBeGreaterThanOrEqual(1);
    expect(totals.start).toBeGreaterThan(SYMBOLS.length);
    expect(counters.filter((c) => c.submitted.start + c.submitted.rebuy + c.submitted.sell > 0).length).toBeGreaterThanOrEqual(2);
    console.info(`[multiprocess] moving prices: ${orders.length} orders (${totals.start} starts, ${totals.rebuy} rebuys, ${totals.sell} sells) over ${steps} price steps; orders per process ${counters.map((c) => `${c.name}=${c.submitted.start + c.submitted.rebuy + c.submitted.sell}`).join(' ')}`);
  });
});
