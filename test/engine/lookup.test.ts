/**
 * Issue 9, case 16: `findOrder` answering `undefined`, or anything that is not a fill, an open
 * order or null, is an invalid response — never read as "not found".
 */
import { describe, expect, it } from 'vitest';
import { InvalidExchangeResponseError } from '../../src/errors';
import { checkLookup } from '../../src/engine/lookup';
import type { MarketRules } from '../../src/ports/exchange';
import type { OrderSlot } from '../../src/ports/record';

const market: MarketRules = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };
const order: OrderSlot = {
  intentId: 'i1', clientOrderId: 'ce-1', purpose: 'takeProfit', type: 'market', side: 'sell', baseAmount: '0.05', createdAt: 1, owner: 'a',
  state: 'unknown', applied: { base: '0', quote: '0', fees: [] }, checkedAt: null,
};
const state = { orderId: 'o1', clientOrderId: 'ce-1', symbol: 'ETH/USDT', side: 'sell', type: 'limit', status: 'open', filledBase: '0.02', costQuote: '40', avgPrice: '2000', fees: [{ currency: 'USDT', amount: '0.04' }], timestamp: 5 };
const statusOf = (raw: unknown): string => {
  const r = checkLookup(raw, order, market);
  return r.status === 'found' ? r.state.status : r.status;
};
const fill = { orderId: 'o1', clientOrderId: 'ce-1', symbol: 'ETH/USDT', side: 'sell', status: 'filled', filledBase: '0.05', costQuote: '100', avgPrice: '2000', fee: null, timestamp: 5 };
const open = { orderId: 'o1', clientOrderId: 'ce-1', symbol: 'ETH/USDT', side: 'sell', status: 'open', filledBase: '0' };

describe('checkLookup (issue 9, case 16)', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'not-found'],
    ['a fill', fill, 'filled'],
    ['a fill without status', { ...fill, status: undefined }, 'filled'],
    ['an open order', open, 'open'],
    ['an open order that executed some', { ...open, filledBase: '0.01' }, 'open'],
    ['an order state, open and partly filled', state, 'open'],
    ['an order state, cancelled with a partial fill', { ...state, status: 'cancelled' }, 'cancelled'],
    ['an order state, expired with nothing filled', { ...state, status: 'expired', filledBase: '0', costQuote: '0', avgPrice: null, fees: [] }, 'expired'],
    ['an order state, filled', { ...state, status: 'filled', filledBase: '0.05', costQuote: '100' }, 'filled'],
  ])('accepts %s', (_case, raw, status) => {
    expect(statusOf(raw)).toBe(status);
  });

  it('reads an open order of the 0.1 shape as open with nothing new to apply (it carries no cost)', () => {
    const r = checkLookup({ ...open, filledBase: '0.01' }, order, market);
    expect(r).toMatchObject({ status: 'found', state: { status: 'open', filledBase: '0', costQuote: '0' } });
  });

  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'answered undefined: expected an order state, a fill, an open order or null'],
    ['a string', 'filled', 'answered string filled'],
    ['a number', 0, 'answered number 0'],
    ['false', false, 'answered boolean false'],
    ['an array', [fill], 'answered an array'],
    ['an empty object', {}, 'is malformed'],
    ['a cancelled order', { ...fill, status: 'canceled' }, 'status "canceled"'],
    ['an open order of another client id', { ...open, clientOrderId: 'ce-2' }, 'clientOrderId ce-2'],
    ['an open order of another side', { ...open, side: 'buy' }, 'side buy'],
    ['an open order of another symbol', { ...open, symbol: 'ETHUSDT' }, 'symbol ETHUSDT'],
    ['an open order without filledBase', { ...open, filledBase: undefined }, 'filledBase undefined'],
    ['an open order with a negative filledBase', { ...open, filledBase: '-1' }, 'filledBase "-1"'],
    ['a fill that fails checkFill', { ...fill, avgPrice: '1' }, 'disagrees'],
    ['an order state with an unknown status', { ...state, status: 'PARTIALLY_FILLED' }, 'status is "PARTIALLY_FILLED"'],
    ['an order state of another client id', { ...state, clientOrderId: 'ce-2' }, 'clientOrderId is "ce-2"'],
    ['an order state whose average disagrees with its cost', { ...state, avgPrice: '1000' }, 'disagrees'],
    ['an order state with fills but no cost', { ...state, costQuote: '0' }, 'disagree'],
    ['a rejected order state with fills', { ...state, status: 'rejected' }, 'a rejected order with fills'],
    ['an order state with a negative fee', { ...state, fees: [{ currency: 'USDT', amount: '-1' }] }, 'fees is malformed'],
  ])('refuses %s', (_case, raw, why) => {
    let error: unknown;
    try {
      checkLookup(raw, order, market);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidExchangeResponseError);
    expect((error as Error).message).toContain(why);
  });
});
