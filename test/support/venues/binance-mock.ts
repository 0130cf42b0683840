/**
 * A stateful mock of Binance spot's REST API for msw, answering in Binance's documented formats
 * (https://developers.binance.com/docs/binance-spot-api-docs/rest-api): exchangeInfo, ticker/24hr,
 * ticker/price, POST/GET/DELETE /api/v3/order (FULL responses with fills; MARKET and LIMIT GTC
 * orders, a LIMIT resting until it crosses or {@link BinanceMock.fillResting} fills it), myTrades
 * (one trade per fill), and its error bodies. Signatures are not checked; the API-key header is.
 */
import { HttpResponse, delay, http, type HttpHandler } from 'msw';
import { Decimal } from '../../../src/decimal';

/** A fault the next POST /api/v3/order meets. */
export type BinanceFault =
  | 'insufficient-balance' // -2010, nothing executes
  | 'backend-timeout' // executes, then answers -1007 (execution status unknown)
  | 'message-bus' // executes, then answers -1006
  | 'hang' // executes, then never answers (the client times out)
  | 'server-error' // nothing executes, HTTP 503 with an HTML body
  | 'rate-limit' // HTTP 429 -1003, nothing executes
  | 'duplicate-reply' // executes, then answers -2010 "Duplicate order sent." (a retried request's reply)
  | 'thin-book'; // a MARKET order on a thin book: 40% executes, the rest expires (status EXPIRED)

/** One trade (fill) of an order, as myTrades lists it. */
export interface BinanceMockTrade { id: number; price: string; qty: string; quoteQty: string; commission: string; commissionAsset: string; time: number; isMaker: boolean }

/** One order the mock received. */
export interface BinanceMockOrder {
  symbol: string; orderId: number; clientOrderId: string; side: 'BUY' | 'SELL';
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED'; executedQty: string; cummulativeQuoteQty: string; price: string;
  commission: string; commissionAsset: string; time: number; tradeId: number;
  /** LIMIT orders: the type, limit price, ordered amount, trades and last change. */
  type?: 'MARKET' | 'LIMIT'; limitPrice?: string; origQty?: string; trades?: BinanceMockTrade[]; updateTime?: number;
}

const f8 = (d: Decimal) => d.toFixed(8);
/** Pairs the mock can list; exchangeInfo lists those with a price in {@link BinanceMock.prices}. */
const PAIRS: Record<string, { base: string; quote: string }> = { ETHUSDT: { base: 'ETH', quote: 'USDT' }, BTCUSDT: { base: 'BTC', quote: 'USDT' }, SOLUSDT: { base: 'SOL', quote: 'USDT' } };

