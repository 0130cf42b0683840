/**
 * The cycle's transitions as pure functions: (record, input) → (next record, events to emit once
 * the write has won). The engine does the I/O around them.
 */
import { Decimal, floorToStep, str } from '../decimal';
import type { CycleEngineEvents } from '../events';
import type { MarketRules, OrderFee, OrderFill } from '../ports/exchange';
import type { CycleRecord, OrderSlot, Position } from '../ports/record';
import type { StrategyDecision } from '../strategy/strategy';
import { PositionMismatchError } from '../errors';
import { clientOrderIdFor } from './ids';
import { applyState, AVG_DIGITS, slotIds, stateToFill, withSlot, type Observation } from './ledger';

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

/** A fresh slot for an intent (nothing applied, nothing seen yet). @internal */
export function newSlot(fields: Pick<OrderSlot, 'intentId' | 'purpose' | 'type' | 'side' | 'createdAt' | 'owner'> & Partial<OrderSlot>): OrderSlot {
  return { clientOrderId: clientOrderIdFor(fields.purpose, fields.intentId), state: 'sending', applied: { base: '0', quote: '0', fees: [] }, checkedAt: null, ...fields };
}

/** True for a slot that may still execute or is being cancelled (every slot in the ledger). @internal */
export function liveMarketSlot(record: CycleRecord): OrderSlot | undefined {
  return record.orders.find((o) => o.type === 'market');
}

/**
 * Persists a MARKET intent decided by the strategy: idle → starting for a start; active stays
 * active for a rebuy or a take-profit sell. At most one MARKET order per cycle is in flight, and no
 * MARKET sell is sent while a sell rests (its base is locked there). Null when the decision does
 * not fit the record (an order in flight, a start while active, a sell that rounds to nothing, a
 * cycle that is closing).
 * @internal
 */
