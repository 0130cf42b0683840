/**
 * PaperExchange's resting LIMIT book (issue 10): placing, resting, reservations, fills on setPrice
 * at the limit with the maker fee, an immediate cross as a taker, cancels, look-ups, the order and
 * cancel logs. Balances are checked exactly after every step.
 */
import { describe, expect, it } from 'vitest';
import { PaperExchange, type PaperExchangeOptions } from '../../src/adapters/paper/paper-exchange';
import { InvalidOptionsError, OrderRejectedError } from '../../src/errors';
import type { LimitOrderRequest, OrderSide } from '../../src/ports/exchange';

const ETH = 'ETH/USDT';
// Taker 0.1 %, maker 0.05 %: every fee below says which one was charged.
const paper = (options: PaperExchangeOptions = {}) =>
  new PaperExchange({
    prices: { [ETH]: '2000' },
    balances: { USDT: '100', ETH: '1' },
    makerFeeRate: '0.0005',
    markets: { [ETH]: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } },
    ...options,
  });
const limit = (side: OrderSide, baseAmount: string, price: string, clientOrderId = `c-${side}`): LimitOrderRequest => ({
  symbol: ETH, side, baseAmount, price, clientOrderId,
});
const find = (ex: PaperExchange, clientOrderId: string) => ex.findOrder({ symbol: ETH, clientOrderId, since: 0 });
const balances = (ex: PaperExchange) => [ex.balance('ETH'), ex.balance('USDT')];

describe('a resting buy', () => {
  it('rests open, reserves price × amount of quote, and is found open with nothing filled', async () => {
    const ex = paper();
    const state = await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    expect(state).toMatchObject({
      orderId: 'paper-1', clientOrderId: 'c-buy', symbol: ETH, side: 'buy', type: 'limit', status: 'open',
      price: '1900', amountBase: '0.01', filledBase: '0', costQuote: '0', avgPrice: null, fees: [],
    });
    expect(balances(ex)).toEqual(['1', '81']);
    expect(await find(ex, 'c-buy')).toEqual(state);
    expect(ex.orders[0]).toMatchObject({ type: 'limit', status: 'open', price: '1900', baseAmount: '0.01', state });
    expect(ex.executedOrders()).toEqual([]);
  });

  it('a price above the limit fills nothing; one at or below fills it at the limit, with the maker fee in base', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    ex.setPrice(ETH, '1900.01');
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'open', filledBase: '0' });
    ex.setPrice(ETH, '1850'); // jumped past the limit: still filled at 1900
    const state = await find(ex, 'c-buy');
    expect(state).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '19', avgPrice: '1900', fees: [{ currency: 'ETH', amount: '0.000005' }] });
    expect(balances(ex)).toEqual(['1.009995', '81']);
    expect(ex.executedOrders()).toHaveLength(1);
    ex.setPrice(ETH, '1700'); // a filled order fills once
    expect(balances(ex)).toEqual(['1.009995', '81']);
  });

  it('every crossed order fills at its own limit, in one setPrice; the others keep resting', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1950', 'b1'));
    await ex.placeLimitOrder(limit('buy', '0.01', '1900', 'b2'));
    await ex.placeLimitOrder(limit('buy', '0.01', '1850', 'b3'));
    expect(balances(ex)).toEqual(['1', '43']);
    ex.setPrice(ETH, '1900');
    expect((await find(ex, 'b1'))?.status).toBe('filled');
    expect(await find(ex, 'b2')).toMatchObject({ status: 'filled', costQuote: '19', avgPrice: '1900' });
    expect((await find(ex, 'b3'))?.status).toBe('open');
    // 0.02 ETH less 0.05 % maker fee; quote stays reserved for b3 only.
    expect(balances(ex)).toEqual(['1.01999', '43']);
  });
});

describe('a resting sell', () => {
  it('reserves its base and fills at its limit when the price reaches it, with the maker fee in quote', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('sell', '0.5', '2100'));
    expect(balances(ex)).toEqual(['0.5', '100']);
    ex.setPrice(ETH, '2099.99');
    expect((await find(ex, 'c-sell'))?.status).toBe('open');
    ex.setPrice(ETH, '2150');
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'filled', filledBase: '0.5', costQuote: '1050', avgPrice: '2100', fees: [{ currency: 'USDT', amount: '0.525' }] });
    expect(balances(ex)).toEqual(['0.5', '1149.475']);
  });
});

