/**
 * An {@link Exchange} over a ccxt exchange instance the user builds (ccxt is an optional peer:
 * this file never imports it).
 */
import { Decimal, parseDecimal, str } from '../../decimal';
import { checkKnownOptions } from '../../options-check';
import { CycleEngineError, InvalidOptionsError, OrderOutcomeUnknownError, OrderRejectedError, isOrderOutcomeUnknownError, isOrderRejectedError } from '../../errors';
import type { Balances, CancelOrderQuery, Exchange, FindOrderQuery, LimitOrderRequest, MarketOrderRequest, MarketRules, OpenOrder, OrderFee, OrderFill, OrderSide, OrderState } from '../../ports/exchange';
import { classifyCcxtError, errorClassNames, toOrderError } from './classify';
import { executed, orderFee, toPortOrder, tradesFee } from './fills';
import { cancelByClientIdParams, isCancelNotFound } from './cancel';
import { limitOrderAmounts } from './limit-request';
import { feeList, orderFeeParts, orderStatusOf, toOrderState, tradesFeeParts } from './order-state';
import { freeBalances } from './balances';
import { marketRules } from './markets';
import { ExpTimeHeader, checkReceiveWindow, receiveWindowParams } from './receive-window';
import { redactError, secretsOf } from '../../redact';
import type { CcxtExchangeLike, CcxtMarketLike, CcxtOrderLike, CcxtTickerLike } from './types';
import { CCXT_VENUE_PROFILES, NO_CLIENT_ID_VENUES, venueClientOrderId, type CcxtVenueProfile } from './venues';
import { engineClientOrderId, openOrdersCalls } from './open-orders';

/**
 * Options of {@link CcxtExchange}.
 * @public
 */
export interface CcxtExchangeOptions {
  /** Name for logs (default: the ccxt id). */
  readonly id?: string | undefined;
  /**
   * Client order id support of a venue this adapter does not list in `CCXT_VENUE_PROFILES`. Give
   * it only after checking that the venue stores `params.clientOrderId` and can find orders by it.
   */
  readonly venueProfile?: CcxtVenueProfile | undefined;
  /** Extra ccxt `params` sent with every order (e.g. `{ newOrderRespType: 'FULL' }`). */
  readonly orderParams?: Readonly<Record<string, unknown>> | undefined;
  /**
   * How late after it is sent an order may still be accepted by the venue, in ms (default 10,000;
   * at most 60,000, Binance's and Kraken's limit). Sent as Binance `recvWindow`, Kraken `deadline`
   * and OKX's `expTime` header with every order; Bybit bounds every private request by ccxt's own
   * `options.recvWindow` (5,000 ms unless you change it). Keep it below the engine's
   * `landingWindowMs`. Use one `CcxtExchange` per ccxt instance (OKX's header is set on it).
   */
  readonly receiveWindowMs?: number | undefined;
}

/**
 * The {@link Exchange} port over any ccxt exchange object: MARKET buys by quote amount
 * (`createMarketBuyOrderWithCost`), sells by base amount, LIMIT orders good till cancelled and
 * cancels by client order id (answered as {@link OrderState}s with cumulative fills and fees),
 * look-ups by client order id, and venue errors classified by `CCXT_ERROR_CLASSIFICATION`.
 *
 * Every error a method throws is redacted first (issue 14): request signatures, auth headers and
 * the instance's own `apiKey`/`secret`/`password` become `[redacted]` in its message and stack, a
 * ccxt error is wrapped in a `CycleEngineError` (never passed on as it is), and every `cause` is a
 * cleaned copy.
 * @public
 */
export class CcxtExchange implements Exchange {
  /** Name for logs. */
  readonly id: string;
  readonly #ccxt: CcxtExchangeLike;
  readonly #profile: CcxtVenueProfile;
  readonly #orderParams: Readonly<Record<string, unknown>>;
  readonly #receiveWindowMs: number;
  readonly #expTime: ExpTimeHeader;
  readonly #rules = new Map<string, MarketRules>();
  #markets: Promise<Record<string, CcxtMarketLike>> | undefined;

