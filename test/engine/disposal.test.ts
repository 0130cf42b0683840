/**
 * Issue 13, disposal and cancellation: `await using` stops the engine; `stop({ signal })` and
 * `idle({ signal })` stop waiting when the signal aborts.
 */
import { describe, expect, it } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange, dca } from 'cycle-engine';

function engine(latencyMs = 0): { engine: CycleEngine; events: string[] } {
  const e = new CycleEngine({
    exchange: new PaperExchange({ prices: { 'ETH/USDT': '100' }, balances: { USDT: '1000' }, latencyMs }),
    store: new MemoryStateStore(),
    lock: new MemoryLock(),
    symbols: ['ETH/USDT'],
    strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5 }),
    tickIntervalMs: 5,
    clock: new ManualClock(1_700_000_000_000),
  });
  const events: string[] = [];
  e.on('engine:stopped', (ev) => events.push(`stopped timedOut=${ev.timedOut}`));
  return { engine: e, events };
}

describe('disposal and cancellation', () => {
  it('await using stops the engine when the scope ends', async () => {
    const { engine: e, events } = engine();
    {
      await using running = e;
      await running.start();
      expect(running.running).toBe(true);
    }
    expect(e.running).toBe(false);
    expect(events).toEqual(['stopped timedOut=false']);
  });

  it('stop({ signal }) resolves when the signal aborts, with the order in flight listed as left behind', async () => {
    const { engine: e } = engine(10_000); // the start buy takes 10 s at the paper venue
    let left: unknown[] = [];
    e.on('engine:stopped', (ev) => (left = [...ev.leftBehind]));
    await e.tick(); // the start buy is in flight
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const t0 = Date.now();
    await e.stop({ signal: controller.signal });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(left).toEqual([expect.objectContaining({ purpose: 'start' })]);
  });

  it('idle({ signal }) rejects with the reason when the signal aborts first; without one it waits', async () => {
    const { engine: e } = engine(10_000);
    await e.tick();
    const controller = new AbortController();
    const waiting = e.idle({ signal: controller.signal });
    controller.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow('enough');
    await expect(e.idle({ signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    await e.stop({ signal: AbortSignal.abort() });
  });
});
