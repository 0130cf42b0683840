/**
 * In-memory state store, for tests and single-process bots.
 */
import { CycleEngineError } from '../../errors';
import { explainInvalidStoredValue } from '../../ports/record';
import type { StateStore, StoredRecord, StoredValue, VersionedRecord } from '../../ports/state-store';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A {@link StateStore} in process memory. Records are copied once on write and frozen, so reads
 * cost no copy (the engine's tick reads every symbol) and no caller can change a stored record
 * by mutating what it got. Nothing survives the process: use `FileStateStore` to keep cycles
 * across restarts.
 * @public
 */
export class MemoryStateStore implements StateStore {
  readonly #records = new Map<string, VersionedRecord>();

  /** {@inheritDoc StateStore.get} */
  async get(key: string): Promise<VersionedRecord | undefined> {
    return this.#records.get(key);
  }

  /**
   * {@inheritDoc StateStore.compareAndSet}
   * @throws {@link CycleEngineError} when `value` is not a valid cycle or portfolio record (nothing is written), as the file store does
   */
  async compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    const invalid = explainInvalidStoredValue(value);
    if (invalid !== undefined) throw new CycleEngineError(`Refusing to write an invalid record for \`${key}\`: ${invalid}`);
    const current = this.#records.get(key);
    if ((current?.version ?? null) !== expectedVersion) return null;
    const version = (current?.version ?? 0) + 1;
    this.#records.set(key, Object.freeze({ version, value: deepFreeze(structuredClone(value)) }));
    return version;
  }

  /** {@inheritDoc StateStore.list} */
  async list(): Promise<StoredRecord[]> {
    return [...this.#records].map(([key, r]) => ({ key, version: r.version, value: r.value }));
  }

  /** {@inheritDoc StateStore.close} */
  async close(): Promise<void> {}
}
