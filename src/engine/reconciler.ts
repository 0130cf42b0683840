/**
 * Reconciliation: a parked order (outcome unknown, or its sender gone) is looked up on the
 * exchange by its client order id until it is found or can no longer land; an order given up is
 * looked up a few more times later, in case it landed after all.
 */
import { Decimal, str } from '../decimal';
import { CycleEngineError } from '../errors';
import type { MarketRules, OrderFill, OrderState } from '../ports/exchange';
import type { CycleRecord, OrderSlot } from '../ports/record';
import { checkFill } from './fill';
import { fillToState, stateToFill, type Observation } from './ledger';
import { checkLookup, checkOrderState, type CheckedLookup } from './lookup';
import type { ResolvedOptions } from './options';
import { backoffMs, type EngineEvent } from './transitions';

/** What the reconciler needs from its engine. */
export interface ReconcilerHost {
  readonly options: ResolvedOptions;
  /** Monotonic ms, for every wait inside the process. */
  monotonic(): number;
  /** Persists an observation (and the move it causes); `extra` events are emitted first if it lands. */
  persistObservation(key: string, symbol: string, intentId: string, obs: Observation, extra?: (record: CycleRecord) => EngineEvent[], epoch?: number): Promise<boolean>;
  /** The engine's stop epoch now: what a look-up started in may send (see CycleEngine.stop). */
  epoch(): number;
  /** A slot being cancelled was found still open: send its cancel again. */
  resendCancel(key: string, symbol: string, slot: OrderSlot, market: MarketRules): void;
  /** Records a fill whose intent was settled otherwise (once). */
  persistOrphan(key: string, symbol: string, fill: OrderFill, note: string): Promise<void>;
  report(error: unknown, symbol: string): void;
}

interface Task {
  key: string;
  intentId: string;
  clientOrderId: string;
  purpose: OrderSlot['purpose'];
  done: Promise<void>;
}

/** Per intent: look-ups made, the earliest (monotonic) time of the next, and when a pending fee was first seen. */
interface LookupState {
  count: number;
  nextAt: number;
  feePendingSince: number | null;
  /** Monotonic time an acknowledged order was first not found (a found answer resets it). */
  notFoundSince?: number | null;
}

/** An order given up as not found, looked up again later in case it landed after all. */
interface LateCheck {
  key: string;
  symbol: string;
  order: OrderSlot;
  market: MarketRules;
  /** Monotonic times of the remaining look-ups. */
  due: number[];
}

/**
 * One look-up per parked order at a time, spaced by exponential backoff with ±20% jitter (so
 * engines that share a venue do not look in step): found filled → the fill is applied as if the
 * worker had returned it; found open, or filled with its fee not reported yet → look again later;
 * not found → look again until the order can no longer land, then it is treated as rejected.
 * "Can no longer land" is judged on this process's monotonic clock from when this engine first saw
 * the intent (and from the writer's `createdAt`): another engine's clock, ahead or behind, never
 * shortens it. A failing or malformed look-up never moves the cycle.
 * @internal
 */
export class Reconciler {
  readonly #host: ReconcilerHost;
  readonly #running = new Map<string, Task>();
  readonly #state = new Map<string, LookupState>();
  /** Monotonic time this engine first saw each intent still without an outcome. */
  readonly #seen = new Map<string, number>();
  readonly #late: LateCheck[] = [];
  /** Fills seen by this engine's workers but not applied yet (fee pending). */
  readonly #seenFills = new Map<string, OrderState>();
  /** Late answers and late checks being applied. */
  readonly #background = new Set<Promise<void>>();

  constructor(host: ReconcilerHost) {
    this.#host = host;
  }

