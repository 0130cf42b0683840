/**
 * One contender of the stale-lock takeover race (test/adapters/file-lock-takeover.test.ts):
 *
 *   node --import tsx test/support/lock-racer.ts --dir X --keys K0/USDT,K1/USDT,… --gap-ms 30 --name p0
 *
 * Prints `ready`, waits for `go <t0>` on stdin; for round r, at t0 + r·gap (spinning the last
 * milliseconds so that every contender starts within microseconds), it tries to take key r's lock
 * (a stale lock of a dead pid) once; if it gets a lease, it reads the record and compare-and-sets
 * it on version 1, the version every contender found. Leases are kept until every round is done
 * (so a later contender cannot simply take a released lock), then released. Prints one JSON line:
 * `{ name, rounds: [{ lease, readVersion, won }], lostAtRelease }`.
 */
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { FileLock, FileStateStore, type LockLease } from 'cycle-engine';

const { values } = parseArgs({ options: { dir: { type: 'string' }, keys: { type: 'string' }, 'gap-ms': { type: 'string' }, name: { type: 'string' } } });
const keys = values.keys!.split(',');
const gap = Number(values['gap-ms'] ?? 30);
const lock = new FileLock({ dir: path.join(values.dir!, 'locks') });
const store = new FileStateStore({ dir: path.join(values.dir!, 'state') });

const lines = readline.createInterface({ input: process.stdin });
process.stdout.write('ready\n');
const t0 = await new Promise<number>((resolve) => lines.on('line', (l) => l.startsWith('go ') && resolve(Number(l.slice(3)))));
lines.close();

const rounds: Array<{ lease: boolean; readVersion: number | null; won: boolean }> = [];
const leases: LockLease[] = [];
for (let r = 0; r < keys.length; r++) {
  const at = t0 + r * gap;
  if (at - Date.now() > 3) await new Promise((resolve) => setTimeout(resolve, at - Date.now() - 3));
  while (Date.now() < at); // spin: every contender starts its attempt within the same millisecond
  const key = keys[r]!;
  const lease = await lock.acquire(key, { waitMs: 0, ttlMs: 60_000 });
  if (lease === null) {
    rounds.push({ lease: false, readVersion: null, won: false });
    continue;
  }
  leases.push(lease);
  const snap = await store.get(key);
  const won = await store.compareAndSet(key, 1, { ...snap!.value, updatedAt: Date.now() });
  rounds.push({ lease: true, readVersion: snap?.version ?? null, won: won !== null });
}
let lostAtRelease = 0;
for (const lease of leases) await lease.release().catch(() => lostAtRelease++);
process.stdout.write(`${JSON.stringify({ name: values.name, rounds, lostAtRelease })}\n`);
process.exit(0);
