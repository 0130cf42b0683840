/**
 * Issue 9, case 17 (the record half): record validation refuses negative amounts anywhere, an
 * `avgPrice` of 0 in an active position, an order whose purpose does not fit the phase, and a
 * record whose `symbol` is not its key's (`keyPrefix + symbol`). Every sample fixture stays valid.
 */
import { describe, expect, it } from 'vitest';
import { CorruptStateError } from '../../src/errors';
import { assertCycleRecord, assertRecordKey, explainInvalidRecord, type CycleRecord } from '../../src/ports/record';
import { sampleRecords } from '../../src/testing/fixtures';

type Mutable = Record<string, any>;
const samples = sampleRecords();
const edit = (name: keyof typeof samples, change: (r: Mutable) => void): CycleRecord => {
  const r = sampleRecords()[name] as unknown as Mutable;
  change(r);
  return r as CycleRecord;
};

describe('record validation (issue 9, case 17)', () => {
  it.each(Object.keys(samples) as Array<keyof typeof samples>)('the sample record %s is valid', (name) => {
    expect(explainInvalidRecord(samples[name])).toBeUndefined();
  });

  it.each<[string, CycleRecord, string]>([
    ['a negative position.baseVolume', edit('active', (r) => (r.position.baseVolume = '-0.01')), 'position.baseVolume'],
    ['a negative position.investedQuote', edit('active', (r) => (r.position.investedQuote = '-20')), 'position.investedQuote'],
    ['a negative position.startPrice', edit('active', (r) => (r.position.startPrice = '-1')), 'position.startPrice'],
    ['a negative position.lastBuyPrice', edit('selling', (r) => (r.position.lastBuyPrice = '-1')), 'position.lastBuyPrice'],
    ['an avgPrice of 0 in an active position', edit('active', (r) => (r.position.avgPrice = '0')), 'position.avgPrice is 0'],
    ['an avgPrice of 0.000 in an active position', edit('selling', (r) => (r.position.avgPrice = '0.000')), 'position.avgPrice is 0'],
    ['a negative avgPrice', edit('active', (r) => (r.position.avgPrice = '-1983.76')), 'position.avgPrice'],
    ['a negative order.quoteAmount', edit('starting', (r) => (r.order.quoteAmount = '-10')), 'order.quoteAmount'],
    ['a negative order.baseAmount', edit('selling', (r) => (r.order.baseAmount = '-0.01')), 'order.baseAmount'],
    ['a negative fill.filledBase', edit('startFilled', (r) => (r.order.outcome.fill.filledBase = '-0.00499')), 'fill.filledBase'],
    ['a negative fill.costQuote', edit('sellFilled', (r) => (r.order.outcome.fill.costQuote = '-20')), 'fill.costQuote'],
    ['a negative fill.avgPrice', edit('rebuyFilled', (r) => (r.order.outcome.fill.avgPrice = '-1963.93')), 'fill.avgPrice'],
    ['a negative fee', edit('startFilled', (r) => (r.order.outcome.fill.fee.amount = '-0.1')), 'fill.fee'],
    ['a non-boolean feePending', edit('startFilled', (r) => (r.order.outcome.fill.feePending = 'yes')), 'fill.feePending'],
    ['a negative dust.baseVolume', edit('cooldown', (r) => (r.dust.baseVolume = '-0.00000979')), 'dust'],
    ['a negative dust.investedQuote', edit('cooldown', (r) => (r.dust.investedQuote = '-0.4')), 'dust'],
    ['a negative orphan fill', edit('active', (r) => (r.orphans = [{ fill: { ...(sampleRecords().startFilled.order!.outcome as Mutable).fill, filledBase: '-1' }, note: 'x', recordedAt: 1, accountedAs: 'position' }])), 'orphans.fill.filledBase'],
    ['an active cycle with a start order', edit('active', (r) => (r.order = { ...sampleRecords().starting.order })), 'active with a start order'],
    ['a starting cycle with a rebuy order', edit('starting', (r) => (r.order = { ...sampleRecords().rebuyFilled.order, outcome: null })), 'starting without a start order'],
    ['a starting cycle with a sell order', edit('starting', (r) => (r.order = { ...sampleRecords().selling.order })), 'starting without a start order'],
    ['an idle cycle with a sell order', edit('idle', (r) => (r.order = { ...sampleRecords().selling.order })), 'idle with an order'],
  ])('refuses %s', (_case, record, why) => {
    expect(explainInvalidRecord(record)).toContain(why);
    expect(() => assertCycleRecord('ETH/USDT', record)).toThrow(CorruptStateError);
  });

  it.each<[string, CycleRecord]>([
    ['a negative realised PnL (a loss)', samples.cooldown],
    ['an active cycle whose position an orphan sell emptied (the engine closes it)', edit('active', (r) => (r.position.baseVolume = '0'))],
    ['a rebuy in an active cycle', samples.rebuyFilled],
    ['a sell in an active cycle', samples.selling],
  ])('accepts %s', (_case, record) => {
    expect(explainInvalidRecord(record)).toBeUndefined();
  });
});

describe('a record under another symbol\'s key is corrupt (issue 9, case 17)', () => {
  it.each<[string, string, string, boolean]>([
    ['ETH/USDT', '', 'ETH/USDT', true],
    ['acct1:ETH/USDT', 'acct1:', 'ETH/USDT', true],
    ['BTC/USDT', '', 'ETH/USDT', false],
    ['acct1:BTC/USDT', 'acct1:', 'ETH/USDT', false],
    ['acct2:ETH/USDT', 'acct1:', 'ETH/USDT', false],
    ['ETH/USDT', 'acct1:', 'ETH/USDT', false],
    ['eth/usdt', '', 'ETH/USDT', false],
  ])('key %j, prefix %j, record for %j → valid: %s', (key, prefix, symbol, valid) => {
    const record = sampleRecords(symbol).active;
    const check = () => assertRecordKey(key, prefix, record);
    const checkBoth = () => assertCycleRecord(key, record, undefined, prefix);
    if (valid) {
      expect(check).not.toThrow();
      expect(checkBoth).not.toThrow();
    } else {
      expect(check).toThrow(CorruptStateError);
      expect(checkBoth).toThrow(/the record is for "ETH\/USDT" but its key's symbol is/);
    }
  });

  it('without a prefix, assertCycleRecord checks the record alone (as before)', () => {
    expect(() => assertCycleRecord('BTC/USDT', sampleRecords('ETH/USDT').active)).not.toThrow();
  });
});
