/**
 * The engine child process of the multi-process and crash tests: a CycleEngine on a store and lock
 * shared with other processes (files, PostgreSQL or Redis: ./engine-backends.ts), trading against
 * the fake exchange server (./fake-exchange-server.ts) through HttpExchange.
 *
 *   node --import tsx test/support/engine-process.ts --url http://127.0.0.1:P --symbols A/USDT,B/USDT \
 *     [--store file|postgres|redis] [--lock file|postgres|redis] [--dir X] [--store-at T] [--lock-at T] \
 *     [--name p0] [--tick-ms 5] [--lock-ttl-ms 1000] [--order-timeout-ms 10000] [--engine '{…more CycleEngine options}'] \
 *     [--strategy '{"startQuote":10,…}'] [--duration-ms N] [--wait-go] [--events] [--tolerate-errors] \
 *     [--app-name tag] [--pause-when idle|active] [--not-before <epoch ms>] [--max-drain-ms 20000] \
 *     [--clock-offset-ms N] [--drain-at-start] [--die-after-reserve N]
 *
 * stdout, one line each: `up` as soon as it runs; `ready` once the exchange (and the store)
 * answered; with `--wait-go` it then waits for a `go` line on stdin; `started` once `engine.start()`
 * (the recovery of what earlier processes left) resolved. With `--events`, a JSON line per
 * `order:reconciled`, `order:orphaned`, `order:unknown`, `order:submitted` and `cycle:budgetWait`
 * (`{"ev":…}`).
 *
 * It trades until `--duration-ms` passed, or a `stop` line, or a `drain` line (or SIGTERM): then its
 * strategy decides nothing new (resting orders are still placed and replaced), it goes on ticking
 * until every order it holds has settled — no slot at all, or, with a strategy that rests orders,
 * only LIMIT slots acknowledged `open` and a take-profit for every active cycle (with
 * `takeProfitOrder: 'limit'`), unchanged for 200 ms — and the clock has passed `--not-before`. Then it
 * stops, waits (bounded) for every outcome to be persisted, prints one JSON line of counters and
 * exits 0. Without any of those it trades until killed.
 *
 * `--clock-offset-ms N`: the engine's clock runs N ms ahead of the wall clock (a process started
 * that much later, e.g. for a recovery whose portfolio sweep must see reservations older than its
 * minimum age). `--drain-at-start`: the strategy decides nothing from the start, and the process
 * drains as soon as `engine.start()` resolved (a recovery and nothing else). `--die-after-reserve N`:
 * SIGKILLs itself right after its N-th portfolio reservation landed, before the cycle write it was
 * for (./engine-backends.ts).
 *
 * Engine errors go to stderr, unless `--tolerate-errors` (connections killed by the test): then
 * they are only counted and sampled.
 */
import readline from 'node:readline';
import { Decimal } from 'decimal.js';
import { parseArgs } from 'node:util';
import { CycleEngine, dca, type CycleEngineOptions, type DcaOptions, type Strategy } from 'cycle-engine';
import { openBackends, type BackendKind } from './engine-backends';
import { HttpExchange } from './http-exchange';

process.stdout.write('up\n');
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    symbols: { type: 'string' },
    store: { type: 'string', default: 'file' },
    lock: { type: 'string', default: 'file' },
    dir: { type: 'string' },
    'store-at': { type: 'string' },
    'lock-at': { type: 'string' },
    name: { type: 'string' },
    'tick-ms': { type: 'string', default: '5' },
    'lock-ttl-ms': { type: 'string', default: '1000' },
    'order-timeout-ms': { type: 'string', default: '10000' },
    engine: { type: 'string' },
    strategy: { type: 'string' },
    'duration-ms': { type: 'string' },
    'wait-go': { type: 'boolean' },
    events: { type: 'boolean' },
    'tolerate-errors': { type: 'boolean' },
    'app-name': { type: 'string' },
    'pause-when': { type: 'string' },
    'not-before': { type: 'string', default: '0' },
    'max-drain-ms': { type: 'string', default: '20000' },
    'clock-offset-ms': { type: 'string', default: '0' },
    'drain-at-start': { type: 'boolean' },
    'die-after-reserve': { type: 'string' },
  },
});
const symbols = (values.symbols ?? '').split(',').filter(Boolean);
if (!values.url || symbols.length === 0 || (values.store === 'file' || values.lock === 'file' ? !values.dir : false)) {
  process.stderr.write('usage: engine-process --url U --symbols A/B,C/D [--store file|postgres|redis --lock … --dir X | --store-at T --lock-at T] …\n');
  process.exit(2);
}
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const lines = readline.createInterface({ input: process.stdin });
const waitLine = (...want: string[]) =>
  new Promise<string>((resolve) => {
    const onLine = (line: string) => {
      if (!want.includes(line.trim())) return;
      lines.off('line', onLine);
      resolve(line.trim());
    };
    lines.on('line', onLine);
  });

