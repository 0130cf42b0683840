/** Exact decimals as bigints (`src/backtest/fixed.ts`): the equity sum of a backtest. */
import DecimalJs from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedOf, fixedOfNumber, fixedToString, plusProduct } from '../../src/backtest/fixed';

/** An exact oracle: 1,000 significant digits, far more than the values here hold. */
const Decimal = DecimalJs.clone({ precision: 1_000, toExpNeg: -1_000, toExpPos: 1_000 });

describe('fixed decimals', () => {
  it.each([
    ['0', 0n, 0, '0'],
    ['12', 12n, 0, '12'],
    ['-12.50', -1250n, 2, '-12.5'],
    ['0.00000001', 1n, 8, '0.00000001'],
    ['1e-7', 1n, 7, '0.0000001'],
    ['2.5E+3', 2500n, 0, '2500'],
    ['100.000', 100000n, 3, '100'],
  ])('%s', (text, units, scale, printed) => {
    expect(fixedOf(text)).toEqual({ units, scale });
    expect(fixedToString(units, scale)).toBe(printed);
  });

  it.each(['', 'abc', '1.', '.5', 'NaN', 'Infinity'])('refuses %j', (text) => {
    expect(() => fixedOf(text)).toThrow(/not a decimal/);
  });

  it('numbers are taken as their shortest decimal (the file\'s text)', () => {
    expect(fixedOfNumber(3723.04)).toEqual({ units: 372304n, scale: 2 });
    expect(fixedOfNumber(0.08939998)).toEqual({ units: 8939998n, scale: 8 });
    expect(fixedOfNumber(1e-7)).toEqual({ units: 1n, scale: 7 });
    expect(fixedOfNumber(42)).toEqual({ units: 42n, scale: 0 });
  });

  it('a + b·c is the exact decimal sum, printed as Decimal prints it', () => {
    const amount = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 18 })).map(([u, s]) => new Decimal(u.toString()).div(new Decimal(10).pow(s)).toFixed());
    fc.assert(
      fc.property(amount, amount, amount, (a, b, c) => {
        const sum = plusProduct(fixedOf(a), fixedOf(b), fixedOf(c));
        const expected = new Decimal(a).plus(new Decimal(b).mul(c));
        expect(fixedToString(sum.units, sum.scale)).toBe(expected.isZero() ? '0' : expected.toFixed());
      }),
      { numRuns: 500, seed: 12 },
    );
  });
});
