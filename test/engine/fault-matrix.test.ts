/**
 * The fault matrix: for each order purpose (start, rebuy, sell) × each fault, the end state has
 * exactly the orders that executed, each accounted for once, and no duplicate.
 *
 * "Crash" cells run engine A on ports that stop answering at the crash point (its pending calls
 * never resolve, as in a killed process), then start engine B on the same file store, exchange and
 * lock, as a restarted process would, and drive it with a manual clock until everything settles.
 *
 * What is checked in every cell:
 * - the exchange executed exactly the expected orders (start: 1 buy; rebuy: 2 buys; sell: 1 buy and
 *   1 sell), and no client order id executed twice;
 * - base accounting: what the exchange holds in ETH equals the record's position plus its carried
 *   dust — a fill lost or applied twice would break this identity;
 * - the cycle is where it should be (active after a start or a rebuy, idle after a sell) with no
 *   order left in its slot.
 */
import { asV2, marketSlot } from '../support/records';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CycleEngine,
  FileStateStore,
  ManualClock,
  MemoryLock,
  PaperExchange,
  dca,
  type CycleRecord,
  type Exchange,
  type StateStore,
} from 'cycle-engine';
import { Decimal } from '../../src/decimal';

const SYMBOL = 'ETH/USDT';
const T0 = Date.UTC(2025, 0, 1);
const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

type Purpose = 'start' | 'rebuy' | 'sell';
type Fault =
  | 'rejected'
  | 'unknown before execution'
  | 'unknown after execution'
  | 'timeout'
  | 'look-up misses the real order for 30 s'
  | 'crash after the intent was persisted'
  | 'crash after the order was sent'
  | 'crash after the response'
  | 'crash in the middle of writing the outcome';

const FAULTS: Fault[] = [
  'rejected',
  'unknown before execution',
  'unknown after execution',
  'timeout',
  'look-up misses the real order for 30 s',
  'crash after the intent was persisted',
  'crash after the order was sent',
  'crash after the response',
  'crash in the middle of writing the outcome',
];

const never = <T>() => new Promise<T>(() => {});
const macrotask = () => new Promise((r) => setTimeout(r, 5));

interface Rig {
  clock: ManualClock;
  exchange: PaperExchange;
  store: FileStateStore;
  lock: MemoryLock;
  engine(ports?: { exchange?: Exchange; store?: StateStore; orderTimeoutMs?: number }): CycleEngine;
}

function rig(): Rig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-matrix-'));
  roots.push(dir);
  const clock = new ManualClock(T0);
  const exchange = new PaperExchange({
    prices: { [SYMBOL]: '100' },
    balances: { USDT: '10000' },
    clock,
    defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
  });
  const store = new FileStateStore({ dir });
  const lock = new MemoryLock({ clock, ttlMs: 5_000 });
  return {
    clock,
    exchange,
    store,
    lock,
    engine: (ports = {}) => {
      const engine = new CycleEngine({
        exchange: ports.exchange ?? exchange,
        store: ports.store ?? store,
        lock,
        symbols: [SYMBOL],
        // One rebuy at most; a long cooldown so that a closed cycle stays closed.
        strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 1, takeProfitPct: 1, cooldownMs: 10 * 86_400_000 }),
        clock,
        orderTimeoutMs: ports.orderTimeoutMs ?? 5_000,
        workerGraceMs: 5_000,
        landingWindowMs: 60_000,
        lockWaitMs: 0,
        lookupBackoff: { initialMs: 1_000, maxMs: 10_000 },
      });
      engine.on('error', () => {}); // faults are expected here; the end state is what is checked
      return engine;
    },
  };
}

/** Ports for engine A that behave normally until `crash` fires at the given point. */
function crashingPorts(r: Rig, fault: Fault): { exchange: Exchange; store: StateStore } {
  const real = r.exchange;
  const exchange: Exchange = {
    id: 'crashing',
    fetchPrices: (s) => real.fetchPrices(s),
    getMarket: (s) => real.getMarket(s),
    findOrder: (q) => real.findOrder(q),
    placeMarketOrder: async (req) => {
      if (fault === 'crash after the intent was persisted') return never(); // dies before sending
      const fill = await real.placeMarketOrder(req);
      if (fault === 'crash after the order was sent') return never(); // dies before the answer
      return fill;
    },
  };
  const store: StateStore = {
    get: (k) => r.store.get(k),
    list: () => r.store.list(),
    compareAndSet: async (key, version, value) => {
      const slot = marketSlot(asV2(value));
      const isOutcome = slot === null || slot.state !== 'sending';
      if (isOutcome && fault === 'crash after the response') return never();
      if (isOutcome && fault === 'crash in the middle of writing the outcome') {
        // What a killed writer leaves: a half-written temp file beside the versions.
        fs.writeFileSync(path.join(r.store.pathOf(key), `.tmp-${process.pid}-deadbeef`), JSON.stringify(value).slice(0, 40));
        return never();
      }
      return r.store.compareAndSet(key, version, value);
    },
  };
  return { exchange, store };
}

