/**
 * The data a backtest produces and its report draws: shared by `backtest()` (which fills it) and
 * the HTML report (which renders it). Money is decimal strings; times are Unix ms.
 */

/**
 * One candle: open time and OHLCV. Prices are numbers as the data files hold them (the engine's
 * price feed is a number); amounts derived from them are exact decimals.
 * @public
 */
export interface Candle {
  /** Open time, Unix ms. */
  readonly time: number;
  /** Open price. */
  readonly open: number;
  /** Highest price. */
  readonly high: number;
  /** Lowest price. */
  readonly low: number;
  /** Close price. */
  readonly close: number;
  /** Volume, in the base asset. */
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
  /** Execution time, Unix ms. */
  readonly time: number;
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle the order belongs to. */
  readonly cycleId: string;
  /** Why the order was sent: the start buy, a rebuy, the take-profit, or an exit. */
  readonly purpose: 'start' | 'rebuy' | 'takeProfit' | 'exit';
  /** `buy` or `sell`. */
  readonly side: 'buy' | 'sell';
  /** `market`, or `limit` for an order that was sent as a LIMIT order. */
  readonly type: 'market' | 'limit';
  /** Average execution price. */
  readonly price: string;
  /** Base executed (gross, before a base-asset fee). */
  readonly baseAmount: string;
  /** Quote exchanged (before a quote fee). */
  readonly quoteAmount: string;
  /** Fees by currency. */
  readonly fees: Readonly<Record<string, string>>;
}

/**
 * An order the paper exchange refused (a start below the market's minimum notional, a buy beyond
 * the balance, …): it traded nothing, and the cycle backed off (see the engine's `retryBackoff`).
 * A backtest that trades less than expected says why here.
 * @public
 */
export interface BacktestRefusal {
  /** When it was refused (Unix ms, the replay's clock). */
  readonly time: number;
  /** The market. */
  readonly symbol: string;
  /** What the order was for. */
  readonly purpose: 'start' | 'rebuy' | 'takeProfit' | 'exit';
  /** Buy or sell. */
  readonly side: 'buy' | 'sell';
  /** The short reason, e.g. `MIN_NOTIONAL` or `INSUFFICIENT_FUNDS`. */
  readonly reason: string;
  /** What the exchange said. */
  readonly message: string;
}

/**
 * A LIMIT order's level while it rested: drawn as a horizontal segment from `from` to `to`.
 * @public
 */
export interface RestingSpan {
  /** Unified symbol. */
  readonly symbol: string;
  /** A resting take-profit or safety buy. */
  readonly purpose: 'takeProfit' | 'rebuy';
  /** `buy` or `sell`. */
  readonly side: 'buy' | 'sell';
  /** Limit price. */
  readonly price: string;
  /** When it started resting, Unix ms. */
  readonly from: number;
  /** When it stopped resting (filled, cancelled, or the end of the data). */
  readonly to: number;
}

/**
 * One cycle of a backtest, from its start fill to its close (or the end of the data).
 * @public
 */
export interface BacktestCycle {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle id of the engine. */
  readonly cycleId: string;
  /** When its start buy filled, Unix ms. */
  readonly openedAt: number;
  /** Null when the cycle was still open at the end of the data. */
  readonly closedAt: number | null;
  /** How it ended (a `cycle:closed` reason), or null while open. */
  readonly endReason: CycleEndReason | null;
  /** Buys filled: the start and its rebuys. */
  readonly buys: number;
  /** Quote invested in the position after its last buy. */
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
  /** The candle's open time, Unix ms (as on the price chart). */
  readonly time: number;
  /** Equity at the close, in quote. */
  readonly equity: string;
  /** Drawdown from the running peak, in % (≥ 0). */
  readonly drawdownPct: string;
}

/**
 * A backtest's figures. Money is exact decimal strings in the quote currency unless named.
 * @public
 */
export interface BacktestMetrics {
  /** Realised PnL in quote: what sells booked over the cost of what they sold, net of fees. */
  readonly realizedPnlQuote: string;
  /** Unrealised PnL of positions still open at the last close. */
  readonly unrealizedPnlQuote: string;
  /** Realised PnL over the peak capital used, in %. */
  readonly roiOnPeakCapitalPct: string;
  /** The largest fall of equity from its running peak, in % of the peak. */
  readonly maxDrawdownPct: string;
  /** The largest fall of equity from its running peak, in quote. */
  readonly maxDrawdownQuote: string;
  /** Cycles that ended (for any reason). */
  readonly cyclesClosed: number;
  /** Average duration of the closed cycles, ms. */
  readonly avgCycleMs: number;
  /** Longest closed cycle, ms. */
  readonly longestCycleMs: number;
  /** Most rebuys any cycle made. */
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
  /** The report's title. */
  readonly title: string;
  /** The settings, shown as a table (flat key → value). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Candles by symbol. */
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
  /** Every order that executed. */
  readonly trades: readonly BacktestTrade[];
  /** Every LIMIT order while it rested. */
  readonly resting: readonly RestingSpan[];
  /** Every cycle. */
  readonly cycles: readonly BacktestCycle[];
  /** Equity at each close. */
  readonly equity: readonly EquityPoint[];
  /** The backtest's figures. */
  readonly metrics: BacktestMetrics;
}

/**
 * One combination of a sweep and its figures.
 * @public
 */
export interface SweepRow {
  /** The swept parameters of this combination. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** The combination's figures. */
  readonly metrics: BacktestMetrics;
}

/**
 * Everything the HTML report of a sweep draws: a sortable table and a heat map of two parameters.
 * @public
 */
export interface SweepReportData {
  /** The report's title. */
  readonly title: string;
  /** The metric the rows are ranked by (a key of {@link BacktestMetrics}). */
  readonly rankBy: keyof BacktestMetrics;
  /** Every combination, ranked. */
  readonly rows: readonly SweepRow[];
  /** The two parameters of the heat map (defaults: the first two of the grid). */
  readonly heatmap?: { readonly x: string; readonly y: string } | undefined;
}
