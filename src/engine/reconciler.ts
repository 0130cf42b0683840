/**
 * Reconciliation: a parked order (outcome unknown, or its sender gone) is looked up on the
 * exchange by its client order id until it is found or can no longer land.
 */
import { CycleEngineError } from '../errors';
import type { MarketRules, OpenOrder, OrderFill } from '../ports/exchange';
import type { CycleRecord, OrderOutcome, PendingOrder } from '../ports/record';
import { checkFill } from './fill';
import { checkLookup, type CheckedLookup } from './lookup';
import type { ResolvedOptions } from './options';
import { backoffMs, type EngineEvent } from './transitions';

/** What the reconciler needs from its engine. */
export interface ReconcilerHost {
  readonly options: ResolvedOptions;
  /** Persists an outcome (and the move it causes); `extra` events are emitted first if it lands. */
  persistOutcome(key: string, symbol: string, intentId: string, outcome: OrderOutcome, extra: (record: CycleRecord) => EngineEvent[]): Promise<void>;
  report(error: unknown, symbol: string): void;
}

interface Task {
  intentId: string;
  done: Promise<void>;
}

/**
 * One look-up per parked order at a time, spaced by exponential backoff with ±20% jitter (so
 * engines that share a venue do not look in step): found filled → the fill is applied as if the
 * worker had returned it; found open → look again later; not found → look again until the order
 * can no longer land (`orderTimeoutMs + landingWindowMs` after the intent), then it is treated as
 * rejected. A failing look-up never moves the cycle.
 * @internal
 */
export class Reconciler {
  readonly #host: ReconcilerHost;
  readonly #running = new Map<string, Task>();
  /** Per intent: look-ups made, and the earliest time of the next. */
  readonly #state = new Map<string, { count: number; nextAt: number }>();
  /** Late answers being applied. */
  readonly #background = new Set<Promise<void>>();

  constructor(host: ReconcilerHost) {
    this.#host = host;
  }

  /** True when this intent is being looked up, or its next look-up is not due yet. */
  isWaiting(key: string, intentId: string, now: number): boolean {
    if (this.#running.get(key)?.intentId === intentId) return true;
    return now < (this.#state.get(intentId)?.nextAt ?? 0);
  }

  /** Starts one look-up (no lock: it only reads the venue). */
  lookUp(key: string, symbol: string, order: PendingOrder, market: MarketRules): void {
    if (this.#running.has(key)) return;
    const done = this.#lookUp(key, symbol, order, market)
      .catch((error) => this.#host.report(error, symbol))
      .finally(() => this.#running.delete(key));
    this.#running.set(key, { intentId: order.intentId, done });
  }

  /** An answer that came after the timeout: a fill is evidence, applied like a found one. */
  lateAnswer(key: string, symbol: string, order: PendingOrder, market: MarketRules, answer: unknown): void {
    let fill: OrderFill;
    try {
      fill = checkFill(answer, order, market);
    } catch {
      return; // a malformed late answer is no evidence: the look-ups decide
    }
    const lookups = this.#state.get(order.intentId)?.count ?? 0;
    const outcome: OrderOutcome = { status: 'filled', fill, recordedAt: this.#host.options.clock.now() };
    const task = this.#host
      .persistOutcome(key, symbol, order.intentId, outcome, (r) => [reconciled(r, order, 'late-response', fill, lookups)])
      .catch((error) => this.#host.report(error, symbol));
    this.#background.add(task);
    void task.finally(() => this.#background.delete(task));
  }

  /** Every look-up and late answer in progress. */
  pending(): Promise<void>[] {
    return [...[...this.#running.values()].map((t) => t.done), ...this.#background];
  }

  async #lookUp(key: string, symbol: string, order: PendingOrder, market: MarketRules): Promise<void> {
    const o = this.#host.options;
    const state = this.#state.get(order.intentId) ?? { count: 0, nextAt: 0 };
    state.count++;
    this.#state.set(order.intentId, state);
    const again = (now: number, cap = Number.POSITIVE_INFINITY) => {
      const wait = backoffMs(state.count, o.lookupBackoffInitialMs, o.lookupBackoffMaxMs) * (0.8 + 0.4 * Math.random());
      state.nextAt = Math.min(now + wait, cap);
    };
    let found: OrderFill | OpenOrder | null;
    try {
      found = await o.exchange.findOrder({ symbol, clientOrderId: order.clientOrderId, since: order.createdAt });
    } catch (cause) {
      again(o.clock.now());
      this.#host.report(new CycleEngineError(`Look-up of ${order.clientOrderId} (${symbol}) failed; the cycle waits and looks again`, { cause }), symbol);
      return;
    }
    const now = o.clock.now();
    // Issue 9, case 16: anything but a fill, an open order or null is an invalid answer, reported; the backoff applies.
    let checked: CheckedLookup;
    try {
      checked = checkLookup(found, order, market);
    } catch (error) {
      again(now);
      this.#host.report(error, symbol);
      return;
    }
    if (checked.status === 'filled') {
      const fill = checked.fill;
      const outcome: OrderOutcome = { status: 'filled', fill, recordedAt: now };
      await this.#host.persistOutcome(key, symbol, order.intentId, outcome, (r) => [reconciled(r, order, 'filled', fill, state.count)]);
      this.#state.delete(order.intentId);
      return;
    }
    const deadline = order.createdAt + o.orderTimeoutMs + o.landingWindowMs;
    if (found === null && now >= deadline) {
      const message = `not found by its client order id after ${state.count} look-up(s), ${now - order.createdAt} ms after the intent: it can no longer land`;
      const outcome: OrderOutcome = { status: 'rejected', reason: 'NOT_FOUND', message, recordedAt: now };
      await this.#host.persistOutcome(key, symbol, order.intentId, outcome, (r) => [reconciled(r, order, 'not-found', null, state.count)]);
      this.#state.delete(order.intentId);
      return;
    }
    again(now, found === null ? deadline : Number.POSITIVE_INFINITY);
  }
}

function reconciled(record: CycleRecord, order: PendingOrder, result: 'filled' | 'not-found' | 'late-response', fill: OrderFill | null, lookups: number): EngineEvent {
  const ids = { symbol: record.symbol, cycleId: record.cycleId ?? '', intentId: order.intentId, clientOrderId: order.clientOrderId, purpose: order.purpose, side: order.side };
  return ['order:reconciled', { ...ids, result, fill, lookups }];
}
