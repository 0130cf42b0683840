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
}

/**
 * The wall clock (`Date.now()`).
 * @public
 */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told: for tests, replays and backtests.
 * @public
 */
export class ManualClock implements Clock {
  #now: number;

  /** @param start - the initial time, Unix ms (default 0) */
  constructor(start = 0) {
    this.#now = start;
  }

  /** {@inheritDoc Clock.now} */
  now(): number {
    return this.#now;
  }

  /** Sets the time. */
  set(now: number): void {
    this.#now = now;
  }

  /** Moves the time forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
  }
}
