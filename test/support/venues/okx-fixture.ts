/**
 * A real `ccxt.okx` talking to {@link OkxMock} through msw (given `globalThis.fetch` as its
 * `fetchImplementation`, which msw intercepts).
 */
import ccxt from 'ccxt';
import type { SetupServer } from 'msw/node';
import { OkxMock } from './okx-mock';

/** A fresh mocked OKX installed on `server`, and a ccxt okx instance pointed at it. */
export function mockedOkx(server: SetupServer) {
  const mock = new OkxMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.okx({
    apiKey: 'mock-key', secret: 'mock-secret', password: 'mock-passphrase', enableRateLimit: false,
    fetchImplementation: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args),
    options: { fetchMarkets: { types: ['spot'] } },
    has: { fetchCurrencies: false }, // no private asset/currencies call on loadMarkets
  });
  return { mock, client };
}
