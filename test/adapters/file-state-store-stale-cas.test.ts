/**
 * A stale writer's compare-and-set must fail, also while another writer prunes old versions.
 *
 * FileStateStore keeps the newest two `v<N>.json` of a key. A writer that read version N and links
 * after the key moved to N+3 re-creates the pruned `v<N+1>.json` (the name is free again), then
 * lists the directory to see whether it was stale. The version of `casWrite`
 * (src/adapters/file/versioned-dir.ts) this was written against took "my file is gone" as "already
 * pruned: successors were built on it" and reported success when a concurrent writer pruned the
 * re-created file between the link and the listing: the stale writer was told it won although
 * nothing it wrote was ever the state (an engine told so acts on a transition that never
 * happened). The first test hits that window by racing two real stores (it hit ~40–60% of attempts
 * on ext4); the other two force each window deterministically by holding the stale writer's fsyncs.
 *
 * The other side (issue 15): a write that landed must never be reported as a conflict, and one the
 * store cannot prove either way is a WriteUnknownError — forced by holding, or failing, a genuine
 * writer's directory fsync.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CycleRecord, StoredValue } from 'cycle-engine';

/** A stored value this test wrote: a cycle record (a type-only narrowing: nothing may load the store before the gate). */
const asCycle = (value: StoredValue | undefined): CycleRecord | undefined => value as CycleRecord | undefined;

// A gate on fs.fsync, installed before the store's modules load (durable.ts promisifies fs.fsync
// at load): after `holdIn(dir)`, the next fsync of a file or directory under `dir` waits until
// `release()`. Only that path is held (on Linux the fd's path is read from /proc/self/fd), so an
// fsync of anything else — another test's store, vitest itself — goes through.
const realFsync = fs.fsync;
let holdUnder: string | null = null;
let held: ((fail?: NodeJS.ErrnoException) => void) | null = null;
const pathOfFd = (fd: number): string | null => {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null; // no /proc: hold the next fsync, whatever it is
  }
};
(fs as { fsync: unknown }).fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
  if (holdUnder === null) return realFsync(fd, cb);
  const where = pathOfFd(fd);
  if (where !== null && !where.startsWith(holdUnder)) return realFsync(fd, cb);
  holdUnder = null;
  held = (fail) => (fail ? cb(fail) : realFsync(fd, cb));
};
const { FileStateStore } = await import('cycle-engine');
const { emptyRecord } = await import('../../src/ports/record');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-stale-cas-'));
afterAll(() => {
  (fs as { fsync: unknown }).fsync = realFsync;
  fs.rmSync(root, { recursive: true, force: true });
});

const record = (key: string, n: number): CycleRecord => ({ ...emptyRecord(key, n), closedCycles: n });
const versionsOf = (store: InstanceType<typeof FileStateStore>, key: string) =>
  fs.readdirSync(store.pathOf(key)).filter((f) => /^v\d+\.json$/.test(f)).map((f) => Number(f.slice(1, -5))).sort((a, b) => a - b);
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function heldFsync(): Promise<void> {
  for (let i = 0; i < 20_000 && held === null; i++) await turn();
  if (held === null) throw new Error('the fsync gate never engaged: durable.ts no longer fsyncs through fs.fsync; update this test');
}
function release(fail?: NodeJS.ErrnoException): void {
  const h = held!;
  held = null;
  h(fail);
}

/** A key at version 1 read by `stale` (which caches its nonce), and the `live` writer. */
async function setup(name: string) {
  const key = `${name}/USDT`;
  const stale = new FileStateStore({ dir: root });
  const live = new FileStateStore({ dir: root });
  expect(await live.compareAndSet(key, null, record(key, 1))).toBe(1);
  expect((await stale.get(key))?.version).toBe(1);
  return { key, stale, live };
}