describe('a limit that crosses at once', () => {
  it('a buy at or above the price fills at the current price as a taker; the unused reservation is freed', async () => {
    const ex = paper();
    const state = await ex.placeLimitOrder(limit('buy', '0.01', '2050'));
    expect(state).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '20', avgPrice: '2000', price: '2050', fees: [{ currency: 'ETH', amount: '0.00001' }] });
    expect(balances(ex)).toEqual(['1.00999', '80']);
    expect(ex.orders[0]?.status).toBe('filled');
  });

  it('a sell at or below the price fills at the current price as a taker', async () => {
    const ex = paper();
    const state = await ex.placeLimitOrder(limit('sell', '0.01', '2000'));
    expect(state).toMatchObject({ status: 'filled', costQuote: '20', avgPrice: '2000', fees: [{ currency: 'USDT', amount: '0.02' }] });
    expect(balances(ex)).toEqual(['0.99', '119.98']);
  });
});

describe('refusals', () => {
  it.each<[string, LimitOrderRequest, string]>([
    ['amount off the step', limit('buy', '0.01005', '1900'), 'LOT_SIZE'],
    ['price off the tick', limit('buy', '0.01', '1900.001'), 'PRICE_FILTER'],
    ['below the minimum notional', limit('buy', '0.002', '1900'), 'MIN_NOTIONAL'],
    ['an unknown symbol', { ...limit('buy', '0.01', '1900'), symbol: 'XRP/USDT' }, 'UNKNOWN_SYMBOL'],
    ['a buy beyond the free quote', limit('buy', '0.06', '1900'), 'INSUFFICIENT_FUNDS'],
    ['a sell beyond the free base', limit('sell', '1.0001', '2100'), 'INSUFFICIENT_FUNDS'],
  ])('%s: %s, nothing reserved, never found', async (_name, request, reason) => {
    const ex = paper();
    await expect(ex.placeLimitOrder(request)).rejects.toMatchObject({ code: 'ORDER_REJECTED', reason, clientOrderId: request.clientOrderId });
    expect(balances(ex)).toEqual(['1', '100']);
    expect(await ex.findOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId, since: 0 })).toBeNull();
    expect(ex.orders[0]).toMatchObject({ status: 'rejected', rejectReason: reason });
  });

  it('funds already reserved by resting orders are not free: a further order is INSUFFICIENT_FUNDS', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.05', '1900', 'b1')); // reserves 95
    await expect(ex.placeLimitOrder(limit('buy', '0.003', '1900', 'b2'))).rejects.toMatchObject({ reason: 'INSUFFICIENT_FUNDS' });
    await ex.placeLimitOrder(limit('sell', '0.6', '2100', 's1'));
    await expect(ex.placeLimitOrder(limit('sell', '0.5', '2200', 's2'))).rejects.toMatchObject({ reason: 'INSUFFICIENT_FUNDS' });
    await expect(ex.placeMarketOrder({ symbol: ETH, side: 'buy', quoteAmount: '10', clientOrderId: 'm1' })).rejects.toMatchObject({ reason: 'INSUFFICIENT_FUNDS' });
    expect(balances(ex)).toEqual(['0.4', '5']);
  });

  it('a client id is refused while its order rests, and reusable once it ended', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900', 'same'));
    await expect(ex.placeLimitOrder(limit('buy', '0.01', '1800', 'same'))).rejects.toMatchObject({ reason: 'DUPLICATE_CLIENT_ORDER_ID' });
    await expect(ex.placeMarketOrder({ symbol: ETH, side: 'buy', quoteAmount: '10', clientOrderId: 'same' })).rejects.toMatchObject({ reason: 'DUPLICATE_CLIENT_ORDER_ID' });
    await ex.cancelOrder({ symbol: ETH, clientOrderId: 'same' });
    expect((await ex.placeLimitOrder(limit('buy', '0.01', '1800', 'same'))).status).toBe('open');
    expect(await find(ex, 'same')).toMatchObject({ status: 'open', price: '1800' });
  });
});

