/**
 * `cycle-engine/backtest`: replays historical candles through the real engine, on a paper
 * exchange and a manual clock, and reports what the settings would have done.
 *
 * @packageDocumentation
 */
export type {
  Candle,
  CycleEndReason,
  BacktestTrade,
  RestingSpan,
  BacktestRefusal,
  BacktestCycle,
  EquityPoint,
  BacktestMetrics,
  BacktestReportData,
  SweepRow,
  SweepReportData,
} from './types';
export { loadCandles } from './load-candles';
export type { OhlcvSource, ExchangeCandleOptions } from './fetch-candles';
export { replay, DEFAULT_SLIPPAGE_PCT } from './replay';
export type { ReplayOptions, ReplayResult, IntrabarMode, PriceFeed } from './replay';
export { backtest } from './backtest';
export type { BacktestResult } from './backtest';
export type { BacktestOptions, BacktestMarket, BacktestEngineOptions } from './backtest-options';
export type { ReportFileOptions } from './report-file';
export { sweep } from './sweep';
export type { SweepOptions, SweepResult } from './sweep';
export type { SweepValue } from './sweep-grid';
