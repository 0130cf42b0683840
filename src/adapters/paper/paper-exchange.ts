/**
 * A deterministic, Binance-like simulated exchange for the demo, tests, backtests and race tests.
 */
import { dec, floorToStep, parseDecimal, str, type Decimal, type DecimalLike } from '../../decimal';
import { CycleEngineError, OrderOutcomeUnknownError, OrderRejectedError } from '../../errors';
import type {
  Balances,
  CancelOrderQuery,
  Exchange,
  FindOrderQuery,
  LimitOrderRequest,
  MarketOrderRequest,
  MarketRules,
  OpenOrder,
  OrderFill,
  OrderState,
} from '../../ports/exchange';
import { FaultQueue, partialRatio, settleLater, type PaperFault, type PaperFaultOptions } from './paper-faults';
import {
  CLIENT_ORDER_ID_RE,
  optionAsset,
  optionDecimal,
  optionSlippagePct,
  optionSymbol,
  parsePaperOptions,
  splitSymbol,
  type PaperCancel,
  type PaperExchangeOptions,
  type PaperOrder,
  type ParsedPaperOptions,
  type ParsedRules,
} from './paper-options';
import { PaperLimitDesk } from './paper-limit-desk';

export type { PaperFault, PaperFaultOptions, PaperFillDuringCancel, PaperPartialFill, PaperRestingPartialFill } from './paper-faults';
export type {
  PaperCancel,
  PaperCancelOutcome,
  PaperExchangeOptions,
  PaperMarketRules,
  PaperOrder,
  PaperOrderStatus,
} from './paper-options';

type MutableOrder = { -readonly [K in keyof PaperOrder]: PaperOrder[K] };

// Binance's receive window is at most 60 s: older orders are out of any lookup's reach.
const LOOKUP_WINDOW_MS = 60_000;

/**
 * A simulated {@link Exchange}: prices you set or replay, Binance-like fees and rules, optional
 * latency, injected faults and a record of every order received. Deterministic: with
 * `latencyMs: 0` an order executes within the call, without any timer.
 * @public
 */
export class PaperExchange implements Exchange {
  /** Name for logs. */
  readonly id: string;
  readonly #config: ParsedPaperOptions;
  readonly #prices = new Map<string, Decimal>();
  // fetchPrices runs over thousands of symbols per tick: never convert decimals there.
  readonly #numericPrices = new Map<string, number>();
  // The string each price was last set from: a replay sets the same string again and again.
  readonly #priceTexts = new Map<string, string>();
  readonly #balances: Map<string, Decimal>;
  readonly #orders: MutableOrder[] = [];
  readonly #byClientId = new Map<string, MutableOrder[]>();
  readonly #faults = new FaultQueue();
  readonly #limits: PaperLimitDesk;
  #slippage: Decimal;

