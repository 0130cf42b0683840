/**
 * PaperExchange faults for LIMIT orders and cancels (issue 10): partial fills of a resting order
 * when crossed, a fill during a cancel, a cancel whose answer is lost (landed or not), and the
 * place faults applied to placeLimitOrder. Balances are checked exactly after each.
 */
import { describe, expect, it } from 'vitest';
import { PaperExchange } from '../../src/adapters/paper/paper-exchange';
import { InvalidOptionsError, OrderOutcomeUnknownError } from '../../src/errors';
import type { LimitOrderRequest, OrderSide } from '../../src/ports/exchange';

const ETH = 'ETH/USDT';
const paper = () =>
  new PaperExchange({
    prices: { [ETH]: '2000' },
    balances: { USDT: '100', ETH: '1' },
    makerFeeRate: '0.0005',
    markets: { [ETH]: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } },
  });
const limit = (side: OrderSide, baseAmount: string, price: string, clientOrderId = `c-${side}`): LimitOrderRequest => ({
  symbol: ETH, side, baseAmount, price, clientOrderId,
});
const find = (ex: PaperExchange, clientOrderId: string) => ex.findOrder({ symbol: ETH, clientOrderId, since: 0 });
const cancel = (ex: PaperExchange, clientOrderId: string) => ex.cancelOrder({ symbol: ETH, clientOrderId });
const balances = (ex: PaperExchange) => [ex.balance('ETH'), ex.balance('USDT')];

describe('restingPartialFill: a crossed order fills only a share', () => {
  it('each crossing with the fault fills ratio × amount; a crossing without it fills the rest; figures cumulative', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'restingPartialFill', ratio: '0.4' }, { count: 2 });
    await ex.placeLimitOrder(limit('sell', '0.01', '2100'));
    expect(ex.pendingFaults).toBe(2); // not met by the placement
    ex.setPrice(ETH, '2100');
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'open', filledBase: '0.004', costQuote: '8.4', avgPrice: '2100', fees: [{ currency: 'USDT', amount: '0.0042' }] });
    expect(balances(ex)).toEqual(['0.99', '108.3958']);
    ex.setPrice(ETH, '2000'); // not crossed: nothing, and the fault stays queued
    expect(ex.pendingFaults).toBe(1);
    ex.setPrice(ETH, '2200');
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'open', filledBase: '0.008', costQuote: '16.8', fees: [{ currency: 'USDT', amount: '0.0084' }] });
    ex.setPrice(ETH, '2100');
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '21', avgPrice: '2100', fees: [{ currency: 'USDT', amount: '0.0105' }] });
    expect(balances(ex)).toEqual(['0.99', '120.9895']);
  });

  it('a partly filled buy that is cancelled gives back exactly the quote it did not use', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'restingPartialFill', ratio: '0.25' });
    await ex.placeLimitOrder(limit('buy', '0.02', '1999.99'));
    expect(balances(ex)).toEqual(['1', '60.0002']);
    ex.setPrice(ETH, '1999');
    expect(balances(ex)).toEqual(['1.0049975', '60.0002']); // 0.005 bought at 1999.99, maker fee in ETH
    const state = await cancel(ex, 'c-buy');
    expect(state).toMatchObject({ status: 'cancelled', filledBase: '0.005', costQuote: '9.99995', avgPrice: '1999.99', fees: [{ currency: 'ETH', amount: '0.0000025' }] });
    expect(balances(ex)).toEqual(['1.0049975', '90.00005']);
    expect(ex.executedOrders()).toHaveLength(1);
  });

  it('a share below one step fills nothing on that crossing', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'restingPartialFill', ratio: '0.001' });
    await ex.placeLimitOrder(limit('sell', '0.01', '2100'));
    ex.setPrice(ETH, '2100');
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'open', filledBase: '0' });
    expect(balances(ex)).toEqual(['0.99', '100']);
  });
});