/** The documented `exchangeInfo` entry of a spot symbol. */
function symbolInfo(symbol: string) {
  const { base, quote } = PAIRS[symbol]!;
  return {
    symbol, status: 'TRADING', baseAsset: base, baseAssetPrecision: 8, quoteAsset: quote, quotePrecision: 8, quoteAssetPrecision: 8,
    baseCommissionPrecision: 8, quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true, ocoAllowed: true, otoAllowed: true, quoteOrderQtyMarketAllowed: true, allowTrailingStop: true,
    cancelReplaceAllowed: true, amendAllowed: true, isSpotTradingAllowed: true, isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
      { filterType: 'LOT_SIZE', minQty: '0.00010000', maxQty: '9000.00000000', stepSize: '0.00010000' },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '1000.00000000', stepSize: '0.00000000' },
      { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
      { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
      { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [], permissionSets: [['SPOT']], defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'],
  };
}

const error = (status: number, code: number, msg: string) => HttpResponse.json({ code, msg }, { status });

/** A mock Binance spot venue: its handlers, state and fault controls. */
export class BinanceMock {
  readonly prices = new Map<string, Decimal>([['ETHUSDT', new Decimal('2000.00')]]);
  readonly orders: BinanceMockOrder[] = [];
  readonly requests: Array<{ method: string; path: string; params: Record<string, string> }> = [];
  /** Free balances GET /api/v3/account reports (not moved by orders). */
  readonly balances = new Map<string, string>([['ETH', '0.12345678'], ['USDT', '1000.00000000'], ['BNB', '0.00000000']]);
  /** False: myTrades lists nothing yet (the order's fee is not known yet). */
  listTrades = true;
  /**
   * True: GET /api/v3/order answers -2013 for an order cancelled with nothing executed, as Binance
   * does once it has archived such an order (it keeps cancelled orders with fills).
   */
  archiveCancelledWithoutFills = false;
  readonly #faults: BinanceFault[] = [];
  #nextId = 1000;

  constructor(readonly baseUrl = 'https://api.binance.com') {}

  /** Queues a fault for the next order. */
  inject(fault: BinanceFault): void {
    this.#faults.push(fault);
  }

  /** msw handlers for this venue. */
  handlers(): HttpHandler[] {
    const api = (path: string) => `${this.baseUrl}/api/v3/${path}`;
    return [
      http.get(api('ping'), () => HttpResponse.json({})),
      http.get(api('time'), () => HttpResponse.json({ serverTime: Date.now() })),
      http.get(api('exchangeInfo'), () =>
        HttpResponse.json({ timezone: 'UTC', serverTime: Date.now(), rateLimits: [], exchangeFilters: [], symbols: [...this.prices.keys()].filter((s) => PAIRS[s] !== undefined).map(symbolInfo) })),
      http.get(api('ticker/price'), ({ request }) => this.#tickers(request, (symbol, p) => ({ symbol, price: f8(p) }))),
      http.get(api('ticker/24hr'), ({ request }) => this.#tickers(request, (symbol, p) => ({
        symbol, priceChange: '0.00000000', priceChangePercent: '0.000', weightedAvgPrice: f8(p), prevClosePrice: f8(p), lastPrice: f8(p),
        lastQty: '0.10000000', bidPrice: f8(p.sub('0.01')), bidQty: '1.00000000', askPrice: f8(p.add('0.01')), askQty: '1.00000000',
        openPrice: f8(p), highPrice: f8(p), lowPrice: f8(p), volume: '100.00000000', quoteVolume: f8(p.mul(100)),
        openTime: Date.now() - 86_400_000, closeTime: Date.now(), firstId: 1, lastId: 100, count: 100,
      }))),
      http.post(api('order'), async ({ request }) => this.#place(await this.#params(request, 'POST'))),
      http.get(api('order'), async ({ request }) => this.#get(await this.#params(request, 'GET'))),
      http.delete(api('order'), async ({ request }) => this.#cancel(await this.#params(request, 'DELETE'))),
      // GET /api/v3/openOrders: NEW and PARTIALLY_FILLED orders of one symbol, or of every symbol without one.
      http.get(api('openOrders'), async ({ request }) => {
        const p = await this.#params(request, 'GET');
        if (!p.signature || !p.timestamp) return error(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
        if (p.symbol !== undefined && !this.prices.has(p.symbol)) return error(400, -1121, 'Invalid symbol.');
        const open = this.orders.filter((o) => o.type === 'LIMIT' && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED') && (p.symbol === undefined || o.symbol === p.symbol));
        return HttpResponse.json(open.map((o) => ({ ...this.#limitShape(o), stopPrice: '0.00000000', icebergQty: '0.00000000', time: o.time, updateTime: o.updateTime, isWorking: true, workingTime: o.time, origQuoteOrderQty: '0.00000000' })));
      }),
      http.get(api('account'), async ({ request }) => {
        await this.#params(request, 'GET');
        return HttpResponse.json({
          makerCommission: 10, takerCommission: 10, buyerCommission: 0, sellerCommission: 0, canTrade: true, canWithdraw: true, canDeposit: true,
          brokered: false, requireSelfTradePrevention: false, preventSor: false, updateTime: Date.now(), accountType: 'SPOT', uid: 1,
          balances: [...this.balances].map(([asset, free]) => ({ asset, free, locked: '0.00000000' })), permissions: ['SPOT'],
        });
      }),
      http.get(api('myTrades'), async ({ request }) => {
        const p = await this.#params(request, 'GET');
        const o = this.listTrades ? this.orders.find((x) => String(x.orderId) === p.orderId && x.status !== 'REJECTED') : undefined;
        const trades = o?.trades ?? (o ? [{ id: o.tradeId, price: o.price, qty: o.executedQty, quoteQty: o.cummulativeQuoteQty, commission: o.commission, commissionAsset: o.commissionAsset, time: o.time, isMaker: false }] : []);
        return HttpResponse.json(trades.map((t) => ({ symbol: o!.symbol, id: t.id, orderId: o!.orderId, orderListId: -1, price: t.price, qty: t.qty,
          quoteQty: t.quoteQty, commission: t.commission, commissionAsset: t.commissionAsset, time: t.time, isBuyer: o!.side === 'BUY',
          isMaker: t.isMaker, isBestMatch: true })));
      }),
    ];
  }

  async #params(request: Request, method: string): Promise<Record<string, string>> {
    const url = new URL(request.url);
    const params = Object.fromEntries(url.searchParams);
    if (method === 'POST') Object.assign(params, Object.fromEntries(new URLSearchParams(await request.text())));
    this.requests.push({ method, path: url.pathname, params });
    return params;
  }

  #tickers(request: Request, shape: (symbol: string, price: Decimal) => object) {
    const url = new URL(request.url);
    const one = url.searchParams.get('symbol');
    const many = url.searchParams.get('symbols');
    const wanted = one ? [one] : many ? (JSON.parse(many) as string[]) : [...this.prices.keys()];
    if (wanted.some((s) => !this.prices.has(s))) return error(400, -1121, 'Invalid symbol.');
    const list = wanted.map((s) => shape(s, this.prices.get(s)!));
    return HttpResponse.json(one ? list[0] : list);
  }

  async #place(p: Record<string, string>) {
    const fault = this.#faults.shift();
    if (!p.signature || !p.timestamp) return error(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const pair = PAIRS[p.symbol ?? ''];
    if (!pair) return error(400, -1121, 'Invalid symbol.');
    if (p.type === 'LIMIT') return this.#placeLimit(p, fault);
    if (p.type !== 'MARKET') return error(400, -1116, 'Invalid orderType.');
    const clientOrderId = p.newClientOrderId ?? `x-${this.#nextId}`;
    const reject = () => this.orders.push({ symbol: p.symbol!, orderId: this.#nextId++, clientOrderId, side: p.side as 'BUY', status: 'REJECTED', executedQty: '0', cummulativeQuoteQty: '0', price: '0', commission: '0', commissionAsset: pair.base, time: Date.now(), tradeId: 0 });
    if (fault === 'rate-limit') return error(429, -1003, 'Too many requests; current limit is 6000 request weight per 1 MINUTE.');
    if (fault === 'server-error') return new HttpResponse('<html><body>503 Service Unavailable</body></html>', { status: 503, headers: { 'Content-Type': 'text/html' } });
    if (fault === 'insufficient-balance') {
      reject();
      return error(400, -2010, 'Account has insufficient balance for requested action.');
    }
    if (this.orders.some((o) => o.clientOrderId === clientOrderId && o.status !== 'REJECTED')) return error(400, -2010, 'Duplicate order sent.');
    const price = this.prices.get(p.symbol!)!;
    const step = new Decimal('0.0001');
    const ordered = p.side === 'BUY'
      ? new Decimal(p.quoteOrderQty ?? '0').div(price).div(step).floor().mul(step)
      : new Decimal(p.quantity ?? '0').div(step).floor().mul(step);
    const qty = fault === 'thin-book' ? ordered.mul('0.4').div(step).floor().mul(step) : ordered;
    if (p.side === 'SELL' && !new Decimal(p.quantity ?? '0').div(step).isInteger()) return error(400, -1013, 'Filter failure: LOT_SIZE');
    const cost = qty.mul(price);
    if (ordered.mul(price).lt(5)) {
      reject();
      return error(400, -1013, 'Filter failure: NOTIONAL');
    }
    const commission = p.side === 'BUY' ? qty.mul('0.001') : cost.mul('0.001');
    const order: BinanceMockOrder = {
      symbol: p.symbol!, orderId: this.#nextId++, clientOrderId, side: p.side as 'BUY' | 'SELL', status: fault === 'thin-book' ? 'EXPIRED' : 'FILLED',
      executedQty: f8(qty), cummulativeQuoteQty: f8(cost), price: f8(price), commission: f8(commission),
      commissionAsset: p.side === 'BUY' ? pair.base : pair.quote, time: Date.now(), tradeId: this.#nextId++,
    };
    this.orders.push(order);
    if (fault === 'backend-timeout') return error(408, -1007, 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.');
    if (fault === 'message-bus') return error(500, -1006, 'An unexpected response was received from the message bus. Execution status unknown.');
    if (fault === 'hang') await delay('infinite');
    if (fault === 'duplicate-reply') return error(400, -2010, 'Duplicate order sent.');
    return HttpResponse.json({
      symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId, transactTime: order.time, price: '0.00000000',
      origQty: f8(ordered), executedQty: order.executedQty, origQuoteOrderQty: p.quoteOrderQty ? f8(new Decimal(p.quoteOrderQty)) : '0.00000000',
      cummulativeQuoteQty: order.cummulativeQuoteQty, status: order.status, timeInForce: 'GTC', type: 'MARKET', side: order.side,
      workingTime: order.time, selfTradePreventionMode: 'EXPIRE_MAKER',
      fills: [{ price: order.price, qty: order.executedQty, commission: order.commission, commissionAsset: order.commissionAsset, tradeId: order.tradeId }],
    });
  }

  #find(p: Record<string, string>): BinanceMockOrder | undefined {
    return this.orders.find((x) => x.symbol === p.symbol && x.status !== 'REJECTED' &&
      (p.origClientOrderId !== undefined ? x.clientOrderId === p.origClientOrderId : String(x.orderId) === p.orderId));
  }

  #get(p: Record<string, string>) {
    const o = this.#find(p);
    if (!o) return error(400, -2013, 'Order does not exist.');
    if (this.archiveCancelledWithoutFills && o.status === 'CANCELED' && new Decimal(o.executedQty).isZero()) return error(400, -2013, 'Order does not exist.');
    if (o.type === 'LIMIT') return HttpResponse.json({ ...this.#limitShape(o), stopPrice: '0.00000000', icebergQty: '0.00000000', time: o.time, updateTime: o.updateTime, isWorking: true, workingTime: o.time, origQuoteOrderQty: '0.00000000' });
    return HttpResponse.json({
      symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, price: '0.00000000', origQty: o.executedQty,
      executedQty: o.executedQty, cummulativeQuoteQty: o.cummulativeQuoteQty, status: o.status, timeInForce: 'GTC', type: 'MARKET',
      side: o.side, stopPrice: '0.00000000', icebergQty: '0.00000000', time: o.time, updateTime: o.time, isWorking: true,
      workingTime: o.time, origQuoteOrderQty: '0.00000000', selfTradePreventionMode: 'EXPIRE_MAKER',
    });
  }

  /** The fields GET, DELETE and POST share for a LIMIT order. */
  #limitShape(o: BinanceMockOrder) {
    return {
      symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, price: o.limitPrice!, origQty: o.origQty!,
      executedQty: o.executedQty, cummulativeQuoteQty: o.cummulativeQuoteQty, status: o.status, timeInForce: 'GTC', type: 'LIMIT', side: o.side,
      selfTradePreventionMode: 'EXPIRE_MAKER',
    };
  }

  /** DELETE /api/v3/order: a live order becomes CANCELED (with what it executed); anything else is -2011, as Binance answers a filled order too. */
  #cancel(p: Record<string, string>) {
    if (!p.signature || !p.timestamp) return error(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const o = this.#find(p);
    if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) return error(400, -2011, 'Unknown order sent.');
    o.status = 'CANCELED';
    o.updateTime = Date.now();
    const { clientOrderId, ...shape } = this.#limitShape(o);
    return HttpResponse.json({ ...shape, origClientOrderId: clientOrderId, clientOrderId: `cancel-${this.#nextId++}`, transactTime: o.updateTime });
  }

  /** Executes `qty` more of a LIMIT order at `price`, as one trade. */
  #execute(o: BinanceMockOrder, qty: Decimal, price: Decimal, isMaker: boolean): BinanceMockTrade {
    const quote = qty.mul(price);
    const commission = o.side === 'BUY' ? qty.mul('0.001') : quote.mul('0.001');
    const trade = { id: this.#nextId++, price: f8(price), qty: f8(qty), quoteQty: f8(quote), commission: f8(commission), commissionAsset: o.commissionAsset, time: Date.now(), isMaker };
    o.trades!.push(trade);
    o.executedQty = f8(new Decimal(o.executedQty).add(qty));
    o.cummulativeQuoteQty = f8(new Decimal(o.cummulativeQuoteQty).add(quote));
    o.status = new Decimal(o.executedQty).gte(o.origQty!) ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updateTime = trade.time;
    return trade;
  }

  /**
   * Fills a resting LIMIT order at its limit price (maker): `ratio` of its amount more (rounded down
   * to the step), or all that is left when omitted.
   */
  fillResting(clientOrderId: string, ratio?: number): void {
    const o = this.orders.find((x) => x.clientOrderId === clientOrderId && (x.status === 'NEW' || x.status === 'PARTIALLY_FILLED'));
    if (!o) throw new Error(`no resting order ${clientOrderId}`);
    const left = new Decimal(o.origQty!).sub(o.executedQty);
    const step = new Decimal('0.0001');
    const qty = ratio === undefined ? left : Decimal.min(left, new Decimal(o.origQty!).mul(ratio).div(step).floor().mul(step));
    if (qty.gt(0)) this.#execute(o, qty, new Decimal(o.limitPrice!), true);
  }

  /** POST /api/v3/order type=LIMIT timeInForce=GTC: rests, or fills at once at the market price when it crosses. */
  #placeLimit(p: Record<string, string>, fault: BinanceFault | undefined) {
    const pair = PAIRS[p.symbol!]!;
    if (p.timeInForce !== 'GTC') return error(400, -1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
    const clientOrderId = p.newClientOrderId ?? `x-${this.#nextId}`;
    const qty = new Decimal(p.quantity ?? '0');
    const limit = new Decimal(p.price ?? '0');
    if (fault === 'insufficient-balance') return error(400, -2010, 'Account has insufficient balance for requested action.');
    if (fault === 'rate-limit') return error(429, -1003, 'Too many requests; current limit is 6000 request weight per 1 MINUTE.');
    if (!qty.div('0.0001').isInteger() || qty.lte(0)) return error(400, -1013, 'Filter failure: LOT_SIZE');
    if (!limit.div('0.01').isInteger() || limit.lte(0)) return error(400, -1013, 'Filter failure: PRICE_FILTER');
    if (qty.mul(limit).lt(5)) return error(400, -1013, 'Filter failure: NOTIONAL');
    if (this.orders.some((o) => o.clientOrderId === clientOrderId && o.status !== 'REJECTED')) return error(400, -2010, 'Duplicate order sent.');
    const now = Date.now();
    const order: BinanceMockOrder = {
      symbol: p.symbol!, orderId: this.#nextId++, clientOrderId, side: p.side as 'BUY' | 'SELL', status: 'NEW', executedQty: f8(new Decimal(0)),
      cummulativeQuoteQty: f8(new Decimal(0)), price: f8(limit), commission: '0', commissionAsset: p.side === 'BUY' ? pair.base : pair.quote, time: now, tradeId: 0,
      type: 'LIMIT', limitPrice: f8(limit), origQty: f8(qty), trades: [], updateTime: now,
    };
    this.orders.push(order);
    const market = this.prices.get(p.symbol!)!;
    if (p.side === 'BUY' ? limit.gte(market) : limit.lte(market)) this.#execute(order, qty, market, false);
    if (fault === 'backend-timeout') return error(408, -1007, 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.');
    return HttpResponse.json({
      ...this.#limitShape(order), transactTime: now, workingTime: now,
      fills: order.trades!.map((t) => ({ price: t.price, qty: t.qty, commission: t.commission, commissionAsset: t.commissionAsset, tradeId: t.id })),
    });
  }
}
