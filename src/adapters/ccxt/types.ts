/**
 * The slice of a ccxt exchange object the adapter uses, typed structurally so that this package
 * never imports ccxt (an optional peer): any `new ccxt.binance(...)` (ESM or CJS build) fits.
 */

/**
 * A ccxt market, as `loadMarkets()` returns it (only the fields the adapter reads).
 * @public
 */
export interface CcxtMarketLike {
  /** Unified symbol, e.g. `ETH/USDT`. */
  symbol: string;
  /** Base currency code. */
  base: string;
  /** Quote currency code. */
  quote: string;
  /** Whether this is a spot market. */
  spot?: boolean | undefined;
  /** Amount and price precision, in the exchange's `precisionMode`. */
  precision: { amount?: number | undefined; price?: number | undefined };
  /** Amount and cost limits. */
  limits: {
    amount?: { min?: number | undefined; max?: number | undefined };
    cost?: { min?: number | undefined; max?: number | undefined };
  };
  /** Taker fee rate, a fraction (e.g. 0.001), as ccxt knows it. */
  taker?: number | undefined;
  /** Maker fee rate, a fraction, as ccxt knows it. */
  maker?: number | undefined;
  /** The venue's raw market (Binance: its `exchangeInfo` symbol, with `filters`). */
  info: any;
}

/**
 * A ccxt fee structure.
 * @public
 */
export interface CcxtFeeLike {
  /** Fee currency code. */
  currency?: string | undefined;
  /** Fee amount (a float: used only when the raw response has no string). */
  cost?: number | undefined;
}

/**
 * A ccxt order structure (only the fields the adapter reads).
 * @public
 */
export interface CcxtOrderLike {
  /** Exchange order id. */
  id: string | undefined;
  /** Order side, `buy` or `sell`. */
  side?: string | undefined;
  /** Client order id, as the venue echoes it. */
  clientOrderId?: string | undefined;
  /** Unified symbol (read by `fetchOpenOrders`, which lists several markets). */
  symbol?: string | undefined;
  /** Order type, e.g. `market` or `limit`. */
  type?: string | undefined;
  /** `open`, `closed`, `canceled`, `expired` or `rejected`. */
  status?: string | undefined;
  /** Creation time, Unix ms. */
  timestamp?: number | undefined;
  /** Last trade time, Unix ms. */
  lastTradeTimestamp?: number | undefined;
  /** Executed base amount (float; the raw response's string is preferred). */
  filled?: number | undefined;
  /** Executed quote amount (float; the raw response's string is preferred). */
  cost?: number | undefined;
  /** Average price (float). */
  average?: number | undefined;
  /** Single fee. */
  fee?: CcxtFeeLike | undefined;
  /** All fees. */
  fees?: CcxtFeeLike[] | undefined;
  /** The venue's raw response. */
  info: any;
}

/**
 * A ccxt trade structure (only the fields the adapter reads).
 * @public
 */
export interface CcxtTradeLike {
  /** The fee of this trade. */
  fee?: CcxtFeeLike | undefined;
  /** The venue's raw response. */
  info: any;
}

/**
 * A ccxt ticker (only the fields the adapter reads).
 * @public
 */
export interface CcxtTickerLike {
  /** Unified symbol. */
  symbol: string | undefined;
  /** Last price. */
  last?: number | undefined;
  /** Close price (ccxt sets it to `last`). */
  close?: number | undefined;
  /** Best bid. */
  bid?: number | undefined;
  /** Best ask. */
  ask?: number | undefined;
}

/**
 * What `CcxtExchange` needs from a ccxt exchange instance. A real `ccxt.binance`, `ccxt.okx`, …
 * instance satisfies it; so can a hand-written double.
 * @public
 */
export interface CcxtExchangeLike {
  /** ccxt id, e.g. `binance`. */
  readonly id: string;
  /** ccxt's capability map, e.g. `has.createMarketBuyOrderWithCost`. */
  has: Record<string, boolean | 'emulated' | undefined | null>;
  /** ccxt precision mode: 2 decimal places, 3 significant digits, 4 tick size. */
  precisionMode?: number | undefined;
  /** Loads (and caches) the markets. */
  loadMarkets(reload?: boolean): Promise<Record<string, any>>;
  /** Truncates an amount to the market's amount precision. */
  amountToPrecision(symbol: string, amount: any): any;
  /** Rounds a price to the market's price precision (used for LIMIT orders when present). */
  priceToPrecision?(symbol: string, price: any): any;
  /** Places an order. */
  createOrder(symbol: string, type: any, side: any, amount: number, price?: number, params?: any): Promise<CcxtOrderLike>;
  /** Places a MARKET buy spending `cost` quote. */
  createMarketBuyOrderWithCost(symbol: string, cost: number, params?: any): Promise<CcxtOrderLike>;
  /** Fetches one order (by id, or by client order id in `params`). */
  fetchOrder(id: any, symbol?: string, params?: any): Promise<CcxtOrderLike>;
  /** Cancels an order (by id, or by client order id in `params`); needed for `cancelOrder`. */
  cancelOrder?(id: any, symbol?: string, params?: any): Promise<CcxtOrderLike>;
  /** Fetches open orders. */
  fetchOpenOrders(symbol?: string, since?: number, limit?: number, params?: any): Promise<CcxtOrderLike[]>;
  /** Fetches closed orders. */
  fetchClosedOrders(symbol?: string, since?: number, limit?: number, params?: any): Promise<CcxtOrderLike[]>;
  /** Fetches closed and cancelled orders in one call (Bybit), where the venue has it. */
  fetchCanceledAndClosedOrders?(symbol?: string, since?: number, limit?: number, params?: any): Promise<CcxtOrderLike[]>;
  /** Fetches cancelled orders (a market order can end cancelled after a partial fill). */
  fetchCanceledOrders?(symbol?: string, since?: number, limit?: number, params?: any): Promise<CcxtOrderLike[]>;
  /** Fetches the trades of one order. */
  fetchOrderTrades(id: string, symbol?: string, since?: number, limit?: number, params?: any): Promise<CcxtTradeLike[]>;
  /** Fetches the account's balances (`free` per currency; `info` the venue's raw answer), where the venue has it. */
  fetchBalance?(params?: any): Promise<{ free?: Record<string, number | undefined> | undefined; info?: any }>;
  /** Headers ccxt adds to every request (the adapter sets OKX's `expTime` there while an order is sent). */
  headers?: Record<string, string> | undefined;
  /** Options of the instance (Bybit's `recvWindow`, Binance's default `recvWindow`, …). */
  options?: Record<string, any> | undefined;
  /** Fetches one ticker. */
  fetchTicker(symbol: string, params?: any): Promise<CcxtTickerLike>;
  /** Fetches many tickers. */
  fetchTickers(symbols?: string[], params?: any): Promise<Record<string, CcxtTickerLike>>;
}