describe('fill during a cancel', () => {
  it("'fill-during-cancel': the rest fills at the limit (maker) before the cancel lands; the answer is filled", async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    ex.injectFault('fill-during-cancel');
    const state = await cancel(ex, 'c-buy');
    expect(state).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '19', avgPrice: '1900', fees: [{ currency: 'ETH', amount: '0.000005' }] });
    expect(balances(ex)).toEqual(['1.009995', '81']);
    expect(ex.cancels[0]).toMatchObject({ outcome: 'already-ended', faults: ['fill-during-cancel'], state });
    expect(await find(ex, 'c-buy')).toEqual(state);
  });

  it('{ kind: fillDuringCancel, ratio }: part fills, the rest is cancelled; after an earlier partial fill the fills add up', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'restingPartialFill', ratio: '0.2' });
    await ex.placeLimitOrder(limit('sell', '0.1', '2100'));
    ex.setPrice(ETH, '2100'); // 0.02 filled
    ex.injectFault({ kind: 'fillDuringCancel', ratio: '0.3' });
    const state = await cancel(ex, 'c-sell');
    // 0.02 + 0.03 = 0.05 sold at 2100 = 105 quote, maker fee 0.0525; 0.05 base back.
    expect(state).toMatchObject({ status: 'cancelled', filledBase: '0.05', costQuote: '105', fees: [{ currency: 'USDT', amount: '0.0525' }] });
    expect(balances(ex)).toEqual(['0.95', '204.9475']);
  });

  it('an order that is not resting does not take the fault', async () => {
    const ex = paper();
    ex.injectFault('fill-during-cancel');
    expect(await cancel(ex, 'nope')).toBeNull();
    expect(ex.pendingFaults).toBe(1);
  });
});

describe('a cancel answered with an unknown outcome', () => {
  it("'cancel-unknown-after': the cancel lands, the answer is lost; the look-up shows it cancelled and funds freed", async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    ex.injectFault('cancel-unknown-after');
    await expect(cancel(ex, 'c-buy')).rejects.toMatchObject({ code: 'ORDER_OUTCOME_UNKNOWN', clientOrderId: 'c-buy' });
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'cancelled', filledBase: '0' });
    expect(balances(ex)).toEqual(['1', '100']);
    expect(ex.cancels[0]).toMatchObject({ outcome: 'cancelled', faults: ['cancel-unknown-after'] });
  });

  it("'cancel-unknown-before': the cancel never lands; the order keeps resting and still fills", async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    ex.injectFault('cancel-unknown-before');
    ex.injectFault('fill-during-cancel'); // a lost cancel never reaches the book: this one stays queued
    await expect(cancel(ex, 'c-buy')).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'open' });
    expect(balances(ex)).toEqual(['1', '81']);
    expect(ex.cancels[0]).toMatchObject({ outcome: 'not-executed', faults: ['cancel-unknown-before'] });
    expect(ex.pendingFaults).toBe(1);
    ex.clearFaults();
    ex.setPrice(ETH, '1900');
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'filled' });
    expect(balances(ex)).toEqual(['1.009995', '81']);
  });

  it('a fill during a cancel whose answer is lost: the look-up shows the fill', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('sell', '0.01', '2100'));
    ex.injectFault('cancel-unknown-after');
    ex.injectFault({ kind: 'fillDuringCancel', ratio: '0.5' });
    await expect(cancel(ex, 'c-sell')).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'cancelled', filledBase: '0.005', costQuote: '10.5', fees: [{ currency: 'USDT', amount: '0.00525' }] });
    expect(balances(ex)).toEqual(['0.995', '110.49475']);
  });

  it('an aborted signal: the cancel lands, the caller gets an unknown outcome', async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    const controller = new AbortController();
    controller.abort();
    await expect(ex.cancelOrder({ symbol: ETH, clientOrderId: 'c-buy', signal: controller.signal })).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'cancelled' });
  });

  it('cancel faults are scoped like the others (by client id) and are not met by orders', async () => {
    const ex = paper();
    ex.injectFault('cancel-unknown-after', { clientOrderId: 'other' });
    await ex.placeLimitOrder(limit('buy', '0.01', '1900'));
    expect((await cancel(ex, 'c-buy'))?.status).toBe('cancelled');
    expect(ex.pendingFaults).toBe(1);
  });
});

