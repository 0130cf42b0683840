/**
 * Issue 9, "Money and positions": partial MARKET fills, sells refused for lack of balance, fills
 * whose fee the venue has not reported yet. Each test names the case it pins.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { CycleRecord, CycleRecordV1 } from 'cycle-engine';
import { feePending, withoutBalances } from '../support/exchange-wrappers';
import { setup, step } from '../support/setup';

const cycle = async (s: ReturnType<typeof setup>) => (await s.engine.getCycle('ETH/USDT')) as CycleRecord;

describe('case 1: a MARKET order that fills less than asked', () => {
  it('a partial sell books PnL for the part sold; the cycle stays active and sells the rest on the next decision', async () => {
    const s = setup();
    s.exchange.injectFault({ kind: 'partialFill', ratio: '0.5' }, { side: 'sell' }); // the book is thin
    await step(s); // start at 100: 0.0999 ETH net for 10 USDT
    s.exchange.setPrice('ETH/USDT', '102'); // above 100.1 × 1.015
    await step(s);
    const sells = s.exchange.orders.filter((o) => o.side === 'sell');
    expect(sells.map((o) => [o.baseAmount, o.status])).toEqual([['0.0999', 'expired']]); // asked for all, got half
    const after = await cycle(s);
    expect(after.phase).toBe('active');
    expect(after.position?.baseVolume).toBe('0.05');
    expect(s.of('cycle:closed')).toHaveLength(0);
    const [partial] = s.of('cycle:partiallySold');
    expect(partial).toMatchObject({ soldBase: '0.0499', remainingBase: '0.05' });
    // PnL of the part: 0.0499 × 102 less 0.1% fee, minus its share of the 10 USDT (0.0499/0.0999).
    const proceeds = new Decimal('0.0499').mul(102).mul('0.999');
    const cost = new Decimal(10).mul('0.05').div('0.0999').toDecimalPlaces(18, Decimal.ROUND_DOWN);
    expect(new Decimal(partial!.pnlQuote).toFixed(12)).toBe(proceeds.minus(new Decimal(10).minus(cost)).toFixed(12));
    expect(after.realizedPnlQuote).toBe(partial!.pnlQuote);
    // No new start while the cycle holds sellable base; the next decision sells the rest.
    await step(s);
    expect(s.exchange.orders.filter((o) => o.side === 'buy')).toHaveLength(1);
    expect(s.exchange.orders.filter((o) => o.side === 'sell').map((o) => o.baseAmount)).toEqual(['0.0999', '0.05']);
    const [closed] = s.of('cycle:closed');
    expect(closed).toMatchObject({ reason: 'takeProfit', dustBase: '0' });
    // The cycle's PnL covers both parts, and the record's total agrees.
    const idle = await cycle(s);
    expect(idle.phase).toBe('idle');
    expect(idle.realizedPnlQuote).toBe(closed!.pnlQuote);
    expect(new Decimal(closed!.pnlQuote).gt(partial!.pnlQuote)).toBe(true);
  });

  it('a remainder below the minimum notional is dust: the cycle closes and carries it', async () => {
    // 0.0999 → sells 0.0599 (ratio 0.6, rounded down to the step): 0.04 left × 102 = 4.08 < 5 USDT minimum notional.
    const s = setup();
    s.exchange.injectFault({ kind: 'partialFill', ratio: '0.6' }, { side: 'sell' });
    await step(s);
    s.exchange.setPrice('ETH/USDT', '102');
    await step(s);
    expect(s.of('cycle:partiallySold')).toHaveLength(0);
    const [closed] = s.of('cycle:closed');
    expect(closed).toMatchObject({ dustBase: '0.04', reason: 'takeProfit' });
    expect((await cycle(s)).dust?.baseVolume).toBe('0.04');
    // Issue 9 case 18: fees are reported per currency (base on the buy, quote on the sell).
    expect(closed?.feesByCurrency).toEqual({ ETH: '0.0001', USDT: '0.0061098' });
  });

  it('a partial buy is applied as filled', async () => {
    const s = setup();
    s.exchange.injectFault({ kind: 'partialFill', ratio: '0.6' }, { side: 'buy' });
    await step(s); // asks 10 USDT (0.1 ETH at 100), gets 0.06 ETH: 6 USDT, less 0.1% of the ETH
    expect((await cycle(s)).position).toMatchObject({ investedQuote: '6', baseVolume: '0.05994', buys: 1 });
  });
});

describe('case 2: a sell refused for insufficient balance', () => {
  const soldByHand = async (s: ReturnType<typeof setup>) => {
    await step(s); // start: 0.0999 ETH
    s.exchange.setBalance('ETH', '0.06'); // someone sold most of it by hand
    s.exchange.setPrice('ETH/USDT', '102');
    await step(s);
  };

  it("halts by default: a positionMismatch event and a POSITION_MISMATCH error, no rebuy, nothing sent until resyncCycle", async () => {
    const s = setup({ wrapExchange: (p) => withoutBalances(p) }); // the venue refuses; balances unknown
    await soldByHand(s);
    expect(s.exchange.orders.map((o) => [o.side, o.status])).toEqual([['buy', 'filled'], ['sell', 'rejected']]);
    expect(s.of('cycle:positionMismatch')).toEqual([expect.objectContaining({ action: 'halted', heldPerRecord: '0.0999', heldPerVenue: null })]);
    expect(s.of('error').map((e) => e.code)).toContain('POSITION_MISMATCH');
    expect((await cycle(s)).halted).toMatchObject({ reason: 'POSITION_MISMATCH', heldPerRecord: '0.0999' });
    // Far past any backoff, at a rebuy price and at a take-profit price: nothing is sent.
    for (const price of ['90', '102']) {
      s.clock.advance(3_600_000);
      s.exchange.setPrice('ETH/USDT', price);
      await step(s);
    }
    expect(s.exchange.orders).toHaveLength(2);
    // The user resyncs: the position shrinks to what the account holds (read through the paper exchange itself).
    const resynced = await s.engine.resyncCycle('ETH/USDT');
    expect(resynced?.halted ?? null).toBeNull();
    expect(resynced?.position?.baseVolume).toBe('0.0999'); // this adapter cannot read balances: kept as is
  });

  it('with fetchBalances, a sell never asks for more than the account holds, and resync shrinks the position to it', async () => {
    const s = setup();
    await soldByHand(s);
    // The pre-check refused it: nothing was sent.
    expect(s.exchange.orders.map((o) => o.side)).toEqual(['buy']);
    expect(s.of('cycle:positionMismatch')).toEqual([expect.objectContaining({ action: 'halted', heldPerVenue: '0.06' })]);
    s.clock.advance(3_600_000);
    await step(s);
    expect(s.exchange.orders).toHaveLength(1);
    const resynced = await s.engine.resyncCycle('ETH/USDT');
    expect(resynced?.position?.baseVolume).toBe('0.06');
    expect(s.of('cycle:resynced')).toEqual([expect.objectContaining({ heldPerRecord: '0.0999', heldPerVenue: '0.06', baseVolume: '0.06' })]);
    await step(s); // trades again: sells what is held
    expect(s.exchange.orders.filter((o) => o.side === 'sell').map((o) => o.baseAmount)).toEqual(['0.06']);
    expect((await cycle(s)).phase).toBe('idle');
  });

  it("'adopt' shrinks the position to what the account holds (never grows it) and retries the sell for that", async () => {
    const s = setup({ onPositionMismatch: 'adopt' });
    await soldByHand(s);
    expect(s.of('cycle:positionMismatch')).toEqual([expect.objectContaining({ action: 'adopted', heldPerVenue: '0.06' })]);
    const adopted = await cycle(s);
    expect(adopted.position?.baseVolume).toBe('0.06');
    expect(adopted.halted ?? null).toBeNull();
    // Its cost shrinks in proportion: the average price is kept.
    expect(new Decimal(adopted.position!.investedQuote).toFixed(6)).toBe(new Decimal(10).mul('0.06').div('0.0999').toFixed(6));
    await step(s);
    expect(s.exchange.orders.filter((o) => o.side === 'sell').map((o) => o.baseAmount)).toEqual(['0.06']);
    expect(s.of('cycle:closed')).toHaveLength(1);
  });

  it('a start buy refused for lack of quote keeps its growing backoff and says INSUFFICIENT_FUNDS', async () => {
    const s = setup({ balances: { USDT: '3' }, retryBackoff: { initialMs: 1_000, maxMs: 60_000 } });
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      await step(s);
      const failed = s.of('cycle:startFailed').at(-1)!;
      expect(failed.reason).toBe('INSUFFICIENT_FUNDS');
      gaps.push(failed.retryAt - s.clock.now());
      s.clock.set(failed.retryAt);
    }
    expect(gaps).toEqual([1_000, 2_000, 4_000]);
    expect(s.of('cycle:positionMismatch')).toHaveLength(0);
  });
});

describe('case 3: a fill whose fee is unknown', () => {
  it('is never applied fee-free: looked up again, then applied with the fee estimated from the taker rate and flagged', async () => {
    const s = setup({ feeLookupTimeoutMs: 60_000, lookupBackoff: { initialMs: 1_000, maxMs: 5_000 }, wrapExchange: (p) => feePending(p, 1_000) });
    await step(s);
    const parked = await cycle(s);
    expect(parked.phase).toBe('starting');
    expect(s.of('order:unknown')).toEqual([expect.objectContaining({ reason: 'FEE_PENDING' })]);
    // Looked up while the fee stays unreported: nothing applied.
    for (let i = 0; i < 5; i++) {
      s.clock.advance(6_000);
      await step(s);
    }
    expect((await cycle(s)).phase).toBe('starting');
    s.clock.advance(60_000);
    await step(s);
    s.clock.advance(6_000);
    await step(s);
    const active = await cycle(s);
    expect(active.phase).toBe('active');
    // Estimated in base at the paper venue's 0.1% taker rate: 0.1 − 0.0001.
    expect(active.position?.baseVolume).toBe('0.0999');
    const [filled] = s.of('order:filled');
    expect(filled?.fill).toMatchObject({ feeEstimated: true, fee: { currency: 'ETH', amount: '0.0001' } });
    expect(s.exchange.orders).toHaveLength(1);
  });

  it('is applied with the real fee once the venue reports it', async () => {
    const s = setup({ lookupBackoff: { initialMs: 1_000, maxMs: 5_000 }, wrapExchange: (p) => feePending(p, 2) });
    await step(s); // the reply: fee pending
    s.clock.advance(6_000);
    await step(s); // look-up 1: still pending
    s.clock.advance(6_000);
    await step(s); // look-up 2: the fee is there
    const [filled] = s.of('order:filled');
    expect(filled?.fill.feeEstimated).toBeUndefined();
    expect(filled?.fill.fee).toEqual({ currency: 'ETH', amount: '0.0001' });
  });
});

describe('records written by 0.1 (no fees, no halted, no partial PnL)', () => {
  it('load, and an active 0.1 cycle is sold and closed as before', async () => {
    const s = setup();
    const now = s.clock.now();
    // Exactly the shape 0.1 wrote: none of the optional fields added by the hardening round.
    const old: CycleRecordV1 = {
      schema: 1, symbol: 'ETH/USDT', phase: 'active', cycleId: 'c01', order: null, retryAt: null, rejections: 0,
      position: { startPrice: '100', lastBuyPrice: '100', avgPrice: '100.1001001001001001001', baseVolume: '0.0999', investedQuote: '10', buys: 1, openedAt: now },
      closedCycles: 3, realizedPnlQuote: '1.5', dust: null, recent: ['ce-s-old'], orphans: [], updatedAt: now,
    };
    await s.store.compareAndSet('ETH/USDT', null, old);
    s.exchange.setBalance('ETH', '0.0999');
    s.exchange.setPrice('ETH/USDT', '102');
    await step(s);
    const [closed] = s.of('cycle:closed');
    expect(closed).toMatchObject({ reason: 'takeProfit', buys: 1, feesByCurrency: { USDT: expect.any(String) } });
    const after = await cycle(s);
    expect(after).toMatchObject({ phase: 'idle', closedCycles: 4 });
    expect(new Decimal(after.realizedPnlQuote).minus('1.5').toFixed()).toBe(new Decimal(closed!.pnlQuote).toFixed());
  });
});
