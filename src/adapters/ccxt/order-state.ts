/**
 * A ccxt order as the port's {@link OrderState}: cumulative amounts and fees from the venue's raw
 * strings (`order.info`), statuses mapped, never float arithmetic on amounts.
 */
import { Decimal, parseDecimal, str } from '../../decimal';
import { InvalidExchangeResponseError } from '../../errors';
import type { OrderFee, OrderSide, OrderState, OrderStatus } from '../../ports/exchange';
import { executed } from './fills';
import type { CcxtOrderLike, CcxtTradeLike } from './types';

/** ccxt's unified statuses, as the port's. `canceling` (Binance PENDING_CANCEL) is still open. */
const STATUS: Readonly<Record<string, OrderStatus>> = {
  open: 'open', canceling: 'open', closed: 'filled', canceled: 'cancelled', cancelled: 'cancelled', expired: 'expired', rejected: 'rejected',
};

/**
 * Raw statuses ccxt maps to a status that misstates them: Bybit's `PartiallyFilledCanceled` becomes
 * ccxt `closed` (ccxt issue 18685), but the order was cancelled with part of it unexecuted.
 */
const RAW_STATUS: Readonly<Record<string, OrderStatus>> = {
  PartiallyFilledCanceled: 'cancelled',
  PARTIALLY_FILLED_CANCELLED: 'cancelled',
};

/**
 * The port's status of a ccxt order, or undefined when the reply carries none (an acknowledgement
 * with ids only: OKX, Bybit).
 * @internal
 */
export function orderStatusOf(order: CcxtOrderLike): OrderStatus | undefined {
  const raw = (order.info as Record<string, unknown> | null)?.orderStatus;
  if (typeof raw === 'string' && RAW_STATUS[raw] !== undefined) return RAW_STATUS[raw];
  return order.status === undefined ? undefined : STATUS[order.status];
}

/** One fee part, exact. */
interface FeePart { readonly currency: string; readonly amount: Decimal }

/**
 * Sums fee parts (charges positive, rebates negative) per currency, in order of first appearance.
 * Totals that are zero or a net rebate are left out: the port's fees are charges, and a rebate is
 * income the venue books apart.
 * @internal
 */
export function feeList(parts: readonly FeePart[]): OrderFee[] {
  const byCurrency = new Map<string, Decimal>();
  for (const { currency, amount } of parts) byCurrency.set(currency, (byCurrency.get(currency) ?? new Decimal(0)).add(amount));
  return [...byCurrency].filter(([, a]) => a.gt(0)).map(([currency, a]) => ({ currency, amount: str(a) }));
}

/** A fee part; `negated` for venues that report a charge as a negative number (OKX `fee`). */
const part = (currency: unknown, amount: unknown, negated = false): FeePart[] => {
  const d = parseDecimal(amount);
  return typeof currency === 'string' && currency !== '' && d !== undefined ? [{ currency, amount: negated ? d.neg() : d }] : [];
};

/**
 * The cumulative fees an order's own reply lists, from raw strings: Binance `fills[].commission`,
 * OKX `fee`/`feeCcy` (negative for a charge), Bybit `cumFeeDetail`; else ccxt's `fees`/`fee`
 * (positive for a charge). Undefined when the reply says
 * nothing of fees (ask the order's trades).
 * @internal
 */
export function orderFeeParts(order: CcxtOrderLike): FeePart[] | undefined {
  const info = (order.info ?? {}) as Record<string, unknown>;
  if (Array.isArray(info.fills) && info.fills.length > 0) {
    return (info.fills as Array<Record<string, unknown>>).flatMap((f) => part(f.commissionAsset, f.commission));
  }
  if (typeof info.feeCcy === 'string' && info.feeCcy !== '' && typeof info.fee === 'string' && info.fee !== '') return part(info.feeCcy, info.fee, true);
  if (typeof info.cumFeeDetail === 'object' && info.cumFeeDetail !== null && Object.keys(info.cumFeeDetail).length > 0) {
    return Object.entries(info.cumFeeDetail as Record<string, unknown>).flatMap(([c, a]) => part(c, a));
  }
  const fees = order.fees && order.fees.length > 0 ? order.fees : order.fee ? [order.fee] : [];
  const parts = fees.flatMap((f) => (typeof f?.cost === 'number' && Number.isFinite(f.cost) ? part(f.currency, String(f.cost)) : []));
  return parts.length > 0 ? parts : undefined;
}

