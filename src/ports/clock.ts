/**
 * The clock port, so that tests and replays can drive time.
 * @packageDocumentation
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
