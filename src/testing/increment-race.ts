/**
 * A tagged increment race on one key, and its judge: the evidence behind the "every reported
 * success applied once, no reported conflict applied" conformance case (and the two-process
 * FileStateStore test, whose children run the same writer).
 *
 * Each write adds one to `closedCycles` (the counter) and appends the writer's unique tag to
 * `recent`, so any record read names the tags of its last {@link TAGS_KEPT} increments by counter
 * value. The writers' reads, together, reconstruct the key's history; the judge compares it with
 * what each writer was told.
 */
import { assertCycleRecord, type StoredCycleRecord } from '../ports/record';
import type { StateStore, StoredValue } from '../ports/state-store';

/** Tags a record keeps: more than the writes that can land between two reads of one writer. @internal */
export const TAGS_KEPT = 64;

/**
 * What one writer was told and saw.
 * @internal
 */
export interface RaceLedger {
  /** `[counter written, tag]` of every write that resolved with a version. */
  readonly won: Array<[number, string]>;
  /** Tags of writes that resolved `null`. */
  readonly lost: string[];
  /** Tags of writes that threw `WriteUnknownError` (either outcome is allowed). */
  readonly unknown: string[];
  /** counter → tag, from every record this writer read. */
  readonly seen: Record<number, string>;
}

/** The record one increment writes: counter + 1, the tag appended. @internal */
export function incremented<T extends StoredCycleRecord>(base: T, tag: string): T {
  return { ...base, closedCycles: base.closedCycles + 1, recent: [...base.recent, tag].slice(-TAGS_KEPT) };
}

/** Notes the counter → tag pairs a record proves. @internal */
export function observe(seen: Record<number, string>, record: StoredCycleRecord): void {
  const n = record.recent.length;
  record.recent.forEach((tag, i) => {
    seen[record.closedCycles - (n - 1 - i)] = tag;
  });
}

/** Options of {@link raceIncrements}. @internal */
export interface RaceOptions {
  /** Prefix of this writer's tags (unique per writer). */
  readonly writer: string;
  /** Stop after this many reported successes. */
  readonly successes: number;
  /** Give up after this many attempts (a store that never lets a write through). */
  readonly maxAttempts?: number | undefined;
  /** Awaited between the read and the write, and after each write: where other writers get in. */
  readonly pause?: () => Promise<void>;
}

/**
 * Seeded pauses for {@link RaceOptions.pause}: each yields 0–3 turns of the event loop (microtasks
 * or `setImmediate`), so that concurrent writers interleave differently at every await, the same
 * way on every run.
 * @internal
 */
export function seededPauses(seed: number): () => Promise<void> {
  let a = seed >>> 0;
  const next = (): number => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return async () => {
    const turns = Math.floor(next() * 4);
    for (let i = 0; i < turns; i++) {
      if (next() < 0.5) await Promise.resolve();
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
}

/**
 * One writer: `get`, then `compareAndSet` of the incremented record, until `successes` writes
 * were reported won. A `WRITE_UNKNOWN` error is noted and the race goes on; any other error ends it.
 * @throws whatever the store throws but `WRITE_UNKNOWN`
 * @internal
 */
export async function raceIncrements(store: StateStore, key: string, options: RaceOptions): Promise<RaceLedger> {
  const ledger: RaceLedger = { won: [], lost: [], unknown: [], seen: {} };
  const maxAttempts = options.maxAttempts ?? options.successes * 200;
  for (let attempt = 0; ledger.won.length < options.successes && attempt < maxAttempts; attempt++) {
    const current = await store.get(key);
    if (current === undefined) throw new Error(`increment race: key ${key} has no record (seed it first)`);
    const value: StoredValue = current.value;
    assertCycleRecord(key, value);
    observe(ledger.seen, value);
    await options.pause?.();
    const tag = `${options.writer}.${attempt}`;
    const next = incremented(value, tag);
    try {
      const version = await store.compareAndSet(key, current.version, next);
      if (version === null) ledger.lost.push(tag);
      else ledger.won.push([next.closedCycles, tag]);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'WRITE_UNKNOWN') throw error;
      ledger.unknown.push(tag);
    }
    await options.pause?.();
  }
  return ledger;
}

/**
 * The verdict on a race. Every list must be empty and `missing` 0 for a correct store.
 * @internal
 */
export interface RaceVerdict {
  readonly successes: number;
  readonly conflicts: number;
  readonly unknowns: number;
  /** Writes in the history (the final counter). */
  readonly landed: number;
  /** Tags reported `null` that are in the history: "conflicts" that were written. */
  readonly phantoms: string[];
  /** Tags reported won that are not in the history at the counter they wrote. */
  readonly lostSuccesses: string[];
  /** Tags in the history more than once. */
  readonly duplicates: string[];
  /** Counters two reads disagree on (a fork of the history). */
  readonly forks: number[];
  /** Counters 1…final no read showed (the history could not be checked there). */
  readonly missing: number;
}

/** Judges the writers' ledgers against the final record (a cycle record: anything else throws). @internal */
export function judgeRace(ledgers: readonly RaceLedger[], final: StoredValue, start = 0): RaceVerdict {
  assertCycleRecord('race', final);
  const history = new Map<number, string>();
  const forks = new Set<number>();
  const note = (counter: number, tag: string): void => {
    const had = history.get(counter);
    if (had !== undefined && had !== tag) forks.add(counter);
    else history.set(counter, tag);
  };
  const last: Record<number, string> = {};
  observe(last, final);
  for (const seen of [...ledgers.map((l) => l.seen), last]) for (const [c, tag] of Object.entries(seen)) note(Number(c), tag);
  const counts = new Map<string, number>();
  let missing = 0;
  for (let c = start + 1; c <= final.closedCycles; c++) {
    const tag = history.get(c);
    if (tag === undefined) missing++;
    else counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  const all = ledgers.flatMap((l) => l.won);
  return {
    successes: all.length,
    conflicts: ledgers.reduce((n, l) => n + l.lost.length, 0),
    unknowns: ledgers.reduce((n, l) => n + l.unknown.length, 0),
    landed: final.closedCycles - start,
    phantoms: ledgers.flatMap((l) => l.lost).filter((tag) => counts.has(tag)),
    lostSuccesses: all.filter(([c, tag]) => history.get(c) !== tag).map(([, tag]) => tag),
    duplicates: [...counts].filter(([, n]) => n > 1).map(([tag]) => tag),
    forks: [...forks],
    missing,
  };
}
