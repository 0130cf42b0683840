import { describe, expect, it } from 'vitest';
import type { MarketRules, OrderState } from '../../src/ports/exchange';
import type { CycleRecord, OrderSlot } from '../../src/ports/record';
import { applyState } from '../../src/engine/ledger';
import { stateWithEstimatedFees } from '../../src/engine/reconciler';

const market: MarketRules = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5', makerFeeRate: '0.001' } as MarketRules;
const slot: OrderSlot = {
  intentId: 'i-l1', clientOrderId: 'ce-r-l1', purpose: 'rebuy', type: 'limit', side: 'buy', price: '98', baseAmount: '0.102', level: 1,
  createdAt: 0, owner: 'e', state: 'open', acknowledged: true, orderId: 'o1', checkedAt: 0,
  applied: { base: '0', quote: '0', fees: [] },
};
const record: CycleRecord = {
  schema: 2, symbol: 'ETH/USDT', phase: 'active', cycleId: 'c1', orders: [slot],
  position: { startPrice: '100', lastBuyPrice: '100', avgPrice: '100.1001001001', baseVolume: '0.0999', investedQuote: '10', buys: 1, openedAt: 0 },
  retryAt: null, rejections: 0, closedCycles: 0, realizedPnlQuote: '0', dust: null, recent: [], orphans: [], updatedAt: 0,
};
const state = (over: Partial<OrderState>): OrderState => ({
  orderId: 'o1', clientOrderId: 'ce-r-l1', symbol: 'ETH/USDT', side: 'buy', type: 'limit', status: 'open',
  filledBase: '0', costQuote: '0', avgPrice: null, fees: [], timestamp: 1, ...over,
});

describe('fees estimated for a partly filled resting order', () => {
  it('R4: the real fees, once reported (BNB, or a lower rate), do not freeze every later fill of that order', () => {
    // Half filled; the venue has not listed its trades yet (feePending) for feeLookupTimeoutMs:
    // the reconciler applies it with an estimated maker fee, in base.
    const partial = stateWithEstimatedFees(state({ filledBase: '0.051', costQuote: '4.998', avgPrice: '98', feePending: true }), slot, market);
    const first = applyState(record, slot, partial, { market, now: 1 });
    expect(first).not.toBeNull();
    const after = first!.record;
    const s1 = after.orders[0]!;
    expect(s1.applied.fees).toEqual([{ currency: 'ETH', amount: '0.000051' }]);
    // Later the order fills completely; the venue's real fee was paid in BNB (or in ETH at a discount).
    for (const fees of [[{ currency: 'BNB', amount: '0.00002' }], [{ currency: 'ETH', amount: '0.0000765' }]]) {
      const filled = state({ status: 'filled', filledBase: '0.102', costQuote: '9.996', avgPrice: '98', fees });
      const next = applyState(after, s1, filled, { market, now: 2 });
      // Expected: the second half (0.051 ETH for 4.998 USDT) is applied and the slot leaves the ledger.
      // Before the fix: null — deltaOf calls the observation stale because a fee currency went down; every later
      // observation of this order is ignored, the rest of the fill is lost and the slot stays forever.
      expect(next).not.toBeNull();
    }
  });
});

import { stateToFill } from '../../src/engine/ledger';
import { recordOrphan } from '../../src/engine/transitions';

describe('orphans of orders with fees in two currencies', () => {
  it('R6: an orphan buy whose fees were charged partly in base (BNB ran out mid-order) adds only the base the account got', () => {
    const st = state({ status: 'filled', filledBase: '0.102', costQuote: '9.996', avgPrice: '98', fees: [{ currency: 'BNB', amount: '0.00001' }, { currency: 'ETH', amount: '0.00005' }] });
    // What #persistOrphanState / #lateCheck hand to recordOrphan: one fee (the first currency).
    const t = recordOrphan({ ...record, orders: [] }, stateToFill(st), { market, now: 3, note: 'late' });
    // Expected: 0.0999 + 0.102 − 0.00005 = 0.20185. Actual: 0.2019 — the ETH fee is dropped, the
    // record holds more base than the account, and the take-profit for it is refused (halt).
    expect(t!.record.position!.baseVolume).toBe('0.20185');
  });
});
