/**
 * Issue 9, case 19 (one error identity across entries): every error class has an `is…` helper
 * that recognises it by `code`, so an error thrown by another copy of this package (the CJS build
 * next to the ESM one, an older bundle) routes the same way as one of ours.
 */
import { describe, expect, it } from 'vitest';
import * as api from 'cycle-engine';
import type { CycleEngineError } from 'cycle-engine';

const samples: ReadonlyArray<readonly [string, string, () => CycleEngineError]> = [
  ['CycleEngineError', 'CYCLE_ENGINE_ERROR', () => new api.CycleEngineError('x')],
  ['InvalidOptionsError', 'INVALID_OPTIONS', () => new api.InvalidOptionsError('tickIntervalMs', 'x')],
  ['OrderRejectedError', 'ORDER_REJECTED', () => new api.OrderRejectedError('x')],
  ['OrderOutcomeUnknownError', 'ORDER_OUTCOME_UNKNOWN', () => new api.OrderOutcomeUnknownError('x')],
  ['StateConflictError', 'STATE_CONFLICT', () => new api.StateConflictError('k', 1)],
  ['CorruptStateError', 'CORRUPT_STATE', () => new api.CorruptStateError('k', 'x')],
  ['InvalidExchangeResponseError', 'INVALID_EXCHANGE_RESPONSE', () => new api.InvalidExchangeResponseError('x')],
  ['LockNotHeldError', 'LOCK_NOT_HELD', () => new api.LockNotHeldError('k')],
  ['WriteUnknownError', 'WRITE_UNKNOWN', () => new api.WriteUnknownError('k', 'x')],
  ['PositionMismatchError', 'POSITION_MISMATCH', () => new api.PositionMismatchError('BTC/USDT', 'x', { heldPerRecord: '1' })],
  ['CallTimeoutError', 'CALL_TIMEOUT', () => new api.CallTimeoutError('exchange.findOrder', 5)],
  ['StrategyError', 'STRATEGY_ERROR', () => new api.StrategyError('BTC/USDT', 'x')],
  ['CandleDataError', 'CANDLE_DATA', () => new api.CandleDataError('data/x.json', 3, 0, 'x')],
];

type Guard = (error: unknown) => boolean;
const guard = (name: string): Guard => (api as unknown as Record<string, Guard>)[`is${name}`] as Guard;

/** What a second copy of the package (another bundle) would throw: same name and code, another class. */
function foreign(name: string, code: string): Error {
  const error = new Error('from another copy');
  error.name = name;
  return Object.assign(error, { code });
}

describe('error identity', () => {
  it('exports an is… helper for every error class of src/errors.ts', () => {
    const classes = Object.keys(api).filter((k) => /^[A-Z]\w*Error$/.test(k)).sort();
    expect(classes).toEqual(samples.map(([name]) => name).sort());
    for (const name of classes) expect(typeof guard(name), `is${name}`).toBe('function');
  });

  it.each(samples)('%s: its code is stable, its helper accepts it and a foreign copy, the others refuse both', (name, code, make) => {
    const own = make();
    expect(own.code).toBe(code);
    expect(own.name).toBe(name);
    const copy = foreign(name, code);
    for (const [other] of samples) {
      const expected = other === name || other === 'CycleEngineError';
      expect(guard(other)(own), `is${other}(${name})`).toBe(expected);
      expect(guard(other)(copy), `is${other}(foreign ${name})`).toBe(expected);
    }
  });

  it('refuses what is not an error of this library', () => {
    const notOurs: unknown[] = [undefined, null, 'CORRUPT_STATE', { code: 'CORRUPT_STATE_X' }, Object.assign(new Error('x'), { code: 'ENOENT' })];
    for (const value of notOurs) expect(api.isCycleEngineError(value)).toBe(false);
    // A plain object with one of our codes is not an Error: isCycleEngineError refuses it; the
    // per-class helpers look at the code only (as isOrderRejectedError always did).
    expect(api.isCycleEngineError({ code: 'CORRUPT_STATE' })).toBe(false);
  });
});
