/**
 * What the venue and the store must agree on after engines in limit modes were killed and a healthy
 * one drained (test/crash/limit-kill-recovery.test.ts). Pure: it reads the fake exchange server's
 * orders and journal and the records, and returns the problems found, one sentence each.
 *
 * - no client order id was received (so executed) twice;
 * - per symbol, the base the venue's fills put in the account (buys net of base fees, minus sells
 *   and their base fees; MARKET fills and LIMIT cumulative states alike) equals the record's
 *   `position.baseVolume + dust.baseVolume`, exactly: no fill lost, none applied twice;
 * - no orphan fill is `unaccounted`;
 * - every slot of a record is a LIMIT order acknowledged `open` and the server has it open (no order
 *   in a record that the server does not know, none whose end the record missed); every order
 *   resting at the server is a slot of its symbol's record (none forgotten while resting);
 * - no record is left `closing`; an idle cycle has nothing resting; an active cycle has exactly one
 *   take-profit slot, and it rests at the server for the whole sellable position (the position's
 *   base rounded down to the amount step).
 */
import type { CycleRecord, OrderFee, PaperOrder } from 'cycle-engine';
import { Decimal } from '../../src/decimal';
import type { JournalEntry } from './fake-exchange-server';

export interface VenueFills {
  /** Base bought net of base fees minus base sold and its base fees. */
  readonly net: Decimal;
  /** LIMIT orders with any fill, and those of them filled only in part. */
  readonly limitFills: number;
  readonly partialLimitFills: number;
  readonly marketFills: number;
}

const baseFee = (fees: readonly OrderFee[], base: string): Decimal => fees.filter((f) => f.currency === base).reduce((s, f) => s.plus(f.amount), new Decimal(0));

/** What one symbol's orders at the venue executed, from the exchange's true order states. */
export function venueFills(symbol: string, orders: readonly PaperOrder[]): VenueFills {
  const base = symbol.split('/')[0]!;
  let net = new Decimal(0);
  let limitFills = 0;
  let partialLimitFills = 0;
  let marketFills = 0;
  for (const o of orders) {
    if (o.symbol !== symbol) continue;
    let filled: Decimal;
    let fee: Decimal;
    if (o.type === 'limit') {
      if (o.state === undefined || new Decimal(o.state.filledBase).isZero()) continue;
      filled = new Decimal(o.state.filledBase);
      fee = baseFee(o.state.fees, base);
      limitFills++;
      if (o.state.amountBase !== undefined && filled.lt(o.state.amountBase)) partialLimitFills++;
    } else {
      if (!o.fill || (o.status !== 'filled' && o.status !== 'expired')) continue;
      filled = new Decimal(o.fill.filledBase);
      fee = o.fill.fee ? baseFee([o.fill.fee], base) : new Decimal(0);
      marketFills++;
    }
    net = o.side === 'buy' ? net.plus(filled).minus(fee) : net.minus(filled).minus(fee);
  }
  return { net, limitFills, partialLimitFills, marketFills };
}

export function checkLimitLedger(
  symbols: readonly string[],
  orders: readonly PaperOrder[],
  journal: readonly JournalEntry[],
  records: ReadonlyMap<string, CycleRecord | undefined>,
  amountStep: string,
): string[] {
  const problems: string[] = [];
  const received = new Map<string, number>();
  for (const e of journal) received.set(e.clientOrderId, (received.get(e.clientOrderId) ?? 0) + 1);
  for (const [id, n] of received) if (n > 1) problems.push(`${id} was received ${n} times`);

  for (const symbol of symbols) {
    const record = records.get(symbol);
    const mine = orders.filter((o) => o.symbol === symbol);
    const resting = mine.filter((o) => o.type === 'limit' && o.state?.status === 'open');
    const { net } = venueFills(symbol, mine);
    if (record === undefined) {
      if (!net.isZero() || resting.length > 0) problems.push(`${symbol}: no record, but the venue holds ${net.toFixed()} base and ${resting.length} resting orders`);
      continue;
    }
    const held = new Decimal(record.position?.baseVolume ?? 0).plus(record.dust?.baseVolume ?? 0);
    if (!net.eq(held)) problems.push(`${symbol}: the venue's fills net ${net.toFixed()} base, the record holds ${held.toFixed()} (position ${record.position?.baseVolume ?? 'none'} + dust ${record.dust?.baseVolume ?? 'none'})`);
    for (const o of record.orphans) if (o.accountedAs === 'unaccounted') problems.push(`${symbol}: orphan fill ${o.fill.clientOrderId} ${o.fill.side} ${o.fill.filledBase} unaccounted (${o.note})`);
    if (record.closing) problems.push(`${symbol}: left closing`);

    for (const slot of record.orders) {
      const at = mine.find((o) => o.clientOrderId === slot.clientOrderId);
      const what = `${symbol}: ${slot.purpose} ${slot.clientOrderId} (${slot.type}, ${slot.state})`;
      if (slot.type !== 'limit' || slot.state !== 'open') problems.push(`${what} left unsettled in the record`);
      if (at === undefined) problems.push(`${what} is in the record but the server never received it`);
      else if (at.state?.status !== 'open') problems.push(`${what} is in the record but ${at.state ? `${at.state.status} at the server (filled ${at.state.filledBase})` : `${at.status} at the server`}`);
    }
    for (const o of resting) {
      if (!record.orders.some((s) => s.clientOrderId === o.clientOrderId)) problems.push(`${symbol}: ${o.side} ${o.clientOrderId} ${o.baseAmount}@${o.price} rests at the server, in no record`);
    }

    const takeProfits = record.orders.filter((s) => s.purpose === 'takeProfit');
    const restingSells = resting.filter((o) => o.side === 'sell');
    if (record.phase !== 'active') {
      if (resting.length > 0) problems.push(`${symbol}: idle, yet ${resting.length} orders rest at the server`);
      continue;
    }
    if (takeProfits.length !== 1 || restingSells.length !== 1) {
      problems.push(`${symbol}: active with ${takeProfits.length} take-profit slots and ${restingSells.length} sells resting at the server (want one)`);
      continue;
    }
    const sellable = new Decimal(record.position!.baseVolume).toNearest(amountStep, Decimal.ROUND_DOWN);
    const sell = restingSells[0]!;
    if (sell.clientOrderId !== takeProfits[0]!.clientOrderId) problems.push(`${symbol}: the sell resting at the server (${sell.clientOrderId}) is not the record's take-profit (${takeProfits[0]!.clientOrderId})`);
    const left = new Decimal(sell.baseAmount ?? 0).minus(sell.state!.filledBase);
    if (!left.eq(sellable)) problems.push(`${symbol}: the take-profit rests for ${left.toFixed()} (of ${sell.baseAmount}), the sellable position is ${sellable.toFixed()} (base ${record.position!.baseVolume})`);
  }
  return problems;
}
