/**
 * Review of issue 11: the engine never lets a wall clock stepped back stretch a backoff (it bounds
 * every wait on the monotonic clock, see `#waiting`) — except an exit's: `exitStep` compares the
 * record's `retryAt` with the wall clock, so a refused exit sell (a stop loss!) waits as long
 * again as the clock went back.
 */
import { describe, expect, it } from 'vitest';
import { setup, step } from '../support/setup';

describe('review: an exit sell backoff and a wall clock stepped back', () => {
  it('the refused exit sell is retried once its backoff has passed on the monotonic clock', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2 }, retryBackoff: { initialMs: 10_000, maxMs: 10_000 } });
    await step(s);
    s.exchange.injectFault('reject', { side: 'sell' });
    await s.engine.closeCycle('ETH/USDT');
    await step(s);
    expect(s.of('order:rejected').map((e) => e.purpose)).toEqual(['exit']);
    s.clock.set(s.clock.now() - 3_600_000); // NTP steps the wall clock back an hour
    await step(s);
    s.clock.advance(10_000); // the backoff has passed (monotonic)
    await step(s);
    await step(s);
    expect(s.exchange.orders.filter((o) => o.side === 'sell')).toHaveLength(2);
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['manual']);
  });

  it('control: a refused start is retried after its backoff on the monotonic clock (what the engine promises elsewhere)', async () => {
    const s = setup({ dca: { cooldownMs: 0 }, retryBackoff: { initialMs: 10_000, maxMs: 10_000 } });
    s.exchange.injectFault('reject', { side: 'buy' });
    await step(s);
    expect(s.of('cycle:startFailed')).toHaveLength(1);
    s.clock.set(s.clock.now() - 3_600_000);
    await step(s);
    s.clock.advance(10_000);
    await step(s);
    expect(s.of('cycle:activated')).toHaveLength(1);
  });
});
