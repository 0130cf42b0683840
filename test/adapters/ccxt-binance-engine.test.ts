/**
 * End to end: CycleEngine + MemoryStateStore over CcxtExchange over a real ccxt.binance against a
 * mocked Binance. A start buy that executes but whose answer is lost (Binance -1007, and a ccxt
 * timeout) is reconciled by origClientOrderId as filled: one order, one position, no second buy.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleEngine, MemoryLock, MemoryStateStore, dca } from 'cycle-engine';
import { CcxtExchange } from 'cycle-engine/ccxt';
import type { BinanceFault } from '../support/venues/binance-mock';
import { mockedBinance } from '../support/venues/binance-fixture';

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
      const record = (await store.get(SYMBOL))!.value;
      expect(record.phase).toBe('active');
      // 20 USDT at 2000 → 0.01 ETH, less the 0.1% base fee (found through myTrades).
      expect(record.position).toMatchObject({ investedQuote: '20', buys: 1, startPrice: '2000' });
      expect(record.position!.baseVolume).toBe('0.00999');
    });
  }
});
