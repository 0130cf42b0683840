/**
 * The order ledger: applying what the venue says of one order to its slot and to the position, in
 * one pure step. Observations carry cumulative amounts; only `observed − applied` moves the
 * position, so repeats, reordering, stale and partial observations never apply a fill twice.
 */
import { Decimal, str } from '../decimal';
import type { MarketRules, OrderFee, OrderFill, OrderState } from '../ports/exchange';
import type { AppliedAmounts, CycleRecord, OrderSlot, Position } from '../ports/record';
import type { EngineEvent, Transition } from './transitions';

/** Significant digits kept in `avgPrice` (a quotient, never exact): far beyond any venue's tick. */
export const AVG_DIGITS = 24;

/**
 * What one observation says of one order: its state (from a reply, a look-up or a cancel), a sure
 * refusal, or that its outcome is unknown.
 * @internal
 */
export type Observation =
  | { readonly kind: 'state'; readonly state: OrderState; readonly recordedAt: number }
  | { readonly kind: 'rejected'; readonly reason: string; readonly message: string; readonly recordedAt: number; readonly heldPerVenue?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly message: string; readonly recordedAt: number };

/** True for a status after which the order never changes. @internal */
export function isTerminal(status: OrderState['status']): boolean {
  return status !== 'open';
}

/** A MARKET order's fill as the cumulative state of a terminal order. @internal */
export function fillToState(fill: OrderFill): OrderState {
  return {
    orderId: fill.orderId,
    clientOrderId: fill.clientOrderId,
    symbol: fill.symbol,
    side: fill.side,
    type: 'market',
    status: 'filled',
    filledBase: fill.filledBase,
    costQuote: fill.costQuote,
    avgPrice: fill.avgPrice,
    fees: fill.fee === null ? [] : [fill.fee],
    ...(fill.feePending ? { feePending: true } : {}),
    ...(fill.feeEstimated ? { feeEstimated: true } : {}),
    timestamp: fill.timestamp,
  };
}

/** The cumulative state as a fill, for events and orphans (fees of one currency summed; the first currency kept). @internal */
export function stateToFill(state: OrderState): OrderFill {
  const fee = state.fees.length === 0 ? null : state.fees[0]!;
  const more = state.fees.length > 1 ? { fees: state.fees.map((f) => ({ currency: f.currency, amount: f.amount })) } : {};
  return {
    orderId: state.orderId,
    clientOrderId: state.clientOrderId,
    symbol: state.symbol,
    side: state.side,
    status: 'filled',
    filledBase: state.filledBase,
    costQuote: state.costQuote,
    avgPrice: state.avgPrice ?? '0',
    fee,
    ...more,
    ...(state.feePending ? { feePending: true } : {}),
    ...(state.feeEstimated ? { feeEstimated: true } : {}),
    timestamp: state.timestamp,
  };
}

/** Fees per currency, summed. */
function feeMap(fees: readonly OrderFee[]): Map<string, Decimal> {
  const m = new Map<string, Decimal>();
  for (const f of fees) m.set(f.currency, (m.get(f.currency) ?? new Decimal(0)).plus(f.amount));
  return m;
}

/**
 * What an observation adds to what is applied: null when it is stale (its executed base or quote
 * below what is applied) — a stale observation is ignored whole. Fees: what was reported beyond
 * the applied ones; a fee the observation reports lower (or not at all) is not taken back — unless
 * the applied fees were estimated, which the first real report replaces (the difference, up or
 * down, is the correction).
 * @internal
 */
export function deltaOf(applied: AppliedAmounts, state: OrderState): { base: Decimal; quote: Decimal; fees: Map<string, Decimal>; appliedFees: OrderFee[]; estimated: boolean } | null {
  const base = new Decimal(state.filledBase).minus(applied.base);
  const quote = new Decimal(state.costQuote).minus(applied.quote);
  if (base.lt(0) || quote.lt(0)) return null;
  const before = feeMap(applied.fees);
  const after = feeMap(state.fees);
  const fees = new Map<string, Decimal>();
  const replace = applied.feesEstimated === true && !state.feePending && state.feeEstimated !== true;
  const merged = new Map<string, Decimal>(replace ? after : before);
  if (replace) {
    for (const c of new Set([...before.keys(), ...after.keys()])) {
      const d = (after.get(c) ?? new Decimal(0)).minus(before.get(c) ?? 0);
      if (!d.isZero()) fees.set(c, d);
    }
  } else {
    for (const [c, now] of after) {
      const d = now.minus(before.get(c) ?? 0);
      if (d.gt(0)) {
        fees.set(c, d);
        merged.set(c, now);
      }
    }
  }
  const appliedFees = [...merged].filter(([, a]) => !a.isZero()).map(([currency, a]) => ({ currency, amount: str(a) }));
  return { base, quote, fees, appliedFees, estimated: replace ? false : applied.feesEstimated === true || state.feeEstimated === true };
}

