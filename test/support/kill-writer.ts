/**
 * The writer the crash tests SIGKILL: a real CycleEngine on a FileStateStore + FileLock directory,
 * with an in-process PaperExchange (latency 0) whose prices a seeded PRNG moves every tick, so
 * that cycles start, rebuy, sell and restart all the time and the store is written constantly.
 *
 *   node kill-writer.mjs --dir X --seed N [--symbols 6]
 *
 * Prints `ready` as soon as it runs, then writes until it is killed (it never exits by itself).
 *
 * The exchange dies with the process, so its truth is kept in a journal, `X/exchange/<clientOrderId>.json`,
 * published (tmp + link) before the fill is returned: an order executed iff its journal entry
 * exists, and `findOrder` answers from it. Recovery is the engine's own: `start()` looks up every
 * intent a killed writer left without an outcome — found: its fill is applied; not found: it is
 * looked up again until it can no longer land (`orderTimeoutMs + landingWindowMs`, 50 ms here:
 * its exchange is dead, so nothing can land later), then treated as rejected. The writer never
 * writes the store itself.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CycleEngine,
  FileLock,
  FileStateStore,
  PaperExchange,
  dca,
  type Exchange,
  type MarketOrderRequest,
  type OrderFill,
} from 'cycle-engine';
import { prng } from './prng';

process.stdout.write('ready\n');

const { values } = parseArgs({ options: { dir: { type: 'string' }, seed: { type: 'string' }, symbols: { type: 'string' } } });
const dir = values.dir!;
const rand = prng(Number(values.seed ?? 1));
const WRITER_SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH'].slice(0, Number(values.symbols ?? 6)).map((b) => `${b}/USDT`);
const journalDir = path.join(dir, 'exchange');
fs.mkdirSync(journalDir, { recursive: true });

const die = (message: string): never => {
  process.stderr.write(`kill-writer: ${message}\n`);
  process.exit(3);
};

/** A journal entry: the fill, published atomically (a partial entry is a `.tmp-` file, never read). */
function journal(fill: OrderFill): void {
  const target = path.join(journalDir, `${fill.clientOrderId}.json`);
  const tmp = path.join(journalDir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(tmp, JSON.stringify(fill));
  try {
    fs.linkSync(tmp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') die(`DUPLICATE ORDER: ${fill.clientOrderId} executed twice`);
    throw error;
  }
  fs.unlinkSync(tmp);
}

function journaled(clientOrderId: string): OrderFill | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(journalDir, `${clientOrderId}.json`), 'utf8')) as OrderFill;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

// Prices start where the last writer's walk would be: anywhere in 80–120.
const prices = new Map(WRITER_SYMBOLS.map((s) => [s, 80 + rand.next() * 40]));
const paper = new PaperExchange({
  prices: Object.fromEntries([...prices].map(([s, p]) => [s, p.toFixed(2)])),
  balances: { USDT: '1000000000', ...Object.fromEntries(WRITER_SYMBOLS.map((s) => [s.split('/')[0]!, '1000000000'])) },
  defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
});
const exchange: Exchange = {
  id: 'paper-journaled',
  fetchPrices: (symbols) => paper.fetchPrices(symbols),
  getMarket: (symbol) => paper.getMarket(symbol),
  findOrder: async (q) => journaled(q.clientOrderId),
  async placeMarketOrder(request: MarketOrderRequest) {
    if (journaled(request.clientOrderId) !== null) die(`DUPLICATE ORDER: ${request.clientOrderId} sent again after it executed`);
    const fill = await paper.placeMarketOrder(request);
    journal(fill);
    return fill;
  },
};

async function main(): Promise<void> {
  const engine = new CycleEngine({
    exchange,
    store: new FileStateStore({ dir: path.join(dir, 'state') }),
    lock: new FileLock({ dir: path.join(dir, 'locks') }),
    symbols: WRITER_SYMBOLS,
    strategy: dca({ startQuote: 10, rebuyDropPct: 0.5, maxRebuys: 3, takeProfitPct: 0.5 }),
    tickIntervalMs: 1,
    retryBackoff: { initialMs: 2, maxMs: 10 },
    // Orders execute within the call (latency 0): an intent without an outcome after 50 ms belongs
    // to a killed writer, and an order its dead exchange did not journal can never land.
    orderTimeoutMs: 50,
    workerGraceMs: 0,
    landingWindowMs: 0,
    lookupBackoff: { initialMs: 5, maxMs: 20 },
  });
  engine.on('error', (e) => process.stderr.write(`kill-writer engine error: ${e.message}\n`));
  // Prices move after every tick: cycles start, rebuy, sell and restart all the time.
  engine.on('tick:completed', () => {
    for (const [s, p] of prices) {
      const next = Math.min(200, Math.max(50, p * (1 + (rand.next() - 0.5) * 0.016) + (100 - p) * 0.01));
      prices.set(s, next);
      paper.setPrice(s, next.toFixed(2));
    }
  });
  await engine.start(); // recovery first: every order a killed writer left is looked up
  await new Promise(() => {}); // runs until killed
}

main().catch((error) => die(`fatal: ${(error as Error)?.stack ?? String(error)}`));
