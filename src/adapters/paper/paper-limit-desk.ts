/**
 * The LIMIT side of the paper exchange: a resting book per symbol, reservations, fills when a price
 * crosses, cancels, and the faults met on the way. The money arithmetic is in `resting-book.ts`.
 */
import { dec, str, type Decimal } from '../../decimal';
import { OrderOutcomeUnknownError, OrderRejectedError } from '../../errors';
import type { CancelOrderQuery, LimitOrderRequest, OrderState, OrderStatus } from '../../ports/exchange';
import { checkLimitRequest } from './limit-checks';
import { partialRatio, restingRatio, settleLater, type FaultQueue, type PaperFault } from './paper-faults';
import { splitSymbol, type PaperCancel, type PaperOrder, type ParsedPaperOptions, type ParsedRules } from './paper-options';
import {
  crosses,
  fillFigures,
  latencyStateOf,
  marketStateOf,
  newFigures,
  releaseFigures,
  remainingOf,
  reservationOf,
  shareToFill,
  stateOf,
  type BalanceMoves,
  type LimitFigures,
} from './resting-book';

type MutableOrder = { -readonly [K in keyof PaperOrder]: PaperOrder[K] };
type MutableCancel = { -readonly [K in keyof PaperCancel]: PaperCancel[K] };

/**
 * What the limit desk shares with its paper exchange: options, balances, the order log and faults.
 * @internal
 */
export interface LimitDeskContext {
  readonly config: ParsedPaperOptions;
  readonly balances: Map<string, Decimal>;
  readonly orders: MutableOrder[];
  readonly byClientId: Map<string, MutableOrder[]>;
  readonly faults: FaultQueue;
  priceOf(symbol: string): Decimal | undefined;
  rulesOf(symbol: string): ParsedRules;
}

/**
 * Resting LIMIT orders of a `PaperExchange`, one book per symbol, in arrival order.
 * @internal
 */
export class PaperLimitDesk {
  readonly #ctx: LimitDeskContext;
  readonly #books = new Map<string, Map<MutableOrder, LimitFigures>>();
  readonly #cancels: MutableCancel[] = [];

  /** @param ctx - what the desk shares with its exchange */
  constructor(ctx: LimitDeskContext) {
    this.#ctx = ctx;
  }

  /** Every cancel received, in arrival order. */
  get cancels(): readonly PaperCancel[] {
    return this.#cancels;
  }

