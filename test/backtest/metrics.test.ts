/**
 * computeMetrics and drawdowns (issue 12): the figures of a backtest from plain data, worked out
 * by hand in the tables.
 */
import { describe, expect, it } from 'vitest';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { computeMetrics, type MetricsInput } from '../../src/backtest/metrics';
import { EquityCurve } from '../../src/backtest/equity-curve';
import { fixedOf, toSmall } from '../../src/backtest/fixed';
import type { BacktestCycle, BacktestTrade } from 'cycle-engine/backtest';

const H = 3_600_000;
const cycle = (over: Partial<BacktestCycle>): BacktestCycle => ({
  symbol: 'ETH/USDT', cycleId: 'c', openedAt: 0, closedAt: null, endReason: null, buys: 1, investedQuote: '10', pnlQuote: '0', avgPrice: [[0, '100']], ...over,
});
const trade = (fees: Record<string, string>): BacktestTrade => ({
  time: 0, symbol: 'ETH/USDT', cycleId: 'c', purpose: 'start', side: 'buy', type: 'market', price: '100', baseAmount: '0.1', quoteAmount: '10', fees,
});
const base: MetricsInput = {
  realizedPnlQuote: '0', open: [], lastClose: { 'ETH/USDT': 100 }, sellFeeRate: '0.001', cycles: [], trades: [], equity: [], peakCapitalQuote: '0', maxRebuys: 3, endTime: 100 * H,
};

