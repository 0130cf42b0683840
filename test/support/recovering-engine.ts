/**
 * The engine process of the crash-recovery test (test/crash/engine-kill-recovery.test.ts): a real
 * CycleEngine on a FileStateStore + FileLock directory that outlives it, trading against the
 * latency exchange server over HTTP. The test SIGKILLs it at random instants and starts another on
 * the same directory; its `engine.start()` is the recovery.
 *
 *   node recovering-engine.mjs --dir X --url http://127.0.0.1:P --symbols A/USDT,B/USDT \
 *     [--tick-ms 5] [--order-timeout-ms 90] [--landing-window-ms 500] [--strategy '{…}'] [--final]
 *
 * stdout, one line each: `up` as soon as it runs, `started` once `engine.start()` (recovery)
 * resolved, and a JSON line per `order:reconciled`, `order:orphaned`, `order:unknown` and
 * `order:submitted` event (`{"ev":"reconciled",…}`; `submitted` carries how long after its intent's
 * `createdAt` the order left). Engine errors go to stderr.
 *
 * A process started without `--final` trades until it is killed. With `--final` it is the last
 * one, which is not killed: on a `drain` line on stdin (or SIGTERM) its strategy stops deciding
 * anything new, it goes on ticking — reconciling what the killed processes left — until no cycle
 * has an order in its slot and the clock has passed `--not-before` (epoch ms), then stops cleanly,
 * prints `{"ev":"stopped",…}` and exits 0.
 */
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { CycleEngine, FileLock, FileStateStore, dca, type DcaOptions, type Strategy } from 'cycle-engine';
import { HttpExchange } from './http-exchange';

process.stdout.write('up\n');

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    url: { type: 'string' },
    symbols: { type: 'string' },
    'tick-ms': { type: 'string' },
    'order-timeout-ms': { type: 'string' },
    'landing-window-ms': { type: 'string' },
    strategy: { type: 'string' },
    final: { type: 'boolean' },
    'not-before': { type: 'string' },
    'max-drain-ms': { type: 'string' },
  },
});
const dir = values.dir!;
const symbols = values.symbols!.split(',').filter(Boolean);
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const inner = dca({ startQuote: 10, rebuyDropPct: 0.5, maxRebuys: 3, takeProfitPct: 0.5, ...(values.strategy ? (JSON.parse(values.strategy) as Partial<DcaOptions>) : {}) });
let draining = false;
/** The DCA strategy, silenced while draining: the engine only finishes what is in flight. */
const strategy: Strategy & { cooldownMs: number } = {
  name: `${inner.name}+drain`,
  cooldownMs: inner.cooldownMs,
  decide: (ctx) => (draining ? null : inner.decide(ctx)),
};

const engine = new CycleEngine({
  exchange: new HttpExchange(values.url!),
  store: new FileStateStore({ dir: path.join(dir, 'state') }),
  lock: new FileLock({ dir: path.join(dir, 'locks') }),
  symbols,
  strategy,
  tickIntervalMs: Number(values['tick-ms'] ?? 5),
  orderTimeoutMs: Number(values['order-timeout-ms'] ?? 90),
  // Only one process runs at a time: an intent without an outcome that is not ours is a dead one's.
  workerGraceMs: 20,
  landingWindowMs: Number(values['landing-window-ms'] ?? 500),
  lookupBackoff: { initialMs: 10, maxMs: 60 },
  retryBackoff: { initialMs: 5, maxMs: 40 },
  lockTtlMs: 2_000,
});
let errors = 0;
engine.on('error', (e) => {
  errors++;
  process.stderr.write(`recovering-engine ${process.pid}: ${e.name}: ${e.message}${e.cause ? ` (cause: ${String((e.cause as Error)?.message ?? e.cause)})` : ''}\n`);
});
engine.on('order:reconciled', (e) => out({ ev: 'reconciled', result: e.result, symbol: e.symbol, purpose: e.purpose, clientOrderId: e.clientOrderId, lookups: e.lookups }));
engine.on('order:orphaned', (e) => out({ ev: 'orphaned', symbol: e.symbol, clientOrderId: e.clientOrderId, side: e.side, accountedAs: e.accountedAs, note: e.note }));
// How long after its intent's createdAt (the time prefix of its id) each order leaves this process.
engine.on('order:submitted', (e) => {
  const m = /^ce-[srx]-([0-9a-z]{9})/.exec(e.clientOrderId);
  if (m) out({ ev: 'submitted', lagMs: Date.now() - parseInt(m[1]!, 36) });
});
engine.on('order:unknown', (e) => out({ ev: 'unknown', symbol: e.symbol, purpose: e.purpose, clientOrderId: e.clientOrderId, reason: e.reason }));

async function drain(): Promise<void> {
  draining = true;
  const notBefore = Number(values['not-before'] ?? 0);
  const giveUpAt = Date.now() + Number(values['max-drain-ms'] ?? 20_000);
  for (;;) {
    const cycles = await engine.listCycles();
    const busy = cycles.filter((c) => c.orders.length > 0);
    if (busy.length === 0 && Date.now() >= notBefore) break;
    if (Date.now() > giveUpAt) {
      process.stderr.write(`recovering-engine: still busy after the drain timeout: ${busy.map((c) => `${c.symbol} ${c.orders.map((o) => `${o.clientOrderId} ${o.state}`).join(', ')}`).join('; ')}\n`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await engine.stop();
}

async function main(): Promise<void> {
  await engine.start(); // recovery: every order a killed process left is looked up first
  process.stdout.write('started\n');
  if (!values.final) {
    await new Promise(() => {}); // trades until it is killed
    return;
  }
  await new Promise<void>((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'drain') {
        lines.close();
        resolve();
      }
    });
    process.once('SIGTERM', () => {
      lines.close();
      resolve();
    });
  });
  await drain();
  out({ ev: 'stopped', errors });
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`recovering-engine fatal: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
