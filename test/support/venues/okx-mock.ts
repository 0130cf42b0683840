/**
 * A stateful mock of OKX v5's REST API for msw, in OKX's documented formats
 * (https://www.okx.com/docs-v5/en/): public/instruments, market/tickers, POST trade/batch-orders
 * (which answers with ids only; MARKET, and LIMIT orders resting until they cross or
 * {@link OkxMock.fillResting} fills them), GET trade/order by clOrdId, POST trade/cancel-order by
 * clOrdId (ids only in its reply), and its error envelopes (`code`, `sCode`).
 */
import { HttpResponse, http, type HttpHandler } from 'msw';
import { Decimal } from '../../../src/decimal';

/** A fault the next POST trade/order meets. */
export type OkxFault = 'insufficient-balance' | 'executed-then-500';


interface OkxOrder {
  instId: string; ordId: string; clOrdId: string; side: 'buy' | 'sell'; sz: string; tgtCcy: string; accFillSz: string; avgPx: string; fee: string; feeCcy: string; ts: number;
  /** LIMIT orders: type, limit price, state and cumulative quote executed; MARKET orders are `filled`. */
  ordType?: 'market' | 'limit'; px?: string; state?: 'live' | 'partially_filled' | 'filled' | 'canceled'; accFillValue?: string; uTime?: number;
}

const ok = (data: unknown[]) => HttpResponse.json({ code: '0', msg: '', data });

/** A mock OKX spot venue: its handlers, state and fault controls. */
export class OkxMock {
  readonly prices = new Map<string, Decimal>([['ETH-USDT', new Decimal('2000.1')]]);
  readonly orders: OkxOrder[] = [];
  readonly requests: Array<{ method: string; path: string; params: Record<string, string> }> = [];
  /** Available balances GET account/balance reports (not moved by orders). */
  readonly balances = new Map<string, string>([['USDT', '1000.5'], ['ETH', '0.123456']]);
  readonly #faults: OkxFault[] = [];
  #nextId = 600_000_000_000;

  constructor(readonly baseUrl = 'https://www.okx.com') {}

  /** Queues a fault for the next order. */
  inject(fault: OkxFault): void {
    this.#faults.push(fault);
  }

