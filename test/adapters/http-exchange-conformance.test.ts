/**
 * The test-support pair the multi-process tests trade through — the fake exchange server and its
 * HttpExchange client — passes the exchange conformance suite, LIMIT cases included (a resting
 * order fills when the test moves the server's price through its limit, over HTTP), and maps errors
 * back faithfully.
 */
import { describe, expect, it } from 'vitest';
import { OrderOutcomeUnknownError, OrderRejectedError } from 'cycle-engine';
import { describeExchange } from 'cycle-engine/testing';
import { startFakeExchangeServer } from '../support/fake-exchange-server';
import { HttpExchange } from '../support/http-exchange';

const SYMBOL = 'ETH/USDT';
const start = () => startFakeExchangeServer({ prices: { [SYMBOL]: '2000' }, balances: { USDT: '1000' }, latencyMs: 5, responseJitterMs: [0, 5] });

describeExchange('HttpExchange → fake exchange server (127.0.0.1)', async () => {
  const server = await start();
  return {
    exchange: new HttpExchange(server.url),
    symbol: SYMBOL,
    setPrice: (price) => server.exchange.setPrice(SYMBOL, price),
    injectReject: () => server.exchange.injectFault('reject'),
    // A resting order fills when the server's price reaches its limit (the admin route the crash
    // tests drive); a ratio fills that share of it.
    fillResting: async (symbol, clientOrderId, ratio) => {
      const order = server.orders().find((o) => o.clientOrderId === clientOrderId);
      if (order?.price === undefined) throw new Error(`no resting order ${clientOrderId}`);
      if (ratio !== undefined) server.exchange.injectFault({ kind: 'restingPartialFill', ratio }, { clientOrderId });
      const res = await fetch(`${server.url}/admin/prices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prices: { [symbol]: order.price } }) });
      if (!res.ok) throw new Error(`POST /admin/prices: HTTP ${res.status}`);
    },
    cleanup: () => server.close(),
  };
});

describe('HttpExchange error mapping', () => {
  const order = (id: string) => ({ symbol: SYMBOL, side: 'buy' as const, quoteAmount: '20', clientOrderId: id });

  it('a refusal comes back as OrderRejectedError with its reason; a lost response as OrderOutcomeUnknownError', async () => {
    const server = await start();
    try {
      const client = new HttpExchange(server.url);
      await expect(client.placeMarketOrder({ ...order('t-1'), quoteAmount: '1' })).rejects.toMatchObject({ name: 'OrderRejectedError', reason: 'MIN_NOTIONAL', clientOrderId: 't-1' });
      await expect(client.placeMarketOrder({ ...order('t-1'), quoteAmount: '1' })).rejects.toBeInstanceOf(OrderRejectedError);
      server.exchange.injectFault('unknown-after');
      await expect(client.placeMarketOrder(order('t-2'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
      // It executed: the look-up finds it, and the admin listing has every order.
      expect(await client.findOrder({ symbol: SYMBOL, clientOrderId: 't-2', since: Date.now() - 1_000 })).toMatchObject({ clientOrderId: 't-2', status: 'filled' });
      const listed = (await (await fetch(`${server.url}/admin/orders`)).json()) as { orders: Array<{ clientOrderId: string; status: string }> };
      expect(listed.orders.map((o) => [o.clientOrderId, o.status])).toEqual([['t-1', 'rejected'], ['t-1', 'rejected'], ['t-2', 'filled']]);
    } finally {
      await server.close();
    }
  });

  it('an aborted request and a dead server are OrderOutcomeUnknownError (the order may have executed)', async () => {
    const server = await start();
    const client = new HttpExchange(server.url);
    try {
      const controller = new AbortController();
      const placed = client.placeMarketOrder({ ...order('t-3'), signal: controller.signal });
      controller.abort();
      await expect(placed).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    } finally {
      await server.close();
    }
    await expect(client.placeMarketOrder(order('t-4'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    await expect(client.fetchPrices([SYMBOL])).rejects.toThrow(/network error/);
  });
});
