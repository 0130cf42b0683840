/**
 * What each venue offers for client order ids: whether ccxt's `params.clientOrderId` reaches it,
 * what ids it accepts, and how an order is found by one.
 */
import { createHash } from 'node:crypto';

/**
 * How a venue supports client order ids. `lookup: 'fetchOrder'` finds an order with
 * `fetchOrder(undefined, symbol, { clientOrderId })` (Binance sends it as `origClientOrderId`,
 * OKX as `clOrdId`); `lookup: 'scan'` searches open and closed orders since the intent.
 * @public
 */
export interface CcxtVenueProfile {
  /** How orders are found by client order id. */
  readonly lookup: 'fetchOrder' | 'scan';
  /** Longest client order id the venue accepts. */
  readonly maxIdLength: number;
  /** Characters the venue accepts in a client order id. */
  readonly idPattern: RegExp;
}

/**
 * The venues whose client order ids ccxt unifies and this adapter knows how to look up. Coinbase
 * is absent on purpose: ccxt does not pass it a client order id, so a timed-out order could not be
 * found again.
 * @public
 */
export const CCXT_VENUE_PROFILES: Readonly<Record<string, CcxtVenueProfile>> = {
  binance: { lookup: 'fetchOrder', maxIdLength: 36, idPattern: /^[.A-Z:/a-z0-9_-]+$/ },
  binanceus: { lookup: 'fetchOrder', maxIdLength: 36, idPattern: /^[.A-Z:/a-z0-9_-]+$/ },
  okx: { lookup: 'fetchOrder', maxIdLength: 32, idPattern: /^[A-Za-z0-9]+$/ },
  bybit: { lookup: 'scan', maxIdLength: 36, idPattern: /^[A-Za-z0-9_-]+$/ },
  kraken: { lookup: 'scan', maxIdLength: 36, idPattern: /^[A-Za-z0-9-]+$/ },
};

/** Venues known not to carry a client order id through ccxt. */
export const NO_CLIENT_ID_VENUES: ReadonlySet<string> = new Set(['coinbase', 'coinbaseexchange', 'coinbaseadvanced', 'coinbaseinternational']);

/**
 * The id sent to the venue for a client order id. Ids the venue accepts go as they are; the
 * engine's ids (`ce-s-…`, `[a-z0-9-]`) lose their dashes where dashes are refused (OKX), which is
 * unambiguous because their dashes sit at fixed places; any other id becomes a hash of itself.
 * Deterministic, so a look-up computes the same id as the send.
 * @internal
 */
export function venueClientOrderId(profile: CcxtVenueProfile, clientOrderId: string): string {
  const fits = (id: string) => id.length > 0 && id.length <= profile.maxIdLength && profile.idPattern.test(id);
  if (fits(clientOrderId)) return clientOrderId;
  if (/^ce-[a-z]-[a-z0-9]+$/.test(clientOrderId) && fits(clientOrderId.replace(/-/g, ''))) return clientOrderId.replace(/-/g, '');
  return `h${createHash('sha256').update(clientOrderId).digest('hex')}`.slice(0, Math.min(32, profile.maxIdLength));
}
