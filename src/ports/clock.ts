/**
 * The clock port, so that tests and replays can drive time.
 */

/**
 * A source of the current time.
 * @public
 */
export interface Clock {
  /** Current time, Unix ms. */
  now(): number;
  /**
   * Optional: a monotonic time in ms (never goes backwards, any origin), for waits inside the
   * process: backoffs, look-up spacing, how long another engine's intent has been seen unchanged.
   * Without it the engine measures those waits with `now()`, so a clock stepped backwards would
   * stretch them.
   */
  monotonic?(): number;
}

/**
 * The wall clock (`Date.now()`), with `performance.now()` as its monotonic time.
 * @public
 */
export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * A clock that only moves when told: for tests, replays and backtests.
 * @public
 */
export class ManualClock implements Clock {
  #now: number;
  #monotonic = 0;

  /** @param start - the initial time, Unix ms (default 0) */
  constructor(start = 0) {
    this.#now = start;
  }

  /** {@inheritDoc Clock.now} */
  now(): number {
    return this.#now;
  }

  /** Monotonic time: moves with `advance()`, and with `set()` forwards only (like a real monotonic clock when the wall clock is stepped back). */
  monotonic(): number {
    return this.#monotonic;
  }

  /** Sets the wall time (a step: forwards also moves the monotonic time, backwards does not). */
  set(now: number): void {
    if (now > this.#now) this.#monotonic += now - this.#now;
    this.#now = now;
  }

  /** Moves the time forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
    this.#monotonic += ms;
  }
}
