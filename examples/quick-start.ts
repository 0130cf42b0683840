/**
 * The README's quick start, as a file that runs: `npx tsx examples/quick-start.ts`.
 * One ETH/USDT cycle on a paper exchange: the start buy, then a take-profit sell when the price rises.
 */
import { CycleEngine, MemoryLock, MemoryStateStore, PaperExchange, attachLogger, dca } from 'cycle-engine';

const exchange = new PaperExchange({ prices: { 'ETH/USDT': 3028.07 }, balances: { USDT: '1000' } });
const engine = new CycleEngine({
  exchange,
  store: new MemoryStateStore(),
  lock: new MemoryLock(),
  symbols: ['ETH/USDT'],
  strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
  tickIntervalMs: 50,
});
engine.on('cycle:activated', (e) => console.log('activated:', e.symbol, e.price, e.baseVolume));
attachLogger(engine);

await engine.start();
await new Promise((resolve) => setTimeout(resolve, 200));
exchange.setPrice('ETH/USDT', 3080); // +1.7%: above the take profit
await new Promise<void>((resolve) => engine.once('cycle:closed', () => resolve()));
await engine.stop();
console.log('closed cycles:', (await engine.getCycle('ETH/USDT'))?.closedCycles);
