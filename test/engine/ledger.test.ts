/**
 * The order ledger (issue 10): observations carry cumulative amounts; applying `observed − applied`
 * in one step makes repeats, reordering, stale and partial observations harmless.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import type { MarketRules, OrderState } from '../../src/ports/exchange';
import type { CycleRecord, OrderSlot, Position } from '../../src/ports/record';
import { deltaOf, remember, type Observation } from '../../src/engine/ledger';
import { observe, newSlot, type SettleInput } from '../../src/engine/transitions';

const market: MarketRules = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };
const input: SettleInput = { market, now: 1_000, cooldownMs: 0, backoffInitialMs: 1_000, backoffMaxMs: 60_000 };

const position: Position = { startPrice: '100', lastBuyPrice: '100', avgPrice: '100.1001001001001001001', baseVolume: '0.0999', investedQuote: '10', buys: 1, openedAt: 1 };

function active(orders: OrderSlot[], over: Partial<CycleRecord> = {}): CycleRecord {
  return {
    schema: 2, symbol: 'ETH/USDT', phase: 'active', cycleId: 'c1', orders, position, retryAt: null, rejections: 0, closedCycles: 0,
    realizedPnlQuote: '0', dust: null, recent: [], orphans: [], updatedAt: 0, ...over,
  };
}

const tp = (over: Partial<OrderSlot> = {}): OrderSlot =>
  newSlot({ intentId: 'tp1', purpose: 'takeProfit', type: 'limit', side: 'sell', price: '101.6', baseAmount: '0.0999', createdAt: 0, owner: 'e', state: 'open', acknowledged: true, ...over });
const rebuy = (over: Partial<OrderSlot> = {}): OrderSlot =>
  newSlot({ intentId: 'rb1', purpose: 'rebuy', type: 'limit', side: 'buy', price: '98', baseAmount: '0.1', level: 1, createdAt: 0, owner: 'e', state: 'open', acknowledged: true, ...over });

function state(slot: OrderSlot, over: Partial<OrderState>): OrderState {
  return {
    orderId: 'o-' + slot.intentId, clientOrderId: slot.clientOrderId, symbol: 'ETH/USDT', side: slot.side, type: slot.type, status: 'open',
    filledBase: '0', costQuote: '0', avgPrice: null, fees: [], timestamp: 500, ...over,
  };
}
const seen = (s: OrderState): Observation => ({ kind: 'state', state: s, recordedAt: 900 });

/** Applies observations in order, keeping the record when one changes nothing. */
function run(record: CycleRecord, intentId: string, observations: OrderState[]): { record: CycleRecord; events: string[] } {
  let r = record;
  const events: string[] = [];
  for (const s of observations) {
    const t = observe(r, intentId, seen(s), input);
    if (t === null) continue;
    r = t.record;
    events.push(...t.events.map(([name]) => name));
  }
  return { record: r, events };
}

describe('deltaOf', () => {
  const applied = { base: '0.05', quote: '5.08', fees: [{ currency: 'USDT', amount: '0.00508' }] };
  it.each<[string, Partial<OrderState>, string | null]>([
    ['the same cumulative amounts: nothing new', { filledBase: '0.05', costQuote: '5.08', fees: [{ currency: 'USDT', amount: '0.00508' }] }, '0/0'],
    ['more filled: the difference', { filledBase: '0.0999', costQuote: '10.14984', fees: [{ currency: 'USDT', amount: '0.01014984' }] }, '0.0499/5.06984'],
    ['less filled: stale, ignored whole', { filledBase: '0.04', costQuote: '4.064', fees: [] }, null],
    ['a fee reported lower (or missing): the fill applies, the fee is not taken back', { filledBase: '0.06', costQuote: '6.096', fees: [{ currency: 'USDT', amount: '0.001' }] }, '0.01/1.016 fees '],
  ])('%s', (_case, over, expected) => {
    const d = deltaOf(applied, state(tp(), over));
    expect(d === null ? null : `${d.base.toFixed()}/${d.quote.toFixed()}`).toBe(expected === null ? null : expected.split(' ')[0]);
    if (d !== null && _case.startsWith('a fee reported lower')) expect(d.appliedFees).toEqual([{ currency: 'USDT', amount: '0.00508' }]); // the higher report is kept
  });

  it('estimated fees are replaced by the first real report: the difference, up or down, is the correction', () => {
    const estimated = { base: '0.05', quote: '5.08', fees: [{ currency: 'USDT', amount: '0.00508' }], feesEstimated: true };
    const d = deltaOf(estimated, state(tp(), { filledBase: '0.05', costQuote: '5.08', fees: [{ currency: 'BNB', amount: '0.00002' }] }))!;
    expect([...d.fees].map(([c, a]) => `${c} ${a.toFixed()}`).sort()).toEqual(['BNB 0.00002', 'USDT -0.00508']);
    expect(d.appliedFees).toEqual([{ currency: 'BNB', amount: '0.00002' }]);
    expect(d.estimated).toBe(false);
  });
});