  /** Places a LIMIT order: see `PaperExchange.placeLimitOrder`. */
  place(request: LimitOrderRequest): Promise<OrderState> {
    const { orders, faults, config } = this.#ctx;
    const seq = orders.length + 1;
    const { symbol, side, clientOrderId, baseAmount, price, signal } = request;
    const order: MutableOrder = { seq, orderId: `paper-${seq}`, symbol, side, clientOrderId, receivedAt: config.clock.now(), status: 'open', type: 'limit' };
    if (typeof baseAmount === 'string') order.baseAmount = baseAmount;
    if (typeof price === 'string') order.price = price;
    orders.push(order);
    const fault = faults.take(symbol, side, clientOrderId);
    if (fault !== undefined) order.fault = fault;
    if (fault === 'reject') return Promise.reject(reject(order, 'INJECTED_FAULT', 'order refused (injected fault)'));
    if (fault === 'unknown-before' || fault === 'hang') {
      order.status = 'not-executed';
      const lost = unknown(order, `request lost before the venue (injected ${fault})`);
      if (fault === 'unknown-before') return Promise.reject(lost);
      return settleLater<OrderState>(undefined, signal, () => lost, () => { throw lost; });
    }
    const check = checkLimitRequest(request, this.#ctx.priceOf(symbol) === undefined ? undefined : this.#ctx.rulesOf(symbol));
    const refuse = (reason: string, message: string): Promise<never> => {
      const refusal = reject(order, reason, message);
      return Promise.reject(lostResponse(order, fault, signal, refusal) ?? refusal);
    };
    if (!check.ok) return refuse(check.reason, check.message);
    const sameId = this.#ctx.byClientId.get(clientOrderId);
    // As on Binance (and for MARKET orders here): a client id is refused only while its order is open.
    if (sameId?.some((o) => o.status === 'open')) {
      return refuse('DUPLICATE_CLIENT_ORDER_ID', `an order with client id ${clientOrderId} is still open`);
    }
    if (sameId) sameId.push(order);
    else this.#ctx.byClientId.set(clientOrderId, [order]);
    const land = (): OrderState => this.#land(order, check.amount, check.price, fault, signal);
    if (config.latencyMs === 0) {
      try {
        return Promise.resolve(land());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const aborted = (): Error => unknown(order, 'the caller stopped waiting (signal aborted)');
    return settleLater(config.latencyMs, signal, aborted, land);
  }

  /** Fills every resting order of `symbol` that `price` crosses, at its limit, as a maker. */
  cross(symbol: string, price: Decimal): void {
    const book = this.#books.get(symbol);
    if (book === undefined) return;
    for (const [order, figures] of [...book]) {
      if (!crosses(figures.side, figures.limit, price)) continue;
      const fault = this.#ctx.faults.take(symbol, order.side, order.clientOrderId, 'crossing');
      this.#fillResting(order, figures, restingRatio(fault));
    }
  }

  /** Cancels an order by client id: see `PaperExchange.cancelOrder`. */
  cancel(query: CancelOrderQuery): OrderState | null {
    const { symbol, clientOrderId, signal } = query;
    const record: MutableCancel = {
      seq: this.#cancels.length + 1, symbol, clientOrderId, receivedAt: this.#ctx.config.clock.now(), outcome: 'unknown-order', faults: [],
    };
    this.#cancels.push(record);
    const target = this.#latest(symbol, clientOrderId);
    const fault = this.#ctx.faults.take(symbol, target?.side, clientOrderId, 'cancel');
    const faults: PaperFault[] = fault === undefined ? [] : [fault];
    record.faults = faults;
    if (fault === 'cancel-unknown-before') {
      record.outcome = 'not-executed';
      throw new OrderOutcomeUnknownError(`PaperExchange: cancel of ${clientOrderId}: request lost before the venue (injected fault)`, { clientOrderId });
    }
    const figures = target === undefined ? undefined : this.#books.get(symbol)?.get(target);
    let state: OrderState | null;
    if (target !== undefined && figures !== undefined) {
      const fillFault = this.#ctx.faults.take(symbol, target.side, clientOrderId, 'cancelFill');
      let current = figures;
      if (fillFault !== undefined) {
        faults.push(fillFault);
        current = this.#fillResting(target, figures, restingRatio(fillFault));
      }
      if (target.status === 'open') {
        this.#end(target, current, 'cancelled');
        record.outcome = 'cancelled';
      } else record.outcome = 'already-ended';
      state = target.state!;
    } else {
      state = target === undefined ? null : answerOf(target);
      if (state !== null) record.outcome = 'already-ended';
    }
    if (state !== null) record.state = state;
    if (fault === 'cancel-unknown-after' || signal?.aborted) {
      const why = fault === 'cancel-unknown-after' ? 'response lost (injected fault)' : 'the caller stopped waiting (signal aborted)';
      throw new OrderOutcomeUnknownError(`PaperExchange: cancel of ${clientOrderId}: ${why}`, { clientOrderId });
    }
    return state;
  }

  /** The state of every resting order of these markets. */
  openOrders(symbols: readonly string[]): OrderState[] {
    const out: OrderState[] = [];
    for (const symbol of symbols) {
      for (const order of this.#books.get(symbol)?.keys() ?? []) {
        const state = this.lookup(order);
        if (state?.status === 'open') out.push(state);
      }
    }
    return out;
  }

  /**
   * The look-up answer for a LIMIT order: its state (`open` with nothing filled while inside its
   * latency), or undefined when the venue never knew it (refused, lost).
   */
  lookup(order: PaperOrder): OrderState | undefined {
    if (order.status === 'rejected' || order.status === 'not-executed') return undefined;
    const state = order.state ?? latencyStateOf(order, this.#ctx.config.clock.now());
    if (state.filledBase !== '0' && this.#ctx.faults.take(order.symbol, order.side, order.clientOrderId, 'lookup') === 'fee-pending') {
      return { ...state, fees: [], feePending: true };
    }
    return state;
  }

  /** Reserves the funds, executes what crosses at once (taker), and rests the rest. */
  #land(order: MutableOrder, amount: Decimal, limit: Decimal, fault: PaperFault | undefined, signal?: AbortSignal): OrderState {
    let state: OrderState;
    try {
      state = this.#reserveAndMatch(order, amount, limit, partialRatio(fault));
    } catch (error) {
      throw lostResponse(order, fault, signal, error) ?? error;
    }
    const lost = lostResponse(order, fault, signal);
    if (lost) throw lost;
    return fault === 'malformed-after' ? { ...state, filledBase: 'abc' } : state;
  }

  #reserveAndMatch(order: MutableOrder, amount: Decimal, limit: Decimal, partial: string | undefined): OrderState {
    const { base, quote } = splitSymbol(order.symbol)!;
    const reservation = reservationOf(order.side, amount, limit);
    const [payAsset, needed] = order.side === 'buy' ? [quote, reservation.quote] : [base, reservation.base];
    const available = this.#ctx.balances.get(payAsset) ?? dec(0);
    if (available.lt(needed)) {
      throw reject(order, 'INSUFFICIENT_FUNDS', `needs ${str(needed)} ${payAsset} to reserve, has ${str(available)}`);
    }
    this.#ctx.balances.set(payAsset, available.sub(needed));
    let figures = newFigures(order.side, amount, limit);
    const price = this.#ctx.priceOf(order.symbol)!;
    if (crosses(order.side, limit, price)) {
      const share = shareToFill(figures, partial, this.#ctx.rulesOf(order.symbol).amountStep);
      if (!share.isZero()) figures = this.#apply(order, fillFigures(figures, share, price, this.#ctx.config.feeRate));
    }
    if (remainingOf(figures).isZero()) this.#end(order, figures, 'filled');
    else {
      let book = this.#books.get(order.symbol);
      if (book === undefined) this.#books.set(order.symbol, (book = new Map()));
      book.set(order, figures);
      order.state = this.#stateOf(order, figures, 'open');
    }
    return order.state!;
  }

  /** Fills what a crossing (or a fill-during-cancel) executes at the limit, as a maker. */
  #fillResting(order: MutableOrder, figures: LimitFigures, ratio: string | undefined): LimitFigures {
    const share = shareToFill(figures, ratio, this.#ctx.rulesOf(order.symbol).amountStep);
    if (share.isZero()) return figures;
    const next = this.#apply(order, fillFigures(figures, share, figures.limit, this.#ctx.config.makerFeeRate));
    if (remainingOf(next).isZero()) this.#end(order, next, 'filled');
    else {
      this.#books.get(order.symbol)!.set(order, next);
      order.state = this.#stateOf(order, next, 'open');
    }
    return next;
  }

  /** Takes the order off the book, frees what it still reserves, and records its final state. */
  #end(order: MutableOrder, figures: LimitFigures, status: 'filled' | 'cancelled'): void {
    const released = this.#apply(order, releaseFigures(figures));
    this.#books.get(order.symbol)?.delete(order);
    order.status = status;
    order.state = this.#stateOf(order, released, status);
  }

  #apply(order: PaperOrder, step: { readonly figures: LimitFigures; readonly moves: BalanceMoves }): LimitFigures {
    const { base, quote } = splitSymbol(order.symbol)!;
    const { balances } = this.#ctx;
    if (!step.moves.base.isZero()) balances.set(base, (balances.get(base) ?? dec(0)).add(step.moves.base));
    if (!step.moves.quote.isZero()) balances.set(quote, (balances.get(quote) ?? dec(0)).add(step.moves.quote));
    return step.figures;
  }

  #stateOf(order: PaperOrder, figures: LimitFigures, status: OrderStatus): OrderState {
    const { base, quote } = splitSymbol(order.symbol)!;
    const { orderId, clientOrderId, symbol } = order;
    return stateOf(figures, { orderId, clientOrderId, symbol, base, quote, status, timestamp: this.#ctx.config.clock.now() });
  }

  /** The newest order with this client id on this symbol that reached the venue. */
  #latest(symbol: string, clientOrderId: string): MutableOrder | undefined {
    const candidates = this.#ctx.byClientId.get(clientOrderId) ?? [];
    for (let i = candidates.length - 1; i >= 0; i--) {
      const o = candidates[i]!;
      if (o.symbol === symbol && o.status !== 'rejected' && o.status !== 'not-executed') return o;
    }
    return undefined;
  }
}

/** The state a cancel answers for an order not resting: a LIMIT order's, a MARKET order's fill; null in flight. */
function answerOf(order: PaperOrder): OrderState | null {
  if (order.type === 'limit') return order.state ?? null;
  if (order.fill === undefined || (order.status !== 'filled' && order.status !== 'expired')) return null;
  return marketStateOf(order.fill, order.status);
}

function reject(order: MutableOrder, reason: string, message: string): OrderRejectedError {
  order.status = 'rejected';
  order.rejectReason = reason;
  return new OrderRejectedError(`PaperExchange: ${message}`, { reason, clientOrderId: order.clientOrderId });
}

function unknown(order: PaperOrder, message: string, cause?: unknown): OrderOutcomeUnknownError {
  const { orderId, clientOrderId } = order;
  return new OrderOutcomeUnknownError(`PaperExchange: order ${orderId}: ${message}`, { clientOrderId, cause });
}

/** The error that replaces the venue's answer when the caller cannot receive it, if any. */
function lostResponse(order: PaperOrder, fault: PaperFault | undefined, signal: AbortSignal | undefined, cause?: unknown) {
  if (signal?.aborted) return unknown(order, 'the caller stopped waiting (signal aborted)', cause);
  if (fault === 'unknown-after') return unknown(order, 'response lost (injected fault)', cause);
  return undefined;
}
