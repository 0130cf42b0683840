/**
 * Desired orders vs live slots: what to place and what to cancel, as one pure step (a controller's
 * diff). All the intents of one decision go into one write.
 */
import { Decimal, parseDecimal, str } from '../decimal';
import { StrategyError } from '../errors';
import type { MarketRules } from '../ports/exchange';
import type { CycleRecord, OrderSlot } from '../ports/record';
import type { DesiredOrder } from '../strategy/strategy';
import { newSlot, type EngineEvent, type Transition } from './transitions';

/** The one-per-key identity of a resting order: one take-profit, one safety buy per level. */
function keyOf(o: { purpose: string; level?: number | undefined }): string {
  return o.purpose === 'rebuy' ? `rebuy:${o.level ?? 0}` : o.purpose;
}

/** Base still to execute of a slot. @internal */
export function remainingBase(slot: OrderSlot): Decimal {
  return Decimal.max(new Decimal(slot.baseAmount ?? 0).minus(slot.applied.base), 0);
}

/**
 * True when a resting slot no longer matches what is desired: its price off by a tick or more, or
 * what it still has to execute off by an amount step or more.
 * @internal
 */
export function isStale(slot: OrderSlot, desired: DesiredOrder, market: MarketRules): boolean {
  const tick = new Decimal(market.priceTick);
  const step = new Decimal(market.amountStep);
  const priceOff = new Decimal(slot.price ?? 0).minus(desired.price).abs();
  const amountOff = remainingBase(slot).minus(desired.baseAmount).abs();
  return (tick.gt(0) ? priceOff.gte(tick) : !priceOff.isZero()) || (step.gt(0) ? amountOff.gte(step) : !amountOff.isZero());
}

/** @internal */
export interface RestingInput {
  market: MarketRules;
  now: number;
  owner: string;
  newId: () => string;
  /** False while the record's backoff runs: cancels go ahead, nothing new is placed. */
  canPlace: boolean;
  /** False: no new buy is placed (a write that cannot reserve its budget first); sells still are. */
  canPlaceBuys?: boolean;
}

/**
 * The writes that bring the cycle's resting orders to `desired`: open slots that are stale or no
 * longer desired become `cancelling` (the cancel is persisted before it is sent); desired orders
 * with no live slot of their kind become new `sending` intents — but never a sell while another
 * sell of the cycle is live (its base is locked there), and nothing new while the cycle is closing,
 * halted or backing off. A slot being sent, cancelled or looked up is left alone: its kind waits
 * for it. Null when nothing is to change.
 * @internal
 */
export function reconcileResting(record: CycleRecord, desired: readonly DesiredOrder[], input: RestingInput): Transition | null {
  if (record.phase !== 'active' || record.position === null) return null;
  const wanted = record.closing || record.halted || record.exiting ? [] : desired;
  const byKey = new Map(wanted.map((d) => [keyOf(d), d]));
  const events: EngineEvent[] = [];
  let changed = false;
  const live = new Set<string>();
  const orders: OrderSlot[] = record.orders.map((slot) => {
    if (slot.type !== 'limit') return slot;
    const key = keyOf(slot);
    live.add(key);
    if (slot.state !== 'open') return slot;
    const d = byKey.get(key);
    if (d !== undefined && !isStale(slot, d, input.market)) return slot;
    changed = true;
    const reason = d !== undefined ? 'stale' : record.closing ? 'closing' : record.exiting ? 'exit' : 'unwanted';
    if (d !== undefined && slot.purpose === 'takeProfit') {
      events.push(['takeProfit:replaced', {
        symbol: record.symbol, cycleId: record.cycleId ?? '', previousClientOrderId: slot.clientOrderId,
        previousPrice: slot.price ?? '0', previousBaseAmount: str(remainingBase(slot)), price: d.price, baseAmount: d.baseAmount,
      }]);
    }
    return { ...slot, state: 'cancelling', cancelAt: input.now, cancelReason: reason, problem: null };
  });
  if (input.canPlace && !record.closing && !record.halted && !record.exiting) {
    let sellLive = orders.some((o) => o.side === 'sell');
    for (const d of wanted) {
      const key = keyOf(d);
      if (live.has(key)) continue;
      if (d.purpose === 'takeProfit' && sellLive) continue;
      if (d.purpose === 'rebuy' && input.canPlaceBuys === false) continue;
      const slot = newSlot({
        intentId: input.newId(), purpose: d.purpose, type: 'limit', side: d.purpose === 'takeProfit' ? 'sell' : 'buy',
        price: d.price, baseAmount: d.baseAmount, ...(d.level !== undefined ? { level: d.level } : {}), createdAt: input.now, owner: input.owner,
      });
      orders.push(slot);
      live.add(key);
      if (slot.side === 'sell') sellLive = true;
      changed = true;
    }
  }
  if (!changed) return null;
  return { record: { ...record, orders, updatedAt: input.now }, events };
}

/**
 * Validates what a strategy's `restingOrders` returned for `symbol`: an array of
 * `{ purpose: 'takeProfit' | 'rebuy', price, baseAmount, level? }` with prices and amounts
 * positive decimal strings on the market's tick and step, a `level` ≥ 1 on every safety buy, and
 * at most one order per kind (one take-profit, one per level).
 * @throws {@link StrategyError}
 * @internal
 */
export function checkDesired(symbol: string, raw: unknown, market: MarketRules): DesiredOrder[] {
  const bad = (why: string): never => {
    throw new StrategyError(symbol, `invalid restingOrders(): ${why}`);
  };
  if (!Array.isArray(raw)) return bad(`expected an array, got ${raw === null ? 'null' : typeof raw}`);
  const out: DesiredOrder[] = [];
  const keys = new Set<string>();
  const tick = new Decimal(market.priceTick);
  const step = new Decimal(market.amountStep);
  for (const [i, item] of raw.entries()) {
    if (typeof item !== 'object' || item === null) bad(`[${i}] is not an object`);
    const d = item as Record<string, unknown>;
    if (d.purpose !== 'takeProfit' && d.purpose !== 'rebuy') bad(`[${i}].purpose is ${JSON.stringify(d.purpose)}, expected 'takeProfit' or 'rebuy'`);
    const price = parseDecimal(d.price);
    const amount = parseDecimal(d.baseAmount);
    if (typeof d.price !== 'string' || price === undefined || price.lte(0)) bad(`[${i}].price is ${JSON.stringify(d.price)}, expected a decimal string > 0`);
    if (typeof d.baseAmount !== 'string' || amount === undefined || amount.lte(0)) bad(`[${i}].baseAmount is ${JSON.stringify(d.baseAmount)}, expected a decimal string > 0`);
    if (tick.gt(0) && !price!.mod(tick).isZero()) bad(`[${i}].price ${d.price as string} is not a multiple of the price tick ${market.priceTick}`);
    if (step.gt(0) && !amount!.mod(step).isZero()) bad(`[${i}].baseAmount ${d.baseAmount as string} is not a multiple of the amount step ${market.amountStep}`);
    if (d.purpose === 'rebuy' && (!Number.isSafeInteger(d.level) || (d.level as number) < 1)) bad(`[${i}].level is ${String(d.level)}, expected an integer ≥ 1 for a safety buy`);
    const order: DesiredOrder = { purpose: d.purpose as DesiredOrder['purpose'], price: str(price!), baseAmount: str(amount!), ...(d.purpose === 'rebuy' ? { level: d.level as number } : {}) };
    const key = keyOf(order);
    if (keys.has(key)) bad(`two orders of the same kind (${key})`);
    keys.add(key);
    out.push(order);
  }
  return out;
}

