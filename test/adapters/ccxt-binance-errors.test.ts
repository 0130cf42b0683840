/**
 * CcxtExchange over a real ccxt.binance and a mocked Binance: how each venue answer is classified,
 * what is sent (quoteOrderQty, newClientOrderId, origClientOrderId), and exact decimal fills.
 */
import { createRequire } from 'node:module';
import ccxt from 'ccxt';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, OrderOutcomeUnknownError, OrderRejectedError } from 'cycle-engine';
import { CCXT_ERROR_CLASSIFICATION, CcxtExchange, classifyCcxtError } from 'cycle-engine/ccxt';
import { Decimal } from '../../src/decimal';
import { mockedBinance } from '../support/venues/binance-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
const buy = (clientOrderId: string, quoteAmount = '20') => ({ symbol: SYMBOL, side: 'buy' as const, quoteAmount, clientOrderId });
const sell = (clientOrderId: string, baseAmount: string) => ({ symbol: SYMBOL, side: 'sell' as const, baseAmount, clientOrderId });
const setup = (timeoutMs?: number) => {
  const { mock, client } = mockedBinance(server, { timeoutMs });
  return { mock, client, exchange: new CcxtExchange(client) };
};
const posts = (mock: ReturnType<typeof setup>['mock']) => mock.requests.filter((r) => r.method === 'POST');

describe('CcxtExchange over mocked Binance: what is sent and what comes back', () => {
  it('buys by quote amount (quoteOrderQty) with the client order id, and returns exact decimal strings and the fee', async () => {
    const { mock, exchange } = setup();
    mock.prices.set('ETHUSDT', new Decimal('3333.33'));
    const fill = await exchange.placeMarketOrder(buy('ce-s-aaaa', '20.1'));
    const [sent] = posts(mock);
    expect(sent?.params).toMatchObject({ symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quoteOrderQty: '20.1', newClientOrderId: 'ce-s-aaaa', newOrderRespType: 'FULL' });
    expect(sent?.params.quantity).toBeUndefined();
    // 20.1 / 3333.33 → 0.0060 ETH; cost 0.006 × 3333.33 = 19.99998 exactly (floats would give 19.999979999…).
    expect(fill).toMatchObject({ clientOrderId: 'ce-s-aaaa', symbol: SYMBOL, side: 'buy', status: 'filled', filledBase: '0.006', costQuote: '19.99998', avgPrice: '3333.33', fee: { currency: 'ETH', amount: '0.000006' } });
  });

  it('sells by base amount rounded down to the LOT_SIZE step with amountToPrecision', async () => {
    const { mock, exchange } = setup();
    const fill = await exchange.placeMarketOrder(sell('ce-x-bbbb', '0.012345678'));
    expect(posts(mock)[0]?.params).toMatchObject({ side: 'SELL', quantity: '0.0123', newClientOrderId: 'ce-x-bbbb' });
    expect(fill).toMatchObject({ filledBase: '0.0123', costQuote: '24.6', fee: { currency: 'USDT', amount: '0.0246' } });
  });

  it('rejects below the minimum notional before sending anything', async () => {
    const { mock, exchange } = setup();
    await expect(exchange.placeMarketOrder(buy('ce-s-cccc', '4.99'))).rejects.toMatchObject({ name: 'OrderRejectedError', reason: 'MIN_NOTIONAL' });
    expect(posts(mock)).toHaveLength(0);
  });

  it('rejects a buy by quote amount where ccxt has no createMarketBuyOrderWithCost, before sending', async () => {
    const { mock, client, exchange } = setup();
    client.has.createMarketBuyOrderWithCost = false;
    await expect(exchange.placeMarketOrder(buy('ce-s-dddd'))).rejects.toMatchObject({ reason: 'QUOTE_AMOUNT_UNSUPPORTED' });
    expect(posts(mock)).toHaveLength(0);
  });

  it('finds an order with GET /api/v3/order?origClientOrderId=…, fee from myTrades; an unknown id (-2013) is null', async () => {
    const { mock, exchange } = setup();
    const fill = await exchange.placeMarketOrder(buy('ce-s-eeee'));
    const found = await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-eeee', since: Date.now() - 1000 });
    expect(mock.requests.find((r) => r.method === 'GET' && r.path === '/api/v3/order')?.params).toMatchObject({ symbol: 'ETHUSDT', origClientOrderId: 'ce-s-eeee' });
    expect(found).toEqual({ ...fill, timestamp: found!.status === 'filled' ? found!.timestamp : 0 });
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-never', since: Date.now() })).toBeNull();
  });

  it('fetchPrices batches with ticker/24hr and leaves out unknown symbols', async () => {
    const { mock, exchange } = setup();
    expect(await exchange.fetchPrices([SYMBOL, 'NOPE/USDT'])).toEqual({ [SYMBOL]: 2000 });
    expect(mock.requests.length).toBe(0); // public GETs are not recorded; nothing private was sent
  });
});

