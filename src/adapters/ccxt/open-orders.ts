/**
 * How `CcxtExchange.fetchOpenOrders` asks a venue for the account's open orders: one request for
 * every market where the venue allows it, else one per market; and how a listed order is read
 * back into the engine's client order id.
 */
import type { CcxtVenueProfile } from './venues';
import { venueClientOrderId } from './venues';

/**
 * One ccxt `fetchOpenOrders` call: its symbol (undefined: every market of the account) and params.
 * @internal
 */
export interface OpenOrdersCall {
  readonly symbol: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * Venues whose open-orders endpoint answers for every spot market at once, with the ccxt params
 * that keep it to spot: Binance `GET /api/v3/openOrders` without `symbol` (ccxt's market type
 * `spot`), OKX `GET /api/v5/trade/orders-pending` without `instId` (`instType=SPOT`, up to 100
 * orders a page), Bybit `GET /v5/order/realtime` with `category=spot` and no symbol (up to 50 a
 * page; ccxt's Bybit defaults to `swap`, hence the explicit type).
 * @internal
 */
export const BATCHED_OPEN_ORDERS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  binance: { type: 'spot' },
  binanceus: { type: 'spot' },
  okx: { instType: 'SPOT', limit: 100 },
  bybit: { type: 'spot', limit: 50 },
};

/**
 * The calls that list the open orders of `symbols` (deduplicated): one without a symbol where the
 * venue batches and more than one spot market is asked for, else one per symbol. `types` gives
 * each symbol's ccxt market type; a venue only batches spot markets.
 * @internal
 */
export function openOrdersCalls(venue: string, symbols: readonly string[], types: Readonly<Record<string, string | undefined>>): OpenOrdersCall[] {
  const unique = [...new Set(symbols)];
  const batched = BATCHED_OPEN_ORDERS[venue];
  if (batched !== undefined && unique.length > 1 && unique.every((s) => types[s] === 'spot')) return [{ symbol: undefined, params: batched }];
  // One market: asking for it alone costs less on every venue (Binance: weight 6 instead of 80).
  return unique.map((symbol) => ({ symbol, params: {} }));
}

/**
 * The engine's client order id of a venue's client order id: the id itself, or an engine id
 * (`ce-<tag>-<intentId>`) the adapter sent without its dashes (OKX). A hashed id is not read
 * back: the engine never sends one.
 * @internal
 */
export function engineClientOrderId(profile: CcxtVenueProfile, venueId: string): string {
  const m = /^ce([a-z])([a-z0-9]+)$/.exec(venueId);
  if (m !== null) {
    const dashed = `ce-${m[1]}-${m[2]}`;
    if (venueClientOrderId(profile, dashed) === venueId) return dashed;
  }
  return venueId;
}
