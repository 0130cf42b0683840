/**
 * Issue 10: orders that rest on the exchange. A LIMIT take-profit for the whole position, LIMIT
 * safety buys at their levels, the take-profit replaced after every buy, cancels as intents, and
 * the polling budget — driven end to end against PaperExchange's resting book.
 */
import { delegate } from '../support/exchange-wrappers';
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { CycleEngine, InvalidOptionsError, MemoryLock, MemoryStateStore, dca, type CycleRecord, type Exchange, type PaperExchange } from 'cycle-engine';
import { setup, step, type Setup } from '../support/setup';

/** The paper exchange without `fetchOpenOrders`: resting orders are then looked up one by one. */
const withoutOpenOrders = (paper: PaperExchange): Exchange => delegate(paper, { fetchOpenOrders: undefined });

const LIMIT = { takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 } as const;

async function cycle(s: Setup): Promise<CycleRecord> {
  return (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
}
const resting = (s: Setup) => s.exchange.orders.filter((o) => o.type === 'limit' && o.state?.status === 'open');
const live = (r: CycleRecord) => r.orders.map((o) => `${o.purpose}${o.level ?? ''}@${o.price}:${o.state}`);

/** The record's base (position + dust) equals what the venue's fills put in the account. */
function expectBaseMatchesVenue(s: Setup, r: CycleRecord): void {
  const held = new Decimal(r.position?.baseVolume ?? 0).plus(r.dust?.baseVolume ?? 0);
  const venue = new Decimal(s.exchange.balance('ETH')).plus(resting(s).filter((o) => o.side === 'sell').reduce((sum, o) => sum.plus(o.baseAmount ?? 0).minus(o.state?.filledBase ?? 0), new Decimal(0)));
  expect(held.toFixed()).toBe(venue.toFixed());
}

describe('limit take-profit and limit safety buys', () => {
  it('after the start fill: a take-profit for the whole position (tick up) and the next two levels (tick down) rest', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...LIMIT } });
    await step(s); // start buy at 100 (0.0999 ETH net), then the resting orders in the same write
    await step(s);
    const r = await cycle(s);
    // avg 100.1001… × 1.015 = 101.6016… → 101.61; levels 98 and 96.04.
    expect(live(r)).toEqual(['takeProfit@101.61:open', 'rebuy1@98:open', 'rebuy2@96.04:open']);
    expect(resting(s).map((o) => `${o.side} ${o.baseAmount}@${o.price}`).sort()).toEqual(['buy 0.102@98', 'buy 0.1041@96.04', 'sell 0.0999@101.61']);
    expect(s.of('order:placed')).toHaveLength(3);
  });

  it('a safety buy that fills replaces the take-profit for the new position and places the next level', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...LIMIT } });
    await step(s);
    await step(s);
    s.exchange.setPrice('ETH/USDT', '97.5'); // level 1 (98) fills at 98, maker
    for (let i = 0; i < 4; i++) await step(s);
    const r = await cycle(s);
    expect(r.position).toMatchObject({ buys: 2, baseVolume: '0.201798' }); // 0.0999 + 0.102 − 0.000102 fee
    expect(s.of('takeProfit:replaced')).toHaveLength(1);
    const tp = r.orders.find((o) => o.purpose === 'takeProfit')!;
    expect(tp).toMatchObject({ state: 'open', baseAmount: '0.2017' });
    // avg (10 + 9.996) / 0.201798 = 99.0892… × 1.015 = 100.5755… → 100.58 (up); amount 0.201798 → 0.2017 (down)
    expect(tp.price).toBe('100.58');
    expect(r.orders.filter((o) => o.purpose === 'rebuy').map((o) => o.level)).toEqual([2, 3]);
    expect(resting(s).filter((o) => o.side === 'sell')).toHaveLength(1); // never two take-profits at the venue
    expectBaseMatchesVenue(s, r);
  });

  it('a safety buy filled in part stays resting for the rest, and the take-profit follows each part', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...LIMIT } });
    await step(s);
    await step(s);
    const l1 = s.exchange.orders.find((o) => o.type === 'limit' && o.side === 'buy' && o.price === '98')!;
    s.exchange.injectFault({ kind: 'restingPartialFill', ratio: 0.5 }, { clientOrderId: l1.clientOrderId });
    s.exchange.setPrice('ETH/USDT', '97.99');
    for (let i = 0; i < 3; i++) await step(s);
    let r = await cycle(s);
    const slot = r.orders.find((o) => o.clientOrderId === l1.clientOrderId);
    expect(slot).toMatchObject({ state: 'open', applied: { base: '0.051' } });
    expect(s.of('order:partiallyFilled')).toHaveLength(1);
    expect(r.orders.find((o) => o.purpose === 'takeProfit')?.baseAmount).toBe(new Decimal(r.position!.baseVolume).toDecimalPlaces(4, Decimal.ROUND_DOWN).toFixed());
    expect(s.of('order:cancelled').filter((e) => e.purpose === 'rebuy')).toEqual([]); // never cancelled as stale
    s.exchange.setPrice('ETH/USDT', '97.98'); // the rest fills
    for (let i = 0; i < 3; i++) await step(s);
    r = await cycle(s);
    expect(r.position?.buys).toBe(2);
    expect(r.orders.filter((o) => o.purpose === 'rebuy').map((o) => o.level)).toEqual([2, 3]);
    expectBaseMatchesVenue(s, r);
  });

  it('the take-profit fills: the other safety buys are cancelled, then the cycle closes at its target', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, cooldownMs: 3_600_000, ...LIMIT } });
    await step(s);
    await step(s);
    s.exchange.setPrice('ETH/USDT', '102');
    for (let i = 0; i < 4; i++) await step(s);
    const r = await cycle(s);
    expect(r).toMatchObject({ phase: 'idle', closedCycles: 1, orders: [] });
    expect(resting(s)).toEqual([]);
    const [closed] = s.of('cycle:closed');
    expect(closed).toMatchObject({ reason: 'takeProfit', price: '101.61' }); // its limit, not the 102 the price jumped to
    expect(s.of('order:cancelled').map((e) => e.reason)).toEqual(['closing', 'closing']);
    expect(new Decimal(s.exchange.balance('ETH')).toFixed()).toBe(new Decimal(r.dust?.baseVolume ?? 0).toFixed());
  });

  it('a safety buy that fills while it is being cancelled is carried into the next cycle with its cost', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, cooldownMs: 3_600_000, ...LIMIT } });
    await step(s);
    await step(s);
    const l1 = s.exchange.orders.find((o) => o.type === 'limit' && o.side === 'buy')!;
    s.exchange.injectFault('fill-during-cancel', { clientOrderId: l1.clientOrderId });
    s.exchange.setPrice('ETH/USDT', '102'); // the take-profit fills; the engine cancels the levels
    for (let i = 0; i < 4; i++) await step(s);
    const r = await cycle(s);
    expect(r.phase).toBe('idle');
    expect(r.dust).toMatchObject({ baseVolume: '0.101898' }); // 0.102 − 0.1% fee in ETH, at its cost
    expect(new Decimal(r.dust!.investedQuote).toFixed()).toBe('9.996');
    expect(new Decimal(s.exchange.balance('ETH')).toFixed()).toBe('0.101898');
    // The next cycle starts with it: its position holds the carried base and cost.
    s.clock.advance(3_600_000);
    s.exchange.setPrice('ETH/USDT', '100');
    await step(s);
    const next = await cycle(s);
    expect(next.dust).toBeNull();
    expect(new Decimal(next.position!.investedQuote).toFixed()).toBe(new Decimal('9.996').plus(s.of('cycle:activated')[1]!.fill.costQuote).toFixed());
  });

  it('mixed modes: a limit take-profit with market rebuys', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, takeProfitOrder: 'limit' } });
    await step(s);
    await step(s);
    s.exchange.setPrice('ETH/USDT', '97.9');
    for (let i = 0; i < 3; i++) await step(s);
    const r = await cycle(s);
    expect(r.position?.buys).toBe(2);
    expect(s.exchange.orders.filter((o) => o.type !== 'limit' && o.side === 'buy')).toHaveLength(2); // start + market rebuy
    expect(r.orders.map((o) => `${o.purpose}:${o.type}:${o.state}`)).toEqual(['takeProfit:limit:open']);
    expect(r.orders[0]?.baseAmount).toBe('0.2018'); // the whole position 0.2018979, down to the step
  });

  for (const batched of [true, false]) {
    it(`resting orders are looked at only when the price crossed a limit or every openOrderCheckMs, never every tick (${batched ? 'one fetchOpenOrders for all' : 'one findOrder each'})`, async () => {
      const s = setup({
        dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...LIMIT },
        openOrderCheckMs: 60_000,
        ...(batched ? {} : { wrapExchange: withoutOpenOrders }),
      });
      await step(s);
      await step(s);
      const calls = { findOrder: 0, fetchOpenOrders: 0 };
      const find = s.exchange.findOrder.bind(s.exchange);
      const open = s.exchange.fetchOpenOrders.bind(s.exchange);
      s.exchange.findOrder = async (q) => (calls.findOrder++, find(q));
      s.exchange.fetchOpenOrders = async (x) => (calls.fetchOpenOrders++, open(x));
      for (let i = 0; i < 59; i++) {
        s.clock.advance(1_000);
        await step(s);
      }
      expect(calls).toEqual({ findOrder: 0, fetchOpenOrders: 0 }); // 59 ticks, nothing crossed: no request
      for (let i = 0; i < 10; i++) {
        s.clock.advance(1_000);
        await step(s);
      }
      // At 60 s: the 3 resting orders are checked, once.
      expect(calls).toEqual(batched ? { findOrder: 0, fetchOpenOrders: 1 } : { findOrder: 3, fetchOpenOrders: 0 });
      s.exchange.setPrice('ETH/USDT', '99'); // crosses nothing
      await step(s);
      expect(calls).toEqual(batched ? { findOrder: 0, fetchOpenOrders: 1 } : { findOrder: 3, fetchOpenOrders: 0 });
      s.exchange.setPrice('ETH/USDT', '97.9'); // crosses level 1 (98): that one is looked up at once
      await step(s);
      expect(calls.findOrder).toBe(batched ? 1 : 4);
    });
  }

  it('a resting order filled between ticks (a wick no tick saw) is found by the periodic check', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...LIMIT }, openOrderCheckMs: 60_000 });
    await step(s);
    await step(s);
    s.exchange.setPrice('ETH/USDT', '97'); // level 1 fills at the venue…
    s.exchange.setPrice('ETH/USDT', '100'); // …and the price is back before the next tick
    await step(s);
    expect((await cycle(s)).position?.buys).toBe(1);
    s.clock.advance(60_000);
    await step(s);
    await step(s);
    expect((await cycle(s)).position?.buys).toBe(2);
  });

  it('an acknowledged order the venue stops knowing: one flaky "not found" changes nothing; a whole landing window of them ends it as cancelled, reported', async () => {
    const s = setup({ dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...LIMIT }, landingWindowMs: 30_000, lookupBackoff: { initialMs: 1_000, maxMs: 2_000 } });
    await step(s);
    await step(s);
    const l1 = (await cycle(s)).orders.find((o) => o.level === 1)!;
    const find = s.exchange.findOrder.bind(s.exchange);
    let blind = true;
    s.exchange.findOrder = async (q) => (blind && q.clientOrderId === l1.clientOrderId ? null : find(q));
    s.exchange.setPrice('ETH/USDT', '98.5'); // no crossing: nothing looked up
    s.exchange.setPrice('ETH/USDT', '97.99'); // crosses level 1 at the venue, but the venue's look-up is blind
    await step(s); // the crossing: looked up, "not found"
    blind = false;
    for (let i = 0; i < 5; i++) {
      s.clock.advance(2_000);
      await step(s);
    }
    expect((await cycle(s)).position?.buys).toBe(2); // found filled once the venue answered: nothing lost
    // Now one the venue really forgot: cancelled by hand and archived (Binance drops cancelled orders that filled nothing).
    const l2 = (await cycle(s)).orders.find((o) => o.level === 2)!;
    await s.exchange.cancelOrder({ symbol: 'ETH/USDT', clientOrderId: l2.clientOrderId });
    s.exchange.findOrder = async (q) => (q.clientOrderId === l2.clientOrderId ? null : find(q));
    const before = s.events.length;
    s.clock.advance(60_000); // the periodic check misses it among the open orders: looked up, "not found"
    await step(s);
    for (let i = 0; i < 10; i++) {
      s.clock.advance(2_000);
      await step(s);
    }
    expect((await cycle(s)).orders.some((o) => o.intentId === l2.intentId)).toBe(true); // 20 s: still within the 30 s window
    for (let i = 0; i < 10; i++) {
      s.clock.advance(2_000);
      await step(s);
    }
    const r = await cycle(s);
    expect(r.orders.some((o) => o.intentId === l2.intentId)).toBe(false); // ended as cancelled…
    // A safety buy the venue ended without filling is not placed again (someone cancelled it there):
    // the ladder goes on with the levels after it.
    expect(r.orders.filter((o) => o.purpose === 'rebuy').map((o) => o.level)).toEqual([3]);
    expect(s.events.slice(before).filter(([n, e]) => n === 'error' && String((e as Error).message).includes('no longer knows'))).toHaveLength(1);
    expectBaseMatchesVenue(s, r);
  });

  it('refuses limit modes with an exchange that cannot place or cancel limit orders', () => {
    const s = setup();
    const marketOnly: Exchange = {
      id: 'market-only',
      fetchPrices: (x) => s.exchange.fetchPrices(x),
      getMarket: (x) => s.exchange.getMarket(x),
      placeMarketOrder: (r) => s.exchange.placeMarketOrder(r),
      findOrder: (q) => s.exchange.findOrder(q),
    };
    expect(() => new CycleEngine({ exchange: marketOnly, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, takeProfitOrder: 'limit' }) })).toThrow(InvalidOptionsError);
  });
});
