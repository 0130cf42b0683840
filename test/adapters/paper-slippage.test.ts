import { describe, it, expect } from 'vitest';
import { PaperExchange } from '../../src/adapters/paper/paper-exchange';
import { InvalidOptionsError } from '../../src/errors';

const ETH = 'ETH/USDT';

function exchange(price: string, marketSlippagePct?: string): PaperExchange {
  return new PaperExchange({
    prices: { [ETH]: price },
    balances: { USDT: '100000', ETH: '10' },
    feeRate: '0',
    ...(marketSlippagePct === undefined ? {} : { marketSlippagePct }),
  });
}

async function fillPrice(x: PaperExchange, side: 'buy' | 'sell'): Promise<string> {
  const fill =
    side === 'buy'
      ? await x.placeMarketOrder({ symbol: ETH, side, quoteAmount: '50', clientOrderId: 'c-buy' })
      : await x.placeMarketOrder({ symbol: ETH, side, baseAmount: '0.1', clientOrderId: 'c-sell' });
  return fill.avgPrice;
}

describe('PaperExchange marketSlippagePct', () => {
  // Worked by hand: buy = price × (1 + pct/100) rounded up to the 0.01 tick, sell = price × (1 − pct/100)
  // rounded down to it; a price off the tick gets the exact product.
  it.each([
    { price: '2000', pct: undefined, side: 'buy', expected: '2000' }, // default: the price set
    { price: '2000', pct: undefined, side: 'sell', expected: '2000' },
    { price: '2000', pct: '0', side: 'buy', expected: '2000' },
    { price: '100', pct: '0.05', side: 'buy', expected: '100.05' }, // 100 × 1.0005, on the tick
    { price: '103.03', pct: '0.05', side: 'sell', expected: '102.97' }, // 102.978485 ↓
    { price: '3028.07', pct: '0.05', side: 'buy', expected: '3029.59' }, // 3029.584035 ↑
    { price: '3028.07', pct: '0.05', side: 'sell', expected: '3026.55' }, // 3026.555965 ↓
    { price: '500.123', pct: '0.1', side: 'sell', expected: '499.622877' }, // off the tick: exact
    { price: '500.123', pct: '0.1', side: 'buy', expected: '500.623123' },
  ] as const)('$side at $price with $pct % fills at $expected', async ({ price, pct, side, expected }) => {
    expect(await fillPrice(exchange(price, pct), side)).toBe(expected);
  });

  it('cost and balances use the slipped price', async () => {
    const x = exchange('103.03', '0.05');
    const fill = await x.placeMarketOrder({ symbol: ETH, side: 'sell', baseAmount: '0.1', clientOrderId: 'c1' });
    expect(fill).toMatchObject({ filledBase: '0.1', costQuote: '10.297', avgPrice: '102.97' });
    expect(x.balance('USDT')).toBe('100010.297');
    expect(x.getPrice(ETH)).toBe('103.03'); // the last price is not moved by the fill
  });

  it('setMarketSlippagePct changes later fills only', async () => {
    const x = exchange('100');
    expect(await fillPrice(x, 'buy')).toBe('100');
    x.setMarketSlippagePct('0.05');
    expect(await fillPrice(x, 'buy')).toBe('100.05');
    expect(x.orders[0]!.fill!.avgPrice).toBe('100');
    x.setMarketSlippagePct(0);
    expect(await fillPrice(x, 'sell')).toBe('100');
  });

  it.each([['-0.1'], ['100'], ['abc']])('refuses %s', (pct) => {
    expect(() => exchange('100', pct)).toThrow(InvalidOptionsError);
    expect(() => exchange('100').setMarketSlippagePct(pct)).toThrow(InvalidOptionsError);
  });
});
