/**
 * The equity curve of a backtest, built one close at a time: each point's equity exact, its
 * drawdown from the running peak for drawing, and the maximum drawdown exact (in quote, and in %
 * to {@link RATIO_DECIMALS} places).
 *
 * A year of minute candles has half a million points: equity is summed and compared as exact
 * integers (`fixed.ts`), the per-point drawdown (a figure for the chart) is a float ratio of the
 * exact values rounded to 8 places, and the exact division is done only where the float says a
 * new maximum may be.
 */
import type { Decimal } from '../decimal';
import { str } from '../decimal';
import { fixedToDecimal, fixedToString, pow10, unitsAt, type Fixed } from './fixed';
import { RATIO_DECIMALS } from './metrics';
import type { EquityPoint } from './types';

/**
 * Equity points and their maximum drawdown.
 * @internal
 */
export class EquityCurve {
  readonly points: EquityPoint[] = [];
  /** The scale every stored amount is at (the largest seen). */
  #scale = 0;
  #peak: bigint | null = null;
  #peakNumber = 0;
  #maxQuote = 0n;
  #maxPct: Decimal | null = null;
  #maxPctNumber = 0;

  /** Adds the equity at one close. */
  add(time: number, equity: Fixed): void {
    if (equity.scale > this.#scale) {
      const up = pow10(equity.scale - this.#scale);
      if (this.#peak !== null) this.#peak *= up;
      this.#maxQuote *= up;
      this.#scale = equity.scale;
    }
    const scale = this.#scale;
    const units = unitsAt(equity, scale);
    const text = fixedToString(equity.units, equity.scale);
    if (this.#peak === null || units > this.#peak) {
      this.#peak = units;
      this.#peakNumber = Number(text);
      this.points.push({ time, equity: text, drawdownPct: '0' });
      return;
    }
    const fall = this.#peak - units;
    if (fall > this.#maxQuote) this.#maxQuote = fall;
    const pct = this.#peakNumber > 0 ? ((this.#peakNumber - Number(text)) / this.#peakNumber) * 100 : 0;
    // Exactly where a float within a rounding error of the maximum says it may be one.
    if (fall > 0n && this.#peakNumber > 0 && pct >= this.#maxPctNumber * (1 - 1e-9)) {
      const exact = fixedToDecimal(fall, scale).div(fixedToDecimal(this.#peak, scale)).mul(100);
      if (this.#maxPct === null || exact.gt(this.#maxPct)) {
        this.#maxPct = exact;
        this.#maxPctNumber = exact.toNumber();
      }
    }
    this.points.push({ time, equity: text, drawdownPct: pct === 0 ? '0' : String(Number(pct.toFixed(RATIO_DECIMALS))) });
  }

  /** The largest fall from a running peak, in quote and in % (rounded to {@link RATIO_DECIMALS} places). */
  maxDrawdown(): { quote: string; pct: string } {
    return { quote: fixedToString(this.#maxQuote, this.#scale), pct: this.#maxPct === null ? '0' : str(this.#maxPct.toDecimalPlaces(RATIO_DECIMALS)) };
  }
}
