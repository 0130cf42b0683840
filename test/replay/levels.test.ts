import { describe, expect, it } from 'vitest';
import { decimalsOf, firstHit, samplesFor, unitsOfString, unitsToString } from '../../src/backtest/levels';

describe('levels: the price grid', () => {
  it.each([
    [3723.04, 2],
    [100, 0],
    [0.1, 1],
    [1e-7, 7],
    [1.5e-7, 8],
    [123456.789, 3],
  ])('decimalsOf(%s) is %i', (x, d) => expect(decimalsOf(x)).toBe(d));

  it.each([
    [302807, 2, '3028.07'],
    [300000, 2, '3000'],
    [5, 3, '0.005'],
    [10, 1, '1'],
    [7, 0, '7'],
  ])('unitsToString(%i, %i) is %s', (u, scale, s) => {
    expect(unitsToString(u, scale)).toBe(s);
    expect(unitsOfString(s, scale)).toBe(u);
    expect(u / 10 ** scale).toBe(Number(s)); // what the engine reads back from the exchange
  });
});

describe('levels: firstHit', () => {
  const atLeast = (x: number) => (u: number) => u >= x;
  const atMost = (x: number) => (u: number) => u <= x;
  it.each([
    // from, to, step, includeFrom, test, expected
    { from: 100, to: 200, step: 1, include: true, hit: atLeast(150), expected: 150, why: 'threshold up, long stretch: bisected' },
    { from: 100, to: 200, step: 1, include: true, hit: atLeast(100), expected: 100, why: 'holds at the start' },
    { from: 100, to: 200, step: 1, include: false, hit: atLeast(100), expected: 101, why: 'start excluded' },
    { from: 100, to: 200, step: 1, include: true, hit: atLeast(200), expected: null, why: 'the end is not tried' },
    { from: 200, to: 100, step: 1, include: true, hit: atMost(137), expected: 137, why: 'threshold down' },
    { from: 1000, to: 2000, step: 7, include: true, hit: atLeast(1500), expected: 1505, why: 'first multiple of the step at or above' },
    { from: 2000, to: 1000, step: 7, include: true, hit: atMost(1500), expected: 1498, why: 'first multiple of the step at or below' },
    { from: 10_000, to: 20_000, step: 1, include: true, hit: atLeast(10_001), expected: 10_001, why: 'just after the start' },
    { from: 10_000, to: 20_000, step: 1, include: true, hit: atLeast(19_999), expected: 19_999, why: 'the last inner price' },
    { from: 100, to: 103, step: 1, include: true, hit: atLeast(102), expected: 102, why: 'short stretch: every price' },
    { from: 100, to: 100, step: 1, include: true, hit: atLeast(101), expected: null, why: 'empty stretch' },
    { from: 100, to: 101, step: 1, include: false, hit: () => true, expected: null, why: 'no price strictly inside' },
  ])('$why', ({ from, to, step, include, hit, expected }) => {
    expect(firstHit(from, to, step, include, hit)).toBe(expected);
  });

  it('over a long stretch it tries a few samples and a bisection, not every price', () => {
    let calls = 0;
    const hit = (u: number) => {
      calls++;
      return u >= 1_234_567;
    };
    expect(firstHit(1_000_000, 2_000_000, 1, true, hit)).toBe(1_234_567);
    expect(calls).toBeLessThan(32 + 1 + 20);
  });

  it('samples every 0.25 % of the price, at least 1, at most 32', () => {
    expect(samplesFor(1000, 1000)).toBe(1);
    expect(samplesFor(1000, 1001)).toBe(1);
    expect(samplesFor(1000, 1020)).toBe(8);
    expect(samplesFor(1020, 1000)).toBe(8);
    expect(samplesFor(1000, 2000)).toBe(32);
  });
});
