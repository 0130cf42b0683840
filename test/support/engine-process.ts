/**
 * One engine process of the multi-process tests: a CycleEngine on a FileStateStore + FileLock
 * directory shared with other processes, trading against the fake exchange server.
 *
 *   node --import tsx test/support/engine-process.ts --dir X --url http://127.0.0.1:P \
 *     --symbols A/USDT,B/USDT [--duration-ms 2500] [--tick-ms 5] [--strategy '{"startQuote":10,…}'] [--wait-go]
 *
 * Protocol: prints `ready` once the engine is built and the exchange answered; with `--wait-go` it
 * then waits for a `go` line on stdin before starting (so that every process starts ticking at
 * the same instant). It stops after `--duration-ms`, or at a `stop` line on stdin, waits for its
 * orders in flight, prints one JSON line of counters and exits 0. Errors go to stderr.
 */
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { CycleEngine, FileLock, FileStateStore, dca, type DcaOptions } from 'cycle-engine';
import { HttpExchange } from './http-exchange';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    url: { type: 'string' },
    symbols: { type: 'string' },
    name: { type: 'string' },
    'duration-ms': { type: 'string' },
    'tick-ms': { type: 'string' },
    'lock-ttl-ms': { type: 'string' },
    strategy: { type: 'string' },
    'wait-go': { type: 'boolean' },
  },
});
const dir = values.dir ?? process.env.CE_DIR;
const url = values.url ?? process.env.CE_URL;
const symbols = (values.symbols ?? process.env.CE_SYMBOLS ?? '').split(',').filter(Boolean);
if (!dir || !url || symbols.length === 0) {
  process.stderr.write('usage: engine-process --dir X --url U --symbols A/B,C/D [--duration-ms N]\n');
  process.exit(2);
}
const durationMs = Number(values['duration-ms'] ?? 2_500);
const strategyOptions: DcaOptions = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1, ...(values.strategy ? JSON.parse(values.strategy) : {}) };

const counters = {
  name: values.name ?? `pid-${process.pid}`,
  ticks: 0,
  submitted: { start: 0, rebuy: 0, sell: 0 },
  filled: 0,
  rejected: 0,
  unknown: 0,
  activated: 0,
  rebought: 0,
  closed: 0,
  startFailed: 0,
  locks: 0,
  maxLockHeldMs: 0,
  errors: 0,
};

const exchange = new HttpExchange(url);
const engine = new CycleEngine({
  exchange,
  store: new FileStateStore({ dir: path.join(dir, 'state') }),
  lock: new FileLock({ dir: path.join(dir, 'locks') }),
  symbols,
  strategy: dca(strategyOptions),
  tickIntervalMs: Number(values['tick-ms'] ?? 5),
  lockTtlMs: Number(values['lock-ttl-ms'] ?? 1_000),
  // Orders take 30–80 ms; a worker of another process is never mistaken for a dead one in a run.
  orderTimeoutMs: 10_000,
  instanceId: counters.name,
});
engine.on('tick:completed', () => counters.ticks++);
engine.on('order:submitted', (e) => counters.submitted[e.purpose === 'start' || e.purpose === 'rebuy' ? e.purpose : 'sell']++);
engine.on('order:filled', () => counters.filled++);
engine.on('order:rejected', () => counters.rejected++);
engine.on('order:unknown', () => counters.unknown++);
engine.on('cycle:activated', () => counters.activated++);
engine.on('cycle:rebought', () => counters.rebought++);
engine.on('cycle:closed', () => counters.closed++);
engine.on('cycle:startFailed', () => counters.startFailed++);
engine.on('lock:released', (e) => {
  counters.locks++;
  counters.maxLockHeldMs = Math.max(counters.maxLockHeldMs, e.heldMs);
});
engine.on('error', (e) => {
  counters.errors++;
  process.stderr.write(`[${counters.name}] ${e.name}: ${e.message}\n`);
});

const lines = readline.createInterface({ input: process.stdin });
const waitLine = (want: string) =>
  new Promise<void>((resolve) => {
    const onLine = (line: string) => {
      if (line.trim() !== want) return;
      lines.off('line', onLine);
      resolve();
    };
    lines.on('line', onLine);
  });

async function main(): Promise<void> {
  await exchange.fetchPrices(symbols); // the server answers, and the connection is warm
  process.stdout.write('ready\n');
  if (values['wait-go']) await waitLine('go');
  await engine.start();
  await Promise.race([new Promise((r) => setTimeout(r, durationMs)), waitLine('stop')]);
  await engine.stop();
  lines.close();
  process.stdout.write(`${JSON.stringify(counters)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`[${counters.name}] fatal: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