  /**
   * Every open (resting) LIMIT order of the account in these markets that carries a client order
   * id, as {@link OrderState}s (cumulative fills from the venue's raw strings; fees from the
   * listing, else `feePending` when something executed: no per-order request is made here).
   * Requests: Binance/Binance.US one `GET /api/v3/openOrders` without symbol for all spot markets
   * (weight 80, versus 6 per symbol; ccxt's `warnOnFetchOpenOrdersWithoutSymbol` warning is
   * acknowledged on the instance), OKX one `GET /api/v5/trade/orders-pending` (`instType=SPOT`, a
   * page of up to 100), Bybit one `GET /v5/order/realtime` (`category=spot`, a page of up to 50);
   * one call per symbol when a single market is asked for. Other venues: one ccxt
   * `fetchOpenOrders(symbol)` per symbol. Absent (undefined) when ccxt's `has.fetchOpenOrders` is
   * false: the engine then looks each order up on its own. An order beyond a full page is missing
   * from the answer and is then looked up by its client order id.
   * @throws `CycleEngineError` (redacted) when the venue cannot be asked
   */
  declare readonly fetchOpenOrders?: (symbols: readonly string[]) => Promise<OrderState[]>;

  /**
   * The receive window sent with every order (`receiveWindowMs`): the engine refuses a
   * `landingWindowMs` below it, since an order could still land after being given up.
   */
  get minLandingWindowMs(): number {
    return this.#receiveWindowMs;
  }

  /**
   * @param exchange - a ccxt exchange instance (`new ccxt.binance({ apiKey, secret })`)
   * @param options - log name, a profile for an unlisted venue, extra order params
   * @throws `InvalidOptionsError` when the venue cannot carry a client order id (Coinbase) or is
   * not listed and no `venueProfile` is given: without one, a timed-out order could not be found;
   * also for an unknown option key (named with the nearest valid one)
   */
  constructor(exchange: CcxtExchangeLike, options: CcxtExchangeOptions = {}) {
    if (typeof exchange !== 'object' || exchange === null || typeof exchange.id !== 'string' || typeof exchange.createOrder !== 'function') {
      throw new InvalidOptionsError('exchange', 'expected a ccxt exchange instance, e.g. new ccxt.binance({ ... })');
    }
    const profileShape = { lookup: true, maxIdLength: true, idPattern: true } as const satisfies Record<keyof CcxtVenueProfile, true>;
    checkKnownOptions(options, { id: true, venueProfile: profileShape, orderParams: true, receiveWindowMs: true } as const satisfies Record<keyof CcxtExchangeOptions, unknown>);
    const known = CCXT_VENUE_PROFILES[exchange.id];
    if (NO_CLIENT_ID_VENUES.has(exchange.id)) {
      throw new InvalidOptionsError('exchange', `ccxt does not send a client order id to ${exchange.id}: an order whose answer is lost could not be found again, so it could be bought twice`);
    }
    const profile = options.venueProfile ?? known;
    if (profile === undefined) {
      throw new InvalidOptionsError('venueProfile', `${exchange.id} is not a venue this adapter knows client order ids for (${Object.keys(CCXT_VENUE_PROFILES).join(', ')}); pass a venueProfile once you have checked it`);
    }
    this.#ccxt = exchange;
    this.#profile = profile;
    this.#orderParams = options.orderParams ?? {};
    this.#receiveWindowMs = checkReceiveWindow(options.receiveWindowMs);
    this.#expTime = new ExpTimeHeader(exchange, this.#receiveWindowMs);
    this.id = options.id ?? exchange.id;
    if (exchange.has?.fetchOpenOrders && typeof exchange.fetchOpenOrders === 'function') {
      this.fetchOpenOrders = (symbols) => this.#guard('fetchOpenOrders', () => this.#fetchOpenOrders(symbols));
    }
  }

