/**
 * LIMIT orders through CcxtExchange over real ccxt.okx / ccxt.bybit instances and mocked venues
 * (msw): placed with clOrdId / orderLinkId, looked up resting, partly filled and filled, cancelled
 * by client id (their cancel replies name the order only: the final state comes from a look-up),
 * and their "order does not exist" codes (OKX 51400/51402, Bybit 110001).
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { mockedBybit } from '../support/venues/bybit-fixture';
import { mockedOkx } from '../support/venues/okx-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
const since = () => Date.now() - 60_000;

describe('CcxtExchange LIMIT orders over mocked OKX', () => {
  const setup = () => {
    const { mock, client } = mockedOkx(server);
    return { mock, exchange: new CcxtExchange(client) };
  };

  it('places ordType=limit with px, sz and the dash-less clOrdId; the ids-only reply is read back by clOrdId: live → open', async () => {
    const { mock, exchange } = setup();
    const state = await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900.5', clientOrderId: 'ce-r-okx1' });
    expect(mock.requests[0]).toMatchObject({ path: '/api/v5/trade/batch-orders', params: { instId: 'ETH-USDT', side: 'buy', ordType: 'limit', px: '1900.5', sz: '0.01', clOrdId: 'cerokx1' } });
    expect(mock.requests[1]).toMatchObject({ method: 'GET', path: '/api/v5/trade/order', params: { clOrdId: 'cerokx1' } });
    expect(state).toMatchObject({ clientOrderId: 'ce-r-okx1', status: 'open', type: 'limit', price: '1900.5', amountBase: '0.01', filledBase: '0', costQuote: '0', avgPrice: null, fees: [] });
  });

  it('partially_filled → open with cumulative accFillSz, accFillSz × avgPx and the cumulative fee; filled → filled', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900.5', clientOrderId: 'ce-r-okx2' });
    mock.fillResting('cerokx2', 0.25);
    mock.fillResting('cerokx2', 0.25);
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-okx2', since: since() })).toMatchObject({
      status: 'open', filledBase: '0.01', costQuote: '19.005', avgPrice: '1900.5', fees: [{ currency: 'ETH', amount: '0.00001' }],
    });
    mock.fillResting('cerokx2');
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-okx2', since: since() })).toMatchObject({ status: 'filled', filledBase: '0.02', costQuote: '38.01', fees: [{ currency: 'ETH', amount: '0.00002' }] });
  });

  it('a crossing limit fills at once', async () => {
    const { exchange } = setup();
    expect(await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'sell', baseAmount: '0.01', price: '1990', clientOrderId: 'ce-t-okx3' })).toMatchObject({
      status: 'filled', side: 'sell', filledBase: '0.01', costQuote: '20.001', fees: [{ currency: 'USDT', amount: '0.020001' }],
    });
  });

  it('cancel sends clOrdId to trade/cancel-order and resolves with the partial fill and its fee, read back', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900.5', clientOrderId: 'ce-r-okx4' });
    mock.fillResting('cerokx4', 0.5);
    const state = await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-okx4' });
    expect(mock.requests.find((r) => r.path === '/api/v5/trade/cancel-order')?.params).toEqual({ instId: 'ETH-USDT', clOrdId: 'cerokx4' });
    expect(state).toMatchObject({ status: 'cancelled', filledBase: '0.01', costQuote: '19.005', fees: [{ currency: 'ETH', amount: '0.00001' }] });
  });

  it('cancel of an unknown clOrdId (51400) → null; of a filled order (51402) → its filled state', async () => {
    const { mock, exchange } = setup();
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-none' })).toBeNull();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900.5', clientOrderId: 'ce-r-okx5' });
    mock.fillResting('cerokx5');
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-okx5' })).toMatchObject({ status: 'filled', filledBase: '0.01' });
  });
});

describe('CcxtExchange LIMIT orders over mocked Bybit', () => {
  const setup = () => {
    const { mock, client } = mockedBybit(server);
    return { mock, exchange: new CcxtExchange(client) };
  };

  it('places orderType Limit GTC with orderLinkId; the ids-only reply is read back from order/realtime: New → open', async () => {
    const { mock, exchange } = setup();
    const state = await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900.5', clientOrderId: 'ce-r-byb1' });
    expect(mock.requests[0]).toMatchObject({ path: '/v5/order/create', params: { category: 'spot', symbol: 'ETHUSDT', side: 'Buy', orderType: 'Limit', qty: '0.01', price: '1900.5', timeInForce: 'GTC', orderLinkId: 'ce-r-byb1' } });
    expect(state).toMatchObject({ clientOrderId: 'ce-r-byb1', status: 'open', type: 'limit', price: '1900.5', amountBase: '0.01', filledBase: '0', fees: [] });
  });

  it('PartiallyFilled → open with cumulative cumExecQty / cumExecValue and fees from execution/list; Filled → filled', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900.5', clientOrderId: 'ce-r-byb2' });
    mock.fillResting('ce-r-byb2', 0.25);
    mock.fillResting('ce-r-byb2', 0.25);
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-byb2', since: since() })).toMatchObject({
      status: 'open', filledBase: '0.01', costQuote: '19.005', avgPrice: '1900.5', fees: [{ currency: 'ETH', amount: '0.00001' }],
    });
    mock.fillResting('ce-r-byb2');
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-byb2', since: since() })).toMatchObject({ status: 'filled', filledBase: '0.02', costQuote: '38.01', fees: [{ currency: 'ETH', amount: '0.00002' }] });
  });

  it('cancel sends orderLinkId to order/cancel; PartiallyFilledCanceled (ccxt: closed) → cancelled with the partial fill and fees', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.02', price: '1900.5', clientOrderId: 'ce-r-byb3' });
    mock.fillResting('ce-r-byb3', 0.5);
    const state = await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-byb3' });
    expect(mock.requests.find((r) => r.path === '/v5/order/cancel')?.params).toMatchObject({ category: 'spot', symbol: 'ETHUSDT', orderLinkId: 'ce-r-byb3' });
    expect(state).toMatchObject({ status: 'cancelled', filledBase: '0.01', costQuote: '19.005', fees: [{ currency: 'ETH', amount: '0.00001' }] });
  });

  it('cancel of an unknown orderLinkId (110001) → null; of a filled order → its filled state', async () => {
    const { mock, exchange } = setup();
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-none' })).toBeNull();
    await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '1900.5', clientOrderId: 'ce-r-byb4' });
    mock.fillResting('ce-r-byb4');
    expect(await exchange.cancelOrder({ symbol: SYMBOL, clientOrderId: 'ce-r-byb4' })).toMatchObject({ status: 'filled', filledBase: '0.01', fees: [{ currency: 'ETH', amount: '0.00001' }] });
  });

  it('a crossing limit fills at once', async () => {
    const { exchange } = setup();
    expect(await exchange.placeLimitOrder({ symbol: SYMBOL, side: 'buy', baseAmount: '0.01', price: '2050', clientOrderId: 'ce-r-byb5' })).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '20.001' });
  });
});
