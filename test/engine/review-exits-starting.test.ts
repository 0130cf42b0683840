/**
 * Review of issue 11: `closeCycle` while the start is in flight (phase `starting`): the start then
 * fills (the exit sells it, closes as manual) or is refused (the record goes idle without
 * `exiting`, which the validator calls corrupt). Every record written must read back valid
 * through the file store, and a portfolio reservation must not outlive the cycle.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore, OrderRejectedError, assertCycleRecord, type CycleRecord, type Exchange, type PaperExchange } from 'cycle-engine';
import { setup, step } from '../support/setup';

/** The paper exchange with the first market buy held until `open()`, then refused or passed through. */
function gated(refuse: boolean) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let first = true;
  const wrap = (paper: PaperExchange): Exchange =>
    new Proxy(paper, {
      get(target, prop, receiver) {
        if (prop === 'placeMarketOrder') {
          return async (req: Parameters<PaperExchange['placeMarketOrder']>[0]) => {
            if (req.side === 'buy' && first) {
              first = false;
              await gate;
              if (refuse) throw new OrderRejectedError('no', { reason: 'MARKET_CLOSED', clientOrderId: req.clientOrderId });
            }
            return target.placeMarketOrder(req);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Exchange;
  return { wrap, open: () => open() };
}

/** Waits (bounded, not timed) until the start's intent is persisted: its event is emitted after the write. */
async function untilStarting(events: Array<[string, unknown]>): Promise<void> {
  for (let i = 0; i < 2_000 && !events.some(([n]) => n === 'cycle:starting'); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('review: closeCycle while the start is in flight', () => {
  for (const refuse of [false, true]) {
    it(`the start then ${refuse ? 'is refused' : 'fills'}: the record ends idle, valid, without exiting; at most one sell; no reservation left`, async () => {
      const g = gated(refuse);
      const dir = mkdtempSync(join(tmpdir(), 'review-exits-'));
      const store = new FileStateStore({ dir });
      const s = setup({ wrapExchange: g.wrap, store, maxActiveCycles: 3, dca: { cooldownMs: 3_600_000 } });
      const ticking = s.engine.tick();
      await untilStarting(s.events);
      expect((await s.engine.getCycle('ETH/USDT'))?.phase).toBe('starting');
      const closed = await s.engine.closeCycle('ETH/USDT');
      expect(closed?.exiting?.reason).toBe('manual');
      g.open();
      await ticking;
      await s.engine.idle();
      // Refused: the record is idle now (a later tick would start again after the backoff).
      for (let i = 0; i < (refuse ? 0 : 4); i++) {
        s.clock.advance(1_000);
        await step(s);
      }
      const r = (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
      expect(r.phase).toBe('idle');
      expect(r.exiting ?? null).toBeNull();
      expect(() => assertCycleRecord('ETH/USDT', r)).not.toThrow();
      // Read back through a fresh file store (validates on read).
      const again = await new FileStateStore({ dir }).get('ETH/USDT');
      expect(again?.value).toMatchObject({ phase: 'idle' });
      const sells = s.exchange.orders.filter((o) => o.side === 'sell');
      expect(sells.length).toBe(refuse ? 0 : 1);
      if (!refuse) expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['manual']);
      expect(s.events.filter(([n]) => n === 'error').map(([, e]) => String(e))).toEqual([]);
      // The release is fire-and-forget: wait for it (bounded), then nothing may be reserved.
      const reserved = async () => ((await store.get('__portfolio'))?.value as { reservations?: unknown[] } | undefined)?.reservations ?? [];
      for (let i = 0; i < 400 && (await reserved()).length > 0; i++) await new Promise((res) => setTimeout(res, 5));
      expect(await reserved()).toEqual([]);
    });
  }
});
