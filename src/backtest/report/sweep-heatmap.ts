/**
 * The heat map of a sweep: two parameters on the axes, each cell the best value of the ranking
 * metric among the combinations with those two values (the other parameters vary inside a cell).
 */
import type Decimal from 'decimal.js';
import type { BacktestMetrics, SweepRow } from '../types';
import { isBetter, lowerIsBetter, metricDecimal } from './sweep-columns';

type Param = number | string | boolean;

/**
 * One cell of the heat map: its best value (as text) and its shade from 0 (worst) to 1 (best),
 * or `null` when no combination has these two values.
 * @internal
 */
export interface HeatCell {
  readonly x: Param;
  readonly y: Param;
  readonly value: string | null;
  readonly shade: number | null;
  /** Combinations that fell in this cell. */
  readonly count: number;
}

/**
 * The heat map's axes and cells (rows of `cells` follow `ys`, columns follow `xs`).
 * @internal
 */
export interface HeatMap {
  readonly x: string;
  readonly y: string;
  readonly xs: readonly Param[];
  readonly ys: readonly Param[];
  readonly cells: readonly HeatCell[][];
}

function axisValues(rows: readonly SweepRow[], key: string): Param[] {
  const seen = new Map<string, Param>();
  for (const r of rows) {
    const v = r.params[key];
    if (v !== undefined) seen.set(JSON.stringify(v), v);
  }
  const values = [...seen.values()];
  return values.every((v) => typeof v === 'number') ? (values as number[]).sort((a, b) => a - b) : values.sort((a, b) => String(a).localeCompare(String(b)));
}

/**
 * The heat map of parameters `x` and `y` shaded by `metric` (best value per cell; shades spread
 * linearly between the worst and best cells, best = 1 whichever way the metric is better).
 * @internal
 */
export function heatMap(rows: readonly SweepRow[], x: string, y: string, metric: keyof BacktestMetrics): HeatMap {
  const xs = axisValues(rows, x);
  const ys = axisValues(rows, y);
  const best = new Map<string, { value: Decimal | undefined; count: number }>();
  const keyOf = (a: Param, b: Param): string => JSON.stringify([a, b]);
  for (const r of rows) {
    const a = r.params[x];
    const b = r.params[y];
    if (a === undefined || b === undefined) continue;
    const value = metricDecimal(r.metrics, metric);
    const cell = best.get(keyOf(a, b));
    if (cell === undefined) best.set(keyOf(a, b), { value, count: 1 });
    else best.set(keyOf(a, b), { value: isBetter(metric, value, cell.value) ? value : cell.value, count: cell.count + 1 });
  }
  const values = [...best.values()].flatMap((c) => (c.value === undefined ? [] : [c.value]));
  const lo = values.reduce<Decimal | undefined>((m, v) => (m === undefined || v.lt(m) ? v : m), undefined);
  const hi = values.reduce<Decimal | undefined>((m, v) => (m === undefined || v.gt(m) ? v : m), undefined);
  const shadeOf = (v: Decimal): number => {
    if (lo === undefined || hi === undefined || hi.eq(lo)) return 1;
    const t = v.minus(lo).div(hi.minus(lo)).toNumber();
    return lowerIsBetter(metric) ? 1 - t : t;
  };
  const cells = ys.map((b) =>
    xs.map((a): HeatCell => {
      const cell = best.get(keyOf(a, b));
      if (cell === undefined) return { x: a, y: b, value: null, shade: null, count: 0 };
      return { x: a, y: b, value: cell.value?.toString() ?? null, shade: cell.value === undefined ? null : shadeOf(cell.value), count: cell.count };
    }),
  );
  return { x, y, xs, ys, cells };
}
