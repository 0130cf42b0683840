/**
 * Hand-made report data for the report tests: a few hundred real candles from
 * data/eth-usdt-1h.json and a simple, deterministic walk of DCA cycles over them (start at a
 * close, rebuy 2 % under the last buy, take profit 1.5 % over the average, and an exit at the
 * end). It is not the engine and not a backtest: only plausible data of the report's shape.
 */
import { readFileSync } from 'node:fs';
import Decimal from 'decimal.js';
import type { BacktestCycle, BacktestReportData, BacktestTrade, Candle, EquityPoint, RestingSpan, SweepReportData, SweepRow } from '../../src/backtest/types';

const DATA = new URL('../../data/eth-usdt-1h.json', import.meta.url);

/** `count` hourly ETH/USDT candles from `offset`. */
export function ethCandles(count: number, offset = 0): Candle[] {
  const rows = JSON.parse(readFileSync(DATA, 'utf8')) as number[][];
  return rows.slice(offset, offset + count).map(([time, open, high, low, close, volume]) => ({ time: time!, open: open!, high: high!, low: low!, close: close!, volume: volume! }));
}

interface Open {
  id: string;
  openedAt: number;
  base: Decimal;
  invested: Decimal;
  lastBuy: Decimal;
  buys: number;
  avg: Array<[number, string]>;
  tpFrom: number;
  rebuyFrom: number;
}

