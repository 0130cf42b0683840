/**
 * Issue 9, "Time": engines whose clocks disagree, a clock stepped backwards, an order that lands
 * after it was given up. Each test names the case it pins.
 */
import { describe, expect, it } from 'vitest';
import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  OrderOutcomeUnknownError,
  PaperExchange,
  dca,
  type CycleRecord,
  type Exchange,
  type MarketOrderRequest,
  type OrderFill,
} from 'cycle-engine';
import { DEFAULT_DCA, setup, step } from '../support/setup';

const T0 = 1_700_000_000_000;

/** An exchange whose MARKET orders wait for `release()` before reaching the paper venue. */
function gated(paper: PaperExchange): Exchange & { release(): void; waiting(): number } {
  const queue: Array<() => void> = [];
  return {
    id: 'gated',
    fetchPrices: (s) => paper.fetchPrices(s),
    getMarket: (s) => paper.getMarket(s),
    findOrder: (q) => paper.findOrder(q),
    placeMarketOrder: (r: MarketOrderRequest) => new Promise<OrderFill>((resolve, reject) => queue.push(() => paper.placeMarketOrder(r).then(resolve, reject))),
    release: () => queue.splice(0).forEach((go) => go()),
    waiting: () => queue.length,
  };
}

describe('case 5: engines whose clocks disagree', () => {
  it.each([
    ['100 s ahead', 100_000],
    ['100 s behind', -100_000],
  ])('two engines on one store, the second %s, send exactly one start buy while the first one’s order is in flight', async (_label, skew) => {
    const paper = new PaperExchange({ prices: { 'ETH/USDT': '100' }, balances: { USDT: '1000' }, defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } });
    const store = new MemoryStateStore();
    const clockA = new ManualClock(T0);
    const clockB = new ManualClock(T0 + skew);
    const lock = new MemoryLock({ clock: clockA });
    const slow = gated(paper);
    const common = { store, lock, symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), orderTimeoutMs: 30_000, workerGraceMs: 5_000, landingWindowMs: 60_000, lookupBackoff: { initialMs: 1_000, maxMs: 2_000 } };
    const a = new CycleEngine({ ...common, exchange: slow, clock: clockA, instanceId: 'A' });
    const b = new CycleEngine({ ...common, exchange: paper, clock: clockB, instanceId: 'B' });
    a.on('error', () => {});
    b.on('error', () => {});
    await a.tick(); // A persists its start intent; its order waits at the gate
    expect(slow.waiting()).toBe(1);
    // B ticks for 20 s of both clocks while A's order is still on its way.
    for (let i = 0; i < 20; i++) {
      clockA.advance(1_000);
      clockB.advance(1_000);
      await b.tick();
      await b.idle();
    }
    slow.release();
    await a.idle();
    for (let i = 0; i < 5; i++) {
      clockA.advance(1_000);
      clockB.advance(1_000);
      await b.tick();
      await b.idle();
    }
    expect(paper.orders.filter((o) => o.side === 'buy')).toHaveLength(1);
    expect(((await a.getCycle('ETH/USDT')) as CycleRecord).phase).toBe('active');
  });

  it('an order written by an engine whose clock runs 100 s ahead of the venue is still found by a look-up by time (found by the model test)', async () => {
    const paper = new PaperExchange({ prices: { 'ETH/USDT': '100' }, balances: { USDT: '1000' }, clock: new ManualClock(T0), defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } });
    const ahead = new ManualClock(T0 + 100_000);
    const engine = new CycleEngine({ exchange: paper, store: new MemoryStateStore(), lock: new MemoryLock({ clock: ahead }), clock: ahead, symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), lookupBackoff: { initialMs: 1_000, maxMs: 1_000 } });
    engine.on('error', () => {});
    paper.injectFault('unknown-after', { side: 'buy' }); // executed at the venue's T0; its reply is lost
    await engine.tick();
    await engine.idle();
    ahead.advance(2_000);
    await engine.tick(); // looks it up with since = createdAt (T0 + 100 s) less the slack
    await engine.idle();
    expect(((await engine.getCycle('ETH/USDT')) as CycleRecord).phase).toBe('active');
    expect(paper.orders).toHaveLength(1);
  });
});

