/**
 * Issue 9 over real ccxt.okx and ccxt.bybit against the msw mocks: fetchBalances (case 2) and the
 * bound on how late an order can land (case 7): OKX's `expTime` header on the order request only,
 * Bybit's `X-BAPI-RECV-WINDOW` header from ccxt's recvWindow.
 */
import ccxt from 'ccxt';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { BybitMock } from '../support/venues/bybit-mock';
import { OkxMock } from '../support/venues/okx-mock';

const server = setupServer();
const seen: Array<{ method: string; path: string; headers: Headers }> = [];
beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  server.events.on('request:start', ({ request }) => void seen.push({ method: request.method, path: new URL(request.url).pathname, headers: request.headers }));
});
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
const fetchImplementation = (...args: Parameters<typeof fetch>) => globalThis.fetch(...args);

function okx(receiveWindowMs?: number) {
  const mock = new OkxMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.okx({ apiKey: 'k', secret: 's', password: 'p', enableRateLimit: false, fetchImplementation, options: { fetchMarkets: { types: ['spot'] } }, has: { fetchCurrencies: false } });
  return { mock, client, exchange: new CcxtExchange(client, receiveWindowMs === undefined ? {} : { receiveWindowMs }) };
}

function bybit() {
  const mock = new BybitMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.bybit({
    apiKey: 'k', secret: 's', enableRateLimit: false, fetchImplementation,
    options: { fetchMarkets: { types: ['spot'] }, enableUnifiedAccount: true, enableUnifiedMargin: false }, has: { fetchCurrencies: false },
  });
  return { mock, client, exchange: new CcxtExchange(client) };
}

describe('case 2: fetchBalances on OKX and Bybit', () => {
  it('OKX: availBal per currency, 0 for one not held', async () => {
    expect(await okx().exchange.fetchBalances(['USDT', 'ETH', 'BTC'])).toEqual({ USDT: '1000.5', ETH: '0.123456', BTC: '0' });
  });

  it('Bybit (unified account): wallet balance less what is locked', async () => {
    expect(await bybit().exchange.fetchBalances(['USDT', 'ETH', 'BTC'])).toEqual({ USDT: '1000.25', ETH: '0.5', BTC: '0' });
  });
});

describe('case 7: how late an order can land', () => {
  it('OKX: the order request carries expTime = now + receiveWindowMs; the look-up after it does not', async () => {
    const { client, exchange } = okx(7_000);
    seen.length = 0;
    const before = Date.now();
    await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-exptime' });
    const after = Date.now();
    const post = seen.find((r) => r.method === 'POST' && r.path === '/api/v5/trade/batch-orders')!;
    const expTime = Number(post.headers.get('expTime'));
    expect(expTime).toBeGreaterThanOrEqual(before + 7_000);
    expect(expTime).toBeLessThanOrEqual(after + 7_000);
    const lookup = seen.find((r) => r.method === 'GET' && r.path === '/api/v5/trade/order')!;
    expect(lookup.headers.get('expTime')).toBeNull();
    expect(client.headers).not.toHaveProperty('expTime');
  });

  it('Bybit: every private request carries X-BAPI-RECV-WINDOW from ccxt\'s recvWindow (5 s)', async () => {
    const { exchange } = bybit();
    seen.length = 0;
    await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-recvwin' });
    const post = seen.find((r) => r.method === 'POST' && r.path === '/v5/order/create')!;
    expect(post.headers.get('X-BAPI-RECV-WINDOW')).toBe('5000');
  });
});