describe('cancelOrder', () => {
  it('a resting order ends cancelled, its reservation freed, and a later crossing fills nothing', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    const state = await ex.cancelOrder({ symbol: ETH, clientOrderId: 'c-buy' });
    expect(state).toMatchObject({ status: 'cancelled', filledBase: '0', costQuote: '0', avgPrice: null, fees: [] });
    expect(balances(ex)).toEqual(['1', '100']);
    expect(await find(ex, 'c-buy')).toEqual(state);
    ex.setPrice(ETH, '1800');
    expect(balances(ex)).toEqual(['1', '100']);
    expect(ex.orders[0]?.status).toBe('cancelled');
    expect(ex.cancels).toEqual([{ seq: 1, symbol: ETH, clientOrderId: 'c-buy', receivedAt: expect.any(Number), outcome: 'cancelled', faults: [], state }]);
  });

  it('an order already ended answers its final state; an unknown one answers null', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('sell', '0.01', '2000'));
    expect(await ex.cancelOrder({ symbol: ETH, clientOrderId: 'c-sell' })).toMatchObject({ status: 'filled', filledBase: '0.01' });
    expect(await ex.cancelOrder({ symbol: ETH, clientOrderId: 'nope' })).toBeNull();
    expect(await ex.cancelOrder({ symbol: 'BTC/USDT', clientOrderId: 'c-sell' })).toBeNull();
    expect(ex.cancels.map((c) => c.outcome)).toEqual(['already-ended', 'unknown-order', 'unknown-order']);
    expect(balances(ex)).toEqual(['0.99', '119.98']);
  });

  it('a MARKET order that filled answers its fill as an OrderState; findOrder still answers it as 0.1 did', async () => {
    const ex = paper();
    const fill = await ex.placeMarketOrder({ symbol: ETH, side: 'buy', quoteAmount: '20', clientOrderId: 'm' });
    expect(await ex.cancelOrder({ symbol: ETH, clientOrderId: 'm' })).toEqual({
      orderId: fill.orderId, clientOrderId: 'm', symbol: ETH, side: 'buy', type: 'market', status: 'filled',
      filledBase: '0.01', costQuote: '20', avgPrice: '2000', fees: [{ currency: 'ETH', amount: '0.00001' }], timestamp: fill.timestamp,
    });
    expect(await find(ex, 'm')).toEqual(fill);
  });
});

describe('options and market rules', () => {
  it('getMarket reports both fee rates; the maker rate defaults to 0.1 %', async () => {
    expect(await paper().getMarket(ETH)).toMatchObject({ takerFeeRate: '0.001', makerFeeRate: '0.0005' });
    expect(await new PaperExchange({ prices: { [ETH]: '1' } }).getMarket(ETH)).toMatchObject({ makerFeeRate: '0.001' });
  });

  it('refuses a maker rate that is not a decimal in [0, 1)', () => {
    for (const makerFeeRate of ['1', '-0.001', 'abc']) expect(() => new PaperExchange({ makerFeeRate })).toThrow(InvalidOptionsError);
  });

  it('a zero maker rate charges no fee', async () => {
    const ex = paper({ makerFeeRate: '0' });
    await ex.placeLimitOrder(limit('sell', '0.01', '2100'));
    ex.setPrice(ETH, '2100');
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'filled', fees: [] });
    expect(balances(ex)).toEqual(['0.99', '121']);
  });
});

describe('latency', () => {
  it('inside its latency the order is open with nothing filled, cannot be cancelled yet, and rests once it lands', async () => {
    const ex = paper({ latencyMs: 5 });
    const placed = ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    expect(await find(ex, 'c-buy')).toMatchObject({ type: 'limit', status: 'open', filledBase: '0', avgPrice: null });
    expect(await ex.cancelOrder({ symbol: ETH, clientOrderId: 'c-buy' })).toBeNull();
    expect(balances(ex)).toEqual(['1', '100']);
    expect((await placed).status).toBe('open');
    expect(balances(ex)).toEqual(['1', '81']);
  });
});

it('a refusal is an OrderRejectedError', async () => {
  await expect(paper().placeLimitOrder(limit('buy', '1', '1900'))).rejects.toBeInstanceOf(OrderRejectedError);
});