/** A venue whose look-up does not see an executed order for its first 30 s (eventual consistency). */
function blindLookups(r: Rig): Exchange {
  const real = r.exchange;
  let placedAt = Number.POSITIVE_INFINITY;
  return {
    id: 'blind',
    fetchPrices: (s) => real.fetchPrices(s),
    getMarket: (s) => real.getMarket(s),
    placeMarketOrder: (req) => {
      placedAt = r.clock.now();
      return real.placeMarketOrder(req);
    },
    findOrder: async (q) => (r.clock.now() < placedAt + 30_000 ? null : real.findOrder(q)),
  };
}

/** A venue that answers (and executes) only after the engine stopped waiting. */
function slowVenue(r: Rig): Exchange {
  const real = r.exchange;
  return {
    id: 'slow',
    fetchPrices: (s) => real.fetchPrices(s),
    getMarket: (s) => real.getMarket(s),
    findOrder: (q) => real.findOrder(q),
    placeMarketOrder: async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return real.placeMarketOrder(req);
    },
  };
}

async function step(engine: CycleEngine, r: Rig, advanceMs = 1_000): Promise<void> {
  r.clock.advance(advanceMs);
  await engine.tick();
  await engine.idle();
}

async function runCell(purpose: Purpose, fault: Fault) {
  const r = rig();
  // Bring the cycle to the order under test with a healthy engine.
  const healthy = r.engine();
  if (purpose !== 'start') {
    await step(healthy, r, 0);
    expect((await healthy.getCycle(SYMBOL))?.phase).toBe('active');
  }
  r.exchange.setPrice(SYMBOL, purpose === 'sell' ? '110' : purpose === 'rebuy' ? '97' : '100');
  const side = purpose === 'sell' ? 'sell' : 'buy';
  const before = r.exchange.executedOrders().filter((o) => o.side === side).length;

  let survivor: CycleEngine;
  if (fault.startsWith('crash')) {
    const a = r.engine(crashingPorts(r, fault));
    void a.tick();
    for (let i = 0; i < 10; i++) await macrotask(); // A sends (or not), then hangs: "killed"
    survivor = r.engine();
    await survivor.start(); // the restarted process: recovery first
    await survivor.stop();
  } else {
    if (fault === 'rejected') r.exchange.injectFault('reject', { side });
    if (fault === 'unknown before execution') r.exchange.injectFault('unknown-before', { side });
    if (fault === 'unknown after execution' || fault === 'look-up misses the real order for 30 s') r.exchange.injectFault('unknown-after', { side });
    survivor =
      fault === 'timeout'
        ? r.engine({ exchange: slowVenue(r), orderTimeoutMs: 20 })
        : fault === 'look-up misses the real order for 30 s'
          ? r.engine({ exchange: blindLookups(r) })
          : r.engine();
    await step(survivor, r, 0);
    if (fault === 'timeout') await new Promise((resolve) => setTimeout(resolve, 120)); // the late answer
    if (fault === 'look-up misses the real order for 30 s') {
      for (let i = 0; i < 25; i++) await step(survivor, r); // 25 s: not found yet, and not given up
      expect(r.exchange.executedOrders().filter((o) => o.side === side)).toHaveLength(before + 1);
      expect(marketSlot(await survivor.getCycle(SYMBOL))?.state).toBe('unknown');
    }
  }
  // Drive until everything settles: past every deadline and backoff.
  for (let i = 0; i < 120; i++) await step(survivor, r);
  return { r, engine: survivor };
}

const EXPECTED: Record<Purpose, { buys: number; sells: number; phase: CycleRecord['phase'] }> = {
  start: { buys: 1, sells: 0, phase: 'active' },
  rebuy: { buys: 2, sells: 0, phase: 'active' },
  sell: { buys: 1, sells: 1, phase: 'idle' },
};

describe('fault matrix: purpose × fault → exactly the executed orders, each accounted once', () => {
  for (const purpose of ['start', 'rebuy', 'sell'] as const) {
    describe(purpose, () => {
      for (const fault of FAULTS) {
        it(fault, async () => {
          const { r, engine } = await runCell(purpose, fault);
          const executed = r.exchange.executedOrders();
          const expected = EXPECTED[purpose];
          expect(executed.filter((o) => o.side === 'buy')).toHaveLength(expected.buys);
          expect(executed.filter((o) => o.side === 'sell')).toHaveLength(expected.sells);
          expect(new Set(executed.map((o) => o.clientOrderId)).size).toBe(executed.length);
          const record = (await engine.getCycle(SYMBOL)) as CycleRecord;
          expect(record.phase).toBe(expected.phase);
          expect(record.orders).toEqual([]);
          expect(record.orphans).toEqual([]);
          const held = new Decimal(record.position?.baseVolume ?? 0).plus(record.dust?.baseVolume ?? 0);
          expect(held.toFixed()).toBe(new Decimal(r.exchange.balance('ETH')).toFixed());
          if (purpose === 'sell') expect(record.closedCycles).toBe(1);
        });
      }
    });
  }
});
