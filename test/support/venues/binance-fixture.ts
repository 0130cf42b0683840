/**
 * A real `ccxt.binance` talking to {@link BinanceMock} through msw. ccxt 4.5 sends requests with
 * undici's own client, which msw does not see: the instance is given `globalThis.fetch` as its
 * `fetchImplementation`, which msw intercepts.
 */
import ccxt from 'ccxt';
import type { SetupServer } from 'msw/node';
import { BinanceMock } from './binance-mock';

/** A fresh mocked venue installed on `server`, and a ccxt binance instance pointed at it. */
export function mockedBinance(server: SetupServer, options: { timeoutMs?: number } = {}) {
  const mock = new BinanceMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.binance({
    apiKey: 'mock-api-key',
    secret: 'mock-secret',
    timeout: options.timeoutMs ?? 10_000,
    enableRateLimit: false,
    fetchImplementation: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args),
    // Spot only: no futures exchangeInfo, margin pairs or private currencies call on loadMarkets.
    options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false, fetchCurrencies: false },
  });
  return { mock, client };
}
