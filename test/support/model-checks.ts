/**
 * What the model-based test asserts of the real system: invariants that hold at every moment, and
 * those that hold once everything has settled (DESIGN.md Parts 1 and 2). Uses node:assert (shared
 * with `scripts/model-soak.ts`).
 */
import assert from 'node:assert/strict';
import type { CycleRecord } from 'cycle-engine';
import { Decimal } from '../../src/decimal';
import { isResting, restingLeft, RULES, START_QUOTE, type Real } from './model-real';

const tag = (clientOrderId: string) => clientOrderId.slice(0, 5);

/**
 * 0.1's order of events, for MARKET-only runs: the executed orders in arrival order read as
 * cycles — never two start buys without a sell between them, never more rebuys than allowed.
 * (A LIMIT order arrives long before it fills, so limit runs are checked per cycle instead.)
 */
function checkMarketSequence(real: Real): void {
  let open = false;
  let rebuys = 0;
  let emptied = real.emptied; // a cycle closed without a sell (sold by hand) ends without a sell order
  for (const o of real.exchange.executedOrders()) {
    const t = tag(o.clientOrderId);
    if (t === 'ce-s-') {
      if (open && emptied > 0) {
        emptied--;
        open = false;
      }
      assert.ok(!open, `a second start buy (${o.clientOrderId}) while a cycle was open`);
      open = true;
      rebuys = 0;
    } else if (t === 'ce-r-') {
      assert.ok(open, 'a rebuy outside a cycle');
      assert.ok(++rebuys <= real.mode.maxRebuys, 'more rebuys than maxRebuys');
    } else if (t === 'ce-x-') {
      assert.ok(open, 'a sell outside a cycle');
      open = real.partialSells.has(o.clientOrderId); // a partial sell leaves its cycle open
    }
  }
}

/** Per cycle (by the cycle id its intent was written under): one start buy, at most `maxRebuys` safety levels bought. */
function checkPerCycle(real: Real): void {
  const starts = new Map<string, number>();
  const levels = new Map<string, Set<string>>();
  for (const o of real.exchange.executedOrders()) {
    const seen = real.intents.get(o.clientOrderId);
    assert.ok(seen !== undefined, `order ${o.clientOrderId} executed without a persisted intent`);
    const cycle = seen.cycleId ?? 'none';
    if (seen.purpose === 'start') {
      starts.set(cycle, (starts.get(cycle) ?? 0) + 1);
      assert.ok(starts.get(cycle)! <= 1, `a second start buy (${o.clientOrderId}) in cycle ${cycle}`);
    } else if (seen.purpose === 'rebuy') {
      const set = levels.get(cycle) ?? new Set<string>();
      set.add(seen.type === 'limit' ? `level ${seen.level}` : o.clientOrderId);
      levels.set(cycle, set);
      assert.ok(set.size <= real.mode.maxRebuys, `more safety buys than maxRebuys in cycle ${cycle}: ${[...set].join(', ')}`);
    }
  }
}

/** Invariants that hold at every moment. */
export async function checkAlways(real: Real): Promise<void> {
  assert.deepEqual(real.violations, [], 'broken while the engines ran');
  const record = await real.record(); // the memory store hands out what was written: validated by the engine's reads
  const executed = real.exchange.executedOrders();
  assert.equal(new Set(executed.map((o) => o.clientOrderId)).size, executed.length, 'a client order id executed twice');
  if (real.mode.takeProfitOrder === 'market' && real.mode.rebuyOrders === 'market') checkMarketSequence(real);
  checkPerCycle(real);
  // The venue refuses only what a fault told it to — never an order the engine should not have sent
  // (a sell of base it does not hold, a price off the tick, an amount off the step, a client id in use);
  // base sold by hand may leave a sell short (or, sold down to what is left, under the minimum notional).
  const allowed = real.handSold.isZero() ? ['INJECTED_FAULT'] : ['INJECTED_FAULT', 'INSUFFICIENT_FUNDS', 'MIN_NOTIONAL'];
  for (const o of real.exchange.orders) {
    if (o.rejectReason !== undefined) assert.ok(allowed.includes(o.rejectReason), `the venue refused ${o.clientOrderId} (${o.side} ${o.baseAmount ?? o.quoteAmount}${o.price ? ` @ ${o.price}` : ''}): ${o.rejectReason}`);
  }
  if (record) assert.ok(record.orders.length === 0 || record.phase !== 'idle', 'an idle record with an order');
  if (record) {
    const tps = record.orders.filter((o) => o.purpose === 'takeProfit' && o.type === 'limit');
    assert.ok(tps.length <= 1, `two take-profit slots in the ledger: ${tps.map((o) => o.clientOrderId).join(', ')}`);
    const buys = record.orders.filter((o) => o.purpose === 'rebuy' && o.type === 'limit');
    assert.ok(buys.length <= real.mode.activeRebuys, `${buys.length} safety buys in the ledger (activeRebuys ${real.mode.activeRebuys})`);
    assert.ok(record.orders.filter((o) => o.type === 'market').length <= 1, 'two MARKET orders in the ledger');
  }
}

