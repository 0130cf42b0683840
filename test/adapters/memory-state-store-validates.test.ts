/**
 * Issue 9, case 17: MemoryStateStore.compareAndSet validates what it is given, as the file store
 * does — an invalid record is refused and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { CycleEngineError, MemoryStateStore, type CycleRecord } from 'cycle-engine';
import { sampleRecords } from 'cycle-engine/testing';

describe('MemoryStateStore validates records on write (issue 9, case 17)', () => {
  it.each<[string, unknown]>([
    ['not an object', 'hello'],
    ['an active record without a position', { ...sampleRecords().active, position: null }],
    ['a negative baseVolume', { ...sampleRecords().active, position: { ...sampleRecords().active.position, baseVolume: '-1' } }],
    ['an avgPrice of 0', { ...sampleRecords().active, position: { ...sampleRecords().active.position, avgPrice: '0' } }],
  ])('refuses %s and writes nothing', async (_case, value) => {
    const store = new MemoryStateStore();
    await expect(store.compareAndSet('ETH/USDT', null, value as CycleRecord)).rejects.toThrow(CycleEngineError);
    await expect(store.compareAndSet('ETH/USDT', null, value as CycleRecord)).rejects.toThrow(/Refusing to write an invalid record for `ETH\/USDT`/);
    expect(await store.get('ETH/USDT')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('writes a valid record', async () => {
    const store = new MemoryStateStore();
    expect(await store.compareAndSet('ETH/USDT', null, sampleRecords().active)).toBe(1);
  });
});