const backends = await openBackends({
  store: values.store as BackendKind,
  lock: values.lock as BackendKind,
  ...(values.dir ? { dir: values.dir } : {}),
  ...(values['store-at'] ? { storeAt: values['store-at'] } : {}),
  ...(values['lock-at'] ? { lockAt: values['lock-at'] } : {}),
  ...(values['app-name'] ? { appName: values['app-name'] } : {}),
  ...(values['pause-when'] ? { pauseWhen: values['pause-when'] as 'idle' | 'active' } : {}),
  ...(values['die-after-reserve'] ? { dieAfterReserve: Number(values['die-after-reserve']) } : {}),
  waitLine: (line) => waitLine(line).then(() => undefined),
});
// One object, so the backends' counts (taken as they happen) are the ones printed.
const counters = Object.assign(backends.counters, {
  name: values.name ?? `pid-${process.pid}`,
  ticks: 0,
  submitted: { start: 0, rebuy: 0, sell: 0 },
  filled: 0,
  placed: 0,
  cancelled: 0,
  rejected: 0,
  unknown: 0,
  activated: 0,
  rebought: 0,
  closed: 0,
  startFailed: 0,
  locks: 0,
  maxLockHeldMs: 0,
  errors: 0,
  lockNotHeld: 0,
  errorSamples: [] as string[],
});

const strategyOptions: DcaOptions = { startQuote: 10, rebuyDropPct: 1, maxRebuys: 3, takeProfitPct: 1, ...(values.strategy ? JSON.parse(values.strategy) : {}) };
const inner = dca(strategyOptions);
let draining = values['drain-at-start'] === true;
/** The DCA strategy, whose decisions stop while draining (its resting orders do not). */
const strategy: Strategy = {
  name: `${inner.name}+drain`,
  ...(inner.cooldownMs !== undefined ? { cooldownMs: inner.cooldownMs } : {}),
  ...(inner.usesLimitOrders !== undefined ? { usesLimitOrders: inner.usesLimitOrders } : {}),
  ...(inner.restingOrders ? { restingOrders: inner.restingOrders.bind(inner) } : {}),
  decide: (ctx) => (draining ? null : inner.decide(ctx)),
};

const exchange = new HttpExchange(values.url);
const clockOffsetMs = Number(values['clock-offset-ms']);
const engine = new CycleEngine({
  exchange,
  store: backends.store,
  lock: backends.lock,
  symbols,
  strategy,
  tickIntervalMs: Number(values['tick-ms']),
  lockTtlMs: Number(values['lock-ttl-ms']),
  orderTimeoutMs: Number(values['order-timeout-ms']),
  instanceId: counters.name,
  ...(clockOffsetMs !== 0 ? { clock: { now: () => Date.now() + clockOffsetMs, monotonic: () => performance.now() } } : {}),
  ...(values.engine ? (JSON.parse(values.engine) as Partial<CycleEngineOptions>) : {}),
});
engine.on('tick:completed', () => counters.ticks++);
engine.on('order:submitted', (e) => {
  counters.submitted[e.purpose === 'start' || e.purpose === 'rebuy' ? e.purpose : 'sell']++;
  const m = /^ce-[a-z]-([0-9a-z]{9})/.exec(e.clientOrderId);
  if (values.events && m) out({ ev: 'submitted', lagMs: Date.now() - parseInt(m[1]!, 36) });
});
engine.on('order:filled', () => counters.filled++);
engine.on('order:placed', () => counters.placed++);
engine.on('order:cancelled', () => counters.cancelled++);
engine.on('order:rejected', () => counters.rejected++);
engine.on('order:unknown', (e) => {
  counters.unknown++;
  if (values.events) out({ ev: 'unknown', symbol: e.symbol, purpose: e.purpose, clientOrderId: e.clientOrderId, reason: e.reason });
});
engine.on('order:reconciled', (e) => {
  if (values.events) out({ ev: 'reconciled', result: e.result, symbol: e.symbol, purpose: e.purpose, clientOrderId: e.clientOrderId, lookups: e.lookups });
});
engine.on('order:orphaned', (e) => {
  if (values.events) out({ ev: 'orphaned', symbol: e.symbol, clientOrderId: e.clientOrderId, side: e.side, accountedAs: e.accountedAs, note: e.note });
});
engine.on('cycle:activated', () => counters.activated++);
engine.on('cycle:rebought', () => counters.rebought++);
engine.on('cycle:closed', () => counters.closed++);
engine.on('cycle:startFailed', () => counters.startFailed++);
engine.on('cycle:budgetWait', (e) => {
  if (values.events) out({ ev: 'budgetWait', symbol: e.symbol, limit: e.limit });
});
engine.on('lock:released', (e) => {
  counters.locks++;
  counters.maxLockHeldMs = Math.max(counters.maxLockHeldMs, e.heldMs);
});
engine.on('error', (e) => {
  counters.errors++;
  if (e.code === 'LOCK_NOT_HELD') counters.lockNotHeld++;
  if (counters.errorSamples.length < 5) counters.errorSamples.push(`${e.code}: ${e.message.slice(0, 200)}`);
  if (!values['tolerate-errors']) process.stderr.write(`[${counters.name}] ${e.name}: ${e.message}${e.cause ? ` (cause: ${String((e.cause as Error)?.message ?? e.cause)})` : ''}\n`);
});

