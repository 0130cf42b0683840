/**
 * Checking what the venue answered about one order (a look-up, a limit order's reply, a cancel's
 * reply), before the engine applies it.
 */
import { Decimal, parseDecimal, str } from '../decimal';
import { InvalidExchangeResponseError } from '../errors';
import type { MarketRules, OrderFee, OrderState } from '../ports/exchange';
import type { OrderSlot } from '../ports/record';
import { AVG_PRICE_RELATIVE_TOLERANCE, checkFill, show } from './fill';
import { fillToState } from './ledger';

/**
 * A look-up's answer, checked: the venue's state of the order (cumulative), or that it does not
 * know it.
 * @internal
 */
export type CheckedLookup = { readonly status: 'found'; readonly state: OrderState } | { readonly status: 'not-found' };

const STATUSES = ['open', 'filled', 'cancelled', 'expired', 'rejected'];

/**
 * Validates an {@link OrderState} for a slot and returns a clean copy (canonical decimal strings):
 * its client order id, side and symbol; a known status; cumulative amounts ≥ 0; an average price
 * that agrees with `costQuote / filledBase` (null or absent only when nothing filled); fees that are
 * well formed.
 * @throws {@link InvalidExchangeResponseError}
 * @internal
 */
export function checkOrderState(raw: unknown, slot: Pick<OrderSlot, 'clientOrderId' | 'side' | 'type'>, market: MarketRules, what = 'order state'): OrderState {
  const bad = (why: string): never => {
    throw new InvalidExchangeResponseError(`${what} for ${slot.clientOrderId} (${market.symbol}) is malformed: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(raw === undefined ? 'undefined' : show(raw));
  const r = raw as Record<string, unknown>;
  if (r.clientOrderId !== slot.clientOrderId) bad(`clientOrderId is ${show(r.clientOrderId)}`);
  if (r.side !== slot.side) bad(`side is ${show(r.side)}, expected ${slot.side}`);
  if (r.symbol !== market.symbol) bad(`symbol is ${show(r.symbol)}, expected ${market.symbol}`);
  if (!STATUSES.includes(r.status as string)) bad(`status is ${show(r.status)}`);
  if (typeof r.orderId !== 'string' || r.orderId === '') bad('orderId is missing');
  const amount = (k: 'filledBase' | 'costQuote'): Decimal => {
    const d = parseDecimal(r[k]);
    if (d === undefined || !d.isFinite() || d.lt(0)) return bad(`${k} is ${show(r[k])}, expected a decimal string ≥ 0`);
    return d;
  };
  const filled = amount('filledBase');
  const cost = amount('costQuote');
  if (filled.isZero() !== cost.isZero()) bad(`filledBase ${str(filled)} and costQuote ${str(cost)} disagree`);
  let avg: Decimal | null = null;
  if (filled.gt(0)) {
    avg = parseDecimal(r.avgPrice) ?? null;
    const implied = cost.div(filled);
    if (avg === null) avg = implied;
    const tick = parseDecimal(market.priceTick);
    const relative = implied.mul(AVG_PRICE_RELATIVE_TOLERANCE);
    const tolerance = tick !== undefined && tick.gt(relative) ? tick : relative;
    if (avg.minus(implied).abs().gt(tolerance)) bad(`avgPrice ${str(avg)} disagrees with costQuote / filledBase`);
  }
  if (r.status === 'rejected' && filled.gt(0)) bad('a rejected order with fills');
  if (!Array.isArray(r.fees)) bad('fees is not an array');
  const fees: OrderFee[] = [];
  for (const f of r.fees as unknown[]) {
    const fe = f as Record<string, unknown> | null;
    const a = parseDecimal(fe?.amount);
    if (typeof fe?.currency !== 'string' || fe.currency === '' || a === undefined || a.lt(0)) bad('fees is malformed');
    fees.push({ currency: fe!.currency as string, amount: str(a!) });
  }
  if (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp)) bad('timestamp is not a number');
  if (r.feePending !== undefined && typeof r.feePending !== 'boolean') bad('feePending is not a boolean');
  return {
    orderId: r.orderId as string,
    clientOrderId: slot.clientOrderId,
    symbol: market.symbol,
    side: slot.side,
    type: r.type === 'limit' || r.type === 'market' ? r.type : slot.type,
    status: r.status as OrderState['status'],
    ...(typeof r.price === 'string' ? { price: r.price } : {}),
    ...(typeof r.amountBase === 'string' ? { amountBase: r.amountBase } : {}),
    filledBase: str(filled),
    costQuote: str(cost),
    avgPrice: avg === null ? null : str(avg),
    fees,
    ...(r.feePending === true ? { feePending: true } : {}),
    timestamp: r.timestamp as number,
  };
}

/**
 * Validates what `findOrder` resolved with for a slot (issue 9, case 16). Valid answers: `null`
 * (not found); an {@link OrderState} of this order; or the 0.1 shapes — a fill that passes
 * {@link checkFill} (read as a filled state) or an `OpenOrder` (read as open, with nothing new
 * applied since it carries no cost). Anything else is an invalid answer: the caller reports it and
 * looks again after its backoff, never reading it as "not found".
 * @param raw - what `findOrder` resolved with
 * @param slot - the order that was looked up
 * @param market - its market's rules
 * @throws {@link InvalidExchangeResponseError}
 * @internal
 */
export function checkLookup(raw: unknown, slot: OrderSlot, market: MarketRules): CheckedLookup {
  const bad = (why: string): never => {
    throw new InvalidExchangeResponseError(`findOrder for ${slot.clientOrderId} (${market.symbol}) answered ${why}: expected an order state, a fill, an open order or null`);
  };
  if (raw === null) return { status: 'not-found' };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return bad(raw === undefined ? 'undefined' : Array.isArray(raw) ? 'an array' : `${typeof raw} ${String(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  if (Array.isArray(r.fees)) return { status: 'found', state: checkOrderState(raw, slot, market, `findOrder's answer`) };
  if (r.status === 'open') {
    if (r.clientOrderId !== slot.clientOrderId) bad(`an open order with clientOrderId ${String(r.clientOrderId)}`);
    if (r.side !== slot.side) bad(`an open order with side ${String(r.side)}`);
    if (r.symbol !== market.symbol) bad(`an open order with symbol ${String(r.symbol)}`);
    if (typeof r.orderId !== 'string' || r.orderId === '') bad('an open order without an orderId');
    const filled = parseDecimal(r.filledBase);
    if (filled === undefined || !filled.isFinite() || filled.lt(0)) bad(`an open order with filledBase ${show(r.filledBase)}`);
    // No cost: nothing new can be applied from it; it says the order is open.
    const state: OrderState = {
      orderId: r.orderId as string, clientOrderId: slot.clientOrderId, symbol: market.symbol, side: slot.side, type: slot.type, status: 'open',
      filledBase: slot.applied.base, costQuote: slot.applied.quote, avgPrice: null, fees: slot.applied.fees, timestamp: 0,
    };
    return { status: 'found', state };
  }
  if (r.status !== undefined && r.status !== 'filled') return bad(`an order with status ${show(r.status)}`);
  return { status: 'found', state: fillToState(checkFill(raw, slot, market)) };
}