/** The position's fees with a delta's added. */
function addFees(fees: Readonly<Record<string, string>> | undefined, delta: Map<string, Decimal>): Record<string, string> {
  const next: Record<string, string> = { ...(fees ?? {}) };
  for (const [c, d] of delta) next[c] = str(new Decimal(next[c] ?? 0).plus(d));
  return next;
}

function pct(from: Decimal, to: Decimal): string {
  return from.isZero() ? '0' : str(from.minus(to).div(from).mul(100).toDecimalPlaces(4));
}

/** Ids every order event carries. @internal */
export function slotIds(record: CycleRecord, slot: OrderSlot) {
  return { symbol: record.symbol, cycleId: record.cycleId ?? '', intentId: slot.intentId, clientOrderId: slot.clientOrderId, purpose: slot.purpose, side: slot.side };
}

/** The record with one slot replaced (or removed when `next` is null). */
export function withSlot(record: CycleRecord, intentId: string, next: OrderSlot | null): CycleRecord {
  const orders = next === null ? record.orders.filter((o) => o.intentId !== intentId) : record.orders.map((o) => (o.intentId === intentId ? next : o));
  return { ...record, orders };
}

/** Enough for several cycles of fills in limit modes (a late answer can come an hour after its order left the ledger). */
const RECENT = 64;

/** The record's recent client order ids with this one appended (bounded). @internal */
export function remember(record: CycleRecord, clientOrderId: string): string[] {
  return [...record.recent.filter((c) => c !== clientOrderId), clientOrderId].slice(-RECENT);
}

/** @internal */
export interface ApplyInput {
  market: MarketRules;
  now: number;
}

/**
 * Applies a state observation's delta to the position (none when nothing new executed), moves the
 * slot (acknowledged, applied amounts, or out of the ledger when terminal), and says what happened.
 * Cycle-level consequences (activation, closing) are left to the caller. Null when the observation
 * changes nothing (stale, a repeat, or a MARKET order still executing).
 * @internal
 */
export function applyState(record: CycleRecord, slot: OrderSlot, state: OrderState, input: ApplyInput): Applied | null {
  const terminal = isTerminal(state.status);
  // A MARKET order seen still executing is transient: its terminal state is what is applied.
  if (!terminal && slot.type === 'market') return null;
  const delta = deltaOf(slot.applied, state);
  if (delta === null) return null; // stale
  const ids = slotIds(record, slot);
  const events: EngineEvent[] = [];
  const filled = delta.base.gt(0) || delta.quote.gt(0) || delta.fees.size > 0;
  let next: CycleRecord = record;
  let sold: SoldNote | null = null;
  if (filled) {
    const moved = slot.side === 'buy' ? { ...applyBuy(record, slot, state, delta, input), sold: null } : applySell(record, slot, state, delta, input);
    next = moved.record;
    sold = moved.sold;
    events.push(...moved.events);
  }
  const applied: AppliedAmounts = { base: state.filledBase, quote: state.costQuote, fees: delta.appliedFees, ...(delta.estimated ? { feesEstimated: true } : {}) };
  if (terminal) {
    next = { ...withSlot(next, slot.intentId, null), ...(new Decimal(state.filledBase).gt(0) ? { recent: remember(next, slot.clientOrderId) } : {}) };
    if (new Decimal(state.filledBase).gt(0)) events.unshift(['order:filled', { ...ids, fill: stateToFill(state) }]);
    if (state.status === 'cancelled' || state.status === 'expired') {
      events.push(['order:cancelled', { ...ids, status: state.status, filledBase: state.filledBase, reason: slot.cancelReason ?? null, state }]);
    }
  } else {
    const acknowledging = !slot.acknowledged;
    const moved: OrderSlot = {
      ...slot,
      state: slot.state === 'cancelling' ? 'cancelling' : 'open',
      orderId: state.orderId,
      acknowledged: true,
      applied,
      checkedAt: input.now,
      problem: slot.state === 'cancelling' ? (slot.problem ?? null) : null,
    };
    if (!filled && !acknowledging && slot.state === moved.state) return null; // nothing new
    next = withSlot(next, slot.intentId, moved);
    if (acknowledging) events.unshift(['order:placed', { ...ids, price: slot.price ?? state.price ?? '0', baseAmount: slot.baseAmount ?? state.amountBase ?? '0', ...(slot.level !== undefined ? { level: slot.level } : {}), state }]);
    if (filled && delta.base.gt(0)) events.splice(acknowledging ? 1 : 0, 0, ['order:partiallyFilled', { ...ids, deltaBase: str(delta.base), deltaQuote: str(delta.quote), filledBase: state.filledBase, state }]);
  }
  return { record: { ...next, updatedAt: input.now }, events, sold };
}

