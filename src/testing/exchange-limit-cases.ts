/**
 * The LIMIT-order cases of the exchange conformance suite: resting orders, partial fills seen
 * cumulatively, cancels that answer the final state, and the two ends a cancel can meet (an order
 * the venue does not know, an order already filled).
 */
import { expect, it } from 'vitest';
import { dec, floorToStep, isDecimalString, str } from '../decimal';
import type { Exchange, LimitOrderRequest, MarketRules, OrderState } from '../ports/exchange';
import type { ExchangeFixture } from './exchange-suite';
import { randomClientOrderId } from './fixtures';

/** What the limit cases need from the suite around them. @internal */
export interface LimitCaseContext {
  readonly fixture: () => ExchangeFixture;
  readonly now: () => number;
  readonly priceOf: () => Promise<number>;
  readonly quoteAmount: (rules: MarketRules) => Promise<string>;
  readonly timeoutMs: number | undefined;
  readonly noPartialFills: boolean;
}

type LimitExchange = Exchange & Required<Pick<Exchange, 'placeLimitOrder' | 'cancelOrder'>>;

const STATUSES = ['open', 'filled', 'cancelled', 'expired', 'rejected'];

/** Asserts the shape every {@link OrderState} must have, for the request that produced it. */
function expectState(state: OrderState | null, request: LimitOrderRequest): asserts state is OrderState {
  expect(state, 'an order state').not.toBeNull();
  const s = state!;
  expect(s).toMatchObject({ clientOrderId: request.clientOrderId, symbol: request.symbol, side: request.side });
  expect(typeof s.orderId === 'string' && s.orderId.length > 0, 'orderId is a non-empty string').toBe(true);
  expect(STATUSES, `status ${String(s.status)}`).toContain(s.status);
  for (const [label, value] of [['filledBase', s.filledBase], ['costQuote', s.costQuote]] as const) {
    expect(isDecimalString(value) && !dec(value).isNeg(), `${label} = ${JSON.stringify(value)} is a decimal string ≥ 0`).toBe(true);
  }
  const filled = dec(s.filledBase);
  expect(filled.lte(dec(request.baseAmount)), `filledBase ${s.filledBase} ≤ ordered ${request.baseAmount}`).toBe(true);
  if (filled.isZero()) {
    expect(s.avgPrice, 'avgPrice is null when nothing executed').toBeNull();
    expect(dec(s.costQuote).isZero(), 'costQuote is 0 when nothing executed').toBe(true);
  } else {
    expect(isDecimalString(s.avgPrice) && dec(s.avgPrice!).gt(0), `avgPrice ${String(s.avgPrice)} > 0`).toBe(true);
    // A buy never pays more than its limit, a sell never receives less (a tick of rounding allowed).
    const atLimit = filled.mul(request.price);
    const ok = request.side === 'buy' ? dec(s.costQuote).lte(atLimit.mul('1.0001')) : dec(s.costQuote).gte(atLimit.mul('0.9999'));
    expect(ok, `costQuote ${s.costQuote} respects the limit ${request.price} for ${s.filledBase}`).toBe(true);
  }
  expect(Array.isArray(s.fees), 'fees is an array').toBe(true);
  for (const fee of s.fees) {
    expect(typeof fee.currency === 'string' && fee.currency.length > 0, 'fee.currency is set').toBe(true);
    expect(isDecimalString(fee.amount) && !dec(fee.amount).isNeg(), `fee.amount ${fee.amount} ≥ 0`).toBe(true);
  }
  if (s.feePending) expect(s.fees, 'feePending: no fee is listed').toEqual([]);
  expect(Number.isFinite(s.timestamp) && s.timestamp > 0, 'timestamp is a Unix ms time').toBe(true);
}

/**
 * Registers the LIMIT cases (inside the suite's `describe`). They run when the exchange has
 * `placeLimitOrder` and `cancelOrder`; those that make a resting order fill also need the
 * fixture's `fillResting`.
 * @internal
 */