/**
 * An active cycle's take-profit rests for its whole sellable position (a fill applied before the
 * engine's first tick here — by recovery's look-ups — is only followed by the take-profit's
 * replacement at that tick: the drain waits for it, however slow the tick is in coming).
 */
async function coversPosition(c: Awaited<ReturnType<CycleEngine['listCycles']>>[number]): Promise<boolean> {
  const tp = c.orders.find((o) => o.purpose === 'takeProfit');
  if (tp === undefined || c.position === null) return false;
  const step = new Decimal((await exchange.getMarket(c.symbol)).amountStep);
  const whole = new Decimal(c.position.baseVolume).div(step).floor().mul(step);
  return new Decimal(tp.baseAmount ?? 0).minus(tp.applied.base).eq(whole);
}

/** What the drain waits for: see the file's comment. Returns a fingerprint of the ledger when settled. */
async function settledLedger(): Promise<string | null> {
  const cycles = await engine.listCycles();
  const resting = inner.usesLimitOrders === true;
  for (const c of cycles) {
    if (c.orders.length > 0 && !resting) return null;
    if (c.orders.some((o) => o.type !== 'limit' || o.state !== 'open') || c.closing) return null;
    if (c.phase === 'active' && strategyOptions.takeProfitOrder === 'limit' && !(await coversPosition(c))) return null;
  }
  return JSON.stringify(cycles.map((c) => [c.symbol, c.phase, c.orders.map((o) => o.clientOrderId)]));
}

async function drain(): Promise<void> {
  draining = true;
  const notBefore = Number(values['not-before']);
  const giveUpAt = Date.now() + Number(values['max-drain-ms']);
  let last: { print: string; since: number } | undefined;
  for (;;) {
    const print = await settledLedger();
    if (print === null || print !== last?.print) last = print === null ? undefined : { print, since: Date.now() };
    if (last && Date.now() - last.since >= 200 && Date.now() >= notBefore) return;
    if (Date.now() > giveUpAt) {
      const cycles = await engine.listCycles();
      const busy = cycles.filter((c) => c.orders.length > 0 || c.closing);
      process.stderr.write(`engine-process: not settled after the drain timeout: ${busy.map((c) => `${c.symbol} ${c.phase} ${c.orders.map((o) => `${o.purpose} ${o.clientOrderId} ${o.type} ${o.state}`).join(', ')}`).join('; ')}\n`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<void> {
  await exchange.fetchPrices(symbols); // the server answers, and the connection is warm
  await backends.store.list(); // connected, and the table exists
  process.stdout.write('ready\n');
  if (values['wait-go']) await waitLine('go');
  await engine.start(); // recovery: every order an earlier process left is looked up first
  process.stdout.write('started\n');
  const ended: Array<Promise<string>> = [waitLine('stop', 'drain'), new Promise((resolve) => process.once('SIGTERM', () => resolve('drain')))];
  if (values['duration-ms'] !== undefined) ended.push(new Promise((resolve) => setTimeout(() => resolve('stop'), Number(values['duration-ms']))));
  if (values['drain-at-start'] || (await Promise.race(ended)) === 'drain') await drain();
  await engine.stop();
  // Outcomes a connection fault kept from being persisted are retried here (bounded).
  await Promise.race([engine.idle(), new Promise((r) => setTimeout(r, 5_000))]);
  lines.close();
  await backends.close();
  out(counters);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`[${counters.name}] fatal: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