describe('a resting take-profit observed many times', () => {
  const half = (slot: OrderSlot) => state(slot, { filledBase: '0.05', costQuote: '5.08', avgPrice: '101.6', fees: [{ currency: 'USDT', amount: '0.00508' }] });
  const full = (slot: OrderSlot) => state(slot, { status: 'filled', filledBase: '0.0999', costQuote: '10.14984', avgPrice: '101.6', fees: [{ currency: 'USDT', amount: '0.01014984' }] });

  it('partial, then filled: PnL booked once for the whole, the cycle closes', () => {
    const slot = tp();
    const { record, events } = run(active([slot]), slot.intentId, [half(slot), full(slot)]);
    expect(events).toEqual(['order:partiallyFilled', 'cycle:partiallySold', 'order:filled', 'cycle:closed']);
    expect(record.phase).toBe('idle');
    // proceeds 10.14984 − 0.01014984 fee − cost 10 = 0.13969016
    expect(record.realizedPnlQuote).toBe('0.13969016');
    expect(record.orders).toEqual([]);
    expect(record.recent).toContain(slot.clientOrderId);
  });

  it.each<[string, (s: OrderSlot) => OrderState[]]>([
    ['each observation twice', (s) => [half(s), half(s), full(s), full(s)]],
    ['the partial one arriving after the full one (reordered)', (s) => [full(s), half(s)]],
    ['only the final one', (s) => [full(s)]],
    ['a stale open one with nothing filled in between', (s) => [half(s), state(s, {}), full(s)]],
  ])('%s: the same end, nothing applied twice', (_case, observations) => {
    const slot = tp();
    const { record } = run(active([slot]), slot.intentId, observations(slot));
    expect(record.realizedPnlQuote).toBe('0.13969016');
    expect(record.phase).toBe('idle');
    expect(record.closedCycles).toBe(1);
  });

  it('cancelled after a partial fill: the rest stays held, the slot leaves, nothing closes', () => {
    const slot = tp({ state: 'cancelling', cancelReason: 'stale' });
    const cancelled = state(slot, { status: 'cancelled', filledBase: '0.03', costQuote: '3.048', avgPrice: '101.6', fees: [{ currency: 'USDT', amount: '0.003048' }] });
    const { record, events } = run(active([slot]), slot.intentId, [cancelled]);
    expect(events).toEqual(['order:filled', 'order:cancelled', 'cycle:partiallySold']);
    expect(record.phase).toBe('active');
    expect(record.orders).toEqual([]);
    expect(record.position?.baseVolume).toBe('0.0699');
    // The cost left plus the cost of what was sold (proceeds − PnL) is what was invested.
    expect(new Decimal(record.position!.investedQuote).plus('3.048').minus('0.003048').minus(record.realizedPnlQuote).toFixed()).toBe('10');
  });

  it('cancelled after a partial fill that leaves less than the minimum notional: the rest is dust, the cycle closes', () => {
    const slot = tp({ state: 'cancelling', cancelReason: 'stale' });
    const cancelled = state(slot, { status: 'cancelled', filledBase: '0.05', costQuote: '5.08', avgPrice: '101.6', fees: [{ currency: 'USDT', amount: '0.00508' }] });
    const { record, events } = run(active([slot]), slot.intentId, [cancelled]);
    expect(events).toEqual(['order:filled', 'order:cancelled', 'cycle:closed']);
    expect(record.dust?.baseVolume).toBe('0.0499');
  });
});

