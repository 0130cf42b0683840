/**
 * One writer of the two-process FileStateStore race (test/multiprocess/file-cas-race.test.ts and
 * scripts/file-cas-race.ts): `get` + `compareAndSet` increments on one key, no lock.
 *
 *   node --import tsx cas-racer.ts --dir X --key K --writer W --successes N
 *
 * Prints `ready`, starts at the stdin line `go`, and ends by printing `ledger <json>` (what it was
 * told and saw, see src/testing/increment-race.ts) and exiting 0.
 */
import { parseArgs } from 'node:util';
import { FileStateStore } from 'cycle-engine';
import { raceIncrements } from '../../src/testing/increment-race';

const { values } = parseArgs({ options: { dir: { type: 'string' }, key: { type: 'string' }, writer: { type: 'string' }, successes: { type: 'string' } } });
const store = new FileStateStore({ dir: values.dir! });

process.stdin.setEncoding('utf8');
process.stdin.once('data', () => {
  raceIncrements(store, values.key!, { writer: values.writer!, successes: Number(values.successes) }).then(
    (ledger) => {
      process.stdout.write(`ledger ${JSON.stringify(ledger)}\n`, () => process.exit(0));
    },
    (error: unknown) => {
      process.stderr.write(`cas-racer: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(3);
    },
  );
});
process.stdout.write('ready\n');
