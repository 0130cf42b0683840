/** Exact decimals as bigints (`src/backtest/fixed.ts`): the equity sum of a backtest. */
import DecimalJs from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedOf, fixedOfNumber, fixedToString, plusProduct, plusProductSmall, smallOfNumber, smallToString, toSmall } from '../../src/backtest/fixed';

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

  it('the float path takes a number exactly as its shortest decimal, or declines', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -1e9, max: 1e9 }).chain((u) => fc.integer({ min: 0, max: 12 }).map((d) => u / 10 ** d))), (x) => {
        const small = smallOfNumber(x);
        const printed = fixedOfNumber(x);
        expect(printed.units * 1n).toBe(printed.units); // a bigint
        expect(new Decimal(fixedToString(printed.units, printed.scale)).eq(new Decimal(String(x)))).toBe(true);
        if (small !== null) {
          expect(Number.isSafeInteger(small.units)).toBe(true);
          expect(smallToString(small.units, small.scale)).toBe(new Decimal(String(x)).isZero() ? '0' : new Decimal(String(x)).toFixed());
        }
      }),
      { numRuns: 2_000, seed: 7 },
    );
    expect(smallOfNumber(3723.04)).toEqual({ units: 372304, scale: 2 });
    expect(smallOfNumber(0.1 + 0.2)).toBeNull(); // 0.30000000000000004: 17 digits
  });

  it('a + b·c in floats is exact or declines (then the bigints agree)', () => {
    const amount = fc.tuple(fc.oneof(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.bigInt({ min: -(10n ** 7n), max: 10n ** 7n })), fc.integer({ min: 0, max: 12 })).map(([u, s]) => ({ units: u, scale: s }));
    let taken = 0;
    fc.assert(
      fc.property(amount, amount, amount, (a, b, c) => {
        const exact = plusProduct(a, b, c);
        const sa = toSmall(a), sb = toSmall(b), sc = toSmall(c);
        if (sa === null || sb === null || sc === null) return;
        const small = plusProductSmall(sa, sb, sc);
        if (small === null) return;
        taken++;
        expect(smallToString(small.units, small.scale)).toBe(fixedToString(exact.units, exact.scale));
      }),
      { numRuns: 3_000, seed: 9 },
    );
    expect(taken).toBeGreaterThan(0); // the float path was exercised (see the next case for where it must be)
    expect(plusProductSmall({ units: 2 ** 52, scale: 0 }, { units: 2 ** 26, scale: 0 }, { units: 2 ** 27, scale: 0 })).toBeNull(); // 2^53 + 2^52
    // A backtest's figures: 9,990.12345678 USDT and 0.01234567 ETH at 3,723.04 — well inside.
    expect(plusProductSmall({ units: 999012345678, scale: 8 }, { units: 1234567, scale: 8 }, { units: 372304, scale: 2 })).toEqual({ units: 100360868800168, scale: 10 });
    expect(smallToString(100360868800168, 10)).toBe('10036.0868800168');
  });
});
