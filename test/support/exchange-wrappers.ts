/**
 * Exchanges that misbehave the way real venues do, built by wrapping another exchange: for the
 * engine's hardening tests.
 */
import { Decimal } from 'decimal.js';
import type { Exchange, FindOrderQuery, MarketOrderRequest, OrderFill } from 'cycle-engine';

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

/** The paper exchange with `fetchBalances` read from its own balances (free amounts). */
export function withPaperBalances(paper: Exchange & { balance(asset: string): string }): Exchange {
  return { ...wrap(paper), fetchBalances: async (assets) => Object.fromEntries(assets.map((a) => [a, paper.balance(a)])) };
}

/**
 * Fills the next `count` MARKET orders of `side` for only `ratio` of what was asked (Binance ends
 * a MARKET order EXPIRED with a partial fill on a thin book): a sell executes `ratio` of its base,
 * rounded down to `step`; a buy spends `ratio` of its quote.
 */
export function partialFills(inner: Exchange, side: 'buy' | 'sell', ratio: string, step: string, count = 1): Exchange & { remaining(): number } {
  let left = count;
  const shrink = (r: MarketOrderRequest): MarketOrderRequest => {
    if (left <= 0 || r.side !== side) return r;
    left--;
    if (side === 'sell') {
      const base = new Decimal(r.baseAmount as string).mul(ratio).div(step).floor().mul(step);
      return { ...r, baseAmount: base.toFixed() };
    }
    return { ...r, quoteAmount: new Decimal(r.quoteAmount as string).mul(ratio).toFixed() };
  };
  return {
    ...wrap(inner),
    placeMarketOrder: (r) => inner.placeMarketOrder(shrink(r)),
    remaining: () => left,
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
      return found !== null && found.status !== 'open' ? pend(found) : found;
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
