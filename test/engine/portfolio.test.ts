/**
 * Portfolio limits as pure decisions (issue 11): claims, reserve, release, stale reservations.
 */
import { describe, expect, it } from 'vitest';
import { claimOf, keepDust, release, reserve, staleReservations, type PortfolioLimits, type ReserveRequest } from '../../src/engine/portfolio';
import { emptyPortfolio, type PortfolioRecord, type PortfolioReservation } from '../../src/ports/portfolio-record';
import { emptyRecord, type CycleRecord, type OrderSlot, type Position } from '../../src/ports/record';

const position: Position = { startPrice: '100', lastBuyPrice: '100', avgPrice: '100', baseVolume: '0.1', investedQuote: '10.000000000000000001', buys: 1, openedAt: 1 };

function slot(over: Partial<OrderSlot>): OrderSlot {
  return {
    intentId: 'i', clientOrderId: 'c', purpose: 'rebuy', type: 'market', side: 'buy', createdAt: 0, owner: 'e', state: 'sending',
    applied: { base: '0', quote: '0', fees: [] }, checkedAt: null, ...over,
  };
}

function cycle(over: Partial<CycleRecord> = {}): CycleRecord {
  return { ...emptyRecord('ETH/USDT', 0), phase: 'active', cycleId: 'c1', position, ...over };
}

const marketBuy = (quoteAmount: string, applied = '0'): OrderSlot => slot({ intentId: `m${quoteAmount}`, quoteAmount, applied: { base: '0', quote: applied, fees: [] } });
const limitBuy = (price: string, baseAmount: string, applied = '0'): OrderSlot =>
  slot({ intentId: `l${price}`, type: 'limit', price, baseAmount, state: 'open', applied: { base: applied, quote: '0', fees: [] } });
const sell = slot({ intentId: 'tp', purpose: 'takeProfit', type: 'limit', side: 'sell', price: '101', baseAmount: '0.1', state: 'open' });

describe('claimOf: invested quote plus what live buys may still spend', () => {
  it.each<[string, CycleRecord, string]>([
    ['idle, nothing', emptyRecord('ETH/USDT', 0), '0'],
    ['a start market buy in flight', cycle({ phase: 'starting', position: null, orders: [marketBuy('20')] }), '20'],
    ['a start market buy partly applied', cycle({ phase: 'starting', position: null, orders: [marketBuy('20', '7.5')] }), '12.5'],
    ['a market buy applied beyond its amount counts 0', cycle({ phase: 'starting', position: null, orders: [marketBuy('20', '20.01')] }), '0'],
    ['a position only', cycle(), '10.000000000000000001'],
    ['a position and a take-profit sell (sells claim nothing)', cycle({ orders: [sell] }), '10.000000000000000001'],
    ['a position and a market rebuy', cycle({ orders: [marketBuy('15')] }), '25.000000000000000001'],
    ['a position and two resting limit buys', cycle({ orders: [limitBuy('98', '0.1'), limitBuy('95.5', '0.2')] }), '38.900000000000000001'],
    ['a limit buy partly filled: the rest at its price', cycle({ orders: [limitBuy('98', '0.1', '0.04')] }), '15.880000000000000001'],
    ['exact decimals', cycle({ position: { ...position, investedQuote: '0.1' }, orders: [limitBuy('0.2', '0.1'), marketBuy('0.3')] }), '0.42'],
  ])('%s → %s', (_name, record, claim) => {
    expect(claimOf(record).toFixed()).toBe(claim);
  });
});

const req = (key: string, claim: string, over: Partial<ReserveRequest> = {}): ReserveRequest => ({
  key, symbol: key.split(':').pop()!, cycleId: `cyc-${key}`, intentId: `int-${key}`, claim, now: 1_000, owner: 'e1', ...over,
});
const held = (key: string, quote: string, over: Partial<PortfolioReservation> = {}): PortfolioReservation => ({
  key, symbol: key, cycleId: `cyc-${key}`, intentId: `int-${key}`, quote, at: 500, owner: 'e0', ...over,
});
const book = (...reservations: PortfolioReservation[]): PortfolioRecord => ({ ...emptyPortfolio(500), reservations });

