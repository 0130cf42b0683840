/**
 * Orders that rest on the exchange: a LIMIT take-profit and LIMIT safety buys, on a paper exchange.
 * Runs as it is: `npx tsx examples/limit-take-profit.ts`.
 *
 * After the start buy fills, the engine keeps resting (docs/protocol.md, "The order ledger"):
 * - a LIMIT sell for the whole sellable position at `avgPrice × (1 + takeProfitPct / 100)`, rounded
 *   up to the price tick;
 * - the next `activeRebuys` LIMIT safety buys at their levels, computed ahead from the start price,
 *   rounded down to the tick.
 *
 * The price walk below drops through the first level (the safety buy fills at its limit as a
 * maker, the take-profit is replaced for the new position and the next level is placed), then
 * rises through the new take-profit, which fills in two parts (a partial fill injected into the
 * paper book). Once the take-profit has sold the position the remaining safety buys are cancelled
 * and the cycle closes. Every event is printed, then the final record.
 *
 * The engine is driven tick by tick (`tick()` then `idle()`) instead of `start()`'s loop, so the
 * walk is deterministic and the script ends on its own.
 */
import { pathToFileURL } from 'node:url';
import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  type CycleEngineEvents,
  type CycleRecord,
} from 'cycle-engine';

const SYMBOL = 'ETH/USDT';

/** The price walk: each price is set on the paper exchange, then the engine ticks once. */
export const WALK = ['2000', '1985', '1955', '1970', '2000', '2020', '2030', '2040'] as const;

/** Every event the engine emits, with its payload. */
export type Logged = { [K in keyof CycleEngineEvents]: [K, Parameters<CycleEngineEvents[K]>[0]] }[keyof CycleEngineEvents];

/** Events worth a line here (the lock and tick events are left out). */
const SHOWN: ReadonlyArray<keyof CycleEngineEvents> = [
  'cycle:starting', 'order:submitted', 'order:placed', 'order:partiallyFilled', 'order:filled', 'order:cancelled',
  'order:rejected', 'order:unknown', 'order:reconciled', 'order:orphaned', 'takeProfit:replaced',
  'cycle:activated', 'cycle:rebought', 'cycle:partiallySold', 'cycle:closed', 'error',
];

/** One short line per event. */
export function describe([name, e]: Logged): string {
  switch (name) {
    case 'cycle:starting': return `start buy of ${e.quoteAmount} USDT persisted (${e.clientOrderId})`;
    case 'order:submitted': return `sending ${e.purpose} ${e.side} ${e.quoteAmount ?? e.baseAmount ?? ''} (${e.clientOrderId})`;
    case 'order:placed': return `resting: ${e.purpose}${e.level !== undefined ? ` level ${e.level}` : ''} ${e.side} ${e.baseAmount} @ ${e.price}`;
    case 'order:partiallyFilled': return `${e.purpose} partly filled: +${e.deltaBase} (${e.filledBase} so far)`;
    case 'order:filled': return `${e.purpose} filled: ${e.fill.filledBase} @ ${e.fill.avgPrice}`;
    case 'order:cancelled': return `${e.purpose} ${e.status} (${e.reason ?? 'by the venue'}) with ${e.filledBase} filled`;
    case 'takeProfit:replaced': return `take-profit ${e.previousBaseAmount} @ ${e.previousPrice} replaced by ${e.baseAmount} @ ${e.price}`;
    case 'cycle:activated': return `cycle active: ${e.baseVolume} ETH @ ${e.price}`;
    case 'cycle:rebought': return `safety buy: +${e.boughtBase} ETH @ ${e.price}, avg now ${e.position.avgPrice}`;
    case 'cycle:partiallySold': return `sold ${e.soldBase} @ ${e.price}, ${e.remainingBase} left, PnL ${e.pnlQuote}`;
    case 'cycle:closed': return `cycle closed (${e.reason}) @ ${e.price}: proceeds ${e.proceedsQuote}, invested ${e.investedQuote}, PnL ${e.pnlQuote}, dust ${e.dustBase}`;
    case 'order:reconciled': return `${e.purpose} looked up: ${e.result}`;
    case 'error': return `error: ${e.message}`;
    default: return JSON.stringify(e);
  }
}

/** What one step of the walk did: the price set, and the events of the tick that followed. */
export interface Step {
  readonly price: string;
  readonly events: Logged[];
}

/** Runs the walk; returns the events of each step and the final record. */
export async function runLimitTakeProfit(): Promise<{ steps: Step[]; record: CycleRecord | undefined }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const exchange = new PaperExchange({
    prices: { [SYMBOL]: WALK[0] },
    balances: { USDT: '1000' },
    clock,
    markets: { [SYMBOL]: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } },
  });
  const engine = new CycleEngine({
    exchange,
    store: new MemoryStateStore(),
    lock: new MemoryLock(),
    symbols: [SYMBOL],
    clock,
    strategy: dca({
      startQuote: 20,
      rebuyDropPct: 2,
      rebuyVolumeScale: 1.5,
      maxRebuys: 3,
      takeProfitPct: 1.5,
      takeProfitOrder: 'limit', // the take-profit rests on the book
      rebuyOrders: 'limit', // so do the safety buys…
      activeRebuys: 2, // …two levels at a time
    }),
  });
  const steps: Step[] = [];
  for (const name of SHOWN) engine.on(name, ((payload: never) => steps.at(-1)?.events.push([name, payload] as Logged)) as never);

  for (const price of WALK) {
    steps.push({ price, events: [] });
    if (price === '2020') {
      // This crossing of the take-profit fills only half of it; a later one fills the rest.
      exchange.injectFault({ kind: 'restingPartialFill', ratio: 0.5 }, { symbol: SYMBOL, side: 'sell' });
    }
    exchange.setPrice(SYMBOL, price); // fills every resting order this price crossed, at its limit
    await engine.tick(); // decide, persist intents, look up the resting orders the price crossed
    await engine.idle(); // wait for every send, cancel and look-up it started
    clock.advance(1_000);
  }
  return { steps, record: await engine.getCycle(SYMBOL) };
}

async function main(): Promise<void> {
  const { steps, record } = await runLimitTakeProfit();
  for (const { price, events } of steps) {
    console.log(`price ${price}`);
    for (const event of events) console.log(`  ${event[0].padEnd(22)} ${describe(event)}`);
  }
  console.log('\nfinal record:');
  console.log(JSON.stringify(record, null, 2));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
