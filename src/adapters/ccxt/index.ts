/**
 * cycle-engine/ccxt: the `Exchange` port over a ccxt exchange instance you create (ccxt is an
 * optional peer dependency, loaded by you, never by this package):
 *
 * ```ts
 * import ccxt from 'ccxt';
 * import { CcxtExchange } from 'cycle-engine/ccxt';
 * const exchange = new CcxtExchange(new ccxt.binance({ apiKey, secret }));
 * ```
 *
 * @packageDocumentation
 * @module cycle-engine/ccxt
 */
export { CcxtExchange } from './ccxt-exchange';
export type { CcxtExchangeOptions } from './ccxt-exchange';
export { CCXT_ERROR_CLASSIFICATION, classifyCcxtError, toOrderError } from './classify';
export type { CcxtErrorOutcome, CcxtErrorRule } from './classify';
export { CCXT_VENUE_PROFILES } from './venues';
export type { CcxtVenueProfile } from './venues';
export type { CcxtExchangeLike, CcxtFeeLike, CcxtMarketLike, CcxtOrderLike, CcxtTickerLike, CcxtTradeLike } from './types';
