/**
 * The two-process FileStateStore race of test/multiprocess/file-cas-race.test.ts, for longer:
 *
 *   npx tsx scripts/file-cas-race.ts [--rounds 8] [--successes 500]
 *
 * Each round, two processes race `get` + `compareAndSet` increments on one key without a lock
 * until each was told `successes` writes won. Prints each round's counts and the totals; exits 1
 * when a write reported `null` landed (a phantom conflict) or a reported success is missing.
 */
import { parseArgs } from 'node:util';
import { runFileCasRace } from '../test/support/file-cas-race';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, successes: { type: 'string', default: '500' } } });
const rounds = Number(values.rounds);
const successes = Number(values.successes);
const total = { writes: 0, successes: 0, conflicts: 0, unknowns: 0, landed: 0, phantoms: 0, lostSuccesses: 0, duplicates: 0, forks: 0, unchecked: 0 };
for (let round = 1; round <= rounds; round++) {
  const v = await runFileCasRace(successes);
  const row = {
    writes: v.successes + v.conflicts + v.unknowns, successes: v.successes, conflicts: v.conflicts, unknowns: v.unknowns, landed: v.landed,
    phantoms: v.phantoms.length, lostSuccesses: v.lostSuccesses.length, duplicates: v.duplicates.length, forks: v.forks.length, unchecked: v.missing,
  };
  for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += row[k];
  console.log(`round ${round}: ${JSON.stringify(row)} in ${v.ms} ms`);
}
console.log(`total: ${JSON.stringify(total)}`);
process.exit(total.phantoms + total.lostSuccesses + total.duplicates + total.forks > 0 ? 1 : 0);
