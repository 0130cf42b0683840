/**
 * The README quick start as a user runs it (ESM), until the first cycle is activated.
 */
import { CycleEngine, MemoryStateStore, MemoryLock, PaperExchange, attachLogger, dca } from 'cycle-engine';
import type { CycleActivatedEvent } from 'cycle-engine';

const exchange = new PaperExchange({ prices: { 'ETH/USDT': 3028.07 }, balances: { USDT: '1000' } });
const engine = new CycleEngine({
  exchange,
  store: new MemoryStateStore(),
  lock: new MemoryLock(),
  symbols: ['ETH/USDT'],
  strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
});
const activated = new Promise<CycleActivatedEvent>((resolve) => engine.once('cycle:activated', resolve));
engine.on('cycle:activated', (e) => console.log(e.symbol, e.price, e.baseVolume));
attachLogger(engine);

await engine.start();
const timeout = setTimeout(() => {
  console.error('quick start: no cycle activated within 10 s');
  process.exit(1);
}, 10_000);
const event = await activated;
clearTimeout(timeout);
await engine.stop();
if (event.symbol !== 'ETH/USDT') throw new Error(`quick start: activated ${event.symbol}`);
console.log('quick start: ok');
