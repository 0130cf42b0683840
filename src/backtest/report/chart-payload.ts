/**
 * What the report's charts draw, computed from the report data before the page is written (the
 * page's script only hands it to the charting library): candles, one marker per trade, lanes of
 * resting-order levels and of average prices, equity and drawdown. Chart times are in seconds.
 */
import type { BacktestReportData, BacktestTrade, Candle } from '../types';
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
  /** Decimals of the price axis: those of the candles (8 for ETH/BTC), at least 2. */
  readonly precision: number;
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
  /** Candles per bar: 1, or more when the series is longer than {@link MAX_BARS} (merged for drawing). */
  readonly barCandles: number;
  readonly symbols: readonly SymbolChart[];
  /** Decimals of the equity axis: enough to show its range (at least 2). */
  readonly equityPrecision: number;
  /** Decimals of the drawdown axis, likewise. */
  readonly drawdownPrecision: number;
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

/**
 * Most bars a chart draws. A longer series (a year of minutes is half a million candles, a page of
 * about 100 MB) is drawn with each bar merging `ceil(n / MAX_BARS)` candles: first open, highest
 * high, lowest low, last close; markers and levels land on the bar holding their time; equity is
 * the last of each bar and drawdown its deepest. The tables and metrics keep every candle.
 * @internal
 */
export const MAX_BARS = 10_000;

/** Decimals of the shortest form of `x` (`0.08939998` has 8). */
function decimalsOf(x: number): number {
  const t = String(x);
  const e = t.indexOf('e-');
  if (e !== -1) return Number(t.slice(e + 2)) + Math.max(0, t.indexOf('.') === -1 ? 0 : e - t.indexOf('.') - 1);
  const dot = t.indexOf('.');
  return dot === -1 ? 0 : t.length - dot - 1;
}

/** Decimals of a price axis: the most any of the first candles' prices has, from 2 to 10. */
function pricePrecision(candles: readonly Candle[]): number {
  let d = 2;
  for (const c of candles.slice(0, 1_000)) d = Math.max(d, decimalsOf(c.open), decimalsOf(c.high), decimalsOf(c.low), decimalsOf(c.close));
  return Math.min(d, 10);
}

/** Decimals of the equity axis: two significant digits of its range, from 2 to 10. */
function equityPrecision(values: readonly number[]): number {
  if (values.length === 0) return 2;
  let lo = values[0]!;
  let hi = lo;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  return range > 0 ? Math.min(10, Math.max(2, Math.ceil(-Math.log10(range)) + 2)) : 2;
}

/** Candles merged into bars of `k` (see {@link MAX_BARS}). */
function mergeCandles(candles: readonly Candle[], k: number): readonly Candle[] {
  if (k <= 1) return candles;
  const out: Candle[] = [];
  for (let i = 0; i < candles.length; i += k) {
    const end = Math.min(i + k, candles.length);
    let high = candles[i]!.high;
    let low = candles[i]!.low;
    let volume = 0;
    for (let j = i; j < end; j++) {
      const c = candles[j]!;
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
      volume += c.volume;
    }
    out.push({ time: candles[i]!.time, open: candles[i]!.open, high, low, close: candles[end - 1]!.close, volume });
  }
  return out;
}

/** Keeps the last point of each time, ascending (a chart series needs strictly increasing times). */
function byTime(points: ReadonlyArray<{ time: number; value: number }>): Array<{ time: number; value: number }> {
  const map = new Map<number, number>();
  for (const p of [...points].sort((a, b) => a.time - b.time)) map.set(p.time, p.value);
  return [...map].map(([time, value]) => ({ time, value }));
}

function symbolChart(data: BacktestReportData, symbol: string, k: number): SymbolChart {
  const candles = mergeCandles(data.candles[symbol] ?? [], k);
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
    precision: pricePrecision(candles),
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
  const longest = Math.max(0, ...Object.values(data.candles).map((c) => c.length));
  const k = longest <= MAX_BARS ? 1 : Math.ceil(longest / MAX_BARS);
  const equity = data.equity.map((e) => ({ time: seconds(e.time), value: Number(e.equity) }));
  const drawdown = data.equity.map((e) => ({ time: seconds(e.time), value: -Number(e.drawdownPct) }));
  const precision = equityPrecision(equity.map((e) => e.value));
  const ddPrecision = equityPrecision(drawdown.map((e) => e.value));
  if (k === 1) return { barCandles: 1, symbols: Object.keys(data.candles).map((s) => symbolChart(data, s, 1)), equityPrecision: precision, drawdownPrecision: ddPrecision, equity: byTime(equity), drawdown: byTime(drawdown) };
  // Equity and drawdown on the bars' times: the last equity of each bar, its deepest drawdown.
  const first = Object.values(data.candles).find((c) => c.length === longest)!;
  const barTimes = mergeCandles(first, k).map((c) => seconds(c.time));
  const onBars = (points: ReadonlyArray<{ time: number; value: number }>, keep: (kept: number, next: number) => number) => {
    const out = new Map<number, number>();
    for (const p of [...points].sort((a, b) => a.time - b.time)) {
      const t = barTimes[candleIndexAt(barTimes, p.time)]!;
      const kept = out.get(t);
      out.set(t, kept === undefined ? p.value : keep(kept, p.value));
    }
    return [...out].map(([time, value]) => ({ time, value }));
  };
  return {
    barCandles: k,
    symbols: Object.keys(data.candles).map((s) => symbolChart(data, s, k)),
    equityPrecision: precision,
    drawdownPrecision: ddPrecision,
    equity: onBars(equity, (_, next) => next),
    drawdown: onBars(drawdown, Math.min),
  };
}
