/**
 * A stateful mock of Bybit v5's REST API (spot) for msw, in Bybit's documented formats
 * (https://bybit-exchange.github.io/docs/v5/intro): market/instruments-info, market/tickers,
 * POST order/create (ids only; MARKET, and LIMIT GTC orders resting until they cross or
 * {@link BybitMock.fillResting} fills them), POST order/cancel by orderLinkId (ids only),
 * order/realtime, order/history, execution/list (one execution per fill), and its `retCode` errors.
 */
import { HttpResponse, http, type HttpHandler } from 'msw';
import { Decimal } from '../../../src/decimal';

/** A fault the next POST order/create meets. */
export type BybitFault = 'insufficient-balance' | 'executed-then-502';

interface BybitExec { execId: string; execQty: string; execValue: string; execPrice: string; execFee: string; execTime: number; isMaker: boolean }
interface BybitOrder {
  symbol: string; orderId: string; orderLinkId: string; side: 'Buy' | 'Sell'; qty: string; marketUnit: string; cumExecQty: string; cumExecValue: string; cumExecFee: string; avgPrice: string; status: string; ts: number;
  /** LIMIT orders: limit price, executions and last change. */
  orderType?: 'Market' | 'Limit'; price?: string; execs?: BybitExec[]; updated?: number;
}

const ok = (result: unknown) => HttpResponse.json({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() });
const fail = (retCode: number, retMsg: string) => HttpResponse.json({ retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() });

/** A mock Bybit spot venue. */
export class BybitMock {
  readonly prices = new Map<string, Decimal>([['ETHUSDT', new Decimal('2000.1')]]);
  readonly orders: BybitOrder[] = [];
  readonly requests: Array<{ method: string; path: string; params: Record<string, string> }> = [];
  /** Wallet balances GET account/wallet-balance reports (nothing locked; not moved by orders). */
  readonly balances = new Map<string, string>([['USDT', '1000.25'], ['ETH', '0.5']]);
  readonly #faults: BybitFault[] = [];
  #nextId = 1_321_003_749_386_327_552n;

  constructor(readonly baseUrl = 'https://api.bybit.com') {}

  /** Queues a fault for the next order. */
  inject(fault: BybitFault): void {
    this.#faults.push(fault);
  }