  async #loadMarkets(): Promise<Record<string, CcxtMarketLike>> {
    this.#markets ??= this.#ccxt.loadMarkets().catch((error: unknown) => {
      this.#markets = undefined;
      throw error;
    });
    return this.#markets;
  }

  async #market(symbol: string): Promise<CcxtMarketLike> {
    const market = (await this.#loadMarkets())[symbol];
    if (market === undefined) throw new OrderRejectedError(`${this.id} has no market ${symbol}`, { reason: 'BAD_SYMBOL' });
    return market;
  }

  /** The instance's credentials, read at each use (a user may set them after construction). */
  #secrets(): string[] {
    return secretsOf(this.#ccxt, CREDENTIAL_FIELDS);
  }

  /** Runs one port call; whatever it throws leaves redacted. */
  async #guard<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#redact(error, method);
    }
  }

  #redact(error: unknown, method: string): CycleEngineError {
    return redactError(error, this.#secrets(), `${this.id}: ${method}`);
  }

  /**
   * Last prices: one `fetchTickers` call where the venue has it; unknown symbols are left out.
   * @throws `CycleEngineError` (redacted) when the venue cannot be asked
   */
  fetchPrices(symbols: readonly string[]): Promise<Record<string, number>> {
    return this.#guard('fetchPrices', () => this.#fetchPrices(symbols));
  }

  async #fetchPrices(symbols: readonly string[]): Promise<Record<string, number>> {
    const markets = await this.#loadMarkets();
    const known = [...new Set(symbols)].filter((s) => markets[s] !== undefined);
    const prices: Record<string, number> = {};
    if (known.length === 0) return prices;
    let tickers: Array<CcxtTickerLike | undefined>;
    if (this.#ccxt.has.fetchTickers) {
      const all = await this.#ccxt.fetchTickers(known);
      tickers = known.map((s) => all[s]);
    } else {
      tickers = await Promise.all(known.map((s) => this.#ccxt.fetchTicker(s).catch(() => undefined)));
    }
    known.forEach((symbol, i) => {
      const t = tickers[i];
      const mid = t?.bid !== undefined && t.ask !== undefined ? (t.bid + t.ask) / 2 : undefined;
      const price = t?.last ?? t?.close ?? mid;
      if (typeof price === 'number' && Number.isFinite(price) && price > 0) prices[symbol] = price;
    });
    return prices;
  }

  /**
   * Market rules from `loadMarkets` (cached), as decimal strings.
   * @throws `OrderRejectedError` (`BAD_SYMBOL`) for a symbol the venue does not list; `CycleEngineError` (redacted) when markets cannot be loaded
   */
  getMarket(symbol: string): Promise<MarketRules> {
    return this.#guard('getMarket', () => this.#getMarket(symbol));
  }

  async #getMarket(symbol: string): Promise<MarketRules> {
    const cached = this.#rules.get(symbol);
    if (cached) return cached;
    const rules = marketRules(await this.#market(symbol), this.#ccxt.precisionMode);
    this.#rules.set(symbol, rules);
    return rules;
  }

  /**
   * Sends a MARKET order with the request's client order id; see the class for the error mapping.
   * @throws `OrderRejectedError` when nothing executed; `OrderOutcomeUnknownError` when it may have (both redacted)
   */
  placeMarketOrder(request: MarketOrderRequest): Promise<OrderFill> {
    return this.#guard('placeMarketOrder', () => this.#placeMarketOrder(request));
  }

  async #placeMarketOrder(request: MarketOrderRequest): Promise<OrderFill> {
    const { symbol, side, clientOrderId } = request;
    let rules: MarketRules;
    let market: CcxtMarketLike;
    try {
      [rules, market] = await Promise.all([this.#getMarket(symbol), this.#market(symbol)]);
    } catch (error) {
      // Nothing was sent yet: whatever failed (markets unavailable, unknown symbol), no order exists.
      if (isOrderRejectedError(error)) throw error;
      throw new OrderRejectedError(`${this.id}: markets unavailable, ${clientOrderId} not sent: ${String(error)}`, { reason: 'MARKETS_UNAVAILABLE', clientOrderId, cause: error });
    }
    const params = { ...receiveWindowParams(this.#ccxt.id, this.#receiveWindowMs, Date.now()), ...this.#orderParams, clientOrderId: venueClientOrderId(this.#profile, clientOrderId) };
    let order: CcxtOrderLike;
    try {
      const send = this.#expTime.around(() => (side === 'buy' ? this.#buy(request, rules, params) : this.#sell(request, market, params)));
      order = await abortable(send, request.signal, () => new OrderOutcomeUnknownError(`${this.id}: stopped waiting for ${clientOrderId}`, { clientOrderId }));
    } catch (error) {
      if (isOrderRejectedError(error) || isOrderOutcomeUnknownError(error)) throw error;
      throw toOrderError(error, this.#ccxt.id, clientOrderId);
    }
    let result = await this.#toPort(order, { clientOrderId, symbol, side }, rules.base).catch(() => undefined);
    // Some venues answer a create with the id only: look the order up before giving up on it.
    if (result === undefined || result === null || result.status === 'open') {
      if (result === null && (order.status === 'canceled' || order.status === 'expired' || order.status === 'rejected')) {
        throw new OrderRejectedError(`${this.id}: ${clientOrderId} ended ${order.status} with nothing executed`, { reason: order.status.toUpperCase(), clientOrderId });
      }
      result = await this.#lookup(symbol, clientOrderId, Date.now() - 120_000)
        .then((found) => (found === undefined ? null : this.#toPort(found, { clientOrderId, symbol, side: sideOf(found) }, rules.base)))
        .catch(() => undefined);
    }
    if (result && result.status !== 'open') return result;
    throw new OrderOutcomeUnknownError(`${this.id}: ${clientOrderId} was sent but is not (yet) reported filled`, { clientOrderId });
  }

  async #buy(request: MarketOrderRequest, rules: MarketRules, params: object): Promise<CcxtOrderLike> {
    const quote = parseDecimal(request.quoteAmount);
    if (quote === undefined || quote.lte(0)) throw new OrderRejectedError(`quoteAmount ${String(request.quoteAmount)} is not a positive decimal`, { reason: 'INVALID_AMOUNT', clientOrderId: request.clientOrderId });
    if (quote.lt(rules.minNotional)) {
      throw new OrderRejectedError(`${request.symbol}: ${str(quote)} ${rules.quote} is below the minimum notional ${rules.minNotional}`, { reason: 'MIN_NOTIONAL', clientOrderId: request.clientOrderId });
    }
    if (!this.#ccxt.has.createMarketBuyOrderWithCost) {
      throw new OrderRejectedError(`ccxt ${this.#ccxt.id} cannot place a MARKET buy by quote amount (has.createMarketBuyOrderWithCost is false)`, { reason: 'QUOTE_AMOUNT_UNSUPPORTED', clientOrderId: request.clientOrderId });
    }
    return this.#ccxt.createMarketBuyOrderWithCost(request.symbol, quote.toNumber(), params);
  }

  async #sell(request: MarketOrderRequest, market: CcxtMarketLike, params: object): Promise<CcxtOrderLike> {
    const base = parseDecimal(request.baseAmount);
    const reject = (reason: string, why: string) => new OrderRejectedError(`${request.symbol}: ${why}`, { reason, clientOrderId: request.clientOrderId });
    if (base === undefined || base.lte(0)) throw reject('INVALID_AMOUNT', `baseAmount ${String(request.baseAmount)} is not a positive decimal`);
    let amount: Decimal | undefined;
    try {
      amount = parseDecimal(this.#ccxt.amountToPrecision(request.symbol, str(base)));
    } catch (error) {
      if (errorClassNames(error).has('InvalidOrder')) throw reject('AMOUNT_BELOW_MINIMUM', `${str(base)} is below the minimum amount`);
      throw error;
    }
    if (amount === undefined || amount.lte(0)) throw reject('AMOUNT_BELOW_STEP', `${str(base)} rounds down to nothing`);
    const min = market.limits.amount?.min;
    if (typeof min === 'number' && amount.lt(String(min))) throw reject('AMOUNT_BELOW_MINIMUM', `${str(amount)} is below the minimum amount ${min}`);
    return this.#ccxt.createOrder(request.symbol, 'market', 'sell', amount.toNumber(), undefined, params);
  }

  async #toPort(order: CcxtOrderLike, ids: { clientOrderId: string; symbol: string; side: OrderSide }, base: string): Promise<OrderFill | OpenOrder | null> {
    let fee: OrderFee | null | 'pending' | undefined = orderFee(order, base);
    const executedSome = order.status !== 'open' && order.status !== undefined;
    if (fee === undefined && executedSome) {
      // Binance's order endpoint carries no commission: the order's trades do, once listed. No
      // trades yet (or no way to ask) means the fee is not known yet, never that there was none.
      const trades = order.id !== undefined && this.#ccxt.has.fetchOrderTrades ? await this.#ccxt.fetchOrderTrades(order.id, ids.symbol) : [];
      fee = trades.length > 0 ? tradesFee(trades, base) : 'pending';
    }
    return toPortOrder(order, ids, fee ?? null);
  }

  /**
   * Free amounts of `assets` from ccxt's `fetchBalance` (Binance: the raw `free` strings, exact);
   * an asset the account does not hold is `'0'`.
   * @throws `CycleEngineError` (redacted) when the venue cannot be asked or ccxt has no `fetchBalance`
   */
  fetchBalances(assets: readonly string[]): Promise<Balances> {
    return this.#guard('fetchBalances', () => this.#fetchBalances(assets));
  }

  async #fetchBalances(assets: readonly string[]): Promise<Balances> {
    if (!this.#ccxt.has.fetchBalance || typeof this.#ccxt.fetchBalance !== 'function') {
      throw new CycleEngineError(`ccxt ${this.#ccxt.id} cannot fetch balances (has.fetchBalance is false)`);
    }
    return freeBalances(await this.#ccxt.fetchBalance(), assets);
  }

  /**
   * Finds an order by client order id (Binance `origClientOrderId`, OKX `clOrdId`, Bybit/Kraken by
   * scanning). A LIMIT order is answered as an {@link OrderState} (cumulative fills and fees, from
   * the venue's raw strings; `feePending` while its trades are not listed yet); a MARKET order as
   * before, an {@link OrderFill} or {@link OpenOrder}.
   * @throws `CycleEngineError` (redacted) when the venue cannot be asked
   */
  findOrder(query: FindOrderQuery): Promise<OrderState | OrderFill | OpenOrder | null> {
    return this.#guard('findOrder', () => this.#findOrder(query));
  }

  async #findOrder(query: FindOrderQuery): Promise<OrderState | OrderFill | OpenOrder | null> {
    const { symbol, clientOrderId } = query;
    const market = await this.#market(symbol);
    const order = await this.#lookup(symbol, clientOrderId, Math.max(0, query.since - 60_000));
    if (order === undefined) return null;
    const ids = { clientOrderId, symbol, side: sideOf(order) };
    if (order.type === 'limit') return this.#toState(order, { ...ids, type: 'limit' });
    return this.#toPort(order, ids, market.base);
  }

  /** The venue's order with this client order id, or undefined when it does not know it. */
  async #lookup(symbol: string, clientOrderId: string, since: number | undefined): Promise<CcxtOrderLike | undefined> {
    const venueId = venueClientOrderId(this.#profile, clientOrderId);
    if (this.#profile.lookup === 'scan') return this.#scan(symbol, since, venueId);
    try {
      return await this.#ccxt.fetchOrder(undefined, symbol, { clientOrderId: venueId });
    } catch (error) {
      if (errorClassNames(error).has('OrderNotFound') || classifyCcxtError(error, this.#ccxt.id).reason === 'ORDER_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** An order's {@link OrderState}; its fees from the reply, else from its trades (pending while they do not cover what executed). */
  async #toState(order: CcxtOrderLike, ids: { clientOrderId: string; symbol: string; side: OrderSide; type: 'market' | 'limit' }): Promise<OrderState> {
    const { base } = executed(order);
    let fees: OrderFee[] | 'pending' = [];
    if (!base.isZero()) {
      const own = orderFeeParts(order);
      if (own !== undefined) {
        fees = feeList(own);
      } else {
        const trades = order.id !== undefined && this.#ccxt.has.fetchOrderTrades ? await this.#ccxt.fetchOrderTrades(order.id, ids.symbol) : [];
        const { parts, complete } = tradesFeeParts(trades, base);
        fees = complete ? feeList(parts) : 'pending';
      }
    }
    return toOrderState(order, ids, fees);
  }

  /**
   * Places a LIMIT order, good till cancelled, with the request's client order id; amount and
   * price go through ccxt's `amountToPrecision` / `priceToPrecision`. Resolves with its state:
   * `open` (possibly partly filled) or `filled` when it crossed at once. A venue that acknowledges
   * with ids only (OKX, Bybit) is asked for the order; if the venue cannot show it yet, the
   * acknowledgement is answered as `open` with nothing executed (an earlier state of the order,
   * which later look-ups supersede).
   * @throws `OrderRejectedError` when the venue refused it (or it is invalid before sending);
   * `OrderOutcomeUnknownError` when it may have landed (both redacted)
   */
  placeLimitOrder(request: LimitOrderRequest): Promise<OrderState> {
    return this.#guard('placeLimitOrder', () => this.#placeLimitOrder(request));
  }

  async #placeLimitOrder(request: LimitOrderRequest): Promise<OrderState> {
    const { symbol, side, clientOrderId } = request;
    let market: CcxtMarketLike;
    try {
      market = await this.#market(symbol);
    } catch (error) {
      if (isOrderRejectedError(error)) throw error;
      throw new OrderRejectedError(`${this.id}: markets unavailable, ${clientOrderId} not sent: ${String(error)}`, { reason: 'MARKETS_UNAVAILABLE', clientOrderId, cause: error });
    }
    const { amount, price } = limitOrderAmounts(this.#ccxt, market, request);
    const params = { ...receiveWindowParams(this.#ccxt.id, this.#receiveWindowMs, Date.now()), timeInForce: 'GTC', ...this.#orderParams, clientOrderId: venueClientOrderId(this.#profile, clientOrderId) };
    let order: CcxtOrderLike;
    try {
      const send = this.#expTime.around(() => this.#ccxt.createOrder(symbol, 'limit', side, amount.toNumber(), price.toNumber(), params));
      order = await abortable(send, request.signal, () => new OrderOutcomeUnknownError(`${this.id}: stopped waiting for ${clientOrderId}`, { clientOrderId }));
    } catch (error) {
      if (isOrderRejectedError(error) || isOrderOutcomeUnknownError(error)) throw error;
      throw toOrderError(error, this.#ccxt.id, clientOrderId);
    }
    const ids = { clientOrderId, symbol, side, type: 'limit' as const };
    const status = orderStatusOf(order);
    if (status === 'rejected') throw new OrderRejectedError(`${this.id}: ${clientOrderId} was rejected by the venue`, { reason: 'REJECTED', clientOrderId });
    if (status !== undefined) {
      const state = await this.#toState(order, ids).catch(() => undefined);
      if (state !== undefined) return state;
    }
    // An acknowledgement with ids only (or a reply that could not be read): the order landed; read it.
    const found = await this.#lookup(symbol, clientOrderId, Date.now() - 60_000).catch(() => undefined);
    if (found !== undefined && orderStatusOf(found) !== undefined) {
      const state = await this.#toState(found, ids).catch(() => undefined);
      if (state !== undefined) return state;
    }
    // Not readable yet: an acknowledgement says the order rests with nothing executed, an earlier
    // state that later look-ups supersede. A reply that said more than that is not answered as less.
    if ((status === undefined || (status === 'open' && executed(order).base.isZero())) && order.id !== undefined && order.id !== '') {
      return {
        orderId: String(order.id), clientOrderId, symbol, side, type: 'limit', status: 'open', price: str(price), amountBase: str(amount),
        filledBase: '0', costQuote: '0', avgPrice: null, fees: [], timestamp: order.timestamp ?? Date.now(),
      };
    }
    throw new OrderOutcomeUnknownError(`${this.id}: ${clientOrderId} landed but its state could not be read; look it up`, { clientOrderId });
  }

  /**
   * Cancels an order by its client order id (Binance `origClientOrderId`, OKX `clOrdId`, Bybit
   * `orderLinkId`, Kraken `cl_ord_id`) and resolves with its final state, fills and fees
   * included: from the cancel's reply where it carries the executed amounts (Binance; its fees
   * from the order's trades), else from a look-up (OKX, Bybit, Kraken). A venue that answers
   * "unknown order" (Binance -2011, OKX 51400/51401/51402/51603, Bybit 110001/170213) is asked for
   * the order: an order that had already ended resolves with that state, one it does not know at
   * all with null.
   * @throws `OrderOutcomeUnknownError` when the cancel may or may not have landed, or landed but
   * the order could not be read afterwards; `OrderRejectedError` when the venue refused the cancel
   * request itself (the order is untouched); both redacted
   */
  cancelOrder(query: CancelOrderQuery): Promise<OrderState | null> {
    return this.#guard('cancelOrder', () => this.#cancelOrder(query));
  }

  async #cancelOrder(query: CancelOrderQuery): Promise<OrderState | null> {
    const { symbol, clientOrderId } = query;
    await this.#market(symbol);
    const params = cancelByClientIdParams(this.#ccxt.id, venueClientOrderId(this.#profile, clientOrderId));
    if (typeof this.#ccxt.cancelOrder !== 'function') throw new CycleEngineError(`ccxt ${this.#ccxt.id} has no cancelOrder`);
    let reply: CcxtOrderLike | undefined;
    try {
      const send = this.#ccxt.cancelOrder(undefined, symbol, params);
      reply = await abortable(send, query.signal, () => new OrderOutcomeUnknownError(`${this.id}: stopped waiting for the cancel of ${clientOrderId}`, { clientOrderId }));
    } catch (error) {
      if (isOrderOutcomeUnknownError(error)) throw error;
      if (!isCancelNotFound(error)) throw toOrderError(error, this.#ccxt.id, clientOrderId);
    }
    // Binance's DELETE reply carries the status and executed amounts; the others name the order only.
    if (reply !== undefined && orderStatusOf(reply) !== undefined && executedKnown(reply)) {
      return this.#toState(reply, { clientOrderId, symbol, side: sideOf(reply), type: reply.type === 'market' ? 'market' : 'limit' });
    }
    let found: CcxtOrderLike | undefined;
    try {
      found = await this.#lookup(symbol, clientOrderId, undefined);
    } catch (error) {
      if (reply === undefined) throw error;
      throw new OrderOutcomeUnknownError(`${this.id}: ${clientOrderId} was cancelled but could not be read: ${String(error)}`, { clientOrderId, cause: error });
    }
    if (found === undefined) {
      if (reply === undefined) return null;
      throw new OrderOutcomeUnknownError(`${this.id}: ${clientOrderId} was cancelled but is not found yet`, { clientOrderId });
    }
    return this.#toState(found, { clientOrderId, symbol, side: sideOf(found), type: found.type === 'market' ? 'market' : 'limit' });
  }

  async #fetchOpenOrders(symbols: readonly string[]): Promise<OrderState[]> {
    const markets = await this.#loadMarkets();
    const wanted = new Set(symbols.filter((s) => markets[s] !== undefined));
    if (wanted.size === 0) return [];
    const types = Object.fromEntries([...wanted].map((s) => [s, markets[s]!.spot === true ? 'spot' : undefined]));
    const calls = openOrdersCalls(this.#ccxt.id, [...wanted], types);
    if (calls.some((c) => c.symbol === undefined) && this.#ccxt.options !== undefined) {
      // Binance refuses a call without symbol unless its higher weight is acknowledged.
      this.#ccxt.options.warnOnFetchOpenOrdersWithoutSymbol = false;
    }
    const lists = await Promise.all(calls.map((c) => this.#ccxt.fetchOpenOrders(c.symbol, undefined, undefined, { ...c.params })));
    const states: OrderState[] = [];
    for (const order of lists.flat()) {
      const symbol = order.symbol;
      const venueId = order.clientOrderId;
      if (typeof symbol !== 'string' || !wanted.has(symbol) || typeof venueId !== 'string' || venueId === '' || order.type === 'market') continue;
      try {
        // The listing's own fees, else pending: no request per order here (the engine compares executed amounts).
        const own = executed(order).base.isZero() ? [] : orderFeeParts(order);
        const fees = own === undefined ? 'pending' as const : feeList(own);
        states.push(toOrderState(order, { clientOrderId: engineClientOrderId(this.#profile, venueId), symbol, side: sideOf(order), type: 'limit' }, fees));
      } catch {
        // An order the listing does not describe well enough is left out: the engine looks it up on its own.
      }
    }
    return states;
  }

  /** Open, then closed and cancelled orders since `since`, searched for a client order id. */
  async #scan(symbol: string, since: number | undefined, venueId: string): Promise<CcxtOrderLike | undefined> {
    const c = this.#ccxt;
    const pick = (orders: CcxtOrderLike[]) => orders.find((o) => o.clientOrderId === venueId);
    const found = pick(await c.fetchOpenOrders(symbol, since));
    if (found) return found;
    if (c.has.fetchCanceledAndClosedOrders && c.fetchCanceledAndClosedOrders) return pick(await c.fetchCanceledAndClosedOrders(symbol, since));
    const closed = pick(await c.fetchClosedOrders(symbol, since));
    if (closed || !c.has.fetchCanceledOrders || !c.fetchCanceledOrders) return closed;
    return pick(await c.fetchCanceledOrders(symbol, since));
  }
}

/** The side of a ccxt order (`buy` unless it says `sell`). */
function sideOf(order: CcxtOrderLike): OrderSide {
  return String(order.side ?? '').toLowerCase() === 'sell' ? 'sell' : 'buy';
}

/** Whether a reply carries the executed amount as a raw string (Binance `executedQty`, …). */
function executedKnown(order: CcxtOrderLike): boolean {
  const info = order.info as Record<string, unknown> | null;
  return ['executedQty', 'accFillSz', 'cumExecQty', 'vol_exec'].some((k) => typeof info?.[k] === 'string' && info[k] !== '');
}

/** Fields of a ccxt exchange that hold credentials. */
const CREDENTIAL_FIELDS = ['apiKey', 'secret', 'password', 'uid', 'login', 'privateKey', 'token', 'twofa'];

/** Races a ccxt call with the engine's abort signal (ccxt cannot cancel a request). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
