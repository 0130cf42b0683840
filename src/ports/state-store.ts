/**
 * The state store port: a versioned key-value store of cycle records (and of the one portfolio
 * record the engines sharing it reserve their budget in).
 */
import type { WriteUnknownError } from '../errors';
import type { PortfolioRecord } from './portfolio-record';
import type { CycleRecord, StoredCycleRecord } from './record';

/**
 * A value a {@link StateStore} holds: a cycle record (schema 2, or 1 as 0.1 wrote it) under a
 * cycle key, or the shared {@link PortfolioRecord} (`kind: 'portfolio'`) under the portfolio key.
 * Code that lists a store skips the portfolio record (see `isPortfolioRecord`).
 * @public
 */
export type StoredValue = StoredCycleRecord | PortfolioRecord;

/**
 * A record with the version it was read at.
 * @public
 */
export interface VersionedRecord {
  /** Version of the record; every successful write increases it. */
  readonly version: number;
  /**
   * The record as stored: a cycle record (schema 2, or schema 1 written by 0.1: see
   * `upgradeCycleRecord`), or the portfolio record under the portfolio key. Treat it as immutable.
   */
  readonly value: StoredValue;
}

/**
 * A stored record with its key.
 * @public
 */
export interface StoredRecord extends VersionedRecord {
  /** The store key. */
  readonly key: string;
}

/**
 * A versioned key-value store of {@link CycleRecord}s, and of the one {@link PortfolioRecord}
 * the engines sharing it reserve their budget in (see {@link StoredValue}). Every write is a
 * compare-and-set on the version read: that is what makes a stale writer (a paused process, a
 * lost lease, another host) fail instead of overwrite; a write whose result is unknown throws {@link WriteUnknownError}
 * (see {@link StateStore.compareAndSet}). Run `describeStateStore` from `cycle-engine/testing`
 * against your own implementation.
 * @public
 */
export interface StateStore {
  /** The record under `key` and its version, or `undefined` when there is none. */
  get(key: string): Promise<VersionedRecord | undefined>;
  /**
   * Writes `value` if the stored version is `expectedVersion` (`null`: only if the key is absent).
   *
   * The answer must be certain either way: resolve with the new version only when the write is
   * (and stays) part of the key's history, and with `null` only when nothing this call wrote is or
   * ever will be (the stored version differed). When the store cannot tell — the reply was lost,
   * the connection dropped after the request left, the evidence was gone — it must throw a
   * {@link WriteUnknownError} (code `WRITE_UNKNOWN`), never resolve `null`: the engine treats
   * `null` as "not written" and acts on it, and re-reads after a `WriteUnknownError`. Any other
   * error means the write was refused before anything was applied.
   * @throws {@link WriteUnknownError} when the write may or may not have been applied
   */
  compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null>;
  /** Every record in the store. */
  list(): Promise<StoredRecord[]>;
  /** Frees resources. */
  close?(): Promise<void>;
}
