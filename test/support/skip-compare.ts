/**
 * One comparison for the tests of points passed without a tick (`test/backtest/skipped-points*`):
 * a backtest run with `tickEveryPoint: true` and without must give the same outcome and the
 * exchange the same orders and cancels (refused ones included).
 */
import { expect } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange } from 'cycle-engine';
import { backtest, replay, type BacktestOptions, type BacktestResult, type Candle } from 'cycle-engine/backtest';

/** What must not depend on skipped points: everything but the random ids. */
export function outcome(r: BacktestResult) {
  return {
    trades: r.trades.map(({ cycleId: _, ...t }) => t),
    cycles: r.cycles.map(({ cycleId: _, ...c }) => c),
    resting: r.resting,
    metrics: r.metrics,
    balances: r.balances,
    errors: r.errors.map((e) => e.message.replace(/ce-[\w-]+/g, 'ce-…')),
  };
}

/** Every order and cancel the exchange received, replayed the way `backtest()` does. */
export async function exchangeLog(o: BacktestOptions, tickEveryPoint: boolean, faults?: (exchange: PaperExchange) => void) {
  const candles: Record<string, readonly Candle[]> = o.markets ? Object.fromEntries(o.markets.map((m) => [m.symbol, m.candles])) : { [o.symbol!]: o.candles! };
  const symbols = Object.keys(candles);
  const clock = new ManualClock(candles[symbols[0]!]![0]!.time);
  const exchange = new PaperExchange({ balances: o.startBalance, feeRate: o.feeRate, clock, ...(o.marketRules ? { markets: o.marketRules } : {}) });
  faults?.(exchange);
  const engine = new CycleEngine({ ...o.engine, exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols, strategy: o.strategy!, clock });
  const result = await replay({ engine, strategy: o.strategy!, exchange, clock, candles, tickEveryPoint, ...(o.intrabar ? { intrabar: o.intrabar } : {}) });
  await engine.stop();
  const orders = exchange.orders.map((x) => ({ symbol: x.symbol, side: x.side, type: x.type, price: x.price, base: x.baseAmount, quote: x.quoteAmount, at: x.receivedAt, status: x.status, fill: x.fill && { ...x.fill, clientOrderId: '' }, refused: x.rejectReason?.replace(/ce-[\w-]+/g, 'ce-…') }));
  const cancels = exchange.cancels.map((x) => ({ symbol: x.symbol, at: x.receivedAt, outcome: x.outcome }));
  return { log: { orders, cancels }, skippedPoints: result.skippedPoints };
}

/** Both ways: the same outcome and the same exchange log; returns the skipping run's figures. */
export async function same(o: () => BacktestOptions) {
  const every = await backtest({ ...o(), tickEveryPoint: true });
  const skipping = await backtest(o());
  expect(outcome(skipping)).toEqual(outcome(every));
  const a = await exchangeLog(o(), true);
  const b = await exchangeLog(o(), false);
  expect(b.log).toEqual(a.log);
  return { every, skipping, log: b.log, skippedPoints: b.skippedPoints };
}

