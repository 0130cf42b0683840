/**
 * CcxtExchange over a real ccxt.binance instance and a mocked Binance (msw) passes the exchange
 * conformance suite, its LIMIT cases included (the mock fills a resting order on `fillResting`).
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { describeExchange } from 'cycle-engine/testing';
import { Decimal } from '../../src/decimal';
import { mockedBinance } from '../support/venues/binance-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describeExchange('CcxtExchange (binance, mocked with msw)', () => {
  const { mock, client } = mockedBinance(server);
  return {
    exchange: new CcxtExchange(client),
    symbol: 'ETH/USDT',
    setPrice: (price) => void mock.prices.set('ETHUSDT', new Decimal(price)),
    injectReject: () => mock.inject('insufficient-balance'),
    injectInsufficientFunds: () => mock.inject('insufficient-balance'),
    fillResting: (_symbol, clientOrderId, ratio) => mock.fillResting(clientOrderId, ratio),
  };
});