function applyBuy(record: CycleRecord, slot: OrderSlot, state: OrderState, delta: NonNullable<ReturnType<typeof deltaOf>>, input: ApplyInput): Transition {
  const { market } = input;
  const base = delta.base.minus(delta.fees.get(market.base) ?? 0);
  const spent = delta.quote.plus(delta.fees.get(market.quote) ?? 0);
  const price = state.avgPrice ?? str(delta.quote.div(delta.base));
  const fill = stateToFill(state);
  const cycleId = record.cycleId ?? '';
  if (slot.purpose === 'start' || record.position === null) {
    // Dust the previous cycle could not sell joins this position, with its cost.
    const held = record.position;
    const b = base.plus(held?.baseVolume ?? 0).plus(held === null ? (record.dust?.baseVolume ?? 0) : 0);
    const q = spent.plus(held?.investedQuote ?? 0).plus(held === null ? (record.dust?.investedQuote ?? 0) : 0);
    const position: Position = {
      startPrice: held?.startPrice ?? price,
      lastBuyPrice: price,
      avgPrice: str(q.div(b).toSignificantDigits(AVG_DIGITS)),
      baseVolume: str(b),
      investedQuote: str(q),
      buys: held?.buys ?? 1,
      openedAt: held?.openedAt ?? state.timestamp,
      fees: addFees(held?.fees, delta.fees),
      ...(held?.realizedPnlQuote !== undefined ? { realizedPnlQuote: held.realizedPnlQuote } : {}),
    };
    return { record: { ...record, position, dust: held === null ? null : record.dust }, events: [] };
  }
  const held = record.position;
  const baseVolume = new Decimal(held.baseVolume).plus(base);
  const invested = new Decimal(held.investedQuote).plus(spent);
  const firstFill = new Decimal(slot.applied.base).isZero() && delta.base.gt(0);
  const position: Position = {
    ...held,
    lastBuyPrice: delta.base.gt(0) ? price : held.lastBuyPrice,
    avgPrice: str(invested.div(baseVolume).toSignificantDigits(AVG_DIGITS)),
    baseVolume: str(baseVolume),
    investedQuote: str(invested),
    buys: held.buys + (firstFill ? 1 : 0),
    fees: addFees(held.fees, delta.fees),
  };
  if (delta.base.isZero()) return { record: { ...record, position }, events: [] }; // a fee correction only
  const p = new Decimal(price);
  return {
    record: { ...record, position },
    events: [['cycle:rebought', {
      symbol: record.symbol, cycleId, price, boughtBase: str(base), spentQuote: str(spent),
      dropFromLastPct: pct(new Decimal(held.lastBuyPrice), p), dropFromStartPct: pct(new Decimal(held.startPrice), p),
      position, fill,
    }]],
  };
}

function applySell(record: CycleRecord, _slot: OrderSlot, state: OrderState, delta: NonNullable<ReturnType<typeof deltaOf>>, input: ApplyInput): Applied {
  const { market } = input;
  const held = record.position;
  if (held === null) return { record, events: [], sold: null };
  const soldBase = delta.base.plus(delta.fees.get(market.base) ?? 0);
  const proceeds = delta.quote.minus(delta.fees.get(market.quote) ?? 0);
  const heldBase = new Decimal(held.baseVolume);
  const invested = new Decimal(held.investedQuote);
  const rest = Decimal.max(heldBase.minus(soldBase), 0);
  const restCost = heldBase.isZero() ? new Decimal(0) : invested.mul(rest).div(heldBase).toDecimalPlaces(18, Decimal.ROUND_DOWN);
  const soldCost = invested.minus(restCost);
  const pnl = proceeds.minus(soldCost);
  const position: Position = {
    ...held,
    baseVolume: str(rest),
    investedQuote: str(restCost),
    fees: addFees(held.fees, delta.fees),
    realizedPnlQuote: str(new Decimal(held.realizedPnlQuote ?? 0).plus(pnl)),
    proceedsQuote: str(new Decimal(held.proceedsQuote ?? 0).plus(proceeds)),
  };
  const sold: SoldNote = { proceeds: str(proceeds), soldCost: str(soldCost), pnl: str(pnl), soldBase: str(soldBase), price: state.avgPrice ?? '0' };
  return { record: { ...record, position, realizedPnlQuote: str(new Decimal(record.realizedPnlQuote).plus(pnl)) }, events: [], sold };
}

/** A transition with what a sell delta did, if any. @internal */
export interface Applied extends Transition {
  sold: SoldNote | null;
}

/** What a sell delta did. @internal */
export interface SoldNote {
  proceeds: string;
  soldCost: string;
  pnl: string;
  soldBase: string;
  price: string;
}