describe('the place faults apply to placeLimitOrder', () => {
  it("'reject': refused, nothing reserved, never found", async () => {
    const ex = paper();
    ex.injectFault('reject');
    await expect(ex.placeLimitOrder(limit('buy', '0.01', '1900'))).rejects.toMatchObject({ code: 'ORDER_REJECTED', reason: 'INJECTED_FAULT' });
    expect(balances(ex)).toEqual(['1', '100']);
    expect(await find(ex, 'c-buy')).toBeNull();
  });

  it("'unknown-before': unknown outcome, nothing reserved, never found", async () => {
    const ex = paper();
    ex.injectFault('unknown-before');
    await expect(ex.placeLimitOrder(limit('buy', '0.01', '1900'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(balances(ex)).toEqual(['1', '100']);
    expect(await find(ex, 'c-buy')).toBeNull();
    expect(ex.orders[0]?.status).toBe('not-executed');
  });

  it("'unknown-after': unknown outcome, yet the order rests with its funds reserved and is found open", async () => {
    const ex = paper();
    ex.injectFault('unknown-after');
    await expect(ex.placeLimitOrder(limit('buy', '0.01', '1900'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(balances(ex)).toEqual(['1', '81']);
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'open', price: '1900' });
  });

  it("'hang': never settles until the signal aborts; nothing lands", async () => {
    const ex = paper();
    ex.injectFault('hang');
    const controller = new AbortController();
    const placed = ex.placeLimitOrder({ ...limit('buy', '0.01', '1900'), signal: controller.signal });
    const marker = Symbol('pending');
    expect(await Promise.race([placed.catch(() => 'settled'), Promise.resolve().then(() => marker)])).toBe(marker);
    controller.abort();
    await expect(placed).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(balances(ex)).toEqual(['1', '100']);
    expect(await find(ex, 'c-buy')).toBeNull();
  });

  it("'partialFill' on a limit that crosses at once: that share fills as a taker, the rest rests", async () => {
    const ex = paper();
    ex.injectFault({ kind: 'partialFill', ratio: '0.5' });
    const state = await ex.placeLimitOrder(limit('buy', '0.01', '2050'));
    expect(state).toMatchObject({ status: 'open', filledBase: '0.005', costQuote: '10', avgPrice: '2000', fees: [{ currency: 'ETH', amount: '0.000005' }] });
    // 20.5 reserved, 10 spent at 2000, 0.25 of the reservation freed (bought below the limit): 10.25 still reserved.
    expect(balances(ex)).toEqual(['1.004995', '79.75']);
    ex.setPrice(ETH, '2000'); // the rest crosses again: filled at its limit, maker fee
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'filled', filledBase: '0.01', costQuote: '20.25', avgPrice: '2025', fees: [{ currency: 'ETH', amount: '0.0000075' }] });
    expect(balances(ex)).toEqual(['1.0099925', '79.75']);
  });

  it("'malformed-after': the order lands, the answer is garbled; the look-up tells the truth", async () => {
    const ex = paper();
    ex.injectFault('malformed-after');
    expect(await ex.placeLimitOrder(limit('sell', '0.01', '2100'))).toMatchObject({ filledBase: 'abc' });
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'open', filledBase: '0' });
    expect(balances(ex)).toEqual(['0.99', '100']);
  });

  it('a signal aborted inside the latency: unknown outcome, yet the order lands and rests', async () => {
    const ex = new PaperExchange({ prices: { [ETH]: '2000' }, balances: { USDT: '100' }, latencyMs: 5 });
    const controller = new AbortController();
    const placed = ex.placeLimitOrder({ ...limit('buy', '0.01', '1900'), signal: controller.signal });
    controller.abort();
    await expect(placed).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the venue still processes it
    expect(await find(ex, 'c-buy')).toMatchObject({ status: 'open', price: '1900' });
    expect(ex.balance('USDT')).toBe('81');
  });

  it("'fee-pending' on the look-up of a limit order that filled", async () => {
    const ex = paper();
    await ex.placeLimitOrder(limit('sell', '0.01', '2000'));
    ex.injectFault('fee-pending', { clientOrderId: 'c-sell' });
    expect(await find(ex, 'c-sell')).toMatchObject({ status: 'filled', fees: [], feePending: true });
    expect(await find(ex, 'c-sell')).toMatchObject({ fees: [{ currency: 'USDT', amount: '0.02' }] });
  });

  it('a resting-fill fault is never met by a MARKET order', async () => {
    const ex = paper();
    ex.injectFault({ kind: 'restingPartialFill', ratio: '0.5' });
    expect((await ex.placeMarketOrder({ symbol: ETH, side: 'sell', baseAmount: '0.01', clientOrderId: 'm' })).filledBase).toBe('0.01');
    expect(ex.pendingFaults).toBe(1);
  });

  it('refuses the new faults with a ratio outside (0, 1) and unknown names with the nearest one', () => {
    const ex = paper();
    for (const kind of ['restingPartialFill', 'fillDuringCancel'] as const) {
      for (const ratio of ['0', '1', 'x']) expect(() => ex.injectFault({ kind, ratio })).toThrow(InvalidOptionsError);
    }
    expect(() => ex.injectFault('cancel-unknwn-after' as never)).toThrow(/did you mean 'cancel-unknown-after'/);
  });
});
