/**
 * The two-process FileStateStore race, shared by its test and its script: two child processes
 * (test/support/cas-racer.ts) race `get` + `compareAndSet` increments on one key without a lock;
 * their ledgers are judged against the final record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStore } from 'cycle-engine';
import { emptyRecord } from '../../src/ports/record';
import { judgeRace, type RaceLedger, type RaceVerdict } from '../../src/testing/increment-race';
import { ROOT, spawnScript } from './child-processes';

const RACER = path.join(ROOT, 'test/support/cas-racer.ts');
const KEY = 'RACE/USDT';

/** Runs one round: `processes` writers, `successes` reported successes each. */
export async function runFileCasRace(successes: number, processes = 2): Promise<RaceVerdict & { ms: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-cas-race-'));
  try {
    const seed = emptyRecord(KEY, Date.now());
    await new FileStateStore({ dir }).compareAndSet(KEY, null, seed);
    const children = Array.from({ length: processes }, (_, i) =>
      spawnScript(RACER, ['--dir', dir, '--key', KEY, '--writer', `p${i}`, '--successes', String(successes)]),
    );
    await Promise.all(children.map((c) => c.waitFor('ready')));
    const t0 = Date.now();
    for (const c of children) c.send('go');
    const ledgers: RaceLedger[] = [];
    for (const c of children) {
      const { code } = await c.exited;
      const line = c.lines.find((l) => l.startsWith('ledger '));
      if (code !== 0 || line === undefined) throw new Error(`racer pid ${c.proc.pid} exited ${code}: ${c.stderr}`);
      ledgers.push(JSON.parse(line.slice('ledger '.length)) as RaceLedger);
    }
    const ms = Date.now() - t0;
    const final = await new FileStateStore({ dir }).get(KEY);
    return { ...judgeRace(ledgers, final!.value), ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
