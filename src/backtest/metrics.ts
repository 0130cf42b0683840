/**
 * A backtest's figures from what it recorded: pure functions over plain data, money in exact
 * decimals (ratios rounded to {@link RATIO_DECIMALS} places).
 */
import { Decimal, str } from '../decimal';
import type { BacktestCycle, BacktestMetrics, BacktestTrade, CycleEndReason, EquityPoint } from './types';

/**
 * Decimal places of percentages (ROI, drawdown); money is not rounded.
 * @internal
 */
export const RATIO_DECIMALS = 8;

/**
 * A position still open at the end of the data.
 * @internal
 */
export interface OpenPosition {
  readonly symbol: string;
  /** Base held, net of fees. */
  readonly baseVolume: string;
  /** Quote its base cost (what is left of it after partial sells). */
  readonly investedQuote: string;
}

/**
 * What {@link computeMetrics} reads.
 * @internal
 */
export interface MetricsInput {
  /** Realised PnL booked by the engine's sells (closed cycles and partial sells). */
  readonly realizedPnlQuote: string;
  /** Positions open at the end. */
  readonly open: readonly OpenPosition[];
  /** The last close by symbol: open positions are valued there. */
  readonly lastClose: Readonly<Record<string, number>>;
  /** Fee rate a sell at the end would pay (taken off the unrealised value). */
  readonly sellFeeRate: string;
  readonly cycles: readonly BacktestCycle[];
  readonly trades: readonly BacktestTrade[];
  readonly equity: readonly EquityPoint[];
  /** The largest capital tied up at once (positions' cost plus quote reserved by resting buys). */
  readonly peakCapitalQuote: string;
  /** The strategy's most rebuys per cycle, or null when unknown (bag time is then 0). */
  readonly maxRebuys: number | null;
  /** End of the data (the last candle's close time): open cycles count their time up to it. */
  readonly endTime: number;
  /** The maximum drawdown when already known (see `EquityCurve`); else computed from `equity`. */
  readonly maxDrawdown?: { readonly quote: string; readonly pct: string } | undefined;
}

/**
 * The figures of {@link BacktestMetrics}:
 * - realised PnL as booked; unrealised: each open position's base at the last close, less the
 *   sell fee, minus its cost;
 * - ROI: realised PnL over the peak capital used, in %;
 * - max drawdown: the largest fall of equity from its running peak, in quote and (separately, it
 *   may happen elsewhere) in %;
 * - cycle durations: of closed cycles (open ones are not counted);
 * - max rebuys used: most buys of any cycle, open ones included, less the start;
 * - bag time: over every cycle, the time from the buy that used its last rebuy
 *   (`avgPrice[maxRebuys]`) to its close or the end of the data;
 * - fees by currency over every trade; exits by reason over closed cycles.
 * @internal
 */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const realized = new Decimal(input.realizedPnlQuote);
  const keep = new Decimal(1).minus(input.sellFeeRate);
  let unrealized = new Decimal(0);
  for (const p of input.open) {
    const close = input.lastClose[p.symbol];
    if (close === undefined) continue;
    unrealized = unrealized.plus(new Decimal(p.baseVolume).mul(String(close)).mul(keep).minus(p.investedQuote));
  }
  const peakCapital = new Decimal(input.peakCapitalQuote);
  const roi = peakCapital.gt(0) ? realized.div(peakCapital).mul(100).toDecimalPlaces(RATIO_DECIMALS) : new Decimal(0);

  let peak: Decimal | null = null;
  let ddQuote = new Decimal(input.maxDrawdown?.quote ?? 0);
  let ddPct = new Decimal(input.maxDrawdown?.pct ?? 0);
  for (const point of input.maxDrawdown === undefined ? input.equity : []) {
    const value = new Decimal(point.equity);
    if (peak === null || value.gt(peak)) peak = value;
    const fall = peak.minus(value);
    if (fall.gt(ddQuote)) ddQuote = fall;
    if (peak.gt(0)) {
      const pct = fall.div(peak).mul(100);
      if (pct.gt(ddPct)) ddPct = pct;
    }
  }

  const closed = input.cycles.filter((c) => c.closedAt !== null);
  const durations = closed.map((c) => c.closedAt! - c.openedAt);
  const exitsByReason: Partial<Record<CycleEndReason, number>> = {};
  for (const c of closed) {
    const reason = (c.endReason ?? 'takeProfit') as CycleEndReason;
    exitsByReason[reason] = (exitsByReason[reason] ?? 0) + 1;
  }
  let maxRebuysUsed = 0;
  let bagTimeMs = 0;
  for (const c of input.cycles) {
    maxRebuysUsed = Math.max(maxRebuysUsed, c.buys - 1);
    const bagged = input.maxRebuys === null ? undefined : c.avgPrice[input.maxRebuys];
    if (bagged !== undefined) bagTimeMs += Math.max(0, (c.closedAt ?? input.endTime) - bagged[0]);
  }
  const fees = new Map<string, Decimal>();
  for (const t of input.trades) {
    for (const [currency, amount] of Object.entries(t.fees)) fees.set(currency, (fees.get(currency) ?? new Decimal(0)).plus(amount));
  }

  return {
    realizedPnlQuote: str(realized),
    unrealizedPnlQuote: str(unrealized),
    roiOnPeakCapitalPct: str(roi),
    maxDrawdownPct: str(ddPct.toDecimalPlaces(RATIO_DECIMALS)),
    maxDrawdownQuote: str(ddQuote),
    cyclesClosed: closed.length,
    avgCycleMs: durations.length === 0 ? 0 : Math.round(durations.reduce((a, b) => a + b, 0) / durations.length),
    longestCycleMs: durations.reduce((a, b) => Math.max(a, b), 0),
    maxRebuysUsed,
    bagTimeMs,
    feesByCurrency: Object.fromEntries([...fees].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, str(v)])),
    exitsByReason,
    peakCapitalQuote: str(peakCapital),
  };
}