  /**
   * @param options - prices, balances, fee rate, market rules, latency, clock and id
   * @throws `InvalidOptionsError` when an option is not a valid number, symbol or object, or its key is unknown (named with the nearest valid one)
   */
  constructor(options: PaperExchangeOptions = {}) {
    this.#config = parsePaperOptions(options);
    this.id = this.#config.id;
    this.#balances = new Map(this.#config.balances);
    this.#slippage = this.#config.marketSlippagePct.div(100);
    for (const [symbol, price] of this.#config.prices) this.#setPrice(symbol, price);
    this.#limits = new PaperLimitDesk({
      config: this.#config,
      balances: this.#balances,
      orders: this.#orders,
      byClientId: this.#byClientId,
      faults: this.#faults,
      priceOf: (symbol) => this.#prices.get(symbol),
      rulesOf: (symbol) => this.#rulesOf(symbol),
    });
  }

  /** Every order received, in arrival order (live records: statuses change as orders execute). */
  get orders(): readonly PaperOrder[] {
    return this.#orders;
  }

  /**
   * The orders that executed, in full or in part (`expired` after a partial fill; a LIMIT order
   * with any fill, even still resting or cancelled since), in arrival order.
   */
  executedOrders(): PaperOrder[] {
    return this.#orders.filter((o) => o.status === 'filled' || o.status === 'expired' || (o.state !== undefined && o.state.filledBase !== '0'));
  }

  /** Every cancel received, in arrival order, with its outcome and the order's state after it. */
  get cancels(): readonly PaperCancel[] {
    return this.#limits.cancels;
  }

  /**
   * Sets the last price of a symbol, making it a market. Orders inside their latency fill at the
   * price current when they execute. Every resting LIMIT buy at or above the price and sell at or
   * below it fills at its limit, as a maker (`makerFeeRate`), in arrival order.
   * @throws `InvalidOptionsError` for a symbol that is not `BASE/QUOTE` or a price that is not above 0
   */
  setPrice(symbol: string, price: DecimalLike): void {
    // A symbol with a price was validated when it got it; the same string parses to the same price.
    const market = this.#prices.has(symbol) ? symbol : optionSymbol(symbol, 'symbol');
    let last = typeof price === 'string' && this.#priceTexts.get(market) === price ? this.#prices.get(market) : undefined;
    if (last === undefined) {
      last = optionDecimal(price, 'price', 'positive');
      this.#setPrice(market, last, typeof price === 'string' ? price : undefined);
    }
    this.#limits.cross(market, last);
  }

  /** The last price of a symbol as a decimal string, or undefined when it has none. */
  getPrice(symbol: string): string | undefined {
    const price = this.#prices.get(symbol);
    return price === undefined ? undefined : str(price);
  }

  /**
   * Sets the slippage of MARKET fills, in percent (see the `marketSlippagePct` option); replays set
   * it, orders already executed keep their price.
   * @throws `InvalidOptionsError` unless 0 ≤ pct \< 100
   */
  setMarketSlippagePct(pct: DecimalLike): void {
    this.#slippage = optionSlippagePct(pct, 'marketSlippagePct').div(100);
  }

  /** Balance of an asset as a decimal string (`'0'` when none). */
  balance(asset: string): string {
    const amount = this.#balances.get(asset);
    return amount === undefined ? '0' : str(amount);
  }

  /**
   * Sets the balance of an asset.
   * @throws `InvalidOptionsError` for an empty asset or a negative amount
   */
  setBalance(asset: string, amount: DecimalLike): void {
    this.#balances.set(optionAsset(asset, 'asset'), optionDecimal(amount, 'amount', 'non-negative'));
  }

  /**
   * Queues a fault for the next matching order(s); queued faults are consumed in order.
   * @throws `InvalidOptionsError` for an unknown fault, a count that is not a positive integer or a bad side
   */
  injectFault(fault: PaperFault, options?: PaperFaultOptions): void {
    this.#faults.add(fault, options);
  }

  /** Number of fault hits still queued. */
  get pendingFaults(): number {
    return this.#faults.pending;
  }

  /** Drops every queued fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** {@inheritDoc Exchange.fetchPrices} */
  async fetchPrices(symbols: readonly string[]): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const symbol of symbols) {
      const price = this.#numericPrices.get(symbol);
      if (price !== undefined) result[symbol] = price;
    }
    return result;
  }

  /**
   * {@inheritDoc Exchange.getMarket}
   * @throws `CycleEngineError` for a symbol with neither a price nor a `markets` entry
   */
  async getMarket(symbol: string): Promise<MarketRules> {
    const parts = splitSymbol(symbol);
    if (parts === undefined || (!this.#prices.has(symbol) && !this.#config.markets.has(symbol))) {
      throw new CycleEngineError(
        `PaperExchange: unknown market ${JSON.stringify(symbol)} (give it a price or a \`markets\` entry)`,
      );
    }
    const { amountStep, priceTick, minNotional } = this.#rulesOf(symbol);
    const takerFeeRate = str(this.#config.feeRate);
    const makerFeeRate = str(this.#config.makerFeeRate);
    return { symbol, ...parts, amountStep: str(amountStep), priceTick: str(priceTick), minNotional: str(minNotional), takerFeeRate, makerFeeRate };
  }

  /**
   * Free balances of `assets` as decimal strings (`'0'` for an asset not held); see
   * {@link Exchange.fetchBalances}.
   */
  async fetchBalances(assets: readonly string[]): Promise<Balances> {
    const out: Balances = {};
    for (const asset of assets) out[asset] = this.balance(asset);
    return out;
  }

  /**
   * Sends a MARKET order (see {@link Exchange.placeMarketOrder}). Checks the request on arrival; executes at once (`latencyMs: 0`) or when the latency ends, at
   * the price current then. An aborted `signal` rejects with `OrderOutcomeUnknownError`, but the
   * order still executes.
   */
  async placeMarketOrder(request: MarketOrderRequest): Promise<OrderFill> {
    const seq = this.#orders.length + 1;
    const orderId = `paper-${seq}`;
    const { symbol, side, clientOrderId, quoteAmount, baseAmount, signal } = request;
    const receivedAt = this.#config.clock.now();
    const order: MutableOrder = { seq, orderId, symbol, side, clientOrderId, receivedAt, status: 'open' };
    if (quoteAmount !== undefined) order.quoteAmount = quoteAmount;
    if (baseAmount !== undefined) order.baseAmount = baseAmount;
    this.#orders.push(order);
    const fault = this.#faults.take(symbol, side, clientOrderId);
    if (fault !== undefined) order.fault = fault;
    if (fault === 'reject') throw this.#reject(order, 'INJECTED_FAULT', 'order refused (injected fault)');
    if (fault === 'unknown-before' || fault === 'hang') {
      order.status = 'not-executed';
      const lost = this.#unknown(order, `request lost before the venue (injected ${fault})`);
      if (fault === 'unknown-before') throw lost;
      return settleLater<OrderFill>(undefined, signal, () => lost, () => { throw lost; });
    }
    let amount: Decimal;
    try {
      amount = this.#admit(order, request);
    } catch (error) {
      throw this.#lostResponse(order, fault, signal, error) ?? error;
    }
    const settle = (): OrderFill => this.#settle(order, amount, fault, signal);
    if (this.#config.latencyMs === 0) return settle();
    const aborted = (): Error => this.#unknown(order, 'the caller stopped waiting (signal aborted)');
    return settleLater(this.#config.latencyMs, signal, aborted, settle);
  }

  /**
   * Sends a LIMIT order, good till cancelled (see {@link Exchange.placeLimitOrder}). Checked on
   * arrival like Binance's filters (amount a multiple of the step: `LOT_SIZE`; price a multiple of
   * the tick: `PRICE_FILTER`; `MIN_NOTIONAL`; a client id still open: `DUPLICATE_CLIENT_ORDER_ID`).
   * When it lands (at once, or when the latency ends) it reserves its funds — a buy `price × amount`
   * quote, a sell its base; short: `INSUFFICIENT_FUNDS` — then, if it crosses the current
   * price (buy at or above, sell at or below), executes at the current price as a taker; otherwise
   * it rests (`open`) until {@link PaperExchange.setPrice} crosses it. The order faults
   * (`reject`, `unknown-before`, `unknown-after`, `hang`, `malformed-after`, `partialFill`) apply.
   * @throws `OrderRejectedError` when refused; `OrderOutcomeUnknownError` when the answer is lost (an injected fault, an aborted signal)
   */
  async placeLimitOrder(request: LimitOrderRequest): Promise<OrderState> {
    return this.#limits.place(request);
  }

  /**
   * Cancels an order by client id (see {@link Exchange.cancelOrder}), at once (no latency): a
   * resting LIMIT order ends `cancelled` with what it executed so far and its reservation freed; an
   * order already ended answers its final state (a MARKET order's as an {@link OrderState}); null
   * for an order the venue does not know (never sent, refused, lost, or still inside its latency).
   * The cancel faults (`fill-during-cancel`, `cancel-unknown-before`, `cancel-unknown-after`) apply.
   * @throws `OrderOutcomeUnknownError` when the answer is lost (an injected fault, an aborted signal)
   */
  async cancelOrder(query: CancelOrderQuery): Promise<OrderState | null> {
    return this.#limits.cancel(query);
  }

  /**
   * Every resting LIMIT order of these markets, with its cumulative fills (see
   * {@link Exchange.fetchOpenOrders}); one request for all of them.
   */
  async fetchOpenOrders(symbols: readonly string[]): Promise<OrderState[]> {
    return this.#limits.openOrders(symbols);
  }

  /**
   * Looks an order up by client order id (see {@link Exchange.findOrder}). Like on Binance, a rejected or lost order never existed: it is not found. Orders received more
   * than 60 s before `since` are not searched. A LIMIT order is answered as an {@link OrderState}
   * (cumulative fills and fees); a MARKET order as its fill or an open order, as in 0.1.
   */
  async findOrder(query: FindOrderQuery): Promise<OrderState | OrderFill | OpenOrder | null> {
    const candidates = this.#byClientId.get(query.clientOrderId) ?? [];
    const earliest = query.since - LOOKUP_WINDOW_MS;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const o = candidates[i]!;
      if (o.symbol !== query.symbol || o.receivedAt < earliest) continue;
      if (o.type === 'limit') {
        const state = this.#limits.lookup(o);
        if (state !== undefined) return state;
        continue;
      }
      if ((o.status === 'filled' || o.status === 'expired') && o.fill) {
        // The `fee-pending` fault: the venue lists no trades for the order yet.
        if (this.#faults.take(o.symbol, o.side, o.clientOrderId, 'lookup') === 'fee-pending') return { ...o.fill, fee: null, feePending: true };
        return o.fill;
      }
      if (o.status === 'open') {
        const { orderId, clientOrderId, symbol, side } = o;
        return { orderId, clientOrderId, symbol, side, status: 'open', filledBase: '0' };
      }
    }
    return null;
  }

  #setPrice(symbol: string, price: Decimal, text?: string): void {
    this.#prices.set(symbol, price);
    this.#numericPrices.set(symbol, price.toNumber());
    if (text === undefined) this.#priceTexts.delete(symbol);
    else this.#priceTexts.set(symbol, text);
  }

  #rulesOf(symbol: string): ParsedRules {
    return this.#config.markets.get(symbol) ?? this.#config.defaultRules;
  }

  /** Checks made on arrival; returns the order amount and indexes the order by client id. */
  #admit(order: MutableOrder, request: MarketOrderRequest): Decimal {
    const id = request.clientOrderId;
    if (typeof id !== 'string' || !CLIENT_ORDER_ID_RE.test(id)) {
      throw this.#reject(order, 'INVALID_CLIENT_ORDER_ID', 'client order id must be 1-36 chars of [.A-Z:/a-z0-9_-]');
    }
    if (request.side !== 'buy' && request.side !== 'sell') {
      throw this.#reject(order, 'INVALID_SIDE', `side must be 'buy' or 'sell', got ${String(request.side)}`);
    }
    if (!this.#prices.has(request.symbol)) {
      throw this.#reject(order, 'UNKNOWN_SYMBOL', `no price for ${JSON.stringify(request.symbol)}`);
    }
    const field = request.side === 'buy' ? 'quoteAmount' : 'baseAmount';
    const amount = parseDecimal(request[field]);
    if (amount === undefined || !amount.gt(0)) {
      throw this.#reject(order, 'INVALID_AMOUNT', `${field} must be a decimal > 0, got ${String(request[field])}`);
    }
    const sameId = this.#byClientId.get(id);
    // Binance refuses a client id only while an order with it is open; afterwards it is reusable.
    if (sameId?.some((o) => o.status === 'open')) {
      throw this.#reject(order, 'DUPLICATE_CLIENT_ORDER_ID', `an order with client id ${id} is still open`);
    }
    if (sameId) sameId.push(order);
    else this.#byClientId.set(id, [order]);
    return amount;
  }

  /** Executes, then shapes the caller's answer (injected faults, aborted signal). */
  #settle(order: MutableOrder, amount: Decimal, fault: PaperFault | undefined, signal?: AbortSignal): OrderFill {
    let fill: OrderFill;
    try {
      fill = this.#execute(order, amount, partialRatio(fault));
    } catch (error) {
      throw this.#lostResponse(order, fault, signal, error) ?? error;
    }
    const lost = this.#lostResponse(order, fault, signal);
    if (lost) throw lost;
    return fault === 'malformed-after' ? { ...fill, filledBase: 'abc' } : fill;
  }

  /**
   * A MARKET fill's price: the price set, moved against the bot by the slippage (exact), rounded
   * against the bot to the tick when the price set is on the tick.
   */
  #fillPrice(symbol: string, buy: boolean, priceTick: Decimal): Decimal {
    const price = this.#prices.get(symbol)!;
    if (this.#slippage.isZero()) return price;
    const slipped = price.mul(buy ? this.#slippage.plus(1) : dec(1).minus(this.#slippage));
    if (!price.mod(priceTick).isZero()) return slipped;
    const ticks = slipped.div(priceTick);
    const rounded = (buy ? ticks.ceil() : ticks.floor()).mul(priceTick);
    return rounded.gt(0) ? rounded : slipped;
  }

  #execute(order: MutableOrder, amount: Decimal, partial: string | undefined): OrderFill {
    const { base: baseAsset, quote: quoteAsset } = splitSymbol(order.symbol)!;
    const { amountStep, minNotional, priceTick } = this.#rulesOf(order.symbol);
    const buy = order.side === 'buy';
    const price = this.#fillPrice(order.symbol, buy, priceTick);
    const ordered = floorToStep(buy ? amount.div(price) : amount, amountStep);
    if (ordered.isZero() || ordered.mul(price).lt(minNotional)) {
      throw this.#reject(order, 'MIN_NOTIONAL', `order value ${str(ordered.mul(price))} is below the minimum ${str(minNotional)}`);
    }
    // The whole order must be covered, as on the venue, even if only part of it executes.
    const [payAsset, getAsset] = buy ? [quoteAsset, baseAsset] : [baseAsset, quoteAsset];
    const needed = buy ? ordered.mul(price) : ordered;
    const available = this.#balances.get(payAsset) ?? dec(0);
    if (available.lt(needed)) {
      throw this.#reject(order, 'INSUFFICIENT_FUNDS', `needs ${str(needed)} ${payAsset}, has ${str(available)}`);
    }
    // A thin book (the partialFill fault): only that share executes, in whole amount steps.
    const base = partial === undefined ? ordered : floorToStep(ordered.mul(partial), amountStep);
    if (base.isZero()) throw this.#reject(order, 'EXPIRED', 'the order expired with nothing executed (injected partialFill)');
    const quote = base.mul(price);
    const [payAmount, getAmount] = buy ? [quote, base] : [base, quote];
    // Binance without BNB: the fee is taken from what the order brings in.
    const fee = getAmount.mul(this.#config.feeRate);
    this.#balances.set(payAsset, available.sub(payAmount));
    this.#balances.set(getAsset, (this.#balances.get(getAsset) ?? dec(0)).add(getAmount.sub(fee)));
    const fill: OrderFill = Object.freeze({
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      status: 'filled' as const,
      filledBase: str(base),
      costQuote: str(quote),
      avgPrice: str(price),
      fee: fee.isZero() ? null : Object.freeze({ currency: getAsset, amount: str(fee) }),
      timestamp: this.#config.clock.now(),
    });
    order.status = partial === undefined ? 'filled' : 'expired';
    order.fill = fill;
    return fill;
  }

  /** The error that replaces the venue's answer when the caller cannot receive it, if any. */
  #lostResponse(order: MutableOrder, fault: PaperFault | undefined, signal: AbortSignal | undefined, cause?: unknown) {
    if (signal?.aborted) return this.#unknown(order, 'the caller stopped waiting (signal aborted)', cause);
    if (fault === 'unknown-after') return this.#unknown(order, 'response lost (injected fault)', cause);
    return undefined;
  }

  #reject(order: MutableOrder, reason: string, message: string): OrderRejectedError {
    order.status = 'rejected';
    order.rejectReason = reason;
    return new OrderRejectedError(`PaperExchange: ${message}`, { reason, clientOrderId: order.clientOrderId });
  }

  #unknown(order: MutableOrder, message: string, cause?: unknown): OrderOutcomeUnknownError {
    const { orderId, clientOrderId } = order;
    return new OrderOutcomeUnknownError(`PaperExchange: order ${orderId}: ${message}`, { clientOrderId, cause });
  }
}
