/**
 * Issue 11: portfolio limits enforced by the engine, across engines sharing one store — at most
 * `maxActiveCycles` cycles hold a position or an order, the quote invested plus the quote of buys
 * in flight or resting never exceeds `maxTotalInvestedQuote`; a start or rebuy that would exceed
 * them waits (`cycle:budgetWait`, once per symbol until it can go); a closed cycle releases its
 * reservation, and a reservation a crash left behind is swept.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import {
  CycleEngine,
  InvalidOptionsError,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  isPortfolioRecord,
  type CycleBudgetWaitEvent,
  type CycleEngineOptions,
  type CycleRecord,
  type DcaOptions,
  type PortfolioRecord,
} from 'cycle-engine';

const SYMBOLS = Array.from({ length: 8 }, (_, i) => `C${i}/USDT`);

function world(dcaOver: Partial<DcaOptions>, over: Partial<CycleEngineOptions>, engines = 2, symbols: readonly string[] = SYMBOLS) {
  const clock = new ManualClock(1_700_000_000_000);
  const exchange = new PaperExchange({
    prices: Object.fromEntries(symbols.map((s) => [s, '100'])),
    balances: { USDT: '100000' },
    clock,
    latencyMs: 0,
    defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
  });
  const store = new MemoryStateStore();
  const lock = new MemoryLock({ clock });
  const waits: CycleBudgetWaitEvent[] = [];
  const list = Array.from({ length: engines }, (_, i) => {
    const engine = new CycleEngine({
      exchange, store, lock, clock, symbols, instanceId: `e${i}`,
      strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5, ...dcaOver }),
      ...over,
    });
    engine.on('cycle:budgetWait', (e) => waits.push(e));
    engine.on('error', () => {});
    return engine;
  });
  const tickAll = async () => {
    await Promise.all(list.map((e) => e.tick()));
    await Promise.all(list.map((e) => e.idle()));
  };
  /** Cycles holding a position or an order, per the store. */
  const active = async () => {
    const records = (await store.list()).filter((r) => !isPortfolioRecord(r.value)).map((r) => r.value as CycleRecord);
    return records.filter((r) => r.position !== null || r.orders.length > 0);
  };
  const portfolio = async () => (await store.get('__portfolio'))?.value as PortfolioRecord | undefined;
  /** Quote the venue took from the account, net of what its sells gave back. */
  const netSpend = () => new Decimal(100000).minus(exchange.balance('USDT'));
  return { clock, exchange, store, engines: list, waits, tickAll, active, portfolio, netSpend };
}

describe('maxActiveCycles', () => {
  it('two engines, eight symbols that all want to start: at most three cycles hold anything, the others wait (one event each)', async () => {
    const w = world({}, { maxActiveCycles: 3 });
    for (let i = 0; i < 4; i++) {
      await w.tickAll();
      expect((await w.active()).length).toBeLessThanOrEqual(3);
    }
    expect((await w.active()).length).toBe(3);
    expect((await w.portfolio())?.reservations).toHaveLength(3);
    const waiting = new Set(w.waits.map((e) => e.symbol));
    expect(waiting.size).toBe(5);
    // Once per symbol per engine at most, however many ticks it waited.
    expect(w.waits.length).toBeLessThanOrEqual(10);
    expect(w.waits.every((e) => e.limit === 'maxActiveCycles')).toBe(true);
    // A cycle closes (take-profit): its reservation goes, and exactly one waiting symbol starts.
    const first = (await w.active())[0]!;
    w.exchange.setPrice(first.symbol, '102');
    await w.tickAll();
    await w.tickAll();
    await w.tickAll();
    const now = await w.active();
    expect(now.length).toBe(3);
    expect((await w.store.get(first.symbol))?.value).toMatchObject({ closedCycles: 1 }); // it did close: the slot it freed went to a waiting symbol
    const reserved = (await w.portfolio())!.reservations.map((r) => r.symbol).sort();
    expect(reserved).toEqual(now.map((r) => r.symbol).sort());
  });
});

