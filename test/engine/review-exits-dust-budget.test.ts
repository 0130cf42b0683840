/**
 * Review of issue 11: "the venue's net spend never exceeds the budget". An exit at a price where
 * the position is below the minimum notional closes the cycle carrying the WHOLE position as dust
 * (docs/exits.md) and releases its reservation; the next cycle's start then merges that dust into
 * its position (its cost included) but reserves only its `quoteAmount`. The cycle's invested quote
 * exceeds its reservation, and the venue has spent more than the budget.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { CycleRecord, PortfolioRecord } from 'cycle-engine';
import { setup, step } from '../support/setup';

describe('review: dust carried by an exit, and the budget', () => {
  it('a start that takes over a dust position reserves its cost too; the venue never spends more than the budget', async () => {
    const s = setup({
      prices: { 'ETH/USDT': '100', 'BTC/USDT': '100' },
      maxTotalInvestedQuote: '20',
      dca: { startQuote: 10, rebuyDropPct: 90, maxRebuys: 1, takeProfitPct: 50, stopLossPct: 50, cooldownMs: 0 },
    });
    await step(s); // both start: 10 + 10 reserved of 20
    expect((await s.engine.getCycle('ETH/USDT'))?.phase).toBe('active');
    expect((await s.engine.getCycle('BTC/USDT'))?.phase).toBe('active');
    s.exchange.setPrice('ETH/USDT', '40'); // below the stop (≈ 50.05); 0.0999 × 40 < the 5 minimum notional: all dust
    for (let i = 0; i < 4; i++) {
      s.clock.advance(1_000);
      await step(s);
    }
    expect(s.of('cycle:closed').map((e) => e.reason)).toContain('stopLoss');
    expect(s.exchange.orders.filter((o) => o.side === 'sell')).toHaveLength(0); // nothing was sellable
    const eth = (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
    // Every active cycle's invested quote is covered by its reservation.
    const portfolio = (await s.store.get('__portfolio'))?.value as PortfolioRecord | undefined;
    for (const r of [eth, (await s.engine.getCycle('BTC/USDT')) as CycleRecord]) {
      if (r.position === null) continue;
      const reserved = portfolio?.reservations.find((x) => x.key === r.symbol)?.quote ?? '0';
      expect(new Decimal(reserved).gte(r.position.investedQuote), `${r.symbol}: reserved ${reserved}, invested ${r.position.investedQuote}`).toBe(true);
    }
    // Independent: what the venue took out of the quote balance, nothing sold.
    const spent = new Decimal(100000).minus(s.exchange.balance('USDT'));
    expect(spent.lte(20), `the venue spent ${spent.toFixed()} with a budget of 20`).toBe(true);
  });
});

describe('review: dust carried by an exit, and the budget (unfixed: needs a design decision)', () => {
  it('while the dust waits for its symbol\'s next start, its cost still counts against the budget: two other symbols cannot spend it again', async () => {
    const s = setup({
      prices: { 'ETH/USDT': '100', 'BTC/USDT': '100', 'SOL/USDT': '100' },
      maxTotalInvestedQuote: '20',
      dca: { startQuote: 10, rebuyDropPct: 90, maxRebuys: 1, takeProfitPct: 50, stopLossPct: 50, cooldownMs: 3_600_000 },
    });
    await step(s); // two of the three start: 20 reserved of 20
    const active = async () => (await Promise.all(['ETH/USDT', 'BTC/USDT', 'SOL/USDT'].map((x) => s.engine.getCycle(x)))).filter((r) => r?.phase === 'active');
    const [first] = await active();
    expect(await active()).toHaveLength(2);
    s.exchange.setPrice(first!.symbol, '40'); // its stop loss: all dust (below the minimum notional), reservation released
    for (let i = 0; i < 4; i++) {
      s.clock.advance(1_000);
      await step(s);
    }
    expect(s.of('cycle:closed').map((e) => e.reason)).toContain('stopLoss');
    const spent = new Decimal(100000).minus(s.exchange.balance('USDT'));
    expect(spent.lte(20), `the venue spent ${spent.toFixed()} (nothing sold) with a budget of 20`).toBe(true);
  });
});
