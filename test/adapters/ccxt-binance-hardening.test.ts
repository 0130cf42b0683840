/**
 * Issue 9, the exchange-adapter side, over a real ccxt.binance and the msw Binance mock:
 * case 1 — a MARKET order Binance ends EXPIRED after a partial fill is a fill of what executed;
 * case 2 — fetchBalances (exact free amounts) and "-2010 Account has insufficient balance" as
 * INSUFFICIENT_FUNDS on buys and sells; case 3 — an order found by client id whose trades are not
 * listed yet is a fill with `fee: null, feePending: true`, never a fee-free fill, and getMarket
 * carries ccxt's taker rate; case 7 — every order carries `recvWindow`.
 */
import ccxt from 'ccxt';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from 'cycle-engine';
import { CcxtExchange, classifyCcxtError } from 'cycle-engine/ccxt';
import { mockedBinance } from '../support/venues/binance-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
const setup = (options?: ConstructorParameters<typeof CcxtExchange>[1]) => {
  const { mock, client } = mockedBinance(server);
  return { mock, client, exchange: new CcxtExchange(client, options) };
};

describe('case 2: balances and insufficient funds', () => {
  it('fetchBalances returns the free amounts as Binance\'s exact strings, 0 for an asset not held', async () => {
    const { exchange } = setup();
    expect(await exchange.fetchBalances(['ETH', 'USDT', 'BNB', 'DOGE'])).toEqual({ ETH: '0.12345678', USDT: '1000', BNB: '0', DOGE: '0' });
  });

  it('-2010 "Account has insufficient balance for requested action." is INSUFFICIENT_FUNDS whatever class ccxt gives it', () => {
    const message = 'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}';
    for (const error of [new ccxt.ExchangeError(message), new ccxt.InvalidOrder(message), new ccxt.InsufficientFunds(message)]) {
      expect(classifyCcxtError(error, 'binance')).toMatchObject({ outcome: 'rejected', reason: 'INSUFFICIENT_FUNDS' });
    }
    // Other -2010 refusals stay NEW_ORDER_REJECTED; a duplicate stays unknown.
    expect(classifyCcxtError(new ccxt.ExchangeError('binance {"code":-2010,"msg":"Market is closed."}'), 'binance').reason).toBe('NEW_ORDER_REJECTED');
    expect(classifyCcxtError(new ccxt.InvalidOrder('binance {"code":-2010,"msg":"Duplicate order sent."}'), 'binance').outcome).toBe('unknown');
  });

  for (const side of ['buy', 'sell'] as const) {
    it(`a ${side} refused for insufficient balance → OrderRejectedError INSUFFICIENT_FUNDS`, async () => {
      const { mock, exchange } = setup();
      mock.inject('insufficient-balance');
      const request = side === 'buy' ? { quoteAmount: '20' } : { baseAmount: '0.01' };
      await expect(exchange.placeMarketOrder({ symbol: SYMBOL, side, clientOrderId: `ce-${side[0]}-nofunds`, ...request }))
        .rejects.toMatchObject({ code: 'ORDER_REJECTED', reason: 'INSUFFICIENT_FUNDS' });
    });
  }
});

describe('case 1: a MARKET order EXPIRED on a thin book', () => {
  it('is a fill of what executed (40 %), with its fee, both when answered and when looked up', async () => {
    const { mock, exchange } = setup();
    mock.inject('thin-book');
    const fill = await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'sell', baseAmount: '0.05', clientOrderId: 'ce-x-thin' });
    // 0.05 × 0.4 = 0.02 ETH executed at 2000 → 40 USDT, fee 0.04 USDT.
    expect(fill).toMatchObject({ status: 'filled', filledBase: '0.02', costQuote: '40', fee: { currency: 'USDT', amount: '0.04' } });
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-x-thin', since: Date.now() - 1000 })).toMatchObject({ filledBase: '0.02', costQuote: '40' });
  });
});

describe('case 3: a fee not reported yet', () => {
  it('an order found by client id with no trades listed yet is a fill with fee null and feePending, then with its fee once listed', async () => {
    const { mock, exchange } = setup();
    await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-feepending' });
    mock.listTrades = false;
    const query = { symbol: SYMBOL, clientOrderId: 'ce-s-feepending', since: Date.now() - 1000 };
    expect(await exchange.findOrder(query)).toMatchObject({ status: 'filled', filledBase: '0.01', fee: null, feePending: true });
    mock.listTrades = true;
    const found = await exchange.findOrder(query);
    expect(found).toMatchObject({ status: 'filled', fee: { currency: 'ETH', amount: '0.00001' } });
    expect(found).not.toHaveProperty('feePending');
  });

  it('getMarket carries ccxt\'s taker rate as a decimal string', async () => {
    const { exchange } = setup();
    expect(await exchange.getMarket(SYMBOL)).toMatchObject({ takerFeeRate: '0.001', makerFeeRate: '0.001' });
  });
});

describe('case 7: orders cannot land late', () => {
  it('every order carries recvWindow (default 10 s, or the receiveWindowMs option)', async () => {
    const { mock, exchange } = setup();
    await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-window1' });
    const custom = setup({ receiveWindowMs: 5_000 });
    await custom.exchange.placeMarketOrder({ symbol: SYMBOL, side: 'sell', baseAmount: '0.01', clientOrderId: 'ce-x-window2' });
    const posts = (m: typeof mock) => m.requests.filter((r) => r.method === 'POST');
    expect(posts(mock)[0]!.params.recvWindow).toBe('10000');
    expect(posts(custom.mock)[0]!.params.recvWindow).toBe('5000');
  });

  it('refuses a window above 60 s (what Binance and Kraken accept) or not a whole number of ms', () => {
    const { client } = mockedBinance(server);
    for (const receiveWindowMs of [0, 60_001, 1.5, Number.NaN]) {
      expect(() => new CcxtExchange(client, { receiveWindowMs })).toThrow(InvalidOptionsError);
    }
  });
});

describe('case 7: the bound per venue', () => {
  it('Binance recvWindow, Kraken deadline (RFC 3339), nothing for venues that cannot take it per order', async () => {
    const { receiveWindowParams } = await import('../../src/adapters/ccxt/receive-window');
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(receiveWindowParams('binance', 10_000, now)).toEqual({ recvWindow: 10_000 });
    expect(receiveWindowParams('binanceus', 5_000, now)).toEqual({ recvWindow: 5_000 });
    expect(receiveWindowParams('kraken', 10_000, now)).toEqual({ deadline: '2026-01-01T12:00:10.000Z' });
    expect(receiveWindowParams('okx', 10_000, now)).toEqual({});
    expect(receiveWindowParams('bybit', 10_000, now)).toEqual({});
  });
});
