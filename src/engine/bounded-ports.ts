/**
 * The engine's view of its ports with every call bounded by `callTimeoutMs` (except
 * `placeMarketOrder`, which has `orderTimeoutMs` and its own unknown-outcome handling).
 */
import { WriteUnknownError, isCallTimeoutError } from '../errors';
import type { CancelOrderQuery, Exchange, LimitOrderRequest } from '../ports/exchange';
import type { Lock, LockLease } from '../ports/lock';
import type { StateStore } from '../ports/state-store';
import { bounded } from './bounded';

/**
 * An exchange whose read calls fail with `CallTimeoutError` after `ms`.
 * @internal
 */
export function boundExchange(exchange: Exchange, ms: number): Exchange {
  const id = exchange.id;
  const fetchBalances = exchange.fetchBalances;
  const placeLimitOrder = exchange.placeLimitOrder;
  const cancelOrder = exchange.cancelOrder;
  const fetchOpenOrders = exchange.fetchOpenOrders;
  return {
    id,
    fetchPrices: (symbols) => bounded(`${id}.fetchPrices`, ms, () => exchange.fetchPrices(symbols)),
    getMarket: (symbol) => bounded(`${id}.getMarket(${symbol})`, ms, () => exchange.getMarket(symbol)),
    placeMarketOrder: (request) => exchange.placeMarketOrder(request),
    findOrder: (query) => bounded(`${id}.findOrder(${query.clientOrderId})`, ms, () => exchange.findOrder(query)),
    ...(typeof fetchBalances === 'function'
      ? { fetchBalances: (assets: readonly string[]) => bounded(`${id}.fetchBalances`, ms, () => fetchBalances.call(exchange, assets)) }
      : {}),
    // Placing and cancelling have the engine's orderTimeoutMs and their own unknown-outcome handling.
    ...(typeof placeLimitOrder === 'function' ? { placeLimitOrder: (request: LimitOrderRequest) => exchange.placeLimitOrder!(request) } : {}),
    ...(typeof cancelOrder === 'function' ? { cancelOrder: (query: CancelOrderQuery) => exchange.cancelOrder!(query) } : {}),
    ...(typeof fetchOpenOrders === 'function'
      ? { fetchOpenOrders: (symbols: readonly string[]) => bounded(`${id}.fetchOpenOrders`, ms, () => exchange.fetchOpenOrders!(symbols)) }
      : {}),
  };
}

/**
 * A store whose calls fail after `ms`. A `compareAndSet` that times out may still land: it is a
 * {@link WriteUnknownError} (the caller re-reads), never "not written".
 * @internal
 */
export function boundStore(store: StateStore, ms: number): StateStore {
  return {
    get: (key) => bounded(`store.get(${key})`, ms, () => store.get(key)),
    list: () => bounded('store.list', ms, () => store.list()),
    compareAndSet: (key, expected, value) =>
      bounded(`store.compareAndSet(${key})`, ms, () => store.compareAndSet(key, expected, value)).catch((error: unknown) => {
        if (isCallTimeoutError(error)) throw new WriteUnknownError(key, `compareAndSet of \`${key}\` did not settle within ${ms} ms: it may still land; re-read`, { cause: error });
        throw error;
      }),
    ...(store.close ? { close: () => store.close!() } : {}),
  };
}

/**
 * A lock whose `acquire` fails after `ms` (plus the wait asked for); a lease granted after its
 * caller gave up is released at once. `release` is bounded too.
 * @internal
 */
export function boundLock(lock: Lock, ms: number): Lock {
  const boundLease = (lease: LockLease): LockLease => ({
    get key() {
      return lease.key;
    },
    get token() {
      return lease.token;
    },
    get expiresAt() {
      return lease.expiresAt;
    },
    release: () => bounded(`lock.release(${lease.key})`, ms, () => lease.release()),
  });
  return {
    acquire: async (key, options) => {
      const late = (lease: LockLease | null) => void lease?.release().catch(() => undefined);
      const lease = await bounded(`lock.acquire(${key})`, ms + (options?.waitMs ?? 0), () => lock.acquire(key, options), late);
      return lease === null ? null : boundLease(lease);
    },
    ...(lock.close ? { close: () => lock.close!() } : {}),
  };
}