describe('case 6: a clock stepped backwards', () => {
  it('does not stretch a backoff beyond its configured length', async () => {
    const s = setup({ balances: { USDT: '3' }, retryBackoff: { initialMs: 1_000, maxMs: 60_000 } });
    await step(s);
    expect(s.of('cycle:startFailed')).toHaveLength(1);
    s.exchange.setBalance('USDT', '1000');
    s.clock.set(s.clock.now() - 3_600_000); // NTP steps the wall clock back an hour
    await step(s);
    expect(s.exchange.orders.filter((o) => o.status === 'filled')).toHaveLength(0); // still within its 1 s
    s.clock.advance(1_000); // the backoff's length has passed on the monotonic clock
    await step(s);
    expect(s.exchange.orders.filter((o) => o.status === 'filled')).toHaveLength(1);
  });

  it("does not stretch a parked order's look-up backoff (the order is not found for a while)", async () => {
    const s = setup({ lookupBackoff: { initialMs: 1_000, maxMs: 1_000 } });
    let hide = true;
    const paper = s.exchange;
    const engine = new CycleEngine({
      exchange: { id: 'hiding', fetchPrices: (x) => paper.fetchPrices(x), getMarket: (x) => paper.getMarket(x), placeMarketOrder: (r) => paper.placeMarketOrder(r).then(() => { throw new OrderOutcomeUnknownError('lost reply'); }), findOrder: async (q) => (hide ? null : paper.findOrder(q)) },
      store: s.store, lock: s.lock, clock: s.clock, symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), lookupBackoff: { initialMs: 1_000, maxMs: 1_000 },
    });
    const reconciled: unknown[] = [];
    engine.on('order:reconciled', (e) => reconciled.push(e));
    engine.on('error', () => {});
    await engine.tick();
    await engine.idle();
    await engine.tick(); // look-up 1: not found yet
    await engine.idle();
    hide = false;
    s.clock.set(s.clock.now() - 3_600_000); // stepped back an hour
    s.clock.advance(1_300);
    await engine.tick(); // look-up 2 is due on the monotonic clock
    await engine.idle();
    expect(reconciled).toHaveLength(1);
  });
});

describe('case 7: an order that lands after the landing window', () => {
  it('is looked up again after it was given up, and a late fill is recorded as an orphan, accounted and announced', async () => {
    const s = setup({ orderTimeoutMs: 1_000, workerGraceMs: 0, landingWindowMs: 2_000, lookupBackoff: { initialMs: 500, maxMs: 500 }, lateLookupsMs: [60_000, 600_000, 3_600_000] });
    const paper = s.exchange;
    let sent: MarketOrderRequest | null = null;
    const lost = new CycleEngine({
      exchange: {
        id: 'lost',
        fetchPrices: (x) => paper.fetchPrices(x),
        getMarket: (x) => paper.getMarket(x),
        findOrder: (q) => paper.findOrder(q),
        placeMarketOrder: async (r) => {
          sent = r; // it never reaches the venue… yet
          throw new OrderOutcomeUnknownError('connection reset', { clientOrderId: r.clientOrderId });
        },
      },
      store: s.store, lock: s.lock, clock: s.clock, symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA),
      orderTimeoutMs: 1_000, workerGraceMs: 0, landingWindowMs: 2_000, lookupBackoff: { initialMs: 500, maxMs: 500 }, retryBackoff: { initialMs: 100_000, maxMs: 100_000 },
    });
    const events: Array<[string, unknown]> = [];
    for (const name of ['order:reconciled', 'order:orphaned', 'cycle:startFailed'] as const) lost.on(name, (e) => events.push([name, e]));
    lost.on('error', () => {});
    await lost.tick();
    await lost.idle();
    for (let i = 0; i < 10 && !events.some(([n]) => n === 'cycle:startFailed'); i++) {
      s.clock.advance(600);
      await lost.tick();
      await lost.idle();
    }
    expect(events.map(([n]) => n)).toEqual(['order:reconciled', 'cycle:startFailed']); // given up as not found
    // Now it lands, long after: the venue executes the very request.
    await paper.placeMarketOrder(sent!);
    s.clock.advance(59_000);
    await lost.tick();
    await lost.idle();
    expect(events.some(([n]) => n === 'order:orphaned')).toBe(false); // not due yet
    s.clock.advance(1_500);
    await lost.tick();
    await lost.idle();
    const orphaned = events.filter(([n]) => n === 'order:orphaned').map(([, e]) => e);
    expect(orphaned).toEqual([expect.objectContaining({ clientOrderId: sent!.clientOrderId, side: 'buy', accountedAs: 'dust' })]);
    const record = (await lost.getCycle('ETH/USDT')) as CycleRecord;
    expect(record.dust).toEqual({ baseVolume: '0.0999', investedQuote: '10' });
    expect(record.orphans).toHaveLength(1);
    // Later checks find it again but never record it twice.
    s.clock.advance(600_000);
    await lost.tick();
    await lost.idle();
    expect(((await lost.getCycle('ETH/USDT')) as CycleRecord).orphans).toHaveLength(1);
  });
});
