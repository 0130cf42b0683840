/**
 * LIMIT orders through CcxtExchange over a real ccxt.binance and a mocked Binance (msw): POST
 * /api/v3/order LIMIT GTC, DELETE by origClientOrderId, GET NEW / PARTIALLY_FILLED / FILLED, fees
 * from myTrades, and Binance's -2011 for an unknown or already filled order.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderOutcomeUnknownError, OrderRejectedError } from 'cycle-engine';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { mockedBinance } from '../support/venues/binance-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
function setup() {
  const { mock, client } = mockedBinance(server);
  return { mock, exchange: new CcxtExchange(client) };
}
const since = () => Date.now() - 60_000;

describe('CcxtExchange LIMIT orders over mocked Binance', () => {
  it('places LIMIT GTC with the client id as newClientOrderId, amount and price to precision; NEW reads as open with nothing executed', async () => {
    const { mock, exchange } = setup();
    const state = await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900.00', clientOrderId: 'ce-r-aaaa' });
    const post = mock.requests.find((r) => r.method === 'POST')!;
    expect(post.params).toMatchObject({ symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '1900', newClientOrderId: 'ce-r-aaaa' });
    expect(state).toMatchObject({ clientOrderId: 'ce-r-aaaa', symbol: SYMBOL, side: 'buy', type: 'limit', status: 'open', price: '1900', amountBase: '0.01', filledBase: '0', costQuote: '0', avgPrice: null, fees: [] });
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-aaaa', since: since() })).toMatchObject({ status: 'open', type: 'limit', filledBase: '0', fees: [] });
  });

  it('PARTIALLY_FILLED: cumulative filled, cost and fees from the raw strings and myTrades, over several fills', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.0300', price: '1900.01', clientOrderId: 'ce-r-bbbb' });
    mock.fillResting('ce-r-bbbb', 0.1);
    mock.fillResting('ce-r-bbbb', 0.2);
    const found = await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-bbbb', since: since() });
    // 0.003 + 0.006 = 0.009 ETH at 1900.01 = 17.10009 USDT; fees 0.1 % in ETH: 0.000003 + 0.000006.
    expect(found).toMatchObject({ status: 'open', filledBase: '0.009', costQuote: '17.10009', avgPrice: '1900.01', fees: [{ currency: 'ETH', amount: '0.000009' }] });
    expect(found).not.toHaveProperty('feePending');
  });

  it('fills not listed in myTrades yet: feePending, no fee', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.03', price: '1900', clientOrderId: 'ce-r-pend' });
    mock.fillResting('ce-r-pend', 0.5);
    mock.listTrades = false;
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-pend', since: since() })).toMatchObject({ status: 'open', filledBase: '0.015', fees: [], feePending: true });
  });

  it('FILLED reads as filled with its fee; a sell at its limit pays its fee in USDT', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'sell', baseAmount: '0.01', price: '2100', clientOrderId: 'ce-t-cccc' });
    mock.fillResting('ce-t-cccc');
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-t-cccc', since: since() })).toMatchObject({
      status: 'filled', side: 'sell', filledBase: '0.01', costQuote: '21', avgPrice: '2100', fees: [{ currency: 'USDT', amount: '0.021' }],
    });
  });

  it('a LIMIT that crosses fills at once: the FULL reply carries the fills and their commission', async () => {
    const { exchange } = setup();
    const state = await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '2050', clientOrderId: 'ce-r-dddd' });
    expect(state).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '20', avgPrice: '2000', fees: [{ currency: 'ETH', amount: '0.00001' }] });
  });

  it('cancel by origClientOrderId: CANCELED with a partial fill → cancelled with the fill and its fees (from myTrades)', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900', clientOrderId: 'ce-r-eeee' });
    mock.fillResting('ce-r-eeee', 0.25);
    const state = await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-eeee' });
    const del = mock.requests.find((r) => r.method === 'DELETE')!;
    expect(del.params).toMatchObject({ symbol: 'ETHUSDT', origClientOrderId: 'ce-r-eeee' });
    expect(del.params.orderId).toBeUndefined();
    expect(state).toMatchObject({ status: 'cancelled', clientOrderId: 'ce-r-eeee', filledBase: '0.005', costQuote: '9.5', avgPrice: '1900', fees: [{ currency: 'ETH', amount: '0.000005' }] });
    expect(mock.requests.some((r) => r.method === 'GET' && r.path === '/api/v3/myTrades')).toBe(true);
  });

  it('cancel with nothing executed answers from the DELETE reply alone (Binance may archive such an order at once)', async () => {
    const { mock, exchange } = setup();
    mock.archiveCancelledWithoutFills = true;
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900', clientOrderId: 'ce-r-ffff' });
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-ffff' })).toMatchObject({ status: 'cancelled', filledBase: '0', costQuote: '0', fees: [] });
    expect(mock.requests.filter((r) => r.method === 'GET' && r.path === '/api/v3/order')).toHaveLength(0);
  });

  it('cancel of an order Binance does not know (-2011 Unknown order sent.) resolves null', async () => {
    const { exchange } = setup();
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-none' })).toBeNull();
  });

  it('cancel of a filled order (-2011 too) resolves with its filled state, fees included', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900', clientOrderId: 'ce-r-gggg' });
    mock.fillResting('ce-r-gggg');
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-gggg' })).toMatchObject({ status: 'filled', filledBase: '0.02', costQuote: '38', fees: [{ currency: 'ETH', amount: '0.00002' }] });
  });

  it('a LIMIT refused by the venue is OrderRejectedError (NOTIONAL, insufficient balance)', async () => {
    const { mock, exchange } = setup();
    await expect(exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.001', price: '1900', clientOrderId: 'ce-r-tiny' })).rejects.toBeInstanceOf(OrderRejectedError);
    mock.inject('insufficient-balance');
    await expect(exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900', clientOrderId: 'ce-r-poor' })).rejects.toMatchObject({ name: 'OrderRejectedError', reason: 'INSUFFICIENT_FUNDS' });
  });

  it('a LIMIT answered -1007 (execution status unknown) is OrderOutcomeUnknownError, then found resting by its client id', async () => {
    const { mock, exchange } = setup();
    mock.inject('backend-timeout');
    await expect(exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900', clientOrderId: 'ce-r-1007' })).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-1007', since: since() })).toMatchObject({ status: 'open', type: 'limit', filledBase: '0' });
  });

  it('a cancel the engine stopped waiting for is OrderOutcomeUnknownError (it may still land)', async () => {
    const { exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900', clientOrderId: 'ce-r-abrt' });
    const controller = new AbortController();
    controller.abort();
    await expect(exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-abrt', signal: controller.signal })).rejects.toMatchObject({ name: 'OrderOutcomeUnknownError', clientOrderId: 'ce-r-abrt' });
  });

  it('a MARKET order is still answered as a fill (OrderFill shape)', async () => {
    const { exchange } = setup();
    await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-mkt' });
    const found = await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-mkt', since: since() });
    expect(found).toMatchObject({ status: 'filled', fee: { currency: 'ETH' } });
    expect(found).not.toHaveProperty('fees');
  });
});
