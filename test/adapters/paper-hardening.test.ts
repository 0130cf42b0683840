/**
 * PaperExchange for issue 9 (the adapter side): fetchBalances and INSUFFICIENT_FUNDS on buys and
 * sells (case 2), the `partialFill` fault that mimics Binance ending a MARKET order EXPIRED on a
 * thin book (case 1), the `fee-pending` look-up fault and `takerFeeRate` (case 3).
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from 'cycle-engine';
import { PaperExchange } from '../../src/adapters/paper/paper-exchange';

const ETH = 'ETH/USDT';
const paper = () => new PaperExchange({ prices: { [ETH]: '2000' }, balances: { USDT: '100', ETH: '1' }, markets: { [ETH]: { amountStep: '0.0001' } } });
const buy = (quoteAmount: string, clientOrderId = 'c-buy') => ({ symbol: ETH, side: 'buy' as const, quoteAmount, clientOrderId });
const sell = (baseAmount: string, clientOrderId = 'c-sell') => ({ symbol: ETH, side: 'sell' as const, baseAmount, clientOrderId });

describe('case 2: balances and insufficient funds', () => {
  it('fetchBalances returns the free amount of each asset asked, 0 for one not held', async () => {
    expect(await paper().fetchBalances(['ETH', 'USDT', 'BNB'])).toEqual({ ETH: '1', USDT: '100', BNB: '0' });
  });

  it('a buy beyond the quote and a sell beyond the base are INSUFFICIENT_FUNDS, and nothing moves', async () => {
    const ex = paper();
    await expect(ex.placeMarketOrder(buy('200'))).rejects.toMatchObject({ code: 'ORDER_REJECTED', reason: 'INSUFFICIENT_FUNDS' });
    await expect(ex.placeMarketOrder(sell('1.5'))).rejects.toMatchObject({ code: 'ORDER_REJECTED', reason: 'INSUFFICIENT_FUNDS' });
    expect(await ex.fetchBalances(['ETH', 'USDT'])).toEqual({ ETH: '1', USDT: '100' });
  });
});

describe('case 1: partialFill (a MARKET order EXPIRED on a thin book)', () => {
  it('a sell executes only the ratio, rounded down to the step; balances move for that part; the order is expired and found as such', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'partialFill', ratio: '0.4' });
    const fill = await ex.placeMarketOrder(sell('0.2599'));
    // 0.2599 × 0.4 = 0.10396 → 0.1039 (step 0.0001); 0.1039 × 2000 = 207.8; fee 0.1 % of it in USDT.
    expect(fill).toMatchObject({ status: 'filled', filledBase: '0.1039', costQuote: '207.8', avgPrice: '2000', fee: { currency: 'USDT', amount: '0.2078' } });
    expect(ex.balance('ETH')).toBe('0.8961');
    expect(ex.balance('USDT')).toBe('307.5922');
    expect(ex.orders[0]).toMatchObject({ status: 'expired', baseAmount: '0.2599', fill });
    expect(ex.executedOrders()).toHaveLength(1);
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'c-sell', since: 0 })).toEqual(fill);
  });

  it('a buy executes only the ratio of its quote amount', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'partialFill', ratio: '0.5' }, { side: 'buy' });
    const fill = await ex.placeMarketOrder(buy('50'));
    // 50 / 2000 = 0.025 ETH ordered; half executes: 0.0125 ETH for 25 USDT, fee 0.0000125 ETH.
    expect(fill).toMatchObject({ filledBase: '0.0125', costQuote: '25', fee: { currency: 'ETH', amount: '0.0000125' } });
    expect(ex.balance('USDT')).toBe('75');
    expect(ex.balance('ETH')).toBe('1.0124875');
  });

  it('lasts for the next N matching orders, then orders fill in full', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'partialFill', ratio: '0.5' }, { count: 2, side: 'sell' });
    const fills = [];
    for (const id of ['s1', 's2', 's3']) fills.push(await ex.placeMarketOrder(sell('0.1', id)));
    expect(fills.map((f) => f.filledBase)).toEqual(['0.05', '0.05', '0.1']);
    expect(ex.orders.map((o) => o.status)).toEqual(['expired', 'expired', 'filled']);
  });

  it('nothing executed at all (the share rounds to zero) is a refusal, EXPIRED, and the order is never found', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'partialFill', ratio: '0.01' });
    // 0.003 ETH (6 USDT) passes the minimum notional; 1 % of it is below one step of 0.0001.
    await expect(ex.placeMarketOrder(sell('0.003'))).rejects.toMatchObject({ reason: 'EXPIRED' });
    expect(ex.balance('ETH')).toBe('1');
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'c-sell', since: 0 })).toBeNull();
  });

  it('refuses a ratio that is not a decimal in (0, 1)', () => {
    const ex = paper();
    for (const ratio of ['0', '1', '1.5', 'abc', '-0.1']) {
      expect(() => ex.injectFault({ kind: 'partialFill', ratio })).toThrow(InvalidOptionsError);
    }
    expect(() => ex.injectFault({ kind: 'nope' } as never)).toThrow(InvalidOptionsError);
  });
});

describe('case 3: fee-pending look-ups and the taker rate', () => {
  it('the next N look-ups of a filled order say fee null + feePending; later ones carry the fee; orders are not affected', async () => {
    const ex = paper();
    ex.injectFault('fee-pending', { count: 2, clientOrderId: 'c-buy' });
    const fill = await ex.placeMarketOrder(buy('20'));
    expect(fill.feePending).toBeUndefined();
    expect(fill.fee).not.toBeNull();
    const query = { symbol: ETH, clientOrderId: 'c-buy', since: 0 };
    expect(await ex.findOrder(query)).toEqual({ ...fill, fee: null, feePending: true });
    expect(await ex.findOrder(query)).toEqual({ ...fill, fee: null, feePending: true });
    expect(await ex.findOrder(query)).toEqual(fill);
    expect(ex.pendingFaults).toBe(0);
  });

  it('getMarket reports the fee rate as takerFeeRate', async () => {
    expect(await new PaperExchange({ prices: { [ETH]: '1' }, feeRate: '0.00075' }).getMarket(ETH)).toMatchObject({ takerFeeRate: '0.00075' });
  });
});