  /** msw handlers for this venue. */
  handlers(): HttpHandler[] {
    const api = (path: string) => `${this.baseUrl}/api/v5/${path}`;
    return [
      http.get(api('public/instruments'), () => ok([...this.prices.keys()].map((instId) => ({
        instType: 'SPOT', instId, uly: '', instFamily: '', baseCcy: instId.split('-')[0], quoteCcy: instId.split('-')[1], settleCcy: '', ctVal: '', ctMult: '',
        ctValCcy: '', optType: '', stk: '', listTime: '1606468572000', expTime: '', lever: '10', tickSz: '0.01', lotSz: '0.000001', minSz: '0.0001',
        ctType: '', alias: '', state: 'live', maxLmtSz: '10000', maxMktSz: '1000000', maxLmtAmt: '20000000', maxMktAmt: '1000000',
      })))),
      http.get(api('market/tickers'), () => ok([...this.prices].map(([instId, p]) => ({
        instType: 'SPOT', instId, last: p.toFixed(), lastSz: '0.1', askPx: p.add('0.01').toFixed(), askSz: '1', bidPx: p.sub('0.01').toFixed(), bidSz: '1',
        open24h: p.toFixed(), high24h: p.toFixed(), low24h: p.toFixed(), volCcy24h: '1000', vol24h: '0.5', ts: String(Date.now()), sodUtc0: p.toFixed(), sodUtc8: p.toFixed(),
      })))),
      // ccxt places single orders through batch-orders: an array in, an array of results out.
      http.post(api('trade/batch-orders'), async ({ request }) => {
        const [body] = (await request.json()) as Array<Record<string, string>>;
        this.requests.push({ method: 'POST', path: '/api/v5/trade/batch-orders', params: body! });
        return this.#place(body!);
      }),
      http.get(api('account/balance'), () => ok([{
        uTime: String(Date.now()), totalEq: '1000', isoEq: '0', adjEq: '', ordFroz: '', imr: '', mmr: '', notionalUsd: '', mgnRatio: '',
        details: [...this.balances].map(([ccy, bal]) => ({
          ccy, availBal: bal, cashBal: bal, eq: bal, frozenBal: '0', ordFrozen: '0', availEq: '', disEq: bal, eqUsd: bal, uTime: String(Date.now()),
          isoEq: '0', liab: '', upl: '', crossLiab: '', isoLiab: '', mgnRatio: '', interest: '', twap: '0', maxLoan: '', notionalLever: '', stgyEq: '0', isoUpl: '',
        })),
      }])),
      http.post(api('trade/cancel-order'), async ({ request }) => {
        const body = (await request.json()) as Record<string, string>;
        this.requests.push({ method: 'POST', path: '/api/v5/trade/cancel-order', params: body });
        return this.#cancel(body);
      }),
      // GET trade/orders-pending: live and partially filled LIMIT orders, of one instId or of all (newest first, `limit` a page).
      http.get(api('trade/orders-pending'), ({ request }) => {
        const params = Object.fromEntries(new URL(request.url).searchParams);
        this.requests.push({ method: 'GET', path: '/api/v5/trade/orders-pending', params });
        const open = this.orders.filter((o) => o.ordType === 'limit' && (o.state === 'live' || o.state === 'partially_filled') && (params.instId === undefined || o.instId === params.instId));
        return ok(open.reverse().slice(0, Number(params.limit ?? 100)).map((o) => this.#limitRow(o)));
      }),
      http.get(api('trade/order'), ({ request }) => {
        const params = Object.fromEntries(new URL(request.url).searchParams);
        this.requests.push({ method: 'GET', path: '/api/v5/trade/order', params });
        const o = this.orders.find((x) => x.instId === params.instId && (params.clOrdId ? x.clOrdId === params.clOrdId : x.ordId === params.ordId));
        if (!o) return HttpResponse.json({ code: '51603', msg: 'Order does not exist', data: [] });
        if (o.ordType === 'limit') return ok([this.#limitRow(o)]);
        return ok([{
          accFillSz: o.accFillSz, algoClOrdId: '', algoId: '', avgPx: o.avgPx, cTime: String(o.ts), category: 'normal', ccy: '', clOrdId: o.clOrdId,
          fee: o.fee, feeCcy: o.feeCcy, fillPx: o.avgPx, fillSz: o.accFillSz, fillTime: String(o.ts), instId: o.instId, instType: 'SPOT', lever: '',
          ordId: o.ordId, ordType: 'market', pnl: '0', posSide: '', px: '', rebate: '0', rebateCcy: o.feeCcy, reduceOnly: 'false', side: o.side,
          slOrdPx: '', slTriggerPx: '', source: '', state: 'filled', sz: o.sz, tag: '', tdMode: 'cash', tgtCcy: o.tgtCcy, tpOrdPx: '', tpTriggerPx: '',
          tradeId: '1', uTime: String(o.ts),
        }]);
      }),
    ];
  }

  #limitRow(o: OkxOrder) {
    return {
      accFillSz: o.accFillSz, algoClOrdId: '', algoId: '', avgPx: o.avgPx, cTime: String(o.ts), category: 'normal', ccy: '', clOrdId: o.clOrdId,
      fee: o.fee, feeCcy: o.feeCcy, fillPx: o.avgPx, fillSz: '', fillTime: '', instId: o.instId, instType: 'SPOT', lever: '', ordId: o.ordId,
      ordType: 'limit', pnl: '0', posSide: '', px: o.px, rebate: '0', rebateCcy: o.feeCcy, reduceOnly: 'false', side: o.side, slOrdPx: '', slTriggerPx: '',
      source: '', state: o.state, sz: o.sz, tag: '', tdMode: 'cash', tgtCcy: '', tpOrdPx: '', tpTriggerPx: '', tradeId: '', uTime: String(o.uTime ?? o.ts),
    };
  }

  /** Executes `qty` more of a LIMIT order at `price`; fees accumulate as OKX reports them (negative). */
  #execute(o: OkxOrder, qty: Decimal, price: Decimal): void {
    const filled = new Decimal(o.accFillSz).add(qty);
    const value = new Decimal(o.accFillValue ?? '0').add(qty.mul(price));
    o.accFillSz = filled.toFixed();
    o.accFillValue = value.toFixed();
    o.avgPx = value.div(filled).toFixed();
    o.fee = new Decimal(o.fee).sub((o.side === 'buy' ? qty : qty.mul(price)).mul('0.001')).toFixed();
    o.state = filled.gte(o.sz) ? 'filled' : 'partially_filled';
    o.uTime = Date.now();
  }

  /**
   * Fills a resting LIMIT order at its limit price: `ratio` of its size more (rounded down to the
   * lot), or all that is left when omitted.
   */
  fillResting(clOrdId: string, ratio?: number): void {
    const o = this.orders.find((x) => x.clOrdId === clOrdId && (x.state === 'live' || x.state === 'partially_filled'));
    if (!o) throw new Error(`no resting order ${clOrdId}`);
    const lot = new Decimal('0.000001');
    const left = new Decimal(o.sz).sub(o.accFillSz);
    const qty = ratio === undefined ? left : Decimal.min(left, new Decimal(o.sz).mul(ratio).div(lot).floor().mul(lot));
    if (qty.gt(0)) this.#execute(o, qty, new Decimal(o.px!));
  }

  #cancel(b: Record<string, string>) {
    const o = this.orders.find((x) => x.instId === b.instId && (b.clOrdId ? x.clOrdId === b.clOrdId : x.ordId === b.ordId));
    const failed = (sCode: string, sMsg: string) => HttpResponse.json({ code: '1', msg: '', data: [{ clOrdId: b.clOrdId ?? '', ordId: b.ordId ?? '', sCode, sMsg, ts: String(Date.now()) }] });
    if (!o) return failed('51400', 'Cancellation failed as the order does not exist.');
    if (o.state === 'canceled') return failed('51401', 'Order has been canceled.');
    if (o.state === undefined || o.state === 'filled') return failed('51402', 'Order has been completed.');
    o.state = 'canceled';
    o.uTime = Date.now();
    return ok([{ clOrdId: o.clOrdId, ordId: o.ordId, sCode: '0', sMsg: '', ts: String(o.uTime) }]);
  }

  #placeLimit(b: Record<string, string>) {
    const size = new Decimal(b.sz!);
    const px = new Decimal(b.px!);
    if (size.lt('0.0001')) {
      return HttpResponse.json({ code: '1', msg: 'All operations failed', data: [{ clOrdId: b.clOrdId, ordId: '', sCode: '51020', sMsg: 'Your order should meet or exceed the minimum order amount.', tag: '', ts: String(Date.now()) }] });
    }
    const order: OkxOrder = {
      instId: b.instId!, ordId: String(this.#nextId++), clOrdId: b.clOrdId ?? '', side: b.side as 'buy', sz: size.toFixed(), tgtCcy: '', accFillSz: '0', avgPx: '',
      fee: '0', feeCcy: b.instId!.split('-')[b.side === 'buy' ? 0 : 1]!, ts: Date.now(), ordType: 'limit', px: px.toFixed(), state: 'live', accFillValue: '0',
    };
    this.orders.push(order);
    const market = this.prices.get(b.instId!)!;
    if (b.side === 'buy' ? px.gte(market) : px.lte(market)) this.#execute(order, size, market);
    return ok([{ clOrdId: order.clOrdId, ordId: order.ordId, tag: '', ts: String(order.ts), sCode: '0', sMsg: 'Order placed' }]);
  }

  #place(b: Record<string, string>) {
    const fault = this.#faults.shift();
    if (fault === 'insufficient-balance') {
      return HttpResponse.json({ code: '1', msg: 'All operations failed', data: [{ clOrdId: b.clOrdId, ordId: '', sCode: '51008', sMsg: 'Order failed. Insufficient USDT balance in account.', tag: '', ts: String(Date.now()) }] });
    }
    if (b.ordType === 'limit') return this.#placeLimit(b);
    const price = this.prices.get(b.instId ?? '')!;
    const lot = new Decimal('0.000001');
    const quote = b.side === 'buy' && b.tgtCcy === 'quote_ccy';
    const base = (quote ? new Decimal(b.sz!).div(price) : new Decimal(b.sz!)).div(lot).floor().mul(lot);
    if (base.lt('0.0001')) {
      return HttpResponse.json({ code: '1', msg: 'All operations failed', data: [{ clOrdId: b.clOrdId, ordId: '', sCode: '51020', sMsg: 'Your order should meet or exceed the minimum order amount.', tag: '', ts: String(Date.now()) }] });
    }
    const order: OkxOrder = {
      instId: b.instId!, ordId: String(this.#nextId++), clOrdId: b.clOrdId ?? '', side: b.side as 'buy', sz: b.sz!, tgtCcy: b.tgtCcy ?? '',
      accFillSz: base.toFixed(), avgPx: price.toFixed(), ts: Date.now(),
      fee: b.side === 'buy' ? base.mul('-0.001').toFixed() : base.mul(price).mul('-0.001').toFixed(), feeCcy: b.side === 'buy' ? 'ETH' : 'USDT',
    };
    this.orders.push(order);
    if (fault === 'executed-then-500') return new HttpResponse('Internal Server Error', { status: 500 });
    return ok([{ clOrdId: order.clOrdId, ordId: order.ordId, tag: '', ts: String(order.ts), sCode: '0', sMsg: 'Order placed' }]);
  }
}
