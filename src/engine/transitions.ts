/**
 * The cycle's transitions as pure functions: (record, input) → (next record, events to emit once
 * the write has won). The engine does the I/O around them.
 */
import { Decimal, floorToStep, str } from '../decimal';
import type { CycleEngineEvents } from '../events';
import type { MarketRules, OrderFill } from '../ports/exchange';
import type { CycleRecord, OrderOutcome, PendingOrder, Position } from '../ports/record';
import type { StrategyDecision } from '../strategy/strategy';
import { PositionMismatchError } from '../errors';
import { clientOrderIdFor } from './ids';

/** Significant digits kept in `avgPrice` (a quotient, never exact): far beyond any venue's tick. */
const AVG_DIGITS = 24;

/**
 * An event to emit after a write wins: its name and payload.
 * @internal
 */
export type EngineEvent = {
  [K in keyof CycleEngineEvents]: [K, Parameters<CycleEngineEvents[K]>[0]];
}[keyof CycleEngineEvents];

/** @internal */
export interface Transition {
  record: CycleRecord;
  events: EngineEvent[];
}

/** @internal */
export interface IntentInput {
  decision: StrategyDecision;
  market: MarketRules;
  price: number;
  now: number;
  owner: string;
  newId: () => string;
}

/**
 * Persists an order intent into the record's one order slot: idle → starting for a start; active
 * stays active for a rebuy or a sell. Returns null when the decision does not fit the record (an
 * order already in flight, a start while active, a sell that rounds to nothing).
 * @internal
 */
export function openIntent(record: CycleRecord, input: IntentInput): Transition | null {
  if (record.order !== null) return null;
  const { decision, now } = input;
  const base = { createdAt: now, owner: input.owner, attempts: 1, outcome: null };
  const intentId = input.newId();
  if (decision.action === 'start') {
    if (record.phase !== 'idle') return null;
    const cycleId = input.newId();
    const order: PendingOrder = {
      intentId,
      clientOrderId: clientOrderIdFor('start', intentId),
      purpose: 'start',
      side: 'buy',
      quoteAmount: decision.quoteAmount,
      ...base,
    };
    const next: CycleRecord = { ...record, phase: 'starting', cycleId, order, updatedAt: now };
    const ids = { symbol: record.symbol, cycleId, intentId, clientOrderId: order.clientOrderId, purpose: 'start' as const, side: 'buy' as const };
    return { record: next, events: [['cycle:starting', { ...ids, quoteAmount: decision.quoteAmount, price: input.price }]] };
  }
  if (record.phase !== 'active' || record.position === null || record.cycleId === null) return null;
  let order: PendingOrder;
  if (decision.action === 'rebuy') {
    order = { intentId, clientOrderId: clientOrderIdFor('rebuy', intentId), purpose: 'rebuy', side: 'buy', quoteAmount: decision.quoteAmount, ...base };
  } else {
    const amount = floorToStep(new Decimal(record.position.baseVolume), new Decimal(input.market.amountStep));
    if (amount.lte(0)) return null;
    order = { intentId, clientOrderId: clientOrderIdFor('sell', intentId), purpose: 'sell', side: 'sell', baseAmount: str(amount), ...base };
  }
  return { record: { ...record, order, updatedAt: now }, events: [] };
}

/** @internal */
export interface SettleInput {
  market: MarketRules;
  now: number;
  cooldownMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** What a sell refused for lack of balance does (default `halt`). */
  onPositionMismatch?: 'halt' | 'adopt';
}

/**
 * Backoff after the n-th rejection in a row: `initial · 2^(n−1)`, capped.
 * @internal
 */
export function backoffMs(rejections: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(rejections - 1, 30)));
}

function orderIds(record: CycleRecord, order: PendingOrder) {
  return {
    symbol: record.symbol,
    cycleId: record.cycleId ?? '',
    intentId: order.intentId,
    clientOrderId: order.clientOrderId,
    purpose: order.purpose,
    side: order.side,
  };
}