  /**
   * Notes that this engine sees an intent without an outcome (at its creation for its own); the
   * first sighting starts the clocks that decide it is abandoned and can no longer land.
   * @returns ms since the first sighting, on the monotonic clock
   */
  observe(intentId: string): number {
    const now = this.#host.monotonic();
    const first = this.#seen.get(intentId);
    if (first === undefined) {
      this.#seen.set(intentId, now);
      if (this.#seen.size > 10_000) this.#seen.delete(this.#seen.keys().next().value as string);
      return 0;
    }
    return now - first;
  }

  /** Forgets an intent that is settled. */
  forget(intentId: string): void {
    this.#seen.delete(intentId);
    this.#state.delete(intentId);
    this.#seenFills.delete(intentId);
  }

  /** A fill the worker received whose fee is not reported yet: the order executed, whatever look-ups say later. */
  noteFill(intentId: string, state: OrderState): void {
    this.#seenFills.set(intentId, state);
  }

  /** True when this intent is being looked up, or its next look-up is not due yet. */
  isWaiting(intentId: string): boolean {
    if (this.#running.has(intentId)) return true;
    return this.#host.monotonic() < (this.#state.get(intentId)?.nextAt ?? Number.NEGATIVE_INFINITY);
  }

  /** True for an acknowledged order the venue said it did not know, until it is found again or ended. */
  isSuspect(intentId: string): boolean {
    return (this.#state.get(intentId)?.notFoundSince ?? null) !== null;
  }

  /** True when this intent is being looked up right now. */
  isRunning(intentId: string): boolean {
    return this.#running.has(intentId);
  }

  /** Starts one look-up (no lock: it only reads the venue). */
  lookUp(key: string, symbol: string, order: OrderSlot, market: MarketRules): void {
    if (this.#running.has(order.intentId)) return;
    this.observe(order.intentId);
    const done = this.#lookUp(key, symbol, order, market)
      .catch((error) => this.#host.report(error, symbol))
      .finally(() => this.#running.delete(order.intentId));
    this.#running.set(order.intentId, { key, intentId: order.intentId, clientOrderId: order.clientOrderId, purpose: order.purpose, done });
  }

  /** An answer that came after the timeout: a fill (or an order state) is evidence, applied like a found one. */
  lateAnswer(key: string, symbol: string, order: OrderSlot, market: MarketRules, answer: unknown, epoch: number): void {
    let state: OrderState;
    try {
      state = order.type === 'limit' ? checkOrderState(answer, order, market) : fillToState(checkFill(answer, order, market));
    } catch {
      return; // a malformed late answer is no evidence: the look-ups decide
    }
    if (state.feePending) return; // the look-ups will find it with its fee
    const lookups = this.#state.get(order.intentId)?.count ?? 0;
    const obs: Observation = { kind: 'state', state, recordedAt: this.#host.options.clock.now() };
    this.#inBackground(this.#host.persistObservation(key, symbol, order.intentId, obs, (r) => [reconciled(r, order, 'late-response', state, lookups)], epoch), symbol);
  }

  /** Runs the late look-ups that are due (called by every tick). */
  runLateChecks(): void {
    const now = this.#host.monotonic();
    for (const check of [...this.#late]) {
      if ((check.due[0] ?? Number.POSITIVE_INFINITY) > now) continue;
      check.due.shift();
      if (check.due.length === 0) this.#late.splice(this.#late.indexOf(check), 1);
      this.#inBackground(this.#lateCheck(check), check.symbol);
    }
  }

  /** Orders given up whose late look-ups are still to come. */
  lateChecksPending(): number {
    return this.#late.length;
  }

  /** Every look-up and late answer in progress, with the client order ids being looked up. */
  pending(): Promise<void>[] {
    return [...[...this.#running.values()].map((t) => t.done), ...this.#background];
  }

  /** Keys being looked up right now, with their intents. */
  inProgress(): Array<{ key: string; intentId: string; clientOrderId: string; purpose: OrderSlot['purpose'] }> {
    return [...this.#running.values()].map((t) => ({ key: t.key, intentId: t.intentId, clientOrderId: t.clientOrderId, purpose: t.purpose }));
  }

  #inBackground(task: Promise<unknown>, symbol: string): void {
    const t: Promise<void> = task.then(
      () => undefined,
      (error: unknown) => this.#host.report(error, symbol),
    );
    this.#background.add(t);
    void t.finally(() => this.#background.delete(t));
  }

  async #lookUp(key: string, symbol: string, order: OrderSlot, market: MarketRules): Promise<void> {
    const o = this.#host.options;
    const epoch = this.#host.epoch(); // what it finds may place or cancel orders only if no stop() gave up meanwhile
    const state = this.#state.get(order.intentId) ?? { count: 0, nextAt: 0, feePendingSince: null };
    state.count++;
    this.#state.set(order.intentId, state);
    const again = (cap = Number.POSITIVE_INFINITY) => {
      const wait = backoffMs(state.count, o.lookupBackoffInitialMs, o.lookupBackoffMaxMs) * (0.8 + 0.4 * Math.random());
      state.nextAt = Math.min(this.#host.monotonic() + wait, cap);
    };
    // "Can no longer land" is judged at the time the look-up is SENT: an answer reflects the venue
    // as it was then, and a slow answer must not give up an order that could still have landed.
    const sentAt = o.clock.now();
    const seenFor = this.observe(order.intentId);
    let raw: unknown;
    try {
      raw = await o.exchange.findOrder({ symbol, clientOrderId: order.clientOrderId, since: lookupSince(order) });
    } catch (cause) {
      again();
      this.#host.report(new CycleEngineError(`Look-up of ${order.clientOrderId} (${symbol}) failed; the cycle waits and looks again`, { cause }), symbol);
      return;
    }
    const now = o.clock.now();
    // Issue 9, case 16: anything but an order state, a fill, an open order or null is an invalid answer, reported; the backoff applies.
    let checked: CheckedLookup;
    try {
      checked = checkLookup(raw, order, market);
    } catch (error) {
      again();
      this.#host.report(error, symbol);
      return;
    }
    // A fill this engine already saw (its fee not reported yet) is never given up as not found.
    const seenFill = this.#seenFills.get(order.intentId);
    if (seenFill !== undefined && (checked.status !== 'found' || new Decimal(checked.state.filledBase).lt(seenFill.filledBase))) checked = { status: 'found', state: seenFill };
    if (checked.status === 'found') {
      state.notFoundSince = null;
      let found = checked.state;
      const fills = new Decimal(found.filledBase).gt(order.applied.base);
      if (found.feePending && fills) {
        // Never applied fee-free: wait for the venue to list its trades, then estimate the fee.
        state.feePendingSince ??= this.#host.monotonic();
        if (this.#host.monotonic() - state.feePendingSince < o.feeLookupTimeoutMs) {
          again();
          return;
        }
        found = stateWithEstimatedFees(found, order, market);
      }
      const terminal = found.status !== 'open';
      const obs: Observation = { kind: 'state', state: found, recordedAt: now };
      await this.#host.persistObservation(key, symbol, order.intentId, obs, terminal || order.state === 'unknown' ? (r) => [reconciled(r, order, terminal ? 'filled' : 'open', found, state.count)] : undefined, epoch);
      if (terminal) {
        this.forget(order.intentId);
        return;
      }
      state.feePendingSince = null;
      if (order.state === 'cancelling') this.#host.resendCancel(key, symbol, order, market);
      if (order.type === 'market' || order.state === 'cancelling') again(); // still executing, or its cancel not done: look again
      else this.#state.delete(order.intentId); // resting: the polling budget takes over
      return;
    }
    // Can no longer land: judged from the writer's createdAt AND from our own first sighting.
    const window = o.orderTimeoutMs + o.landingWindowMs;
    const age = Math.min(sentAt - order.createdAt, seenFor);
    if (order.acknowledged || new Decimal(order.applied.base).gt(0)) {
      // The venue acknowledged it once: one "not found" may be a flaky look-up. Only one that keeps
      // saying so for a whole landing window ends it (some venues archive cancelled orders that filled nothing).
      state.notFoundSince ??= this.#host.monotonic();
      if (this.#host.monotonic() - state.notFoundSince < o.landingWindowMs) {
        again(state.notFoundSince + o.landingWindowMs);
        return;
      }
    }
    if (age >= window) {
      if (order.acknowledged || new Decimal(order.applied.base).gt(0)) {
        // The venue acknowledged it once and no longer knows it (some archive cancelled orders that
        // filled nothing): it ended with what was applied. Reported, never papered over silently.
        this.#host.report(new CycleEngineError(`${order.clientOrderId} (${symbol}) was acknowledged but the venue no longer knows it: taken as cancelled with ${order.applied.base} filled`), symbol);
        const vanished: OrderState = {
          orderId: order.orderId ?? order.clientOrderId, clientOrderId: order.clientOrderId, symbol, side: order.side, type: order.type, status: 'cancelled',
          filledBase: order.applied.base, costQuote: order.applied.quote, avgPrice: null, fees: order.applied.fees, timestamp: now,
        };
        await this.#host.persistObservation(key, symbol, order.intentId, { kind: 'state', state: vanished, recordedAt: now }, (r) => [reconciled(r, order, 'not-found', null, state.count)], epoch);
        this.forget(order.intentId);
        return;
      }
      const message = `not found by its client order id after ${state.count} look-up(s), ${seenFor} ms after this engine first saw it: it can no longer land`;
      const won = await this.#host.persistObservation(key, symbol, order.intentId, { kind: 'rejected', reason: 'NOT_FOUND', message, recordedAt: now }, (r) => [reconciled(r, order, 'not-found', null, state.count)], epoch);
      this.forget(order.intentId);
      if (won) this.#scheduleLateChecks(key, symbol, order, market);
      return;
    }
    // The next look-up no later than when it could be given up (never sooner than its backoff allows for the skew: see isWaiting).
    again(this.#host.monotonic() + Math.max(o.lookupBackoffInitialMs, window - age));
  }

  #scheduleLateChecks(key: string, symbol: string, order: OrderSlot, market: MarketRules): void {
    const now = this.#host.monotonic();
    const due = this.#host.options.lateLookupsMs.map((ms) => now + ms);
    if (due.length > 0) this.#late.push({ key, symbol, order, market, due });
    if (this.#late.length > 1_000) this.#late.shift();
  }

  async #lateCheck(check: LateCheck): Promise<void> {
    const { key, symbol, order, market } = check;
    let checked: CheckedLookup;
    try {
      checked = checkLookup(await this.#host.options.exchange.findOrder({ symbol, clientOrderId: order.clientOrderId, since: lookupSince(order) }), order, market);
    } catch (cause) {
      this.#host.report(new CycleEngineError(`Late look-up of ${order.clientOrderId} (${symbol}) failed`, { cause }), symbol);
      return;
    }
    if (checked.status === 'not-found') return;
    if (checked.state.status === 'open') {
      // Still executing, long after: look once more at the next slot (or now + the last spacing).
      if (check.due.length === 0) check.due.push(this.#host.monotonic() + (this.#host.options.lateLookupsMs.at(-1) ?? 60_000));
      if (!this.#late.includes(check)) this.#late.push(check);
      return;
    }
    let found = checked.state;
    if (found.feePending) found = stateWithEstimatedFees(found, order, market);
    const i = this.#late.indexOf(check);
    if (i >= 0) this.#late.splice(i, 1);
    if (new Decimal(found.filledBase).isZero()) return; // it landed but executed nothing
    await this.#host.persistOrphan(key, symbol, stateToFill(found), `${order.clientOrderId} landed after it had been given up as not found`);
  }
}

/**
 * How far before an intent's `createdAt` a look-up by time searches. `createdAt` is the writer's
 * clock, which may run ahead of the venue's: a venue that searches by time must still see the
 * order. Clocks more than this apart make such look-ups miss (see docs/protocol.md).
 * @internal
 */
export const LOOKUP_SINCE_SLACK_MS = 10 * 60_000;

function lookupSince(order: OrderSlot): number {
  return Math.max(0, order.createdAt - LOOKUP_SINCE_SLACK_MS);
}

function reconciled(record: CycleRecord, order: OrderSlot, result: 'filled' | 'open' | 'not-found' | 'late-response', state: OrderState | null, lookups: number): EngineEvent {
  const ids = { symbol: record.symbol, cycleId: record.cycleId ?? '', intentId: order.intentId, clientOrderId: order.clientOrderId, purpose: order.purpose, side: order.side };
  const fill: OrderFill | null = state !== null && new Decimal(state.filledBase).gt(0) ? stateToFill(state) : null;
  return ['order:reconciled', { ...ids, result: result === 'filled' && fill === null ? 'ended' : result, fill, lookups }];
}

/**
 * An order state whose fees the venue never reported in time, with the fees of what filled beyond
 * what is applied estimated from the taker rate (default 0.1 %; the maker rate for a resting LIMIT
 * order): in base on a buy (as Binance charges it), in quote on a sell.
 * @internal
 */
export function stateWithEstimatedFees(found: OrderState, order: Pick<OrderSlot, 'type' | 'side'>, market: MarketRules): OrderState {
  const rate = new Decimal((order.type === 'limit' ? market.makerFeeRate : undefined) ?? market.takerFeeRate ?? '0.001');
  const fee = found.side === 'buy'
    ? { currency: market.base, amount: str(new Decimal(found.filledBase).mul(rate).toDecimalPlaces(18, Decimal.ROUND_UP)) }
    : { currency: market.quote, amount: str(new Decimal(found.costQuote).mul(rate).toDecimalPlaces(18, Decimal.ROUND_UP)) };
  const { feePending: _pending, ...rest } = found;
  return { ...rest, fees: [fee], feeEstimated: true };
}
