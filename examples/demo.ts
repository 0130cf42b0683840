/**
 * `npm run demo`: a paper-trading session of cycle-engine, start to finish.
 *
 * It replays real Binance hourly candles of ETH/USDT and BTC/USDT (2022-01 → 2023-03, see
 * data/SOURCES.md) through a `CycleEngine` running the default DCA strategy against a
 * `PaperExchange` (simulated: no network, no keys, no money). The clock is simulated too, so a
 * year of trading takes a few seconds. The engine's log lines show every order as it goes
 * (`[START_ASYNC]`, `[WORKER]`, `[CHECK]`, `[BUY]`, `[SELL]`); a summary follows.
 *
 * Flags:
 *   --candles N          replay only the first N candles of each series
 *   --intrabar ohlc|close visit low/high then close in each candle (default), or the close only
 *   --quiet              no per-event lines, only the header and the summary
 *   --help               this text
 */
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Decimal from 'decimal.js';
import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  attachLogger,
  dca,
  type CycleEngineError,
  type Lock,
  type StateStore,
} from 'cycle-engine';
import { loadCandles, replay, type Candle, type IntrabarMode } from './support/replay';

const USAGE = `usage: npm run demo -- [--candles N] [--intrabar ohlc|close] [--quiet]

  --candles N            replay only the first N hourly candles of each series (default: all)
  --intrabar ohlc|close  points visited per candle: low/high in bar order then close (default), or close only
  --quiet                print only the header and the summary, not one line per engine event`;

const FEE_RATE = '0.001'; // 0.1%, Binance's base taker fee
const START_BALANCE = '10000'; // USDT
const DATA = {
  'ETH/USDT': '../data/eth-usdt-1h.json',
  'BTC/USDT': '../data/btc-usdt-1h.json',
} as const;

interface Flags {
  candles: number | undefined;
  intrabar: IntrabarMode;
  quiet: boolean;
}

function readFlags(): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        candles: { type: 'string' },
        intrabar: { type: 'string', default: 'ohlc' },
        quiet: { type: 'boolean', default: false },
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
  let candles: number | undefined;
  if (values.candles !== undefined) {
    candles = Number(values.candles);
    if (!/^\d+$/.test(values.candles) || !Number.isSafeInteger(candles) || candles < 1) {
      usageError(`--candles expects a whole number ≥ 1, got ${JSON.stringify(values.candles)}`);
    }
  }
  if (values.intrabar !== 'ohlc' && values.intrabar !== 'close') {
    usageError(`--intrabar expects ohlc or close, got ${JSON.stringify(values.intrabar)}`);
  }
  return { candles, intrabar: values.intrabar, quiet: values.quiet };
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