/** What a buy fill adds to a position: base net of a base-asset fee, quote spent including a quote fee. */
function buyAmounts(fill: OrderFill, market: MarketRules): { base: Decimal; spent: Decimal } {
  let base = new Decimal(fill.filledBase);
  let spent = new Decimal(fill.costQuote);
  if (fill.fee && fill.fee.currency === market.base) base = base.minus(fill.fee.amount);
  if (fill.fee && fill.fee.currency === market.quote) spent = spent.plus(fill.fee.amount);
  return { base, spent };
}

/** The fees of a position with a fill's fee added. */
function addFee(fees: Readonly<Record<string, string>> | undefined, fill: OrderFill): Record<string, string> {
  const next: Record<string, string> = { ...(fees ?? {}) };
  if (fill.fee && !new Decimal(fill.fee.amount).isZero()) next[fill.fee.currency] = str(new Decimal(next[fill.fee.currency] ?? 0).plus(fill.fee.amount));
  return next;
}

const RECENT = 16;
const ORPHANS = 20;

/** The record's recent client order ids with this order's appended (bounded). */
function remember(record: CycleRecord, order: PendingOrder): string[] {
  return [...record.recent, order.clientOrderId].slice(-RECENT);
}

function pct(from: Decimal, to: Decimal): string {
  return from.isZero() ? '0' : str(from.minus(to).div(from).mul(100).toDecimalPlaces(4));
}

