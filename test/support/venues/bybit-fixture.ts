/**
 * A real `ccxt.bybit` talking to {@link BybitMock} through msw (given `globalThis.fetch` as its
 * `fetchImplementation`, which msw intercepts).
 */
import ccxt from 'ccxt';
import type { SetupServer } from 'msw/node';
import { BybitMock } from './bybit-mock';

/** A fresh mocked Bybit installed on `server`, and a ccxt bybit instance pointed at it. */
export function mockedBybit(server: SetupServer) {
  const mock = new BybitMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.bybit({
    apiKey: 'mock-key', secret: 'mock-secret', enableRateLimit: false,
    fetchImplementation: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args),
    // Spot markets only; a unified account stated up front (else ccxt asks user/query-api first).
    options: { fetchMarkets: { types: ['spot'] }, enableUnifiedAccount: true, enableUnifiedMargin: false },
    has: { fetchCurrencies: false },
  });
  return { mock, client };
}
