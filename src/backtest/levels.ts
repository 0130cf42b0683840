/**
 * Where along a straight stretch of a candle's path a strategy would first act: the price grid
 * of a stretch and the search for the first price on it where a test holds. Pure; used by the
 * replay (see `replay.ts`, "Levels crossed between two points").
 *
 * Prices are handled as integers of a decimal grid, `units / 10^scale`, so that every price the
 * search tries is exact: `units / 10^scale` as a float is the correctly rounded value of the
 * decimal, i.e. exactly `Number(unitsToString(units, scale))`, the price the engine reads back
 * from the paper exchange.
 */

/**
 * A stretch is sampled at least every this share of its price (0.25 %)…
 * @internal
 */
export const SAMPLE_EVERY = 0.0025;
/**
 * …at most at this many prices, then bisected to the step.
 * @internal
 */
export const MAX_SAMPLES = 32;
/**
 * Most decimals a grid may have (`10^scale` and the units must stay exact integers in a float).
 * @internal
 */
export const MAX_SCALE = 15;

/**
 * Decimals of a number as the shortest decimal that reads back as it (`String(3723.04)` has 2),
 * exponent forms included (`1e-7` has 7).
  * @internal
 */
export function decimalsOf(x: number): number {
  const s = String(x);
  const e = s.indexOf('e');
  if (e === -1) {
    const dot = s.indexOf('.');
    return dot === -1 ? 0 : s.length - dot - 1;
  }
  const mantissa = s.slice(0, e);
  const dot = mantissa.indexOf('.');
  const own = dot === -1 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, own - Number(s.slice(e + 1)));
}

/**
 * Decimals of a decimal string (`'0.010'` has 3, `'5'` has 0); exponent forms are not expected here.
 * @internal
 */
export function decimalsOfString(s: string): number {
  const dot = s.indexOf('.');
  return dot === -1 ? 0 : s.length - dot - 1;
}

/**
 * The integer `units` of a decimal string at `scale` decimals (`'0.05'` at scale 4 is 500).
 * @throws Error when the string has more decimals than `scale`
  * @internal
 */
export function unitsOfString(s: string, scale: number): number {
  const places = decimalsOfString(s);
  if (places > scale) throw new Error(`${s} has more than ${scale} decimals`);
  return Number(s.replace('.', '')) * 10 ** (scale - places);
}

/**
 * The decimal string of `units / 10^scale` (`unitsToString(302807, 2)` is `'3028.07'`), no trailing zeros.
 * @internal
 */
export function unitsToString(units: number, scale: number): string {
  if (scale === 0) return String(units);
  const digits = String(units).padStart(scale + 1, '0');
  const whole = digits.slice(0, -scale);
  const fraction = digits.slice(-scale).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/**
 * How many evenly spaced prices of a stretch {@link firstHit} tries before bisecting: one every
 * {@link SAMPLE_EVERY} of the price, at least 1, at most {@link MAX_SAMPLES}.
  * @internal
 */
export function samplesFor(from: number, to: number): number {
  const move = Math.abs(to - from) / Math.min(from, to);
  return Math.min(MAX_SAMPLES, Math.max(1, Math.ceil(move / SAMPLE_EVERY)));
}

/**
 * The first price along `from → to` at which `hit` holds, in units: `from` itself when
 * `includeFrom`, then the multiples of `step` strictly between `from` and `to`, in path order.
 * `to` is not tried (the replay ticks the engine there anyway). Null when none holds.
 *
 * A stretch with at most `samples` inner prices has each tried. Over a longer one `samples`
 * evenly spaced prices are tried (the last inner price among them), and between the last one that
 * missed and the first that hit the boundary is bisected to the step: exact for a test that, once
 * it holds along the stretch, keeps holding until the next sample (a threshold: "price ≥ target",
 * "price ≤ trigger"); a test that holds only on a band narrower than a sample interval can be
 * missed.
 * @param from - start of the stretch, in units
 * @param to - end of the stretch, in units
 * @param step - the grid step, in units (an integer ≥ 1)
  * @internal
 */
export function firstHit(
  from: number,
  to: number,
  step: number,
  includeFrom: boolean,
  hit: (units: number) => boolean,
  samples = samplesFor(from, to),
): number | null {
  if (includeFrom && hit(from)) return from;
  if (from === to) return null;
  const dir = to > from ? 1 : -1;
  const first = dir > 0 ? (Math.floor(from / step) + 1) * step : (Math.ceil(from / step) - 1) * step;
  const last = dir > 0 ? (Math.ceil(to / step) - 1) * step : (Math.floor(to / step) + 1) * step;
  if ((last - first) * dir < 0) return null;
  const n = Math.abs(last - first) / step + 1;
  const stride = dir * step;
  if (n <= samples) {
    for (let i = 0; i < n; i++) if (hit(first + i * stride)) return first + i * stride;
    return null;
  }
  let missed = -1; // the last index known to miss (−1: before the first)
  for (let s = 1; s <= samples; s++) {
    const i = Math.ceil((s * n) / samples) - 1;
    if (i <= missed) continue;
    if (!hit(first + i * stride)) {
      missed = i;
      continue;
    }
    let hi = i;
    while (hi - missed > 1) {
      const mid = Math.floor((missed + hi) / 2);
      if (hit(first + mid * stride)) hi = mid;
      else missed = mid;
    }
    return first + hi * stride;
  }
  return null;
}
