/**
 * Reading cycle records in tests as the engine sees them (schema 2, a schema-1 record upgraded).
 */
import { isPortfolioRecord, upgradeCycleRecord, type CycleRecord, type OrderSlot, type StateStore, type StoredValue } from 'cycle-engine';

/** The record under `key`, upgraded to schema 2, or undefined. */
export async function readCycle(store: Pick<StateStore, 'get'>, key: string): Promise<CycleRecord | undefined> {
  const snap = await store.get(key);
  return asV2(snap?.value);
}

/** A stored cycle record as schema 2 (a test that reads the portfolio record here has a bug: it throws). */
export function asV2(value: StoredValue): CycleRecord;
export function asV2(value: StoredValue | undefined): CycleRecord | undefined;
export function asV2(value: StoredValue | undefined): CycleRecord | undefined {
  if (value === undefined) return undefined;
  if (isPortfolioRecord(value)) throw new Error('expected a cycle record, got the portfolio record');
  return upgradeCycleRecord(value);
}

/** The cycle's MARKET order in flight (start, rebuy, take-profit), or null: what 0.1 called `order`. */
export function marketSlot(record: { orders: readonly OrderSlot[] } | null | undefined): OrderSlot | null {
  return record?.orders.find((o) => o.type === 'market') ?? null;
}
