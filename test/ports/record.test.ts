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
    ['a negative slot quoteAmount', edit('starting', (r) => (r.orders[0].quoteAmount = '-10')), 'orders[0].quoteAmount'],
    ['a negative slot baseAmount', edit('selling', (r) => (r.orders[0].baseAmount = '-0.01')), 'orders[0].baseAmount'],
    ['a negative applied base', edit('rebuyFilled', (r) => (r.orders[1].applied.base = '-0.0039')), 'orders[1].applied is malformed'],
    ['a negative applied fee', edit('rebuyFilled', (r) => (r.orders[1].applied.fees[0].amount = '-0.1')), 'orders[1].applied is malformed'],
    ['a limit slot without a price', edit('rebuyFilled', (r) => delete r.orders[0].price), 'a limit order needs a price'],
    ['an unknown slot state', edit('starting', (r) => (r.orders[0].state = 'done')), 'orders[0].state is invalid'],
    ['a slot whose side does not fit its purpose', edit('selling', (r) => (r.orders[0].side = 'buy')), 'does not match its purpose'],
    ['a level of 0', edit('rebuyFilled', (r) => (r.orders[1].level = 0)), 'orders[1].level'],
    ['two slots with one intent', edit('rebuyFilled', (r) => (r.orders[1].intentId = r.orders[0].intentId)), 'two slots with one intentId'],
    ['two market orders in flight', edit('selling', (r) => r.orders.push({ ...r.orders[0], intentId: 'x2' })), 'more than one market order'],
    ['a malformed closing', edit('sellFilled', (r) => (r.closing.reason = 'moon')), 'closing is malformed'],
    ['a negative fill.filledBase (schema 1)', edit('v1SellFilled', (r) => (r.order.outcome.fill.filledBase = '-0.00499')), 'fill.filledBase'],
    ['a negative fee (schema 1)', edit('v1SellFilled', (r) => (r.order.outcome.fill.fee.amount = '-0.1')), 'fill.fee'],
    ['a non-boolean feePending (schema 1)', edit('v1SellFilled', (r) => (r.order.outcome.fill.feePending = 'yes')), 'fill.feePending'],
    ['a negative dust.baseVolume', edit('cooldown', (r) => (r.dust.baseVolume = '-0.00000979')), 'dust'],
    ['a negative dust.investedQuote', edit('cooldown', (r) => (r.dust.investedQuote = '-0.4')), 'dust'],
    ['a negative orphan fill', edit('active', (r) => (r.orphans = [{ fill: { ...(sampleRecords().v1SellFilled.order!.outcome as Mutable).fill, filledBase: '-1' }, note: 'x', recordedAt: 1, accountedAs: 'position' }])), 'orphans.fill.filledBase'],
    ['an active cycle with a start order', edit('active', (r) => (r.orders = [{ ...sampleRecords().starting.orders[0] }])), 'active with a start order'],
    ['a starting cycle with a rebuy order only', edit('starting', (r) => (r.orders = [{ ...sampleRecords().rebuyFilled.orders[1] }])), 'starting without exactly one start order'],
    ['an idle cycle with a sell order', edit('idle', (r) => (r.orders = [{ ...sampleRecords().selling.orders[0] }])), 'idle with an order'],
    ['an unknown schema', edit('idle', (r) => (r.schema = 3)), 'unsupported schema 3'],
    ['a schema-1 starting cycle without its order (schema 1 rules)', edit('v1Starting', (r) => (r.order = null)), 'starting without a start order'],
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