/** The take-profit the record must have resting: for the whole sellable position (floor to the step), or null when nothing is sellable. */
function sellable(record: CycleRecord, real: Real): Decimal | null {
  if (real.mode.takeProfitOrder !== 'limit' || record.phase !== 'active' || record.position === null || record.closing || record.halted) return null;
  const amount = new Decimal(record.position.baseVolume).div(RULES.amountStep).floor().mul(RULES.amountStep);
  const price = new Decimal(record.position.avgPrice).mul('1.01').div(RULES.priceTick).ceil().mul(RULES.priceTick);
  return amount.gt(0) && amount.mul(price).gte(RULES.minNotional) ? amount : null;
}

/** In limit runs, the ledger after settling: only resting slots, one for every order resting at the venue and the other way round. */
function checkLedgerSettled(record: CycleRecord, real: Real): void {
  const resting = real.exchange.orders.filter(isResting);
  for (const slot of record.orders) {
    assert.ok(slot.type === 'limit' && slot.state === 'open', `a slot not settled: ${JSON.stringify(slot)}`);
    const venue = resting.find((o) => o.clientOrderId === slot.clientOrderId);
    assert.ok(venue !== undefined, `slot ${slot.clientOrderId} is open in the record but does not rest at the venue`);
    assert.equal(new Decimal(slot.applied.base).toFixed(), new Decimal(venue.state!.filledBase).toFixed(), `slot ${slot.clientOrderId}: applied base ≠ the venue's fills`);
  }
  for (const o of resting) assert.ok(record.orders.some((s) => s.clientOrderId === o.clientOrderId), `order ${o.clientOrderId} rests at the venue but the record forgot it`);
  // Invariant 11: an active cycle has its take-profit resting for its whole sellable position.
  const whole = sellable(record, real);
  const tps = resting.filter((o) => o.side === 'sell');
  if (whole === null) return;
  assert.equal(tps.length, 1, `an active cycle (position ${record.position?.baseVolume}) without its take-profit resting`);
  assert.equal(restingLeft(tps[0]!).toFixed(), whole.toFixed(), `the take-profit rests for ${restingLeft(tps[0]!)}, not the whole sellable position ${whole}`);
}

/** Invariants once everything has settled: every executed order accounted for exactly once. */
export async function checkSettled(real: Real): Promise<void> {
  const record = await real.record();
  const executed = real.exchange.executedOrders();
  if (record === undefined) {
    assert.equal(executed.length, 0, 'orders executed but no record');
    return;
  }
  if (real.mode.takeProfitOrder === 'market' && real.mode.rebuyOrders === 'market') {
    assert.deepEqual(record.orders, [], `an order still in the ledger: ${JSON.stringify(record.orders)}`);
  } else checkLedgerSettled(record, real);
  assert.deepEqual(record.orphans, [], 'orphan fills');
  const held = new Decimal(record.position?.baseVolume ?? 0).plus(record.dust?.baseVolume ?? 0);
  const venue = real.venueBase();
  assert.equal(venue.toFixed(), real.netFills().minus(real.handSold).toFixed(), 'the paper account ≠ its own fills (a harness fault)');
  if (real.handSold.isZero()) {
    assert.equal(held.toFixed(), real.netFills().toFixed(), 'the record’s position + dust ≠ the venue’s net fills');
    // Quote: what left the account is what the record holds invested, less the profit it booked.
    const spent = new Decimal(START_QUOTE).minus(real.venueQuote());
    const invested = new Decimal(record.position?.investedQuote ?? 0).plus(record.dust?.investedQuote ?? 0).minus(record.realizedPnlQuote);
    assert.equal(invested.toFixed(), spent.toFixed(), `quote spent at the venue (${spent}) ≠ the record's invested quote less its realised PnL (${invested})`);
    // Every sell closes a cycle, except a partial one that left a sellable rest.
    const sells = executed.filter((o) => o.side === 'sell').length;
    assert.ok(record.closedCycles <= sells + real.emptied, 'more closed cycles than executed sells (and cycles emptied without one)');
  } else {
    // Base sold by hand: the record may overstate the account by at most what was sold by hand (never understate it).
    assert.ok(held.gte(venue.minus('0.00000001')), `the record (${held}) holds less than the venue (${venue})`);
    assert.ok(held.minus(venue).lte(real.handSold), `the record (${held}) overstates the venue (${venue}) by more than was sold by hand (${real.handSold})`);
  }
}
