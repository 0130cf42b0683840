/**
 * CcxtExchange over a real ccxt.bybit and a mocked Bybit v5 (msw): the conformance suite, and
 * orders found by scanning open and closed orders for their orderLinkId.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderOutcomeUnknownError } from 'cycle-engine';
import { CCXT_VENUE_PROFILES, CcxtExchange } from 'cycle-engine/ccxt';
import { describeExchange } from 'cycle-engine/testing';
import { venueClientOrderId } from '../../src/adapters/ccxt/venues';
import { Decimal } from '../../src/decimal';
import { mockedBybit } from '../support/venues/bybit-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
function mockedBybitExchange() {
  const { mock, client } = mockedBybit(server);
  return { mock, client, exchange: new CcxtExchange(client) };
}

describeExchange('CcxtExchange (bybit, mocked with msw)', () => {
  const { mock, exchange } = mockedBybitExchange();
  return {
    exchange,
    symbol: SYMBOL,
    setPrice: (price) => void mock.prices.set('ETHUSDT', new Decimal(price)),
    injectReject: () => mock.inject('insufficient-balance'),
    injectInsufficientFunds: () => mock.inject('insufficient-balance'),
    fillResting: (_symbol, clientOrderId, ratio) => mock.fillResting(venueClientOrderId(CCXT_VENUE_PROFILES.bybit!, clientOrderId), ratio),
  };
});

describe('CcxtExchange over mocked Bybit', () => {
  it('buys by quote (qty in quote: marketUnit quoteCoin, the default) with orderLinkId, then reads the exact fill from order history', async () => {
    const { mock, exchange } = mockedBybitExchange();
    const fill = await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-0123456789abcdefghij' });
    expect(mock.requests[0]?.params).toMatchObject({ category: 'spot', symbol: 'ETHUSDT', side: 'Buy', orderType: 'Market', qty: '20', orderLinkId: 'ce-s-0123456789abcdefghij' });
    expect(mock.requests[0]?.params.marketUnit ?? 'quoteCoin').toBe('quoteCoin'); // Bybit's default for a spot market buy
    // 20 / 2000.1 → 0.00999 ETH (step 0.00001); value 0.00999 × 2000.1 = 19.980999 exactly.
    expect(fill).toMatchObject({ filledBase: '0.00999', costQuote: '19.980999', avgPrice: '2000.1', fee: { currency: 'ETH', amount: '0.00000999' } });
  });

  it('an order that executed but answered HTTP 502 → OrderOutcomeUnknownError, then found by orderLinkId', async () => {
    const { mock, exchange } = mockedBybitExchange();
    mock.inject('executed-then-502');
    await expect(exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-502' })).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-502', since: Date.now() - 1000 })).toMatchObject({ status: 'filled', clientOrderId: 'ce-s-502' });
  });
});
