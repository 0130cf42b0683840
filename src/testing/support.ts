/**
 * Small helpers shared by the conformance suites (not exported from the entry).
 */

/** Resolves after `ms` milliseconds. @internal */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How a promise settled, without throwing. @internal */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Waits for a promise and reports how it settled. @internal */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The `code` of an error-like value, if it has one. @internal */
export function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** A deeply writable view of a readonly type, for tests that try to mutate records. @internal */
export type Writable<T> = T extends object ? { -readonly [K in keyof T]: K extends 'memory' ? T[K] : Writable<T[K]> } : T;

/**
 * Runs a mutation of a value a store returned. A store may freeze what it returns (then the
 * mutation throws a `TypeError` in strict mode, which is fine); any other error is a failure.
 * @internal
 */
export function tryMutate(mutate: () => void): void {
  try {
    mutate();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}
