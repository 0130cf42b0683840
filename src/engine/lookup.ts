/**
 * Checking what `Exchange.findOrder` answered for a parked order, before the reconciler acts on it.
 */
import { parseDecimal, str } from '../decimal';
import { InvalidExchangeResponseError } from '../errors';
import type { MarketRules, OpenOrder, OrderFill } from '../ports/exchange';
import type { PendingOrder } from '../ports/record';
import { checkFill, show } from './fill';

/**
 * A look-up's answer, checked: the order executed (`filled`, a clean fill), is still `open`, or the
 * venue does not know it (`not-found`).
 * @internal
 */
export type CheckedLookup =
  | { readonly status: 'filled'; readonly fill: OrderFill }
  | { readonly status: 'open'; readonly order: OpenOrder }
  | { readonly status: 'not-found' };

/**
 * Validates what `findOrder` resolved with for `order` (issue 9, case 16). Only three answers are
 * valid: `null` (not found), an {@link OpenOrder} of this order (`status: 'open'`, its client
 * order id, side and symbol, a decimal `filledBase` ≥ 0), or a fill that passes
 * {@link checkFill}. Anything else — `undefined`, a string, an array, an order with another status
 * — is an invalid answer: the caller reports it and looks again after its backoff, never reading
 * it as "not found" (which could give the order up while it may have executed).
 * @param raw - what `findOrder` resolved with
 * @param order - the parked order that was looked up
 * @param market - its market's rules
 * @throws {@link InvalidExchangeResponseError}
 * @internal
 */
export function checkLookup(raw: unknown, order: PendingOrder, market: MarketRules): CheckedLookup {
  const bad = (why: string): never => {
    throw new InvalidExchangeResponseError(
      `findOrder for ${order.clientOrderId} (${market.symbol}) answered ${why}: expected a fill, an open order or null`,
    );
  };
  if (raw === null) return { status: 'not-found' };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return bad(raw === undefined ? 'undefined' : Array.isArray(raw) ? 'an array' : `${typeof raw} ${String(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  if (r.status === 'open') {
    if (r.clientOrderId !== order.clientOrderId) bad(`an open order with clientOrderId ${String(r.clientOrderId)}`);
    if (r.side !== order.side) bad(`an open order with side ${String(r.side)}`);
    if (r.symbol !== market.symbol) bad(`an open order with symbol ${String(r.symbol)}`);
    if (typeof r.orderId !== 'string' || r.orderId === '') bad('an open order without an orderId');
    const filled = parseDecimal(r.filledBase);
    if (filled === undefined || !filled.isFinite() || filled.lt(0)) bad(`an open order with filledBase ${show(r.filledBase)}`);
    const open: OpenOrder = { orderId: r.orderId as string, clientOrderId: order.clientOrderId, symbol: market.symbol, side: order.side, status: 'open', filledBase: str(filled!) };
    return { status: 'open', order: open };
  }
  if (r.status !== undefined && r.status !== 'filled') return bad(`an order with status ${show(r.status)}`);
  return { status: 'filled', fill: checkFill(raw, order, market) };
}
