/**
 * Issue 9, case 11 (the validation half): only the Strategy interface's decisions are accepted;
 * anything else is a StrategyError for that symbol — an unknown action is never treated as "sell".
 */
import { describe, expect, it } from 'vitest';
import { StrategyError } from '../../src/errors';
import { checkDecision, decide } from '../../src/engine/decision';
import type { StrategyContext } from '../../src/strategy/strategy';

describe('checkDecision (issue 9, case 11)', () => {
  it.each<[unknown, unknown]>([
    [null, null],
    [{ action: 'sell' }, { action: 'sell' }],
    [{ action: 'start', quoteAmount: '10' }, { action: 'start', quoteAmount: '10' }],
    [{ action: 'rebuy', quoteAmount: '12.50' }, { action: 'rebuy', quoteAmount: '12.5' }],
    [{ action: 'start', quoteAmount: '0.000000000000000001' }, { action: 'start', quoteAmount: '0.000000000000000001' }],
    [{ action: 'start', quoteAmount: '1e1' }, { action: 'start', quoteAmount: '10' }],
  ])('accepts %j', (raw, clean) => {
    expect(checkDecision('ETH/USDT', raw)).toEqual(clean);
  });

  it.each<[unknown, string]>([
    [undefined, 'got undefined'],
    ['sell', 'got string sell'],
    [1, 'got number 1'],
    [[{ action: 'sell' }], 'got an array'],
    [{}, 'unknown action undefined'],
    [{ action: 'SELL' }, 'unknown action "SELL"'],
    [{ action: 'close' }, 'unknown action "close"'],
    [{ action: 'buy', quoteAmount: '10' }, 'unknown action "buy"'],
    [{ action: 1 }, 'unknown action 1'],
    [{ action: 'start' }, "quoteAmount of 'start' is missing"],
    [{ action: 'start', quoteAmount: 10 }, 'a number (10), expected a decimal string'],
    [{ action: 'rebuy', quoteAmount: null }, "quoteAmount of 'rebuy' is null"],
    [{ action: 'start', quoteAmount: '-10' }, 'expected > 0'],
    [{ action: 'start', quoteAmount: '0' }, 'expected > 0'],
    [{ action: 'rebuy', quoteAmount: 'ten' }, 'not a decimal string'],
    [{ action: 'rebuy', quoteAmount: '1,5' }, 'not a decimal string'],
    [{ action: 'rebuy', quoteAmount: ' 10' }, 'not a decimal string'],
    [{ action: 'rebuy', quoteAmount: 'NaN' }, 'not a decimal string'],
    [{ action: 'rebuy', quoteAmount: 'Infinity' }, 'not a decimal string'],
    [{ action: 'sell', baseAmount: '0.5' }, "a 'sell' decision has no `baseAmount`"],
    [{ action: 'start', quoteAmount: '10', price: 5 }, '`price`'],
  ])('refuses %j', (raw, why) => {
    let error: unknown;
    try {
      checkDecision('ETH/USDT', raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrategyError);
    expect((error as StrategyError).symbol).toBe('ETH/USDT');
    expect((error as Error).message).toContain('Strategy for ETH/USDT: invalid decision');
    expect((error as Error).message).toContain(why);
  });

  it('decide() turns a throwing strategy into a StrategyError with its cause, and checks what it returns', () => {
    const context = { symbol: 'ETH/USDT', price: 1, position: null, market: {} as never, now: 0 } satisfies StrategyContext;
    const boom = new Error('boom');
    const thrown = (() => {
      try {
        decide({ name: 't', decide: () => { throw boom; } }, context);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(StrategyError);
    expect((thrown as Error).cause).toBe(boom);
    expect(() => decide({ name: 't', decide: () => ({ action: 'liquidate' }) as never }, context)).toThrow(StrategyError);
    expect(decide({ name: 't', decide: () => ({ action: 'start', quoteAmount: '10' }) }, context)).toEqual({ action: 'start', quoteAmount: '10' });
  });
});