describe('EquityCurve', () => {
  it.each([
    { name: 'rising: none', equity: ['100', '110', '120'], expected: ['0', '0', '0'], max: { quote: '0', pct: '0' } },
    { name: 'a fall and a recovery', equity: ['100', '80', '90', '120', '60'], expected: ['0', '20', '10', '0', '50'], max: { quote: '60', pct: '50' } },
    { name: 'thirds, rounded to 8 places', equity: ['300', '200'], expected: ['0', '33.33333333'], max: { quote: '100', pct: '33.33333333' } },
    { name: 'a peak of 0: no %', equity: ['0', '0'], expected: ['0', '0'], max: { quote: '0', pct: '0' } },
    {
      name: 'the largest % and the largest fall in quote at different points; exact decimals',
      // 1000.1 → 900.09 (−100.01: 10 %), then 2000.0000001 → 1850.0000001 (−150: 7.49999999625 %, 7.5 to 8 places)
      equity: ['1000.1', '900.09', '2000.0000001', '1850.0000001'],
      expected: ['0', '10', '0', '7.5'],
      max: { quote: '150', pct: '10' },
    },
    {
      name: 'two falls a float cannot tell apart: the exact one wins',
      equity: ['1', '0.9000000000000000001', '0.9'],
      expected: ['0', '10', '10'],
      max: { quote: '0.1', pct: '10' },
    },
  ])('$name', ({ equity, expected, max }) => {
    // As bigints, and as safe integers in floats where they are (the backtest's fast path).
    for (const small of [false, true]) {
      const curve = new EquityCurve();
      equity.forEach((e, i) => curve.add(i, (small ? toSmall(fixedOf(e)) : null) ?? fixedOf(e)));
      expect(curve.points.map((p) => p.drawdownPct)).toEqual(expected);
      expect(curve.points.map((p) => p.equity)).toEqual(equity);
      expect(curve.maxDrawdown()).toEqual(max);
      // Without the points (a sweep): the same maximum falls.
      const bare = new EquityCurve({ points: false });
      equity.forEach((e, i) => bare.add(i, (small ? toSmall(fixedOf(e)) : null) ?? fixedOf(e)));
      expect(bare.points).toEqual([]);
      expect(bare.maxDrawdown()).toEqual(max);
    }
  });

  it('the float screen never changes the exact maximum falls (random walks against a Decimal oracle)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 ** 9 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 8 }), (units, scale) => {
        const curve = new EquityCurve();
        let peak: Decimal | null = null;
        let maxQuote = new Decimal(0);
        let maxPct = new Decimal(0);
        units.forEach((u, i) => {
          curve.add(i, { units: u, scale });
          const e = new Decimal(u).div(new Decimal(10).pow(scale));
          if (peak === null || e.gt(peak)) peak = e;
          else {
            const fall = peak.minus(e);
            if (fall.gt(maxQuote)) maxQuote = fall;
            const pct = fall.div(peak).mul(100);
            if (pct.gt(maxPct)) maxPct = pct;
          }
        });
        expect(curve.maxDrawdown()).toEqual({ quote: maxQuote.toFixed(), pct: maxPct.toDecimalPlaces(8).toFixed() });
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});

describe('computeMetrics', () => {
  it.each<{ name: string; input: Partial<MetricsInput>; expected: Partial<ReturnType<typeof computeMetrics>> }>([
    {
      name: 'nothing happened',
      input: {},
      expected: { realizedPnlQuote: '0', unrealizedPnlQuote: '0', roiOnPeakCapitalPct: '0', maxDrawdownPct: '0', maxDrawdownQuote: '0', cyclesClosed: 0, avgCycleMs: 0, longestCycleMs: 0, maxRebuysUsed: 0, bagTimeMs: 0, feesByCurrency: {}, exitsByReason: {}, peakCapitalQuote: '0' },
    },
    {
      name: 'ROI on the peak capital, not the start balance: 3 on 200 is 1.5 %',
      input: { realizedPnlQuote: '3', peakCapitalQuote: '200' },
      expected: { realizedPnlQuote: '3', roiOnPeakCapitalPct: '1.5', peakCapitalQuote: '200' },
    },
    {
      name: 'unrealised: 0.5 ETH at 100 less 0.1 % fee minus its cost 60 = −10.05',
      input: { open: [{ symbol: 'ETH/USDT', baseVolume: '0.5', investedQuote: '60' }] },
      expected: { unrealizedPnlQuote: '-10.05' },
    },
    {
      name: 'drawdown in quote and in %: the largest of each, at different points',
      // 1000 → 900 (−100, 10 %), then a new peak 2000 → 1850 (−150, 7.5 %)
      input: { equity: [['1000', '0'], ['900', '10'], ['2000', '0'], ['1850', '7.5']].map(([e, d], i) => ({ time: i, equity: e!, drawdownPct: d! })) },
      expected: { maxDrawdownQuote: '150', maxDrawdownPct: '10' },
    },
    {
      name: 'durations of closed cycles only; exits counted by reason, unknown reasons too',
      input: {
        cycles: [
          cycle({ cycleId: 'a', openedAt: 0, closedAt: 2 * H, endReason: 'takeProfit' }),
          cycle({ cycleId: 'b', openedAt: 3 * H, closedAt: 7 * H, endReason: 'stopLoss' }),
          cycle({ cycleId: 'c', openedAt: 8 * H, closedAt: 9 * H, endReason: 'takeProfit' }),
          cycle({ cycleId: 'd', openedAt: 10 * H, closedAt: null }),
        ],
      },
      expected: { cyclesClosed: 3, avgCycleMs: 8_400_000, longestCycleMs: 4 * H, exitsByReason: { takeProfit: 2, stopLoss: 1 } },
    },
    {
      name: 'bag time: from the buy that used the last of 3 rebuys to the close, or to the end for an open cycle',
      input: {
        cycles: [
          // 4 buys (start + 3 rebuys): bagged from 5 h to the close at 9 h = 4 h
          cycle({ cycleId: 'a', buys: 4, closedAt: 9 * H, endReason: 'takeProfit', avgPrice: [[0, '1'], [H, '1'], [2 * H, '1'], [5 * H, '1']] }),
          // 3 buys: never bagged
          cycle({ cycleId: 'b', buys: 3, closedAt: 20 * H, endReason: 'takeProfit', avgPrice: [[10 * H, '1'], [11 * H, '1'], [12 * H, '1']] }),
          // open at the end (100 h), bagged since 90 h: 10 h
          cycle({ cycleId: 'c', buys: 4, openedAt: 80 * H, avgPrice: [[80 * H, '1'], [81 * H, '1'], [82 * H, '1'], [90 * H, '1']] }),
        ],
      },
      expected: { bagTimeMs: 14 * H, maxRebuysUsed: 3, cyclesClosed: 2 },
    },
    {
      name: 'bag time is 0 when the strategy\'s max rebuys is unknown',
      input: { maxRebuys: null, cycles: [cycle({ buys: 4, avgPrice: [[0, '1'], [H, '1'], [2 * H, '1'], [5 * H, '1']] })] },
      expected: { bagTimeMs: 0, maxRebuysUsed: 3 },
    },
    {
      name: 'fees summed per currency, exactly',
      input: { trades: [trade({ ETH: '0.0001' }), trade({ USDT: '0.1' }), trade({ ETH: '0.0002', BNB: '0.3' }), trade({ USDT: '0.2' })] },
      expected: { feesByCurrency: { BNB: '0.3', ETH: '0.0003', USDT: '0.3' } },
    },
  ])('$name', ({ input, expected }) => {
    expect(computeMetrics({ ...base, ...input })).toMatchObject(expected);
  });
});
