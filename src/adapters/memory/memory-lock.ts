/**
 * In-memory lock, for tests and single-process bots.
 */
import { InvalidOptionsError, LockNotHeldError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import { systemClock, type Clock } from '../../ports/clock';
import type { Lock, LockAcquireOptions, LockLease } from '../../ports/lock';

/**
 * Options of {@link MemoryLock}.
 * @public
 */
export interface MemoryLockOptions {
  /** Default lease length (default 10,000 ms). */
  readonly ttlMs?: number | undefined;
  /** Default wait for a held key (default 0: try once). */
  readonly waitMs?: number | undefined;
  /**
   * Time source of lease expiry (default: the wall clock). A `ManualClock` lets tests expire leases
   * by advancing it; waiting (`waitMs`) is always real time.
   */
  readonly clock?: Clock | undefined;
}

interface Holder {
  token: number;
  expiresAt: number;
}

/**
 * A {@link Lock} in process memory: leases with expiry, fencing tokens that only grow, and a FIFO
 * queue of waiters (a released key is handed to the next waiter directly, so waiters don't spin).
 * @public
 */
export class MemoryLock implements Lock {
  readonly #held = new Map<string, Holder>();
  readonly #waiters = new Map<string, Array<() => void>>();
  readonly #tokens = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #clock: Clock;

  /**
   * @param options - default lease and wait lengths, and the clock
   * @throws {@link InvalidOptionsError} for times out of range or an unknown key
   */
  constructor(options: MemoryLockOptions = {}) {
    checkKnownOptions(options, { ttlMs: true, waitMs: true, clock: true } satisfies Record<keyof MemoryLockOptions, true>);
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#waitMs = options.waitMs ?? 0;
    this.#clock = options.clock ?? systemClock;
    if (!(this.#ttlMs > 0)) throw new InvalidOptionsError('ttlMs', 'expected a number of ms above 0');
    if (!(this.#waitMs >= 0)) throw new InvalidOptionsError('waitMs', 'expected a number of ms ≥ 0');
  }

  /** {@inheritDoc Lock.acquire} */
  async acquire(key: string, options: LockAcquireOptions = {}): Promise<LockLease | null> {
    const ttlMs = options.ttlMs ?? this.#ttlMs;
    const deadline = Date.now() + (options.waitMs ?? this.#waitMs);
    for (;;) {
      const lease = this.#tryAcquire(key, ttlMs);
      if (lease) return lease;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      const holder = this.#held.get(key);
      // Wake on release, or when the current lease lapses, or at our deadline.
      const lapseIn = holder ? Math.max(0, holder.expiresAt - this.#clock.now()) : 0;
      await this.#wait(key, Math.min(remaining, lapseIn + 1));
    }
  }

  #tryAcquire(key: string, ttlMs: number): LockLease | null {
    const now = this.#clock.now();
    const holder = this.#held.get(key);
    if (holder && holder.expiresAt > now) return null;
    const token = (this.#tokens.get(key) ?? 0) + 1;
    this.#tokens.set(key, token);
    const mine: Holder = { token, expiresAt: now + ttlMs };
    this.#held.set(key, mine);
    return {
      key,
      token,
      expiresAt: mine.expiresAt,
      release: async () => {
        if (this.#held.get(key) !== mine) throw new LockNotHeldError(key, `lease ${token} is no longer held`);
        this.#held.delete(key);
        this.#wakeOne(key);
      },
    };
  }

  #wait(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let queue = this.#waiters.get(key);
      if (!queue) this.#waiters.set(key, (queue = []));
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const q = this.#waiters.get(key);
        const i = q?.indexOf(wake) ?? -1;
        if (q && i >= 0) q.splice(i, 1);
        resolve();
      }, ms);
      queue.push(wake);
    });
  }

  #wakeOne(key: string): void {
    const queue = this.#waiters.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.#waiters.delete(key);
    next?.();
  }

  /** {@inheritDoc Lock.close} */
  async close(): Promise<void> {}
}
