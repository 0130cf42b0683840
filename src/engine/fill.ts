/**
 * Checking what an exchange adapter returned for an order, before it touches a position.
 */
import { Decimal, parseDecimal, str } from '../decimal';
import { InvalidExchangeResponseError } from '../errors';
import type { MarketRules, OrderFill } from '../ports/exchange';

/**
 * Relative tolerance of the check `avgPrice ≈ costQuote / filledBase`, used when it is larger than
 * one price tick (a venue that rounds the average to more digits than its tick).
 * @internal
 */
export const AVG_PRICE_RELATIVE_TOLERANCE = new Decimal('0.000001');

/**
 * Validates a fill for an order and returns a clean copy (decimal strings in canonical form, only
 * the port's fields, `feePending` / `feeEstimated` kept when set). Refused, since applying it could
 * corrupt a position (issue 9, case 4):
 * - a `clientOrderId`, `side` or `symbol` that is missing or not the order's;
 * - `filledBase`, `costQuote` or `avgPrice` that are not decimals \> 0 (a MARKET order that
 *   executed nothing has no fill; one that executed less than asked — a partial fill — is valid);
 * - an `avgPrice` that disagrees with `costQuote / filledBase` by more than one price tick or
 *   1e-6 of the price ({@link AVG_PRICE_RELATIVE_TOLERANCE}), whichever is larger;
 * - a negative or malformed fee, or a base-asset fee not below the filled amount.
 * @throws {@link InvalidExchangeResponseError}
 * @internal
 */
export function checkFill(fill: unknown, order: { readonly clientOrderId: string; readonly side: OrderFill['side'] }, market: MarketRules): OrderFill {
  const symbol = market.symbol;
  const bad = (why: string): never => {
    throw new InvalidExchangeResponseError(`Fill for ${order.clientOrderId} (${symbol}) is malformed: ${why}`);
  };
  if (typeof fill !== 'object' || fill === null) return bad('not an object');
  const f = fill as Record<string, unknown>;
  if (f.clientOrderId !== order.clientOrderId) bad(`clientOrderId is ${String(f.clientOrderId)}, expected ${order.clientOrderId}`);
  if (f.side !== order.side) bad(`side is ${String(f.side)}, expected ${order.side}`);
  if (f.symbol !== symbol) bad(`symbol is ${String(f.symbol)}, expected ${symbol}`);
  if (f.status !== undefined && f.status !== 'filled') bad(`status is ${String(f.status)}`);
  const amount = (k: 'filledBase' | 'costQuote' | 'avgPrice'): Decimal => {
    const d = parseDecimal(f[k]);
    if (d === undefined || !d.isFinite() || d.lte(0)) return bad(`${k} is ${show(f[k])}, expected a positive decimal string`);
    return d;
  };
  const flag = (k: 'feePending' | 'feeEstimated'): boolean | undefined => {
    if (f[k] !== undefined && typeof f[k] !== 'boolean') bad(`${k} is ${show(f[k])}, expected a boolean`);
    return f[k] as boolean | undefined;
  };
  let fee: OrderFill['fee'] = null;
  if (f.fee !== null && f.fee !== undefined) {
    const fe = f.fee as Record<string, unknown>;
    const feeAmount = parseDecimal(fe.amount);
    if (typeof fe.currency !== 'string' || fe.currency === '' || feeAmount === undefined || feeAmount.lt(0)) bad('fee is malformed');
    fee = { currency: fe.currency as string, amount: str(feeAmount!) };
  }
  const timestamp = f.timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) bad('timestamp is not a number');
  if (typeof f.orderId !== 'string' || f.orderId === '') bad('orderId is missing');
  const filledBase = amount('filledBase');
  const costQuote = amount('costQuote');
  const avgPrice = amount('avgPrice');
  if (fee !== null && fee.currency === market.base && parseDecimal(fee.amount)!.gte(filledBase)) bad('the base-asset fee is not below the filled amount');
  const implied = costQuote.div(filledBase);
  const tick = parseDecimal(market.priceTick);
  const relative = implied.mul(AVG_PRICE_RELATIVE_TOLERANCE);
  const tolerance = tick !== undefined && tick.gt(relative) ? tick : relative;
  if (avgPrice.minus(implied).abs().gt(tolerance)) {
    bad(`avgPrice ${str(avgPrice)} disagrees with costQuote / filledBase = ${str(implied.toSignificantDigits(20))} by more than ${str(tolerance)}`);
  }
  const feePending = flag('feePending');
  const feeEstimated = flag('feeEstimated');
  return {
    orderId: f.orderId as string,
    clientOrderId: order.clientOrderId,
    symbol,
    side: order.side,
    status: 'filled',
    filledBase: str(filledBase),
    costQuote: str(costQuote),
    avgPrice: str(avgPrice),
    fee,
    ...(feePending !== undefined ? { feePending } : {}),
    ...(feeEstimated !== undefined ? { feeEstimated } : {}),
    timestamp: timestamp as number,
  };
}

/**
 * A value as shown in an error: strings quoted, anything else (bigints, symbols too) without
 * throwing.
 * @internal
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
