/**
 * The crash campaign of test/crash/file-store-kill.test.ts, for longer:
 *
 *   npx tsx scripts/crash-soak.ts --kills 2000 [--seed 20261124] [--lanes 2] [--symbols 6] [--runner bundle|tsx]
 *
 * SIGKILLs the kill-writer (a real CycleEngine writing a FileStateStore) at seeded random instants
 * and checks the directory after every kill. Prints progress, then the counts and the result;
 * exits 1 on any problem.
 */
import { parseArgs } from 'node:util';
import { runCrashCampaign } from '../test/support/crash-harness';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '2000' },
    seed: { type: 'string', default: process.env.CRASH_SEED ?? '20261124' },
    lanes: { type: 'string', default: '2' },
    symbols: { type: 'string', default: '6' },
    runner: { type: 'string', default: 'bundle' },
  },
});
const kills = Number(values.kills);
const seed = Number(values.seed);
let lastReport = 0;
console.log(`crash soak: ${kills} kills, seed ${seed}, ${values.lanes} lanes`);
const stats = await runCrashCampaign({
  seed,
  kills,
  lanes: Number(values.lanes),
  symbols: Number(values.symbols),
  runner: values.runner === 'tsx' ? 'tsx' : 'bundle',
  onProgress: (s) => {
    if (s.kills - lastReport >= 100 || s.kills === kills) {
      lastReport = s.kills;
      console.log(`  ${s.kills}/${kills} kills, ${(s.elapsedMs / 1000).toFixed(1)} s, ${s.killsWithTempFile} mid-write, ${s.killsWithPendingOrder} mid-order, ${s.problems.length} problems`);
    }
  },
});
console.log(JSON.stringify({ ...stats, problems: stats.problems.length }, null, 2));
if (stats.problems.length > 0 || stats.kills !== kills) {
  console.error(`FAILED (seed ${seed}):\n${stats.problems.join('\n')}`);
  process.exit(1);
}
console.log(`OK: ${stats.kills} SIGKILLs, every state file valid, no position dropped, journal and store agree`);
