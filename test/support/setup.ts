import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  type CycleEngineEvents,
  type CycleEngineOptions,
  type DcaOptions,
  type Exchange,
} from 'cycle-engine';

export const DEFAULT_DCA: DcaOptions = { startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 };

export interface Setup {
  engine: CycleEngine;
  exchange: PaperExchange;
  store: MemoryStateStore;
  lock: MemoryLock;
  clock: ManualClock;
  events: Array<[string, unknown]>;
  of<K extends keyof CycleEngineEvents>(name: K): Array<Parameters<CycleEngineEvents[K]>[0]>;
}

/** An engine on a paper exchange and memory adapters, with a manual clock and every event recorded. */
export function setup(
  over: Partial<CycleEngineOptions> & {
    dca?: Partial<DcaOptions>;
    prices?: Record<string, string>;
    latencyMs?: number;
    amountStep?: string;
    /** Wraps the paper exchange the engine talks to (`s.exchange` stays the paper one). */
    wrapExchange?: (paper: PaperExchange) => Exchange;
    balances?: Record<string, string>;
  } = {},
): Setup {
  // Only engine options reach the engine: it refuses unknown keys (issue 9, case 13).
  const { dca: dcaOver, prices, latencyMs, amountStep, balances, wrapExchange, ...engineOver } = over;
  const clock = new ManualClock(1_700_000_000_000);
  const exchange = new PaperExchange({
    prices: prices ?? { 'ETH/USDT': '100' },
    balances: balances ?? { USDT: '100000' },
    clock,
    latencyMs: latencyMs ?? 0,
    defaultRules: { amountStep: amountStep ?? '0.0001', priceTick: '0.01', minNotional: '5' },
  });
  const store = new MemoryStateStore();
  const lock = new MemoryLock();
  const engine = new CycleEngine({
    exchange: wrapExchange ? wrapExchange(exchange) : exchange,
    store,
    lock,
    symbols: Object.keys(prices ?? { 'ETH/USDT': '100' }),
    strategy: dca({ ...DEFAULT_DCA, ...dcaOver }),
    clock,
    tickIntervalMs: 5,
    ...engineOver,
  });
  const events: Array<[string, unknown]> = [];
  const emit = engine.emit.bind(engine) as (name: string, payload: unknown) => boolean;
  engine.emit = ((name: string, payload: unknown) => {
    events.push([name, payload]);
    return emit(name, payload);
  }) as typeof engine.emit;
  engine.on('error', () => {}); // recorded above; tests assert on them
  return {
    engine,
    exchange,
    store,
    lock,
    clock,
    events,
    of: (name) => events.filter(([n]) => n === name).map(([, p]) => p) as never,
  };
}

/** One tick, then wait until every order of the engine is settled. */
export async function step(s: Setup): Promise<void> {
  await s.engine.tick();
  await s.engine.idle();
}

/** Counts the store's writes (compareAndSet calls) from now on: read the count with the function returned. */
export function countWrites(s: Setup): () => number {
  let n = 0;
  const cas = s.store.compareAndSet.bind(s.store);
  s.store.compareAndSet = (async (...a: Parameters<typeof cas>) => {
    n++;
    return cas(...a);
  }) as typeof s.store.compareAndSet;
  return () => n;
}
