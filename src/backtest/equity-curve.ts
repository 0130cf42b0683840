/**
 * The equity curve of a backtest, built one close at a time: each point's equity exact, its
 * drawdown from the running peak for drawing, and the maximum drawdown exact (in quote, and in %
 * to {@link RATIO_DECIMALS} places).
 *
 * A year of minute candles has half a million points. Equity comes in as exact integers of units
 * (`fixed.ts`); a point that a float comparison, with a wide margin, puts below the peak and short
 * of both maximum falls is only printed; the others (a new peak, a fall that may be the largest)
 * are compared as bigints, and the exact division for the % is done only there. The per-point
 * drawdown (a figure for the chart) is a float ratio rounded to 8 places.
 */
import type { Decimal } from '../decimal';
import { str } from '../decimal';
import { fixedToDecimal, fixedToString, pow10, smallToString, unitsAt, type Fixed, type SmallFixed } from './fixed';
import { RATIO_DECIMALS } from './metrics';
import type { EquityPoint } from './types';

const PCT_UNITS = 10 ** RATIO_DECIMALS;

/** A drawdown % for the chart, rounded to {@link RATIO_DECIMALS} places (integer printing: `toFixed` costs more than the rest of a point). */
function pctText(pct: number): string {
  const units = Math.round(pct * PCT_UNITS);
  return Number.isSafeInteger(units) ? smallToString(units, RATIO_DECIMALS) : String(Number(pct.toFixed(RATIO_DECIMALS)));
}

/** Relative margin of the float screen: far wider than the rounding of a few float operations. */
const MARGIN = 1e-12;

/**
 * Equity points and their maximum drawdown.
 * @internal
 */
export class EquityCurve {
  readonly #keep: boolean;
  // The points as added (printed only when asked for: most callers want the metrics, and printing
  // half a million exact amounts costs more than the rest of a quiet year's replay).
  readonly #times: number[] = [];
  readonly #amounts: Array<Fixed | SmallFixed> = [];
  readonly #pcts: number[] = [];
  readonly #points: EquityPoint[] = [];
  /** The scale the exact peak and fall are at (the largest seen). */
  #scale = 0;
  #peak: bigint | null = null;
  #peakNumber = 0;
  #maxQuote = 0n;
  #maxQuoteNumber = 0;
  #maxPct: Decimal | null = null;
  #maxPctNumber = 0;

  constructor(options: { readonly points?: boolean } = {}) {
    this.#keep = options.points ?? true;
  }

  /**
   * The points (none with `points: false`: a sweep needs only the maximum falls), printed on the
   * first call for those added since.
   */
  get points(): EquityPoint[] {
    const out = this.#points;
    for (let i = out.length; i < this.#times.length; i++) {
      const a = this.#amounts[i]!;
      const equity = typeof a.units === 'number' ? smallToString(a.units, a.scale) : fixedToString(a.units, a.scale);
      out.push({ time: this.#times[i]!, equity, drawdownPct: pctText(this.#pcts[i]!) });
    }
    return out;
  }

  #push(time: number, equity: Fixed | SmallFixed, pct: number): void {
    if (!this.#keep) return;
    this.#times.push(time);
    this.#amounts.push(equity);
    this.#pcts.push(pct);
  }

  /** Adds the equity at one close. */
  add(time: number, equity: Fixed | SmallFixed): void {
    const small = typeof equity.units === 'number';
    const value = small ? (equity.units as number) / 10 ** equity.scale : Number(fixedToString(equity.units as bigint, equity.scale));
    const peak = this.#peakNumber;
    const pct = peak > 0 ? ((peak - value) / peak) * 100 : 0;
    if (this.#peak !== null && value < peak * (1 - MARGIN) && peak - value < this.#maxQuoteNumber * (1 - MARGIN) && pct < this.#maxPctNumber * (1 - 1e-9)) {
      this.#push(time, equity, pct);
      return;
    }
    this.#addExact(time, small ? { units: BigInt(equity.units), scale: equity.scale } : (equity as Fixed), equity, value, pct);
  }

  #addExact(time: number, equity: Fixed, given: Fixed | SmallFixed, value: number, pct: number): void {
    if (equity.scale > this.#scale) {
      const up = pow10(equity.scale - this.#scale);
      if (this.#peak !== null) this.#peak *= up;
      this.#maxQuote *= up;
      this.#scale = equity.scale;
    }
    const scale = this.#scale;
    const units = unitsAt(equity, scale);
    if (this.#peak === null || units > this.#peak) {
      this.#peak = units;
      this.#peakNumber = value;
      this.#push(time, given, 0);
      return;
    }
    const fall = this.#peak - units;
    if (fall > this.#maxQuote) {
      this.#maxQuote = fall;
      this.#maxQuoteNumber = Number(fixedToString(fall, scale));
    }
    // Exactly where a float within a rounding error of the maximum says it may be one.
    if (fall > 0n && this.#peakNumber > 0 && pct >= this.#maxPctNumber * (1 - 1e-9)) {
      const exact = fixedToDecimal(fall, scale).div(fixedToDecimal(this.#peak, scale)).mul(100);
      if (this.#maxPct === null || exact.gt(this.#maxPct)) {
        this.#maxPct = exact;
        this.#maxPctNumber = exact.toNumber();
      }
    }
    this.#push(time, given, pct);
  }

  /** The largest fall from a running peak, in quote and in % (rounded to {@link RATIO_DECIMALS} places). */
  maxDrawdown(): { quote: string; pct: string } {
    return { quote: fixedToString(this.#maxQuote, this.#scale), pct: this.#maxPct === null ? '0' : str(this.#maxPct.toDecimalPlaces(RATIO_DECIMALS)) };
  }
}