describe('a resting safety buy', () => {
  it('a partial fill adds base net of its base fee and counts one buy; the rest of it does not count again', () => {
    const slot = rebuy();
    const part = state(slot, { filledBase: '0.04', costQuote: '3.92', avgPrice: '98', fees: [{ currency: 'ETH', amount: '0.00004' }] });
    const rest = state(slot, { status: 'filled', filledBase: '0.1', costQuote: '9.8', avgPrice: '98', fees: [{ currency: 'ETH', amount: '0.0001' }] });
    const { record, events } = run(active([slot]), slot.intentId, [part, part, rest]);
    expect(events).toEqual(['order:partiallyFilled', 'cycle:rebought', 'order:filled', 'cycle:rebought']);
    expect(record.position).toMatchObject({ baseVolume: '0.1998', investedQuote: '19.8', buys: 2, lastBuyPrice: '98' });
    expect(record.orders).toEqual([]);
  });

  it('filled while the cycle is closing: carried into the next cycle with its cost', () => {
    const slot = rebuy({ state: 'cancelling', cancelReason: 'closing' });
    const closing = active([slot], { closing: { reason: 'takeProfit', at: 5, price: '101.6' }, position: { ...position, baseVolume: '0.0000099', investedQuote: '0.001', realizedPnlQuote: '0.1', proceedsQuote: '10.1' } });
    const filled = state(slot, { status: 'cancelled', filledBase: '0.03', costQuote: '2.94', avgPrice: '98', fees: [{ currency: 'ETH', amount: '0.00003' }] });
    const { record, events } = run(closing, slot.intentId, [filled]);
    expect(events).toContain('cycle:closed');
    expect(record.phase).toBe('idle');
    expect(record.dust).toEqual({ baseVolume: '0.0299799', investedQuote: '2.941' });
    expect(record.realizedPnlQuote).toBe('0');
  });
});

describe('a MARKET order', () => {
  it('seen still executing is not applied: its terminal state is', () => {
    const slot = newSlot({ intentId: 'm1', purpose: 'rebuy', type: 'market', side: 'buy', quoteAmount: '10', createdAt: 0, owner: 'e', state: 'unknown' });
    expect(observe(active([slot]), 'm1', seen(state(slot, { filledBase: '0.05', costQuote: '4.9', avgPrice: '98' })), input)).toBeNull();
  });

  it('a start that ended with nothing filled backs off like a rejection', () => {
    const slot = newSlot({ intentId: 's1', purpose: 'start', type: 'market', side: 'buy', quoteAmount: '10', createdAt: 0, owner: 'e' });
    const starting: CycleRecord = { ...active([slot]), phase: 'starting', position: null };
    const t = observe(starting, 's1', seen(state(slot, { status: 'expired' })), input);
    expect(t?.record).toMatchObject({ phase: 'idle', cycleId: null, orders: [], rejections: 1, retryAt: 2_000 });
    expect(t?.events.map(([n]) => n)).toEqual(['order:cancelled', 'cycle:startFailed']);
  });
});

describe('an observation of an intent not in the ledger', () => {
  it('changes nothing (the engine keeps a fill of it as an orphan)', () => {
    expect(observe(active([]), 'gone', seen(state(tp(), { status: 'filled', filledBase: '0.0999', costQuote: '10', avgPrice: '100.1' })), input)).toBeNull();
  });
});

describe('the recent client order ids', () => {
  it('keep 64 — several cycles of fills in limit modes — and a repeat moves to the end', () => {
    let r = active([]);
    for (let i = 0; i < 70; i++) r = { ...r, recent: remember(r, `ce-${i}`) };
    expect(r.recent).toHaveLength(64);
    expect(r.recent[0]).toBe('ce-6');
    expect(remember(r, 'ce-6').at(-1)).toBe('ce-6');
    expect(remember(r, 'ce-6')).toHaveLength(64);
  });
});
