/**
 * One combination of a sweep: `dca()` with the base options and the combination's, backtested.
 * Runs in a worker thread (see `sweep-worker.ts`) or, with `workers: 0`, in the caller's.
 */
import type { DcaOptions } from '../strategy/dca';
import { dca } from '../strategy/dca';
import { runBacktest } from './backtest';
import type { BacktestOptions } from './backtest-options';
import type { SweepValue } from './sweep-grid';
import type { BacktestMetrics, Candle } from './types';

/**
 * What every combination shares: plain data (a worker receives it once, as `workerData`).
 * @internal
 */
export interface SweepSetup {
  readonly symbol: string;
  readonly candles: readonly Candle[];
  readonly base: Partial<DcaOptions>;
  readonly backtest: Omit<BacktestOptions, 'symbol' | 'candles' | 'markets' | 'strategy' | 'onCandle'>;
}

/**
 * Backtests one combination and returns its metrics.
 * @throws whatever `dca()` or `backtest()` throws (an invalid combination)
 * @internal
 */
export async function runCombination(setup: SweepSetup, params: Readonly<Record<string, SweepValue>>): Promise<BacktestMetrics> {
  const strategy = dca({ ...setup.base, ...params } as DcaOptions);
  const result = await runBacktest({ ...setup.backtest, symbol: setup.symbol, candles: setup.candles, strategy }, false); // the metrics only
  if (result.errors.length > 0) throw result.errors[0];
  return result.metrics;
}
