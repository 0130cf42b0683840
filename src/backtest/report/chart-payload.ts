/**
 * What the report's charts draw, computed from the report data before the page is written (the
 * page's script only hands it to the charting library): candles, one marker per trade, lanes of
 * resting-order levels and of average prices, equity and drawdown. Chart times are in seconds.
 */
import type { BacktestReportData, BacktestTrade } from '../types';
import { candleIndexAt, packLanes, type LanePoint, type Segment } from './lanes';

/**
 * One marker on a price chart.
 * @internal
 */
export interface ChartMarker {
  readonly time: number;
  readonly position: 'aboveBar' | 'belowBar';
  readonly shape: 'arrowUp' | 'arrowDown' | 'circle' | 'square';
  readonly color: string;
  readonly text: string;
}

/**
 * The price chart of one symbol.
 * @internal
 */
export interface SymbolChart {
  readonly symbol: string;
  readonly candles: ReadonlyArray<{ time: number; open: number; high: number; low: number; close: number }>;
  readonly markers: readonly ChartMarker[];
  readonly restingTakeProfit: readonly LanePoint[][];
  readonly restingRebuy: readonly LanePoint[][];
  readonly avgPrice: readonly LanePoint[][];
}

/**
 * Everything the page's script draws.
 * @internal
 */
export interface ChartPayload {
  readonly symbols: readonly SymbolChart[];
  readonly equity: ReadonlyArray<{ time: number; value: number }>;
  readonly drawdown: ReadonlyArray<{ time: number; value: number }>;
}

/**
 * How each kind of trade is marked: shape, colour, place and letter.
 * @internal
 */
export const MARKER_STYLE: Readonly<Record<BacktestTrade['purpose'], Omit<ChartMarker, 'time'>>> = {
  start: { position: 'belowBar', shape: 'arrowUp', color: '#2962ff', text: 'S' },
  rebuy: { position: 'belowBar', shape: 'circle', color: '#ff9800', text: 'R' },
  takeProfit: { position: 'aboveBar', shape: 'arrowDown', color: '#00a152', text: 'TP' },
  exit: { position: 'aboveBar', shape: 'square', color: '#d50000', text: 'X' },
};

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Keeps the last point of each time, ascending (a chart series needs strictly increasing times). */
function byTime(points: ReadonlyArray<{ time: number; value: number }>): Array<{ time: number; value: number }> {
  const map = new Map<number, number>();
  for (const p of [...points].sort((a, b) => a.time - b.time)) map.set(p.time, p.value);
  return [...map].map(([time, value]) => ({ time, value }));
}

function symbolChart(data: BacktestReportData, symbol: string): SymbolChart {
  const candles = data.candles[symbol] ?? [];
  const timesMs = candles.map((c) => c.time);
  const times = timesMs.map(seconds);
  const at = (ms: number): number => candleIndexAt(timesMs, ms);
  const markers = data.trades
    .filter((t) => t.symbol === symbol && candles.length > 0)
    .map((t) => ({ time: times[at(t.time)]!, ...MARKER_STYLE[t.purpose] }))
    .sort((a, b) => a.time - b.time);
  const spans = (purpose: 'takeProfit' | 'rebuy'): Segment[] =>
    data.resting
      .filter((r) => r.symbol === symbol && r.purpose === purpose)
      .map((r) => ({ points: [{ index: at(r.from), value: Number(r.price) }, { index: at(r.to), value: Number(r.price) }] }));
  const lastMs = timesMs[timesMs.length - 1] ?? 0;
  const averages: Segment[] = data.cycles
    .filter((c) => c.symbol === symbol && c.avgPrice.length > 0)
    .map((c) => {
      const points = c.avgPrice.map(([t, p]) => ({ index: at(t), value: Number(p) }));
      return { points: [...points, { index: at(c.closedAt ?? lastMs), value: points[points.length - 1]!.value }] };
    });
  return {
    symbol,
    candles: candles.map((c) => ({ time: seconds(c.time), open: c.open, high: c.high, low: c.low, close: c.close })),
    markers,
    restingTakeProfit: candles.length === 0 ? [] : packLanes(spans('takeProfit'), times),
    restingRebuy: candles.length === 0 ? [] : packLanes(spans('rebuy'), times),
    avgPrice: candles.length === 0 ? [] : packLanes(averages, times),
  };
}

/**
 * The charts' data for a backtest report: one price chart per symbol with candles (symbols in the
 * order of `data.candles`), then equity and drawdown (drawn below zero).
 * @internal
 */
export function chartPayload(data: BacktestReportData): ChartPayload {
  return {
    symbols: Object.keys(data.candles).map((s) => symbolChart(data, s)),
    equity: byTime(data.equity.map((e) => ({ time: seconds(e.time), value: Number(e.equity) }))),
    drawdown: byTime(data.equity.map((e) => ({ time: seconds(e.time), value: -Number(e.drawdownPct) }))),
  };
}
