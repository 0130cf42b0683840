import { describe, expect, it } from 'vitest';
import { dca, InvalidOptionsError, type Position } from 'cycle-engine';
import { Decimal } from '../../src/decimal';
import { parseDcaOptions, rebuyQuoteAmount, rebuyTriggerPrice, takeProfitPrice } from '../../src/strategy/dca';

const market = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };

function position(over: Partial<Position> = {}): Position {
  return { startPrice: '100', lastBuyPrice: '100', avgPrice: '100', baseVolume: '0.1', investedQuote: '10', buys: 1, openedAt: 0, ...over };
}

describe('DCA maths (pure)', () => {
  const p = parseDcaOptions({ startQuote: 10, rebuyDropPct: 2, rebuyStepScale: 1.5, rebuyVolumeScale: 2, maxRebuys: 5, takeProfitPct: 1.5 });

  it.each([
    // lastBuy, k, expected trigger: last × (1 − 2·1.5^(k−1)/100)
    ['100', 1, '98'],
    ['100', 2, '97'],
    ['100', 3, '95.5'],
    ['3028.07', 1, '2967.5086'],
    ['0.5', 4, '0.466250'],
  ])('rebuy trigger after last buy %s for rebuy %i is %s', (last, k, expected) => {
    expect(rebuyTriggerPrice(new Decimal(last), k, p).eq(expected)).toBe(true);
  });

  it.each([
    [1, '20'],
    [2, '40'],
    [3, '80'],
  ])('rebuy %i buys startQuote · 2^k = %s', (k, expected) => {
    expect(rebuyQuoteAmount(k, p).toFixed()).toBe(expected);
  });

  it.each([
    ['100', '101.5'],
    ['3028.07', '3073.49105'],
  ])('take profit over avg %s is %s', (avg, expected) => {
    expect(takeProfitPrice(new Decimal(avg), p).eq(expected)).toBe(true);
  });
});

describe('dca().decide', () => {
  const s = dca({ startQuote: '10', rebuyDropPct: 2, rebuyStepScale: 1, rebuyVolumeScale: 1.5, maxRebuys: 2, takeProfitPct: 1.5 });
  const decide = (price: number, pos: Position | null) => s.decide({ symbol: 'ETH/USDT', price, position: pos, market, now: 0 });

  it.each([
    // price, position, expected
    [100, null, { action: 'start', quoteAmount: '10' }],
    [101.5, position(), { action: 'sell' }], // exactly at take profit
    [101.49, position(), null],
    [98, position(), { action: 'rebuy', quoteAmount: '15' }], // exactly at the trigger
    [98.01, position(), null],
    [96.04, position({ lastBuyPrice: '98', buys: 2, avgPrice: '98.8' }), { action: 'rebuy', quoteAmount: '22.5' }],
    [50, position({ buys: 3 }), null], // maxRebuys (2) reached
    [100.5, position({ avgPrice: '99' }), { action: 'sell' }],
  ])('at %d with %o → %o', (price, pos, expected) => {
    expect(decide(price, pos)).toEqual(expected);
  });

  it('respects maxInvestedQuote', () => {
    const capped = dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5, maxInvestedQuote: 25 });
    const at = (pos: Position) => capped.decide({ symbol: 'ETH/USDT', price: 90, position: pos, market, now: 0 });
    expect(at(position({ investedQuote: '15' }))).toEqual({ action: 'rebuy', quoteAmount: '10' });
    expect(at(position({ investedQuote: '15.01' }))).toBeNull();
  });

  it('gives the same answer for the same position object twice (cached thresholds)', () => {
    const pos = position();
    expect(decide(97, pos)).toEqual(decide(97, pos));
    expect(decide(102, pos)).toEqual({ action: 'sell' });
  });

  it('defaults step scale, volume scale and cooldown', () => {
    const d = dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 1, takeProfitPct: 1 });
    expect(d.options).toMatchObject({ rebuyStepScale: '1', rebuyVolumeScale: '1', cooldownMs: 0, maxInvestedQuote: null });
  });
});

describe('dca() option validation', () => {
  const good = { startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 };
  it.each([
    [{ ...good, startQuote: 0 }, 'strategy.startQuote'],
    [{ ...good, startQuote: -5 }, 'strategy.startQuote'],
    [{ ...good, startQuote: Number.NaN }, 'strategy.startQuote'],
    [{ ...good, startQuote: '1,5' }, 'strategy.startQuote'],
    [{ ...good, startQuote: undefined }, 'strategy.startQuote'],
    [{ ...good, takeProfitPct: 0 }, 'strategy.takeProfitPct'],
    [{ ...good, takeProfitPct: -1 }, 'strategy.takeProfitPct'],
    [{ ...good, rebuyDropPct: 100 }, 'strategy.rebuyDropPct'],
    [{ ...good, rebuyStepScale: 0 }, 'strategy.rebuyStepScale'],
    [{ ...good, rebuyVolumeScale: Number.POSITIVE_INFINITY }, 'strategy.rebuyVolumeScale'],
    [{ ...good, maxRebuys: 1.5 }, 'strategy.maxRebuys'],
    [{ ...good, maxRebuys: -1 }, 'strategy.maxRebuys'],
    [{ ...good, cooldownMs: -1 }, 'strategy.cooldownMs'],
    [{ ...good, maxInvestedQuote: 5 }, 'strategy.maxInvestedQuote'],
  ])('%o is refused at %s', (options, option) => {
    let caught: unknown;
    try {
      dca(options as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).option).toBe(option);
    expect((caught as InvalidOptionsError).code).toBe('INVALID_OPTIONS');
  });
});
