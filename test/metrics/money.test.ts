import { describe, expect, it } from 'vitest';
import { NO_MONEY, applyMoneyEvent, moneyFromRecord, type SymbolMoney } from '../../src/metrics/money';

const pos = (investedQuote: string, realizedPnlQuote?: string) => ({ investedQuote, ...(realizedPnlQuote === undefined ? {} : { realizedPnlQuote }) });
const state = (over: Partial<SymbolMoney>): SymbolMoney => ({ ...NO_MONEY, ...over });

describe('applyMoneyEvent', () => {
  it.each<[string, SymbolMoney, string, Record<string, unknown>, SymbolMoney]>([
    ['a start buy opens the position', NO_MONEY, 'cycle:activated', { position: pos('10') }, state({ active: true, investedQuote: '10' })],
    ['a rebuy raises the investment', state({ active: true, investedQuote: '10' }), 'cycle:rebought', { position: pos('19.991') }, state({ active: true, investedQuote: '19.991' })],
    [
      'a partial sell books its PnL and shrinks the investment',
      state({ active: true, investedQuote: '20', realizedPnlQuote: '1' }),
      'cycle:partiallySold',
      { pnlQuote: '0.3', position: pos('12', '0.3') },
      state({ active: true, investedQuote: '12', realizedPnlQuote: '1.3', cyclePnlQuote: '0.3' }),
    ],
    [
      'a close adds only what partial sells of its cycle did not book',
      state({ active: true, investedQuote: '12', realizedPnlQuote: '1.3', cyclePnlQuote: '0.3' }),
      'cycle:closed',
      { pnlQuote: '0.5' },
      state({ active: false, investedQuote: '0', realizedPnlQuote: '1.5', cyclePnlQuote: '0' }),
    ],
    ['a losing close lowers the PnL', state({ active: true, investedQuote: '10' }), 'cycle:closed', { pnlQuote: '-0.25' }, state({ realizedPnlQuote: '-0.25' })],
    ['sums stay exact (no float drift)', state({ realizedPnlQuote: '0.1' }), 'cycle:closed', { pnlQuote: '0.2' }, state({ realizedPnlQuote: '0.3' })],
    ['an event it does not read changes nothing', state({ active: true, investedQuote: '10' }), 'order:filled', { pnlQuote: '5' }, state({ active: true, investedQuote: '10' })],
    ['an activation without a position changes nothing', NO_MONEY, 'cycle:activated', {}, NO_MONEY],
  ])('%s', (_, before, name, payload, after) => {
    expect(applyMoneyEvent(before, name, payload)).toEqual(after);
  });
});

describe('moneyFromRecord', () => {
  it.each<[string, Parameters<typeof moneyFromRecord>[0], SymbolMoney]>([
    ['idle', { phase: 'idle', position: null, realizedPnlQuote: '4.2' }, state({ realizedPnlQuote: '4.2' })],
    ['active', { phase: 'active', position: pos('30', '0.1'), realizedPnlQuote: '4.3' }, state({ active: true, investedQuote: '30', realizedPnlQuote: '4.3', cyclePnlQuote: '0.1' })],
    ['starting', { phase: 'starting', position: null, realizedPnlQuote: '0' }, NO_MONEY],
  ])('%s', (_, record, expected) => {
    expect(moneyFromRecord(record)).toEqual(expected);
  });
});
