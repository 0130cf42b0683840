/**
 * The pure arithmetic of a resting LIMIT order (src/adapters/paper/resting-book.ts) and the venue
 * checks on a LIMIT request (limit-checks.ts), as tables.
 */
import { describe, expect, it } from 'vitest';
import { dec, str } from '../../src/decimal';
import { checkLimitRequest } from '../../src/adapters/paper/limit-checks';
import {
  crosses,
  fillFigures,
  newFigures,
  releaseFigures,
  reservationOf,
  shareToFill,
  stateOf,
  type LimitFigures,
} from '../../src/adapters/paper/resting-book';
import type { OrderSide } from '../../src/ports/exchange';

const figures = (side: OrderSide, limit: string, amount: string, filled = '0'): LimitFigures => {
  const f = newFigures(side, dec(amount), dec(limit));
  // A partly filled order: as if `filled` executed at the limit without fee.
  return filled === '0' ? f : fillFigures(f, dec(filled), dec(limit), dec(0)).figures;
};

describe('crosses', () => {
  it.each<[OrderSide, string, string, boolean]>([
    ['buy', '2000', '2000', true],
    ['buy', '2000', '1999.99', true],
    ['buy', '2000', '2000.01', false],
    ['sell', '2000', '2000', true],
    ['sell', '2000', '2000.01', true],
    ['sell', '2000', '1999.99', false],
  ])('%s at %s, price %s → %s', (side, limit, price, expected) => {
    expect(crosses(side, dec(limit), dec(price))).toBe(expected);
  });
});

describe('reservationOf', () => {
  it.each<[OrderSide, string, string, string, string]>([
    ['buy', '0.01', '1999.5', '0', '19.995'],
    ['sell', '0.01', '2100', '0.01', '0'],
  ])('%s %s at %s reserves base %s, quote %s', (side, amount, limit, base, quote) => {
    const r = reservationOf(side, dec(amount), dec(limit));
    expect([str(r.base), str(r.quote)]).toEqual([base, quote]);
  });
});

describe('shareToFill', () => {
  it.each<[string, string, string | undefined, string, string]>([
    // amount, filled, ratio, step → share
    ['0.01', '0', undefined, '0.0001', '0.01'],
    ['0.01', '0.004', undefined, '0.0001', '0.006'],
    ['0.01', '0', '0.4', '0.0001', '0.004'],
    ['0.01', '0.008', '0.4', '0.0001', '0.002'], // never more than the rest
    ['0.0123', '0', '0.5', '0.0001', '0.0061'], // rounded down to the step
    ['0.01', '0', '0.05', '0.001', '0'], // below one step: nothing this time
  ])('amount %s, filled %s, ratio %s, step %s → %s', (amount, filled, ratio, step, share) => {
    expect(str(shareToFill(figures('sell', '100', amount, filled), ratio, dec(step)))).toBe(share);
  });
});

describe('fillFigures', () => {
  it.each<[string, OrderSide, string, string, string, string, string, string, string, string, string, string, string]>([
    // name, side, limit, amount, base, price, rate → filled, cost, fee, reserved, free base move, free quote move
    ['buy at its limit (maker)', 'buy', '2000', '0.01', '0.01', '2000', '0.001', '0.01', '20', '0.00001', '0', '0.00999', '0'],
    ['buy below its limit (taker at once) frees the difference', 'buy', '2000', '0.01', '0.01', '1990', '0.001', '0.01', '19.9', '0.00001', '0', '0.00999', '0.1'],
    ['buy, part', 'buy', '2000', '0.01', '0.004', '2000', '0.001', '0.004', '8', '0.000004', '12', '0.003996', '0'],
    ['sell at its limit, part', 'sell', '2100', '0.01', '0.004', '2100', '0.001', '0.004', '8.4', '0.0084', '0.006', '0', '8.3916'],
    ['sell above its limit (taker at once)', 'sell', '2100', '0.01', '0.01', '2110', '0.001', '0.01', '21.1', '0.0211', '0', '0', '21.0789'],
    ['no fee', 'sell', '0.5', '21', '21', '0.5', '0', '21', '10.5', '0', '0', '0', '10.5'],
  ])('%s', (_name, side, limit, amount, base, price, rate, filled, cost, fee, reserved, baseMove, quoteMove) => {
    const { figures: f, moves } = fillFigures(figures(side, limit, amount), dec(base), dec(price), dec(rate));
    expect([str(f.filled), str(f.cost), str(f.fee), str(f.reserved)]).toEqual([filled, cost, fee, reserved]);
    expect([str(moves.base), str(moves.quote)]).toEqual([baseMove, quoteMove]);
  });

  it('fills add up: the figures are cumulative and the reservation reaches exactly 0', () => {
    let f = figures('buy', '1999.99', '0.0003');
    for (const share of ['0.0001', '0.0001', '0.0001']) f = fillFigures(f, dec(share), dec('1999.99'), dec('0.001')).figures;
    expect([str(f.filled), str(f.cost), str(f.fee), str(f.reserved)]).toEqual(['0.0003', '0.599997', '0.0000003', '0']);
  });
});