function applyFill(record: CycleRecord, order: PendingOrder, fill: OrderFill, input: SettleInput): Transition {
  const { market, now } = input;
  const ids = orderIds(record, order);
  const filled: EngineEvent = ['order:filled', { ...ids, fill }];
  const cycleId = ids.cycleId;
  if (order.purpose === 'start') {
    const bought = buyAmounts(fill, market);
    // Dust the previous cycle could not sell joins this position, with its cost.
    const base = record.dust ? bought.base.plus(record.dust.baseVolume) : bought.base;
    const spent = record.dust ? bought.spent.plus(record.dust.investedQuote) : bought.spent;
    const position: Position = {
      startPrice: fill.avgPrice,
      lastBuyPrice: fill.avgPrice,
      avgPrice: str(spent.div(base).toSignificantDigits(AVG_DIGITS)),
      baseVolume: str(base),
      investedQuote: str(spent),
      buys: 1,
      openedAt: fill.timestamp,
      fees: addFee(undefined, fill),
    };
    const next: CycleRecord = { ...record, phase: 'active', order: null, position, dust: null, retryAt: null, rejections: 0, recent: remember(record, order), updatedAt: now };
    return {
      record: next,
      events: [filled, ['cycle:activated', { symbol: record.symbol, cycleId, price: fill.avgPrice, baseVolume: position.baseVolume, investedQuote: position.investedQuote, position, fill }]],
    };
  }
  const held = record.position as Position;
  if (order.purpose === 'rebuy') {
    const { base, spent } = buyAmounts(fill, market);
    const baseVolume = new Decimal(held.baseVolume).plus(base);
    const invested = new Decimal(held.investedQuote).plus(spent);
    const position: Position = {
      ...held,
      lastBuyPrice: fill.avgPrice,
      avgPrice: str(invested.div(baseVolume).toSignificantDigits(AVG_DIGITS)),
      baseVolume: str(baseVolume),
      investedQuote: str(invested),
      buys: held.buys + 1,
      fees: addFee(held.fees, fill),
    };
    const price = new Decimal(fill.avgPrice);
    return {
      record: { ...record, order: null, position, retryAt: null, rejections: 0, recent: remember(record, order), updatedAt: now },
      events: [
        filled,
        ['cycle:rebought', {
          symbol: record.symbol, cycleId, price: fill.avgPrice, boughtBase: str(base), spentQuote: str(spent),
          dropFromLastPct: pct(new Decimal(held.lastBuyPrice), price), dropFromStartPct: pct(new Decimal(held.startPrice), price),
          position, fill,
        }],
      ],
    };
  }
  // Sell: proceeds net of a quote fee. What is left either stays active (a partial fill with a
  // sellable rest) or, below one amount step or the minimum notional, is dust for the next cycle.
  let proceeds = new Decimal(fill.costQuote);
  let soldBase = new Decimal(fill.filledBase);
  if (fill.fee && fill.fee.currency === market.quote) proceeds = proceeds.minus(fill.fee.amount);
  if (fill.fee && fill.fee.currency === market.base) soldBase = soldBase.plus(fill.fee.amount);
  const heldBase = new Decimal(held.baseVolume);
  const invested = new Decimal(held.investedQuote);
  const rest = Decimal.max(heldBase.minus(soldBase), 0);
  const restCost = heldBase.isZero() ? new Decimal(0) : invested.mul(rest).div(heldBase).toDecimalPlaces(18, Decimal.ROUND_DOWN);
  const soldCost = invested.minus(restCost);
  const pnl = proceeds.minus(soldCost);
  const fees = addFee(held.fees, fill);
  const totalPnl = str(new Decimal(record.realizedPnlQuote).plus(pnl));
  // Judged at the position's average price, as closeIfEmpty judges it: one rule for what is dust.
  if (isSellable(rest, new Decimal(held.avgPrice), market)) {
    const position: Position = {
      ...held,
      baseVolume: str(rest),
      investedQuote: str(restCost),
      fees,
      realizedPnlQuote: str(new Decimal(held.realizedPnlQuote ?? 0).plus(pnl)),
    };
    return {
      record: { ...record, order: null, position, retryAt: null, rejections: 0, realizedPnlQuote: totalPnl, recent: remember(record, order), updatedAt: now },
      events: [
        filled,
        ['cycle:partiallySold', { symbol: record.symbol, cycleId, soldBase: str(soldBase), remainingBase: str(rest), pnlQuote: str(pnl), price: fill.avgPrice, position, fill }],
      ],
    };
  }
  const cyclePnl = new Decimal(held.realizedPnlQuote ?? 0).plus(pnl);
  const next: CycleRecord = {
    ...record,
    phase: 'idle',
    cycleId: null,
    order: null,
    position: null,
    retryAt: input.cooldownMs > 0 ? now + input.cooldownMs : null,
    rejections: 0,
    closedCycles: record.closedCycles + 1,
    realizedPnlQuote: totalPnl,
    dust: rest.gt(0) ? { baseVolume: str(rest), investedQuote: str(restCost) } : null,
    recent: remember(record, order),
    halted: null,
    updatedAt: now,
  };
  return {
    record: next,
    events: [
      filled,
      ['cycle:closed', {
        symbol: record.symbol, cycleId, pnlQuote: str(cyclePnl), proceedsQuote: str(proceeds), investedQuote: str(soldCost),
        dustBase: str(rest), dustCostQuote: str(restCost), price: fill.avgPrice, buys: held.buys, durationMs: Math.max(0, fill.timestamp - held.openedAt), fill,
        feesByCurrency: fees, reason: 'takeProfit',
      }],
    ],
  };
}

/**
 * True when `base` can still be sold: at least one amount step, and worth at least the minimum
 * notional at `price`. Anything less is dust.
 * @internal
 */
export function isSellable(base: Decimal, price: Decimal, market: MarketRules): boolean {
  const amount = floorToStep(base, new Decimal(market.amountStep));
  return amount.gt(0) && amount.mul(price).gte(market.minNotional);
}

/**
 * Applies an order's outcome to its cycle, in the same write that records it (so the outcome is
 * durable no later than the move it causes). `filled` moves the cycle; `rejected` clears the slot
 * with a backoff; `unknown` records the outcome and parks the cycle. Returns null when the record's
 * order is not the given intent (the cycle moved on).
 * @internal
 */