  /** msw handlers for this venue. */
  handlers(): HttpHandler[] {
    const api = (path: string) => `${this.baseUrl}/v5/${path}`;
    const list = (request: Request, path: string, statuses: string[] | null) => {
      const params = Object.fromEntries(new URL(request.url).searchParams);
      this.requests.push({ method: 'GET', path, params });
      // Without a symbol (order/realtime), every symbol of the category; `limit` a page (default 20), newest first.
      const rows = this.orders.filter((o) => (params.symbol === undefined || o.symbol === params.symbol) && (statuses === null || statuses.includes(o.status)));
      return ok({ category: 'spot', nextPageCursor: '', list: rows.reverse().slice(0, Number(params.limit ?? 20)).map((o) => this.#row(o)) });
    };
    return [
      http.get(api('market/instruments-info'), () => ok({ category: 'spot', nextPageCursor: '', list: [...this.prices.keys()].map((symbol) => ({
        symbol, baseCoin: symbol.replace(/USDT$/, ''), quoteCoin: 'USDT', innovation: '0', status: 'Trading', marginTrading: 'utaOnly', stTag: '0',
        lotSizeFilter: { basePrecision: '0.00001', quotePrecision: '0.0000001', minOrderQty: '0.00062', maxOrderQty: '1229.2336343', minOrderAmt: '5', maxOrderAmt: '2000000' },
        priceFilter: { tickSize: '0.01' }, riskParameters: { priceLimitRatioX: '0.05', priceLimitRatioY: '0.05' },
      })) })),
      http.get(api('market/tickers'), () => ok({ category: 'spot', list: [...this.prices].map(([symbol, p]) => ({
        symbol, bid1Price: p.sub('0.01').toFixed(), bid1Size: '1', ask1Price: p.add('0.01').toFixed(), ask1Size: '1', lastPrice: p.toFixed(),
        prevPrice24h: p.toFixed(), price24hPcnt: '0', highPrice24h: p.toFixed(), lowPrice24h: p.toFixed(), turnover24h: '1000', volume24h: '0.5', usdIndexPrice: p.toFixed(),
      })) })),
      http.post(api('order/create'), async ({ request }) => {
        const body = (await request.json()) as Record<string, string>;
        this.requests.push({ method: 'POST', path: '/v5/order/create', params: body });
        return this.#place(body);
      }),
      http.post(api('order/cancel'), async ({ request }) => {
        const body = (await request.json()) as Record<string, string>;
        this.requests.push({ method: 'POST', path: '/v5/order/cancel', params: body });
        return this.#cancel(body);
      }),
      http.get(api('execution/list'), ({ request }) => {
        const params = Object.fromEntries(new URL(request.url).searchParams);
        this.requests.push({ method: 'GET', path: '/v5/execution/list', params });
        const o = this.orders.find((x) => x.orderId === params.orderId);
        if (o?.execs) return ok({ category: 'spot', nextPageCursor: '', list: o.execs.map((e) => this.#execRow(o, e)) });
        return ok({ category: 'spot', nextPageCursor: '', list: o ? [{
          symbol: o.symbol, orderId: o.orderId, orderLinkId: o.orderLinkId, side: o.side, orderPrice: '0', orderQty: o.qty, leavesQty: '0',
          createType: 'CreateByUser', orderType: 'Market', stopOrderType: '', execFee: o.cumExecFee, execId: `${o.orderId}-1`, execPrice: o.avgPrice,
          execQty: o.cumExecQty, execType: 'Trade', execValue: o.cumExecValue, execTime: String(o.ts), feeCurrency: o.side === 'Buy' ? 'ETH' : 'USDT',
          isMaker: false, feeRate: '0.001', tradeIv: '', markIv: '', markPrice: '', indexPrice: '', underlyingPrice: '', blockTradeId: '', closedSize: '', seq: 1,
        }] : [] });
      }),
      http.get(api('account/wallet-balance'), () => ok({ list: [{
        accountType: 'UNIFIED', accountIMRate: '0', accountMMRate: '0', totalEquity: '1000', totalWalletBalance: '1000', totalMarginBalance: '1000',
        totalAvailableBalance: '1000', totalPerpUPL: '0', totalInitialMargin: '0', totalMaintenanceMargin: '0', accountLTV: '0',
        coin: [...this.balances].map(([coin, bal]) => ({
          coin, equity: bal, usdValue: bal, walletBalance: bal, locked: '0', borrowAmount: '0', accruedInterest: '0', totalOrderIM: '0',
          totalPositionIM: '0', totalPositionMM: '0', unrealisedPnl: '0', cumRealisedPnl: '0', bonus: '0', collateralSwitch: true, marginCollateral: true,
        })),
      }] })),
      http.get(api('order/realtime'), ({ request }) => list(request, '/v5/order/realtime', ['New', 'PartiallyFilled'])),
      http.get(api('order/history'), ({ request }) => {
        const status = new URL(request.url).searchParams.get('orderStatus');
        return list(request, '/v5/order/history', status ? [status] : ['Filled', 'Cancelled', 'PartiallyFilledCanceled', 'Rejected']);
      }),
    ];
  }

  #execRow(o: BybitOrder, e: BybitExec) {
    return {
      symbol: o.symbol, orderId: o.orderId, orderLinkId: o.orderLinkId, side: o.side, orderPrice: o.price, orderQty: o.qty, leavesQty: '0',
      createType: 'CreateByUser', orderType: 'Limit', stopOrderType: '', execFee: e.execFee, execId: e.execId, execPrice: e.execPrice,
      execQty: e.execQty, execType: 'Trade', execValue: e.execValue, execTime: String(e.execTime), feeCurrency: o.side === 'Buy' ? 'ETH' : 'USDT',
      isMaker: e.isMaker, feeRate: '0.001', tradeIv: '', markIv: '', markPrice: '', indexPrice: '', underlyingPrice: '', blockTradeId: '', closedSize: '', seq: 1,
    };
  }

  /** Executes `qty` more of a LIMIT order at `price`, as one execution. */
  #execute(o: BybitOrder, qty: Decimal, price: Decimal, isMaker: boolean): void {
    const value = qty.mul(price);
    const fee = (o.side === 'Buy' ? qty : value).mul('0.001');
    const now = Date.now();
    o.execs!.push({ execId: `${o.orderId}-${o.execs!.length + 1}`, execQty: qty.toFixed(), execValue: value.toFixed(), execPrice: price.toFixed(), execFee: fee.toFixed(), execTime: now, isMaker });
    const filled = new Decimal(o.cumExecQty).add(qty);
    const total = new Decimal(o.cumExecValue).add(value);
    o.cumExecQty = filled.toFixed();
    o.cumExecValue = total.toFixed();
    o.cumExecFee = new Decimal(o.cumExecFee).add(fee).toFixed();
    o.avgPrice = total.div(filled).toFixed();
    o.status = filled.gte(o.qty) ? 'Filled' : 'PartiallyFilled';
    o.updated = now;
  }

  /**
   * Fills a resting LIMIT order at its limit price (maker): `ratio` of its qty more (rounded down to
   * the base precision), or all that is left when omitted.
   */
  fillResting(orderLinkId: string, ratio?: number): void {
    const o = this.orders.find((x) => x.orderLinkId === orderLinkId && (x.status === 'New' || x.status === 'PartiallyFilled'));
    if (!o) throw new Error(`no resting order ${orderLinkId}`);
    const step = new Decimal('0.00001');
    const left = new Decimal(o.qty).sub(o.cumExecQty);
    const qty = ratio === undefined ? left : Decimal.min(left, new Decimal(o.qty).mul(ratio).div(step).floor().mul(step));
    if (qty.gt(0)) this.#execute(o, qty, new Decimal(o.price!), true);
  }

  /** POST order/cancel: a live order ends Cancelled, or PartiallyFilledCanceled after a partial fill; else 110001. */
  #cancel(b: Record<string, string>) {
    const o = this.orders.find((x) => x.symbol === b.symbol && (b.orderLinkId ? x.orderLinkId === b.orderLinkId : x.orderId === b.orderId));
    if (!o || (o.status !== 'New' && o.status !== 'PartiallyFilled')) return fail(110001, 'Order does not exist.');
    o.status = new Decimal(o.cumExecQty).isZero() ? 'Cancelled' : 'PartiallyFilledCanceled';
    o.updated = Date.now();
    return ok({ orderId: o.orderId, orderLinkId: o.orderLinkId });
  }

  #placeLimit(b: Record<string, string>) {
    const qty = new Decimal(b.qty!);
    const price = new Decimal(b.price!);
    if (qty.mul(price).lt(5)) return fail(170140, 'Order value exceeded lower limit.');
    const order: BybitOrder = {
      symbol: b.symbol!, orderId: String(this.#nextId++), orderLinkId: b.orderLinkId ?? '', side: b.side as 'Buy', qty: qty.toFixed(), marketUnit: 'baseCoin',
      cumExecQty: '0', cumExecValue: '0', cumExecFee: '0', avgPrice: '', status: 'New', ts: Date.now(), orderType: 'Limit', price: price.toFixed(), execs: [],
    };
    this.orders.push(order);
    const market = this.prices.get(b.symbol!)!;
    if (b.side === 'Buy' ? price.gte(market) : price.lte(market)) this.#execute(order, qty, market, false);
    return ok({ orderId: order.orderId, orderLinkId: order.orderLinkId });
  }

  #row(o: BybitOrder) {
    const limit = o.orderType === 'Limit';
    return {
      orderId: o.orderId, orderLinkId: o.orderLinkId, blockTradeId: '', symbol: o.symbol, price: o.price ?? '0', qty: o.qty, side: o.side, isLeverage: '0',
      positionIdx: 0, orderStatus: o.status, cancelType: 'UNKNOWN', rejectReason: 'EC_NoError', avgPrice: o.avgPrice,
      leavesQty: limit && (o.status === 'New' || o.status === 'PartiallyFilled') ? new Decimal(o.qty).sub(o.cumExecQty).toFixed() : '0', leavesValue: '0',
      cumExecQty: o.cumExecQty, cumExecValue: o.cumExecValue, cumExecFee: o.cumExecFee, timeInForce: limit ? 'GTC' : 'IOC', orderType: limit ? 'Limit' : 'Market', stopOrderType: '',
      orderIv: '', marketUnit: o.marketUnit, triggerPrice: '0', takeProfit: '0', stopLoss: '0', tpTriggerBy: '', slTriggerBy: '', triggerDirection: 0,
      triggerBy: '', lastPriceOnCreated: '', reduceOnly: false, closeOnTrigger: false, smpType: 'None', smpGroup: 0, smpOrderId: '', tpslMode: '',
      tpLimitPrice: '', slLimitPrice: '', placeType: '', createdTime: String(o.ts), updatedTime: String(o.updated ?? o.ts),
    };
  }

  #place(b: Record<string, string>) {
    const fault = this.#faults.shift();
    if (fault === 'insufficient-balance') return fail(170131, 'Insufficient balance.');
    if (b.orderType === 'Limit') return this.#placeLimit(b);
    const price = this.prices.get(b.symbol ?? '')!;
    const step = new Decimal('0.00001');
    const quote = b.side === 'Buy' && b.marketUnit !== 'baseCoin';
    const base = (quote ? new Decimal(b.qty!).div(price) : new Decimal(b.qty!)).div(step).floor().mul(step);
    const value = base.mul(price);
    if (value.lt(5)) return fail(170140, 'Order value exceeded lower limit.');
    const order: BybitOrder = {
      symbol: b.symbol!, orderId: String(this.#nextId++), orderLinkId: b.orderLinkId ?? '', side: b.side as 'Buy', qty: b.qty!, marketUnit: quote ? 'quoteCoin' : 'baseCoin',
      cumExecQty: base.toFixed(), cumExecValue: value.toFixed(), avgPrice: price.toFixed(), status: 'Filled', ts: Date.now(),
      cumExecFee: (b.side === 'Buy' ? base : value).mul('0.001').toFixed(),
    };
    this.orders.push(order);
    if (fault === 'executed-then-502') return new HttpResponse('<html>502 Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } });
    return ok({ orderId: order.orderId, orderLinkId: order.orderLinkId });
  }
}
