/**
 * The portfolio book: reservations in the shared portfolio record, read and written by
 * compare-and-set through the engine's own {@link StateStore}, so every engine on the store (under
 * any key prefix) enforces one `maxActiveCycles` and one `maxTotalInvestedQuote`.
 *
 * The protocol, and why the sweep fences:
 * 1. Under the key's lock, an engine reads the cycle record, builds the write, and — when the
 *    write raises the cycle's claim (a start, a rebuy) — reserves **before** it compare-and-sets
 *    that write **against the version it read before reserving**. The reservation is the promise,
 *    the intent the spending: over-reserving only makes others wait; spending without a
 *    reservation is what the limits forbid.
 * 2. It releases (`release(key, cycleId)`) once the record says the cycle closed or its start was
 *    rejected. A rebuy's reservation is not shrunk when the rebuy fails: shrinking outside the
 *    key's lock could uncover a buy another engine just covered with the same reservation.
 * 3. A crash between 1's reserve and its write, or between a close and 2, leaves a reservation no
 *    cycle holds: the sweep releases those. But an engine that is merely slow looks the same as a
 *    dead one between its reserve and its write. So before releasing, the sweep **fences** the
 *    cycle key: a compare-and-set of the record from the version it judged to the same content
 *    (or, when there is none, an empty idle record). The slow engine's write, made against the
 *    version it read before reserving, then fails; its retry plans a new start with a new cycle
 *    id, whose reservation replaces the swept one — a write the sweep's release, which matches
 *    the cycle and intent ids it judged, cannot undo. If the fence loses, the cycle moved: the
 *    reservation is left for a later sweep to judge again.
 */
import { Decimal, str } from '../decimal';
import { StateConflictError, isWriteUnknownError } from '../errors';
import type { PortfolioRecord, PortfolioReservation } from '../ports/portfolio-record';
import type { StateStore } from '../ports/state-store';
import { readPortfolio, storeFence, storeReadCycle, type CycleSnapshot, type FenceCycle, type ReadCycle } from './portfolio-io';
import { keepDust, release, reserve, staleReservations, type PortfolioLimits, type ReleaseMatch, type ReserveRefused, type ReserveRequest } from './portfolio';

/** Default key of the portfolio record (not prefixed by any engine's key prefix). @internal */
export const DEFAULT_PORTFOLIO_KEY = '__portfolio';

/**
 * Options of {@link PortfolioBook}.
 * @internal
 */
export interface PortfolioBookOptions {
  readonly store: StateStore;
  /** Key of the portfolio record (default `'__portfolio'`). */
  readonly key?: string | undefined;
  readonly limits: PortfolioLimits;
  readonly clock: { now(): number };
  /** Id of this engine instance (the reservations' `owner`). */
  readonly owner: string;
  /** A stale reservation younger than this is left alone by the sweep (default 60 s). */
  readonly minAgeMs?: number | undefined;
  /** Read-modify-write attempts before a {@link StateConflictError} (default 50). */
  readonly maxAttempts?: number | undefined;
  /** Awaited after a lost compare-and-set, before reading again (default: a short random pause). */
  readonly pause?: ((attempt: number) => Promise<void>) | undefined;
}

/**
 * The answer of {@link PortfolioBook.reserve}: covered (`written`: this call wrote the record;
 * false when the claim already was), or refused by a limit.
 * @internal
 */
export type BookReserveResult = { readonly kind: 'ok'; readonly written: boolean } | ReserveRefused;

/**
 * What a sweep did: the reservations it released, those it judged stale but left (too young, or
 * their fence or release lost a race), and the errors met per reservation.
 * @internal
 */
export interface SweepResult {
  readonly released: PortfolioReservation[];
  readonly kept: PortfolioReservation[];
  readonly errors: Array<{ readonly reservation: PortfolioReservation; readonly error: unknown }>;
}

/**
 * Reservations in the shared portfolio record (see the file comment for the protocol).
 * @internal
 */
export class PortfolioBook {
  readonly key: string;
  readonly #o: PortfolioBookOptions;
  readonly #minAgeMs: number;
  readonly #maxAttempts: number;

  constructor(options: PortfolioBookOptions) {
    this.#o = options;
    this.key = options.key ?? DEFAULT_PORTFOLIO_KEY;
    this.#minAgeMs = options.minAgeMs ?? 60_000;
    this.#maxAttempts = options.maxAttempts ?? 50;
  }

