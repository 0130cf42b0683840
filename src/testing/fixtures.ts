/**
 * Fixtures for the conformance suites and for adapter tests: random keys and client order ids,
 * and sample cycle records that together use every field of the record.
 */
import { randomBytes } from 'node:crypto';
import type { CycleRecord, Position } from '../ports/record';
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
  | 'sellFilled';

/**
 * Sample records by name, one per situation a cycle can be in.
 * @public
 */
export type SampleRecords = Readonly<Record<SampleRecordName, CycleRecord>>;

/**
 * Valid {@link CycleRecord}s that together use every field and every variant: null and set
 * fields, a pending order without outcome, rejected, unknown and filled outcomes, fills with a
 * base fee, a quote fee and no fee, with and without the optional `status`, an open position, and
 * decimal strings with many digits (`'0.000000012345678901234567'`) that a float would change.
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
  const common = { schema: 1 as const, symbol, retryAt: null, rejections: 0, closedCycles: 0, realizedPnlQuote: '0', dust: null, recent: [], orphans: [] };
  const order = (purpose: 'start' | 'rebuy' | 'sell', n: number) => ({
    intentId: `int-${purpose}-${n}`,
    clientOrderId: `ce-${purpose}-${n}-x7Kq`,
    purpose,
    side: purpose === 'sell' ? ('sell' as const) : ('buy' as const),
    ...(purpose === 'sell' ? { baseAmount: '0.01007' } : { quoteAmount: '10.123456789012345678' }),
    createdAt: now,
    owner: 'engine-host-a:4242',
    attempts: n,
    outcome: null,
  });
  const starting = { ...common, phase: 'starting' as const, cycleId, position: null };
  const active = { ...common, phase: 'active' as const, cycleId, closedCycles: 7, realizedPnlQuote: '12.000000000000000000000001' };
  return {
    idle: { ...common, phase: 'idle', cycleId: null, order: null, position: null, updatedAt: now },
    cooldown: {
      ...common,
      phase: 'idle',
      cycleId: null,
      order: null,
      position: null,
      retryAt: now + 60_000,
      rejections: 3,
      closedCycles: 41,
      realizedPnlQuote: '-0.000000012345678901234567',
      dust: { baseVolume: '0.00000979', investedQuote: '0.466123456789012345' },
      updatedAt: now + 5,
    },
    starting: { ...starting, order: order('start', 1), updatedAt: now },
    startRejected: {
      ...starting,
      rejections: 2,
      order: { ...order('start', 1), outcome: { status: 'rejected', reason: 'MIN_NOTIONAL', message: 'Filter failure: NOTIONAL', recordedAt: now + 10 } },
      updatedAt: now + 10,
    },
    startUnknown: {
      ...starting,
      order: { ...order('start', 3), outcome: { status: 'unknown', reason: 'TIMEOUT', message: 'no answer in 10000 ms — «ответа нет»', recordedAt: now + 10_000 } },
      updatedAt: now + 10_000,
    },
    startFilled: {
      ...starting,
      order: { ...order('start', 1), outcome: { status: 'filled', fill: fill('ce-start-1-x7Kq', { status: 'filled' }), recordedAt: now + 1_300 } },
      updatedAt: now + 1_300,
    },
    active: { ...active, order: null, position: position(), updatedAt: now + 2_000 },
    rebuyFilled: {
      ...active,
      position: position(),
      order: {
        ...order('rebuy', 2),
        outcome: {
          status: 'filled',
          // No `status` field and no fee: both are optional in what adapters return.
          fill: fill('ce-rebuy-2-x7Kq', { fee: null, avgPrice: '1963.93', filledBase: '0.00509' }),
          recordedAt: now + 90_000,
        },
      },
      updatedAt: now + 90_000,
    },
    selling: { ...active, position: position(), order: order('sell', 1), updatedAt: now + 100_000 },
    sellFilled: {
      ...active,
      position: position(),
      order: {
        ...order('sell', 1),
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
