/**
 * The conformance suite every {@link Exchange} adapter must pass, run against a paper venue, a
 * mocked venue (msw, nock) or a testnet: market rules, prices, MARKET buys and sells, look-ups by
 * client order id, the classification of refusals, and (for exchanges with `placeLimitOrder` and
 * `cancelOrder`) resting LIMIT orders, partial fills and cancels.
 */
import type { OrderSlot } from '../ports/record';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal, dec, floorToStep, isDecimalString, str } from '../decimal';
import { isOrderRejectedError } from '../errors';
import { checkFill } from '../engine/fill';
import { checkLookup } from '../engine/lookup';
import { checkMarketRules } from '../engine/market-rules';
import { checkPrices } from '../engine/prices';
import type { Exchange, MarketOrderRequest, MarketRules, OrderFill, OrderSide } from '../ports/exchange';
import { randomClientOrderId } from './fixtures';
import { limitOrderCases } from './exchange-limit-cases';
import { codeOf, settle } from './support';

/**
 * What {@link describeExchange} runs against: an exchange and one of its markets, plus optional
 * controls that a paper exchange or an adapter over a mocked venue can offer. Cases that need a
 * missing control are skipped.
 * @public
 */
export interface ExchangeFixture {
  /** The exchange under test. Its account must hold enough quote for a few buys (see `quoteAmount`). */
  readonly exchange: Exchange;
  /** A spot market of the exchange, `BASE/QUOTE`, that has a price. */
  readonly symbol: string;
  /** Sets the market's price (a decimal string): later prices and fills follow it. */
  setPrice?(price: string): void | Promise<void>;
  /** Makes the venue refuse the next order (nothing executes). */
  injectReject?(): void | Promise<void>;
  /**
   * Makes the venue refuse the next order on `side` for lack of balance (nothing executes), e.g. by
   * emptying the paper account's quote (buy) or base (sell), or a mock's insufficient-balance reply.
   */
  injectInsufficientFunds?(side: OrderSide): void | Promise<void>;
  /**
   * Makes a resting LIMIT order execute at its limit price: `ratio` (0–1) of its amount more, or
   * all that is left when `ratio` is omitted (a mock venue fills it; a paper exchange can move its
   * price through the limit). The LIMIT cases run when the exchange has `placeLimitOrder` and
   * `cancelOrder`; those that need a resting order to fill are skipped without this.
   */
  fillResting?(symbol: string, clientOrderId: string, ratio?: number): void | Promise<void>;
  /** The venue's current time, Unix ms, used for `findOrder`'s `since` (default `Date.now()`). */
  now?(): number;
  /** Frees what the fixture holds (servers, mocks); called after each case. */
  cleanup?(): void | Promise<void>;
}

/**
 * Options of {@link describeExchange}.
 * @public
 */
export interface ExchangeSuiteOptions {
  /**
   * Quote spent by each test buy, decimal string. Default: 4 × the minimum notional plus 6 amount
   * steps at the current price, rounded up to 2 decimals: enough that half of it can be sold.
   */
  readonly quoteAmount?: string | undefined;
  /** A symbol the exchange has no price for (default `NOSUCHCOIN/NOQUOTE`). */
  readonly unknownSymbol?: string | undefined;
  /** Timeout of each case and hook, in ms (default: vitest's). */
  readonly timeoutMs?: number | undefined;
  /**
   * Skip the `fetchBalances` cases although the exchange has the method (e.g. a mocked venue that
   * does not answer balance requests). Exchanges without `fetchBalances` skip them anyway.
   */
  readonly noBalances?: boolean | undefined;
  /**
   * Skip the LIMIT case that fills a resting order in parts (for a fixture whose `fillResting`
   * can only fill a whole order, e.g. by moving a paper price through the limit).
   */
  readonly noPartialFills?: boolean | undefined;
}

/** Asserts a positive decimal string and returns it as a decimal. */
function positiveDecimal(value: unknown, label: string): Decimal {
  expect(isDecimalString(value), `${label} = ${JSON.stringify(value)} is a decimal string`).toBe(true);
  const d = dec(value as string);
  expect(d.gt(0), `${label} = ${String(value)} is > 0`).toBe(true);
  return d;
}

