/**
 * The arithmetic of a resting LIMIT order on the paper exchange, as pure functions: when a price
 * crosses it, how much fills, what a fill does to its cumulative figures and to free balances,
 * and what it reserves. No state, no I/O: the paper exchange's limit desk calls these.
 */
import { dec, floorToStep, str, type Decimal } from '../../decimal';
import type { OrderFee, OrderFill, OrderSide, OrderState, OrderStatus } from '../../ports/exchange';

/**
 * The money figures of one LIMIT order, all cumulative: what it asked for, what it executed, what
 * it still holds reserved.
 * @internal
 */
export interface LimitFigures {
  readonly side: OrderSide;
  /** Limit price. */
  readonly limit: Decimal;
  /** Base amount ordered. */
  readonly amount: Decimal;
  /** Base executed so far (gross). */
  readonly filled: Decimal;
  /** Quote exchanged so far (before quote fees). */
  readonly cost: Decimal;
  /** Fees charged so far, in {@link feeAsset} of the side. */
  readonly fee: Decimal;
  /** Still reserved out of the free balance: quote for a buy, base for a sell. */
  readonly reserved: Decimal;
}

/**
 * Changes to free balances, by role: `base` and `quote` of the symbol.
 * @internal
 */
export interface BalanceMoves {
  readonly base: Decimal;
  readonly quote: Decimal;
}

/**
 * True when a LIMIT order at `limit` executes at `price`: a buy at or above the price, a sell at or
 * below it.
 * @internal
 */
export function crosses(side: OrderSide, limit: Decimal, price: Decimal): boolean {
  return side === 'buy' ? limit.gte(price) : limit.lte(price);
}

/**
 * What placing the order takes out of the free balance: a buy reserves `amount × limit` quote, a
 * sell reserves `amount` base.
 * @internal
 */
export function reservationOf(side: OrderSide, amount: Decimal, limit: Decimal): BalanceMoves {
  return side === 'buy' ? { base: dec(0), quote: amount.mul(limit) } : { base: amount, quote: dec(0) };
}

/** Figures of an order just placed: nothing executed, the whole reservation held. @internal */
export function newFigures(side: OrderSide, amount: Decimal, limit: Decimal): LimitFigures {
  const r = reservationOf(side, amount, limit);
  const zero = dec(0);
  return { side, limit, amount, filled: zero, cost: zero, fee: zero, reserved: side === 'buy' ? r.quote : r.base };
}

/** Base still to execute. @internal */
export function remainingOf(f: LimitFigures): Decimal {
  return f.amount.sub(f.filled);
}

/**
 * How much base executes now: the whole rest, or (a thin book) `ratio` of the order's amount rounded
 * down to the step, never more than the rest. Zero when that share is below one step.
 * @internal
 */
export function shareToFill(f: LimitFigures, ratio: string | undefined, step: Decimal): Decimal {
  const rest = remainingOf(f);
  if (ratio === undefined) return rest;
  const share = floorToStep(f.amount.mul(ratio), step);
  return share.lte(rest) ? share : rest;
}

/**
 * Executes `base` of the order at `price` with fee rate `feeRate`. Binance-like without BNB: the
 * fee is taken from what the order brings in (base on a buy, quote on a sell). A buy's reservation
 * is at the limit, so a fill below it (a taker crossing at once) frees the difference.
 * @internal
 */
export function fillFigures(
  f: LimitFigures,
  base: Decimal,
  price: Decimal,
  feeRate: Decimal,
): { readonly figures: LimitFigures; readonly moves: BalanceMoves } {
  const quote = base.mul(price);
  if (f.side === 'buy') {
    const fee = base.mul(feeRate);
    const released = base.mul(f.limit);
    const figures = { ...f, filled: f.filled.add(base), cost: f.cost.add(quote), fee: f.fee.add(fee), reserved: f.reserved.sub(released) };
    return { figures, moves: { base: base.sub(fee), quote: released.sub(quote) } };
  }
  const fee = quote.mul(feeRate);
  const figures = { ...f, filled: f.filled.add(base), cost: f.cost.add(quote), fee: f.fee.add(fee), reserved: f.reserved.sub(base) };
  return { figures, moves: { base: dec(0), quote: quote.sub(fee) } };
}

/**
 * Ends the order (cancel): whatever is still reserved goes back to the free balance.
 * @internal
 */
export function releaseFigures(f: LimitFigures): { readonly figures: LimitFigures; readonly moves: BalanceMoves } {
  const zero = dec(0);
  const moves = f.side === 'buy' ? { base: zero, quote: f.reserved } : { base: f.reserved, quote: zero };
  return { figures: { ...f, reserved: zero }, moves };
}

/** The asset a side's fee is charged in: the base on a buy, the quote on a sell. @internal */
export function feeAsset(side: OrderSide, assets: { base: string; quote: string }): string {
  return side === 'buy' ? assets.base : assets.quote;
}

/**
 * Identity and status of an order, for {@link stateOf}.
 * @internal
 */
export interface LimitIdentity {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly status: OrderStatus;
  readonly timestamp: number;
}

/**
 * The venue's view of the order: cumulative amounts and fees, `avgPrice` null when nothing filled.
 * @internal
 */
export function stateOf(f: LimitFigures, id: LimitIdentity): OrderState {
  const fees: OrderFee[] = f.fee.isZero() ? [] : [Object.freeze({ currency: feeAsset(f.side, id), amount: str(f.fee) })];
  return Object.freeze({
    orderId: id.orderId,
    clientOrderId: id.clientOrderId,
    symbol: id.symbol,
    side: f.side,
    type: 'limit' as const,
    status: id.status,
    price: str(f.limit),
    amountBase: str(f.amount),
    filledBase: str(f.filled),
    costQuote: str(f.cost),
    avgPrice: f.filled.isZero() ? null : str(f.cost.div(f.filled)),
    fees: Object.freeze(fees),
    timestamp: id.timestamp,
  });
}

/**
 * A MARKET order's fill as an {@link OrderState} (`expired`: only part of it executed).
 * @internal
 */
export function marketStateOf(fill: OrderFill, status: 'filled' | 'expired'): OrderState {
  const { orderId, clientOrderId, symbol, side, filledBase, costQuote, avgPrice, fee, timestamp } = fill;
  const fees = fee === null ? [] : [fee];
  return Object.freeze({ orderId, clientOrderId, symbol, side, type: 'market' as const, status, filledBase, costQuote, avgPrice, fees, timestamp });
}

/**
 * A LIMIT order inside its latency, as a look-up sees it: open, nothing filled.
 * @internal
 */
export function latencyStateOf(
  order: { orderId: string; clientOrderId: string; symbol: string; side: OrderSide; price?: string; baseAmount?: string },
  now: number,
): OrderState {
  const { orderId, clientOrderId, symbol, side, price, baseAmount } = order;
  return {
    orderId, clientOrderId, symbol, side, type: 'limit', status: 'open',
    ...(price === undefined ? {} : { price }), ...(baseAmount === undefined ? {} : { amountBase: baseAmount }),
    filledBase: '0', costQuote: '0', avgPrice: null, fees: [], timestamp: now,
  };
}
