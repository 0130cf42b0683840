/**
 * Small helpers of the bench: timing, percentiles and the result table.
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile (p in 0…100) of numbers; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median (nearest rank, lower middle). */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Milliseconds an async function takes (wall clock, `performance.now()`). */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One line of the result table. */
export interface Row {
  /** What was measured. */
  readonly name: string;
  /** The figure, in `unit`; NaN when it could not be measured. */
  readonly value: number;
  /** Unit of value and target. */
  readonly unit: 'ms' | 's' | '×' | 'req';
  /** The target (an upper bound), or null for a baseline / context figure. */
  readonly target: number | null;
  /** Short remark (sample size, what the baseline is). */
  readonly note?: string;
}

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value !== 0 && Math.abs(value) < 0.001) return `${value.toExponential(2)} ${unit}`; // tiny figures keep their digits
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** Renders rows as an aligned plain-text table. */
export function table(rows: readonly Row[]): string {
  const head = ['benchmark', 'value', 'target', 'ratio', 'ok', 'note'];
  const body = rows.map((r) => {
    const ratio = r.target === null || !Number.isFinite(r.value) ? null : r.value / r.target;
    return [
      r.name,
      fmt(r.value, r.unit),
      r.target === null ? '-' : `≤ ${fmt(r.target, r.unit)}`,
      ratio === null ? '-' : `${ratio.toFixed(2)}×`,
      ratio === null ? (Number.isFinite(r.value) ? '-' : 'n/a') : ratio <= 1 ? 'ok' : 'OVER',
      r.note ?? '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const right = new Set([1, 2, 3]);
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w, i) => (i === widths.length - 1 ? '-'.repeat(Math.max(4, w)) : '-'.repeat(w)))), ...body.map(line)].join('\n');
}
