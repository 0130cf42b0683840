/**
 * Checking what an exchange adapter returned for an order, before it touches a position.
 */
import { parseDecimal, str } from '../decimal';
import { InvalidExchangeResponseError } from '../errors';
import type { MarketRules, OrderFill } from '../ports/exchange';
import type { PendingOrder } from '../ports/record';

/**
 * Validates a fill for an order and returns a clean copy (decimal strings in canonical form, only
 * the port's fields). A fill for another client order id, side or symbol, or with amounts that
 * are not positive decimals, is refused: applying it could corrupt a position.
 * @throws {@link InvalidExchangeResponseError}
 * @internal
 */
export function checkFill(fill: unknown, order: PendingOrder, market: MarketRules): OrderFill {
  const symbol = market.symbol;
  const bad = (why: string): never => {
    throw new InvalidExchangeResponseError(`Fill for ${order.clientOrderId} (${symbol}) is malformed: ${why}`);
  };
  if (typeof fill !== 'object' || fill === null) return bad('not an object');
  const f = fill as Record<string, unknown>;
  if (f.clientOrderId !== undefined && f.clientOrderId !== order.clientOrderId) bad(`clientOrderId is ${String(f.clientOrderId)}`);
  if (f.side !== order.side) bad(`side is ${String(f.side)}, expected ${order.side}`);
  if (f.symbol !== undefined && f.symbol !== symbol) bad(`symbol is ${String(f.symbol)}`);
  if (f.status !== undefined && f.status !== 'filled') bad(`status is ${String(f.status)}`);
  const amount = (k: 'filledBase' | 'costQuote' | 'avgPrice') => {
    const d = parseDecimal(f[k]);
    if (d === undefined || !d.isFinite() || d.lte(0)) return bad(`${k} is ${JSON.stringify(f[k])}, expected a positive decimal string`);
    return str(d);
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
  if (fee !== null && fee.currency === market.base && parseDecimal(fee.amount)!.gte(filledBase)) bad('the base-asset fee is not below the filled amount');
  return {
    orderId: f.orderId as string,
    clientOrderId: order.clientOrderId,
    symbol,
    side: order.side,
    status: 'filled',
    filledBase,
    costQuote: amount('costQuote'),
    avgPrice: amount('avgPrice'),
    fee,
    ...(f.feePending === true ? { feePending: true } : {}),
    ...(f.feeEstimated === true ? { feeEstimated: true } : {}),
    timestamp: timestamp as number,
  };
}
