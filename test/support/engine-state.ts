/**
 * A store holding what a real engine run leaves: the engine on a paper exchange trades two
 * symbols in limit mode under portfolio limits for a few ticks (ETH/USDT ends active with a
 * resting take-profit and a resting rebuy; BTC/USDT active and paused; the portfolio record holds
 * their reservations), then stops. For the `inspect` tests.
 */
import { CycleEngine, dca, ManualClock, MemoryLock, PaperExchange, type StateStore } from 'cycle-engine';

/** What the run left, to compare `inspect`'s output with. */
export interface EngineStateRun {
  readonly symbols: readonly string[];
  /** Client order ids of the orders resting on the exchange at the end. */
  readonly resting: readonly string[];
}

/** Runs the engine against `store` (see the file comment) and stops it. */
export async function writeEngineState(store: StateStore, keyPrefix?: string): Promise<EngineStateRun> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const exchange = new PaperExchange({ balances: { USDT: '1000' }, feeRate: '0.001', clock, prices: { 'ETH/USDT': '2000', 'BTC/USDT': '40000' } });
  const symbols = ['ETH/USDT', 'BTC/USDT'];
  const strategy = dca({ startQuote: '20', takeProfitPct: '1.5', rebuyDropPct: '2', maxRebuys: 3, takeProfitOrder: 'limit', rebuyOrders: 'limit' });
  const engine = new CycleEngine({
    exchange, store, lock: new MemoryLock(), symbols, strategy, clock, maxActiveCycles: 5, maxTotalInvestedQuote: '500',
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
  });
  for (let i = 0; i < 4; i++) {
    await engine.tick();
    await engine.idle();
    clock.advance(1_000);
  }
  await engine.pauseSymbol('BTC/USDT');
  await engine.stop();
  const resting = exchange.orders.filter((o) => o.status === 'open').map((o) => o.clientOrderId);
  return { symbols, resting };
}
