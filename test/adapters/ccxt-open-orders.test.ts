/**
 * CcxtExchange.fetchOpenOrders over real ccxt instances and mocked venues (msw), in the venues' own
 * formats: the open orders of several markets in one request (Binance GET /api/v3/openOrders
 * without symbol, OKX GET /api/v5/trade/orders-pending without instId, Bybit GET /v5/order/realtime
 * with category=spot and no symbol), cumulative partial fills, other markets and foreign orders
 * left out, and no method at all on a venue that cannot list open orders.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/decimal';
import { CcxtExchange } from 'cycle-engine/ccxt';
import type { CcxtExchangeLike } from 'cycle-engine/ccxt';
import { mockedBinance } from '../support/venues/binance-fixture';
import { mockedOkx } from '../support/venues/okx-fixture';
import { mockedBybit } from '../support/venues/bybit-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const byId = <T extends { clientOrderId: string }>(xs: readonly T[]) => Object.fromEntries(xs.map((x) => [x.clientOrderId, x]));

describe('CcxtExchange.fetchOpenOrders over mocked Binance', () => {
  function setup() {
    const { mock, client } = mockedBinance(server);
    mock.prices.set('BTCUSDT', new Decimal('30000.00'));
    mock.prices.set('SOLUSDT', new Decimal('20.00'));
    return { mock, exchange: new CcxtExchange(client) };
  }

  it('lists the open orders of several markets with one GET /api/v3/openOrders without symbol, partial fills cumulative, other markets left out', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: 'ETH/USDT', side: 'buy', baseAmount: '0.0300', price: '1900.01', clientOrderId: 'ce-r-eth1' });
    await exchange.placeLimitOrder({ symbol: 'ETH/USDT', side: 'sell', baseAmount: '0.0100', price: '2100', clientOrderId: 'ce-x-eth2' });
    await exchange.placeLimitOrder({ symbol: 'BTC/USDT', side: 'buy', baseAmount: '0.0010', price: '29000', clientOrderId: 'ce-r-btc1' });
    await exchange.placeLimitOrder({ symbol: 'SOL/USDT', side: 'buy', baseAmount: '1', price: '19', clientOrderId: 'ce-r-sol1' });
    await exchange.placeLimitOrder({ symbol: 'ETH/USDT', side: 'buy', baseAmount: '0.01', price: '1800', clientOrderId: 'ce-r-gone' });
    await exchange.cancelOrder({ symbol: 'ETH/USDT', clientOrderId: 'ce-r-gone' });
    mock.fillResting('ce-r-eth1', 0.1);
    mock.fillResting('ce-r-eth1', 0.2);
    mock.requests.length = 0;

    const states = await exchange.fetchOpenOrders!(['ETH/USDT', 'BTC/USDT']);

    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v3/openOrders']);
    expect(mock.requests[0]!.params).not.toHaveProperty('symbol');
    const got = byId(states);
    expect(Object.keys(got).sort()).toEqual(['ce-r-btc1', 'ce-r-eth1', 'ce-x-eth2']); // SOL (not asked) and the cancelled order are not listed
    // 0.003 + 0.006 = 0.009 ETH at 1900.01 = 17.10009 USDT; the listing carries no commissions: fees pending.
    expect(got['ce-r-eth1']).toMatchObject({ symbol: 'ETH/USDT', side: 'buy', type: 'limit', status: 'open', price: '1900.01', amountBase: '0.03', filledBase: '0.009', costQuote: '17.10009', avgPrice: '1900.01', fees: [], feePending: true });
    expect(got['ce-x-eth2']).toMatchObject({ symbol: 'ETH/USDT', side: 'sell', status: 'open', filledBase: '0', costQuote: '0', avgPrice: null, fees: [] });
    expect(got['ce-x-eth2']).not.toHaveProperty('feePending');
    expect(got['ce-r-btc1']).toMatchObject({ symbol: 'BTC/USDT', price: '29000', amountBase: '0.001', filledBase: '0' });
  });

  it('one market is asked for alone, with its symbol (the cheaper request)', async () => {
    const { mock, exchange } = setup();
    await exchange.placeLimitOrder({ symbol: 'BTC/USDT', side: 'buy', baseAmount: '0.0010', price: '29000', clientOrderId: 'ce-r-btc1' });
    mock.requests.length = 0;
    expect((await exchange.fetchOpenOrders!(['BTC/USDT'])).map((s) => s.clientOrderId)).toEqual(['ce-r-btc1']);
    expect(mock.requests).toEqual([expect.objectContaining({ path: '/api/v3/openOrders', params: expect.objectContaining({ symbol: 'BTCUSDT' }) })]);
  });

  it('a failing request throws (redacted), like the other reads', async () => {
    const { exchange } = setup();
    await exchange.getMarket('ETH/USDT');
    const { http, HttpResponse } = await import('msw');
    server.use(http.get('https://api.binance.com/api/v3/openOrders', () => HttpResponse.json({ code: -1003, msg: 'Too many requests.' }, { status: 429 })));
    await expect(exchange.fetchOpenOrders!(['ETH/USDT', 'BTC/USDT'])).rejects.toThrow(/fetchOpenOrders/);
  });
});

describe('CcxtExchange.fetchOpenOrders where the venue cannot list open orders', () => {
  it('is absent, not throwing, when has.fetchOpenOrders is false', () => {
    const double = { id: 'kraken', has: { fetchOpenOrders: false }, createOrder: async () => ({}) } as unknown as CcxtExchangeLike;
    const exchange = new CcxtExchange(double);
    expect(exchange.fetchOpenOrders).toBeUndefined();
    expect('fetchOpenOrders' in exchange).toBe(false);
  });

  it('asks once per symbol on a venue that does not batch (Kraken)', async () => {
    const calls: Array<string | undefined> = [];
    const double = {
      id: 'kraken', has: { fetchOpenOrders: true }, createOrder: async () => ({}),
      loadMarkets: async () => ({ 'ETH/USDT': { symbol: 'ETH/USDT', spot: true }, 'BTC/USDT': { symbol: 'BTC/USDT', spot: true } }),
      fetchOpenOrders: async (symbol?: string) => {
        calls.push(symbol);
        return [{ id: `O-${symbol}`, symbol, clientOrderId: symbol === 'ETH/USDT' ? 'ce-r-k1' : '', side: 'buy', type: 'limit', status: 'open', info: { vol: '0.5', vol_exec: '0', cost: '0', descr: { price: '1900' } } }];
      },
    } as unknown as CcxtExchangeLike;
    const states = await new CcxtExchange(double).fetchOpenOrders!(['ETH/USDT', 'BTC/USDT', 'XRP/USDT']);
    expect(calls).toEqual(['ETH/USDT', 'BTC/USDT']); // an unknown market is not asked for
    expect(states).toEqual([expect.objectContaining({ clientOrderId: 'ce-r-k1', orderId: 'O-ETH/USDT', price: '1900', amountBase: '0.5', filledBase: '0' })]); // no client id: not ours
  });
});

describe('CcxtExchange.fetchOpenOrders over mocked OKX', () => {
  it('one GET trade/orders-pending without instId (instType=SPOT) for several markets; engine ids read back with their dashes; fees cumulative from the listing', async () => {
    const { mock, client } = mockedOkx(server);
    mock.prices.set('BTC-USDT', new Decimal('30000.1'));
    mock.prices.set('SOL-USDT', new Decimal('20.1'));
    const exchange = new CcxtExchange(client);
    await exchange.placeLimitOrder({ symbol: 'ETH/USDT', side: 'buy', baseAmount: '0.03', price: '1900', clientOrderId: 'ce-r-eth1' });
    await exchange.placeLimitOrder({ symbol: 'BTC/USDT', side: 'sell', baseAmount: '0.001', price: '31000', clientOrderId: 'ce-x-btc1' });
    await exchange.placeLimitOrder({ symbol: 'SOL/USDT', side: 'buy', baseAmount: '1', price: '19', clientOrderId: 'ce-r-sol1' });
    mock.fillResting('cereth1', 0.1);
    mock.fillResting('cereth1', 0.2);
    mock.requests.length = 0;

    const got = byId(await exchange.fetchOpenOrders!(['ETH/USDT', 'BTC/USDT']));

    expect(mock.requests).toEqual([{ method: 'GET', path: '/api/v5/trade/orders-pending', params: { instType: 'SPOT', limit: '100' } }]);
    expect(Object.keys(got).sort()).toEqual(['ce-r-eth1', 'ce-x-btc1']);
    // 0.003 + 0.006 ETH at 1900 = 17.1 USDT; OKX's fee -0.000009 ETH is a charge of 0.000009.
    expect(got['ce-r-eth1']).toMatchObject({ symbol: 'ETH/USDT', side: 'buy', status: 'open', price: '1900', amountBase: '0.03', filledBase: '0.009', costQuote: '17.1', fees: [{ currency: 'ETH', amount: '0.000009' }] });
    expect(got['ce-r-eth1']).not.toHaveProperty('feePending');
    expect(got['ce-x-btc1']).toMatchObject({ symbol: 'BTC/USDT', side: 'sell', status: 'open', price: '31000', filledBase: '0', fees: [] });
  });
});

describe('CcxtExchange.fetchOpenOrders over mocked Bybit', () => {
  it('one GET /v5/order/realtime with category=spot and no symbol for several markets; partial fills cumulative', async () => {
    const { mock, client } = mockedBybit(server);
    mock.prices.set('BTCUSDT', new Decimal('30000.1'));
    mock.prices.set('SOLUSDT', new Decimal('20.1'));
    const exchange = new CcxtExchange(client);
    await exchange.placeLimitOrder({ symbol: 'ETH/USDT', side: 'buy', baseAmount: '0.03', price: '1900', clientOrderId: 'ce-r-eth1' });
    await exchange.placeLimitOrder({ symbol: 'BTC/USDT', side: 'buy', baseAmount: '0.001', price: '29000', clientOrderId: 'ce-r-btc1' });
    await exchange.placeLimitOrder({ symbol: 'SOL/USDT', side: 'buy', baseAmount: '1', price: '19', clientOrderId: 'ce-r-sol1' });
    mock.fillResting('ce-r-eth1', 0.1);
    mock.fillResting('ce-r-eth1', 0.2);
    mock.requests.length = 0;

    const got = byId(await exchange.fetchOpenOrders!(['ETH/USDT', 'BTC/USDT']));

    expect(mock.requests.map((r) => r.path)).toEqual(['/v5/order/realtime']);
    expect(mock.requests[0]!.params).toMatchObject({ category: 'spot', limit: '50' });
    expect(mock.requests[0]!.params).not.toHaveProperty('symbol');
    expect(mock.requests[0]!.params).not.toHaveProperty('settleCoin');
    expect(Object.keys(got).sort()).toEqual(['ce-r-btc1', 'ce-r-eth1']);
    expect(got['ce-r-eth1']).toMatchObject({ symbol: 'ETH/USDT', side: 'buy', status: 'open', price: '1900', amountBase: '0.03', filledBase: '0.009', costQuote: '17.1' });
    // This listing has cumExecFee but no cumFeeDetail (no currency): fees pending, no extra request.
    expect(got['ce-r-eth1']).toMatchObject({ fees: [], feePending: true });
    expect(mock.requests.filter((r) => r.path === '/v5/execution/list')).toEqual([]);
    expect(got['ce-r-btc1']).toMatchObject({ symbol: 'BTC/USDT', filledBase: '0', fees: [] });
  });
});
