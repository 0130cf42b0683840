/**
 * The exchange port: what the engine needs from a venue. Amounts are decimal strings.
 */

/** Order side. @public */
export type OrderSide = 'buy' | 'sell';

/**
 * Trading rules of one market, as decimal strings.
 * @public
 */
export interface MarketRules {
  /** Unified symbol, e.g. `ETH/USDT`. */
  readonly symbol: string;
  /** Base asset, e.g. `ETH`. */
  readonly base: string;
  /** Quote asset, e.g. `USDT`. */
  readonly quote: string;
  /** Base amounts sent to the exchange are rounded down to a multiple of this (Binance `LOT_SIZE.stepSize`). */
  readonly amountStep: string;
  /** Price tick (Binance `PRICE_FILTER.tickSize`). */
  readonly priceTick: string;
  /** Smallest order value in quote (Binance `NOTIONAL.minNotional`). */
  readonly minNotional: string;
  /**
   * Taker fee rate as a decimal fraction (e.g. `0.001` for 0.1 %), when known: used to estimate
   * the fee of a fill whose fee the venue has not reported within `feeLookupTimeoutMs`.
   */
  readonly takerFeeRate?: string | undefined;
  /** Maker fee rate as a decimal fraction, when known (a resting LIMIT order that fills pays it). */
  readonly makerFeeRate?: string | undefined;
}

/**
 * A MARKET order as the engine sends it: buys by quote amount, sells by base amount.
 * @public
 */