/** Asserts the shape every fill must have, for the request that produced it. */
function expectFill(fill: OrderFill, request: MarketOrderRequest, rules: MarketRules): void {
  expect(fill.clientOrderId).toBe(request.clientOrderId);
  expect(fill.symbol).toBe(request.symbol);
  expect(fill.side).toBe(request.side);
  expect(typeof fill.orderId === 'string' && fill.orderId.length > 0, 'orderId is a non-empty string').toBe(true);
  expect(fill.status === undefined || fill.status === 'filled', 'status is absent or filled').toBe(true);
  const base = positiveDecimal(fill.filledBase, 'filledBase');
  const cost = positiveDecimal(fill.costQuote, 'costQuote');
  const price = positiveDecimal(fill.avgPrice, 'avgPrice');
  expect(base.mod(dec(rules.amountStep)).isZero(), `filledBase ${fill.filledBase} is a multiple of ${rules.amountStep}`).toBe(true);
  // avgPrice may be rounded by the venue, but it must describe this fill.
  const drift = base.mul(price).sub(cost).abs();
  expect(drift.lte(cost.mul('0.001')), `filledBase × avgPrice ≈ costQuote (off by ${str(drift)})`).toBe(true);
  if (fill.fee !== null) {
    expect(typeof fill.fee.currency === 'string' && fill.fee.currency.length > 0, 'fee.currency is set').toBe(true);
    expect(isDecimalString(fill.fee.amount) && !dec(fill.fee.amount).isNeg(), `fee.amount ${fill.fee.amount} ≥ 0`).toBe(true);
  }
  expect(Number.isFinite(fill.timestamp) && fill.timestamp > 0, 'timestamp is a Unix ms time').toBe(true);
  // The engine's own check (avgPrice within a tick of cost / base, …): what passes here is applied there.
  expect(() => checkFill(fill, pendingOf(request), rules)).not.toThrow();
}

/** The engine's view of a request, for its checks. */
function pendingOf(request: MarketOrderRequest): OrderSlot {
  const amount = request.side === 'sell' ? { baseAmount: request.baseAmount ?? '0' } : { quoteAmount: request.quoteAmount ?? '0' };
  return {
    intentId: 'conformance', clientOrderId: request.clientOrderId, purpose: request.side === 'sell' ? 'takeProfit' : 'start', type: 'market', side: request.side, ...amount,
    createdAt: 0, owner: 'conformance', state: 'unknown', applied: { base: '0', quote: '0', fees: [] }, checkedAt: null,
  };
}

/**
 * Registers, inside a vitest `describe`, the cases every {@link Exchange} adapter must pass.
 *
 * Each case gets a fresh fixture from `factory` and sends at most a few small MARKET orders on
 * `fixture.symbol` with fresh client order ids; it never runs against a real account unless the
 * fixture points it there. Refusals must be classified: an order below the minimum notional, and
 * an order the venue refuses, reject with an error whose `code` is `ORDER_REJECTED`, and a refused
 * order is never found afterwards.
 * @param name - shown in the test names, e.g. `CcxtExchange (binance, mocked)`
 * @param factory - makes a fresh fixture for each case
 * @param options - amounts, symbols and timeouts
 * @public
 */