describe('reserve', () => {
  const limits: PortfolioLimits = { maxActiveCycles: 2, maxTotalInvestedQuote: '100' };
  it.each<[string, PortfolioRecord | null, ReserveRequest, PortfolioLimits, ReturnType<typeof reserve>]>([
    ['first reservation on no record', null, req('A', '20'), limits,
      { kind: 'ok', record: { kind: 'portfolio', schema: 1, updatedAt: 1_000, reservations: [{ ...held('A', '20'), at: 1_000, owner: 'e1' }] } }],
    ['no limits: still recorded', book(held('A', '20'), held('B', '20')), req('C', '1000'), {},
      { kind: 'ok', record: { ...book(held('A', '20'), held('B', '20'), { ...held('C', '1000'), at: 1_000, owner: 'e1' }), updatedAt: 1_000 } }],
    ['a new key at maxActiveCycles is refused', book(held('A', '20'), held('B', '20')), req('C', '1'), limits,
      { kind: 'refused', limit: 'maxActiveCycles', active: 2, totalQuote: '40' }],
    ['a new key over the budget is refused', book(held('A', '60')), req('B', '40.0000001'), limits,
      { kind: 'refused', limit: 'maxTotalInvestedQuote', active: 1, totalQuote: '60' }],
    ['a new key exactly at the budget is allowed', book(held('A', '60')), req('B', '40'), limits,
      { kind: 'ok', record: { ...book(held('A', '60'), { ...held('B', '40'), at: 1_000, owner: 'e1' }), updatedAt: 1_000 } }],
    ['a key already reserved is not a new active cycle (grows at the limit count)', book(held('A', '20'), held('B', '20')), req('A', '50', { intentId: 'rebuy' }), limits,
      { kind: 'ok', record: { ...book({ ...held('A', '50'), intentId: 'rebuy', at: 1_000, owner: 'e1' }, held('B', '20')), updatedAt: 1_000 } }],
    ['growth over the budget is refused', book(held('A', '20'), held('B', '70')), req('A', '30.01'), limits,
      { kind: 'refused', limit: 'maxTotalInvestedQuote', active: 2, totalQuote: '90' }],
    ['a claim already covered writes nothing', book(held('A', '50')), req('A', '49.99'), limits, { kind: 'ok', record: null }],
    ['an equal claim writes nothing, even over limits lowered since', book(held('A', '50'), held('B', '60')), req('A', '50'), { maxActiveCycles: 1, maxTotalInvestedQuote: '10' }, { kind: 'ok', record: null }],
    ['another cycle of the key is replaced, even by a smaller claim', book(held('A', '80', { cycleId: 'old' }), held('B', '20')), req('A', '10'), limits,
      { kind: 'ok', record: { ...book({ ...held('A', '10'), at: 1_000, owner: 'e1' }, held('B', '20')), updatedAt: 1_000 } }],
    ['a replacement is not a new active cycle, but counts against the budget', book(held('A', '10', { cycleId: 'old' }), held('B', '20')), req('A', '80.5'), limits,
      { kind: 'refused', limit: 'maxTotalInvestedQuote', active: 2, totalQuote: '30' }],
    ['maxActiveCycles 0 refuses every new key', null, req('A', '0'), { maxActiveCycles: 0 }, { kind: 'refused', limit: 'maxActiveCycles', active: 0, totalQuote: '0' }],
  ])('%s', (_name, portfolio, request, lim, expected) => {
    expect(reserve(portfolio, request, lim)).toEqual(expected);
  });

  it('a reservation only grows: a smaller claim never shrinks it', () => {
    let record: PortfolioRecord | null = null;
    for (const claim of ['10', '30', '5', '30', '31', '0']) {
      const r = reserve(record, req('A', claim), {});
      if (r.kind !== 'ok') throw new Error('refused');
      record = r.record ?? record;
    }
    expect(record!.reservations.map((r) => r.quote)).toEqual(['31']);
  });

  it.each(['-1', '1e', '', 'NaN'])('refuses a bad claim %j', (claim) => {
    expect(() => reserve(null, req('A', claim), {})).toThrow(TypeError);
  });
});

describe('release', () => {
  const portfolio = book(held('A', '10'), held('B', '20'));
  it.each<[string, Parameters<typeof release>[1], PortfolioRecord | null]>([
    ['drops the key', { key: 'A' }, { ...book(held('B', '20')), updatedAt: 900 }],
    ['drops it when the cycle matches', { key: 'A', cycleId: 'cyc-A' }, { ...book(held('B', '20')), updatedAt: 900 }],
    ['drops it when cycle and intent match', { key: 'B', cycleId: 'cyc-B', intentId: 'int-B' }, { ...book(held('A', '10')), updatedAt: 900 }],
    ['keeps a later cycle of the key', { key: 'A', cycleId: 'other' }, null],
    ['keeps a reservation raised by another intent since', { key: 'A', cycleId: 'cyc-A', intentId: 'other' }, null],
    ['nothing to drop', { key: 'C' }, null],
  ])('%s', (_name, match, expected) => {
    expect(release(portfolio, match, 900)).toEqual(expected);
  });
  it('on no record: nothing to drop', () => expect(release(null, { key: 'A' }, 1)).toBeNull());
});

