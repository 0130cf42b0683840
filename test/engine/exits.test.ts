/**
 * Issue 11: exits end to end against PaperExchange — the exit persisted first (no buy from then
 * on), every resting order cancelled, then one MARKET sell of what is held; `closeCycle`,
 * `pauseSymbol` / `resumeSymbol`; the trailing take-profit's peak written only when it moves up.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { CycleEngine, InvalidOptionsError, dca, type CycleRecord } from 'cycle-engine';
import { countWrites, setup, step, type Setup } from '../support/setup';

const LIMIT = { takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 } as const;
const cycle = async (s: Setup): Promise<CycleRecord> => (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
const sells = (s: Setup) => s.exchange.orders.filter((o) => o.side === 'sell');
const restingSells = (s: Setup) => s.exchange.orders.filter((o) => o.side === 'sell' && o.type === 'limit' && o.state?.status === 'open');


describe('stop loss', () => {
  it('market mode: below the stop, the exit is persisted, then one MARKET sell; the cycle closes as stopLoss with its loss booked', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2, stopLossPct: 5 } });
    await step(s); // start at 100
    s.exchange.setPrice('ETH/USDT', '95.2'); // avg 100.1001 (fee in base): the stop is 95.095…
    await step(s);
    expect((await cycle(s)).phase).toBe('active');
    expect(s.of('cycle:exiting')).toEqual([]);
    s.exchange.setPrice('ETH/USDT', '94.9');
    await step(s);
    await step(s);
    const exiting = s.of('cycle:exiting');
    expect(exiting).toHaveLength(1);
    expect(exiting[0]).toMatchObject({ reason: 'stopLoss', price: '94.9' });
    const closed = s.of('cycle:closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]!.reason).toBe('stopLoss');
    // Independent: what the venue's trades put in and took out of the quote balance.
    const spent = new Decimal(100000).minus(s.exchange.balance('USDT'));
    expect(new Decimal(closed[0]!.pnlQuote).neg().toFixed()).toBe(spent.toFixed());
    expect(new Decimal(closed[0]!.pnlQuote).lt(0)).toBe(true);
    const exitOrders = sells(s);
    expect(exitOrders).toHaveLength(1);
    expect(exitOrders[0]!.clientOrderId).toMatch(/^ce-e-/);
    const r = await cycle(s);
    expect(r).toMatchObject({ phase: 'idle', position: null });
    expect(r.exiting ?? null).toBeNull();
    expect(r.memory ?? null).toBeNull();
  });

  it('limit mode: the resting take-profit and safety buys are cancelled before the exit sell; the venue never holds two sells', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 2, maxRebuys: 2, takeProfitPct: 1.5, stopLossPct: 8, ...LIMIT } });
    await step(s);
    await step(s);
    expect((await cycle(s)).orders.map((o) => o.purpose)).toEqual(['takeProfit', 'rebuy', 'rebuy']);
    const observed: string[] = [];
    // Watch the venue: at every exit sell, no take-profit may still rest.
    const place = s.exchange.placeMarketOrder.bind(s.exchange);
    s.exchange.placeMarketOrder = (async (req: Parameters<typeof place>[0]) => {
      if (req.side === 'sell') observed.push(`exit sell while ${restingSells(s).length} sells rest`);
      return place(req);
    }) as typeof s.exchange.placeMarketOrder;
    s.exchange.setPrice('ETH/USDT', '97.9'); // level 1 (98) fills
    for (let i = 0; i < 3; i++) await step(s);
    expect((await cycle(s)).position?.buys).toBe(2);
    s.exchange.setPrice('ETH/USDT', '89'); // avg ≈ 98.99: stop ≈ 91.07 — and level 2 (96.04) fills on the way
    for (let i = 0; i < 6; i++) await step(s);
    expect(observed).toEqual(['exit sell while 0 sells rest']);
    const closed = s.of('cycle:closed');
    expect(closed.map((e) => e.reason)).toEqual(['stopLoss']);
    const cancelled = s.of('order:cancelled');
    expect(cancelled.some((e) => e.purpose === 'takeProfit')).toBe(true);
    expect(s.exchange.orders.filter((o) => o.type === 'limit' && o.state?.status === 'open')).toEqual([]);
    // Nothing left at the venue that the record does not know: the account holds no base.
    expect(new Decimal(s.exchange.balance('ETH')).toFixed()).toBe(new Decimal((await cycle(s)).dust?.baseVolume ?? 0).toFixed());
  });

  it('with a timeout: only once the price has stayed below the stop that long', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2, stopLossPct: 5, stopLossTimeoutMs: 60_000 } });
    await step(s);
    s.exchange.setPrice('ETH/USDT', '94');
    await step(s);
    expect((await cycle(s)).memory).toEqual({ belowSince: s.clock.now() });
    s.clock.advance(30_000);
    await step(s);
    s.exchange.setPrice('ETH/USDT', '96'); // back above: forgotten
    await step(s);
    expect((await cycle(s)).memory).toEqual({});
    s.exchange.setPrice('ETH/USDT', '94');
    await step(s);
    s.clock.advance(59_000);
    await step(s);
    expect(s.of('cycle:exiting')).toEqual([]);
    s.clock.advance(1_000);
    await step(s);
    await step(s);
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['stopLoss']);
  });

  it('a rebuy backing off after a rejection does not hold the stop loss back', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 2, stopLossPct: 10 }, retryBackoff: { initialMs: 3_600_000, maxMs: 3_600_000 } });
    await step(s);
    s.exchange.injectFault('reject');
    s.exchange.setPrice('ETH/USDT', '97');
    await step(s);
    await step(s);
    expect((await cycle(s)).retryAt).not.toBeNull();
    s.exchange.setPrice('ETH/USDT', '89');
    await step(s);
    await step(s);
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['stopLoss']);
  });
});

describe('an exit sell the venue refuses (found by the exit race: seed 20261130, schedule 42 looped on MIN_NOTIONAL)', () => {
  it('what is below the minimum notional at the current price is not sold: the cycle closes with the exit reason and carries it as dust', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, startQuote: 5.2, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2, stopLossPct: 5 } });
    await step(s); // 0.0519… ETH at 100
    s.exchange.setPrice('ETH/USDT', '94'); // worth 4.88 < 5
    await step(s);
    await step(s);
    expect(sells(s)).toEqual([]);
    const closed = s.of('cycle:closed');
    expect(closed.map((e) => [e.reason, e.dustBase]), JSON.stringify(await cycle(s))).toEqual([['stopLoss', (await cycle(s)).dust?.baseVolume]]);
    expect(new Decimal((await cycle(s)).dust!.baseVolume).toFixed()).toBe(new Decimal(s.exchange.balance('ETH')).toFixed());
  });

  it('a refused exit sell is retried after its backoff, not at once', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2 }, retryBackoff: { initialMs: 10_000, maxMs: 10_000 } });
    await step(s);
    s.exchange.injectFault('reject', { side: 'sell' });
    await s.engine.closeCycle('ETH/USDT');
    for (let i = 0; i < 5; i++) await step(s);
    expect(sells(s)).toHaveLength(1);
    expect(s.of('order:rejected').map((e) => e.purpose)).toEqual(['exit']);
    s.clock.advance(10_000);
    await step(s);
    await step(s);
    expect(sells(s)).toHaveLength(2);
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['manual']);
  });
});

describe('trailing take-profit', () => {
  it('arms at the take-profit, follows the peak (one write per new high, none while it falls), sells on the retrace', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 2, trailingTakeProfitPct: 1 } });
    await step(s); // start at 100: avg 100.1001 (fee in base) → arms at 102.102…
    const writes = countWrites(s);
    s.exchange.setPrice('ETH/USDT', '102.2');
    await step(s);
    expect((await cycle(s)).memory).toEqual({ peak: '102.2' });
    expect(sells(s)).toEqual([]); // no MARKET take-profit: it trails
    for (const p of ['103', '104', '103.5', '103.2', '103.1']) {
      s.exchange.setPrice('ETH/USDT', p);
      await step(s);
    }
    expect((await cycle(s)).memory).toEqual({ peak: '104' });
    expect(writes()).toBe(3); // 102.2, 103, 104: nothing for the three falling ticks
    s.exchange.setPrice('ETH/USDT', '102.96'); // 104 × 0.99 = 102.96
    await step(s);
    await step(s);
    expect(s.of('cycle:exiting').map((e) => e.reason)).toEqual(['trailingTakeProfit']);
    const closed = s.of('cycle:closed');
    expect(closed.map((e) => e.reason)).toEqual(['trailingTakeProfit']);
    expect(new Decimal(closed[0]!.pnlQuote).gt(0)).toBe(true);
    expect((await cycle(s)).memory ?? null).toBeNull(); // the next cycle starts with an empty memory
  });
});

describe('time limit', () => {
  it('a cycle open longer than maxCycleMs exits at the market', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 50, maxRebuys: 0, takeProfitPct: 5, maxCycleMs: 3_600_000 } });
    await step(s);
    s.clock.advance(3_599_999);
    await step(s);
    expect(s.of('cycle:exiting')).toEqual([]);
    s.clock.advance(1);
    await step(s);
    await step(s);
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['timeLimit']);
  });
});

describe('closeCycle', () => {
  it('the manual exit: persisted when it resolves, idempotent, then the cycle sells and closes as manual', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 2, maxRebuys: 2, takeProfitPct: 1.5, ...LIMIT } });
    await step(s);
    await step(s);
    const after = await s.engine.closeCycle('ETH/USDT');
    expect(after?.exiting).toMatchObject({ reason: 'manual' });
    expect((await cycle(s)).exiting).toMatchObject({ reason: 'manual' }); // in the store when it resolved
    const again = await s.engine.closeCycle('ETH/USDT');
    expect(again?.exiting).toEqual(after?.exiting);
    expect(s.of('cycle:exiting')).toHaveLength(1);
    for (let i = 0; i < 4; i++) await step(s);
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['manual']);
    expect(sells(s).filter((o) => o.type !== 'limit')).toHaveLength(1);
  });

  it('on an idle symbol: nothing to close; on a symbol the engine does not trade: a typed error', async () => {
    const s = setup();
    expect(await s.engine.closeCycle('ETH/USDT')).toBeUndefined();
    await expect(s.engine.closeCycle('BTC/USDT')).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it('no buy is sent once the exit is persisted, even when the price says rebuy', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5 } });
    await step(s);
    await s.engine.closeCycle('ETH/USDT');
    s.exchange.setPrice('ETH/USDT', '90');
    for (let i = 0; i < 3; i++) await step(s);
    expect(s.exchange.orders.filter((o) => o.side === 'buy')).toHaveLength(1); // the start only
    expect(s.of('cycle:closed').map((e) => e.reason)).toEqual(['manual']);
  });
});

describe('pauseSymbol / resumeSymbol', () => {
  it('no new order while paused (resting orders stay), honoured by another engine on the store; trades again once resumed', async () => {
    const s = setup({ dca: { cooldownMs: 3_600_000, rebuyDropPct: 2, maxRebuys: 2, takeProfitPct: 1.5, takeProfitOrder: 'limit' } });
    await s.engine.pauseSymbol('ETH/USDT'); // before any cycle: the record is created paused
    await step(s);
    expect(s.exchange.orders).toEqual([]);
    await s.engine.resumeSymbol('ETH/USDT');
    await step(s);
    await step(s);
    expect((await cycle(s)).orders.map((o) => o.purpose)).toEqual(['takeProfit']);
    await s.engine.pauseSymbol('ETH/USDT');
    expect(s.of('symbol:paused')).toHaveLength(2);
    const other = new CycleEngine({ exchange: s.exchange, store: s.store, lock: s.lock, symbols: ['ETH/USDT'], clock: s.clock, strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 2, takeProfitPct: 1.5 }) });
    const before = s.exchange.orders.length;
    s.exchange.setPrice('ETH/USDT', '97'); // a MARKET rebuy for the other engine's strategy
    await other.tick();
    await other.idle();
    await step(s);
    expect(s.exchange.orders.length).toBe(before);
    expect(restingSells(s)).toHaveLength(1); // the take-profit stays
    await s.engine.resumeSymbol('ETH/USDT');
    await step(s);
    await step(s);
    expect(s.exchange.orders.length).toBeGreaterThan(before);
    expect((await cycle(s)).paused ?? false).toBe(false);
  });
});
