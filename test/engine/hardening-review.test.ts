/**
 * Regression tests for what an adversarial review of the issue-9 hardening found (each fails on
 * the code before its fix).
 */
import { describe, expect, it } from 'vitest';
import { CycleEngine, MemoryLock, MemoryStateStore, OrderOutcomeUnknownError, PaperExchange, dca, type CycleRecord, type Exchange } from 'cycle-engine';
import { DEFAULT_DCA, setup, step } from '../support/setup';

describe('review findings', () => {
  it('a slow look-up answering "not found" does not give an order up when it was sent before the order could no longer land', async () => {
    const s = setup({ orderTimeoutMs: 1_000, workerGraceMs: 0, landingWindowMs: 2_000, lookupBackoff: { initialMs: 500, maxMs: 500 } });
    const paper = s.exchange;
    let slow = false;
    const engine = new CycleEngine({
      exchange: {
        id: 'slow-lookups',
        fetchPrices: (x) => paper.fetchPrices(x),
        getMarket: (x) => paper.getMarket(x),
        placeMarketOrder: async (r) => {
          throw new OrderOutcomeUnknownError('lost', { clientOrderId: r.clientOrderId });
        },
        findOrder: async () => {
          if (slow) s.clock.advance(5_000); // the answer takes 5 s: the deadline passes while it is on its way
          return null;
        },
      },
      store: s.store, lock: s.lock, clock: s.clock, symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA),
      orderTimeoutMs: 1_000, workerGraceMs: 0, landingWindowMs: 2_000, lookupBackoff: { initialMs: 500, maxMs: 500 },
    });
    const reconciled: unknown[] = [];
    engine.on('order:reconciled', (e) => reconciled.push(e));
    engine.on('error', () => {});
    await engine.tick();
    await engine.idle();
    s.clock.advance(600);
    slow = true;
    await engine.tick(); // sent at +0.6 s (the order could still land until +3 s), answered at +5.6 s
    await engine.idle();
    expect(reconciled).toHaveLength(0);
    slow = false;
    s.clock.advance(600);
    await engine.tick(); // sent after the deadline: now it can be given up
    await engine.idle();
    expect(reconciled).toEqual([expect.objectContaining({ result: 'not-found' })]);
  });

  it('a fill the worker received with its fee pending is never given up as not found, and is applied with an estimated fee', async () => {
    const s = setup({ orderTimeoutMs: 1_000, workerGraceMs: 0, landingWindowMs: 2_000, feeLookupTimeoutMs: 10_000, lookupBackoff: { initialMs: 500, maxMs: 500 } });
    const paper = s.exchange;
    const engine = new CycleEngine({
      exchange: {
        id: 'blind',
        fetchPrices: (x) => paper.fetchPrices(x),
        getMarket: (x) => paper.getMarket(x),
        placeMarketOrder: async (r) => ({ ...(await paper.placeMarketOrder(r)), fee: null, feePending: true }),
        findOrder: async () => null, // a venue whose search misses it
      },
      store: s.store, lock: s.lock, clock: s.clock, symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA),
      orderTimeoutMs: 1_000, workerGraceMs: 0, landingWindowMs: 2_000, feeLookupTimeoutMs: 10_000, lookupBackoff: { initialMs: 500, maxMs: 500 },
    });
    engine.on('error', () => {});
    await engine.tick();
    await engine.idle();
    for (let i = 0; i < 30; i++) {
      s.clock.advance(600);
      await engine.tick();
      await engine.idle();
    }
    const record = (await engine.getCycle('ETH/USDT')) as CycleRecord;
    expect(record.phase).toBe('active');
    expect(record.position?.baseVolume).toBe('0.0999');
    expect(paper.orders).toHaveLength(1); // never a second start buy
  });

  it('start() after a stop() that cancelled a pending start starts afresh', async () => {
    const paper = new PaperExchange({ prices: { 'ETH/USDT': '100' }, balances: { USDT: '1000' }, defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const exchange: Exchange = { id: 'p', fetchPrices: (x) => paper.fetchPrices(x), getMarket: async (x) => (await gate, paper.getMarket(x)), placeMarketOrder: (r) => paper.placeMarketOrder(r), findOrder: (q) => paper.findOrder(q) };
    const engine = new CycleEngine({ exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), tickIntervalMs: 5 });
    const first = engine.start();
    const stopped = engine.stop();
    const second = engine.start();
    release();
    await Promise.all([first, stopped, second]);
    expect(engine.running).toBe(true);
    await engine.stop();
  });

  it('the rest of a partial sell is judged sellable at the same price as an emptied cycle is (no close right after cycle:partiallySold)', async () => {
    const s = setup();
    // Sells 0.0503 of 0.0999: the rest, 0.0496, is worth 5.06 at the fill price (102) but 4.97 at the
    // average price (100.1), below the 5 USDT minimum: dust, judged once, at the average price.
    s.exchange.injectFault({ kind: 'partialFill', ratio: '0.504' }, { side: 'sell' });
    await step(s);
    s.exchange.setPrice('ETH/USDT', '102');
    await step(s);
    await step(s);
    expect(s.of('cycle:partiallySold')).toHaveLength(0);
    expect(s.of('cycle:closed').map((c) => [c.reason, c.dustBase])).toEqual([['takeProfit', '0.0496']]);
  });
});