describe('FileStateStore: a writer stale by 3 versions never wins, even while another writer prunes', () => {
  it('raced for real, 100 times: the stale CAS returns null every time, and the head is the live writer’s', async () => {
    const staleWins: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { key, stale, live } = await setup(`R${i}`);
      let v: number | null = 1;
      for (let n = 2; n <= 4; n++) v = await live.compareAndSet(key, v!, record(key, n)); // the key moves on to 4
      const [staleResult, liveResult] = await Promise.all([stale.compareAndSet(key, 1, record(key, 100)), live.compareAndSet(key, v!, record(key, 5))]);
      expect(liveResult).toBe(5);
      const head = await new FileStateStore({ dir: root }).get(key);
      expect(asCycle(head?.value)?.closedCycles).toBe(5); // the state is the live writer's
      if (staleResult !== null) staleWins.push(`attempt ${i}: CAS on version 1 returned ${staleResult} while the head is ${head?.version}`);
    }
    expect(staleWins).toEqual([]);
  });

  it('the key moves on by 3 versions between the stale writer’s check and its link: conflict, and its file is taken back', async () => {
    const { key, stale, live } = await setup('W1');
    holdUnder = stale.pathOf(key);
    const pending = stale.compareAndSet(key, 1, record(key, 100)); // head is 1: passes any up-front check …
    await heldFsync(); // … and waits in the fsync of its temp file
    let v: number | null = 1;
    for (let n = 2; n <= 4; n++) v = await live.compareAndSet(key, v!, record(key, n));
    await turn();
    expect(versionsOf(live, key)).toEqual([3, 4]); // v2 pruned: the stale writer's link will succeed
    release();
    expect(await pending).toBeNull();
    expect(versionsOf(live, key)).toEqual([3, 4]);
    expect(asCycle((await new FileStateStore({ dir: root }).get(key))?.value)?.closedCycles).toBe(4);
  });

  it('the stale writer’s link comes after its temp-file fsync: the head is checked again just before it, so nothing is linked', async () => {
    // (The version of casWrite this file was first written against linked here, then decided after
    // its directory fsync; the window between the link and the decision is now a few synchronous
    // calls, pinned case by case in file-link-verdict.test.ts.)
    const { key, stale, live } = await setup('W2');
    holdUnder = stale.pathOf(key);
    const pending = stale.compareAndSet(key, 1, record(key, 100));
    await heldFsync(); // temp file fsync
    let v: number | null = 1;
    for (let n = 2; n <= 4; n++) v = await live.compareAndSet(key, v!, record(key, n));
    await turn();
    const linked: string[] = [];
    const watcher = fs.watch(stale.pathOf(key), (_, name) => void (name === 'v2.json' && linked.push(name)));
    release();
    expect(await pending, 'the stale writer must not be told it won').toBeNull();
    await turn();
    watcher.close();
    expect(linked).toEqual([]);
    expect(versionsOf(live, key)).toEqual([3, 4]);
    expect(asCycle((await new FileStateStore({ dir: root }).get(key))?.value)?.closedCycles).toBe(4);
  });
});

describe('FileStateStore: a write that landed is never reported as a conflict (issue 15)', () => {
  it('the writer’s directory fsync is held after its link while another writer moves the key on by 3 and prunes its file and its successor: it returns its version', async () => {
    const { key, stale: writer, live } = await setup('P1');
    holdUnder = writer.pathOf(key);
    const pending = writer.compareAndSet(key, 1, record(key, 100));
    await heldFsync(); // the temp file's fsync
    holdUnder = writer.pathOf(key);
    release();
    await heldFsync(); // v2 is linked; the writer waits in the directory fsync
    expect(versionsOf(live, key)).toEqual([1, 2]);
    const read = await live.get(key);
    expect(asCycle(read?.value)?.closedCycles).toBe(100); // the writer's v2 is the state: others build on it
    let v = read!.version;
    for (let n = 101; n <= 103; n++) v = (await live.compareAndSet(key, v, record(key, n))) as number;
    await turn();
    expect(versionsOf(live, key)).toEqual([4, 5]); // v2 and v3 (which names v2 as its predecessor) pruned
    release();
    // Before the fix: null (it looked for its successor v3 after the fsync, found it pruned, and
    // took that as "not built on") although version 2 is in the history, built on three times.
    expect(await pending).toBe(2);
    expect(asCycle((await new FileStateStore({ dir: root }).get(key))?.value)?.closedCycles).toBe(103);
  });

  it('the directory fsync fails after the link: WriteUnknownError (the version may have been read), never null', async () => {
    const { key, stale: writer } = await setup('P2');
    holdUnder = writer.pathOf(key);
    const pending = writer.compareAndSet(key, 1, record(key, 100)).then((v) => ({ v }), (e: unknown) => ({ e }));
    await heldFsync(); // the temp file's fsync
    holdUnder = writer.pathOf(key);
    release();
    await heldFsync(); // v2 is linked, visible to readers; its directory fsync …
    expect(asCycle((await new FileStateStore({ dir: root }).get(key))?.value)?.closedCycles).toBe(100);
    release(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })); // … fails
    const result = await pending;
    expect(result).toHaveProperty('e');
    expect((result as { e: unknown }).e).toMatchObject({ name: 'WriteUnknownError', code: 'WRITE_UNKNOWN', key });
    expect(((result as { e: Error }).e.cause as { code?: string }).code).toBe('EIO');
  });
});
