/**
 * The polling budget on a real venue: CycleEngine in limit modes over CcxtExchange over a real
 * ccxt.binance and a mocked Binance (msw), with a manual clock. Every resting order of every
 * market is checked with one GET /api/v3/openOrders (no symbol) per `openOrderCheckMs`, and no
 * order is looked up on its own while nothing changed; an order that changed is.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, dca } from 'cycle-engine';
import { Decimal } from '../../src/decimal';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { mockedBinance } from '../support/venues/binance-fixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('CycleEngine over CcxtExchange (binance, mocked): batched open-order checks', () => {
  it('one openOrders request per openOrderCheckMs for every resting order of two markets; no per-order look-ups while nothing changed', async () => {
    const { mock, client } = mockedBinance(server);
    mock.prices.set('SOLUSDT', new Decimal('100.00'));
    mock.balances.set('SOL', '1.00000000'); // the account holds what the start buy bought (the mock does not move balances)
    const clock = new ManualClock(1_700_000_000_000);
    const engine = new CycleEngine({
      exchange: new CcxtExchange(client),
      store: new MemoryStateStore(),
      lock: new MemoryLock(),
      symbols: ['ETH/USDT', 'SOL/USDT'],
      strategy: dca({ startQuote: 20, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 }),
      clock,
      tickIntervalMs: 5,
      openOrderCheckMs: 60_000,
    });
    const errors: unknown[] = [];
    engine.on('error', (e) => errors.push(e));
    const step = async () => {
      clock.advance(1_000);
      await engine.tick();
      await engine.idle();
    };
    await step(); // start buys
    await step(); // take-profits and two rebuy levels rest, in each market
    await step();
    const resting = () => mock.orders.filter((o) => o.type === 'LIMIT' && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'));
    expect(resting().map((o) => `${o.symbol} ${o.side}`).sort()).toEqual(['ETHUSDT BUY', 'ETHUSDT BUY', 'ETHUSDT SELL', 'SOLUSDT BUY', 'SOLUSDT BUY', 'SOLUSDT SELL']);
    mock.requests.length = 0;
    const reads = () => mock.requests.filter((r) => r.method === 'GET' && (r.path === '/api/v3/openOrders' || r.path === '/api/v3/order')).map((r) => `${r.path}${r.params.symbol ? ` ${r.params.symbol}` : ''}`);

    for (let i = 0; i < 55; i++) await step();
    expect(reads()).toEqual([]); // nothing crossed, the check is not due: no request
    for (let i = 0; i < 10; i++) await step();
    expect(reads()).toEqual(['/api/v3/openOrders']); // 6 resting orders, 2 markets: one request
    for (let i = 0; i < 60; i++) await step();
    expect(reads()).toEqual(['/api/v3/openOrders', '/api/v3/openOrders']);

    // A rebuy fills in part: the next check sees it changed and looks that one order up alone.
    const rebuy = resting().find((o) => o.symbol === 'SOLUSDT' && o.side === 'BUY')!;
    mock.fillResting(rebuy.clientOrderId, 0.5);
    mock.requests.length = 0;
    for (let i = 0; i < 61; i++) await step();
    const gets = mock.requests.filter((r) => r.method === 'GET' && r.path === '/api/v3/order');
    expect(reads().filter((r) => r === '/api/v3/openOrders')).toHaveLength(1);
    expect(gets.length).toBeGreaterThan(0);
    expect(new Set(gets.map((r) => r.params.origClientOrderId))).toEqual(new Set([rebuy.clientOrderId]));
    expect(errors).toEqual([]);
    await engine.stop();
  });
});
