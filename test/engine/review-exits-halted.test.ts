/**
 * Review of issue 11: halted + exiting. The exit sell is refused for lack of base (someone sold
 * some by hand): the cycle halts with the exit still under way, sends nothing, and once
 * `resyncCycle()` shrinks the position to what the venue holds, the exit sells exactly that and
 * closes — the record valid, `exiting` gone.
 */
import { describe, expect, it } from 'vitest';
import { assertCycleRecord, type CycleRecord } from 'cycle-engine';
import { setup, step } from '../support/setup';

describe('review: halted while exiting', () => {
  it('the exit waits for resyncCycle, then sells what the venue holds and closes as manual', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 20 } });
    await step(s);
    const held = (await s.engine.getCycle('ETH/USDT'))?.position?.baseVolume;
    expect(held).toBe('0.0999');
    s.exchange.setBalance('ETH', '0.06'); // sold by hand
    await s.engine.closeCycle('ETH/USDT');
    for (let i = 0; i < 3; i++) await step(s);
    let r = (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
    expect(r.halted?.reason).toBe('POSITION_MISMATCH');
    expect(r.exiting?.reason).toBe('manual');
    expect(s.exchange.orders.filter((o) => o.side === 'sell' && o.state?.status !== 'rejected' && o.fill)).toHaveLength(0);
    await s.engine.resyncCycle('ETH/USDT');
    for (let i = 0; i < 3; i++) await step(s);
    r = (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
    expect(r.phase).toBe('idle');
    expect(r.exiting ?? null).toBeNull();
    expect(() => assertCycleRecord('ETH/USDT', r)).not.toThrow();
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['manual']);
    expect(s.exchange.balance('ETH')).toBe('0');
  });
});
