import type { CycleRecord, Exchange, Lock, StateStore } from 'cycle-engine';
import { asV2 } from './records';

/**
 * The design note's broken loop, kept only to show the race: it releases the per-symbol lock
 * after *reading* the state but before *persisting* "start buy in flight", then sends the order.
 * A second tick that runs in that gap reads the old "no cycle" state and buys again.
 */
export class NaiveEngine {
  readonly workers: Promise<unknown>[] = [];
  #n = 0;

  constructor(
    private readonly ports: { store: StateStore; lock: Lock; exchange: Exchange; symbol: string; name: string },
  ) {}

  async tick(): Promise<void> {
    const { store, lock, exchange, symbol, name } = this.ports;
    const lease = await lock.acquire(symbol, { waitMs: 0 });
    if (lease === null) return;
    const snap = await store.get(symbol);
    await lease.release(); // the bug: the lock is gone before the state says "buying"
    if (snap !== undefined && asV2(snap.value).phase !== 'idle') return;
    const latest = await store.get(symbol); // blind overwrite, as the note's save() did
    const n = ++this.#n;
    const starting: CycleRecord = {
      schema: 2, symbol, phase: 'starting', cycleId: `${name}-${n}`, position: null, retryAt: null, rejections: 0,
      closedCycles: 0, realizedPnlQuote: '0', dust: null, recent: [], orphans: [], updatedAt: 0,
      orders: [{
        intentId: `${name}-${n}`, clientOrderId: `naive-${name}-${n}`, purpose: 'start', type: 'market', side: 'buy', quoteAmount: '10', createdAt: 0, owner: name,
        state: 'sending', applied: { base: '0', quote: '0', fees: [] }, checkedAt: null,
      }],
    };
    await store.compareAndSet(symbol, latest?.version ?? null, starting);
    this.workers.push(
      exchange.placeMarketOrder({ symbol, side: 'buy', quoteAmount: '10', clientOrderId: `naive-${name}-${n}` }).catch(() => undefined),
    );
  }
}
