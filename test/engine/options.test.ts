/**
 * Issue 9, case 13: engine options are validated where they enter — `instanceId` non-empty,
 * `tickIntervalMs` > 0, every backoff's max ≥ its initial, `landingWindowMs` not below what the
 * exchange adapter says it needs, and unknown keys refused with the nearest valid name. The new
 * options of the hardening round stay valid.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors';
import { resolveOptions } from '../../src/engine/options';
import { MemoryLock, MemoryStateStore, PaperExchange, dca } from '../../src/index';

const exchange = new PaperExchange({ prices: { 'ETH/USDT': '100' } });
const good = {
  exchange,
  store: new MemoryStateStore(),
  lock: new MemoryLock(),
  symbols: ['ETH/USDT'],
  strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
};

function refusal(over: Record<string, unknown>): InvalidOptionsError {
  try {
    resolveOptions({ ...good, ...over } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return error as InvalidOptionsError;
  }
  throw new Error(`accepted ${JSON.stringify(over)}`);
}

describe('engine options (issue 9, case 13)', () => {
  it.each([
    ['instanceId', { instanceId: '' }],
    ['instanceId', { instanceId: '   ' }],
    ['instanceId', { instanceId: 42 }],
    ['tickIntervalMs', { tickIntervalMs: 0 }],
    ['tickIntervalMs', { tickIntervalMs: -5 }],
    ['retryBackoff.maxMs', { retryBackoff: { initialMs: 10, maxMs: 5 } }],
    ['retryBackoff.maxMs', { retryBackoff: { initialMs: 120_000 } }], // above the default max
    ['lookupBackoff.maxMs', { lookupBackoff: { initialMs: 10, maxMs: 5 } }],
    ['lookupBackoff.maxMs', { lookupBackoff: { initialMs: 20_000 } }],
    ['retryBackoff', { retryBackoff: 5 }],
    ['tickIntervalMS', { tickIntervalMS: 5 }],
    ['retryBackoff.maxMS', { retryBackoff: { maxMS: 5 } }],
    ['lookupbackoff', { lookupbackoff: {} }],
    ['onPositionMismatch', { onPositionMismatch: 'sell' }],
  ])('refuses %s (%j)', (option, over) => {
    expect(refusal(over).option).toBe(option);
  });

  it('names the nearest valid option of a typo', () => {
    expect(refusal({ tickIntervalMS: 5 }).message).toBe('Invalid option `tickIntervalMS`: unknown option, did you mean `tickIntervalMs`?');
    expect(refusal({ retryBackoff: { maxMS: 5 } }).message).toContain('did you mean `retryBackoff.maxMs`?');
  });

  it('refuses a landingWindowMs below what the exchange adapter needs, and accepts one at it', () => {
    const strict = Object.assign(new PaperExchange({ prices: { 'ETH/USDT': '100' } }), { minLandingWindowMs: 10_000 });
    expect(refusal({ exchange: strict, landingWindowMs: 9_999 }).option).toBe('landingWindowMs');
    expect(refusal({ exchange: strict, landingWindowMs: 9_999 }).message).toContain('10000 ms');
    expect(resolveOptions({ ...good, exchange: strict, landingWindowMs: 10_000 }).landingWindowMs).toBe(10_000);
    expect(resolveOptions({ ...good, exchange: strict }).landingWindowMs).toBe(60_000);
    // No stated need: any window ≥ 0, as tests against fake venues use.
    expect(resolveOptions({ ...good, landingWindowMs: 0 }).landingWindowMs).toBe(0);
  });

  it('keeps every option of the hardening round valid', () => {
    const r = resolveOptions({
      ...good,
      instanceId: 'engine-a',
      tickIntervalMs: 1,
      lookupBackoff: { initialMs: 5, maxMs: 5 },
      retryBackoff: { initialMs: 5, maxMs: 5 },
      callTimeoutMs: 1_000,
      stopTimeoutMs: 2_000,
      onPositionMismatch: 'adopt',
      feeLookupTimeoutMs: 0,
    });
    expect(r).toMatchObject({ instanceId: 'engine-a', tickIntervalMs: 1, callTimeoutMs: 1_000, stopTimeoutMs: 2_000, onPositionMismatch: 'adopt', feeLookupTimeoutMs: 0 });
  });
});
