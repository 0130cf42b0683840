/**
 * A sweep's grid and ranking: every combination of the swept `dca()` options, and the rows
 * sorted by a metric. Pure.
 */
import { Decimal } from '../decimal';
import { InvalidOptionsError } from '../errors';
import type { BacktestMetrics, SweepRow } from './types';

/**
 * A value a grid may sweep: plain data, so it can go to a worker thread.
 * @public
 */
export type SweepValue = number | string | boolean;

/**
 * Every combination of the grid's values, the first key varying slowest
 * (`{ a: [1, 2], b: [3, 4] }` gives a1b3, a1b4, a2b3, a2b4).
 * @throws {@link InvalidOptionsError} for an empty grid, a key without values, or a value that is
 * not a number, string or boolean
 * @internal
 */
export function expandGrid(grid: Readonly<Record<string, readonly SweepValue[]>>): Array<Record<string, SweepValue>> {
  if (typeof grid !== 'object' || grid === null) throw new InvalidOptionsError('grid', 'expected e.g. { takeProfitPct: [1, 1.5, 2] }');
  const keys = Object.keys(grid);
  if (keys.length === 0) throw new InvalidOptionsError('grid', 'expected at least one option to sweep');
  for (const k of keys) {
    const values = grid[k];
    if (!Array.isArray(values) || values.length === 0) throw new InvalidOptionsError(`grid.${k}`, 'expected a non-empty array of values');
    for (const v of values) {
      if (!['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
        throw new InvalidOptionsError(`grid.${k}`, `expected numbers, strings or booleans, got ${JSON.stringify(v) ?? String(v)}`);
      }
    }
  }
  let combos: Array<Record<string, SweepValue>> = [{}];
  for (const k of keys) combos = combos.flatMap((c) => grid[k]!.map((v) => ({ ...c, [k]: v })));
  return combos;
}

/**
 * Metrics a sweep can rank by, and whether lower is better.
 * @internal
 */
export const RANKABLE: Readonly<Partial<Record<keyof BacktestMetrics, 'asc' | 'desc'>>> = {
  realizedPnlQuote: 'desc',
  unrealizedPnlQuote: 'desc',
  roiOnPeakCapitalPct: 'desc',
  cyclesClosed: 'desc',
  maxDrawdownPct: 'asc',
  maxDrawdownQuote: 'asc',
  avgCycleMs: 'asc',
  longestCycleMs: 'asc',
  maxRebuysUsed: 'asc',
  bagTimeMs: 'asc',
  peakCapitalQuote: 'asc',
};

/**
 * The rows sorted by `rankBy`, best first: highest for gains and counts, lowest for drawdowns,
 * durations, bag time and capital. Ties keep the grid's order.
 * @throws {@link InvalidOptionsError} for a metric that is not a single figure
 * @internal
 */
export function rankRows(rows: readonly SweepRow[], rankBy: keyof BacktestMetrics): SweepRow[] {
  const order = RANKABLE[rankBy];
  if (order === undefined) throw new InvalidOptionsError('rankBy', `expected one of ${Object.keys(RANKABLE).join(', ')}, got ${JSON.stringify(rankBy)}`);
  const value = (r: SweepRow) => new Decimal(r.metrics[rankBy] as string | number);
  const keyed = rows.map((r, i) => ({ r, i, v: value(r) }));
  keyed.sort((a, b) => (order === 'desc' ? b.v.cmp(a.v) : a.v.cmp(b.v)) || a.i - b.i);
  return keyed.map((k) => k.r);
}
