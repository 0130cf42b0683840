/**
 * Issue 9, bad input validated where it enters the engine: market rules when loaded (case 14),
 * prices each tick (case 15), look-up answers (case 16) and fills checked against themselves
 * (case 4) — each a typed error naming what was wrong, never a silent "no price", a raw decimal
 * error or a look-up repeated without backoff.
 */
import { describe, expect, it } from 'vitest';
import { InvalidExchangeResponseError, type CycleRecord, type OrderFill } from 'cycle-engine';
import { setup, step } from '../support/setup';

const two = { 'ETH/USDT': '100', 'BTC/USDT': '200' };

describe('bad exchange answers (issue 9)', () => {
  it('case 14: market rules with a zero amount step are refused when loaded, naming the symbol; other symbols trade', async () => {
    const s = setup({ prices: two });
    const getMarket = s.exchange.getMarket.bind(s.exchange);
    s.exchange.getMarket = async (symbol) => ({ ...(await getMarket(symbol)), ...(symbol === 'ETH/USDT' ? { amountStep: '0' } : {}) });
    await step(s);
    expect(s.exchange.orders.map((o) => o.symbol)).toEqual(['BTC/USDT']);
    const errors = s.of('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidExchangeResponseError);
    expect(errors[0]?.message).toContain('Market rules of ETH/USDT are invalid: amountStep is "0"');
  });

  it('case 15: a string price is reported once per tick, and costs only its own symbol its price', async () => {
    const s = setup({ prices: two });
    s.exchange.fetchPrices = async () => ({ 'ETH/USDT': '100' as unknown as number, 'BTC/USDT': 200 });
    await step(s);
    await step(s);
    expect(s.exchange.orders.map((o) => o.symbol)).toEqual(['BTC/USDT']);
    const errors = s.of('error');
    expect(errors).toHaveLength(2); // once per tick
    for (const e of errors) {
      expect(e).toBeInstanceOf(InvalidExchangeResponseError);
      expect(e.message).toContain('ETH/USDT: price is "100" (a string)');
    }
  });

  it('case 15: venue ids instead of unified symbols are reported, not read as "no price"', async () => {
    const s = setup();
    s.exchange.fetchPrices = async () => ({ ETHUSDT: 100 });
    await step(s);
    expect(s.exchange.orders).toHaveLength(0);
    expect(s.of('error').map((e) => e.message)).toEqual([expect.stringContaining('"ETHUSDT"')]);
  });

  it('case 16: a look-up answering undefined is reported as an invalid response, and the look-up backoff still applies', async () => {
    const s = setup({ lookupBackoff: { initialMs: 10_000, maxMs: 10_000 } });
    s.exchange.injectFault('unknown-after');
    await step(s); // the start buy executes, its answer is lost: parked
    let lookups = 0;
    const findOrder = s.exchange.findOrder.bind(s.exchange);
    s.exchange.findOrder = async () => {
      lookups++;
      return undefined as never;
    };
    await step(s); // looks it up
    expect(lookups).toBe(1);
    const errors = s.of('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidExchangeResponseError);
    expect(errors[0]?.message).toContain('answered undefined: expected an order state, a fill, an open order or null');
    for (let i = 0; i < 3; i++) await step(s); // within the backoff (≥ 8 s with jitter): no look-up
    expect(lookups).toBe(1);
    s.clock.advance(12_001);
    await step(s);
    expect(lookups).toBe(2);
    s.exchange.findOrder = findOrder; // a venue that answers properly again: the fill is applied
    s.clock.advance(12_001);
    await step(s);
    expect(((await s.engine.getCycle('ETH/USDT')) as CycleRecord).phase).toBe('active');
    expect(s.exchange.orders).toHaveLength(1);
  });

  it('case 4: a fill whose avgPrice disagrees with cost / base is an unknown outcome, looked up, and the true fill applied', async () => {
    const s = setup();
    const place = s.exchange.placeMarketOrder.bind(s.exchange);
    s.exchange.placeMarketOrder = async (request): Promise<OrderFill> => ({ ...(await place(request)), avgPrice: '50' });
    await step(s);
    expect(s.of('order:unknown')).toEqual([expect.objectContaining({ reason: 'INVALID_RESPONSE' })]);
    expect(s.of('error')[0]).toBeInstanceOf(InvalidExchangeResponseError);
    expect(s.of('error')[0]?.message).toContain('avgPrice 50 disagrees');
    await step(s); // looked up: the venue's own record is consistent
    const cycle = (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
    expect(cycle.phase).toBe('active');
    expect(cycle.position?.startPrice).toBe('100'); // the venue's price, not the 50 of the bad answer
    expect(s.exchange.orders).toHaveLength(1);
  });
});
