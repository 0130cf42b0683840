/**
 * Kraken through a hand-written ccxt double (no Kraken mock yet): a cancel goes by `cl_ord_id`
 * (ccxt then drops the `txid`), Kraken answers `{ count }` only, so the final state is read back
 * by scanning open and closed orders for the client id; "EOrder:Unknown order" with nothing found
 * resolves null.
 */
import { describe, expect, it } from 'vitest';
import { CcxtExchange, type CcxtExchangeLike, type CcxtOrderLike } from 'cycle-engine/ccxt';

class ExchangeError extends Error {}

function krakenDouble(closed: CcxtOrderLike[], cancel: (params: unknown) => Promise<CcxtOrderLike>) {
  const calls: Array<[string, unknown]> = [];
  const market = { symbol: 'ETH/USD', base: 'ETH', quote: 'USD', spot: true, precision: { amount: 1e-8, price: 0.01 }, limits: { amount: { min: 0.002 } }, info: {} };
  const double = {
    id: 'kraken', has: { fetchOrderTrades: true }, precisionMode: 4,
    loadMarkets: async () => ({ 'ETH/USD': market }),
    amountToPrecision: (_s: string, a: string) => a,
    createOrder: async () => { throw new Error('not used'); },
    createMarketBuyOrderWithCost: async () => { throw new Error('not used'); },
    fetchOrder: async () => { throw new Error('not used'); },
    fetchOrderTrades: async () => [],
    fetchOpenOrders: async (_s?: string, since?: number) => { calls.push(['fetchOpenOrders', since]); return []; },
    fetchClosedOrders: async (_s?: string, since?: number) => { calls.push(['fetchClosedOrders', since]); return closed; },
    cancelOrder: async (id: unknown, symbol: unknown, params: unknown) => { calls.push(['cancelOrder', { id, symbol, params }]); return cancel(params); },
    fetchTicker: async () => ({ symbol: 'ETH/USD', last: 2000 }),
    fetchTickers: async () => ({}),
  } satisfies CcxtExchangeLike;
  return { double, calls };
}

describe('CcxtExchange cancel on Kraken (ccxt double)', () => {
  const cancelledHalf: CcxtOrderLike = {
    id: 'OABC-123', clientOrderId: 'ce-r-krk1', side: 'buy', type: 'limit', status: 'canceled',
    info: { vol: '1.00000000', vol_exec: '0.50000000', cost: '950.00000', price: '1900.00000', descr: { price: '1900.00' }, closetm: 1700000000.5 },
    fee: { currency: 'USD', cost: 1.52 },
  };

  it('sends cl_ord_id, then reads the final state (partial fill, fee) from closed orders', async () => {
    const { double, calls } = krakenDouble([cancelledHalf], async () => ({ id: undefined, info: { count: 1 } }));
    const state = await new CcxtExchange(double).cancelOrder({ symbol: 'ETH/USD', clientOrderId: 'ce-r-krk1' });
    expect(calls[0]).toEqual(['cancelOrder', { id: undefined, symbol: 'ETH/USD', params: { cl_ord_id: 'ce-r-krk1' } }]);
    expect(state).toMatchObject({ status: 'cancelled', price: '1900', amountBase: '1', filledBase: '0.5', costQuote: '950', avgPrice: '1900', fees: [{ currency: 'USD', amount: '1.52' }] });
  });

  it('EOrder:Unknown order and nothing found → null; found filled → its filled state', async () => {
    const unknown = async () => { throw new ExchangeError('kraken {"error":["EOrder:Unknown order"]}'); };
    expect(await new CcxtExchange(krakenDouble([], unknown).double).cancelOrder({ symbol: 'ETH/USD', clientOrderId: 'ce-r-none' })).toBeNull();
    const filled = { ...cancelledHalf, clientOrderId: 'ce-r-krk2', status: 'closed', info: { ...cancelledHalf.info, vol_exec: '1.00000000', cost: '1900.00000' } };
    expect(await new CcxtExchange(krakenDouble([filled], unknown).double).cancelOrder({ symbol: 'ETH/USD', clientOrderId: 'ce-r-krk2' })).toMatchObject({ status: 'filled', filledBase: '1', costQuote: '1900' });
  });

  it('a cancel refused for another reason is classified (not read as "unknown order")', async () => {
    const refused = async () => { throw Object.assign(new Error('kraken {"error":["EAPI:Invalid key"]}'), { name: 'AuthenticationError' }); };
    await expect(new CcxtExchange(krakenDouble([], refused).double).cancelOrder({ symbol: 'ETH/USD', clientOrderId: 'ce-r-auth' })).rejects.toMatchObject({ name: 'OrderRejectedError', reason: 'AUTHENTICATION' });
  });
});
