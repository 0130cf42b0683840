/**
 * Review of issue 11: `cycle:budgetWait` is emitted "once per symbol until it can go". The engine
 * forgets that it emitted it on any write that raises no claim (a memory write: the stop loss's
 * `belowSince` cleared), so a symbol whose rebuy never goes emits it again at every such write.
 */
import { describe, expect, it } from 'vitest';
import { setup, step } from '../support/setup';

describe('review: budgetWait once per symbol until it can go', () => {
  it('a rebuy refused by the budget, the price crossing the stop back and forth: one budgetWait, the rebuy never went', async () => {
    const s = setup({
      maxTotalInvestedQuote: '15',
      dca: { startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 50, stopLossPct: 5, stopLossTimeoutMs: 3_600_000 },
    });
    await step(s); // start at 100: 10 reserved of 15
    expect((await s.engine.getCycle('ETH/USDT'))?.phase).toBe('active');
    for (const price of ['90', '99', '90', '99', '90']) {
      s.exchange.setPrice('ETH/USDT', price); // 90: below the stop and the rebuy trigger; 99: above both
      s.clock.advance(1_000);
      await step(s);
    }
    expect(s.exchange.orders.filter((o) => o.side === 'buy')).toHaveLength(1); // the rebuy never went
    expect(s.of('cycle:budgetWait')).toHaveLength(1);
  });
});
