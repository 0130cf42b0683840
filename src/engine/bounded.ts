/**
 * Bounding port calls: a call that hangs fails that call only, after `callTimeoutMs`.
 */
import { CallTimeoutError } from '../errors';

/**
 * Runs `fn` and rejects with a {@link CallTimeoutError} naming `call` if it has not settled within
 * `timeoutMs`. The call itself cannot be cancelled: `onLate` receives its value if it resolves
 * after the timeout (e.g. to release a lock lease taken too late). A synchronous throw rejects.
 * @internal
 */
export function bounded<T>(call: string, timeoutMs: number, fn: () => Promise<T> | T, onLate?: (value: T) => void): Promise<T> {
  let settled = false;
  let promise: Promise<T>;
  try {
    promise = Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new CallTimeoutError(call, timeoutMs));
    }, timeoutMs);
    promise.then(
      (value) => {
        if (settled) {
          onLate?.(value);
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Resolves after `ms`.
 * @internal
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
