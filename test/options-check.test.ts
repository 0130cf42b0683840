/**
 * Issue 9, case 13: unknown option keys are refused with the nearest valid name, by one shared
 * helper (nested objects and maps of free names too).
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors';
import { checkKnownOptions, editDistance, eachOf, nearestName } from '../src/options-check';

describe('editDistance (Damerau, optimal string alignment)', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', '', 3],
    ['tickIntervalMs', 'tickIntervalMS', 1],
    ['waitMs', 'wiatMs', 1], // a swap of neighbours costs one
    ['ttlMs', 'ttl', 2],
    ['kitten', 'sitting', 3],
  ])('%j ↔ %j = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('nearestName', () => {
  const names = ['tickIntervalMs', 'orderTimeoutMs', 'lockTtlMs', 'lockWaitMs', 'instanceId'];
  it.each([
    ['tickIntervalMS', 'tickIntervalMs'],
    ['TICKINTERVALMS', 'tickIntervalMs'],
    ['tickIntervalms', 'tickIntervalMs'],
    ['tickInterval', 'tickIntervalMs'],
    ['orderTimeOut', 'orderTimeoutMs'],
    ['lockTTL', 'lockTtlMs'],
    ['instanceID', 'instanceId'],
    ['lockWiatMs', 'lockWaitMs'],
    ['banana', undefined],
    ['x', undefined],
  ])('%j → %j', (name, near) => {
    expect(nearestName(name, names)).toBe(near);
  });
});

describe('checkKnownOptions', () => {
  const shape = { tickIntervalMs: true, retryBackoff: { initialMs: true, maxMs: true }, markets: eachOf({ amountStep: true }) } as const;
  const refusal = (options: unknown, path = ''): InvalidOptionsError | undefined => {
    try {
      checkKnownOptions(options, shape, path);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionsError);
      return error as InvalidOptionsError;
    }
    return undefined;
  };

  it.each([
    [{ tickIntervalMS: 5 }, '', 'tickIntervalMS', 'Invalid option `tickIntervalMS`: unknown option, did you mean `tickIntervalMs`?'],
    [{ retryBackoff: { maxMS: 5 } }, '', 'retryBackoff.maxMS', 'Invalid option `retryBackoff.maxMS`: unknown option, did you mean `retryBackoff.maxMs`?'],
    [{ markets: { 'ETH/USDT': { amountstep: '1' } } }, '', 'markets.ETH/USDT.amountstep', 'did you mean `markets.ETH/USDT.amountStep`?'],
    [{ startqoute: 1 }, 'strategy', 'strategy.startqoute', 'valid options here: `tickIntervalMs`, `retryBackoff`, `markets`'],
    [{ toString: 1 }, '', 'toString', 'unknown option'], // inherited names are not options
    [{ banana: 1 }, '', 'banana', 'valid options here'],
  ])('refuses %j', (options, path, option, message) => {
    const error = refusal(options, path);
    expect(error?.option).toBe(option);
    expect(error?.message).toContain(message);
  });

  it.each([
    [{}],
    [{ tickIntervalMs: 5, retryBackoff: { initialMs: 1, maxMs: 2 }, markets: { 'ETH/USDT': { amountStep: '1' }, 'BTC/USDT': {} } }],
    [{ tickIntervalMs: undefined }],
    [{ retryBackoff: 7 }], // not an object: left to the owner's own value check
    [undefined],
    [new (class Clock { now = 1; })()], // class instances are not option bags
  ])('accepts %j', (options) => {
    expect(refusal(options)).toBeUndefined();
  });
});
