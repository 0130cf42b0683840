/**
 * Review of issue 11: no write per tick while a symbol waits — for its budget (a start, or a
 * resting safety buy that does not fit), or for an exit sell's backoff.
 */
import { describe, expect, it } from 'vitest';
import { countWrites, setup, step } from '../support/setup';

describe('review: no write per tick while waiting', () => {
  it('a limit safety buy that does not fit the budget: no write, one budgetWait, however many ticks', async () => {
    const s = setup({ maxTotalInvestedQuote: '15', dca: { takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 1, maxRebuys: 3 } });
    for (let i = 0; i < 3; i++) await step(s);
    expect((await s.engine.getCycle('ETH/USDT'))?.orders.map((o) => o.purpose)).toEqual(['takeProfit']);
    const writes = countWrites(s);
    for (let i = 0; i < 20; i++) {
      s.clock.advance(1_000);
      await step(s);
    }
    expect(writes()).toBe(0);
    expect(s.of('cycle:budgetWait')).toHaveLength(1);
  });

  it('a start refused by maxActiveCycles: no write, one budgetWait', async () => {
    const s = setup({ prices: { 'ETH/USDT': '100', 'BTC/USDT': '100' }, maxActiveCycles: 1 });
    await step(s);
    const writes = countWrites(s);
    for (let i = 0; i < 20; i++) {
      s.clock.advance(1_000);
      await step(s);
    }
    expect(writes()).toBe(0);
    expect(s.of('cycle:budgetWait')).toHaveLength(1);
  });

  it('an exit sell backing off: no write until it is due', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2 }, retryBackoff: { initialMs: 60_000, maxMs: 60_000 } });
    await step(s);
    s.exchange.injectFault('reject', { side: 'sell' });
    await s.engine.closeCycle('ETH/USDT');
    await step(s);
    const writes = countWrites(s);
    for (let i = 0; i < 20; i++) {
      s.clock.advance(1_000);
      await step(s);
    }
    expect(writes()).toBe(0);
  });
});
