/**
 * Exchanges that misbehave the way real venues do, built by wrapping another exchange: for the
 * engine's hardening tests.
 */
import type { Exchange, FindOrderQuery, OrderFill, PaperExchange } from 'cycle-engine';

/** The exchange's own calls, without `fetchBalances` (an adapter that cannot read balances). */
export function withoutBalances(inner: Exchange): Exchange {
  return {
    id: inner.id,
    fetchPrices: (s) => inner.fetchPrices(s),
    getMarket: (s) => inner.getMarket(s),
    placeMarketOrder: (r) => inner.placeMarketOrder(r),
    findOrder: (q) => inner.findOrder(q),
  };
}

/** Every fill, placed or looked up, says its fee is not reported yet for the first `count` times it is seen. */
export function feePending(inner: Exchange, count: number): Exchange & { seen(): number } {
  let seen = 0;
  const pend = (f: OrderFill): OrderFill => (seen++ < count ? { ...f, fee: null, feePending: true } : f);
  return {
    ...wrap(inner),
    placeMarketOrder: async (r) => pend(await inner.placeMarketOrder(r)),
    findOrder: async (q: FindOrderQuery) => {
      const found = await inner.findOrder(q);
      return found !== null && 'fee' in found ? pend(found) : found;
    },
    seen: () => seen,
  };
}

function wrap(inner: Exchange): Exchange {
  const out: Exchange = {
    id: inner.id,
    fetchPrices: (s) => inner.fetchPrices(s),
    getMarket: (s) => inner.getMarket(s),
    placeMarketOrder: (r) => inner.placeMarketOrder(r),
    findOrder: (q) => inner.findOrder(q),
  };
  if (inner.fetchBalances) return { ...out, fetchBalances: (a) => inner.fetchBalances!(a) };
  return out;
}

/**
 * The paper exchange with every member forwarded (each call reads the member then, so a test may
 * still replace one on the paper object), some overridden: `{ fetchOpenOrders: undefined }` takes
 * a capability away.
 */
export function delegate(paper: PaperExchange, over: Partial<Exchange> = {}): Exchange {
  const out: Exchange = {
    id: paper.id,
    fetchPrices: (x) => paper.fetchPrices(x),
    getMarket: (x) => paper.getMarket(x),
    placeMarketOrder: (r) => paper.placeMarketOrder(r),
    findOrder: (q) => paper.findOrder(q),
    placeLimitOrder: (r) => paper.placeLimitOrder(r),
    cancelOrder: (q) => paper.cancelOrder(q),
    fetchBalances: (a) => paper.fetchBalances(a),
    fetchOpenOrders: (x) => paper.fetchOpenOrders(x),
    ...over,
  };
  for (const k of Object.keys(out) as Array<keyof Exchange>) if (out[k] === undefined) delete out[k];
  return out;
}
