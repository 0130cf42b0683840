/**
 * Issue 9, case 4: a fill's numbers are checked against each other and against its order —
 * `avgPrice` agrees with `costQuote / filledBase` within one price tick (or 1e-6 of the price,
 * whichever is larger), amounts are positive (a MARKET fill of 0 base is no fill; a partial fill is
 * valid), symbol / side / clientOrderId are the order's — else InvalidExchangeResponseError, which
 * the engine treats as an unknown outcome and looks up.
 */
import { describe, expect, it } from 'vitest';
import { InvalidExchangeResponseError } from '../../src/errors';
import { checkFill } from '../../src/engine/fill';
import type { MarketRules } from '../../src/ports/exchange';

const market: MarketRules = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };
const buy = { clientOrderId: 'ce-1', side: 'buy' as const };
const fill = { orderId: 'o1', clientOrderId: 'ce-1', symbol: 'ETH/USDT', side: 'buy', status: 'filled', filledBase: '0.05', costQuote: '100', avgPrice: '2000', fee: { currency: 'ETH', amount: '0.00005' }, timestamp: 5 };

function refusal(raw: unknown, m: MarketRules = market): string | undefined {
  try {
    checkFill(raw, buy, m);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidExchangeResponseError);
    return (error as Error).message;
  }
  return undefined;
}

describe('checkFill (issue 9, case 4)', () => {
  it.each<[string, object, string]>([
    ['avgPrice off by more than a tick', { avgPrice: '2000.02' }, 'avgPrice 2000.02 disagrees with costQuote / filledBase = 2000'],
    ['avgPrice of another order', { avgPrice: '1000' }, 'disagrees'],
    ['costQuote that does not match the price', { costQuote: '90' }, 'disagrees'],
    ['filledBase 0 (a MARKET order that executed nothing has no fill)', { filledBase: '0' }, 'filledBase is "0"'],
    ['a negative filledBase', { filledBase: '-0.05' }, 'filledBase'],
    ['a negative costQuote', { costQuote: '-100' }, 'costQuote'],
    ['a zero avgPrice', { avgPrice: '0' }, 'avgPrice'],
    ['a negative fee', { fee: { currency: 'ETH', amount: '-0.1' } }, 'fee is malformed'],
    ['another clientOrderId', { clientOrderId: 'ce-2' }, 'clientOrderId is ce-2'],
    ['no clientOrderId', { clientOrderId: undefined }, 'clientOrderId is undefined'],
    ['another side', { side: 'sell' }, 'side is sell'],
    ['another symbol', { symbol: 'BTC/USDT' }, 'symbol is BTC/USDT'],
    ['no symbol', { symbol: undefined }, 'symbol is undefined'],
    ['a non-boolean feePending', { feePending: 'yes' }, 'feePending'],
    ['a bigint amount', { filledBase: 5n }, 'filledBase is 5'],
  ])('refuses %s', (_case, over, why) => {
    expect(refusal({ ...fill, ...over })).toContain(why);
  });

  it.each<[string, object, MarketRules?]>([
    ['an exact fill', {}],
    ['avgPrice within one tick', { avgPrice: '2000.01' }],
    ['a venue that rounds avgPrice to its tick', { filledBase: '0.0333', costQuote: '100', avgPrice: '3003.00' }],
    // 100 / 0.0333 = 3003.003…: within the 0.01 tick.
    ['a partial fill (less than asked)', { filledBase: '0.01', costQuote: '20', avgPrice: '2000' }],
    ['a tiny tick: the 1e-6 relative tolerance applies', { avgPrice: '2000.0019' }, { ...market, priceTick: '0.00000001' }],
    ['no fee, no status', { fee: null, status: undefined }],
  ])('accepts %s', (_case, over, m = market) => {
    expect(refusal({ ...fill, ...over }, m)).toBeUndefined();
  });

  it('refuses a price off by more than 1e-6 when the tick is tinier', () => {
    expect(refusal({ ...fill, avgPrice: '2000.0021' }, { ...market, priceTick: '0.00000001' })).toContain('disagrees');
  });

  it('keeps feePending and feeEstimated in the clean copy, and only the port fields', () => {
    const clean = checkFill({ ...fill, fee: null, feePending: true, feeEstimated: false, info: { raw: 1 } }, buy, market);
    expect(clean).toEqual({ ...fill, fee: null, feePending: true, feeEstimated: false });
    expect(Object.keys(checkFill(fill, buy, market))).not.toContain('feePending');
  });
});