describe('releaseFigures', () => {
  it.each<[OrderSide, string, string, string, string, string]>([
    ['buy', '2000', '0.01', '0.004', '0', '12'],
    ['sell', '2100', '0.01', '0.004', '0.006', '0'],
    ['sell', '2100', '0.01', '0.01', '0', '0'],
  ])('%s %s×%s with %s filled frees base %s, quote %s', (side, limit, amount, filled, base, quote) => {
    const { figures: f, moves } = releaseFigures(figures(side, limit, amount, filled));
    expect([str(moves.base), str(moves.quote), str(f.reserved)]).toEqual([base, quote, '0']);
  });
});

describe('stateOf', () => {
  const id = { orderId: 'paper-1', clientOrderId: 'c', symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', status: 'open' as const, timestamp: 5 };
  it('nothing filled: avgPrice null, no fees', () => {
    expect(stateOf(figures('buy', '2000', '0.01'), id)).toEqual({
      orderId: 'paper-1', clientOrderId: 'c', symbol: 'ETH/USDT', side: 'buy', type: 'limit', status: 'open', price: '2000',
      amountBase: '0.01', filledBase: '0', costQuote: '0', avgPrice: null, fees: [], timestamp: 5,
    });
  });

  it.each<[OrderSide, string, string]>([
    ['buy', 'ETH', '0.00001'],
    ['sell', 'USDT', '0.0201'],
  ])('a %s at two prices: average of the cost, fee in %s cumulative', (side, currency, fee) => {
    let f = figures(side, '2000', '0.01');
    f = fillFigures(f, dec('0.005'), dec('2020'), dec('0.001')).figures; // taker at once
    f = fillFigures(f, dec('0.005'), dec('2000'), dec('0.001')).figures; // maker later
    expect(stateOf(f, id)).toMatchObject({ filledBase: '0.01', costQuote: '20.1', avgPrice: '2010', fees: [{ currency, amount: fee }] });
  });
});

describe('checkLimitRequest', () => {
  const rules = { amountStep: dec('0.0001'), priceTick: dec('0.01'), minNotional: dec('5') };
  const request = { symbol: 'ETH/USDT', side: 'buy' as const, baseAmount: '0.01', price: '2000', clientOrderId: 'c-1' };
  it.each<[string, Record<string, unknown>, string | null]>([
    ['a good one', {}, null],
    ['a bad client id', { clientOrderId: 'has space' }, 'INVALID_CLIENT_ORDER_ID'],
    ['a bad side', { side: 'hold' }, 'INVALID_SIDE'],
    ['an amount of 0', { baseAmount: '0' }, 'INVALID_AMOUNT'],
    ['an amount that is not a decimal', { baseAmount: 'abc' }, 'INVALID_AMOUNT'],
    ['a negative price', { price: '-1' }, 'INVALID_PRICE'],
    ['an amount off the step', { baseAmount: '0.01005' }, 'LOT_SIZE'],
    ['a price off the tick', { price: '2000.005' }, 'PRICE_FILTER'],
    ['below the minimum notional', { baseAmount: '0.0024' }, 'MIN_NOTIONAL'],
    ['exactly the minimum notional', { baseAmount: '0.0025' }, null],
  ])('%s', (_name, change, reason) => {
    const verdict = checkLimitRequest({ ...request, ...change } as never, rules);
    if (reason === null) expect(verdict.ok).toBe(true);
    else expect(verdict).toMatchObject({ ok: false, reason });
  });

  it('a symbol that is not a market is UNKNOWN_SYMBOL', () => {
    expect(checkLimitRequest(request, undefined)).toMatchObject({ ok: false, reason: 'UNKNOWN_SYMBOL' });
  });
});