export function settleOutcome(record: CycleRecord, intentId: string, outcome: OrderOutcome, input: SettleInput): Transition | null {
  const order = record.order;
  if (order === null || order.intentId !== intentId) return null;
  if (order.outcome !== null && order.outcome.status !== 'unknown') return null; // already settled
  const ids = orderIds(record, order);
  if (outcome.status === 'filled') return applyFill(record, order, outcome.fill, input);
  if (outcome.status === 'unknown') {
    if (order.outcome !== null) return null; // already parked
    return {
      record: { ...record, order: { ...order, outcome }, updatedAt: input.now },
      events: [['order:unknown', { ...ids, reason: outcome.reason, message: outcome.message }]],
    };
  }
  const rejections = record.rejections + 1;
  const retryAt = input.now + backoffMs(rejections, input.backoffInitialMs, input.backoffMaxMs);
  const rejected: EngineEvent = ['order:rejected', { ...ids, reason: outcome.reason, message: outcome.message, retryAt }];
  if (order.purpose === 'start') {
    return {
      record: { ...record, phase: 'idle', cycleId: null, order: null, retryAt, rejections, updatedAt: input.now },
      events: [rejected, ['cycle:startFailed', { symbol: record.symbol, cycleId: ids.cycleId, reason: outcome.reason, message: outcome.message, retryAt }]],
    };
  }
  if (order.side === 'sell' && outcome.reason === 'INSUFFICIENT_FUNDS' && record.position !== null) {
    return positionMismatch(record, order, outcome.heldPerVenue ?? null, retryAt, rejections, rejected, input);
  }
  return { record: { ...record, order: null, retryAt, rejections, updatedAt: input.now }, events: [rejected] };
}

/**
 * A sell refused because the account holds less base than the position: `adopt` shrinks the
 * position to what the venue holds (never grows it) and retries the sell at once; otherwise (or
 * when the venue's holding is unknown or not below the record's) the cycle is halted until
 * `resyncCycle`. Either way no buy is sent meanwhile.
 */
function positionMismatch(
  record: CycleRecord,
  order: PendingOrder,
  heldPerVenue: string | null,
  retryAt: number,
  rejections: number,
  rejected: EngineEvent,
  input: SettleInput,
): Transition {
  const held = record.position as Position;
  const { now } = input;
  const cycleId = record.cycleId ?? '';
  const base = { symbol: record.symbol, cycleId, heldPerRecord: held.baseVolume, heldPerVenue, clientOrderId: order.clientOrderId };
  const error = new PositionMismatchError(
    record.symbol,
    `${record.symbol}: sell ${order.clientOrderId} refused for lack of balance; the record holds ${held.baseVolume}, the venue ${heldPerVenue ?? 'an unknown amount'}`,
    { heldPerRecord: held.baseVolume, ...(heldPerVenue !== null ? { heldPerVenue } : {}) },
  );
  if (input.onPositionMismatch === 'adopt' && heldPerVenue !== null && new Decimal(heldPerVenue).lt(held.baseVolume)) {
    const shrunk = shrinkPosition({ ...record, order: null, recent: remember(record, order), rejections, updatedAt: now }, new Decimal(heldPerVenue), input);
    return { record: shrunk.record, events: [rejected, ['cycle:positionMismatch', { ...base, action: 'adopted' }], ['error', error], ...shrunk.events] };
  }
  const halted = { reason: 'POSITION_MISMATCH' as const, heldPerRecord: held.baseVolume, heldPerVenue, at: now };
  return {
    record: { ...record, order: null, retryAt, rejections, halted, updatedAt: now },
    events: [rejected, ['cycle:positionMismatch', { ...base, action: 'halted' }], ['error', error]],
  };
}

/**
 * The position shrunk to `venueBase` (its cost in proportion; the average price is kept), halt
 * lifted; a position left with nothing sellable closes, its rest carried as dust.
 */
