/**
 * The cycle's transitions as pure functions: (record, input) → (next record, events to emit once
 * the write has won). The engine does the I/O around them.
 */
import { Decimal, floorToStep, str } from '../decimal';
import type { CycleEngineEvents } from '../events';
import type { MarketRules, OrderFill } from '../ports/exchange';
import type { CycleRecord, OrderOutcome, PendingOrder, Position } from '../ports/record';
import type { StrategyDecision } from '../strategy/strategy';
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
  // Sell: proceeds net of a quote fee; base left over (below the amount step) is dust.
  let proceeds = new Decimal(fill.costQuote);
  let soldBase = new Decimal(fill.filledBase);
  if (fill.fee && fill.fee.currency === market.quote) proceeds = proceeds.minus(fill.fee.amount);
  if (fill.fee && fill.fee.currency === market.base) soldBase = soldBase.plus(fill.fee.amount);
  // Base below the amount step stays unsold: it and its share of the cost go to the next cycle.
  const heldBase = new Decimal(held.baseVolume);
  const dust = Decimal.max(heldBase.minus(soldBase), 0);
  const dustCost = heldBase.isZero() ? new Decimal(0) : new Decimal(held.investedQuote).mul(dust).div(heldBase).toDecimalPlaces(18, Decimal.ROUND_DOWN);
  const soldCost = new Decimal(held.investedQuote).minus(dustCost);
  const pnl = proceeds.minus(soldCost);
  const next: CycleRecord = {
    ...record,
    phase: 'idle',
    cycleId: null,
    order: null,
    position: null,
    retryAt: input.cooldownMs > 0 ? now + input.cooldownMs : null,
    rejections: 0,
    closedCycles: record.closedCycles + 1,
    realizedPnlQuote: str(new Decimal(record.realizedPnlQuote).plus(pnl)),
    dust: dust.gt(0) ? { baseVolume: str(dust), investedQuote: str(dustCost) } : null,
    recent: remember(record, order),
    updatedAt: now,
  };
  return {
    record: next,
    events: [
      filled,
      ['cycle:closed', {
        symbol: record.symbol, cycleId, pnlQuote: str(pnl), proceedsQuote: str(proceeds), investedQuote: str(soldCost),
        dustBase: str(dust), dustCostQuote: str(dustCost), price: fill.avgPrice, buys: held.buys, durationMs: Math.max(0, fill.timestamp - held.openedAt), fill,
      }],
    ],
  };
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
  return { record: { ...record, order: null, retryAt, rejections, updatedAt: input.now }, events: [rejected] };
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
