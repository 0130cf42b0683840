/**
 * Converting ccxt orders to the port's fills with exact decimals: amounts come from the venue's
 * raw strings (`order.info`) where ccxt keeps them, never from float products.
 */
import { Decimal, parseDecimal, str } from '../../decimal';
import { InvalidExchangeResponseError } from '../../errors';
import type { OpenOrder, OrderFee, OrderFill, OrderSide } from '../../ports/exchange';
import type { CcxtFeeLike, CcxtOrderLike, CcxtTradeLike } from './types';

/** Raw-response keys holding the executed base amount, per venue (Binance, OKX, Bybit, Kraken). */
const FILLED_KEYS = ['executedQty', 'accFillSz', 'cumExecQty', 'vol_exec'];
/** Raw-response keys holding the executed quote amount. */
const COST_KEYS = ['cummulativeQuoteQty', 'cumExecValue', 'cost'];
/** Raw-response keys holding the average price. */
const AVG_KEYS = ['avgPx', 'avgPrice', 'price'];

/** The first key of `info` holding a decimal string or number, as a decimal. */
function rawDecimal(info: unknown, keys: readonly string[]): Decimal | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  for (const key of keys) {
    const value = (info as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.trim() !== '') {
      const d = parseDecimal(value);
      if (d !== undefined) return d;
    }
  }
  return undefined;
}

/** A float from ccxt's unified fields, through its shortest decimal form. */
function floatDecimal(value: unknown): Decimal | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? new Decimal(String(value)) : undefined;
}

/** Sums fees per currency, exact; picks the base-asset fee when there are several (it shrinks the position). */
export function sumFees(parts: ReadonlyArray<{ currency: string; amount: Decimal }>, base: string): OrderFee | null {
  const byCurrency = new Map<string, Decimal>();
  for (const { currency, amount } of parts) byCurrency.set(currency, (byCurrency.get(currency) ?? new Decimal(0)).add(amount.abs()));
  const nonZero = [...byCurrency].filter(([, a]) => !a.isZero());
  if (nonZero.length === 0) return null;
  const [currency, amount] = nonZero.find(([c]) => c === base) ?? nonZero[0]!;
  return { currency, amount: str(amount) };
}

/** Fee parts of a raw Binance `fills` array (`commission`/`commissionAsset`). */
function rawFills(info: unknown): Array<{ currency: string; amount: Decimal }> | undefined {
  const fills = (info as { fills?: unknown } | null)?.fills;
  if (!Array.isArray(fills) || fills.length === 0) return undefined;
  const parts: Array<{ currency: string; amount: Decimal }> = [];
  for (const f of fills as Array<Record<string, unknown>>) {
    const amount = parseDecimal(f.commission);
    if (typeof f.commissionAsset === 'string' && amount !== undefined) parts.push({ currency: f.commissionAsset, amount });
  }
  return parts;
}

/** Fee parts of ccxt fee structures. */
function ccxtFees(fees: ReadonlyArray<CcxtFeeLike | undefined>): Array<{ currency: string; amount: Decimal }> {
  const parts: Array<{ currency: string; amount: Decimal }> = [];
  for (const fee of fees) {
    const amount = floatDecimal(fee?.cost);
    if (fee?.currency && amount !== undefined) parts.push({ currency: fee.currency, amount });
  }
  return parts;
}

/**
 * The fee of an order: from Binance's raw `fills`, else ccxt's `fees`/`fee`; `undefined` when the
 * response says nothing about fees (a look-up: fetch the order's trades).
 * @internal
 */
export function orderFee(order: CcxtOrderLike, base: string): OrderFee | null | undefined {
  const raw = rawFills(order.info);
  if (raw !== undefined) return sumFees(raw, base);
  const fees = order.fees && order.fees.length > 0 ? order.fees : order.fee ? [order.fee] : [];
  const parts = ccxtFees(fees);
  return parts.length > 0 ? sumFees(parts, base) : undefined;
}

/** The fee of an order's trades (raw `commission` strings where present). @internal */
export function tradesFee(trades: readonly CcxtTradeLike[], base: string): OrderFee | null {
  const parts: Array<{ currency: string; amount: Decimal }> = [];
  for (const t of trades) {
    const info = t.info as Record<string, unknown> | null;
    const raw = parseDecimal(info?.commission);
    if (raw !== undefined && typeof info?.commissionAsset === 'string') parts.push({ currency: info.commissionAsset, amount: raw });
    else parts.push(...ccxtFees([t.fee]));
  }
  return sumFees(parts, base);
}

/** The executed amounts of an order, exact. @internal */
export function executed(order: CcxtOrderLike): { base: Decimal; cost: Decimal | undefined } {
  const base = rawDecimal(order.info, FILLED_KEYS) ?? floatDecimal(order.filled) ?? new Decimal(0);
  let cost = rawDecimal(order.info, COST_KEYS);
  if (cost === undefined || (cost.isZero() && !base.isZero())) {
    const avg = rawDecimal(order.info, AVG_KEYS);
    cost = avg !== undefined && !avg.isZero() ? base.mul(avg) : floatDecimal(order.cost);
  }
  return { base, cost };
}

/**
 * The port's view of a ccxt order: a fill (closed, or cancelled/expired after executing some),
 * an open order, or `null` when it ended with nothing executed. `fee: 'pending'` (the venue lists
 * no trades for it yet) gives a fill with `fee: null, feePending: true`.
 * @throws {@link InvalidExchangeResponseError} when a filled order lacks its cost
 * @internal
 */
export function toPortOrder(
  order: CcxtOrderLike,
  ids: { clientOrderId: string; symbol: string; side: OrderSide },
  fee: OrderFee | null | 'pending',
): OrderFill | OpenOrder | null {
  const { base, cost } = executed(order);
  const orderId = String(order.id ?? '');
  if (order.status === 'open' || order.status === undefined) {
    return { orderId, clientOrderId: ids.clientOrderId, symbol: ids.symbol, side: ids.side, status: 'open', filledBase: str(base) };
  }
  if (base.isZero()) return null;
  if (cost === undefined || cost.lte(0)) throw new InvalidExchangeResponseError(`Order ${orderId} (${ids.clientOrderId}) executed ${str(base)} but its cost is missing`);
  const avg = cost.div(base).toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN);
  const info = order.info as Record<string, unknown> | null;
  const rawTime = Number(info?.transactTime ?? info?.updateTime);
  const timestamp = order.lastTradeTimestamp ?? order.timestamp ?? (Number.isFinite(rawTime) && rawTime > 0 ? rawTime : Date.now());
  const fill = { orderId, clientOrderId: ids.clientOrderId, symbol: ids.symbol, side: ids.side, status: 'filled' as const, filledBase: str(base), costQuote: str(cost), avgPrice: str(avg), timestamp };
  // Issue 9 case 3: a fee the venue has not reported yet is never shown as "no fee".
  return fee === 'pending' ? { ...fill, fee: null, feePending: true } : { ...fill, fee };
}