function shrinkPosition(record: CycleRecord, venueBase: Decimal, input: { market: MarketRules; now: number; cooldownMs?: number }): Transition {
  const held = record.position as Position;
  const heldBase = new Decimal(held.baseVolume);
  const base = Decimal.max(Decimal.min(venueBase, heldBase), 0);
  const cost = heldBase.isZero() ? new Decimal(0) : new Decimal(held.investedQuote).mul(base).div(heldBase).toDecimalPlaces(18, Decimal.ROUND_DOWN);
  const position: Position = { ...held, baseVolume: str(base), investedQuote: str(cost) };
  const next: CycleRecord = { ...record, position, retryAt: null, halted: null, updatedAt: input.now };
  return closeIfEmpty(next, input) ?? { record: next, events: [] };
}

/**
 * An active cycle with no order in flight whose position holds nothing sellable (an orphan sell
 * or an adopted balance took it) closes; what is left is carried as dust. Null when it holds
 * something sellable, or is not in that state.
 * @internal
 */
export function closeIfEmpty(record: CycleRecord, input: { market: MarketRules; now: number; cooldownMs?: number }): Transition | null {
  const held = record.position;
  if (record.phase !== 'active' || held === null || record.order !== null) return null;
  const base = new Decimal(held.baseVolume);
  const avg = new Decimal(held.avgPrice);
  if (isSellable(base, avg.gt(0) ? avg : new Decimal(held.lastBuyPrice), input.market)) return null;
  const { now } = input;
  const next: CycleRecord = {
    ...record,
    phase: 'idle',
    cycleId: null,
    position: null,
    retryAt: (input.cooldownMs ?? 0) > 0 ? now + (input.cooldownMs ?? 0) : null,
    closedCycles: record.closedCycles + 1,
    dust: base.gt(0) ? { baseVolume: str(base.plus(record.dust?.baseVolume ?? 0)), investedQuote: str(new Decimal(held.investedQuote).plus(record.dust?.investedQuote ?? 0)) } : record.dust,
    halted: null,
    updatedAt: now,
  };
  const pnl = held.realizedPnlQuote ?? '0';
  return {
    record: next,
    events: [['cycle:closed', {
      symbol: record.symbol, cycleId: record.cycleId ?? '', pnlQuote: pnl, proceedsQuote: '0', investedQuote: '0', dustBase: str(base),
      dustCostQuote: held.investedQuote, price: held.avgPrice, buys: held.buys, durationMs: Math.max(0, now - held.openedAt), fill: null,
      feesByCurrency: held.fees ?? {}, reason: 'emptied',
    }]],
  };
}

/**
 * `resyncCycle`: lifts a halt; a position above what the venue holds (when known) shrinks to it.
 * Null when the cycle is not halted.
 * @internal
 */
export function resync(record: CycleRecord, heldPerVenue: string | null, input: { market: MarketRules; now: number; cooldownMs?: number }): Transition | null {
  if (!record.halted || record.position === null) return null;
  const before = record.position.baseVolume;
  const venue = heldPerVenue === null ? null : new Decimal(heldPerVenue);
  const lifted: CycleRecord = { ...record, halted: null, retryAt: null, rejections: 0, updatedAt: input.now };
  const t = venue !== null && venue.lt(before) ? shrinkPosition(lifted, venue, input) : { record: lifted, events: [] };
  const ev: EngineEvent = ['cycle:resynced', { symbol: record.symbol, cycleId: record.cycleId ?? '', heldPerRecord: before, heldPerVenue, baseVolume: t.record.position?.baseVolume ?? '0' }];
  return { record: t.record, events: [ev, ...t.events] };
}

/**
 * A fill whose fee the venue never reported in time, with the fee estimated from the taker rate
 * (default 0.1 %): in base on a buy (as Binance charges it), in quote on a sell; flagged
 * `feeEstimated`.
 * @internal
 */
export function withEstimatedFee(fill: OrderFill, market: MarketRules): OrderFill {
  const rate = new Decimal(market.takerFeeRate ?? '0.001');
  const fee = fill.side === 'buy'
    ? { currency: market.base, amount: str(new Decimal(fill.filledBase).mul(rate).toDecimalPlaces(18, Decimal.ROUND_UP)) }
    : { currency: market.quote, amount: str(new Decimal(fill.costQuote).mul(rate).toDecimalPlaces(18, Decimal.ROUND_UP)) };
  const { feePending: _pending, ...rest } = fill;
  return { ...rest, fee, feeEstimated: true };
}

