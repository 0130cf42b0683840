/**
 * The lock port: short per-key mutual exclusion with a lease.
 */

/**
 * A held lock. The lock only keeps contenders apart; the store's compare-and-set is what makes a
 * stale holder's write fail.
 * @public
 */
export interface LockLease {
  /** The locked key. */
  readonly key: string;
  /** Fencing token: strictly greater than the token of every earlier lease on this key. */
  readonly token: number;
  /** Unix ms at which the lease lapses unless released earlier. */
  readonly expiresAt: number;
  /**
   * Releases the lease.
   * @throws `LockNotHeldError` when the lease had already lapsed and someone else holds the key.
   */
  release(): Promise<void>;
}

/**
 * Options of {@link Lock.acquire}.
 * @public
 */
export interface LockAcquireOptions {
  /** Lease length in ms (adapters have a default). */
  readonly ttlMs?: number | undefined;
  /** How long to wait for a held key before giving up (0: try once). */
  readonly waitMs?: number | undefined;
}

/**
 * A per-key lock with leases.
 * @public
 */
export interface Lock {
  /** Takes the key, or resolves `null` when it stays held by someone else for `waitMs`. */
  acquire(key: string, options?: LockAcquireOptions): Promise<LockLease | null>;
  /** Frees resources (connections, timers). */
  close?(): Promise<void>;
}
