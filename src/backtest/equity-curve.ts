/**
 * The equity curve of a backtest, built one close at a time: each point's equity exact, its
 * drawdown from the running peak for drawing, and the maximum drawdown exact (in quote, and in %
 * to {@link RATIO_DECIMALS} places).
 *
 * Dividing decimals costs microseconds, and a year of minute candles has half a million points:
 * the per-point drawdown (a figure for the chart) is a float ratio of the exact values, rounded to
 * 8 places, and the exact division is done only where the float says a new maximum may be.
 */
import { Decimal, str } from '../decimal';
import { RATIO_DECIMALS } from './metrics';
import type { EquityPoint } from './types';

/**
 * Equity points and their maximum drawdown.
 * @internal
 */
export class EquityCurve {
  readonly points: EquityPoint[] = [];
  #peak: Decimal | null = null;
  #peakNumber = 0;
  #maxQuote = new Decimal(0);
  #maxPct = new Decimal(0);
  #maxPctNumber = 0;

  /** Adds the equity at one close. */
  add(time: number, equity: Decimal): void {
    if (this.#peak === null || equity.gt(this.#peak)) {
      this.#peak = equity;
      this.#peakNumber = equity.toNumber();
      this.points.push({ time, equity: str(equity), drawdownPct: '0' });
      return;
    }
    const fall = this.#peak.minus(equity);
    if (fall.gt(this.#maxQuote)) this.#maxQuote = fall;
    const pct = this.#peakNumber > 0 ? ((this.#peakNumber - equity.toNumber()) / this.#peakNumber) * 100 : 0;
    // Exactly where a float within a rounding error of the maximum says it may be one.
    if (this.#peakNumber > 0 && pct >= this.#maxPctNumber * (1 - 1e-9)) {
      const exact = fall.div(this.#peak).mul(100);
      if (exact.gt(this.#maxPct)) {
        this.#maxPct = exact;
        this.#maxPctNumber = exact.toNumber();
      }
    }
    this.points.push({ time, equity: str(equity), drawdownPct: pct === 0 ? '0' : String(Number(pct.toFixed(RATIO_DECIMALS))) });
  }

  /** The largest fall from a running peak, in quote and in % (rounded to {@link RATIO_DECIMALS} places). */
  maxDrawdown(): { quote: string; pct: string } {
    return { quote: str(this.#maxQuote), pct: str(this.#maxPct.toDecimalPlaces(RATIO_DECIMALS)) };
  }
}
