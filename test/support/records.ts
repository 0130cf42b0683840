/**
 * Reading cycle records in tests as the engine sees them (schema 2, a schema-1 record upgraded).
 */
import { upgradeCycleRecord, type CycleRecord, type OrderSlot, type StateStore, type StoredCycleRecord } from 'cycle-engine';

/** The record under `key`, upgraded to schema 2, or undefined. */
export async function readCycle(store: Pick<StateStore, 'get'>, key: string): Promise<CycleRecord | undefined> {
  const snap = await store.get(key);
  return snap === undefined ? undefined : upgradeCycleRecord(snap.value);
}

/** A stored value as schema 2. */
export function asV2(value: StoredCycleRecord): CycleRecord;
export function asV2(value: StoredCycleRecord | undefined): CycleRecord | undefined;
export function asV2(value: StoredCycleRecord | undefined): CycleRecord | undefined {
  return value === undefined ? undefined : upgradeCycleRecord(value);
}

/** The cycle's MARKET order in flight (start, rebuy, take-profit), or null: what 0.1 called `order`. */
export function marketSlot(record: { orders: readonly OrderSlot[] } | null | undefined): OrderSlot | null {
  return record?.orders.find((o) => o.type === 'market') ?? null;
}
