/**
 * Issue 9, case 14: market rules are validated when they are loaded, with an error naming the
 * symbol — not a raw DecimalError at the first sell.
 */
import { describe, expect, it } from 'vitest';
import { InvalidExchangeResponseError } from '../../src/errors';
import { checkMarketRules } from '../../src/engine/market-rules';

const good = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };

describe('checkMarketRules (issue 9, case 14)', () => {
  it.each<[string, unknown, string]>([
    ['not an object', null, 'expected an object'],
    ['an array', [good], 'an array'],
    ['another symbol', { ...good, symbol: 'ETHUSDT' }, 'symbol is "ETHUSDT"'],
    ['no symbol', { ...good, symbol: undefined }, 'symbol is missing'],
    ['an empty base', { ...good, base: '' }, 'base'],
    ['no quote', { ...good, quote: undefined }, 'quote is missing'],
    ['a zero amount step', { ...good, amountStep: '0' }, 'amountStep is "0", expected a decimal > 0'],
    ['a negative amount step', { ...good, amountStep: '-0.1' }, 'amountStep'],
    ['a non-decimal amount step', { ...good, amountStep: '1e-8x' }, 'amountStep'],
    ['a missing price tick', { ...good, priceTick: undefined }, 'priceTick is missing'],
    ['a zero price tick', { ...good, priceTick: 0 }, 'priceTick is 0'],
    ['a NaN price tick', { ...good, priceTick: Number.NaN }, 'priceTick is NaN'],
    ['a negative min notional', { ...good, minNotional: '-1' }, 'minNotional'],
    ['a missing min notional', { ...good, minNotional: undefined }, 'minNotional'],
    ['a taker fee rate of 1', { ...good, takerFeeRate: '1' }, 'takerFeeRate is "1", expected a decimal ≥ 0 and < 1'],
    ['a negative taker fee rate', { ...good, takerFeeRate: '-0.001' }, 'takerFeeRate'],
    ['a non-decimal taker fee rate', { ...good, takerFeeRate: 'ten bps' }, 'takerFeeRate'],
  ])('refuses %s, naming the symbol', (_case, raw, why) => {
    let error: unknown;
    try {
      checkMarketRules('ETH/USDT', raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidExchangeResponseError);
    expect((error as Error).message).toContain('Market rules of ETH/USDT are invalid');
    expect((error as Error).message).toContain(why);
  });

  it.each<[string, unknown, object]>([
    ['the port shape', good, good],
    ['a min notional of 0', { ...good, minNotional: '0' }, { minNotional: '0' }],
    ['numbers, made canonical decimal strings', { ...good, amountStep: 1e-8, priceTick: 0.01, minNotional: 10 }, { amountStep: '0.00000001', priceTick: '0.01', minNotional: '10' }],
    ['trailing zeros, dropped', { ...good, amountStep: '0.00100000' }, { amountStep: '0.001' }],
    ['a taker fee rate', { ...good, takerFeeRate: '0.00075' }, { takerFeeRate: '0.00075' }],
    ['a taker fee rate of 0', { ...good, takerFeeRate: 0 }, { takerFeeRate: '0' }],
  ])('accepts %s', (_case, raw, expected) => {
    expect(checkMarketRules('ETH/USDT', raw)).toMatchObject(expected);
  });

  it('returns a clean copy with only the port fields', () => {
    const clean = checkMarketRules('ETH/USDT', { ...good, precision: { amount: 4 }, info: { secret: 'x' } });
    expect(clean).toEqual(good);
    expect(Object.keys(checkMarketRules('ETH/USDT', good))).not.toContain('takerFeeRate');
  });
});