export interface MarketOrderRequest {
  /** Unified symbol. */
  readonly symbol: string;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
  /** Quote to spend (buys), decimal string. */
  readonly quoteAmount?: string | undefined;
  /** Base to sell (sells), decimal string, already rounded down to the amount step. */
  readonly baseAmount?: string | undefined;
  /** Client order id derived from the persisted intent (≤ 36 chars of `[.A-Z:/a-z0-9_-]`). */
  readonly clientOrderId: string;
  /** Aborted when the engine stops waiting (its `orderTimeoutMs`): the order may still land. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A fee charged on a fill.
 * @public
 */
export interface OrderFee {
  /** Asset the fee was charged in. */
  readonly currency: string;
  /** Fee amount, decimal string. */
  readonly amount: string;
}

/**
 * An executed (filled) MARKET order.
 * @public
 */
export interface OrderFill {
  /** Exchange order id. */
  readonly orderId: string;
  /** The client order id sent with the order. */
  readonly clientOrderId: string;
  /** Unified symbol. */
  readonly symbol: string;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
  /** Optional tag telling a fill from an {@link OpenOrder}. */
  readonly status?: 'filled' | undefined;
  /** Base amount executed (gross, before any base-asset fee), decimal string. */
  readonly filledBase: string;
  /** Quote amount exchanged (spent on a buy, received on a sell, before quote fees), decimal string. */
  readonly costQuote: string;
  /** Average execution price, decimal string. */
  readonly avgPrice: string;
  /** The fee, or null when none was charged (or it was charged elsewhere, e.g. BNB). */
  readonly fee: OrderFee | null;
  /**
   * True when the venue has not reported the fee yet (ccxt: the order is found by its client id
   * but its trades are not listed yet); `fee` is then null and means nothing. The engine never
   * applies such a fill as fee-free: it looks again and, after `feeLookupTimeoutMs`, applies it
   * with a fee estimated from the market's taker rate (`feeEstimated: true`).
   */
  readonly feePending?: boolean | undefined;
  /** Set by the engine on a fill whose fee it estimated (see `feePending`). */
  readonly feeEstimated?: boolean | undefined;
  /** Execution time, Unix ms. */
  readonly timestamp: number;
}

/**
 * An order the exchange knows but has not (fully) executed yet.
 * @public
 */
export interface OpenOrder {
  /** Exchange order id. */
  readonly orderId: string;
  /** The client order id sent with the order. */
  readonly clientOrderId: string;
  /** Unified symbol. */
  readonly symbol: string;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
  /** Always `open`. */
  readonly status: 'open';
  /** Base amount executed so far, decimal string. */
  readonly filledBase: string;
}

/**
 * A LIMIT order (good till cancelled) as the engine sends it. Amount and price are already rounded
 * to the market's step and tick (buys down, sells up).
 * @public
 */
export interface LimitOrderRequest {
  /** Unified symbol. */
  readonly symbol: string;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
  /** Base amount, decimal string (a multiple of the amount step). */
  readonly baseAmount: string;
  /** Limit price, decimal string (a multiple of the price tick). */
  readonly price: string;
  /** Client order id derived from the persisted intent (≤ 36 chars of `[.A-Z:/a-z0-9_-]`). */
  readonly clientOrderId: string;
  /** Aborted when the engine stops waiting for the answer: the order may still land. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A cancel of one order by its client order id.
 * @public
 */
export interface CancelOrderQuery {
  /** Unified symbol. */
  readonly symbol: string;
  /** The client order id the order was sent with. */
  readonly clientOrderId: string;
  /** Aborted when the engine stops waiting for the answer: the cancel may still land. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Status of an order as the venue reports it. `open`: resting (possibly partly filled).
 * `filled`: fully executed. `cancelled` / `expired`: ended with what it executed so far (possibly
 * nothing, possibly part). `rejected`: the venue refused it; nothing executed.
 * @public
 */
export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'expired' | 'rejected';

/**
 * What the venue says of one order, with **cumulative** amounts and fees: applying it twice, or an
 * older one after a newer one, changes nothing (the engine applies `observed − applied`).
 * @public
 */
export interface OrderState {
  /** Exchange order id. */
  readonly orderId: string;
  /** The client order id sent with the order. */
  readonly clientOrderId: string;
  /** Unified symbol. */
  readonly symbol: string;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
  /** `market` or `limit`. */
  readonly type: 'market' | 'limit';
  /** Where the order stands. */
  readonly status: OrderStatus;
  /** Limit price, decimal string (LIMIT orders). */
  readonly price?: string | undefined;
  /** Base amount ordered, decimal string, when known. */
  readonly amountBase?: string | undefined;
  /** Base executed so far (gross, before any base-asset fee), decimal string. */
  readonly filledBase: string;
  /** Quote exchanged so far (before quote fees), decimal string. */
  readonly costQuote: string;
  /** Average execution price so far, decimal string; null when nothing filled. */
  readonly avgPrice: string | null;
  /** Every fee charged so far, per currency, cumulative (empty when none). */
  readonly fees: readonly OrderFee[];
  /**
   * True when the venue has not reported the fees of what filled yet: the engine does not apply
   * the fill until it has (or estimates them after `feeLookupTimeoutMs`).
   */
  readonly feePending?: boolean | undefined;
  /** Set by the engine on a state whose fees it estimated (see `feePending`). */
  readonly feeEstimated?: boolean | undefined;
  /** Time of the last change the venue reports, Unix ms. */
  readonly timestamp: number;
}

/**
 * A look-up of an order by its client order id.
 * @public
 */
export interface FindOrderQuery {
  /** Unified symbol. */
  readonly symbol: string;
  /** The client order id the order was sent with. */
  readonly clientOrderId: string;
  /** Unix ms no later than the order's creation (venues that search by time need it). */
  readonly since: number;
}

/**
 * Free (available) amounts per asset, decimal strings; an asset the account does not hold is `'0'`
 * or absent.
 * @public
 */
export type Balances = Record<string, string>;

/**
 * The exchange port. Adapters classify venue errors: definitely-not-executed →
 * `OrderRejectedError`; may-have-executed → `OrderOutcomeUnknownError`. Any other error thrown by
 * `placeMarketOrder` is treated by the engine as "may have executed".
 * @public
 */
export interface Exchange {
  /** A short name for logs, e.g. `paper`, `binance`. */
  readonly id: string;
  /**
   * Optional: how long after the engine stops waiting for an order (its `orderTimeoutMs`) the
   * venue may still execute it, in ms (e.g. the receive window the adapter sends). The engine
   * refuses a `landingWindowMs` below it, since an order could land after being given up.
   */
  readonly minLandingWindowMs?: number | undefined;
  /** Last prices of the given symbols (a missing symbol means "no price now"). */
  fetchPrices(symbols: readonly string[]): Promise<Record<string, number>>;
  /** Trading rules of one market. */
  getMarket(symbol: string): Promise<MarketRules>;
  /**
   * Sends a MARKET order and resolves with its fill.
   * @throws `OrderRejectedError` when nothing executed; `OrderOutcomeUnknownError` when it may have.
   */
  placeMarketOrder(request: MarketOrderRequest): Promise<OrderFill>;
  /**
   * Looks an order up by client order id: its {@link OrderState} (the 0.1 shapes {@link OrderFill}
   * and {@link OpenOrder} stay accepted), or null when the venue does not know it.
   */
  findOrder(query: FindOrderQuery): Promise<OrderState | OrderFill | OpenOrder | null>;
  /**
   * Optional: places a LIMIT order (good till cancelled) and resolves with its state (`open`, or
   * already filled when it crossed at once). Needed for `takeProfitOrder: 'limit'` and
   * `rebuyOrders: 'limit'`.
   * @throws `OrderRejectedError` when the venue refused it; `OrderOutcomeUnknownError` when it may have landed.
   */
  placeLimitOrder?(request: LimitOrderRequest): Promise<OrderState>;
  /**
   * Optional (with `placeLimitOrder`): cancels an order by its client order id and resolves with
   * its final state, fills and fees included (an adapter that needs a second call for them makes
   * it); an order that had already ended resolves with that state. Null when the venue does not
   * know the order.
   * @throws `OrderOutcomeUnknownError` when the cancel may or may not have landed.
   */
  cancelOrder?(query: CancelOrderQuery): Promise<OrderState | null>;
  /**
   * Optional: every open (resting) order of the account in these markets, with cumulative fills
   * and fees, in as few requests as the venue allows. With it, the engine checks all its resting
   * orders with one call every `openOrderCheckMs` instead of one look-up per order; an order
   * missing from the answer (it ended) is then looked up by its client order id.
   */
  fetchOpenOrders?(symbols: readonly string[]): Promise<OrderState[]>;
  /**
   * Optional: free amounts of the given assets. Lets the engine tell a sell refused for lack of
   * balance from another rejection, say how much the account really holds, and never ask to sell
   * more base than the account holds.
   */
  fetchBalances?(assets: readonly string[]): Promise<Balances>;
}
