/**
 * Cancelling by client order id through ccxt: the params each venue's `cancelOrder` reads the id
 * from, and the replies that mean "the venue has no open order with this id".
 */
import { errorClassNames } from './classify';

/**
 * The ccxt `cancelOrder(undefined, symbol, params)` params that cancel by client order id, as
 * ccxt 4.5's sources read them: Binance `origClientOrderId` (sent as is), OKX `clOrdId` (POST
 * trade/cancel-order), Bybit `orderLinkId` (merged into the v5 order/cancel body), Kraken
 * `cl_ord_id` (ccxt drops the `txid` when it is given). Any other venue gets ccxt's unified
 * `clientOrderId`.
 * @internal
 */
export function cancelByClientIdParams(venue: string, venueClientOrderId: string): Record<string, string> {
  switch (venue) {
    case 'binance':
    case 'binanceus':
      return { origClientOrderId: venueClientOrderId };
    case 'okx':
      return { clOrdId: venueClientOrderId };
    case 'bybit':
      return { orderLinkId: venueClientOrderId };
    case 'kraken':
      return { cl_ord_id: venueClientOrderId };
    default:
      return { clientOrderId: venueClientOrderId };
  }
}

/**
 * Venue codes a cancel answers for an order it has no open order for: unknown, or already ended.
 * Binance -2011 "Unknown order sent." (also for a filled order), OKX 51400 (does not exist), 51401
 * (already cancelled), 51402 (already completed), 51603, Bybit 110001 / 170213, Kraken
 * `EOrder:Unknown order`. ccxt maps each to `OrderNotFound`; the codes are matched too in case a
 * build maps one elsewhere.
 */
const NOT_FOUND_PATTERNS: readonly RegExp[] = [
  /"code"\s*:\s*-2011\b/,
  /"sCode"\s*:\s*"(51400|51401|51402|51603)"/,
  /"code"\s*:\s*"51603"/,
  /"retCode"\s*:\s*(110001|170213)\b/,
  /EOrder:Unknown order/,
];

/**
 * Whether a cancel's error says the venue has no open order with that id (it may never have
 * existed, or may have ended already: the caller looks it up to tell).
 * @internal
 */
export function isCancelNotFound(error: unknown): boolean {
  if (errorClassNames(error).has('OrderNotFound')) return true;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return NOT_FOUND_PATTERNS.some((p) => p.test(message));
}
