import { afterEach, describe, it, expect, vi } from 'vitest';
import { PaperExchange, type PaperExchangeOptions } from '../../src/adapters/paper/paper-exchange';
import {
  CycleEngineError,
  InvalidOptionsError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from '../../src/errors';
import type { MarketOrderRequest, OrderFill } from '../../src/ports/exchange';

const ETH = 'ETH/USDT';

function exchange(options: PaperExchangeOptions = {}): PaperExchange {
  return new PaperExchange({ prices: { [ETH]: '2000' }, balances: { USDT: '100', ETH: '1' }, ...options });
}

function buy(quoteAmount: string, clientOrderId = 'c-buy', symbol = ETH): MarketOrderRequest {
  return { symbol, side: 'buy', quoteAmount, clientOrderId };
}

function sell(baseAmount: string, clientOrderId = 'c-sell', symbol = ETH): MarketOrderRequest {
  return { symbol, side: 'sell', baseAmount, clientOrderId };
}

async function rejection(promise: Promise<unknown>): Promise<OrderRejectedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrderRejectedError);
  return error as OrderRejectedError;
}

/** True when the promise has not settled after the pending microtasks ran. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([promise.then(() => 'settled', () => 'settled'), Promise.resolve().then(() => marker)]);
  return winner === marker;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PaperExchange buys', () => {
  it.each([
    // symbol, price, quote, step, feeRate, filledBase, costQuote, fee (base), quote left, base got
    ['ETH/USDT', '2000', '10', '0.00001', '0.001', '0.005', '10', '0.000005', '90', '0.004995'],
    ['ETH/USDT', '3000', '10', '0.00001', '0.001', '0.00333', '9.99', '0.00000333', '90.01', '0.00332667'],
    ['BTC/USDT', '27123.45', '50', '0.00001', '0.001', '0.00184', '49.907148', '0.00000184', '50.092852', '0.00183816'],
    ['ETH/USDT', '1999.99', '20', '0.00001', '0.00075', '0.01', '19.9999', '0.0000075', '80.0001', '0.0099925'],
    ['DOGE/USDT', '0.5', '10.7', '1', '0', '21', '10.5', null, '89.5', '21'],
  ])(
    '%s at %s for %s quote (step %s, fee %s)',
    async (symbol, price, quote, step, feeRate, filledBase, costQuote, fee, quoteLeft, baseGot) => {
      const [base] = symbol.split('/') as [string];
      const ex = new PaperExchange({
        prices: { [symbol]: price },
        balances: { USDT: '100' },
        feeRate,
        markets: { [symbol]: { amountStep: step } },
        clock: { now: () => 1_700_000_000_000 },
      });
      const fill = await ex.placeMarketOrder(buy(quote, 'b1', symbol));
      expect(fill).toEqual({
        orderId: 'paper-1',
        clientOrderId: 'b1',
        symbol,
        side: 'buy',
        status: 'filled',
        filledBase,
        costQuote,
        avgPrice: price,
        fee: fee === null ? null : { currency: base, amount: fee },
        timestamp: 1_700_000_000_000,
      });
      expect(ex.balance('USDT')).toBe(quoteLeft);
      expect(ex.balance(base)).toBe(baseGot);
    },
  );

  it('numbers orders sequentially and records them in arrival order', async () => {
    const ex = exchange();
    const first = await ex.placeMarketOrder(buy('10', 'a'));
    await expect(ex.placeMarketOrder(buy('1', 'b'))).rejects.toThrow(OrderRejectedError);
    const third = await ex.placeMarketOrder(buy('10', 'c'));
    expect([first.orderId, third.orderId]).toEqual(['paper-1', 'paper-3']);
    expect(ex.orders.map((o) => [o.seq, o.clientOrderId, o.status])).toEqual([
      [1, 'a', 'filled'],
      [2, 'b', 'rejected'],
      [3, 'c', 'filled'],
    ]);
    expect(ex.executedOrders().map((o) => o.clientOrderId)).toEqual(['a', 'c']);
  });
});

describe('PaperExchange sells', () => {
  it('charges the fee in quote and rounds the base down to the step', async () => {
    const ex = exchange({ prices: { [ETH]: '2500' }, balances: { ETH: '1' } });
    const fill = await ex.placeMarketOrder(sell('0.123456789'));
    expect(fill).toMatchObject({ side: 'sell', filledBase: '0.12345', costQuote: '308.625', avgPrice: '2500' });
    expect(fill.fee).toEqual({ currency: 'USDT', amount: '0.308625' });
    expect(ex.balance('ETH')).toBe('0.87655');
    expect(ex.balance('USDT')).toBe('308.316375');
  });

  it('rounds down to a market-specific step', async () => {
    const ex = exchange({ markets: { [ETH]: { amountStep: '0.001' } }, prices: { [ETH]: '1000' } });
    const fill = await ex.placeMarketOrder(sell('0.0129'));
    expect(fill.filledBase).toBe('0.012');
    expect(ex.balance('ETH')).toBe('0.988');
  });
});

describe('PaperExchange rejections', () => {
  it('checks min notional after rounding, and leaves balances alone', async () => {
    const ex = exchange({ markets: { [ETH]: { amountStep: '0.001', minNotional: '5' } }, prices: { [ETH]: '1200' } });
    // 5.9 quote is above the minimum, but 5.9 / 1200 rounds down to 0.004 ETH = 4.8 USDT.
    const error = await rejection(ex.placeMarketOrder(buy('5.9', 'mn')));
    expect(error.reason).toBe('MIN_NOTIONAL');
    expect(error.clientOrderId).toBe('mn');
    expect((await rejection(ex.placeMarketOrder(sell('0.0009')))).reason).toBe('MIN_NOTIONAL');
    expect([ex.balance('USDT'), ex.balance('ETH')]).toEqual(['100', '1']);
    expect(ex.orders.map((o) => o.rejectReason)).toEqual(['MIN_NOTIONAL', 'MIN_NOTIONAL']);
    // Exactly at the minimum is accepted.
    await expect(ex.placeMarketOrder(buy('6', 'ok'))).resolves.toMatchObject({ costQuote: '6' });
  });

  it('refuses orders beyond the balance', async () => {
    const ex = exchange({ balances: { USDT: '20', ETH: '1' } });
    expect((await rejection(ex.placeMarketOrder(buy('50')))).reason).toBe('INSUFFICIENT_FUNDS');
    expect((await rejection(ex.placeMarketOrder(sell('1.5')))).reason).toBe('INSUFFICIENT_FUNDS');
    expect([ex.balance('USDT'), ex.balance('ETH')]).toEqual(['20', '1']);
  });

  it.each([
    ['no price', buy('10', 'x', 'XRP/USDT'), 'UNKNOWN_SYMBOL'],
    ['rules but no price', buy('10', 'x', 'SOL/USDT'), 'UNKNOWN_SYMBOL'],
    ['missing quote', { symbol: ETH, side: 'buy', clientOrderId: 'x' } as MarketOrderRequest, 'INVALID_AMOUNT'],
    ['zero quote', buy('0'), 'INVALID_AMOUNT'],
    ['negative base', sell('-1'), 'INVALID_AMOUNT'],
    ['non-decimal base', sell('1,5'), 'INVALID_AMOUNT'],
    ['37-char client id', buy('10', 'a'.repeat(37)), 'INVALID_CLIENT_ORDER_ID'],
    ['space in client id', buy('10', 'a b'), 'INVALID_CLIENT_ORDER_ID'],
    ['empty client id', buy('10', ''), 'INVALID_CLIENT_ORDER_ID'],
  ])('rejects %s', async (_, request, reason) => {
    const ex = exchange({ markets: { 'SOL/USDT': {} } });
    const error = await rejection(ex.placeMarketOrder(request));
    expect(error.reason).toBe(reason);
    expect(ex.orders[0]?.status).toBe('rejected');
    expect(await ex.findOrder({ symbol: request.symbol, clientOrderId: request.clientOrderId, since: 0 })).toBeNull();
  });

  it('accepts a 36-char client id of every allowed character class', async () => {
    const id = 'Ab9.:/_-'.padEnd(36, 'z');
    await expect(exchange().placeMarketOrder(buy('10', id))).resolves.toMatchObject({ clientOrderId: id });
  });
});

describe('PaperExchange faults', () => {
  it('reject: nothing executes and the order is never found', async () => {
    const ex = exchange();
    ex.injectFault('reject');
    expect((await rejection(ex.placeMarketOrder(buy('10', 'f')))).reason).toBe('INJECTED_FAULT');
    expect(ex.balance('USDT')).toBe('100');
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'f', since: 0 })).toBeNull();
    // The fault was consumed: the next order goes through.
    await expect(ex.placeMarketOrder(buy('10', 'g'))).resolves.toMatchObject({ filledBase: '0.005' });
  });

  it('unknown-before: outcome unknown, nothing executed', async () => {
    const ex = exchange();
    ex.injectFault('unknown-before');
    await expect(ex.placeMarketOrder(buy('10', 'f'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(ex.balance('USDT')).toBe('100');
    expect(ex.orders[0]).toMatchObject({ status: 'not-executed', fault: 'unknown-before' });
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'f', since: 0 })).toBeNull();
  });

  it('unknown-after: outcome unknown, but the order executed and can be found', async () => {
    const ex = exchange();
    ex.injectFault('unknown-after');
    const error = await ex.placeMarketOrder(buy('10', 'f')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect((error as OrderOutcomeUnknownError).clientOrderId).toBe('f');
    expect(ex.balance('USDT')).toBe('90');
    expect(ex.balance('ETH')).toBe('1.004995');
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'f', since: 0 })).toMatchObject({
      status: 'filled',
      filledBase: '0.005',
      orderId: 'paper-1',
    });
  });

  it('hang: never settles until the signal aborts, and nothing executes', async () => {
    const ex = exchange();
    ex.injectFault('hang');
    const controller = new AbortController();
    const pending = ex.placeMarketOrder({ ...buy('10', 'h'), signal: controller.signal });
    expect(await isPending(pending)).toBe(true);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(ex.balance('USDT')).toBe('100');
    expect(ex.orders[0]?.status).toBe('not-executed');
  });

  it('malformed-after: executes, then answers with a malformed fill', async () => {
    const ex = exchange();
    ex.injectFault('malformed-after');
    const answer = await ex.placeMarketOrder(buy('10', 'm'));
    expect(answer.filledBase).toBe('abc');
    expect(ex.balance('USDT')).toBe('90');
    expect(ex.orders[0]?.fill?.filledBase).toBe('0.005');
  });

  it('consumes queued faults in order, only on matching orders', async () => {
    const ex = exchange({ prices: { [ETH]: '2000', 'BTC/USDT': '30000' } });
    ex.injectFault('reject', { side: 'sell', count: 2 });
    ex.injectFault('unknown-before', { symbol: 'BTC/USDT' });
    ex.injectFault('reject');
    expect(ex.pendingFaults).toBe(4);
    await expect(ex.placeMarketOrder(buy('10', 'b1'))).rejects.toBeInstanceOf(OrderRejectedError); // the catch-all
    await expect(ex.placeMarketOrder(buy('10', 'b2', 'BTC/USDT'))).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    await expect(ex.placeMarketOrder(sell('0.01', 's1'))).rejects.toBeInstanceOf(OrderRejectedError);
    await expect(ex.placeMarketOrder(buy('10', 'b3'))).resolves.toMatchObject({ status: 'filled' });
    await expect(ex.placeMarketOrder(sell('0.01', 's2'))).rejects.toBeInstanceOf(OrderRejectedError);
    await expect(ex.placeMarketOrder(sell('0.01', 's3'))).resolves.toMatchObject({ status: 'filled' });
    expect(ex.orders.map((o) => o.fault ?? '-')).toEqual(['reject', 'unknown-before', 'reject', '-', 'reject', '-']);
    expect(ex.pendingFaults).toBe(0);
  });

  it('clearFaults drops queued faults, and bad fault options are refused', async () => {
    const ex = exchange();
    ex.injectFault('reject', { count: 3 });
    ex.clearFaults();
    await expect(ex.placeMarketOrder(buy('10'))).resolves.toMatchObject({ status: 'filled' });
    expect(() => ex.injectFault('explode' as never)).toThrow(InvalidOptionsError);
    expect(() => ex.injectFault('reject', { count: 0 })).toThrow(InvalidOptionsError);
    expect(() => ex.injectFault('reject', { count: 1.5 })).toThrow(InvalidOptionsError);
  });
});

describe('PaperExchange latency', () => {
  it('keeps the order open during the latency, then fills it at the price current then', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ex = exchange({ latencyMs: 1500 });
    let fill: OrderFill | undefined;
    const pending = ex.placeMarketOrder(buy('10', 'lat')).then((f) => (fill = f));
    const query = { symbol: ETH, clientOrderId: 'lat', since: 1_000_000 };
    expect(await ex.findOrder(query)).toEqual({
      orderId: 'paper-1',
      clientOrderId: 'lat',
      symbol: ETH,
      side: 'buy',
      status: 'open',
      filledBase: '0',
    });
    expect(ex.balance('USDT')).toBe('100');
    ex.setPrice(ETH, '2500');
    await vi.advanceTimersByTimeAsync(1499);
    expect(fill).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(fill).toMatchObject({ avgPrice: '2500', filledBase: '0.004', costQuote: '10', timestamp: 1_001_500 });
    expect(await ex.findOrder(query)).toBe(fill);
    expect(ex.orders[0]?.receivedAt).toBe(1_000_000);
  });

  it('refuses a duplicate client id while the first order is open, accepts it afterwards', async () => {
    vi.useFakeTimers();
    const ex = exchange({ latencyMs: 1000 });
    const first = ex.placeMarketOrder(buy('10', 'dup'));
    expect((await rejection(ex.placeMarketOrder(buy('10', 'dup')))).reason).toBe('DUPLICATE_CLIENT_ORDER_ID');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(first).resolves.toMatchObject({ status: 'filled' });
    const second = ex.placeMarketOrder(buy('10', 'dup'));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(second).resolves.toMatchObject({ orderId: 'paper-3' });
    expect(ex.executedOrders().filter((o) => o.clientOrderId === 'dup')).toHaveLength(2);
    expect(ex.balance('USDT')).toBe('80');
    // The newest execution is the one found.
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'dup', since: 0 })).toMatchObject({ orderId: 'paper-3' });
  });

  it('a reused client id is accepted at once without latency: the venue does not de-duplicate', async () => {
    const ex = exchange();
    await ex.placeMarketOrder(buy('10', 'same'));
    await ex.placeMarketOrder(buy('10', 'same'));
    expect(ex.orders.filter((o) => o.clientOrderId === 'same' && o.status === 'filled')).toHaveLength(2);
  });

  it('an aborted signal rejects at once as unknown, yet the order still executes', async () => {
    vi.useFakeTimers();
    const ex = exchange({ latencyMs: 5000 });
    const controller = new AbortController();
    const pending = ex.placeMarketOrder({ ...buy('10', 'ab'), signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(ex.orders[0]?.status).toBe('open');
    await vi.advanceTimersByTimeAsync(5000);
    expect(ex.orders[0]?.status).toBe('filled');
    expect(ex.balance('USDT')).toBe('90');
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'ab', since: 0 })).toMatchObject({ status: 'filled' });
  });

  it('an already aborted signal with no latency: executes, answers unknown', async () => {
    const ex = exchange();
    const request = { ...buy('10', 'pre'), signal: AbortSignal.abort() };
    await expect(ex.placeMarketOrder(request)).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(ex.balance('USDT')).toBe('90');
  });
});

describe('PaperExchange look-ups and prices', () => {
  it('findOrder ignores orders received more than 60 s before since, and other symbols', async () => {
    let now = 10_000_000;
    const ex = exchange({ clock: { now: () => now } });
    await ex.placeMarketOrder(buy('10', 'old'));
    now += 120_000;
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'old', since: 10_000_000 + 60_000 })).not.toBeNull();
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'old', since: 10_000_000 + 60_001 })).toBeNull();
    expect(await ex.findOrder({ symbol: 'BTC/USDT', clientOrderId: 'old', since: 0 })).toBeNull();
    expect(await ex.findOrder({ symbol: ETH, clientOrderId: 'never', since: 0 })).toBeNull();
  });

  it('fetchPrices returns numbers and omits symbols without a price', async () => {
    const ex = exchange({ prices: { [ETH]: '2000.5', 'BTC/USDT': 30000 } });
    ex.setPrice('SOL/USDT', '150.25');
    expect(await ex.fetchPrices([ETH, 'BTC/USDT', 'XRP/USDT', 'SOL/USDT'])).toStrictEqual({
      [ETH]: 2000.5,
      'BTC/USDT': 30000,
      'SOL/USDT': 150.25,
    });
    expect(ex.getPrice('SOL/USDT')).toBe('150.25');
    expect(ex.getPrice('XRP/USDT')).toBeUndefined();
  });

  it('getMarket merges defaults, defaultRules and per-market rules', async () => {
    const ex = exchange({
      defaultRules: { minNotional: '10' },
      markets: { 'BTC/USDT': { amountStep: '0.000001', priceTick: 0.1 } },
    });
    expect(await ex.getMarket(ETH)).toEqual({
      symbol: ETH,
      base: 'ETH',
      quote: 'USDT',
      amountStep: '0.00001',
      priceTick: '0.01',
      minNotional: '10',
      takerFeeRate: '0.001',
      makerFeeRate: '0.001',
    });
    expect(await ex.getMarket('BTC/USDT')).toMatchObject({ amountStep: '0.000001', priceTick: '0.1', minNotional: '10' });
    await expect(ex.getMarket('XRP/USDT')).rejects.toThrow(CycleEngineError);
    await expect(ex.getMarket('XRP/USDT')).rejects.toThrow(/unknown market/);
  });

  it('balances default to 0 and can be set', () => {
    const ex = new PaperExchange();
    expect(ex.id).toBe('paper');
    expect(ex.balance('USDT')).toBe('0');
    ex.setBalance('USDT', '12.50');
    expect(ex.balance('USDT')).toBe('12.5');
    expect(() => ex.setBalance('USDT', -1)).toThrow(InvalidOptionsError);
    expect(() => ex.setPrice('ETHUSDT', 1)).toThrow(InvalidOptionsError);
    expect(() => ex.setPrice(ETH, 0)).toThrow(InvalidOptionsError);
  });
});

describe('PaperExchange options', () => {
  it.each<[string, PaperExchangeOptions]>([
    ['negative fee', { feeRate: '-0.001' }],
    ['fee of 100%', { feeRate: 1 }],
    ['non-decimal fee', { feeRate: '0.1%' }],
    ['NaN fee', { feeRate: Number.NaN }],
    ['NaN price', { prices: { [ETH]: Number.NaN } }],
    ['non-decimal price', { prices: { [ETH]: '1,5' } }],
    ['zero price', { prices: { [ETH]: 0 } }],
    ['bad symbol', { prices: { ETHUSDT: 1 } }],
    ['negative balance', { balances: { USDT: '-1' } }],
    ['negative latency', { latencyMs: -1 }],
    ['NaN latency', { latencyMs: Number.NaN }],
    ['zero step', { defaultRules: { amountStep: '0' } }],
    ['bad market rule', { markets: { [ETH]: { minNotional: 'five' } } }],
    ['empty id', { id: '' }],
  ])('rejects %s', (_, options) => {
    expect(() => new PaperExchange(options)).toThrow(InvalidOptionsError);
  });

  it('names the rejected option', () => {
    const error = (() => {
      try {
        new PaperExchange({ prices: { [ETH]: 'abc' } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).option).toBe(`prices.${ETH}`);
  });
});
