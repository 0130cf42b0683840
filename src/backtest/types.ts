/**
 * The data a backtest produces and its report draws: shared by `backtest()` (which fills it) and
 * the HTML report (which renders it). Money is decimal strings; times are Unix ms.
 *
 * @packageDocumentation
 */

/**
 * One candle: open time and OHLCV. Prices are numbers as the data files hold them (the engine's
 * price feed is a number); amounts derived from them are exact decimals.
 * @public
 */
export interface Candle {
  /** Open time, Unix ms. */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * Why a cycle ended: its take-profit sold it, an exit (stop loss, trailing take-profit, time
 * limit, manual close) sold it, or nothing sellable was left.
 * @public
 */
export type CycleEndReason = 'takeProfit' | 'stopLoss' | 'trailingTakeProfit' | 'timeLimit' | 'manual' | 'emptied';

/**
 * One order that executed (wholly or in part) during a backtest: one marker on the chart.
 * @public
 */
export interface BacktestTrade {
  readonly time: number;
  readonly symbol: string;
  readonly cycleId: string;
  readonly purpose: 'start' | 'rebuy' | 'takeProfit' | 'exit';
  readonly side: 'buy' | 'sell';
  readonly type: 'market' | 'limit';
  /** Average execution price. */
  readonly price: string;
  readonly baseAmount: string;
  readonly quoteAmount: string;
  /** Fees by currency. */
  readonly fees: Readonly<Record<string, string>>;
}

/**
 * A LIMIT order's level while it rested: drawn as a horizontal segment from `from` to `to`.
 * @public
 */
export interface RestingSpan {
  readonly symbol: string;
  readonly purpose: 'takeProfit' | 'rebuy';
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly from: number;
  /** When it stopped resting (filled, cancelled, or the end of the data). */
  readonly to: number;
}

/**
 * One cycle of a backtest, from its start fill to its close (or the end of the data).
 * @public
 */
export interface BacktestCycle {
  readonly symbol: string;
  readonly cycleId: string;
  readonly openedAt: number;
  /** Null when the cycle was still open at the end of the data. */
  readonly closedAt: number | null;
  readonly endReason: CycleEndReason | null;
  readonly buys: number;
  readonly investedQuote: string;
  /** Realised PnL in quote (0 while open). */
  readonly pnlQuote: string;
  /** The average price after each buy: `[time, avgPrice]`, drawn as the cycle's average line. */
  readonly avgPrice: ReadonlyArray<readonly [number, string]>;
}

/**
 * Equity at one candle close: quote held plus every position valued at the close.
 * @public
 */
export interface EquityPoint {
  readonly time: number;
  readonly equity: string;
  /** Drawdown from the running peak, in % (≥ 0). */
  readonly drawdownPct: string;
}

/**
 * A backtest's figures. Money is exact decimal strings in the quote currency unless named.
 * @public
 */
export interface BacktestMetrics {
  readonly realizedPnlQuote: string;
  /** Unrealised PnL of positions still open at the last close. */
  readonly unrealizedPnlQuote: string;
  /** Realised PnL over the peak capital used, in %. */
  readonly roiOnPeakCapitalPct: string;
  readonly maxDrawdownPct: string;
  readonly maxDrawdownQuote: string;
  readonly cyclesClosed: number;
  readonly avgCycleMs: number;
  readonly longestCycleMs: number;
  readonly maxRebuysUsed: number;
  /** Time spent with every rebuy used ("bag time"), ms. */
  readonly bagTimeMs: number;
  /** Fees paid, by currency. */
  readonly feesByCurrency: Readonly<Record<string, string>>;
  /** Cycles ended, by reason. */
  readonly exitsByReason: Readonly<Partial<Record<CycleEndReason, number>>>;
  /** The largest capital ever tied up in positions and buys in flight (the peak capital used). */
  readonly peakCapitalQuote: string;
}

/**
 * Everything the HTML report of one backtest draws.
 * @public
 */
export interface BacktestReportData {
  readonly title: string;
  /** The settings, shown as a table (flat key → value). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
  readonly trades: readonly BacktestTrade[];
  readonly resting: readonly RestingSpan[];
  readonly cycles: readonly BacktestCycle[];
  readonly equity: readonly EquityPoint[];
  readonly metrics: BacktestMetrics;
}

/**
 * One combination of a sweep and its figures.
 * @public
 */
export interface SweepRow {
  /** The swept parameters of this combination. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly metrics: BacktestMetrics;
}

/**
 * Everything the HTML report of a sweep draws: a sortable table and a heat map of two parameters.
 * @public
 */
export interface SweepReportData {
  readonly title: string;
  /** The metric the rows are ranked by (a key of {@link BacktestMetrics}). */
  readonly rankBy: keyof BacktestMetrics;
  readonly rows: readonly SweepRow[];
  /** The two parameters of the heat map (defaults: the first two of the grid). */
  readonly heatmap?: { readonly x: string; readonly y: string } | undefined;
}