describe('CcxtExchange over mocked Binance: classification of venue answers', () => {
  const cases = [
    ['insufficient-balance', OrderRejectedError, 'INSUFFICIENT_FUNDS'],
    ['backend-timeout', OrderOutcomeUnknownError, undefined],
    ['message-bus', OrderOutcomeUnknownError, undefined],
    ['server-error', OrderOutcomeUnknownError, undefined],
    ['rate-limit', OrderOutcomeUnknownError, undefined],
  ] as const;
  for (const [fault, type, reason] of cases) {
    it(`${fault} → ${type.name}`, async () => {
      const { mock, exchange } = setup();
      mock.inject(fault);
      const error = await exchange.placeMarketOrder(buy(`ce-s-${fault}`)).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      if (reason) expect(error).toMatchObject({ reason, clientOrderId: `ce-s-${fault}` });
    });
  }

  it('markets that cannot be loaded → OrderRejectedError (MARKETS_UNAVAILABLE): nothing was sent', async () => {
    const { mock, exchange } = setup();
    server.use(http.get('https://api.binance.com/api/v3/exchangeInfo', () => HttpResponse.error()));
    await expect(exchange.placeMarketOrder(buy('ce-s-nomarkets'))).rejects.toMatchObject({ name: 'OrderRejectedError', reason: 'MARKETS_UNAVAILABLE' });
    expect(posts(mock)).toHaveLength(0);
  });

  it('Binance -1013 NOTIONAL on a small sell → OrderRejectedError', async () => {
    const { exchange } = setup();
    await expect(exchange.placeMarketOrder(sell('ce-x-small', '0.0001'))).rejects.toMatchObject({ name: 'OrderRejectedError', reason: 'FILTER_FAILURE' });
  });

  it('a request that times out in ccxt → OrderOutcomeUnknownError, and the executed order is then found', async () => {
    const { mock, exchange } = setup(300);
    mock.inject('hang');
    await expect(exchange.placeMarketOrder(buy('ce-s-hang'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-hang', since: Date.now() - 5000 })).toMatchObject({ status: 'filled', clientOrderId: 'ce-s-hang' });
  });

  it('the engine abort signal → OrderOutcomeUnknownError at once', async () => {
    const { mock, exchange } = setup();
    mock.inject('hang');
    const controller = new AbortController();
    const placed = exchange.placeMarketOrder({ ...buy('ce-s-abort'), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(placed).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
  });
});

describe('classifyCcxtError', () => {
  it('checks OrderNotFound and DuplicateOrderId before their parent InvalidOrder', () => {
    expect(classifyCcxtError(new ccxt.DuplicateOrderId('dup'), 'okx').outcome).toBe('unknown');
    expect(classifyCcxtError(new ccxt.OrderNotFound('gone'), 'okx').outcome).toBe('unknown');
    expect(classifyCcxtError(new ccxt.InvalidOrder('bad'), 'okx').outcome).toBe('rejected');
    const names = CCXT_ERROR_CLASSIFICATION.map((r) => r.match);
    expect(names.indexOf('DuplicateOrderId')).toBeLessThan(names.indexOf('InvalidOrder'));
  });

  it('classifies errors of ccxt\'s CJS build by name (its classes are not the ESM ones)', () => {
    const cjs = createRequire(import.meta.url)('ccxt') as typeof ccxt;
    const error = new cjs.InsufficientFunds('binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}');
    expect(error instanceof ccxt.InsufficientFunds).toBe(false);
    expect(classifyCcxtError(error, 'binance')).toMatchObject({ outcome: 'rejected', reason: 'INSUFFICIENT_FUNDS' });
    expect(classifyCcxtError(new cjs.RequestTimeout('t'), 'binance').outcome).toBe('unknown');
    expect(classifyCcxtError(new cjs.ExchangeNotAvailable('503'), 'binance').outcome).toBe('unknown');
  });

  it('reads Binance codes from the body ccxt appends: -1013 rejected, -1006/-1007 unknown, whatever the class', () => {
    expect(classifyCcxtError(new ccxt.ExchangeError('binance {"code":-1013,"msg":"Filter failure: NOTIONAL"}'), 'binance').outcome).toBe('rejected');
    expect(classifyCcxtError(new ccxt.BadRequest('binance {"code":-1007,"msg":"Timeout"}'), 'binance').outcome).toBe('unknown');
    expect(classifyCcxtError(new ccxt.ExchangeError('binance {"code":-1006,"msg":"bus"}'), 'binance').outcome).toBe('unknown');
    expect(classifyCcxtError(new ccxt.ExchangeError('something else'), 'binance').outcome).toBe('unknown');
    expect(classifyCcxtError(new ccxt.InvalidOrder('binance {"code":-2010,"msg":"Duplicate order sent."}'), 'binance').outcome).toBe('unknown');
  });
});

describe('CcxtExchange construction', () => {
  it('refuses a venue that ignores client order ids (coinbase) and an unlisted venue without a profile', () => {
    expect(() => new CcxtExchange(new ccxt.coinbase())).toThrow(InvalidOptionsError);
    expect(() => new CcxtExchange(new ccxt.gate())).toThrow(/venueProfile/);
    expect(new CcxtExchange(new ccxt.gate(), { venueProfile: { lookup: 'scan', maxIdLength: 28, idPattern: /^t-[A-Za-z0-9_.-]+$/ } }).id).toBe('gate');
    expect(new CcxtExchange(new ccxt.okx()).id).toBe('okx');
  });
});
