/**
 * The HTML reports of backtests and sweeps: self-contained files that work offline.
 */
export { renderBacktestReport } from './backtest-page';
export { renderSweepReport } from './sweep-page';
