/**
 * The polling budget (issue 10): when a resting order is looked at. Never on every tick: when the
 * price crossed its limit since its last check, or every `openOrderCheckMs` — then, when the
 * exchange can, with one batched `fetchOpenOrders` for every resting order of the engine.
 */
import { InvalidExchangeResponseError } from '../errors';
import type { Exchange, MarketRules, OrderState } from '../ports/exchange';
import type { OrderSlot } from '../ports/record';
import { deltaOf } from './ledger';
import { checkOrderState } from './lookup';

/** What the budget needs from its engine. @internal */
export interface PollingHost {
  readonly exchange: Exchange;
  readonly openOrderCheckMs: number;
  /** Monotonic ms. */
  monotonic(): number;
  /** The market rules loaded so far, by symbol. */
  market(symbol: string): MarketRules | undefined;
  report(error: unknown, symbol?: string): void;
}

interface Check {
  /** Monotonic time of the last look. */
  at: number;
  /** The lowest and highest price seen since. */
  low: number;
  high: number;
}

/**
 * Per engine, in memory: when each resting slot was last looked at and the price range seen since,
 * and the last batched look at every resting order.
 * @internal
 */
export class PollingBudget {
  readonly #host: PollingHost;
  readonly #checks = new Map<string, Check>();
  /** The last batched look: when it was sent (monotonic) and what it found, by client order id. */
  #sweep: { at: number; found: Map<string, OrderState> } | null = null;
  #sweepAt: number;
  /** True when the last batched look failed: resting slots are then looked up one by one on the plain schedule. */
  #failed = false;
  /** Symbols whose records held resting orders at their last scan. */
  readonly #openSymbols = new Set<string>();

  constructor(host: PollingHost) {
    this.#host = host;
    this.#sweepAt = host.monotonic(); // the first batched look comes openOrderCheckMs after construction
  }

  /** Notes whether a symbol's record holds resting orders (the batched look covers those symbols). */
  noteSymbol(symbol: string, hasResting: boolean): void {
    if (hasResting) this.#openSymbols.add(symbol);
    else this.#openSymbols.delete(symbol);
  }

  /**
   * True when a resting slot is due for a look-up on its own: the price crossed its limit since its
   * last check, or `openOrderCheckMs` passed. With `fetchOpenOrders`, the periodic check is the
   * batched look: a slot found there unchanged counts as checked; only one that changed or is
   * missing (it ended) is due.
   */
  due(slot: OrderSlot, price: number | undefined): boolean {
    const mono = this.#host.monotonic();
    let check = this.#checks.get(slot.intentId);
    if (check === undefined) {
      // First sighting here: looked up at once if never checked; else its window starts now (start() looked everything up).
      check = { at: mono, low: price ?? Number.POSITIVE_INFINITY, high: price ?? Number.NEGATIVE_INFINITY };
      this.#checks.set(slot.intentId, check);
      if (this.#checks.size > 100_000) this.#checks.delete(this.#checks.keys().next().value as string);
      if (slot.checkedAt === null) return true;
    }
    if (price !== undefined) {
      check.low = Math.min(check.low, price);
      check.high = Math.max(check.high, price);
    }
    const limit = Number(slot.price);
    if (slot.side === 'buy' ? check.low <= limit : check.high >= limit) return true;
    const every = this.#host.openOrderCheckMs;
    if (typeof this.#host.exchange.fetchOpenOrders !== 'function') return mono - check.at >= every;
    const sweep = this.#sweep;
    if (sweep !== null && sweep.at >= check.at) {
      const seen = sweep.found.get(slot.clientOrderId);
      // The same decimal strings as applied say "unchanged" without parsing them (every tick, every resting order).
      const same = seen !== undefined && seen.filledBase === slot.applied.base && seen.costQuote === slot.applied.quote;
      const delta = same || seen === undefined ? null : deltaOf(slot.applied, seen);
      if (same || (delta !== null && delta.base.isZero() && delta.quote.isZero())) {
        check.at = sweep.at; // resting, unchanged: checked
        return false;
      }
      return true; // changed, or missing from the open orders: it ended
    }
    // No usable batched look (the last one failed, or none yet): each slot on its own — at once
    // on the plain schedule when sweeps fail, else after a second interval (a sweep is due first).
    return mono - check.at >= (this.#failed ? every : 2 * every);
  }

  /** A look-up of a resting slot starts: its window restarts. */
  looked(slot: OrderSlot, price: number | undefined): void {
    if (slot.state !== 'open') return;
    this.#checks.set(slot.intentId, { at: this.#host.monotonic(), low: price ?? Number.POSITIVE_INFINITY, high: price ?? Number.NEGATIVE_INFINITY });
  }

  /** Forgets a slot that left the ledger. */
  forget(intentId: string): void {
    this.#checks.delete(intentId);
  }

  /** Every `openOrderCheckMs`, one batched look at every resting order (when the exchange can). */
  async sweep(): Promise<void> {
    const { exchange } = this.#host;
    const fetchOpenOrders = exchange.fetchOpenOrders;
    const mono = this.#host.monotonic();
    if (typeof fetchOpenOrders !== 'function' || this.#openSymbols.size === 0 || mono - this.#sweepAt < this.#host.openOrderCheckMs) return;
    this.#sweepAt = mono;
    try {
      const states: unknown = await fetchOpenOrders.call(exchange, [...this.#openSymbols]);
      if (!Array.isArray(states)) throw new InvalidExchangeResponseError(`${exchange.id} fetchOpenOrders answered ${typeof states}, expected an array`);
      const found = new Map<string, OrderState>();
      for (const raw of states as unknown[]) {
        const r = raw as Partial<OrderState> | null;
        const market = typeof r?.symbol === 'string' ? this.#host.market(r.symbol) : undefined;
        if (market === undefined || typeof r?.clientOrderId !== 'string' || (r.side !== 'buy' && r.side !== 'sell')) continue; // not one of ours
        try {
          found.set(r.clientOrderId, checkOrderState(raw, { clientOrderId: r.clientOrderId, side: r.side, type: 'limit' }, market, 'fetchOpenOrders answer'));
        } catch (error) {
          this.#host.report(error, market.symbol); // that order is looked up on its own instead
        }
      }
      this.#sweep = { at: mono, found };
      this.#failed = false;
    } catch (error) {
      // An older answer is never reused: it would say "unchanged" for ever.
      this.#sweep = null;
      this.#failed = true;
      this.#host.report(error);
    }
  }
}
