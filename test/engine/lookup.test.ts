/**
 * Issue 9, case 16: `findOrder` answering `undefined`, or anything that is not a fill, an open
 * order or null, is an invalid response — never read as "not found".
 */
import { describe, expect, it } from 'vitest';
import { InvalidExchangeResponseError } from '../../src/errors';
import { checkLookup } from '../../src/engine/lookup';
import type { MarketRules } from '../../src/ports/exchange';
import type { PendingOrder } from '../../src/ports/record';

const market: MarketRules = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' };
const order: PendingOrder = { intentId: 'i1', clientOrderId: 'ce-1', purpose: 'sell', side: 'sell', baseAmount: '0.05', createdAt: 1, owner: 'a', attempts: 1, outcome: null };
const fill = { orderId: 'o1', clientOrderId: 'ce-1', symbol: 'ETH/USDT', side: 'sell', status: 'filled', filledBase: '0.05', costQuote: '100', avgPrice: '2000', fee: null, timestamp: 5 };
const open = { orderId: 'o1', clientOrderId: 'ce-1', symbol: 'ETH/USDT', side: 'sell', status: 'open', filledBase: '0' };

describe('checkLookup (issue 9, case 16)', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'not-found'],
    ['a fill', fill, 'filled'],
    ['a fill without status', { ...fill, status: undefined }, 'filled'],
    ['an open order', open, 'open'],
    ['an open order that executed some', { ...open, filledBase: '0.01' }, 'open'],
  ])('accepts %s', (_case, raw, status) => {
    expect(checkLookup(raw, order, market).status).toBe(status);
  });

  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'answered undefined: expected a fill, an open order or null'],
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
