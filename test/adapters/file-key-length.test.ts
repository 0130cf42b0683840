/**
 * Issue 9, case 18: a key too long for a file name. Before: FileStateStore and FileLock passed it
 * to the file system, which answered ENAMETOOLONG on every call (every tick of an engine). Now: an
 * InvalidOptionsError naming the key and the limit, at the call, before any file is touched; a key
 * at the limit works.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLock, FileStateStore, InvalidOptionsError } from 'cycle-engine';
import { sampleRecords } from 'cycle-engine/testing';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-key-length-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const record = sampleRecords('X').idle;
// The longest keys: 250 encoded bytes (a file name is at most 255, and the lock adds `.lock`).
const LONGEST = ['a'.repeat(250), `${'日'.repeat(27)}${'b'.repeat(7)}`]; // 27 × 9 + 7 = 250
const TOO_LONG = ['a'.repeat(251), 'A/'.repeat(84), '日'.repeat(28), 'x'.repeat(10_000)];

describe('FileStateStore and FileLock: a key too long for a file name', () => {
  it.each(TOO_LONG.map((k) => [`${k.slice(0, 12)}… (${k.length} characters)`, k]))('%s: InvalidOptionsError naming the limit, nothing written', async (_, key) => {
    const store = new FileStateStore({ dir: path.join(root, 'state') });
    const lock = new FileLock({ dir: path.join(root, 'locks') });
    for (const call of [() => store.compareAndSet(key, null, record), () => store.get(key), () => lock.acquire(key)]) {
      const error = await call().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', option: 'key' });
      expect((error as Error).message).toMatch(/too long for a file name.*255.*at most 250 encoded bytes/);
      expect((error as Error).message).not.toMatch(/ENAMETOOLONG/);
    }
    expect(fs.existsSync(path.join(root, 'state')) ? fs.readdirSync(path.join(root, 'state')) : []).toEqual([]);
  });

  it.each(LONGEST.map((k) => [`${k.slice(0, 12)}… (${k.length} characters)`, k]))('%s: at the limit, stored and locked', async (_, key) => {
    const store = new FileStateStore({ dir: path.join(root, 'ok') });
    expect(await store.compareAndSet(key, null, record)).toBe(1);
    expect(await store.get(key)).toEqual({ version: 1, value: record });
    expect((await store.list()).map((r) => r.key)).toContain(key);
    const lease = await new FileLock({ dir: path.join(root, 'ok-locks') }).acquire(key);
    expect(lease).not.toBeNull();
    await lease!.release();
  });
});