/** Raw keys of a trade's base quantity (Binance `qty`, Bybit `execQty`, OKX `fillSz`, Kraken `vol`). */
const TRADE_QTY_KEYS = ['qty', 'execQty', 'fillSz', 'vol'];
/** Raw keys of a trade's fee amount and currency, and whether the venue reports a charge as negative (OKX). */
const TRADE_FEE_KEYS: ReadonlyArray<readonly [string, string, boolean]> = [['commission', 'commissionAsset', false], ['execFee', 'feeCurrency', false], ['fee', 'feeCcy', true]];

/**
 * The fees of an order's trades and the base they executed, exact; `complete` is false when the
 * trades listed so far cover less than `filled` (the venue has not listed every trade yet).
 * @internal
 */
export function tradesFeeParts(trades: readonly CcxtTradeLike[], filled: Decimal): { parts: FeePart[]; complete: boolean } {
  const parts: FeePart[] = [];
  let qty = new Decimal(0);
  let qtyKnown = true;
  for (const t of trades) {
    const info = (t.info ?? {}) as Record<string, unknown>;
    const q = TRADE_QTY_KEYS.map((k) => parseDecimal(info[k])).find((d) => d !== undefined) ?? parseDecimal((t as { amount?: unknown }).amount !== undefined ? String((t as { amount?: unknown }).amount) : undefined);
    if (q === undefined) qtyKnown = false;
    else qty = qty.add(q);
    const raw = TRADE_FEE_KEYS.map(([a, c, negated]) => part(info[c], info[a], negated)).find((p) => p.length > 0);
    if (raw !== undefined) parts.push(...raw);
    else if (typeof t.fee?.cost === 'number' && Number.isFinite(t.fee.cost)) parts.push(...part(t.fee.currency, String(t.fee.cost)));
  }
  return { parts, complete: trades.length > 0 && (!qtyKnown || qty.gte(filled)) };
}

/** Raw keys of the ordered base amount and the limit price. */
const AMOUNT_KEYS = ['origQty', 'sz', 'qty', 'vol'];
const PRICE_KEYS = ['px', 'price'];

function rawString(info: unknown, keys: readonly string[]): Decimal | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  for (const k of keys) {
    const d = parseDecimal((info as Record<string, unknown>)[k]);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * The port's {@link OrderState} of a ccxt order with a known status. `fees: 'pending'` (something
 * executed but its fees are not listed yet) gives `fees: []` and `feePending: true`.
 * @throws {@link InvalidExchangeResponseError} when the order has no status, or executed some base
 * without a cost
 * @internal
 */
export function toOrderState(
  order: CcxtOrderLike,
  ids: { clientOrderId: string; symbol: string; side: OrderSide; type: 'market' | 'limit' },
  fees: readonly OrderFee[] | 'pending',
): OrderState {
  const status = orderStatusOf(order);
  const orderId = String(order.id ?? '');
  if (status === undefined) throw new InvalidExchangeResponseError(`Order ${orderId} (${ids.clientOrderId}) has no status the adapter knows (${String(order.status)})`);
  const { base, cost } = executed(order);
  if (!base.isZero() && (cost === undefined || cost.lte(0))) {
    throw new InvalidExchangeResponseError(`Order ${orderId} (${ids.clientOrderId}) executed ${str(base)} but its cost is missing`);
  }
  const costQuote = base.isZero() ? new Decimal(0) : cost!;
  // Kraken's `price` is the average: its limit is `descr.price`.
  const price = ids.type === 'limit' ? rawString((order.info as { descr?: unknown } | null)?.descr, ['price']) ?? rawString(order.info, PRICE_KEYS) : undefined;
  const amount = ids.type === 'limit' ? rawString(order.info, AMOUNT_KEYS) : undefined;
  const info = order.info as Record<string, unknown> | null;
  const rawTime = Number(info?.updateTime ?? info?.transactTime ?? info?.uTime ?? info?.updatedTime);
  const timestamp = Number.isFinite(rawTime) && rawTime > 0 ? rawTime : order.lastTradeTimestamp ?? order.timestamp ?? Date.now();
  return {
    orderId, clientOrderId: ids.clientOrderId, symbol: ids.symbol, side: ids.side, type: ids.type, status,
    ...(price !== undefined && !price.isZero() ? { price: str(price) } : {}),
    ...(amount !== undefined && !amount.isZero() ? { amountBase: str(amount) } : {}),
    filledBase: str(base),
    costQuote: str(costQuote),
    avgPrice: base.isZero() ? null : str(costQuote.div(base).toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN)),
    fees: fees === 'pending' ? [] : fees,
    ...(fees === 'pending' ? { feePending: true } : {}),
    timestamp,
  };
}
