/**
 * Reads and writes of the portfolio book that go straight to the store: the portfolio record, and
 * the default cycle read and fence of a sweep (an engine passes its own write path instead).
 */
import { CorruptStateError, isWriteUnknownError } from '../errors';
import { isPortfolioRecord, type PortfolioRecord } from '../ports/portfolio-record';
import { assertCycleRecord, emptyRecord, type CycleRecord } from '../ports/record';
import { upgradeCycleRecord } from '../ports/record-v1';
import type { StateStore } from '../ports/state-store';

/**
 * A cycle record as read for a sweep, with the version the fence writes against.
 * @internal
 */
export interface CycleSnapshot {
  readonly version: number;
  /** The record, as schema 2. */
  readonly value: CycleRecord;
}

/**
 * Reads the cycle record under a store key (any engine's key prefix), or `undefined` when none.
 * @internal
 */
export type ReadCycle = (key: string) => Promise<CycleSnapshot | undefined>;

/**
 * Fences a cycle key: a compare-and-set from `snap.version` to the same record (or, when `snap`
 * is `undefined`, the creation of an empty idle record for `symbol`), so that any writer holding
 * an older read fails. Resolves true when the fence landed, false when the key moved on (or the
 * result is unknown): the reservation is then judged again by a later sweep.
 * @internal
 */
export type FenceCycle = (key: string, symbol: string, snap: CycleSnapshot | undefined) => Promise<boolean>;

/**
 * The portfolio record under `key` with its version, or `undefined` when none was written.
 * @throws {@link CorruptStateError} when the key holds something else (a cycle record)
 * @internal
 */
export async function readPortfolio(store: StateStore, key: string): Promise<{ version: number; value: PortfolioRecord } | undefined> {
  const snap = await store.get(key);
  if (snap === undefined) return undefined;
  if (!isPortfolioRecord(snap.value)) throw new CorruptStateError(key, 'the portfolio key holds something else than the portfolio record (a cycle record?): check portfolioKey and the engines\' key prefixes');
  return { version: snap.version, value: snap.value };
}

/**
 * The default {@link ReadCycle}: the store's record, validated (not against a key prefix: the
 * reservations name keys of every engine) and upgraded to schema 2.
 * @internal
 */
export function storeReadCycle(store: StateStore): ReadCycle {
  return async (key) => {
    const snap = await store.get(key);
    if (snap === undefined) return undefined;
    const value: unknown = snap.value;
    assertCycleRecord(key, value);
    return { version: snap.version, value: upgradeCycleRecord(value) };
  };
}

/**
 * The default {@link FenceCycle}: a compare-and-set on the store itself.
 * @internal
 */
export function storeFence(store: StateStore, clock: { now(): number }): FenceCycle {
  return async (key, symbol, snap) => {
    try {
      return (await store.compareAndSet(key, snap?.version ?? null, snap?.value ?? emptyRecord(symbol, clock.now()))) !== null;
    } catch (error) {
      if (isWriteUnknownError(error)) return false;
      throw error;
    }
  };
}
