/**
 * Classifying ccxt errors into the port's two outcomes. ccxt's CJS and ESM builds have distinct
 * error classes, so this reads the names along the error's constructor chain (and ccxt's `name`),
 * never `instanceof` alone.
 */
import { OrderOutcomeUnknownError, OrderRejectedError } from '../../errors';
import { redactError } from '../../redact';

/**
 * What an error thrown while sending an order means: `rejected` — nothing executed, safe to retry;
 * `unknown` — the order may have executed, look it up by client order id.
 * @public
 */
export type CcxtErrorOutcome = 'rejected' | 'unknown';

/**
 * One row of {@link CCXT_ERROR_CLASSIFICATION}.
 * @public
 */
export interface CcxtErrorRule {
  /** A ccxt error class name (matched anywhere on the error's class chain) or a venue error code, e.g. `binance:-1013`. */
  readonly match: string;
  /** The outcome it means for an order that was being sent. */
  readonly outcome: CcxtErrorOutcome;
  /** A short machine-readable reason, used as `OrderRejectedError.reason`. */
  readonly reason: string;
}

/**
 * The classification table, checked top to bottom; the first row that matches decides. Binance
 * codes come before generic classes (ccxt maps -1006/-1007/-1013 to different classes per API),
 * subclasses before their parents (`OrderNotFound` and `DuplicateOrderId` before `InvalidOrder`). Anything unmatched is
 * `unknown`: when in doubt, the adapter never claims that nothing executed.
 * @public
 */
export const CCXT_ERROR_CLASSIFICATION: readonly CcxtErrorRule[] = [
  { match: 'OrderNotFound', outcome: 'unknown', reason: 'ORDER_NOT_FOUND' },
  { match: 'DuplicateOrderId', outcome: 'unknown', reason: 'DUPLICATE_ORDER_ID' },
  { match: 'InsufficientFunds', outcome: 'rejected', reason: 'INSUFFICIENT_FUNDS' },
  { match: 'binance:-1006', outcome: 'unknown', reason: 'BINANCE_UNEXPECTED_RESPONSE' },
  { match: 'binance:-1007', outcome: 'unknown', reason: 'BINANCE_BACKEND_TIMEOUT' },
  { match: 'binance:-2010', outcome: 'rejected', reason: 'NEW_ORDER_REJECTED' },
  { match: 'binance:-1013', outcome: 'rejected', reason: 'FILTER_FAILURE' },
  { match: 'InvalidOrder', outcome: 'rejected', reason: 'INVALID_ORDER' },
  { match: 'BadSymbol', outcome: 'rejected', reason: 'BAD_SYMBOL' },
  { match: 'BadRequest', outcome: 'rejected', reason: 'BAD_REQUEST' },
  { match: 'AuthenticationError', outcome: 'rejected', reason: 'AUTHENTICATION' },
  { match: 'NotSupported', outcome: 'rejected', reason: 'NOT_SUPPORTED' },
  { match: 'ArgumentsRequired', outcome: 'rejected', reason: 'ARGUMENTS_REQUIRED' },
  { match: 'RequestTimeout', outcome: 'unknown', reason: 'REQUEST_TIMEOUT' },
  { match: 'DDoSProtection', outcome: 'unknown', reason: 'RATE_LIMITED' },
  { match: 'RateLimitExceeded', outcome: 'unknown', reason: 'RATE_LIMITED' },
  { match: 'ExchangeNotAvailable', outcome: 'unknown', reason: 'EXCHANGE_NOT_AVAILABLE' },
  { match: 'NetworkError', outcome: 'unknown', reason: 'NETWORK_ERROR' },
];

/** Names along an error's prototype chain, plus its `name`. @internal */
export function errorClassNames(error: unknown): Set<string> {
  const names = new Set<string>();
  if (typeof error !== 'object' || error === null) return names;
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string') names.add(name);
  for (let p = Object.getPrototypeOf(error); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string' && ctor.name !== '') names.add(ctor.name);
  }
  return names;
}

/** The venue error code a ccxt message carries (ccxt appends the raw body: `{"code":-1013,…}`). */
function venueCode(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return /"code"\s*:\s*"?(-?\d+)/.exec(message)?.[1];
}

/**
 * The rule of {@link CCXT_ERROR_CLASSIFICATION} that an error thrown by ccxt while sending an
 * order matches, or a catch-all `unknown` rule.
 * @param error - what ccxt threw
 * @param venue - the ccxt exchange id, e.g. `binance` (for venue codes)
 * @public
 */
export function classifyCcxtError(error: unknown, venue: string): CcxtErrorRule {
  const names = errorClassNames(error);
  const code = venueCode(error);
  const message = error instanceof Error ? error.message : '';
  // A duplicate client order id means an earlier order with this id exists: it may have executed.
  if (/duplicate order/i.test(message)) return { match: 'DuplicateOrderId', outcome: 'unknown', reason: 'DUPLICATE_ORDER_ID' };
  // Binance -2010 "Account has insufficient balance for requested action." (buy or sell), whatever class ccxt gave it.
  if (/insufficient (balance|funds)/i.test(message)) return { match: 'InsufficientFunds', outcome: 'rejected', reason: 'INSUFFICIENT_FUNDS' };
  for (const rule of CCXT_ERROR_CLASSIFICATION) {
    const colon = rule.match.indexOf(':');
    if (colon >= 0 ? rule.match === `${venue.replace(/us$/, '')}:${code ?? ''}` : names.has(rule.match)) return rule;
  }
  return { match: '*', outcome: 'unknown', reason: 'UNCLASSIFIED' };
}

/**
 * Turns an error thrown while sending an order into the port's `OrderRejectedError` or
 * `OrderOutcomeUnknownError`, redacted (signatures and auth headers in ccxt's message, which
 * carries the signed URL, become `[redacted]`; the `cause` is a cleaned copy of the original).
 * @param error - what ccxt threw
 * @param venue - the ccxt exchange id
 * @param clientOrderId - the order's client order id
 * @public
 */
export function toOrderError(error: unknown, venue: string, clientOrderId: string): OrderRejectedError | OrderOutcomeUnknownError {
  const rule = classifyCcxtError(error, venue);
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const wrapped = rule.outcome === 'rejected'
    ? new OrderRejectedError(`${venue} refused ${clientOrderId} (${rule.reason}): ${text}`, { reason: rule.reason, clientOrderId, cause: error })
    : new OrderOutcomeUnknownError(`${venue}: outcome of ${clientOrderId} unknown (${rule.reason}): ${text}`, { clientOrderId, cause: error });
  return redactError(wrapped, [], venue) as typeof wrapped;
}
