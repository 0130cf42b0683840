/**
 * How late a venue may still accept an order (issue 9 case 7): the parameters each venue takes,
 * sent with every order so that an order the engine gave up on cannot execute long afterwards.
 */
import { InvalidOptionsError } from '../../errors';
import type { CcxtExchangeLike } from './types';

/** Default receive window of `CcxtExchange`, ms. @internal */
export const DEFAULT_RECEIVE_WINDOW_MS = 10_000;
/** Longest window Binance (`recvWindow`) and Kraken (`deadline`) accept, ms. @internal */
export const MAX_RECEIVE_WINDOW_MS = 60_000;

/**
 * The `receiveWindowMs` option, checked; the default when absent.
 * @throws `InvalidOptionsError` unless it is a whole number of ms from 1 to 60,000
 * @internal
 */
export function checkReceiveWindow(value: unknown): number {
  const window = value ?? DEFAULT_RECEIVE_WINDOW_MS;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > MAX_RECEIVE_WINDOW_MS) {
    throw new InvalidOptionsError('receiveWindowMs', `expected a whole number of ms from 1 to ${MAX_RECEIVE_WINDOW_MS}, got ${String(window)}`);
  }
  return window;
}

/**
 * The order params that bound how late the venue may accept an order: Binance `recvWindow` (ms
 * after the request's timestamp), Kraken `deadline` (RFC 3339). Bybit is bounded by ccxt's
 * instance-wide `options.recvWindow` header, OKX by the `expTime` header ({@link ExpTimeHeader}).
 * @internal
 */
export function receiveWindowParams(venue: string, windowMs: number, now: number): Record<string, unknown> {
  if (venue === 'binance' || venue === 'binanceus') return { recvWindow: windowMs };
  if (venue === 'kraken') return { deadline: new Date(now + windowMs).toISOString() };
  return {};
}

/**
 * OKX's `expTime` header (now + the window, Unix ms). ccxt has no per-request headers, so it is set
 * on the instance's `headers` while any order of this adapter is being sent — each order carries
 * a deadline at most one window after it was signed — and removed when none is.
 * @internal
 */
export class ExpTimeHeader {
  #holds = 0;

  constructor(private readonly ccxt: CcxtExchangeLike, private readonly windowMs: number) {}

  /** Runs `send` with the header set (OKX only; other venues run it as it is). */
  async around<T>(send: () => Promise<T>): Promise<T> {
    const ccxt = this.ccxt;
    if (ccxt.id !== 'okx') return send();
    ccxt.headers = { ...(ccxt.headers ?? {}), expTime: String(Date.now() + this.windowMs) };
    this.#holds++;
    try {
      return await send();
    } finally {
      if (--this.#holds === 0 && ccxt.headers) {
        const { expTime: _, ...rest } = ccxt.headers;
        ccxt.headers = rest;
      }
    }
  }
}
