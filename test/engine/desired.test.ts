/**
 * Desired orders vs live slots (issue 10): place what is missing, cancel what is stale, leave the
 * rest — and the DCA strategy's resting orders, worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { checkDesired, isStale, reconcileResting } from '../../src/engine/desired';
import { newSlot } from '../../src/engine/transitions';
import type { MarketRules } from '../../src/ports/exchange';
import type { CycleRecord, OrderSlot, Position } from '../../src/ports/record';
import { StrategyError } from '../../src/errors';
import { parseDcaOptions, rebuyLevelPrice, restingDca } from '../../src/strategy/dca';
import { Decimal } from '../../src/decimal';
import type { DesiredOrder } from '../../src/strategy/strategy';

const market: MarketRules = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };
const position: Position = { startPrice: '100', lastBuyPrice: '100', avgPrice: '100.1001001001001001001', baseVolume: '0.0999', investedQuote: '10', buys: 1, openedAt: 1 };
const record = (orders: OrderSlot[], over: Partial<CycleRecord> = {}): CycleRecord => ({
  schema: 2, symbol: 'ETH/USDT', phase: 'active', cycleId: 'c1', orders, position, retryAt: null, rejections: 0, closedCycles: 0,
  realizedPnlQuote: '0', dust: null, recent: [], orphans: [], updatedAt: 0, ...over,
});
let n = 0;
const input = (canPlace = true) => ({ market, now: 50, owner: 'e', newId: () => `id${++n}`, canPlace });
const slot = (d: DesiredOrder, over: Partial<OrderSlot> = {}): OrderSlot =>
  newSlot({ intentId: `s-${d.purpose}-${d.level ?? 0}`, purpose: d.purpose, type: 'limit', side: d.purpose === 'takeProfit' ? 'sell' : 'buy', price: d.price, baseAmount: d.baseAmount, ...(d.level ? { level: d.level } : {}), createdAt: 0, owner: 'e', state: 'open', acknowledged: true, ...over });

const TP: DesiredOrder = { purpose: 'takeProfit', price: '101.61', baseAmount: '0.0999' };
const L1: DesiredOrder = { purpose: 'rebuy', price: '98', baseAmount: '0.102', level: 1 };
const L2: DesiredOrder = { purpose: 'rebuy', price: '96.04', baseAmount: '0.1041', level: 2 };

describe('isStale', () => {
  it.each<[string, Partial<OrderSlot>, boolean]>([
    ['the same price and amount', {}, false],
    ['a price less than a tick off', { price: '101.615' }, false],
    ['a price a tick off', { price: '101.62' }, true],
    ['an amount a step off', { baseAmount: '0.1' }, true],
    ['a partly filled order whose rest is what is wanted', { baseAmount: '0.1999', applied: { base: '0.1', quote: '10.161', fees: [] } }, false],
  ])('%s → %s', (_case, over, stale) => {
    expect(isStale(slot(TP, over), TP, market)).toBe(stale);
  });
});

describe('reconcileResting', () => {
  const kinds = (r: CycleRecord) => r.orders.map((o) => `${o.purpose}${o.level ?? ''}:${o.state}`);

  it('places every desired order when nothing rests, in one write', () => {
    const t = reconcileResting(record([]), [TP, L1, L2], input());
    expect(kinds(t!.record)).toEqual(['takeProfit:sending', 'rebuy1:sending', 'rebuy2:sending']);
    expect(t!.record.orders[0]).toMatchObject({ type: 'limit', side: 'sell', price: '101.61', baseAmount: '0.0999', applied: { base: '0', quote: '0', fees: [] } });
  });

  it('leaves matching orders alone: nothing to write', () => {
    expect(reconcileResting(record([slot(TP), slot(L1)]), [TP, L1], input())).toBeNull();
  });

  it('cancels a stale take-profit (announcing the replacement) and places nothing of its kind until it is gone', () => {
    const bigger: DesiredOrder = { purpose: 'takeProfit', price: '100.6', baseAmount: '0.2019' };
    const t = reconcileResting(record([slot(TP)]), [bigger], input());
    expect(kinds(t!.record)).toEqual(['takeProfit:cancelling']);
    expect(t!.record.orders[0]).toMatchObject({ cancelReason: 'stale', cancelAt: 50 });
    expect(t!.events).toEqual([['takeProfit:replaced', expect.objectContaining({ previousPrice: '101.61', price: '100.6', baseAmount: '0.2019' })]]);
    expect(reconcileResting(t!.record, [bigger], input())).toBeNull(); // still cancelling: no second take-profit
  });

  it('never places a take-profit while another sell of the cycle is live (its base is locked there)', () => {
    const market = newSlot({ intentId: 'm', purpose: 'takeProfit', type: 'market', side: 'sell', baseAmount: '0.0999', createdAt: 0, owner: 'e' });
    expect(reconcileResting(record([market]), [TP], input())).toBeNull();
  });

  it('cancels what is no longer wanted; a slot being sent or looked up is left to its answer', () => {
    const t = reconcileResting(record([slot(L1), slot(L2, { state: 'unknown' })]), [], input());
    expect(kinds(t!.record)).toEqual(['rebuy1:cancelling', 'rebuy2:unknown']);
    expect(t!.record.orders[0]?.cancelReason).toBe('unwanted');
  });

  it('while backing off: cancels go ahead, nothing new is placed', () => {
    const t = reconcileResting(record([slot(L2)]), [TP, L1], input(false));
    expect(kinds(t!.record)).toEqual(['rebuy2:cancelling']);
  });

  it('a closing cycle cancels everything and places nothing', () => {
    const t = reconcileResting(record([slot(L1)], { closing: { reason: 'takeProfit', at: 1, price: '101.61' } }), [TP, L1], input());
    expect(kinds(t!.record)).toEqual(['rebuy1:cancelling']);
    expect(t!.record.orders[0]?.cancelReason).toBe('closing');
  });

  it('a halted or idle cycle gets nothing new', () => {
    expect(reconcileResting(record([], { halted: { reason: 'POSITION_MISMATCH', heldPerRecord: '1', heldPerVenue: '0', at: 1 } }), [TP], input())).toBeNull();
    expect(reconcileResting(record([], { phase: 'idle', position: null, cycleId: null }), [TP], input())).toBeNull();
  });
});

describe('checkDesired', () => {
  it.each<[string, unknown, string]>([
    ['not an array', { purpose: 'takeProfit' }, 'expected an array'],
    ['an unknown purpose', [{ ...TP, purpose: 'stopLoss' }], "expected 'takeProfit' or 'rebuy'"],
    ['a number price', [{ ...TP, price: 101.61 }], 'expected a decimal string > 0'],
    ['a price off the tick', [{ ...TP, price: '101.615' }], 'not a multiple of the price tick'],
    ['an amount off the step', [{ ...TP, baseAmount: '0.09999' }], 'not a multiple of the amount step'],
    ['a safety buy without a level', [{ ...L1, level: undefined }], 'expected an integer ≥ 1'],
    ['two take-profits', [TP, TP], 'two orders of the same kind'],
  ])('refuses %s', (_case, raw, why) => {
    expect(() => checkDesired('ETH/USDT', raw, market)).toThrow(StrategyError);
    expect(() => checkDesired('ETH/USDT', raw, market)).toThrow(why);
  });
});

describe('the DCA strategy at rest (worked by hand)', () => {
  const p = parseDcaOptions({ startQuote: 10, rebuyDropPct: 2, rebuyStepScale: 1.5, rebuyVolumeScale: 2, maxRebuys: 3, takeProfitPct: 1.5, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 });

  it('levels from the start fill: 100 → 98 → 95.06 → 90.7823', () => {
    expect(rebuyLevelPrice(new Decimal(100), 1, p).toFixed()).toBe('98');
    expect(rebuyLevelPrice(new Decimal(100), 2, p).toFixed()).toBe('95.06');
    expect(rebuyLevelPrice(new Decimal(100), 3, p).toFixed()).toBe('90.7823');
  });

  it('after the start: the take-profit rounded up to the tick, and the next two levels rounded down', () => {
    // TP: 100.1001… × 1.015 = 101.6016… → 101.61 (up). L1: 20 USDT / 98 = 0.20408… → 0.2040; L2: 40 / 95.06 = 0.42078… → 0.4207.
    expect(restingDca(p, position, [], market)).toEqual([
      { purpose: 'takeProfit', price: '101.61', baseAmount: '0.0999' },
      { purpose: 'rebuy', price: '98', baseAmount: '0.204', level: 1 },
      { purpose: 'rebuy', price: '95.06', baseAmount: '0.4207', level: 2 },
    ]);
  });

  it('after level 1 filled: the live level 2 kept, level 3 added (90.7823 → 90.78)', () => {
    const after: Position = { ...position, buys: 2 };
    const live = [slot({ purpose: 'rebuy', price: '95.06', baseAmount: '0.4207', level: 2 })];
    expect(restingDca(p, after, live, market).filter((o) => o.purpose === 'rebuy')).toEqual([
      { purpose: 'rebuy', price: '95.06', baseAmount: '0.4207', level: 2 },
      { purpose: 'rebuy', price: '90.78', baseAmount: '0.8812', level: 3 },
    ]);
  });

  it('a partly filled safety buy is wanted for what it still has to buy: left resting, not replaced', () => {
    const after: Position = { ...position, buys: 2 };
    const part = slot({ purpose: 'rebuy', price: '98', baseAmount: '0.204', level: 1 }, { applied: { base: '0.1', quote: '9.8', fees: [] } });
    const wanted = restingDca(p, after, [part], market).filter((o) => o.purpose === 'rebuy');
    expect(wanted[0]).toEqual({ purpose: 'rebuy', price: '98', baseAmount: '0.104', level: 1 });
    expect(isStale(part, wanted[0]!, market)).toBe(false);
    expect(wanted.map((o) => o.level)).toEqual([1, 2]); // level 1 counts once (buys − 1 already has it)
  });

  it('no level beyond maxRebuys, none beyond maxInvestedQuote, and none once a level rounds below the minimum notional', () => {
    // Each level buys 10: 10 + 9.996 (L1) + 9.99776 (L2) ≤ 30 < … + 9.99448 (L3).
    const capped = parseDcaOptions({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, rebuyOrders: 'limit', activeRebuys: 3, maxInvestedQuote: 30 });
    expect(restingDca(capped, position, [], market).map((o) => o.level)).toEqual([1, 2]);
    const tiny = parseDcaOptions({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, rebuyOrders: 'limit', activeRebuys: 3, rebuyVolumeScale: 0.45 });
    // L1 quote 4.5 < minNotional 5: the ladder ends there.
    expect(restingDca(tiny, position, [], market)).toEqual([]);
  });

  it('market modes rest nothing, and the decision never sells or rebuys at market in limit modes', () => {
    expect(restingDca(parseDcaOptions({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5 }), position, [], market)).toEqual([]);
  });
});