  /** The portfolio record, or `null` when none was written yet. */
  async read(): Promise<PortfolioRecord | null> {
    return (await readPortfolio(this.#o.store, this.key))?.value ?? null;
  }

  /**
   * Covers a cycle's claim before the intent that needs it is persisted.
   * @throws {@link StateConflictError} after `maxAttempts` lost compare-and-sets
   * @throws `CorruptStateError` when the portfolio key holds something else
   */
  async reserve(req: Omit<ReserveRequest, 'now' | 'owner'>): Promise<BookReserveResult> {
    let written = false;
    const done = await this.#update((portfolio, now) => {
      const r = reserve(portfolio, { ...req, now, owner: this.#o.owner }, this.#o.limits);
      return r.kind === 'ok' ? r.record : r;
    }, () => (written = true));
    return done === null ? { kind: 'ok', written } : done;
  }

  /**
   * After its cycle closed carrying dust with a cost: the key's reservation (while it names
   * `cycleId`) shrinks to that cost and stops counting as an active cycle (see `keepDust`).
   * @throws {@link StateConflictError} after `maxAttempts` lost compare-and-sets
   */
  async keepDust(key: string, cycleId: string, quote: string): Promise<boolean> {
    let kept = false;
    await this.#update((portfolio, now) => keepDust(portfolio, { key, cycleId, quote }, now), () => (kept = true));
    return kept;
  }

  /**
   * Drops a key's reservation while it names `cycleId` (and `intentId`, when given): true when
   * this call dropped it (false also when a write of unknown result had dropped it already).
   * @throws {@link StateConflictError} after `maxAttempts` lost compare-and-sets
   */
  async release(key: string, cycleId?: string, intentId?: string): Promise<boolean> {
    const match: ReleaseMatch = { key, cycleId, intentId };
    let dropped = false;
    await this.#update((portfolio, now) => release(portfolio, match, now), () => (dropped = true));
    return dropped;
  }

  /**
   * Releases the reservations no cycle holds (see `staleReservations`) that are older than
   * `minAgeMs`, each only after fencing its cycle key (see the file comment).
   * @param readCycle - reads a cycle key (default: the store, validated and upgraded)
   * @param fence - the fence write; resolves true when it landed (default: the store's compare-and-set)
   */
  async sweep(readCycle: ReadCycle = storeReadCycle(this.#o.store), fence: FenceCycle = storeFence(this.#o.store, this.#o.clock)): Promise<SweepResult> {
    const result: SweepResult = { released: [], kept: [], errors: [] };
    const portfolio = await this.read();
    if (portfolio === null) return result;
    const snaps = new Map<string, CycleSnapshot | undefined>();
    for (const r of portfolio.reservations) {
      try {
        snaps.set(r.key, await readCycle(r.key));
      } catch (error) {
        result.errors.push({ reservation: r, error });
      }
    }
    const now = this.#o.clock.now();
    // A reservation whose cycle could not be read is never judged stale.
    const readable = { ...portfolio, reservations: portfolio.reservations.filter((r) => snaps.has(r.key)) };
    const stale = staleReservations(readable, (key) => snaps.get(key)?.value ?? null);
    for (const r of stale) {
      if (now - r.at < this.#minAgeMs) {
        result.kept.push(r);
        continue;
      }
      try {
        const cycle = snaps.get(r.key)?.value;
        const dustCost = cycle !== undefined && cycle.phase === 'idle' && cycle.dust !== null ? new Decimal(cycle.dust.investedQuote) : new Decimal(0);
        const fenced = await fence(r.key, r.symbol, snaps.get(r.key));
        if (fenced && dustCost.gt(0)) {
          // Its cycle closed carrying dust and the close's own settling was lost (a crash right after): the dust's cost stays reserved.
          await this.keepDust(r.key, r.cycleId, str(dustCost));
          result.kept.push(r);
          continue;
        }
        const dropped = fenced && (await this.release(r.key, r.cycleId, r.intentId));
        (dropped ? result.released : result.kept).push(r);
      } catch (error) {
        result.errors.push({ reservation: r, error });
      }
    }
    return result;
  }

  /** Read, decide, compare-and-set, until the decision is written or needs no write. */
  async #update<T extends object>(decide: (portfolio: PortfolioRecord | null, now: number) => PortfolioRecord | null | T, onWritten: () => void): Promise<T | null> {
    let snap = await readPortfolio(this.#o.store, this.key);
    for (let attempt = 1; ; attempt++) {
      const out = decide(snap?.value ?? null, this.#o.clock.now());
      if (out === null || !isPortfolio(out)) return out;
      let version: number | null;
      try {
        version = await this.#o.store.compareAndSet(this.key, snap?.version ?? null, out);
      } catch (error) {
        // A write of unknown result: exactly what we wrote is there (its updatedAt and the
        // reservation's at are ours): it landed. Otherwise decide again on what is there (a
        // reservation is idempotent: one that landed and was built on is found covered).
        if (!isWriteUnknownError(error)) throw error;
        const after = await readPortfolio(this.#o.store, this.key);
        version = after !== undefined && canonical(after.value) === canonical(out) ? after.version : null;
      }
      if (version !== null) {
        onWritten();
        return null;
      }
      if (attempt >= this.#maxAttempts) throw new StateConflictError(this.key, snap?.version ?? null);
      await (this.#o.pause ?? randomPause)(attempt);
      snap = await readPortfolio(this.#o.store, this.key);
    }
  }
}

const isPortfolio = (v: object): v is PortfolioRecord => (v as { kind?: unknown }).kind === 'portfolio';

function randomPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
