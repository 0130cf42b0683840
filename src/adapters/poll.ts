/**
 * Waiting for a held key, shared by the server-backed locks.
 */

/**
 * Calls `attempt` until it returns a value or `waitMs` has passed (it is always called at least
 * once), pausing between calls with doubling pauses from 5 ms to 100 ms and ±50% jitter, so that
 * contenders on several hosts do not retry in step.
 * @internal
 */
export async function pollUntil<T>(waitMs: number, attempt: () => Promise<T | null>): Promise<T | null> {
  const deadline = Date.now() + waitMs;
  let pause = 5;
  for (;;) {
    const value = await attempt();
    if (value !== null) return value;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return null;
    await new Promise((resolve) => setTimeout(resolve, Math.min(remaining, pause * (0.5 + Math.random()))));
    pause = Math.min(pause * 2, 100);
  }
}