/** @internal */
export interface OrphanInput {
  market: MarketRules;
  now: number;
  note: string;
}

/**
 * Records a fill whose intent is no longer the cycle's (it was settled otherwise) and accounts for
 * it: a buy adds its base and cost to the open position, or to the dust carried into the next
 * cycle; a sell takes its base and a proportional cost out of the position (or the dust) and
 * realises the difference. A sell larger than what the record holds is kept as `unaccounted`.
 * Returns null when the fill was already applied (its client order id is among the recent ones).
 * @internal
 */
export function recordOrphan(record: CycleRecord, fill: OrderFill, input: OrphanInput): Transition | null {
  if (record.recent.includes(fill.clientOrderId) || record.orphans.some((o) => o.fill.orderId === fill.orderId && o.fill.clientOrderId === fill.clientOrderId)) return null;
  const { market, now } = input;
  let next: CycleRecord = record;
  let accountedAs: 'position' | 'dust' | 'unaccounted';
  if (fill.side === 'buy') {
    const { base, spent } = buyAmounts(fill, market);
    if (record.position !== null) {
      const baseVolume = base.plus(record.position.baseVolume);
      const invested = spent.plus(record.position.investedQuote);
      const position: Position = { ...record.position, baseVolume: str(baseVolume), investedQuote: str(invested), avgPrice: str(invested.div(baseVolume).toSignificantDigits(AVG_DIGITS)) };
      next = { ...record, position };
      accountedAs = 'position';
    } else {
      const dust = { baseVolume: str(base.plus(record.dust?.baseVolume ?? 0)), investedQuote: str(spent.plus(record.dust?.investedQuote ?? 0)) };
      next = { ...record, dust };
      accountedAs = 'dust';
    }
  } else {
    let sold = new Decimal(fill.filledBase);
    let proceeds = new Decimal(fill.costQuote);
    if (fill.fee && fill.fee.currency === market.quote) proceeds = proceeds.minus(fill.fee.amount);
    if (fill.fee && fill.fee.currency === market.base) sold = sold.plus(fill.fee.amount);
    const pool = record.position ?? record.dust;
    if (pool !== null && sold.lte(pool.baseVolume)) {
      const left = new Decimal(pool.baseVolume).minus(sold);
      const cost = new Decimal(pool.investedQuote).mul(sold).div(pool.baseVolume).toDecimalPlaces(18, Decimal.ROUND_DOWN);
      const invested = new Decimal(pool.investedQuote).minus(cost);
      const pnl = str(new Decimal(record.realizedPnlQuote).plus(proceeds.minus(cost)));
      if (record.position !== null) {
        // The position keeps its phase; a position sold out entirely stays for the next sell to close.
        const avg = left.gt(0) ? str(invested.div(left).toSignificantDigits(AVG_DIGITS)) : record.position.avgPrice;
        next = { ...record, realizedPnlQuote: pnl, position: { ...record.position, baseVolume: str(left), investedQuote: str(invested), avgPrice: avg } };
        accountedAs = 'position';
      } else {
        next = { ...record, realizedPnlQuote: pnl, dust: left.gt(0) ? { baseVolume: str(left), investedQuote: str(invested) } : null };
        accountedAs = 'dust';
      }
    } else {
      accountedAs = 'unaccounted';
    }
  }
  const orphans = [...record.orphans, { fill, note: input.note, recordedAt: now, accountedAs }].slice(-ORPHANS);
  return {
    record: { ...next, orphans, updatedAt: now },
    events: [['order:orphaned', { symbol: record.symbol, cycleId: record.cycleId ?? '', clientOrderId: fill.clientOrderId, side: fill.side, fill, accountedAs, note: input.note }]],
  };
}