/** Report data of the hand-made walk over `candles` (symbol ETH/USDT, 20 USDT per buy, fee 0.1 %). */
export function reportFixture(candles: readonly Candle[], title = 'ETH/USDT fixture'): BacktestReportData {
  const symbol = 'ETH/USDT';
  const trades: BacktestTrade[] = [];
  const resting: RestingSpan[] = [];
  const cycles: BacktestCycle[] = [];
  const equity: EquityPoint[] = [];
  let quote = new Decimal(1000);
  let fees = new Decimal(0);
  let peak = new Decimal(1000);
  let open: Open | undefined;
  const trade = (time: number, purpose: BacktestTrade['purpose'], price: Decimal, base: Decimal): void => {
    const q = price.times(base);
    const fee = q.times('0.001');
    fees = fees.plus(fee);
    trades.push({ time, symbol, cycleId: open!.id, purpose, side: purpose === 'start' || purpose === 'rebuy' ? 'buy' : 'sell', type: purpose === 'takeProfit' || purpose === 'rebuy' ? 'limit' : 'market', price: price.toString(), baseAmount: base.toString(), quoteAmount: q.toFixed(8), fees: { USDT: fee.toFixed(8) } });
  };
  const buy = (time: number, purpose: 'start' | 'rebuy', price: Decimal): void => {
    const base = new Decimal(20).div(price).toDecimalPlaces(6);
    trade(time, purpose, price, base);
    open!.base = open!.base.plus(base);
    open!.invested = open!.invested.plus(price.times(base));
    open!.lastBuy = price;
    open!.buys += 1;
    open!.avg.push([time, open!.invested.div(open!.base).toDecimalPlaces(2).toString()]);
    quote = quote.minus(price.times(base).times('1.001'));
  };
  const close = (time: number, purpose: 'takeProfit' | 'exit', price: Decimal): void => {
    trade(time, purpose, price, open!.base);
    const proceeds = price.times(open!.base).times('0.999');
    quote = quote.plus(proceeds);
    const tp = open!.invested.div(open!.base).times('1.015').toDecimalPlaces(2);
    resting.push({ symbol, purpose: 'takeProfit', side: 'sell', price: tp.toString(), from: open!.tpFrom, to: time });
    if (open!.buys < 4) resting.push({ symbol, purpose: 'rebuy', side: 'buy', price: open!.lastBuy.times('0.98').toDecimalPlaces(2).toString(), from: open!.rebuyFrom, to: time });
    cycles.push({ symbol, cycleId: open!.id, openedAt: open!.openedAt, closedAt: time, endReason: purpose === 'exit' ? 'manual' : 'takeProfit', buys: open!.buys, investedQuote: open!.invested.toFixed(8), pnlQuote: proceeds.minus(open!.invested).toFixed(8), avgPrice: open!.avg });
    open = undefined;
  };
  candles.forEach((c, i) => {
    const end = c.time + 3_600_000;
    if (open === undefined && i < candles.length - 1) {
      open = { id: `c${cycles.length + 1}`, openedAt: c.time, base: new Decimal(0), invested: new Decimal(0), lastBuy: new Decimal(0), buys: 0, avg: [], tpFrom: c.time, rebuyFrom: c.time };
      buy(c.time, 'start', new Decimal(c.open));
    } else if (open !== undefined) {
      const level = open.lastBuy.times('0.98').toDecimalPlaces(2);
      const tp = open.invested.div(open.base).times('1.015').toDecimalPlaces(2);
      if (open.buys < 4 && new Decimal(c.low).lte(level)) {
        resting.push({ symbol, purpose: 'rebuy', side: 'buy', price: level.toString(), from: open.rebuyFrom, to: c.time });
        resting.push({ symbol, purpose: 'takeProfit', side: 'sell', price: tp.toString(), from: open.tpFrom, to: c.time });
        buy(c.time, 'rebuy', level);
        open.tpFrom = c.time;
        open.rebuyFrom = c.time;
      } else if (new Decimal(c.high).gte(tp)) close(c.time, 'takeProfit', tp);
      else if (i === candles.length - 1) close(c.time, 'exit', new Decimal(c.close));
    }
    const eq = quote.plus(open === undefined ? 0 : open.base.times(c.close));
    if (eq.gt(peak)) peak = eq;
    equity.push({ time: end, equity: eq.toFixed(8), drawdownPct: peak.minus(eq).div(peak).times(100).toFixed(4) });
  });
  const closed = cycles.filter((c) => c.endReason === 'takeProfit').length;
  return {
    title,
    settings: { symbol, takeProfitPct: 1.5, rebuyDropPct: 2, maxRebuys: 3, startQuote: '20', feeRate: '0.001' },
    candles: { [symbol]: [...candles] },
    trades,
    resting,
    cycles,
    equity,
    metrics: {
      realizedPnlQuote: cycles.reduce((s, c) => s.plus(c.pnlQuote), new Decimal(0)).toFixed(8),
      unrealizedPnlQuote: '0',
      roiOnPeakCapitalPct: '1.23',
      maxDrawdownPct: equity.reduce((m, e) => Decimal.max(m, e.drawdownPct), new Decimal(0)).toString(),
      maxDrawdownQuote: '4.5',
      cyclesClosed: closed,
      avgCycleMs: 9 * 3_600_000,
      longestCycleMs: 40 * 3_600_000,
      maxRebuysUsed: Math.max(0, ...cycles.map((c) => c.buys - 1)),
      bagTimeMs: 3 * 3_600_000,
      feesByCurrency: { USDT: fees.toFixed(8) },
      exitsByReason: { takeProfit: closed, manual: cycles.length - closed },
      peakCapitalQuote: '80',
    },
  };
}

/** A 3 × 3 sweep (take-profit × rebuy drop) with made-up figures: PnL grows with both parameters but for the corner. */
export function sweepFixture(): SweepReportData {
  const base = reportFixture(ethCandles(50)).metrics;
  const rows: SweepRow[] = [];
  for (const tp of [1, 1.5, 2]) {
    for (const drop of [1, 2, 3]) {
      const pnl = tp === 2 && drop === 3 ? -5 : tp * 10 + drop;
      rows.push({ params: { takeProfitPct: tp, rebuyDropPct: drop }, metrics: { ...base, realizedPnlQuote: String(pnl), maxDrawdownPct: String(drop * 1.5) } });
    }
  }
  rows.sort((a, b) => Number(b.metrics.realizedPnlQuote) - Number(a.metrics.realizedPnlQuote));
  return { title: 'Sweep fixture', rankBy: 'realizedPnlQuote', rows };
}
