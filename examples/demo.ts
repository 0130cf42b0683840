/**
 * `npm run demo`: a paper-trading session of cycle-engine, start to finish.
 *
 * It replays real Binance hourly candles of ETH/USDT and BTC/USDT (2022-01 → 2023-03, see
 * data/SOURCES.md) through a `CycleEngine` running the default DCA strategy against a
 * `PaperExchange` (simulated: no network, no keys, no money). The clock is simulated too, so a
 * year of trading takes a few seconds. The engine's log lines show every order as it goes
 * (`[START_ASYNC]`, `[WORKER]`, `[CHECK]`, `[BUY]`, `[SELL]`); a summary follows.
 *
 * State lives in a file store under the working directory (`.cycle-engine/demo/`, printed at the
 * start): cycle records, locks, and the replay's position and paper balances. Running the demo
 * again continues where the last run stopped — open positions included — with the next candles.
 *
 * Flags:
 *   --candles N          replay N more candles of each series (default 2,000; the series has 10,235)
 *   --fresh              forget the saved session and start from the first candle
 *   --dir PATH           where the session lives (default .cycle-engine/demo)
 *   --intrabar ohlc|close the path inside a candle: open → low/high in bar order → close (default), or
 *                        open → close; orders go at the levels crossed along it (src/backtest/replay.ts, `replay` of cycle-engine/backtest)
 *   --quiet              no per-event lines, only the header and the summary
 *   --limit              also run the same candles with the take-profit and the next two safety buys
 *                        resting on the exchange as LIMIT orders (a second session in DIR/limit), and
 *                        print both summaries side by side
 *   --help               this text
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Decimal from 'decimal.js';
import {
  CycleEngine,
  ManualClock,
  FileLock,
  FileStateStore,
  PaperExchange,
  attachLogger,
  type CycleEngineError,
  type Lock,
  type StateStore,
} from 'cycle-engine';
import { DEMO_DATA, DEMO_FEE_RATE, demoStrategy } from './support/demo-setup';
import { DEFAULT_SLIPPAGE_PCT, loadCandles, replay, type Candle, type IntrabarMode } from 'cycle-engine/backtest';

const USAGE = `usage: npm run demo -- [--candles N] [--fresh] [--dir PATH] [--intrabar ohlc|close] [--quiet] [--limit]

  --candles N            replay N more hourly candles of each series (default 2,000)
  --fresh                forget the saved session (cycles, balances, position in the series) and start over
  --dir PATH             where the session lives (default .cycle-engine/demo under the working directory)
  --intrabar ohlc|close  path inside a candle: open → low/high in bar order → close (default), or open → close
  --quiet                print only the header and the summary, not one line per engine event
  --limit                also replay the same candles with a LIMIT take-profit and LIMIT safety buys resting on
                         the exchange (a second session in DIR/limit), and print both summaries side by side`;

const FEE_RATE = DEMO_FEE_RATE;
const START_BALANCE = '10000'; // USDT
const DATA = DEMO_DATA;

const DEFAULT_CANDLES = 2_000;

interface Flags {
  candles: number;
  intrabar: IntrabarMode;
  quiet: boolean;
  fresh: boolean;
  dir: string;
  limit: boolean;
}

function readFlags(): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        candles: { type: 'string' },
        intrabar: { type: 'string', default: 'ohlc' },
        quiet: { type: 'boolean', default: false },
        fresh: { type: 'boolean', default: false },
        dir: { type: 'string', default: '.cycle-engine/demo' },
        limit: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let candles = DEFAULT_CANDLES;
  if (values.candles !== undefined) {
    candles = Number(values.candles);
    if (!/^\d+$/.test(values.candles) || !Number.isSafeInteger(candles) || candles < 1) {
      usageError(`--candles expects a whole number ≥ 1, got ${JSON.stringify(values.candles)}`);
    }
  }
  if (values.intrabar !== 'ohlc' && values.intrabar !== 'close') {
    usageError(`--intrabar expects ohlc or close, got ${JSON.stringify(values.intrabar)}`);
  }
  return { candles, intrabar: values.intrabar, quiet: values.quiet, fresh: values.fresh, dir: values.dir, limit: values.limit };
}

function usageError(message: string): never {
  console.error(`demo: ${message}\n\n${USAGE}`);
  process.exit(2);
}

// ── display helpers ──────────────────────────────────────────────────────────────────────────
const int = (n: number) => n.toLocaleString('en-US');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
/** A decimal for display: `places` decimals, no float involved. */
const money = (d: Decimal.Value, places = 2) => new Decimal(d).toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN).toFixed(places);
const signed = (d: Decimal.Value, places = 2) => (new Decimal(d).isNeg() ? '' : '+') + money(d, places);

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** What a session's summary says, for the side-by-side comparison of `--limit`. */
interface SessionFigures {
  mode: 'market' | 'limit';
  replayed: number;
  orders: number;
  buysFilled: number;
  sellsFilled: number;
  closed: number;
  rebuys: number;
  pnl: Decimal;
  averageGainPct: Decimal | null;
  openPositions: number;
  invested: Decimal;
  unrealised: Decimal;
  fees: Decimal;
  checksOk: boolean;
}

