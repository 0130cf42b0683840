/**
 * Review of issue 11: a strategy's memory that `checkDecision` accepts must be one the record
 * validator accepts too — otherwise the engine writes a record it then reads back as corrupt.
 */
import { describe, expect, it } from 'vitest';
import { assertCycleRecord, type JsonValue, type Strategy } from 'cycle-engine';
import { setup, step } from '../support/setup';

function deep(levels: number): JsonValue {
  let v: JsonValue = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe('review: memory accepted by decide() is memory the validator accepts', () => {
  it('a memory nested deeper than the validator allows is refused at the decision, never written', async () => {
    // 40 levels: 81 bytes of JSON, far under MEMORY_MAX_BYTES, but deeper than isJson's 32 levels.
    const strategy: Strategy = {
      name: 'deep-memory',
      decide: (ctx) => (ctx.position === null ? { action: 'start', quoteAmount: '10' } : { action: 'remember', memory: deep(40) }),
    };
    const s = setup({ strategy });
    await step(s); // start
    await step(s); // remember
    // The memory store refuses to write it ("memory is not plain JSON") — every tick, as a generic
    // error. The decision itself must be refused where it enters: a StrategyError naming the depth.
    const errors = s.events.filter(([n]) => n === 'error').map(([, e]) => e as Error);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.name).toBe('StrategyError');
      expect(e.message).toMatch(/deep|levels/);
    }
    const stored = (await s.store.get('ETH/USDT'))?.value;
    expect(() => assertCycleRecord('ETH/USDT', stored)).not.toThrow();
  });
});
