/**
 * End to end: CycleEngine + MemoryStateStore over CcxtExchange over a real ccxt.binance against a
 * mocked Binance: a whole cycle (start, rebuy, take-profit sell); and a start buy that executes but
 * whose answer is lost (Binance -1007, a ccxt timeout, a "-2010 Duplicate order sent." reply) is
 * reconciled by origClientOrderId as filled: one order, one position, no second buy.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleEngine, MemoryLock, MemoryStateStore, dca } from 'cycle-engine';
import { Decimal } from '../../src/decimal';
import { CcxtExchange } from 'cycle-engine/ccxt';
import type { BinanceFault } from '../support/venues/binance-mock';
import { mockedBinance } from '../support/venues/binance-fixture';
import { asV2 } from '../support/records';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';

async function run(fault: BinanceFault, ccxtTimeoutMs: number) {
  const { mock, client } = mockedBinance(server, { timeoutMs: ccxtTimeoutMs });
  const store = new MemoryStateStore();
  const engine = new CycleEngine({
    exchange: new CcxtExchange(client),
    store,
    lock: new MemoryLock(),
    symbols: [SYMBOL],
    strategy: dca({ startQuote: 20, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1 }),
    tickIntervalMs: 1_000_000,
    orderTimeoutMs: 5_000,
    lookupBackoff: { initialMs: 1, maxMs: 5 },
  });
  const events: Array<[string, unknown]> = [];
  for (const name of ['order:unknown', 'order:reconciled', 'order:filled', 'cycle:activated', 'cycle:startFailed', 'error'] as const) {
    (engine.on as (event: string, listener: (payload: unknown) => void) => CycleEngine).call(engine, name, (p) => events.push([name, p]));
  }
  const of = (n: string) => events.filter(([k]) => k === n).map(([, p]) => p);
  mock.inject(fault);
  for (let i = 0; i < 20 && of('cycle:activated').length === 0; i++) {
    await engine.tick();
    await engine.idle();
    await new Promise((r) => setTimeout(r, 10));
  }
  await engine.stop();
  return { mock, store, of };
}

describe('CycleEngine over CcxtExchange (binance, mocked)', () => {
  it('runs a whole cycle: start buy, rebuy on the drop, take-profit sell, each order once', async () => {
    const { mock, client } = mockedBinance(server);
    const store = new MemoryStateStore();
    const engine = new CycleEngine({
      exchange: new CcxtExchange(client),
      store,
      lock: new MemoryLock(),
      symbols: [SYMBOL],
      strategy: dca({ startQuote: 20, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1 }),
      tickIntervalMs: 1_000_000,
    });
    const closed: Array<{ pnlQuote: string }> = [];
    engine.on('cycle:closed', (e) => closed.push(e));
    const step = async (price: string) => {
      mock.prices.set('ETHUSDT', new Decimal(price));
      await engine.tick();
      await engine.idle();
    };
    await step('2000'); // start: 20 USDT → 0.01 ETH, 0.00999 net of the base fee
    await step('1990'); // not yet 2% down
    await step('1960'); // rebuy 1: 2% below 2000
    const active = asV2((await store.get(SYMBOL))!.value);
    expect(active.position).toMatchObject({ buys: 2, lastBuyPrice: '1960' });
    await step('2000'); // below avg × 1.01
    await step('2000.5');
    const avg = new Decimal(active.position!.avgPrice);
    await step(avg.mul('1.011').toDecimalPlaces(2).toFixed()); // take profit
    const posts = mock.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/order');
    expect(posts.map((r) => r.params.side)).toEqual(['BUY', 'BUY', 'SELL']);
    expect(posts[0]!.params.quoteOrderQty).toBe('20');
    expect(new Set(posts.map((r) => r.params.newClientOrderId)).size).toBe(3);
    const record = asV2((await store.get(SYMBOL))!.value);
    expect(record).toMatchObject({ phase: 'idle', closedCycles: 1, orders: [], position: null });
    expect(closed).toHaveLength(1);
    expect(new Decimal(closed[0]!.pnlQuote).gt(0)).toBe(true);
    await engine.stop();
  });

  it('a "-2010 Duplicate order sent." reply (a retried request whose first try executed) is looked up, not bought again', async () => {
    const { mock, store, of } = await run('duplicate-reply', 10_000);
    expect(of('order:unknown')).toEqual([expect.objectContaining({ reason: 'EXCHANGE_UNKNOWN' })]);
    expect(of('order:reconciled')).toEqual([expect.objectContaining({ result: 'filled' })]);
    expect(mock.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(mock.orders.filter((o) => o.status === 'FILLED')).toHaveLength(1);
    expect(asV2((await store.get(SYMBOL))!.value).position!.baseVolume).toBe('0.00999');
  });

  for (const [fault, timeoutMs] of [['backend-timeout', 10_000], ['hang', 300]] as const) {
    it(`a start buy answered by ${fault} is reconciled by origClientOrderId as filled, never bought twice`, async () => {
      const { mock, store, of } = await run(fault, timeoutMs);
      expect(of('order:unknown')).toHaveLength(1);
      expect(of('order:reconciled')).toEqual([expect.objectContaining({ result: 'filled' })]);
      expect(of('cycle:activated')).toHaveLength(1);
      expect(of('cycle:startFailed')).toEqual([]);
      const posts = mock.requests.filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(1);
      const lookups = mock.requests.filter((r) => r.method === 'GET' && r.path === '/api/v3/order');
      expect(lookups.length).toBeGreaterThan(0);
      expect(lookups[0]!.params.origClientOrderId).toBe(posts[0]!.params.newClientOrderId);
      const record = asV2((await store.get(SYMBOL))!.value);
      expect(record.phase).toBe('active');
      // 20 USDT at 2000 → 0.01 ETH, less the 0.1% base fee (found through myTrades).
      expect(record.position).toMatchObject({ investedQuote: '20', buys: 1, startPrice: '2000' });
      expect(record.position!.baseVolume).toBe('0.00999');
    });
  }
});
