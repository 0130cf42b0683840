/**
 * A seeded mean-reverting walk of prices around 100 for the crash campaigns: every `everyMs`, each
 * symbol moves by up to ±`swing`/2 of its price plus 1 % of its distance to 100, within
 * [min, max]; the new prices (2 decimals) go to `apply`. An `apply` that returns a promise (an HTTP
 * call) is awaited before the next step, so the sequence of prices depends on the seed alone.
 */
import type { Prng } from './prng';

export interface WalkOptions {
  readonly everyMs: number;
  /** Width of a step's random move as a fraction of the price (e.g. 0.012: up to ±0.6 %). */
  readonly swing: number;
  readonly min: number;
  readonly max: number;
}

/** Starts the walk; returns its stop. `onStep` runs after each step's draws (step number from 1). */
export function walkPrices(
  symbols: readonly string[],
  rand: Prng,
  o: WalkOptions,
  apply: (prices: Record<string, string>) => void | Promise<unknown>,
  onStep?: (step: number) => void,
): () => void {
  const prices = new Map(symbols.map((s) => [s, 100]));
  let steps = 0;
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    steps++;
    const next: Record<string, string> = {};
    for (const s of symbols) {
      const p = prices.get(s)!;
      const moved = Math.min(o.max, Math.max(o.min, p * (1 + (rand.next() - 0.5) * o.swing) + (100 - p) * 0.01));
      prices.set(s, moved);
      next[s] = moved.toFixed(2);
    }
    onStep?.(steps);
    const applied = apply(next);
    if (applied instanceof Promise) {
      busy = true;
      void applied.catch(() => {}).finally(() => {
        busy = false;
      });
    }
  }, o.everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * A seeded sawtooth, for runs where every symbol must want to start and to rebuy, and cycles must
 * still close: each symbol steps down 0.4–0.9 % every `everyMs` for 6–16 steps, then jumps 3–6 %
 * above its last top and stays there for 3–5 steps in all (above the take-profit of every cycle opened since
 * the last jump), and again. Starts at 100. As in {@link walkPrices}, an `apply` that returns a
 * promise is awaited before the next step. Returns its stop.
 */
export function sawtoothPrices(symbols: readonly string[], rand: Prng, everyMs: number, apply: (prices: Record<string, string>) => void | Promise<unknown>): () => void {
  const state = new Map(symbols.map((s) => [s, { price: 100, top: 100, left: rand.int(2, 16), hold: 0 }]));
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const prices: Record<string, string> = {};
      for (const [s, st] of state) {
        if (st.hold > 0) st.hold--;
        else if (st.left > 0) {
          st.price *= 1 - (0.004 + 0.005 * rand.next());
          st.left--;
        } else {
          st.top *= 1.03 + 0.03 * rand.next();
          st.price = st.top;
          st.hold = rand.int(2, 4);
          st.left = rand.int(6, 16);
        }
        prices[s] = st.price.toFixed(2);
      }
      await Promise.resolve(apply(prices)).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return () => {
    stopped = true;
  };
}
