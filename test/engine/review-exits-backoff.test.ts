/**
 * Review of issue 11: "An exit is decided even while the cycle backs off after a rejected rebuy: a
 * stop loss never waits for a backoff" (docs/exits.md). With `stopLossTimeoutMs`, the stop loss
 * needs `belowSince` persisted; during a backoff the DCA decision is a rebuy carrying that memory,
 * and the engine drops the whole decision — memory included — so the timeout never starts.
 */
import { describe, expect, it } from 'vitest';
import { setup, step } from '../support/setup';

describe('review: stop loss with a timeout during a rebuy backoff', () => {
  it('the price stays below the stop longer than the timeout while a rejected rebuy backs off: the exit is decided', async () => {
    const s = setup({
      // Enough quote for the start (10) only: every rebuy is refused for lack of funds.
      balances: { USDT: '10.5' },
      retryBackoff: { initialMs: 3_600_000, maxMs: 3_600_000 },
      dca: { rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5, stopLossPct: 5, stopLossTimeoutMs: 60_000 },
    });
    await step(s); // start at 100: avg ≈ 100.1, stop ≈ 95.1
    expect((await s.engine.getCycle('ETH/USDT'))?.phase).toBe('active');
    s.exchange.setPrice('ETH/USDT', '97'); // below the rebuy trigger (98), above the stop
    await step(s);
    expect(s.of('order:rejected').length).toBe(1); // the rebuy: backoff of an hour starts
    s.exchange.setPrice('ETH/USDT', '90'); // below the stop, and stays there
    for (let i = 0; i < 8; i++) {
      s.clock.advance(10_000);
      await step(s);
    }
    // 80 s below the stop, timeout 60 s: the stop loss must have fired (not an hour later).
    expect(s.of('cycle:exiting').map((e) => e.reason)).toEqual(['stopLoss']);
  });
});
