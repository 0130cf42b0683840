/**
 * What `inspect` makes of records: schema-1 records upgraded, flags shown, and a portfolio record
 * (`kind: 'portfolio'`) printed as reservations, never as a cycle.
 */
import { describe, expect, it } from 'vitest';
import type { CycleRecord, StoredRecord } from 'cycle-engine';
import { inspectLines, inspectView } from '../../src/cli/inspect-view';

const active: CycleRecord = {
  schema: 2, symbol: 'ETH/USDT', phase: 'active', cycleId: 'c1',
  orders: [{ intentId: 'i1', clientOrderId: 'ce-x-1', purpose: 'exit', type: 'market', side: 'sell', baseAmount: '0.5', createdAt: 5, owner: 'e1', state: 'unknown', applied: { base: '0', quote: '0', fees: [] }, checkedAt: null, problem: { reason: 'TIMEOUT', message: 'no answer', at: 6 } }],
  position: { startPrice: '2000', lastBuyPrice: '1900', avgPrice: '1950', baseVolume: '0.5', investedQuote: '975', buys: 2, openedAt: 1 },
  retryAt: null, rejections: 0, closedCycles: 3, realizedPnlQuote: '4.5', dust: null, recent: [], orphans: [],
  halted: { reason: 'POSITION_MISMATCH', heldPerRecord: '0.5', heldPerVenue: '0.4', at: 7 },
  exiting: { reason: 'stopLoss', at: 5, price: '1800' }, paused: true, updatedAt: 8,
};
const v1 = { schema: 1, symbol: 'BTC/USDT', phase: 'idle', cycleId: null, order: null, position: null, retryAt: 100, rejections: 2, closedCycles: 0, realizedPnlQuote: '0', dust: null, recent: [], orphans: [], updatedAt: 9 };
const portfolio = {
  kind: 'portfolio',
  reservations: [{ key: 'ETH/USDT', symbol: 'ETH/USDT', cycleId: 'c1', intentId: 'i9', quote: '25.5', at: Date.UTC(2026, 0, 2), owner: 'engine-a' }],
};
const records = [
  { key: 'ETH/USDT', version: 4, value: active },
  { key: '__portfolio', version: 2, value: portfolio },
  { key: 'BTC/USDT', version: 1, value: v1 },
] as unknown as StoredRecord[];

describe('inspect view', () => {
  const view = inspectView('here', records);
  it('cycles by key, schema 1 upgraded; the portfolio record apart', () => {
    expect(view.cycles.map((c) => [c.key, c.phase, c.orders.length])).toEqual([
      ['BTC/USDT', 'idle', 0],
      ['ETH/USDT', 'active', 1],
    ]);
    expect(view.portfolios).toEqual([{ key: '__portfolio', version: 2, reservations: portfolio.reservations }]);
  });
  it('lines: flags, the order with its problem, the backoff, the reservations', () => {
    const text = inspectLines(view).join('\n');
    expect(text).toContain('phase: active  cycle: c1  HALTED (POSITION_MISMATCH: record holds 0.5, venue 0.4), EXITING (stopLoss since 1970-01-01T00:00:00.005Z), PAUSED');
    expect(text).toContain('exit market sell 0.5 base  unknown  client ce-x-1 — TIMEOUT: no answer');
    expect(text).toContain('no new start before 1970-01-01T00:00:00.100Z (2 rejection(s) in a row)');
    expect(text).toContain('portfolio reservations [key __portfolio, version 2]: 1');
    expect(text).toContain('ETH/USDT cycle c1 intent i9: 25.5 quote, at 2026-01-02T00:00:00.000Z, owner engine-a, key ETH/USDT');
    expect(text).toContain('2 cycle record(s)');
  });
});
