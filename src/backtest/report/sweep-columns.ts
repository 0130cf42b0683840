/**
 * The sweep table's metric columns, which way each is better, and a metric's value as a sortable
 * number.
 */
import Decimal from 'decimal.js';
import type { BacktestMetrics } from '../types';

/**
 * The metric columns of a sweep table, in order, with short labels.
 * @internal
 */
export const SWEEP_METRIC_COLUMNS: ReadonlyArray<readonly [keyof BacktestMetrics, string]> = [
  ['realizedPnlQuote', 'PnL'],
  ['roiOnPeakCapitalPct', 'ROI peak %'],
  ['maxDrawdownPct', 'Max DD %'],
  ['maxDrawdownQuote', 'Max DD'],
  ['unrealizedPnlQuote', 'Unrealised'],
  ['peakCapitalQuote', 'Peak capital'],
  ['cyclesClosed', 'Cycles'],
  ['avgCycleMs', 'Avg cycle'],
  ['maxRebuysUsed', 'Max rebuys'],
  ['bagTimeMs', 'Bag time'],
];

/** Metrics where less is better; every other scalar metric is better when larger. */
const LOWER_IS_BETTER = new Set<keyof BacktestMetrics>(['maxDrawdownPct', 'maxDrawdownQuote', 'avgCycleMs', 'longestCycleMs', 'maxRebuysUsed', 'bagTimeMs', 'peakCapitalQuote']);

/**
 * True when a smaller value of `metric` is the better one (drawdowns, durations, capital tied up).
 * @internal
 */
export function lowerIsBetter(metric: keyof BacktestMetrics): boolean {
  return LOWER_IS_BETTER.has(metric);
}

/**
 * A metric's value as an exact decimal, or `undefined` for the maps (fees, exits).
 * @internal
 */
export function metricDecimal(metrics: BacktestMetrics, metric: keyof BacktestMetrics): Decimal | undefined {
  const v = metrics[metric];
  if (typeof v === 'number') return Number.isFinite(v) ? new Decimal(v) : undefined;
  if (typeof v === 'string') {
    try {
      return new Decimal(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Whether `a` is a better value of `metric` than `b` (an absent value is never better).
 * @internal
 */
export function isBetter(metric: keyof BacktestMetrics, a: Decimal | undefined, b: Decimal | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return lowerIsBetter(metric) ? a.lt(b) : a.gt(b);
}
