/**
 * e. The polling budget (issue 10): exchange requests per cycle per tick over 1,000 active cycles
 * whose take-profit and next safety buy rest on the exchange while prices cross nothing, beside the
 * naive loop that looks up every open order on every tick — all measured in the same run.
 * @packageDocumentation
 */
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange, dca, type Exchange } from '../src/index';
import type { Row } from './stats';

const CYCLES = 1_000;
const TICKS = 300; // 5 minutes of 1 s ticks: 5 periodic checks at the default openOrderCheckMs (60 s)
const NAIVE_TICKS = 20;

interface Counted {
  exchange: Exchange;
  calls: Record<'findOrder' | 'fetchOpenOrders' | 'placeLimitOrder' | 'cancelOrder' | 'placeMarketOrder', number>;
}

/** The paper exchange seen through a counter of every order request; `batched: false` hides `fetchOpenOrders`. */
function counted(paper: PaperExchange, batched: boolean): Counted {
  const calls = { findOrder: 0, fetchOpenOrders: 0, placeLimitOrder: 0, cancelOrder: 0, placeMarketOrder: 0 };
  const exchange: Exchange = {
    id: paper.id,
    fetchPrices: (s) => paper.fetchPrices(s),
    getMarket: (s) => paper.getMarket(s),
    fetchBalances: (a) => paper.fetchBalances(a),
    placeMarketOrder: (r) => (calls.placeMarketOrder++, paper.placeMarketOrder(r)),
    findOrder: (q) => (calls.findOrder++, paper.findOrder(q)),
    placeLimitOrder: (r) => (calls.placeLimitOrder++, paper.placeLimitOrder(r)),
    cancelOrder: (q) => (calls.cancelOrder++, paper.cancelOrder(q)),
    ...(batched ? { fetchOpenOrders: (s: readonly string[]) => (calls.fetchOpenOrders++, paper.fetchOpenOrders(s)) } : {}),
  };
  return { exchange, calls };
}

const total = (c: Counted['calls']) => Object.values(c).reduce((a, b) => a + b, 0);

/** 1,000 cycles with a resting take-profit and one resting safety buy each, then TICKS quiet ticks. */
async function quietTicks(batched: boolean): Promise<{ perCycleTick: number; calls: Counted['calls']; resting: number }> {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const symbols = Array.from({ length: CYCLES }, (_, i) => `S${i}/USDT`);
  const paper = new PaperExchange({ prices: Object.fromEntries(symbols.map((s) => [s, '100'])), balances: { USDT: '100000000' }, clock });
  const c = counted(paper, batched);
  const engine = new CycleEngine({
    exchange: c.exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols, clock, transitionConcurrency: 8,
    strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 1 }),
  });
  for (let i = 0; i < 4; i++) {
    await engine.tick();
    await engine.idle();
  }
  const resting = paper.orders.filter((o) => o.type === 'limit' && o.state?.status === 'open').length;
  for (const k of Object.keys(c.calls) as Array<keyof Counted['calls']>) c.calls[k] = 0;
  for (let i = 0; i < TICKS; i++) {
    clock.advance(1_000);
    await engine.tick();
    await engine.idle();
  }
  return { perCycleTick: total(c.calls) / (CYCLES * TICKS), calls: { ...c.calls }, resting };
}

/** The naive loop: every tick, look up every open order of every cycle. */
async function naive(): Promise<number> {
  const paper = new PaperExchange({ prices: { 'S0/USDT': '100' }, balances: { USDT: '1000000' } });
  const open = [];
  for (let i = 0; i < CYCLES * 2; i++) {
    const state = await paper.placeLimitOrder({ symbol: 'S0/USDT', side: 'buy', baseAmount: '0.1', price: '50', clientOrderId: `naive-${i}` });
    open.push(state.clientOrderId);
  }
  let requests = 0;
  for (let t = 0; t < NAIVE_TICKS; t++) {
    for (const clientOrderId of open) {
      requests++;
      await paper.findOrder({ symbol: 'S0/USDT', clientOrderId, since: 0 });
    }
  }
  return requests / (CYCLES * NAIVE_TICKS);
}

/** The rows of section e. */
export async function pollingRows(log: (line: string) => void): Promise<Row[]> {
  log(`e. polling budget: ${CYCLES.toLocaleString('en-US')} cycles with resting orders, ${TICKS} quiet ticks, fetchOpenOrders`);
  const batched = await quietTicks(true);
  log('e. the same, one findOrder per resting order');
  const single = await quietTicks(false);
  log('e. the naive loop: every open order looked up every tick');
  const base = await naive();
  const fmt = (c: Counted['calls']) => Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
  return [
    { name: 'e. requests/cycle/tick, naive loop', value: base, unit: 'req', target: null, note: `baseline: ${CYCLES * 2} open orders looked up on each of ${NAIVE_TICKS} ticks` },
    {
      name: 'e. requests/cycle/tick, engine (batched)',
      value: batched.perCycleTick,
      unit: 'req',
      target: 0.01,
      note: `${(batched.perCycleTick / base).toExponential(2)}× the naive loop; ${batched.resting} resting orders, ${TICKS} ticks of 1 s: ${fmt(batched.calls)}`,
    },
    {
      name: 'e. requests/cycle/tick, engine (findOrder each)',
      value: single.perCycleTick,
      unit: 'req',
      target: null,
      note: `${(single.perCycleTick / base).toExponential(2)}× the naive loop; an exchange without fetchOpenOrders (openOrderCheckMs 60 s): ${fmt(single.calls)}`,
    },
  ];
}