export function limitOrderCases(c: LimitCaseContext): void {
  const { fixture, timeoutMs } = c;
  const skipUnless = (ctx: { skip: (note?: string) => void }, needsFill: boolean): LimitExchange | undefined => {
    const ex = fixture().exchange;
    if (typeof ex.placeLimitOrder !== 'function' || typeof ex.cancelOrder !== 'function') {
      ctx.skip('the exchange has no placeLimitOrder/cancelOrder');
      return undefined;
    }
    if (needsFill && !fixture().fillResting) {
      ctx.skip('the fixture has no fillResting');
      return undefined;
    }
    return ex as LimitExchange;
  };
  /** A buy at `factor` × the price (rounded to the tick), for about the suite's quote amount. */
  const limitBuy = async (factor: string): Promise<LimitOrderRequest> => {
    const rules = await fixture().exchange.getMarket(fixture().symbol);
    const tick = dec(rules.priceTick);
    const raw = dec(await c.priceOf()).mul(factor);
    const price = dec(factor).gt(1) ? raw.div(tick).ceil().mul(tick) : floorToStep(raw, tick);
    const baseAmount = floorToStep(dec(await c.quoteAmount(rules)).div(price), dec(rules.amountStep));
    return { symbol: fixture().symbol, side: 'buy', baseAmount: str(baseAmount), price: str(price), clientOrderId: randomClientOrderId() };
  };
  const find = (ex: Exchange, request: LimitOrderRequest, since: number) =>
    ex.findOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId, since }) as Promise<OrderState | null>;

  it('LIMIT: a resting buy is placed open with nothing executed, and findOrder says the same', async (ctx) => {
    const ex = skipUnless(ctx, false);
    if (!ex) return;
    const request = await limitBuy('0.8');
    const since = c.now();
    const placed = await ex.placeLimitOrder(request);
    expectState(placed, request);
    expect(placed).toMatchObject({ status: 'open', type: 'limit', filledBase: '0', fees: [] });
    const found = await find(ex, request, since);
    expectState(found, request);
    expect(found).toMatchObject({ status: 'open', orderId: placed.orderId, filledBase: '0', fees: [] });
  }, timeoutMs);

  it('LIMIT: a partial fill is seen cumulatively by findOrder, and cancel answers it with its fees', async (ctx) => {
    if (c.noPartialFills) return ctx.skip('noPartialFills');
    const ex = skipUnless(ctx, true);
    if (!ex) return;
    const request = await limitBuy('0.8');
    const since = c.now();
    await ex.placeLimitOrder(request);
    await fixture().fillResting!(request.symbol, request.clientOrderId, 0.25);
    const first = await find(ex, request, since);
    expectState(first, request);
    await fixture().fillResting!(request.symbol, request.clientOrderId, 0.25);
    const partial = await find(ex, request, since);
    expectState(partial, request);
    expect(partial.status).toBe('open');
    const [a, b] = [dec(first.filledBase), dec(partial.filledBase)];
    expect(a.gt(0) && b.gt(a) && b.lt(dec(request.baseAmount)), `filled ${str(a)} then ${str(b)} of ${request.baseAmount}: cumulative, partial`).toBe(true);
    expect(dec(partial.costQuote).gt(dec(first.costQuote)), 'costQuote is cumulative').toBe(true);
    const cancelled = await ex.cancelOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId });
    expectState(cancelled, request);
    expect(cancelled).toMatchObject({ status: 'cancelled', filledBase: partial.filledBase, costQuote: partial.costQuote });
    expect(cancelled.feePending ?? false, 'a cancel answers the fees of what executed').toBe(false);
    const after = await find(ex, request, since);
    expect(after).toMatchObject({ status: 'cancelled', filledBase: partial.filledBase });
  }, timeoutMs);

  it('LIMIT: cancel of a resting order with nothing executed answers cancelled', async (ctx) => {
    const ex = skipUnless(ctx, false);
    if (!ex) return;
    const request = await limitBuy('0.8');
    await ex.placeLimitOrder(request);
    const cancelled = await ex.cancelOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId });
    expectState(cancelled, request);
    expect(cancelled).toMatchObject({ status: 'cancelled', filledBase: '0', fees: [] });
  }, timeoutMs);

  it('LIMIT: cancel of a client order id the venue does not know resolves null', async (ctx) => {
    const ex = skipUnless(ctx, false);
    if (!ex) return;
    expect(await ex.cancelOrder({ symbol: fixture().symbol, clientOrderId: randomClientOrderId() })).toBeNull();
  }, timeoutMs);

  it('LIMIT: cancel of an order that filled resolves with its filled state', async (ctx) => {
    const ex = skipUnless(ctx, true);
    if (!ex) return;
    const request = await limitBuy('0.8');
    await ex.placeLimitOrder(request);
    await fixture().fillResting!(request.symbol, request.clientOrderId);
    const state = await ex.cancelOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId });
    expectState(state, request);
    expect(state).toMatchObject({ status: 'filled', filledBase: request.baseAmount });
    expect(dec(state.costQuote).eq(dec(request.baseAmount).mul(request.price)), `filled at its limit: ${state.costQuote}`).toBe(true);
  }, timeoutMs);

  it('LIMIT: a buy above the price crosses and fills at once', async (ctx) => {
    const ex = skipUnless(ctx, false);
    if (!ex) return;
    const request = await limitBuy('1.05');
    const since = c.now();
    const placed = await ex.placeLimitOrder(request);
    expectState(placed, request);
    const state = placed.status === 'filled' ? placed : await find(ex, request, since);
    expectState(state, request);
    expect(state).toMatchObject({ status: 'filled', filledBase: request.baseAmount });
    expect(dec(state.costQuote).lt(dec(request.baseAmount).mul(request.price)), 'filled below its limit, at the price').toBe(true);
  }, timeoutMs);
}
