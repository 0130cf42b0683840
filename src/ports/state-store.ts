/**
 * The state store port: a versioned key-value store of cycle records.
 */
import type { CycleRecord } from './record';

/**
 * A record with the version it was read at.
 * @public
 */
export interface VersionedRecord {
  /** Version of the record; every successful write increases it. */
  readonly version: number;
  /** The record. Treat it as immutable. */
  readonly value: CycleRecord;
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
 * A versioned key-value store of {@link CycleRecord}s. Every write is a compare-and-set on the
 * version read: that is what makes a stale writer (a paused process, a lost lease, another host)
 * fail instead of overwrite. Run `describeStateStore` from `cycle-engine/testing` against your
 * own implementation.
 * @public
 */
export interface StateStore {
  /** The record under `key` and its version, or `undefined` when there is none. */
  get(key: string): Promise<VersionedRecord | undefined>;
  /**
   * Writes `value` if the stored version is `expectedVersion` (`null`: only if the key is absent).
   * Resolves with the new version, or `null` when the stored version differs (nothing written).
   */
  compareAndSet(key: string, expectedVersion: number | null, value: CycleRecord): Promise<number | null>;
  /** Every record in the store. */
  list(): Promise<StoredRecord[]>;
  /** Frees resources. */
  close?(): Promise<void>;
}
