/**
 * The pure parts of CcxtExchange's LIMIT support, by tables: statuses, fees from each venue's raw
 * strings, trades that do or do not cover a fill, the OrderState built from a ccxt order, the
 * params that cancel by client id, and the cancel replies that mean "no such open order".
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/decimal';
import { cancelByClientIdParams, isCancelNotFound } from '../../src/adapters/ccxt/cancel';
import { limitOrderAmounts } from '../../src/adapters/ccxt/limit-request';
import { feeList, orderFeeParts, orderStatusOf, toOrderState, tradesFeeParts } from '../../src/adapters/ccxt/order-state';
import type { CcxtExchangeLike, CcxtMarketLike, CcxtOrderLike } from '../../src/adapters/ccxt/types';

const order = (o: Partial<CcxtOrderLike>): CcxtOrderLike => ({ id: '1', info: {}, ...o });
const show = (parts: ReturnType<typeof orderFeeParts>) => parts?.map((p) => [p.currency, p.amount.toFixed()]);

describe('orderStatusOf', () => {
  it.each([
    ['open', {}, 'open'],
    ['canceling', {}, 'open'], // Binance PENDING_CANCEL: not ended yet
    ['closed', {}, 'filled'],
    ['canceled', {}, 'cancelled'],
    ['expired', {}, 'expired'],
    ['rejected', {}, 'rejected'],
    ['closed', { orderStatus: 'PartiallyFilledCanceled' }, 'cancelled'], // Bybit: ccxt says closed
    ['closed', { orderStatus: 'Filled' }, 'filled'],
    [undefined, {}, undefined], // an acknowledgement with ids only
    ['weird', {}, undefined],
  ])('ccxt %s with info %j → %s', (status, info, expected) => {
    expect(orderStatusOf(order({ status, info }))).toBe(expected);
  });
});

describe('orderFeeParts', () => {
  it.each([
    ['Binance fills[] commissions', { fills: [{ commission: '0.00001000', commissionAsset: 'ETH' }, { commission: '0.00002', commissionAsset: 'ETH' }] }, {}, [['ETH', '0.00001'], ['ETH', '0.00002']]],
    ['OKX cumulative fee (a charge is negative) and feeCcy', { fee: '-0.0000123', feeCcy: 'ETH' }, {}, [['ETH', '0.0000123']]],
    ['OKX maker rebate (positive)', { fee: '0.0000123', feeCcy: 'USDT' }, {}, [['USDT', '-0.0000123']]],
    ['Bybit cumFeeDetail', { cumFeeDetail: { ETH: '0.00001' } }, {}, [['ETH', '0.00001']]],
    ['ccxt fee when no raw string', {}, { fee: { currency: 'USDT', cost: 0.021 } }, [['USDT', '0.021']]],
    ['nothing said of fees', { executedQty: '1' }, {}, undefined],
    ['OKX empty feeCcy falls through', { fee: '', feeCcy: '' }, {}, undefined],
  ])('%s', (_label, info, extra, expected) => {
    expect(show(orderFeeParts(order({ info, ...extra })))).toEqual(expected);
  });

  it.each([
    ['sums per currency, exact', [['ETH', '0.1'], ['ETH', '0.2']], [{ currency: 'ETH', amount: '0.3' }]],
    ['leaves zero totals out', [['BNB', '0'], ['ETH', '0.1']], [{ currency: 'ETH', amount: '0.1' }]],
    ['nets a rebate against charges', [['USDT', '0.5'], ['USDT', '-0.2']], [{ currency: 'USDT', amount: '0.3' }]],
    ['leaves a net rebate out (never a negative fee)', [['USDT', '-0.2'], ['ETH', '0.1']], [{ currency: 'ETH', amount: '0.1' }]],
  ])('feeList %s', (_label, parts, expected) => {
    expect(feeList(parts.map(([currency, amount]) => ({ currency: currency!, amount: new Decimal(amount!) })))).toEqual(expected);
  });
});

describe('tradesFeeParts', () => {
  const binanceTrade = (qty: string, commission: string) => ({ info: { qty, commission, commissionAsset: 'ETH' } });
  it.each([
    ['Binance trades covering the fill', [binanceTrade('0.003', '0.000003'), binanceTrade('0.006', '0.000006')], '0.009', true],
    ['trades listing less than executed (lagging)', [binanceTrade('0.003', '0.000003')], '0.009', false],
    ['no trades yet', [], '0.009', false],
    ['Bybit executions', [{ info: { execQty: '0.01', execFee: '0.00001', feeCurrency: 'ETH' } }], '0.01', true],
  ])('%s → complete %s', (_label, trades, filled, complete) => {
    const result = tradesFeeParts(trades, new Decimal(filled));
    expect(result.complete).toBe(complete);
    if (complete) expect(feeList(result.parts)).toEqual([{ currency: 'ETH', amount: trades.length === 2 ? '0.000009' : '0.00001' }]);
  });
});

describe('toOrderState', () => {
  const ids = { clientOrderId: 'ce-r-1', symbol: 'ETH/USDT', side: 'buy' as const, type: 'limit' as const };
  it('a Binance PARTIALLY_FILLED order: amounts from the raw strings, avg = cost / filled', () => {
    const state = toOrderState(order({ status: 'open', filled: 0.30000000000000004, info: { executedQty: '0.30000000', cummulativeQuoteQty: '570.00300000', price: '1900.01000000', origQty: '1.00000000', updateTime: 1700000000000 } }), ids, [{ currency: 'ETH', amount: '0.0003' }]);
    expect(state).toEqual({
      orderId: '1', clientOrderId: 'ce-r-1', symbol: 'ETH/USDT', side: 'buy', type: 'limit', status: 'open', price: '1900.01', amountBase: '1',
      filledBase: '0.3', costQuote: '570.003', avgPrice: '1900.01', fees: [{ currency: 'ETH', amount: '0.0003' }], timestamp: 1700000000000,
    });
  });

  it('nothing executed: cost 0, avgPrice null, even where the venue leaves avgPx empty (OKX live)', () => {
    expect(toOrderState(order({ status: 'open', info: { accFillSz: '0', avgPx: '', px: '1900.5', sz: '0.01', uTime: '1700000000000' } }), ids, [])).toMatchObject({
      filledBase: '0', costQuote: '0', avgPrice: null, price: '1900.5', amountBase: '0.01', timestamp: 1700000000000,
    });
  });

  it('pending fees: fees [] and feePending', () => {
    expect(toOrderState(order({ status: 'canceled', info: { executedQty: '0.1', cummulativeQuoteQty: '190' } }), ids, 'pending')).toMatchObject({ status: 'cancelled', fees: [], feePending: true });
  });

  it('an order without a status, or executed without a cost, is an invalid answer', () => {
    expect(() => toOrderState(order({ info: {} }), ids, [])).toThrow(/no status/);
    expect(() => toOrderState(order({ status: 'closed', info: { executedQty: '0.1' } }), ids, [])).toThrow(/cost is missing/);
  });
});

describe('cancel by client order id', () => {
  it.each([
    ['binance', { origClientOrderId: 'x1' }],
    ['binanceus', { origClientOrderId: 'x1' }],
    ['okx', { clOrdId: 'x1' }],
    ['bybit', { orderLinkId: 'x1' }],
    ['kraken', { cl_ord_id: 'x1' }],
    ['other', { clientOrderId: 'x1' }],
  ])('%s → %j', (venue, params) => {
    expect(cancelByClientIdParams(venue, 'x1')).toEqual(params);
  });

  class OrderNotFound extends Error {}
  class ExchangeError extends Error {}
  it.each([
    [new OrderNotFound('binance {"code":-2011,"msg":"Unknown order sent."}'), true],
    [new ExchangeError('binance {"code":-2011,"msg":"Unknown order sent."}'), true],
    [new ExchangeError('okx {"code":"1","data":[{"sCode":"51400","sMsg":"Cancellation failed as the order does not exist."}]}'), true],
    [new ExchangeError('okx {"code":"1","data":[{"sCode":"51402","sMsg":"Order has been completed."}]}'), true],
    [new ExchangeError('bybit {"retCode":110001,"retMsg":"Order does not exist."}'), true],
    [new ExchangeError('kraken {"error":["EOrder:Unknown order"]}'), true],
    [new ExchangeError('binance {"code":-1003,"msg":"Too many requests"}'), false],
    [new ExchangeError('okx {"code":"1","data":[{"sCode":"51008","sMsg":"Insufficient balance"}]}'), false],
  ])('%s → not found: %s', (error, expected) => {
    expect(isCancelNotFound(error)).toBe(expected);
  });
});

describe('limitOrderAmounts', () => {
  class InvalidOrder extends Error {}
  const market = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', precision: {}, limits: { amount: { min: 0.001 } }, info: {} } as CcxtMarketLike;
  // Truncates to 4 decimals like ccxt's amountToPrecision; prices to 2; throws InvalidOrder below 0.0001.
  const ccxt = {
    amountToPrecision: (_s: string, a: string) => {
      if (new Decimal(a).lt('0.0001')) throw new InvalidOrder('amount must be greater than minimum amount precision of 0.0001');
      return new Decimal(a).toDecimalPlaces(4, Decimal.ROUND_DOWN).toFixed();
    },
    priceToPrecision: (_s: string, p: string) => new Decimal(p).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(),
  } as unknown as CcxtExchangeLike;
  const request = (baseAmount: string, price: string) => ({ symbol: 'ETH/USDT', side: 'buy' as const, baseAmount, price, clientOrderId: 'ce-r-1' });

  it.each([
    ['0.0123', '1900.50', { amount: '0.0123', price: '1900.5' }],
    ['0.01239', '1900.504', { amount: '0.0123', price: '1900.5' }],
  ])('%s at %s → %j', (base, price, expected) => {
    const out = limitOrderAmounts(ccxt, market, request(base, price));
    expect({ amount: out.amount.toFixed(), price: out.price.toFixed() }).toEqual(expected);
  });

  it.each([
    ['abc', '1900', 'INVALID_AMOUNT'],
    ['0', '1900', 'INVALID_AMOUNT'],
    ['0.01', '-1', 'INVALID_PRICE'],
    ['0.01', '0.001', 'INVALID_PRICE'], // rounds to 0.00
    ['0.00001', '1900', 'AMOUNT_BELOW_MINIMUM'], // ccxt throws InvalidOrder
    ['0.0005', '1900', 'AMOUNT_BELOW_MINIMUM'], // below limits.amount.min
  ])('%s at %s is refused before sending: %s', (base, price, reason) => {
    expect(() => limitOrderAmounts(ccxt, market, request(base, price))).toThrow(expect.objectContaining({ name: 'OrderRejectedError', reason }));
  });
});
