/**
 * Issue 15, the engine side: a store that throws WriteUnknownError for an intent write or an
 * outcome write (after the write landed, or without it landing). Pins: no second order for a
 * purpose, no fill applied twice (an orphan that duplicates an applied fill is a defect), no
 * event of a move emitted twice; the cycle ends where a run without the fault ends. And, for an
 * intent that landed: the engine re-reads, finds its own intent and sends it in the same tick
 * (before the fix: it was left unsent until the sender-gone timeout and a lookup).
 */
import { asV2, marketSlot } from '../support/records';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore, WriteUnknownError, type CycleRecord, type StoredCycleRecord, type StateStore } from 'cycle-engine';
import { setup, step, type Setup } from '../support/setup';

const SYMBOL = 'ETH/USDT';
type Purpose = 'start' | 'rebuy' | 'sell';
type Fault = { write: 'intent' | 'outcome'; purpose: Purpose; landed: boolean };

/** A MemoryStateStore that throws WriteUnknownError, once, for the write the fault names. */
class UnknownOnceStore implements StateStore {
  readonly inner = new MemoryStateStore();
  fired = false;
  constructor(private readonly fault: Fault | null) {}
  get(key: string) {
    return this.inner.get(key);
  }
  list() {
    return this.inner.list();
  }
  async compareAndSet(key: string, expected: number | null, value: StoredCycleRecord): Promise<number | null> {
    const prev = asV2((await this.inner.get(key))?.value) ?? null;
    if (this.fault !== null && !this.fired && this.#matches(prev, asV2(value))) {
      this.fired = true;
      if (this.fault.landed) await this.inner.compareAndSet(key, expected, value);
      throw new WriteUnknownError(key, `injected: the write ${this.fault.landed ? 'landed' : 'did not land'} but the store cannot tell`);
    }
    return this.inner.compareAndSet(key, expected, value);
  }
  #matches(prev: CycleRecord | null, next: CycleRecord): boolean {
    const { write } = this.fault!;
    const purpose = this.fault!.purpose === 'sell' ? 'takeProfit' : this.fault!.purpose;
    const before = marketSlot(prev);
    const after = marketSlot(next);
    if (write === 'intent') return before === null && after?.purpose === purpose && after.state === 'sending';
    return before?.purpose === purpose && before.state === 'sending' && after === null; // the fill applied
  }
}

async function until(s: Setup, done: (r: CycleRecord | undefined) => boolean, store: UnknownOnceStore): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await step(s);
    if (done(asV2((await store.get(SYMBOL))?.value))) return;
    s.clock.advance(5_000); // past backoffs and, if it came to that, the sender-gone timeout and landing window
  }
  throw new Error(`the cycle never got there: ${JSON.stringify((await store.get(SYMBOL))?.value)}`);
}

/** start → rebuy → sell; returns what the run did. */
async function run(fault: Fault | null) {
  const store = new UnknownOnceStore(fault);
  const s = setup({ store, dca: { cooldownMs: 3_600_000 }, orderTimeoutMs: 1_000, workerGraceMs: 500, landingWindowMs: 2_000 });
  const ordersAfter: number[] = [];
  await until(s, (r) => r?.position !== null && r?.orders.length === 0, store);
  ordersAfter.push(s.exchange.orders.length);
  s.exchange.setPrice(SYMBOL, '97');
  await until(s, (r) => r?.position?.buys === 2 && r.orders.length === 0, store);
  ordersAfter.push(s.exchange.orders.length);
  s.exchange.setPrice(SYMBOL, '110');
  await until(s, (r) => r?.closedCycles === 1 && r.orders.length === 0, store);
  ordersAfter.push(s.exchange.orders.length);
  const final = asV2((await store.get(SYMBOL))!.value);
  const count = (name: Parameters<Setup['of']>[0]) => s.of(name).length;
  return {
    fired: store.fired,
    orders: s.exchange.orders.map((o) => o.side),
    ordersAfter,
    record: { phase: final.phase, position: final.position, dust: final.dust, closedCycles: final.closedCycles, realizedPnlQuote: final.realizedPnlQuote, orphans: final.orphans, orders: final.orders },
    events: { activated: count('cycle:activated'), rebought: count('cycle:rebought'), closed: count('cycle:closed'), orphaned: count('order:orphaned'), submitted: count('order:submitted') },
    s,
  };
}

const FAULTS: Fault[] = (['start', 'rebuy', 'sell'] as const).flatMap((purpose) =>
  (['intent', 'outcome'] as const).flatMap((write) => [true, false].map((landed) => ({ write, purpose, landed }))),
);

describe('the engine on a store that throws WriteUnknownError', async () => {
  const control = await run(null);

  it('control run: one order per purpose, the fill of each applied once', () => {
    expect(control.orders).toEqual(['buy', 'buy', 'sell']);
    expect(control.ordersAfter).toEqual([1, 2, 3]);
    expect(control.record.orphans).toEqual([]);
    expect(control.events).toEqual({ activated: 1, rebought: 1, closed: 1, orphaned: 0, submitted: 3 });
  });

  it.each(FAULTS.map((f) => [`${f.write} write of the ${f.purpose}, ${f.landed ? 'landed' : 'not landed'}`, f] as const))('%s: no second order, no fill twice, the same end', async (_, fault) => {
    const r = await run(fault);
    expect(r.fired, 'the fault was injected').toBe(true);
    expect(r.orders, 'one order per purpose').toEqual(['buy', 'buy', 'sell']);
    expect(r.ordersAfter).toEqual([1, 2, 3]);
    expect(r.record.orphans, 'no fill recorded as an orphan (each was applied once)').toEqual([]);
    expect(r.record).toEqual(control.record);
    // A move's events are emitted at most once (an outcome that landed unseen is not announced).
    for (const [name, n] of Object.entries(r.events)) expect(n, name).toBeLessThanOrEqual(control.events[name as keyof typeof control.events]);
    // An intent's unknown write is reported; an outcome's is retried at once (reported only if it keeps failing).
    if (fault.write === 'intent') expect(r.s.of('error').some((e) => e instanceof WriteUnknownError), 'the unknown write is reported').toBe(true);
  });

  it('an intent write that landed: the engine re-reads, finds its own intent and sends it in the same tick', async () => {
    const store = new UnknownOnceStore({ write: 'intent', purpose: 'start', landed: true });
    const s = setup({ store });
    await step(s);
    expect(store.fired).toBe(true);
    expect(s.exchange.orders).toHaveLength(1);
    expect(asV2((await store.get(SYMBOL))?.value)?.position?.buys).toBe(1);
    expect(s.of('cycle:activated')).toHaveLength(1);
  });
});
