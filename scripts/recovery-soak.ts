/**
 * The crash-recovery campaign of test/crash/engine-kill-recovery.test.ts, for longer:
 *
 *   npx tsx scripts/recovery-soak.ts --kills 2000 [--seed 20261124] [--lanes 1] [--symbols 3] [--runner bundle|tsx]
 *
 * SIGKILLs engine processes (a CycleEngine on a FileStateStore, orders in flight against a fake
 * exchange on 127.0.0.1 that outlives them), restarts them on the same directory, and at the end
 * checks the exchange's journal against the store. Prints progress, then the counts and the
 * result; exits 1 on any problem. Lanes run engine processes in parallel (own directory, own
 * symbols): worth it with more than 2 CPUs; on 2, one lane is as fast and keeps the timings tight.
 */
import { parseArgs } from 'node:util';
import { runRecoveryCampaign } from '../test/support/recovery-campaign';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: process.env.RECOVERY_KILLS ?? '1000' },
    seed: { type: 'string', default: process.env.CRASH_SEED ?? '20261124' },
    lanes: { type: 'string', default: '1' },
    symbols: { type: 'string', default: '3' },
    runner: { type: 'string', default: 'bundle' },
  },
});
const kills = Number(values.kills);
const seed = Number(values.seed);
let lastReport = 0;
console.log(`recovery soak: ${kills} kills, seed ${seed}, ${values.lanes} lanes of ${values.symbols} symbols`);
const stats = await runRecoveryCampaign({
  seed,
  kills,
  lanes: Number(values.lanes),
  symbols: Number(values.symbols),
  runner: values.runner === 'tsx' ? 'tsx' : 'bundle',
  onProgress: (s) => {
    if (s.kills - lastReport >= 50 || s.kills === kills) {
      lastReport = s.kills;
      console.log(`  ${s.kills}/${kills} kills, ${(s.elapsedMs / 1000).toFixed(1)} s, ${s.killsWithOrderInFlight} with an order in flight, ${s.killsWithPendingIntent} left an intent, ${s.problems.length} problems`);
    }
  },
});
console.log(JSON.stringify({ ...stats, problems: stats.problems.length }, null, 2));
if (stats.problems.length > 0 || stats.kills !== kills) {
  console.error(`FAILED (seed ${seed}):\n${stats.problems.join('\n')}`);
  process.exit(1);
}
console.log(`OK: ${stats.kills} SIGKILLs, ${stats.ordersExecuted} orders executed, no duplicate, no lost fill, none applied twice, every state file valid`);
