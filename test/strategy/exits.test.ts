/**
 * Issue 11: the exit triggers as pure functions, with tables of exact decimal cases — stop loss
 * with and without a timeout, trailing take-profit arming / following the peak / retracing, the
 * time limit — and the memory written only when it changes.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { InvalidOptionsError, dca, type Position } from 'cycle-engine';
import { checkExits, readDcaMemory, type DcaMemory, type ExitParams } from '../../src/strategy/exits';
import { decideWithExits, parseDcaOptions } from '../../src/strategy/dca';

const OPENED = 1_000_000;
const position = (avgPrice = '100'): Position => ({
  startPrice: avgPrice, lastBuyPrice: avgPrice, avgPrice, baseVolume: '1', investedQuote: avgPrice, buys: 1, openedAt: OPENED,
});
const params = (over: Partial<ExitParams>): ExitParams => ({
  stopLossPct: null, stopLossTimeoutMs: 0, trailingTakeProfitPct: null, maxCycleMs: null, takeProfitPct: new Decimal(2), ...over,
});

describe('stop loss (avg 100, 12 %: the stop is exactly 88)', () => {
  const p = params({ stopLossPct: new Decimal(12) });
  it.each([
    [89, {}],
    [88.00000001, {}],
    [88, { exit: 'stopLoss' }],
    [87.99999999, { exit: 'stopLoss' }],
    [50, { exit: 'stopLoss' }],
  ])('price %s → %o', (price, verdict) => {
    expect(checkExits(p, position(), price, OPENED + 1, {})).toEqual(verdict);
  });

  it('an average price with many decimals is compared exactly: 97.123456789 × 0.88 = 85.46864197432', () => {
    const q = params({ stopLossPct: new Decimal(12) });
    expect(checkExits(q, position('97.123456789'), 85.46864197432, OPENED, {})).toEqual({ exit: 'stopLoss' });
    expect(checkExits(q, position('97.123456789'), 85.468641975, OPENED, {})).toEqual({});
  });
});

describe('stop loss with a timeout of 60 s', () => {
  const p = params({ stopLossPct: new Decimal(10), stopLossTimeoutMs: 60_000 });
  const t0 = OPENED + 5_000;
  it.each<[string, number, number, DcaMemory, object]>([
    ['first tick below: remembers since when, no exit', 89, t0, {}, { memory: { belowSince: t0 } }],
    ['still below, 59.999 s later: nothing to write', 85, t0 + 59_999, { belowSince: t0 }, {}],
    ['still below, 60 s later: exits', 85, t0 + 60_000, { belowSince: t0 }, { exit: 'stopLoss' }],
    ['back above before the timeout: forgets', 95, t0 + 30_000, { belowSince: t0 }, { memory: {} }],
    ['above and nothing remembered: nothing', 95, t0, {}, {}],
    ['exactly on the stop counts as below', 90, t0, {}, { memory: { belowSince: t0 } }],
  ])('%s', (_name, price, now, memory, verdict) => {
    expect(checkExits(p, position(), price, now, memory)).toEqual(verdict);
  });
});

describe('trailing take-profit (avg 100, take-profit 2 % arms at 102, trail 0.5 %)', () => {
  const p = params({ trailingTakeProfitPct: new Decimal('0.5') });
  it.each<[string, number, DcaMemory, object]>([
    ['below the arming price: nothing', 101.99, {}, {}],
    ['reaches 102: arms with the peak', 102, {}, { memory: { peak: '102' } }],
    ['a new high moves the peak up', 103.5, { peak: '102' }, { memory: { peak: '103.5' } }],
    ['a lower price above the exit level: nothing written', 103.2, { peak: '103.5' }, {}],
    ['103.5 × 0.995 = 102.9825: exits there', 102.9825, { peak: '103.5' }, { exit: 'trailingTakeProfit' }],
    ['a hair above the exit level: nothing', 102.9826, { peak: '103.5' }, {}],
    ['a gap far below the arming price, once armed: exits', 95, { peak: '102' }, { exit: 'trailingTakeProfit' }],
    ['the same peak again: nothing', 102, { peak: '102' }, {}],
  ])('%s', (_name, price, memory, verdict) => {
    expect(checkExits(p, position(), price, OPENED, memory)).toEqual(verdict);
  });

  it('a falling price writes no memory tick after tick', () => {
    let memory: DcaMemory = { peak: '110' };
    let writes = 0;
    for (let price = 109.99; price > 109.46; price -= 0.01) {
      const v = checkExits(p, position(), price, OPENED, memory);
      expect(v.exit).toBeUndefined();
      if (v.memory) {
        writes++;
        memory = v.memory;
      }
    }
    expect(writes).toBe(0);
  });
});

describe('time limit (7 days)', () => {
  const week = 7 * 24 * 3600_000;
  const p = params({ maxCycleMs: week, stopLossPct: new Decimal(50) });
  it.each([
    [OPENED + week - 1, {}],
    [OPENED + week, { exit: 'timeLimit' }],
    [OPENED + 2 * week, { exit: 'timeLimit' }],
  ])('at %s → %o', (now, verdict) => {
    expect(checkExits(p, position(), 100, now, {})).toEqual(verdict);
  });
  it('comes first: a cycle past its time limit and below its stop exits for its time limit', () => {
    expect(checkExits(p, position(), 10, OPENED + week, {})).toEqual({ exit: 'timeLimit' });
  });
});

describe("the strategy's memory as read back", () => {
  it.each([
    [null, {}],
    ['text', {}],
    [[1, 2], {}],
    [{ belowSince: 5, peak: '101.5' }, { belowSince: 5, peak: '101.5' }],
    [{ belowSince: 'x', peak: -3 }, {}],
    [{ peak: '-1' }, {}],
  ])('%j → %j', (memory, read) => {
    expect(readDcaMemory(memory as never)).toEqual(read);
  });
});

describe('dca() with exits', () => {
  const base = { startQuote: 10, rebuyDropPct: 2, maxRebuys: 2, takeProfitPct: 2 } as const;
  it.each([
    [{ trailingTakeProfitPct: 0.4, takeProfitOrder: 'limit' }, /a resting LIMIT sell cannot trail/],
    [{ stopLossPct: 0 }, /strategy.stopLossPct/],
    [{ stopLossPct: 100 }, /below 100/],
    [{ stopLossTimeoutMs: 1000 }, /needs stopLossPct/],
    [{ stopLossPct: 5, stopLossTimeoutMs: -1 }, /stopLossTimeoutMs/],
    [{ maxCycleMs: 0 }, /maxCycleMs/],
    [{ trailingTakeProfitPct: 'abc' }, /trailingTakeProfitPct/],
    [{ trailingTakeProfitPct: 2 }, /must be below takeProfitPct \(2\)/],
  ])('refuses %j', (over, message) => {
    expect(() => dca({ ...base, ...over } as never)).toThrow(InvalidOptionsError);
    expect(() => dca({ ...base, ...over } as never)).toThrow(message);
  });

  it('with a trailing take-profit, reaching the take-profit arms (remember) instead of selling', () => {
    const p = parseDcaOptions({ ...base, trailingTakeProfitPct: 0.5 });
    const ctx = { symbol: 'ETH/USDT', price: 102.5, position: position(), market: {} as never, now: OPENED, memory: null };
    expect(decideWithExits(p, ctx)).toEqual({ action: 'remember', memory: { peak: '102.5' } });
    const plain = parseDcaOptions(base);
    expect(decideWithExits(plain, ctx)).toEqual({ action: 'sell' });
  });

  it('a rebuy that is due carries the stop-loss memory in the same decision', () => {
    const p = parseDcaOptions({ ...base, stopLossPct: 1, stopLossTimeoutMs: 10_000 });
    const ctx = { symbol: 'ETH/USDT', price: 97, position: position(), market: {} as never, now: OPENED + 1, memory: null };
    expect(decideWithExits(p, ctx)).toEqual({ action: 'rebuy', quoteAmount: '10', memory: { belowSince: OPENED + 1 } });
  });

  it('options are reported back as decimal strings', () => {
    const s = dca({ ...base, stopLossPct: '12', stopLossTimeoutMs: 60_000, trailingTakeProfitPct: 0.4, maxCycleMs: 1000 });
    expect(s.options).toMatchObject({ stopLossPct: '12', stopLossTimeoutMs: 60_000, trailingTakeProfitPct: '0.4', maxCycleMs: 1000 });
  });
});
