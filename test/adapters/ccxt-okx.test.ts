/**
 * CcxtExchange over a real ccxt.okx and a mocked OKX (msw): the conformance suite, client order
 * ids sent as dash-less clOrdId, look-ups by clOrdId, fills from accFillSz × avgPx, classification.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderOutcomeUnknownError } from 'cycle-engine';
import { CCXT_VENUE_PROFILES, CcxtExchange } from 'cycle-engine/ccxt';
import { describeExchange } from 'cycle-engine/testing';
import { venueClientOrderId } from '../../src/adapters/ccxt/venues';
import { Decimal } from '../../src/decimal';
import { mockedOkx } from '../support/venues/okx-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
function mockedOkxExchange() {
  const { mock, client } = mockedOkx(server);
  return { mock, client, exchange: new CcxtExchange(client) };
}

describeExchange('CcxtExchange (okx, mocked with msw)', () => {
  const { mock, exchange } = mockedOkxExchange();
  return {
    exchange,
    symbol: SYMBOL,
    setPrice: (price) => void mock.prices.set('ETH-USDT', new Decimal(price)),
    injectReject: () => mock.inject('insufficient-balance'),
    injectInsufficientFunds: () => mock.inject('insufficient-balance'),
    fillResting: (_symbol, clientOrderId, ratio) => mock.fillResting(venueClientOrderId(CCXT_VENUE_PROFILES.okx!, clientOrderId), ratio),
  };
}, { quoteAmount: '20' }); // OKX has no minimum notional in ccxt, but a minimum size (minSz 0.0001 ETH)

describe('CcxtExchange over mocked OKX', () => {
  it('sends the engine id without dashes as clOrdId, buys with tgtCcy=quote_ccy, and reads the fill by clOrdId', async () => {
    const { mock, exchange } = mockedOkxExchange();
    const fill = await exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-0123456789abcdefghij' });
    expect(mock.requests[0]?.params).toMatchObject({ instId: 'ETH-USDT', side: 'buy', ordType: 'market', tgtCcy: 'quote_ccy', sz: '20', clOrdId: 'ces0123456789abcdefghij' });
    expect(mock.requests[1]).toMatchObject({ method: 'GET', params: { clOrdId: 'ces0123456789abcdefghij' } });
    // 20 / 2000.1 → 0.009999 ETH (lot 0.000001); cost 0.009999 × 2000.1 = 19.9989999 exactly.
    expect(fill).toMatchObject({ clientOrderId: 'ce-s-0123456789abcdefghij', filledBase: '0.009999', costQuote: '19.9989999', avgPrice: '2000.1', fee: { currency: 'ETH', amount: '0.000009999' } });
  });

  it('an order that executed but answered HTTP 500 → OrderOutcomeUnknownError, then found by clOrdId', async () => {
    const { mock, exchange } = mockedOkxExchange();
    mock.inject('executed-then-500');
    await expect(exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-500' })).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-500', since: Date.now() - 1000 })).toMatchObject({ status: 'filled', clientOrderId: 'ce-s-500' });
  });
});
