/**
 * The increment race behind the conformance case "every reported success is applied exactly once,
 * no reported conflict is applied" (issue 15) can fail: a store that reports `null` for a write it
 * made, or a version for a write it dropped, is caught; one that throws WriteUnknownError is not.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore, WriteUnknownError, type CycleRecord, type StateStore } from 'cycle-engine';
import { sampleRecords } from 'cycle-engine/testing';
import { judgeRace, raceIncrements, seededPauses } from '../../src/testing/increment-race';

/** A MemoryStateStore whose every `every`-th write that would win is misreported by `lie`. */
function lying(every: number, lie: 'phantom' | 'dropped' | 'unknown'): StateStore {
  const inner = new MemoryStateStore();
  let wins = 0;
  return {
    get: (key) => inner.get(key),
    list: () => inner.list(),
    async compareAndSet(key: string, expected: number | null, value: CycleRecord) {
      const current = await inner.get(key);
      const wouldWin = (current?.version ?? null) === expected;
      if (wouldWin && ++wins % every === 0) {
        if (lie === 'dropped') return (expected ?? 0) + 1; // told won, never written
        await inner.compareAndSet(key, expected, value);
        if (lie === 'phantom') return null; // written, told lost
        throw new WriteUnknownError(key, 'landed, but the store cannot tell');
      }
      return inner.compareAndSet(key, expected, value);
    },
  };
}

async function race(store: StateStore) {
  const key = 'RACE/USDT';
  await store.compareAndSet(key, null, { ...sampleRecords(key).idle, closedCycles: 0, recent: [] });
  const pause = seededPauses(7);
  const ledgers = await Promise.all([0, 1, 2, 3].map((n) => raceIncrements(store, key, { writer: `w${n}`, successes: 15, pause })));
  return judgeRace(ledgers, (await store.get(key))!.value);
}

describe('the increment race judge', () => {
  it('a correct store: clean verdict', async () => {
    const v = await race(new MemoryStateStore());
    expect(v).toMatchObject({ successes: 60, landed: 60, phantoms: [], lostSuccesses: [], duplicates: [], forks: [], missing: 0 });
    expect(v.conflicts).toBeGreaterThan(0); // the writers did race
  });

  it('a store that reports null for a write it made: phantom conflicts', async () => {
    const v = await race(lying(5, 'phantom'));
    expect(v.phantoms.length).toBeGreaterThan(0);
    expect(v.landed).toBe(v.successes + v.phantoms.length);
  });

  it('a store that reports a version for a write it dropped: lost successes', async () => {
    const v = await race(lying(5, 'dropped'));
    expect(v.lostSuccesses.length).toBeGreaterThan(0);
  });

  it('a store that throws WriteUnknownError for a write it made: allowed, counted as unknown', async () => {
    const v = await race(lying(5, 'unknown'));
    expect(v.unknowns).toBeGreaterThan(0);
    expect(v).toMatchObject({ phantoms: [], lostSuccesses: [], duplicates: [], forks: [], missing: 0 });
    expect(v.landed).toBe(v.successes + v.unknowns);
  });
});
