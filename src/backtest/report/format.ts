/**
 * How the report writes times, durations, fee maps and metric values for people.
 */
import type { BacktestMetrics } from '../types';

/**
 * A Unix-ms time as `YYYY-MM-DD HH:MM` UTC.
 * @internal
 */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * A duration in ms as days, hours and minutes (`3d 4h`, `5h 12m`, `40m`).
 * @internal
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0m';
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}

/**
 * A map of counts or amounts as `key value, key value` (`—` when empty).
 * @internal
 */
export function formatMap(map: Readonly<Record<string, string | number | undefined>>): string {
  const parts = Object.entries(map)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${String(v)}`);
  return parts.length === 0 ? '—' : parts.join(', ');
}

/** Durations among the metrics (shown as `3d 4h`). */
const DURATIONS = new Set<keyof BacktestMetrics>(['avgCycleMs', 'longestCycleMs', 'bagTimeMs']);

/**
 * One metric's value for the tables.
 * @internal
 */
export function formatMetric(key: keyof BacktestMetrics, metrics: BacktestMetrics): string {
  const value = metrics[key];
  if (DURATIONS.has(key)) return formatDuration(value as number);
  if (typeof value === 'object' && value !== null) return formatMap(value as Record<string, string | number>);
  return String(value);
}

/**
 * The metrics in the order the report lists them, with their labels.
 * @internal
 */
export const METRIC_LABELS: ReadonlyArray<readonly [keyof BacktestMetrics, string]> = [
  ['realizedPnlQuote', 'Realised PnL (quote)'],
  ['unrealizedPnlQuote', 'Unrealised PnL at the end (quote)'],
  ['roiOnPeakCapitalPct', 'ROI on peak capital used (%)'],
  ['peakCapitalQuote', 'Peak capital used (quote)'],
  ['maxDrawdownPct', 'Max drawdown (%)'],
  ['maxDrawdownQuote', 'Max drawdown (quote)'],
  ['cyclesClosed', 'Cycles closed'],
  ['avgCycleMs', 'Average cycle duration'],
  ['longestCycleMs', 'Longest cycle'],
  ['maxRebuysUsed', 'Max rebuys used'],
  ['bagTimeMs', 'Time with every rebuy used (bag time)'],
  ['feesByCurrency', 'Fees paid'],
  ['exitsByReason', 'Cycles ended, by reason'],
];