export function openIntent(record: CycleRecord, input: IntentInput): Transition | null {
  if (liveMarketSlot(record) !== undefined || record.closing || record.exiting) return null;
  const { decision, now } = input;
  if (decision.action === 'exit' || decision.action === 'remember') return null; // not a MARKET intent: see applyDecision
  const base = { createdAt: now, owner: input.owner, type: 'market' as const };
  const intentId = input.newId();
  if (decision.action === 'start') {
    if (record.phase !== 'idle') return null;
    const cycleId = input.newId();
    const slot = newSlot({ intentId, purpose: 'start', side: 'buy', quoteAmount: decision.quoteAmount, ...base });
    const next: CycleRecord = { ...record, phase: 'starting', cycleId, orders: [slot], closing: null, updatedAt: now };
    const ids = { symbol: record.symbol, cycleId, intentId, clientOrderId: slot.clientOrderId, purpose: 'start' as const, side: 'buy' as const };
    return { record: next, events: [['cycle:starting', { ...ids, quoteAmount: decision.quoteAmount, price: input.price }]] };
  }
  if (record.phase !== 'active' || record.position === null || record.cycleId === null) return null;
  let slot: OrderSlot;
  if (decision.action === 'rebuy') {
    slot = newSlot({ intentId, purpose: 'rebuy', side: 'buy', quoteAmount: decision.quoteAmount, ...base });
  } else {
    if (record.orders.some((o) => o.side === 'sell')) return null;
    const amount = floorToStep(new Decimal(record.position.baseVolume), new Decimal(input.market.amountStep));
    if (amount.lte(0)) return null;
    slot = newSlot({ intentId, purpose: 'takeProfit', side: 'sell', baseAmount: str(amount), ...base });
  }
  return { record: { ...record, orders: [...record.orders, slot], updatedAt: now }, events: [] };
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

const ORPHANS = 20;

/** Every fee of a fill (`fees` when the venue charged several currencies, else `fee`). */
function feesOf(fill: OrderFill): readonly OrderFee[] {
  return fill.fees ?? (fill.fee === null ? [] : [fill.fee]);
}

/** The sum of a fill's fees in one currency. */
function feeIn(fill: OrderFill, currency: string): Decimal {
  return feesOf(fill).reduce((sum, f) => (f.currency === currency ? sum.plus(f.amount) : sum), new Decimal(0));
}

/** What a buy fill adds to a position: base net of base-asset fees, quote spent including quote fees. */
function buyAmounts(fill: OrderFill, market: MarketRules): { base: Decimal; spent: Decimal } {
  return { base: new Decimal(fill.filledBase).minus(feeIn(fill, market.base)), spent: new Decimal(fill.costQuote).plus(feeIn(fill, market.quote)) };
}

/**
 * Applies one observation of one order to its cycle in one write: the ledger moves the slot and
 * the position; then the cycle's rules follow (a start that filled activates, one that did not
 * backs off; a take-profit that sold the position sets `closing`; a cycle with nothing left
 * closes). Null when the intent is not in the ledger (the cycle moved on) or nothing changes.
 * @internal
 */
export function observe(record: CycleRecord, intentId: string, obs: Observation, input: SettleInput): Transition | null {
  const slot = record.orders.find((o) => o.intentId === intentId);
  if (slot === undefined) return null;
  const ids = slotIds(record, slot);
  if (obs.kind === 'unknown') {
    if (slot.state === 'unknown' || slot.problem) return null; // already parked
    if (slot.state === 'open') return null; // acknowledged and resting: nothing is unknown about it
    const problem = { reason: obs.reason, message: obs.message, at: obs.recordedAt };
    const next: OrderSlot = { ...slot, state: slot.state === 'cancelling' ? 'cancelling' : 'unknown', problem };
    return { record: { ...withSlot(record, intentId, next), updatedAt: input.now }, events: [['order:unknown', { ...ids, reason: obs.reason, message: obs.message }]] };
  }
  if (obs.kind === 'rejected') return reject(record, slot, obs, input);
  const applied = applyState(record, slot, obs.state, input);
  if (applied === null) return null;
  let next = applied.record;
  const events = applied.events;
  const state = obs.state;
  const terminal = state.status !== 'open';
  const filledBase = new Decimal(state.filledBase);
  if (slot.purpose === 'start' && terminal) {
    if (filledBase.gt(0) && next.position !== null) {
      next = { ...next, phase: 'active', retryAt: null, rejections: 0 };
      const position = next.position as Position;
      events.push(['cycle:activated', { symbol: record.symbol, cycleId: ids.cycleId, price: position.startPrice, baseVolume: position.baseVolume, investedQuote: position.investedQuote, position, fill: stateToFill(state) }]);
    } else {
      return startFailed(next, ids.cycleId, state.status.toUpperCase(), `the start buy ended ${state.status} with nothing filled`, input, events);
    }
  } else if (filledBase.gt(0) && slot.side === 'buy' && new Decimal(slot.applied.base).isZero() && slot.purpose === 'rebuy') {
    next = { ...next, retryAt: null, rejections: 0 };
  }
  const sold = applied.sold;
  if (sold !== null && next.position !== null) {
    const rest = new Decimal(next.position.baseVolume);
    const whole = terminal && state.status === 'filled' && (slot.baseAmount === undefined || filledBase.gte(slot.baseAmount));
    if (terminal && (whole || !isSellable(rest, new Decimal(next.position.avgPrice), input.market))) {
      const reason = slot.purpose === 'exit' ? (record.exiting?.reason ?? 'manual') : 'takeProfit';
      next = { ...next, closing: { reason, at: input.now, price: state.avgPrice ?? sold.price }, retryAt: null, rejections: 0 };
    } else {
      const position = next.position;
      next = { ...next, retryAt: null, rejections: 0 };
      events.push(['cycle:partiallySold', { symbol: record.symbol, cycleId: ids.cycleId, soldBase: sold.soldBase, remainingBase: str(rest), pnlQuote: sold.pnl, price: sold.price, position, fill: stateToFill(state) }]);
    }
  }
  const closed = finishCycle(next, input, terminal && sold !== null ? stateToFill(state) : null);
  if (closed !== null) return { record: closed.record, events: [...events, ...closed.events] };
  return { record: next, events };
}

/** The record without what lives only as long as its cycle: the exit under way and the strategy's memory. */
function withoutCycleState(record: CycleRecord): CycleRecord {
  if (record.exiting === undefined && record.memory === undefined) return record;
  const { exiting: _exiting, memory: _memory, ...rest } = record;
  return rest;
}

function startFailed(record: CycleRecord, cycleId: string, reason: string, message: string, input: SettleInput, before: EngineEvent[]): Transition {
  const rejections = record.rejections + 1;
  const retryAt = input.now + backoffMs(rejections, input.backoffInitialMs, input.backoffMaxMs);
  // A start that bought nothing leaves no position; dust stays carried.
  const next: CycleRecord = { ...withoutCycleState(record), phase: 'idle', cycleId: null, orders: [], position: null, retryAt, rejections, closing: null, updatedAt: input.now };
  return { record: next, events: [...before, ['cycle:startFailed', { symbol: record.symbol, cycleId, reason, message, retryAt }]] };
}

/** A sure refusal: the slot leaves the ledger; a start backs off; a sell refused for lack of balance is a position mismatch. */
function reject(record: CycleRecord, slot: OrderSlot, obs: Extract<Observation, { kind: 'rejected' }>, input: SettleInput): Transition {
  const ids = slotIds(record, slot);
  const rejections = record.rejections + 1;
  const retryAt = input.now + backoffMs(rejections, input.backoffInitialMs, input.backoffMaxMs);
  const rejected: EngineEvent = ['order:rejected', { ...ids, reason: obs.reason, message: obs.message, retryAt }];
  const without = withSlot(record, slot.intentId, null);
  if (slot.purpose === 'start' && record.phase === 'starting') return startFailed(without, ids.cycleId, obs.reason, obs.message, input, [rejected]);
  if (slot.side === 'sell' && obs.reason === 'INSUFFICIENT_FUNDS' && record.position !== null) {
    return positionMismatch(without, slot, obs.heldPerVenue ?? null, retryAt, rejections, rejected, input);
  }
  const next: CycleRecord = { ...without, retryAt, rejections, updatedAt: input.now };
  const closed = finishCycle(next, input, null);
  return closed !== null ? { record: closed.record, events: [rejected, ...closed.events] } : { record: next, events: [rejected] };
}

/**
 * The cycle's end, once nothing of it is live: a cycle whose take-profit filled (`closing`) closes,
 * carrying whatever it still holds (a sub-step rest, or a safety buy that filled while being
 * cancelled) into the next cycle with its cost; an active cycle holding nothing sellable closes as
 * `emptied`. Null otherwise.
 * @internal
 */
export function finishCycle(record: CycleRecord, input: { market: MarketRules; now: number; cooldownMs?: number; price?: Decimal }, fill: OrderFill | null): Transition | null {
  const held = record.position;
  if (record.phase !== 'active' || held === null || record.orders.length > 0) return null;
  const base = new Decimal(held.baseVolume);
  const closing = record.closing ?? null;
  if (closing === null) {
    const avg = new Decimal(held.avgPrice);
    // An exit judges at the price it would sell at; otherwise the average price is the yardstick.
    const judge = input.price !== undefined && input.price.gt(0) ? input.price : avg.gt(0) ? avg : new Decimal(held.lastBuyPrice);
    if (isSellable(base, judge, input.market)) return null;
  }
  const { now } = input;
  const cooldownMs = input.cooldownMs ?? 0;
  const dust = base.gt(0) || new Decimal(held.investedQuote).gt(0)
    ? { baseVolume: str(base.plus(record.dust?.baseVolume ?? 0)), investedQuote: str(new Decimal(held.investedQuote).plus(record.dust?.investedQuote ?? 0)) }
    : record.dust;
  const next: CycleRecord = {
    ...withoutCycleState(record),
    phase: 'idle',
    cycleId: null,
    position: null,
    retryAt: cooldownMs > 0 ? now + cooldownMs : null,
    rejections: 0,
    closedCycles: record.closedCycles + 1,
    dust: dust !== null && new Decimal(dust.baseVolume).isZero() && new Decimal(dust.investedQuote).isZero() ? null : dust,
    halted: null,
    closing: null,
    updatedAt: now,
  };
  const pnl = new Decimal(held.realizedPnlQuote ?? 0);
  const proceeds = new Decimal(held.proceedsQuote ?? 0);
  return {
    record: next,
    events: [['cycle:closed', {
      symbol: record.symbol, cycleId: record.cycleId ?? '', pnlQuote: str(pnl), proceedsQuote: str(proceeds), investedQuote: str(proceeds.minus(pnl)),
      dustBase: str(base), dustCostQuote: held.investedQuote, price: closing?.price ?? held.avgPrice, buys: held.buys,
      durationMs: Math.max(0, (fill?.timestamp ?? now) - held.openedAt), fill, feesByCurrency: held.fees ?? {}, reason: closing?.reason ?? record.exiting?.reason ?? 'emptied',
    }]],
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
 * A sell refused because the account holds less base than the position: `adopt` shrinks the
 * position to what the venue holds (never grows it) and retries the sell at once; otherwise (or
 * when the venue's holding is unknown or not below the record's) the cycle is halted until
 * `resyncCycle`. Either way no buy is sent meanwhile.
 */
function positionMismatch(
  record: CycleRecord,
  order: OrderSlot,
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
  // What the venue lacked when the balance was read: the sell's amount less what it held then. The
  // record may have taken fills since that read; the position shrinks by the shortfall, not to the
  // (older) balance.
  const asked = new Decimal(order.baseAmount ?? held.baseVolume);
  const shortfall = heldPerVenue === null ? null : Decimal.max(asked.minus(heldPerVenue), 0);
  if (input.onPositionMismatch === 'adopt' && shortfall !== null && shortfall.gt(0)) {
    const shrunk = shrinkPosition({ ...record, rejections, updatedAt: now }, Decimal.max(new Decimal(held.baseVolume).minus(shortfall), 0), input);
    return { record: shrunk.record, events: [rejected, ['cycle:positionMismatch', { ...base, action: 'adopted' }], ['error', error], ...shrunk.events] };
  }
  const halted = { reason: 'POSITION_MISMATCH' as const, heldPerRecord: held.baseVolume, heldPerVenue, at: now };
  return {
    record: { ...record, retryAt, rejections, halted, updatedAt: now },
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
 * An active cycle with no order live whose position holds nothing sellable (an orphan sell or an
 * adopted balance took it), or whose take-profit filled, closes. Null otherwise.
 * @internal
 */
export function closeIfEmpty(record: CycleRecord, input: { market: MarketRules; now: number; cooldownMs?: number }): Transition | null {
  return finishCycle(record, input, null);
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
    const sold = new Decimal(fill.filledBase).plus(feeIn(fill, market.base));
    const proceeds = new Decimal(fill.costQuote).minus(feeIn(fill, market.quote));
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