async function main(): Promise<void> {
  const flags = readFlags();
  const symbols = Object.keys(DATA) as Array<keyof typeof DATA>;
  const all: Record<string, Candle[]> = {};
  for (const symbol of symbols) all[symbol] = await loadCandles(DATA[symbol]);
  const dir = resolve(flags.dir);
  if (flags.fresh) rmSync(dir, { recursive: true, force: true });
  const market = await runSession('market', dir, flags, symbols, all);
  if (!flags.limit || market === null) return;
  console.log('');
  const limit = await runSession('limit', join(dir, 'limit'), { ...flags, quiet: true }, symbols, all);
  if (limit !== null) printSideBySide(market, limit);
}

/** The two summaries of `--limit` in columns. */
function printSideBySide(a: SessionFigures, b: SessionFigures): void {
  const rows: Array<[string, string, string]> = [
    ['candles replayed', int(a.replayed), int(b.replayed)],
    ['orders sent', int(a.orders), int(b.orders)],
    ['buys / sells filled', `${int(a.buysFilled)} / ${int(a.sellsFilled)}`, `${int(b.buysFilled)} / ${int(b.sellsFilled)}`],
    ['cycles closed', int(a.closed), int(b.closed)],
    ['rebuys', int(a.rebuys), int(b.rebuys)],
    ['realised PnL (USDT)', signed(a.pnl, 4), signed(b.pnl, 4)],
    ['average close gain', a.averageGainPct === null ? '-' : `${signed(a.averageGainPct, 3)}%`, b.averageGainPct === null ? '-' : `${signed(b.averageGainPct, 3)}%`],
    ['fees paid (USDT equiv.)', money(a.fees, 4), money(b.fees, 4)],
    ['open positions', `${a.openPositions} (${money(a.invested)} invested)`, `${b.openPositions} (${money(b.invested)} invested)`],
    ['unrealised at the last price', signed(a.unrealised), signed(b.unrealised)],
    ['checks', a.checksOk ? 'all pass' : 'MISMATCH (see above)', b.checksOk ? 'all pass' : 'MISMATCH (see above)'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max('MARKET orders'.length, ...rows.map((r) => r[1].length));
  console.log('');
  console.log('── market vs limit, same candles ──────────────────────────────────────────');
  console.log(`${''.padEnd(w0)}  ${'MARKET orders'.padStart(w1)}  LIMIT take-profit + 2 resting safety buys`);
  for (const [name, x, y] of rows) console.log(`${name.padEnd(w0)}  ${x.padStart(w1)}  ${y}`);
}

/** One paper-trading session in `dir`: replays the next candles, prints its summary, returns its figures (null when nothing was left to replay). */
async function runSession(mode: 'market' | 'limit', dir: string, flags: Flags, symbols: ReadonlyArray<keyof typeof DATA>, all: Readonly<Record<string, Candle[]>>): Promise<SessionFigures | null> {
  const t0 = performance.now();
  const candles: Record<string, Candle[]> = { ...all };
  const available = Math.min(...symbols.map((s) => candles[s]!.length));

  // ── The store ───────────────────────────────────────────────────────────────────────────────
  // The embedded default: cycle records and per-symbol locks in files, durable across crashes and
  // safe for several processes on this host. A bot on several hosts puts a shared PostgreSQL or
  // Redis store here instead; nothing else in this file changes.
  const store: StateStore = new FileStateStore({ dir: join(dir, 'cycles') });
  const lock: Lock = new FileLock({ dir: join(dir, 'locks') });
  const session = loadSession(join(dir, 'session.json'));
  const storeLabel = `FileStateStore + FileLock in ${relative(process.cwd(), dir) || '.'}/ (${session ? 'continuing the saved session' : 'new session'})`;
  // ────────────────────────────────────────────────────────────────────────────────────────────
  const startAt = session?.nextCandle ?? 0;
  const toReplay = Math.max(0, Math.min(available - startAt, flags.candles));
  if (toReplay === 0) {
    console.log(`cycle-engine demo: the saved session in ${relative(process.cwd(), dir)}/ has replayed all ${int(available)} candles.`);
    console.log('Run `npm run demo -- --fresh` to start over.');
    return null;
  }
  for (const symbol of symbols) candles[symbol] = candles[symbol]!.slice(startAt, startAt + toReplay);

  // Simulated time, read by the engine and the exchange, moved by the replay.
  const firstTime = candles[symbols[0]!]![0]!.time;
  const clock = new ManualClock(firstTime);
  // Balances are kept in the session file; a run killed mid-way may have moved them past the
  // saved copy, so the paper account also holds a reserve of each base asset: a sell the cycle
  // records say is possible is never refused for want of base the last save did not see.
  const exchange = new PaperExchange({ balances: session?.balances ?? { USDT: START_BALANCE, ETH: '1', BTC: '0.1' }, feeRate: FEE_RATE, clock });
  const strategy = demoStrategy(mode); // start 10 USDT, rebuys every -2% (×1.5 volume, at most 5), take profit +1.5%
  const engine = new CycleEngine({ exchange, store, lock, symbols, strategy, clock });

  // What the summary needs, from the engine's events.
  const lockHolds: number[] = [];
  let closed = 0;
  let rebuys = 0;
  let buysLogged = 0;
  let pnl = new Decimal(0);
  let closedAtLoss = 0;
  let gainPctSum = new Decimal(0);
  let fees = new Decimal(0);
  const closedBySymbol = new Map<string, number>();
  const errors: CycleEngineError[] = [];
  engine.on('lock:released', (e) => lockHolds.push(e.heldMs));
  engine.on('cycle:activated', () => buysLogged++);
  engine.on('cycle:rebought', () => {
    rebuys++;
    buysLogged++;
  });
  engine.on('cycle:closed', (e) => {
    closed++;
    closedBySymbol.set(e.symbol, (closedBySymbol.get(e.symbol) ?? 0) + 1);
    pnl = pnl.plus(e.pnlQuote); // decimal arithmetic: never a float sum of money
    if (new Decimal(e.pnlQuote).isNeg()) closedAtLoss++;
    if (new Decimal(e.investedQuote).gt(0)) gainPctSum = gainPctSum.plus(new Decimal(e.pnlQuote).div(e.investedQuote).mul(100));
  });
  engine.on('error', (e) => {
    errors.push(e);
    if (flags.quiet) console.error(`[ERROR] ${e.name} (${e.code}): ${e.message}`);
  });

  const first = candles[symbols[0]!]!;
  const path =
    (flags.intrabar === 'ohlc' ? 'open → low/high in bar order → close' : 'open → close') +
    `; orders at the levels crossed along it, MARKET fills ${DEFAULT_SLIPPAGE_PCT}% against the bot`;
  console.log(`cycle-engine demo: paper trading, DCA cycles on replayed Binance hourly candles${mode === 'limit' ? ' — LIMIT take-profit and safety buys resting on the exchange' : ''}`);
  console.log(`  symbols   ${symbols.join(', ')}`);
  console.log(`  data      ${symbols.map((s) => relative(process.cwd(), DATA[s])).join(', ')}`);
  console.log(`  window    ${day(first[0]!.time)} → ${day(first[toReplay - 1]!.time)} UTC: candles ${int(startAt + 1)}–${int(startAt + toReplay)} of ${int(available)} each`);
  console.log(`  replay    simulated clock; ${path}`);
  console.log(`  exchange  PaperExchange: ${session ? 'balances from the saved session' : `${int(Number(START_BALANCE))} USDT`}, fee ${new Decimal(FEE_RATE).mul(100).toFixed()}%, no latency`);
  const o = strategy.options;
  console.log(`  strategy  dca: start ${o.startQuote} USDT, rebuy every -${o.rebuyDropPct}% (step ×${o.rebuyStepScale}, volume ×${o.rebuyVolumeScale}), max ${o.maxRebuys} rebuys, take profit +${o.takeProfitPct}%${mode === 'limit' ? `; take-profit ${o.takeProfitOrder}, safety buys ${o.rebuyOrders} (${o.activeRebuys} resting)` : ''}`);
  console.log(`  store     ${storeLabel}`);
  console.log('');

  if (!flags.quiet) attachLogger(engine); // one line per event, to the console

  // The records already hold the PnL of earlier runs.
  const previousPnl = (await engine.listCycles()).reduce((sum, c) => sum.plus(c.realizedPnlQuote), new Decimal(0));
  const assets = ['USDT', ...symbols.map((s) => s.split('/')[0]!)];
  const save = (replayed: number) =>
    saveSession(join(dir, 'session.json'), {
      nextCandle: startAt + replayed,
      balances: Object.fromEntries(assets.map((a) => [a, exchange.balance(a)])),
    });
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true; // finish the candle, let the orders in flight land, save, then summarise
  });

  const tReplay = performance.now();
  const result = await replay({
    engine,
    strategy,
    exchange,
    clock,
    candles,
    limit: toReplay,
    intrabar: flags.intrabar,
    onCandle: (index) => {
      if ((index + 1) % 250 === 0) save(index + 1);
      return interrupted ? 'stop' : undefined;
    },
  });
  const replayMs = performance.now() - tReplay;
  await engine.stop();
  save(result.candles);

  // ── summary ───────────────────────────────────────────────────────────────────────────────
  const orders = exchange.orders;
  const filled = orders.filter((x) => x.status === 'filled');
  const buysFilled = filled.filter((x) => x.side === 'buy').length;
  const sellsFilled = filled.length - buysFilled;
  const rejected = orders.filter((x) => x.status === 'rejected').length;
  const cycles = await engine.listCycles();
  const open = cycles.filter((c) => c.position !== null);
  const inFlight = cycles.filter((c) => c.orders.length > 0);
  const recordedPnl = cycles.reduce((sum, c) => sum.plus(c.realizedPnlQuote), new Decimal(0));
  const holds = [...lockHolds].sort((a, b) => a - b);
  const fee = new Decimal(FEE_RATE);
  let invested = new Decimal(0);
  let unrealisedTotal = new Decimal(0);
  for (const o of filled) {
    const f = o.fill ?? (o.state ? { fee: o.state.fees[0] ?? null, avgPrice: o.state.avgPrice ?? '0' } : null);
    if (f?.fee) fees = fees.plus(f.fee.currency === 'USDT' ? f.fee.amount : new Decimal(f.fee.amount).mul(f.avgPrice));
  }

  console.log('');
  console.log('── summary ──────────────────────────────────────────────────────────────');
  console.log(`candles replayed   ${int(result.candles)} per symbol × ${symbols.length} symbols (${int(result.ticks)} ticks, ${int(result.levelTicks)} of them at levels crossed inside a candle), ${result.firstTime === null ? '-' : `${day(result.firstTime)} → ${day(result.lastTime!)} UTC`}`);
  console.log(`orders sent        ${int(orders.length)} (${int(buysFilled)} buys and ${int(sellsFilled)} sells filled, ${int(rejected)} rejected)`);
  console.log(`cycles closed      ${int(closed)} (${symbols.map((s) => `${s} ${int(closedBySymbol.get(s) ?? 0)}`).join(', ')})`);
  console.log(`rebuys             ${int(rebuys)}`);
  console.log(`realised PnL       ${signed(pnl, 4)} USDT this run${session ? `, ${signed(previousPnl.plus(pnl), 4)} USDT over the session` : ''}${closedAtLoss > 0 ? ` (${int(closedAtLoss)} of the closes realised a loss)` : ''}`);
  // Base the last sells could not sell (below the amount step) waits in the records for the next cycle.
  const dust = cycles.filter((c) => c.dust !== null);
  if (dust.length > 0) {
    console.log(`dust carried       ${dust.map((c) => `${c.dust!.baseVolume} ${c.symbol.split('/')[0]} (cost ${money(c.dust!.investedQuote)} USDT)`).join(', ')}: below the amount step, joins the next cycle`);
  }
  if (open.length === 0) console.log('open positions     none');
  for (const [i, c] of open.entries()) {
    const p = c.position!;
    const last = exchange.getPrice(c.symbol);
    // Marked at the last price, net of the sell fee: what selling now would realise.
    const unrealised = last === undefined ? null : new Decimal(p.baseVolume).mul(last).mul(new Decimal(1).minus(fee)).minus(p.investedQuote);
    invested = invested.plus(p.investedQuote);
    if (unrealised !== null) unrealisedTotal = unrealisedTotal.plus(unrealised);
    console.log(
      `${i === 0 ? 'open positions     ' : '                   '}${c.symbol}: ${p.buys} buy${p.buys === 1 ? '' : 's'}, invested ${money(p.investedQuote)} USDT, avg price ${money(p.avgPrice)}` +
        (unrealised === null ? '' : `, last ${money(last!)}, unrealised ${signed(unrealised)} USDT`),
    );
  }
  if (inFlight.length > 0) console.log(`orders in flight   ${inFlight.map((c) => `${c.symbol} (${c.orders.map((o) => `${o.purpose} ${o.state}`).join(', ')})`).join(', ')}`);
  console.log(`lock hold          p50 ${percentile(holds, 50).toFixed(3)} ms, p99 ${percentile(holds, 99).toFixed(3)} ms, max ${percentile(holds, 100).toFixed(3)} ms (${int(holds.length)} holds)`);
  console.log(`balances           ${['USDT', 'ETH', 'BTC'].map((a) => `${a} ${new Decimal(exchange.balance(a)).toSignificantDigits(10).toFixed()}`).join(', ')}`);
  const checks = [
    buysFilled === buysLogged ? 'one log record per filled buy' : `MISMATCH: ${buysFilled} buys filled, ${buysLogged} logged`,
    sellsFilled === closed ? 'one close per filled sell' : `MISMATCH: ${sellsFilled} sells filled, ${closed} cycles closed`,
    recordedPnl.eq(previousPnl.plus(pnl)) ? 'PnL matches the records' : `MISMATCH: records say ${recordedPnl.toFixed()} USDT`,
    errors.length === 0 ? 'no engine errors' : `${errors.length} engine errors`,
  ];
  console.log(`checks             ${checks.join('; ')}`);
  console.log(`elapsed            ${((performance.now() - t0) / 1000).toFixed(2)} s (replay ${(replayMs / 1000).toFixed(2)} s)`);
  const left = available - (startAt + result.candles);
  console.log(left > 0 ? `next               run \`npm run demo\` again to continue with the next ${int(Math.min(left, flags.candles))} candles (${int(left)} left)` : 'next               the series is done; `npm run demo -- --fresh` starts over');
  return {
    mode, replayed: result.candles, orders: orders.length, buysFilled, sellsFilled, closed, rebuys, pnl,
    averageGainPct: closed === 0 ? null : gainPctSum.div(closed), openPositions: open.length, invested, unrealised: unrealisedTotal, fees,
    checksOk: errors.length === 0 && checks.every((c) => !c.startsWith('MISMATCH')),
  };
}

/** Where the replay stopped and the paper balances. */
interface Session {
  nextCandle: number;
  balances: Record<string, string>;
}

function loadSession(file: string): Session | null {
  if (!existsSync(file)) return null;
  const session = JSON.parse(readFileSync(file, 'utf8')) as Session;
  if (!Number.isSafeInteger(session.nextCandle) || typeof session.balances !== 'object' || session.balances === null) {
    throw new Error(`${file} is not a demo session file: remove it or run with --fresh`);
  }
  return session;
}

function saveSession(file: string, session: Session): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(session, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exit(1);
});
