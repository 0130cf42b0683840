/**
 * e. FileStateStore transition cost: lock + read + compare-and-set write, beside a bare durable
 * write (temp file + fsync + rename + directory fsync) measured in the same run, interleaved so
 * that machine noise hits both alike; then the same transition with 10, 1,000 and 10,000 cycles
 * already in the store.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileLock, FileStateStore, type CycleRecord } from 'cycle-engine';
import { fsyncDir, writeTempFile } from '../src/adapters/file/durable';
import { keyToName } from '../src/adapters/file/key-names';
import { casWrite } from '../src/adapters/file/versioned-dir';
import { assertCycleRecord, emptyRecord } from '../src/ports/record';
import { upgradeCycleRecord } from '../src/ports/record-v1';
import { percentile, type Row } from './stats';

const SAMPLES = 400;

async function bareWrite(dir: string, i: number): Promise<void> {
  const tmp = await writeTempFile(dir, JSON.stringify({ i, record: emptyRecord('ETH/USDT', i) }), 0o600);
  fs.renameSync(tmp, path.join(dir, 'bare.json'));
  await fsyncDir(dir);
}

async function transition(store: FileStateStore, lock: FileLock, key: string, i: number): Promise<void> {
  const lease = await lock.acquire(key);
  if (lease === null) throw new Error('lock busy in the bench');
  const snap = await store.get(key);
  const stored = snap?.value;
  if (stored !== undefined) assertCycleRecord(key, stored);
  const next: CycleRecord = { ...(stored === undefined ? emptyRecord(key, i) : upgradeCycleRecord(stored)), updatedAt: i };
  if ((await store.compareAndSet(key, snap?.version ?? null, next)) === null) throw new Error('conflict in the bench');
  await lease.release();
}

/** Seeds n cycles quickly: the same files the store writes, without fsync (it is only set-up). */
async function seed(dir: string, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `S${String(i).padStart(5, '0')}/USDT`;
    const keyDir = path.join(dir, keyToName(key));
    fs.mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    await casWrite(keyDir, null, { key, value: emptyRecord(key, i) }, () => null, { durable: false, mode: 0o600, keep: 2 });
    keys.push(key);
  }
  return keys;
}

/** Transition and bare-write samples, interleaved. */
async function measure(existing: number): Promise<{ transition: number[]; bare: number[] }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-bench-file-'));
  try {
    const keys = await seed(path.join(root, 'state'), existing);
    // Let the seeding's housekeeping (temp names to unlink) run, then flush its dirty pages now:
    // otherwise the measured fsyncs would pay for writing the set-up back.
    await new Promise((resolve) => setImmediate(resolve));
    execFileSync('sync');
    const store = new FileStateStore({ dir: path.join(root, 'state') });
    const lock = new FileLock({ dir: path.join(root, 'locks') });
    fs.mkdirSync(path.join(root, 'bare'));
    const t: number[] = [];
    const b: number[] = [];
    // The same working set of 10 cycles in every run, spread over the store: what varies is how
    // many cycles the store holds, which is what a one-file-per-key layout must make irrelevant.
    const active = Array.from({ length: 10 }, (_, j) => keys[Math.floor((j * keys.length) / 10)] as string);
    for (let i = 0; i < SAMPLES + 20; i++) {
      const key = active[i % active.length] as string;
      let t0 = performance.now();
      await transition(store, lock, key, i);
      const tt = performance.now() - t0;
      t0 = performance.now();
      await bareWrite(path.join(root, 'bare'), i);
      const bt = performance.now() - t0;
      if (i >= 20) {
        t.push(tt);
        b.push(bt);
      }
    }
    return { transition: t, bare: b };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The rows of section e. */
export async function fileStoreRows(log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const at: Record<number, number> = {};
  for (const n of [10, 1_000, 10_000]) {
    log(`e. FileStateStore transition with ${n.toLocaleString('en-US')} cycles in the store`);
    const m = await measure(n);
    const t50 = percentile(m.transition, 50);
    const b50 = percentile(m.bare, 50);
    at[n] = t50;
    const label = n.toLocaleString('en-US');
    rows.push(
      { name: `e. file transition p50, ${label} cycles`, value: t50, unit: 'ms', target: null, note: `p99 ${percentile(m.transition, 99).toFixed(3)} ms; lock + read + CAS write on 10 of the cycles, ${SAMPLES} samples` },
      { name: `e. bare durable write p50 (same run)`, value: b50, unit: 'ms', target: null, note: `p99 ${percentile(m.bare, 99).toFixed(3)} ms; temp + fsync + rename + dir fsync, interleaved` },
      { name: `e. transition / bare write, ${label} cycles`, value: t50 / b50, unit: '×', target: 1.5, note: 'ratio of the p50s' },
    );
  }
  rows.push({ name: 'e. transition at 10,000 / at 10 cycles', value: (at[10_000] as number) / (at[10] as number), unit: '×', target: 1.3, note: 'ratio of the p50s: one file per key' });
  return rows;
}
