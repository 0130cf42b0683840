/**
 * Recovery on start, two engines recovering at once, late answers, and orphan fills.
 */
import { asV2, marketSlot } from '../support/records';
import { describe, expect, it } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange, dca, type CycleRecord, type Exchange } from 'cycle-engine';

const SYMBOL = 'ETH/USDT';

function world() {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const exchange = new PaperExchange({ prices: { [SYMBOL]: '100' }, balances: { USDT: '10000' }, clock, defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } });
  const store = new MemoryStateStore();
  const lock = new MemoryLock({ clock });
  const engine = (over: { exchange?: Exchange; orderTimeoutMs?: number } = {}) => {
    const e = new CycleEngine({
      exchange: over.exchange ?? exchange,
      store,
      lock,
      symbols: [SYMBOL],
      strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1 }),
      clock,
      tickIntervalMs: 1_000_000,
      orderTimeoutMs: over.orderTimeoutMs ?? 5_000,
      landingWindowMs: 60_000,
    });
    const seen: Array<[string, unknown]> = [];
    for (const name of ['order:reconciled', 'order:filled', 'order:orphaned', 'cycle:activated', 'error'] as const) {
      (e.on as (event: string, listener: (payload: unknown) => void) => CycleEngine).call(e, name, (p) => seen.push([name, p]));
    }
    return { e, seen, of: (n: string) => seen.filter(([k]) => k === n).map(([, p]) => p) };
  };
  return { clock, exchange, store, engine };
}

/** An intent persisted by an engine that then died after its order executed. */
async function orphanedIntent(w: ReturnType<typeof world>): Promise<void> {
  const dead = w.engine({
    exchange: {
      ...w.exchange,
      id: 'dies',
      fetchPrices: (s) => w.exchange.fetchPrices(s),
      getMarket: (s) => w.exchange.getMarket(s),
      findOrder: (q) => w.exchange.findOrder(q),
      placeMarketOrder: async (req) => {
        await w.exchange.placeMarketOrder(req); // executes…
        return new Promise(() => {}); // … and the process dies before hearing back
      },
    },
  });
  void dead.e.tick();
  await new Promise((r) => setTimeout(r, 10));
  expect(marketSlot(asV2((await w.store.get(SYMBOL))?.value))?.state).toBe('sending');
  expect(w.exchange.executedOrders()).toHaveLength(1);
}

describe('recovery', () => {
  it('start() looks up an intent a dead engine left and applies its fill at once', async () => {
    const w = world();
    await orphanedIntent(w);
    const b = w.engine();
    await b.e.start();
    await b.e.stop();
    expect(b.of('order:reconciled')).toEqual([expect.objectContaining({ result: 'filled', lookups: 1 })]);
    expect(asV2((await w.store.get(SYMBOL))?.value)?.phase).toBe('active');
    expect(w.exchange.orders).toHaveLength(1);
  });

  it('two engines recovering at once: both may look, exactly one applies the fill', async () => {
    const w = world();
    await orphanedIntent(w);
    const b = w.engine();
    const c = w.engine();
    await Promise.all([b.e.start(), c.e.start()]);
    await Promise.all([b.e.stop(), c.e.stop()]);
    const applied = [...b.of('order:filled'), ...c.of('order:filled')];
    expect(applied).toHaveLength(1);
    expect([...b.of('order:reconciled'), ...c.of('order:reconciled')]).toHaveLength(1);
    expect([...b.of('order:orphaned'), ...c.of('order:orphaned')]).toHaveLength(0);
    const record = (await w.store.get(SYMBOL))?.value as CycleRecord;
    expect(record.position?.baseVolume).toBe('0.0999');
    expect(w.exchange.orders).toHaveLength(1);
  });

  it('applies a fill that answers after the timeout, once', async () => {
    const w = world();
    const slow: Exchange = {
      id: 'slow',
      fetchPrices: (s) => w.exchange.fetchPrices(s),
      getMarket: (s) => w.exchange.getMarket(s),
      findOrder: async () => null, // the venue's look-up lags: only the late answer tells
      placeMarketOrder: async (req) => {
        await new Promise((r) => setTimeout(r, 40));
        return w.exchange.placeMarketOrder({ ...req, signal: undefined }); // an adapter that does not abort
      },
    };
    const a = w.engine({ exchange: slow, orderTimeoutMs: 10 });
    await a.e.tick();
    await a.e.idle();
    expect(marketSlot(asV2((await w.store.get(SYMBOL))?.value))?.state).toBe('unknown');
    await new Promise((r) => setTimeout(r, 60));
    await a.e.idle();
    expect(a.of('error')).toEqual([]);
    expect(a.of('order:reconciled')).toEqual([expect.objectContaining({ result: 'late-response' })]);
    expect(asV2((await w.store.get(SYMBOL))?.value)?.phase).toBe('active');
    expect(a.of('order:filled')).toHaveLength(1);
  });
});

