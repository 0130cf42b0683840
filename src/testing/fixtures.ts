/**
 * Fixtures for the conformance suites and for adapter tests: random keys and client order ids,
 * and sample cycle records that together use every field of the record.
 */
import { randomBytes } from 'node:crypto';
import type { CycleRecord, OrderSlot, Position } from '../ports/record';
import type { CycleRecordV1 } from '../ports/record-v1';
import type { PortfolioRecord } from '../ports/portfolio-record';
import type { OrderFill } from '../ports/exchange';

/**
 * A key no other test run uses, e.g. `cycle-engine-test-3f9c0a1b2d4e5f60`, so that suites can
 * run against a shared real database without seeing each other's records.
 * @param prefix - the start of the key (default `cycle-engine-test`)
 * @public
 */
export function randomKey(prefix = 'cycle-engine-test'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/**
 * A fresh client order id that venues accept (Binance's rule: at most 36 characters of
 * `[.A-Z:/a-z0-9_-]`), e.g. `cet-5d1c0e7a9b3f2a64c8e1`.
 * @param prefix - the start of the id (default `cet`); at most 15 characters of the allowed set
 * @throws `RangeError` when the prefix would make the id invalid
 * @public
 */
export function randomClientOrderId(prefix = 'cet'): string {
  if (!/^[.A-Z:/a-z0-9_-]{1,15}$/.test(prefix)) {
    throw new RangeError(`client order id prefix must be 1-15 chars of [.A-Z:/a-z0-9_-], got ${JSON.stringify(prefix)}`);
  }
  return `${prefix}-${randomBytes(10).toString('hex')}`;
}

/**
 * Names of the records returned by {@link sampleRecords}.
 * @public
 */
export type SampleRecordName =
  | 'idle'
  | 'cooldown'
  | 'starting'
  | 'startRejected'
  | 'startUnknown'
  | 'startFilled'
  | 'active'
  | 'rebuyFilled'
  | 'selling'
  | 'sellFilled'
  | 'v1Starting'
  | 'v1SellFilled';

/**
 * Sample records by name, one per situation a cycle can be in.
 * @public
 */
export type SampleRecords = Readonly<Record<Exclude<SampleRecordName, 'v1Starting' | 'v1SellFilled'>, CycleRecord>> & Readonly<Record<'v1Starting' | 'v1SellFilled', CycleRecordV1>>;

/**
 * Valid cycle records that together use every field and every variant of schema 2 — every slot
 * state, market and limit slots, applied amounts with fees, a closing cycle, null and set fields,
 * an open position, decimal strings with many digits (`'0.000000012345678901234567'`) that a float
 * would change — plus two records of schema 1 as 0.1 wrote them (`v1Starting`, `v1SellFilled`,
 * with a filled outcome whose fill has a quote fee): a store must keep both schemas as they are.
 * Every call returns new, unfrozen objects (tests may mutate them).
 * @param symbol - the records' symbol (default `ETH/USDT`)
 * @param now - the base time, Unix ms (default 1,700,000,000,123)
 * @public
 */
export function sampleRecords(symbol = 'ETH/USDT', now = 1_700_000_000_123): SampleRecords {
  const [base = 'ETH', quote = 'USDT'] = symbol.split('/');
  const cycleId = 'cyc-01HZX3K9Q2W7E5R4T8Y6U1I0OP';
  const fill = (clientOrderId: string, over: Partial<OrderFill>): OrderFill => ({
    orderId: '18446744073709551615',
    clientOrderId,
    symbol,
    side: 'buy',
    filledBase: '0.00499',
    costQuote: '9.99999999',
    avgPrice: '2004.008016032064128256',
    fee: { currency: base, amount: '0.000000012345678901234567' },
    timestamp: now + 1_234,
    ...over,
  });
  const position = (): Position => ({
    startPrice: '2004.008016032064128256',
    lastBuyPrice: '1963.93',
    avgPrice: '1983.7634516129032258064516',
    baseVolume: '0.010078987654320987654321',
    investedQuote: '19.99414799',
    buys: 2,
    openedAt: now + 1_234,
  });
  const v1 = { schema: 1 as const, symbol, retryAt: null, rejections: 0, closedCycles: 0, realizedPnlQuote: '0', dust: null, recent: [], orphans: [] };
  const v1Order = (purpose: 'start' | 'sell', n: number) => ({
    intentId: `int-${purpose}-${n}`,
    clientOrderId: `ce-${purpose}-${n}-x7Kq`,
    purpose,
    side: purpose === 'sell' ? ('sell' as const) : ('buy' as const),
    ...(purpose === 'sell' ? { baseAmount: '0.01007' } : { quoteAmount: '10.123456789012345678' }),
    createdAt: now,
    owner: 'engine-host-a:4242',
    attempts: 1,
    outcome: null,
  });
  const common = { schema: 2 as const, symbol, retryAt: null, rejections: 0, closedCycles: 0, realizedPnlQuote: '0', dust: null, recent: [], orphans: [] };
  const none = { base: '0', quote: '0', fees: [] };
  const slot = (purpose: OrderSlot['purpose'], n: number, over: Partial<OrderSlot> = {}): OrderSlot => ({
    intentId: `int-${purpose}-${n}`,
    clientOrderId: `ce-${purpose}-${n}-x7Kq`,
    purpose,
    type: 'market',
    side: purpose === 'takeProfit' || purpose === 'exit' ? 'sell' : 'buy',
    ...(purpose === 'takeProfit' || purpose === 'exit' ? { baseAmount: '0.01007' } : { quoteAmount: '10.123456789012345678' }),
    createdAt: now,
    owner: 'engine-host-a:4242',
    state: 'sending',
    applied: none,
    checkedAt: null,
    ...over,
  });
  const limit = (purpose: 'takeProfit' | 'rebuy', n: number, over: Partial<OrderSlot>): OrderSlot => {
    const { quoteAmount: _q, ...rest } = slot(purpose, n, { type: 'limit', price: purpose === 'rebuy' ? '1924.65' : '2013.52', baseAmount: purpose === 'rebuy' ? '0.0078' : '0.01007', ...over });
    return rest;
  };
  const starting = { ...common, phase: 'starting' as const, cycleId, position: null };
  const active = { ...common, phase: 'active' as const, cycleId, closedCycles: 7, realizedPnlQuote: '12.000000000000000000000001' };
  return {
    idle: { ...common, phase: 'idle', cycleId: null, orders: [], position: null, updatedAt: now },
    cooldown: {
      ...common,
      phase: 'idle',
      cycleId: null,
      orders: [],
      position: null,
      retryAt: now + 60_000,
      rejections: 3,
      closedCycles: 41,
      realizedPnlQuote: '-0.000000012345678901234567',
      dust: { baseVolume: '0.00000979', investedQuote: '0.466123456789012345' },
      updatedAt: now + 5,
    },
    starting: { ...starting, orders: [slot('start', 1)], updatedAt: now },
    startRejected: { ...common, phase: 'idle', cycleId: null, orders: [], position: null, rejections: 2, retryAt: now + 2_010, updatedAt: now + 10 },
    startUnknown: {
      ...starting,
      orders: [slot('start', 3, { state: 'unknown', problem: { reason: 'TIMEOUT', message: 'no answer in 10000 ms — «ответа нет»', at: now + 10_000 } })],
      updatedAt: now + 10_000,
    },
    startFilled: { ...active, closedCycles: 0, realizedPnlQuote: '0', orders: [], position: { ...position(), buys: 1, lastBuyPrice: '2004.008016032064128256' }, recent: ['ce-start-1-x7Kq'], updatedAt: now + 1_300 },
    active: { ...active, orders: [], position: position(), updatedAt: now + 2_000 },
    rebuyFilled: {
      ...active,
      position: position(),
      orders: [
        limit('takeProfit', 1, { state: 'open', orderId: '8389765', acknowledged: true, checkedAt: now + 80_000 }),
        limit('rebuy', 2, {
          level: 2,
          state: 'open',
          orderId: '18446744073709551615',
          acknowledged: true,
          applied: { base: '0.0039', quote: '7.506135', fees: [{ currency: base, amount: '0.0000039' }, { currency: 'BNB', amount: '0.000000012345678901234567' }] },
          checkedAt: now + 90_000,
        }),
      ],
      updatedAt: now + 90_000,
    },
    selling: { ...active, position: position(), orders: [slot('takeProfit', 1)], updatedAt: now + 100_000 },
    sellFilled: {
      ...active,
      position: { ...position(), baseVolume: '0.000008987654320987654321', investedQuote: '0.017829', realizedPnlQuote: '0.2541', proceedsQuote: '20.2553394849' },
      closing: { reason: 'takeProfit', at: now + 120_000, price: '2013.52' },
      orders: [
        limit('rebuy', 3, {
          level: 3,
          state: 'cancelling',
          orderId: '77',
          acknowledged: true,
          applied: { base: '0.0001', quote: '0.19', fees: [{ currency: base, amount: '0.0000001' }] },
          checkedAt: now + 110_000,
          cancelAt: now + 120_000,
          cancelReason: 'closing',
          problem: { reason: 'CANCEL_UNKNOWN', message: 'no answer', at: now + 120_500 },
        }),
      ],
      recent: ['ce-start-1-x7Kq', 'ce-takeProfit-1-x7Kq'],
      updatedAt: now + 120_000,
    },
    v1Starting: { ...v1, phase: 'starting', cycleId, position: null, order: v1Order('start', 1), updatedAt: now },
    v1SellFilled: {
      ...v1,
      phase: 'active',
      cycleId,
      closedCycles: 7,
      position: position(),
      order: {
        ...v1Order('sell', 1),
        outcome: {
          status: 'filled',
          fill: fill('ce-sell-1-x7Kq', {
            side: 'sell',
            status: 'filled',
            filledBase: '0.01007',
            costQuote: '20.2756151',
            avgPrice: '2013.47',
            fee: { currency: quote, amount: '0.0202756151' },
          }),
          recordedAt: now + 120_000,
        },
      },
      updatedAt: now + 120_000,
    },
  };
}

/**
 * A valid portfolio record with three reservations (amounts with many digits, awkward keys), for
 * store tests: a store holds it beside the cycle records and returns it unchanged.
 * @param keyPrefix - start of the reservations' cycle keys (default `''`)
 * @param now - the base time, Unix ms (default 1,700,000,000,123)
 * @public
 */
export function samplePortfolio(keyPrefix = '', now = 1_700_000_000_123): PortfolioRecord {
  const reservation = (symbol: string, quote: string, n: number) => ({
    key: `${keyPrefix}${symbol}`, symbol, cycleId: `cyc-${n}`, intentId: `int-${n}`, quote, at: now - n, owner: `engine-${n % 2}`,
  });
  return {
    kind: 'portfolio',
    schema: 1,
    reservations: [reservation('ETH/USDT', '20', 1), reservation('BTC/USDT', '0.000000012345678901234567', 2), reservation('日本/円', '123456789.1', 3)],
    updatedAt: now,
  };
}