describe('maxTotalInvestedQuote', () => {
  it('starts and rebuys wait for the budget: the venue never takes more than it, across two engines', async () => {
    const w = world({ rebuyVolumeScale: 2 }, { maxTotalInvestedQuote: '75' });
    for (let round = 0; round < 6; round++) {
      await w.tickAll();
      expect(w.netSpend().lte(75)).toBe(true);
      for (const s of SYMBOLS) w.exchange.setPrice(s, String(100 - 3 * (round + 1))); // every symbol wants to rebuy
    }
    expect(w.netSpend().gt(60)).toBe(true); // the budget was used, not just refused
    const p = await w.portfolio();
    const total = p!.reservations.reduce((sum, r) => sum.plus(r.quote), new Decimal(0));
    expect(total.lte(75)).toBe(true);
    expect(w.waits.some((e) => e.limit === 'maxTotalInvestedQuote')).toBe(true);
  });

  it('limit safety buys count while they rest: a start of 10 and a budget of 25 leave room for one resting safety buy of 10, not three', async () => {
    const w = world({ takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 3 }, { maxTotalInvestedQuote: '25' }, 1, ['C0/USDT']);
    for (let i = 0; i < 4; i++) await w.tickAll();
    const restingBuys = w.exchange.orders.filter((o) => o.type === 'limit' && o.side === 'buy' && o.state?.status === 'open');
    // The paper venue holds a resting buy's quote out of the free balance: what it took is spent plus committed.
    const committed = w.netSpend();
    expect(committed.toFixed()).toBe(new Decimal(10).plus(restingBuys.reduce((sum, o) => sum.plus(new Decimal(o.price!).mul(o.baseAmount!)), new Decimal(0))).toFixed());
    expect(committed.lte(25), `${w.netSpend().toFixed()} spent, resting ${restingBuys.map((o) => `${o.baseAmount}@${o.price}`).join(' ')}, ${JSON.stringify(await w.portfolio())}`).toBe(true);
    expect(restingBuys).toHaveLength(1);
    expect(w.exchange.orders.filter((o) => o.type === 'limit' && o.side === 'sell' && o.state?.status === 'open')).toHaveLength(1); // the take-profit is not held back
  });
});

describe('reservations', () => {
  it('a reservation whose cycle never persisted its start (a crash in between) is swept once old, its key fenced', async () => {
    const w = world({}, { maxActiveCycles: 1 }, 1);
    const stale: PortfolioRecord = {
      kind: 'portfolio', schema: 1, updatedAt: w.clock.now(),
      reservations: [{ key: 'X/USDT', symbol: 'X/USDT', cycleId: 'gone', intentId: 'gone', quote: '10', at: w.clock.now(), owner: 'dead' }],
    };
    await w.store.compareAndSet('__portfolio', null, stale);
    await w.tickAll();
    expect(await w.active()).toEqual([]); // the dead engine's reservation fills the one slot
    w.clock.advance(120_000);
    await w.engines[0]!.stop();
    await w.engines[0]!.start(); // recovery sweeps (and the loop may tick once after it)
    await w.engines[0]!.stop();
    expect((await w.portfolio())!.reservations.map((r) => r.key)).not.toContain('X/USDT');
    expect((await w.store.get('X/USDT'))?.value).toMatchObject({ symbol: 'X/USDT', phase: 'idle' }); // fenced before the release
    await w.tickAll();
    expect((await w.active()).length).toBe(1);
    expect((await w.portfolio())!.reservations.map((r) => r.key)).toEqual((await w.active()).map((r) => r.symbol));
  });

  it('options are checked', () => {
    expect(() => world({}, { maxActiveCycles: 0 })).toThrow(InvalidOptionsError);
    expect(() => world({}, { maxTotalInvestedQuote: '-5' })).toThrow(/maxTotalInvestedQuote/);
    expect(() => world({}, { maxActiveCycles: 2, portfolioKey: '' })).toThrow(/portfolioKey/);
  });
});