describe('staleReservations: reservations no cycle holds any more', () => {
  const portfolio = book(held('missing', '1'), held('idle', '1'), held('other', '1'), held('otherWithOrders', '1'), held('starting', '1'), held('active', '1'), held('closing', '1'));
  const records: Record<string, CycleRecord | null> = {
    missing: null,
    idle: { ...emptyRecord('idle', 0), closedCycles: 3 },
    other: cycle({ cycleId: 'cyc-next' }),
    otherWithOrders: cycle({ cycleId: 'cyc-next', orders: [marketBuy('5')] }),
    starting: cycle({ phase: 'starting', position: null, cycleId: 'cyc-starting', orders: [marketBuy('5')] }),
    active: cycle({ cycleId: 'cyc-active' }),
    closing: cycle({ cycleId: 'cyc-closing', orders: [sell], closing: { reason: 'takeProfit', at: 1, price: '101' } }),
  };
  it('missing, idle, or on another cycle with no order; live cycles are kept even if they claim less now', () => {
    expect(staleReservations(portfolio, (key) => records[key] ?? null).map((r) => r.key)).toEqual(['missing', 'idle', 'other']);
  });
  it('no record: none', () => expect(staleReservations(null, () => null)).toEqual([]));
});

describe('dust reservations: a closed cycle still holding dust with a cost', () => {
  const r = (key: string, quote: string, dust?: boolean): PortfolioReservation => ({ key, symbol: key, cycleId: `c-${key}`, intentId: `i-${key}`, quote, at: 0, owner: 'e', ...(dust ? { dust } : {}) });
  const book = (...reservations: PortfolioReservation[]): PortfolioRecord => ({ kind: 'portfolio', schema: 1, reservations, updatedAt: 0 });
  const req = (key: string, claim: string): ReserveRequest => ({ key, symbol: key, cycleId: `new-${key}`, intentId: 'n', claim, now: 1, owner: 'e' });

  it('keepDust shrinks the closed cycle\'s reservation to the dust cost and marks it; another cycle\'s is left alone', () => {
    expect(keepDust(book(r('A', '30')), { key: 'A', cycleId: 'c-A', quote: '9.99' }, 5)?.reservations).toEqual([{ ...r('A', '9.99', true), at: 5 }]);
    expect(keepDust(book(r('A', '30')), { key: 'A', cycleId: 'other', quote: '9.99' }, 5)).toBeNull();
    expect(keepDust(book(r('A', '9.99', true)), { key: 'A', cycleId: 'c-A', quote: '9.99' }, 5)).toBeNull();
  });

  it.each<[string, PortfolioRecord, ReserveRequest, PortfolioLimits, string]>([
    ['dust counts in the budget', book(r('A', '10', true), r('B', '10')), req('C', '10'), { maxTotalInvestedQuote: '25' }, 'refused:maxTotalInvestedQuote'],
    ['dust is not an active cycle', book(r('A', '10', true), r('B', '10')), req('C', '10'), { maxActiveCycles: 2 }, 'ok'],
    ['the key\'s next start replaces its dust reservation (its claim includes the dust) and becomes active', book(r('A', '10', true), r('B', '10')), req('A', '20'), { maxActiveCycles: 2, maxTotalInvestedQuote: '30' }, 'ok'],
    ['…but needs an active slot like any start', book(r('A', '10', true), r('B', '10')), req('A', '20'), { maxActiveCycles: 1 }, 'refused:maxActiveCycles'],
  ])('%s', (_name, p, request, limits, expected) => {
    const out = reserve(p, request, limits);
    expect(out.kind === 'ok' ? 'ok' : `refused:${out.limit}`).toBe(expected);
  });

  it('the sweep keeps a dust reservation while its key carries dust with a cost, and releases it once the dust is gone', () => {
    const idleWithDust = cycle({ phase: 'idle', cycleId: null, position: null, orders: [], dust: { baseVolume: '0.05', investedQuote: '10' } });
    const idleClean = cycle({ phase: 'idle', cycleId: null, position: null, orders: [], dust: null });
    expect(staleReservations(book(r('A', '10', true)), () => idleWithDust)).toEqual([]);
    expect(staleReservations(book(r('A', '10', true)), () => idleClean)).toHaveLength(1);
  });
});