async function main(): Promise<void> {
  const t0 = performance.now();
  const flags = readFlags();
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  const symbols = Object.keys(DATA) as Array<keyof typeof DATA>;
  const candles: Record<string, Candle[]> = {};
  for (const symbol of symbols) candles[symbol] = await loadCandles(here(DATA[symbol]));
  const available = Math.min(...symbols.map((s) => candles[s]!.length));
  const toReplay = Math.min(available, flags.candles ?? available);

  // ── The store ───────────────────────────────────────────────────────────────────────────────
  // Where cycle records and per-symbol locks live. This demo keeps them in memory: nothing
  // survives the process, which is right for a replay. A bot that must survive restarts puts a
  // durable store here instead (the file store, `FileStateStore` + `FileLock`, or a shared
  // Postgres/Redis one for several hosts); nothing else in this file changes.
  const store: StateStore = new MemoryStateStore();
  const lock: Lock = new MemoryLock();
  const storeLabel = 'MemoryStateStore + MemoryLock (in memory: nothing survives the process)';
  // ────────────────────────────────────────────────────────────────────────────────────────────

  // Simulated time, read by the engine and the exchange, moved by the replay.
  const firstTime = candles[symbols[0]!]![0]![0];
  const clock = new ManualClock(firstTime);
  const exchange = new PaperExchange({ balances: { USDT: START_BALANCE }, feeRate: FEE_RATE, clock });
  const strategy = dca({
    startQuote: 10, // USDT per start buy
    rebuyDropPct: 2, // first rebuy 2% below the start buy, each next one 2% below the previous buy
    rebuyStepScale: 1,
    rebuyVolumeScale: 1.5, // rebuys of 15, 22.5, 33.75, 50.63, 75.94 USDT
    maxRebuys: 5, // at most ~208 USDT per cycle
    takeProfitPct: 1.5, // sell everything 1.5% above the average buy price
  });
  const engine = new CycleEngine({ exchange, store, lock, symbols, strategy, clock });

  // What the summary needs, from the engine's events.
  const lockHolds: number[] = [];
  let closed = 0;
  let rebuys = 0;
  let buysLogged = 0;
  let pnl = new Decimal(0);
  let closedAtLoss = 0;
  const closedBySymbol = new Map<string, number>();
  const dustBySymbol = new Map<string, Decimal>(); // base left unsold by the sells (below the amount step)
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
    dustBySymbol.set(e.symbol, (dustBySymbol.get(e.symbol) ?? new Decimal(0)).plus(e.dustBase));
  });
  engine.on('error', (e) => {
    errors.push(e);
    if (flags.quiet) console.error(`[ERROR] ${e.name} (${e.code}): ${e.message}`);
  });

  const first = candles[symbols[0]!]!;
  const path = flags.intrabar === 'ohlc' ? 'low/high in bar order, then close: 3 ticks per candle' : 'close only: 1 tick per candle';
  console.log('cycle-engine demo: paper trading, DCA cycles on replayed Binance hourly candles');
  console.log(`  symbols   ${symbols.join(', ')}`);
  console.log(`  data      ${symbols.map((s) => relative(process.cwd(), here(DATA[s]))).join(', ')}`);
  console.log(`  window    ${day(first[0]![0])} → ${day(first[toReplay - 1]![0])} UTC, ${int(toReplay)} of ${int(available)} candles each`);
  console.log(`  replay    simulated clock; ${path}`);
  console.log(`  exchange  PaperExchange: ${int(Number(START_BALANCE))} USDT, fee ${new Decimal(FEE_RATE).mul(100).toFixed()}%, no latency`);
  const o = strategy.options;
  console.log(`  strategy  dca: start ${o.startQuote} USDT, rebuy every -${o.rebuyDropPct}% (step ×${o.rebuyStepScale}, volume ×${o.rebuyVolumeScale}), max ${o.maxRebuys} rebuys, take profit +${o.takeProfitPct}%`);
  console.log(`  store     ${storeLabel}`);
  console.log('');

  if (!flags.quiet) attachLogger(engine); // one line per event, to the console

  const tReplay = performance.now();
  const result = await replay({ engine, exchange, clock, candles, limit: toReplay, intrabar: flags.intrabar });
  const replayMs = performance.now() - tReplay;
  await engine.stop();

  // ── summary ───────────────────────────────────────────────────────────────────────────────
  const orders = exchange.orders;
  const filled = orders.filter((x) => x.status === 'filled');
  const buysFilled = filled.filter((x) => x.side === 'buy').length;
  const sellsFilled = filled.length - buysFilled;
  const rejected = orders.filter((x) => x.status === 'rejected').length;
  const cycles = await engine.listCycles();
  const open = cycles.filter((c) => c.position !== null);
  const inFlight = cycles.filter((c) => c.order !== null);
  const recordedPnl = cycles.reduce((sum, c) => sum.plus(c.realizedPnlQuote), new Decimal(0));
  const holds = [...lockHolds].sort((a, b) => a - b);
  const fee = new Decimal(FEE_RATE);

  console.log('');
  console.log('── summary ──────────────────────────────────────────────────────────────');
  console.log(`candles replayed   ${int(result.candles)} per symbol × ${symbols.length} symbols (${int(result.ticks)} ticks), ${result.firstTime === null ? '-' : `${day(result.firstTime)} → ${day(result.lastTime!)} UTC`}`);
  console.log(`orders sent        ${int(orders.length)} (${int(buysFilled)} buys and ${int(sellsFilled)} sells filled, ${int(rejected)} rejected)`);
  console.log(`cycles closed      ${int(closed)} (${symbols.map((s) => `${s} ${int(closedBySymbol.get(s) ?? 0)}`).join(', ')})`);
  console.log(`rebuys             ${int(rebuys)}`);
  console.log(`realised PnL       ${signed(pnl, 4)} USDT${closedAtLoss > 0 ? ` (${int(closedAtLoss)} of the closes realised a loss)` : ''}`);
  const dust = symbols.flatMap((s) => (dustBySymbol.get(s)?.isZero() === false ? [[s, dustBySymbol.get(s)!] as const] : []));
  if (dust.length > 0) {
    const value = dust.reduce((sum, [s, d]) => sum.plus(d.mul(exchange.getPrice(s) ?? 0)), new Decimal(0));
    console.log(`unsold dust        ${dust.map(([s, d]) => `${d.toFixed()} ${s.split('/')[0]}`).join(', ')} (≈ ${money(value)} USDT at the last prices; base below the amount step, left out of the sells)`);
  }
  if (open.length === 0) console.log('open positions     none');
  for (const [i, c] of open.entries()) {
    const p = c.position!;
    const last = exchange.getPrice(c.symbol);
    // Marked at the last price, net of the sell fee: what selling now would realise.
    const unrealised = last === undefined ? null : new Decimal(p.baseVolume).mul(last).mul(new Decimal(1).minus(fee)).minus(p.investedQuote);
    console.log(
      `${i === 0 ? 'open positions     ' : '                   '}${c.symbol}: ${p.buys} buy${p.buys === 1 ? '' : 's'}, invested ${money(p.investedQuote)} USDT, avg price ${money(p.avgPrice)}` +
        (unrealised === null ? '' : `, last ${money(last!)}, unrealised ${signed(unrealised)} USDT`),
    );
  }
  if (inFlight.length > 0) console.log(`orders in flight   ${inFlight.map((c) => `${c.symbol} (${c.order!.purpose}, ${c.order!.outcome?.status ?? 'no outcome'})`).join(', ')}`);
  console.log(`lock hold          p50 ${percentile(holds, 50).toFixed(3)} ms, p99 ${percentile(holds, 99).toFixed(3)} ms, max ${percentile(holds, 100).toFixed(3)} ms (${int(holds.length)} holds)`);
  console.log(`balances           ${['USDT', 'ETH', 'BTC'].map((a) => `${a} ${new Decimal(exchange.balance(a)).toSignificantDigits(10).toFixed()}`).join(', ')}`);
  const checks = [
    buysFilled === buysLogged ? 'one log record per filled buy' : `MISMATCH: ${buysFilled} buys filled, ${buysLogged} logged`,
    sellsFilled === closed ? 'one close per filled sell' : `MISMATCH: ${sellsFilled} sells filled, ${closed} cycles closed`,
    recordedPnl.eq(pnl) ? 'PnL matches the records' : `MISMATCH: records say ${recordedPnl.toFixed()} USDT`,
    errors.length === 0 ? 'no engine errors' : `${errors.length} engine errors`,
  ];
  console.log(`checks             ${checks.join('; ')}`);
  console.log(`elapsed            ${((performance.now() - t0) / 1000).toFixed(2)} s (replay ${(replayMs / 1000).toFixed(2)} s)`);
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exit(1);
});