describe('look-ups', () => {
  it('a failing look-up never moves the cycle; it is retried with backoff until it answers', async () => {
    const w = world();
    await orphanedIntent(w);
    let failures = 0;
    const flaky: Exchange = {
      id: 'flaky',
      fetchPrices: (s) => w.exchange.fetchPrices(s),
      getMarket: (s) => w.exchange.getMarket(s),
      placeMarketOrder: (req) => w.exchange.placeMarketOrder(req),
      findOrder: async (q) => {
        if (failures++ < 4) throw new Error('HTTP 429 Too Many Requests');
        return w.exchange.findOrder(q);
      },
    };
    const b = w.engine({ exchange: flaky });
    const before = await w.store.get(SYMBOL);
    await b.e.start(); // the first look-up fails
    await b.e.stop();
    for (let i = 0; i < 3; i++) {
      await b.e.tick(); // inside the backoff: no look-up
      await b.e.idle();
    }
    expect(failures).toBe(1);
    expect(await w.store.get(SYMBOL)).toEqual(before); // nothing moved
    for (let i = 0; i < 60 && b.of('order:reconciled').length === 0; i++) {
      w.clock.advance(1_000);
      await b.e.tick();
      await b.e.idle();
    }
    expect(failures).toBe(5);
    expect(b.of('error')).toHaveLength(4);
    expect(b.of('order:reconciled')).toEqual([expect.objectContaining({ result: 'filled', lookups: 5 })]);
    expect(w.exchange.orders).toHaveLength(1);
  });
});

describe('orphan fills', () => {
  it('a fill for an intent already given up as not found is kept and accounted, never dropped', async () => {
    const w = world();
    // The venue's look-up never sees the order, and its answer comes very late.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const venue: Exchange = {
      id: 'lagging',
      fetchPrices: (s) => w.exchange.fetchPrices(s),
      getMarket: (s) => w.exchange.getMarket(s),
      findOrder: async () => null,
      placeMarketOrder: async (req) => {
        await gate;
        return w.exchange.placeMarketOrder({ ...req, signal: undefined }); // answers however late
      },
    };
    const a = w.engine({ exchange: venue, orderTimeoutMs: 10 });
    await a.e.tick();
    await a.e.idle(); // timed out: unknown
    for (let i = 0; i < 80; i++) {
      w.clock.advance(1_000);
      await a.e.tick();
      await a.e.idle();
    }
    // Given up as not found, retried with a new intent (which waits at the same gate).
    let record = (await w.store.get(SYMBOL))?.value as CycleRecord;
    expect(record.rejections).toBeGreaterThanOrEqual(1);
    release(); // both orders now execute; the first one's fill arrives for a settled intent
    await new Promise((r) => setTimeout(r, 20));
    await a.e.idle();
    for (let i = 0; i < 3; i++) {
      await a.e.tick();
      await a.e.idle();
    }
    record = (await w.store.get(SYMBOL))?.value as CycleRecord;
    const orphaned = a.of('order:orphaned') as Array<{ accountedAs: string; fill: { clientOrderId: string } }>;
    expect(orphaned).toHaveLength(1);
    expect(record.orphans).toHaveLength(1);
    expect(record.orphans[0]?.fill.clientOrderId).toBe(w.exchange.orders[0]?.clientOrderId);
    // Two buys executed: both are in the books (position, or dust carried to the next cycle).
    const held = Number(record.position?.baseVolume ?? 0) + Number(record.dust?.baseVolume ?? 0);
    expect(held).toBeCloseTo(Number(w.exchange.balance('ETH')), 12);
    expect(w.exchange.executedOrders()).toHaveLength(2);
  });
});