export function describeExchange(
  name: string,
  factory: () => ExchangeFixture | Promise<ExchangeFixture>,
  options: ExchangeSuiteOptions = {},
): void {
  const { timeoutMs, unknownSymbol = 'NOSUCHCOIN/NOQUOTE' } = options;

  describe(`Exchange conformance: ${name}`, () => {
    let fx: ExchangeFixture | undefined;
    const fixture = (): ExchangeFixture => fx!;
    const now = (): number => fixture().now?.() ?? Date.now();
    const priceOf = async (): Promise<number> => (await fixture().exchange.fetchPrices([fixture().symbol]))[fixture().symbol]!;
    const quoteAmount = async (rules: MarketRules): Promise<string> => {
      if (options.quoteAmount !== undefined) return options.quoteAmount;
      const q = dec(rules.minNotional).mul(4).add(dec(rules.amountStep).mul(6).mul(await priceOf()));
      return str(q.toDecimalPlaces(2, Decimal.ROUND_UP));
    };
    const buy = async (rules: MarketRules, quote?: string) => {
      const request = { symbol: fixture().symbol, side: 'buy', quoteAmount: quote ?? (await quoteAmount(rules)), clientOrderId: randomClientOrderId() } as const;
      const since = now();
      return { request, since, fill: await fixture().exchange.placeMarketOrder(request) };
    };
    const expectRejected = async (request: MarketOrderRequest): Promise<void> => {
      const since = now();
      const result = await settle(fixture().exchange.placeMarketOrder(request));
      expect(result.ok, 'the order was refused').toBe(false);
      const error = result.ok ? undefined : result.error;
      expect(isOrderRejectedError(error), `rejected with ORDER_REJECTED, got ${String(codeOf(error) ?? error)}`).toBe(true);
      const found = await fixture().exchange.findOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId, since });
      expect(found, 'a refused order is not found').toBeNull();
    };

    beforeEach(async () => {
      fx = await factory();
    }, timeoutMs);
    afterEach(async () => {
      const done = fx;
      fx = undefined;
      await done?.cleanup?.();
    }, timeoutMs);

    it('getMarket returns the rules of the symbol as decimal strings', async () => {
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      expect(rules.symbol).toBe(fixture().symbol);
      expect(`${rules.base}/${rules.quote}`).toBe(fixture().symbol.split(':')[0]);
      positiveDecimal(rules.amountStep, 'amountStep');
      positiveDecimal(rules.priceTick, 'priceTick');
      expect(isDecimalString(rules.minNotional) && !dec(rules.minNotional).isNeg(), `minNotional ${rules.minNotional} ≥ 0`).toBe(true);
      expect(() => checkMarketRules(fixture().symbol, rules)).not.toThrow(); // what the engine checks when it loads them
    }, timeoutMs);

    it('fetchPrices returns a positive finite number for the symbol', async () => {
      const prices = await fixture().exchange.fetchPrices([fixture().symbol]);
      const price = prices[fixture().symbol];
      expect(typeof price === 'number' && Number.isFinite(price) && price > 0, `price ${String(price)} > 0`).toBe(true);
      expect(checkPrices([fixture().symbol], prices).problems).toEqual([]); // keyed by unified symbol, numbers
    }, timeoutMs);

    it('fetchPrices leaves out a symbol without a price instead of throwing', async () => {
      const prices = await fixture().exchange.fetchPrices([fixture().symbol, unknownSymbol]);
      expect(prices[unknownSymbol]).toBeUndefined();
      expect(prices[fixture().symbol]).toBeGreaterThan(0);
    }, timeoutMs);

    it('fetchPrices and fills follow setPrice', async (ctx) => {
      if (!fixture().setPrice) return ctx.skip('the fixture has no setPrice');
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      const next = floorToStep(dec(await priceOf()).mul('1.25'), dec(rules.priceTick));
      await fixture().setPrice!(str(next));
      expect(await priceOf()).toBe(next.toNumber());
      const { fill } = await buy(rules);
      const off = dec(fill.avgPrice).sub(next).abs();
      expect(off.lte(next.mul('0.01')), `avgPrice ${fill.avgPrice} is within 1% of ${str(next)}`).toBe(true);
    }, timeoutMs);

    it('a MARKET buy by quoteAmount fills for at most that amount, in whole amount steps', async () => {
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      const { request, fill } = await buy(rules);
      expectFill(fill, request, rules);
      expect(dec(fill.costQuote).lte(dec(request.quoteAmount)), `costQuote ${fill.costQuote} ≤ ${request.quoteAmount}`).toBe(true);
    }, timeoutMs);

    it('a MARKET sell by baseAmount fills for at most that amount, in whole amount steps', async () => {
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      const bought = await buy(rules);
      const baseAmount = str(floorToStep(dec(bought.fill.filledBase).div(2), dec(rules.amountStep)));
      const request = { symbol: fixture().symbol, side: 'sell', baseAmount, clientOrderId: randomClientOrderId() } as const;
      const fill = await fixture().exchange.placeMarketOrder(request);
      expectFill(fill, request, rules);
      expect(dec(fill.filledBase).lte(dec(baseAmount)), `filledBase ${fill.filledBase} ≤ ${baseAmount}`).toBe(true);
    }, timeoutMs);

    it('findOrder by client order id returns the fill of an executed order', async () => {
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      const { request, since, fill } = await buy(rules);
      const found = await fixture().exchange.findOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId, since: Math.min(since, fill.timestamp) });
      expect(found).not.toBeNull();
      expect(found!.status === 'open', 'a filled MARKET order is not reported open').toBe(false);
      expect(found).toMatchObject({ orderId: fill.orderId, clientOrderId: request.clientOrderId, symbol: request.symbol, side: 'buy', filledBase: fill.filledBase });
      const checked = checkLookup(found, pendingOf(request), rules); // what the engine checks of a look-up
      expect(checked.status === 'found' && checked.state.status).toBe('filled');
    }, timeoutMs);

    it('findOrder of a client order id never sent returns null', async () => {
      const found = await fixture().exchange.findOrder({ symbol: fixture().symbol, clientOrderId: randomClientOrderId(), since: now() - 60_000 });
      expect(found).toBeNull();
    }, timeoutMs);

    it('a buy below the minimum notional is rejected (ORDER_REJECTED) and never found', async () => {
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      const min = dec(rules.minNotional);
      // Without a minimum notional, less than one amount step is what cannot be bought.
      const tiny = min.gt(0) ? min.div(2) : dec(rules.amountStep).mul(await priceOf()).div(10);
      await expectRejected({ symbol: fixture().symbol, side: 'buy', quoteAmount: str(tiny), clientOrderId: randomClientOrderId() });
    }, timeoutMs);

    it('fetchBalances (optional): a free amount ≥ 0 as a decimal string per asset asked, and the quote the account holds', async (ctx) => {
      const { exchange, symbol } = fixture();
      if (typeof exchange.fetchBalances !== 'function') return ctx.skip('the exchange has no fetchBalances');
      if (options.noBalances) return ctx.skip('noBalances');
      const rules = await exchange.getMarket(symbol);
      const asked = [rules.base, rules.quote, 'NOSUCHASSET'];
      const balances = await exchange.fetchBalances(asked);
      for (const [asset, free] of Object.entries(balances)) {
        expect(asked, `${asset} was asked for`).toContain(asset);
        expect(isDecimalString(free) && !dec(free).isNeg(), `${asset} free ${String(free)} is a decimal string ≥ 0`).toBe(true);
      }
      expect(dec(balances[rules.quote] ?? '0').gt(0), `the account holds ${rules.quote}`).toBe(true);
      expect(dec(balances.NOSUCHASSET ?? '0').isZero(), 'an asset not held is 0 or absent').toBe(true);
    }, timeoutMs);

    for (const side of ['buy', 'sell'] as const) {
      it(`a ${side} refused for lack of balance is rejected with reason INSUFFICIENT_FUNDS and never found`, async (ctx) => {
        if (!fixture().injectInsufficientFunds) return ctx.skip('the fixture has no injectInsufficientFunds');
        const rules = await fixture().exchange.getMarket(fixture().symbol);
        const quote = await quoteAmount(rules);
        const baseAmount = str(floorToStep(dec(quote).div(await priceOf()), dec(rules.amountStep)));
        await fixture().injectInsufficientFunds!(side);
        const request: MarketOrderRequest = side === 'buy'
          ? { symbol: fixture().symbol, side, quoteAmount: quote, clientOrderId: randomClientOrderId() }
          : { symbol: fixture().symbol, side, baseAmount, clientOrderId: randomClientOrderId() };
        const result = await settle(fixture().exchange.placeMarketOrder(request));
        const error = result.ok ? undefined : (result.error as { reason?: unknown });
        expect(isOrderRejectedError(error), `rejected with ORDER_REJECTED, got ${String(codeOf(error) ?? error)}`).toBe(true);
        expect(error?.reason).toBe('INSUFFICIENT_FUNDS');
        expect(await fixture().exchange.findOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId, since: now() - 1000 })).toBeNull();
      }, timeoutMs);
    }

    limitOrderCases({ fixture, now, priceOf, quoteAmount, timeoutMs, noPartialFills: options.noPartialFills ?? false });

    it('an order the venue refuses is rejected (ORDER_REJECTED) and never found', async (ctx) => {
      if (!fixture().injectReject) return ctx.skip('the fixture has no injectReject');
      const rules = await fixture().exchange.getMarket(fixture().symbol);
      await fixture().injectReject!();
      await expectRejected({ symbol: fixture().symbol, side: 'buy', quoteAmount: await quoteAmount(rules), clientOrderId: randomClientOrderId() });
    }, timeoutMs);
  });
}
