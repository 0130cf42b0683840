/**
 * Issue 9, "Calls that hang, and the life cycle", and the engine's half of "bad input": hung port
 * calls, start/stop races, symbols removed from `symbols`, strategies that throw, listeners that
 * throw, records for the wrong symbol. Each test names the case it pins.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CycleEngine,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  type CycleRecord,
  type Exchange,
  type StateStore,
  type Strategy,
} from 'cycle-engine';
import { DEFAULT_DCA, setup, step } from '../support/setup';
import { asV2 } from '../support/records';

const never = <T>(): Promise<T> => new Promise<T>(() => {});
const paperFor = (prices: Record<string, string>) =>
  new PaperExchange({ prices, balances: { USDT: '100000' }, defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } });
const codes = (errors: Error[]) => errors.map((e) => (e as { code?: string }).code);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('case 8: every port call is bounded', () => {
  it('a hung fetchPrices fails that tick with CALL_TIMEOUT after callTimeoutMs', async () => {
    const paper = paperFor({ 'ETH/USDT': '100' });
    const engine = new CycleEngine({ exchange: { ...bind(paper), fetchPrices: () => never() }, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), callTimeoutMs: 50 });
    await expect(engine.tick()).rejects.toMatchObject({ code: 'CALL_TIMEOUT', call: 'paper.fetchPrices' });
  });

  it.each([
    ['getMarket', (p: PaperExchange): Partial<Exchange> => ({ getMarket: (s) => (s === 'BAD/USDT' ? never() : p.getMarket(s)) })],
    ['store.get', undefined],
  ])('a hung %s for one symbol fails that symbol only: the others trade', async (what, override) => {
    const paper = paperFor({ 'ETH/USDT': '100', 'BAD/USDT': '100' });
    const inner = new MemoryStateStore();
    const store: StateStore = what === 'store.get' ? { get: (k) => (k === 'BAD/USDT' ? never() : inner.get(k)), compareAndSet: (k, v, r) => inner.compareAndSet(k, v, r), list: () => inner.list() } : inner;
    const engine = new CycleEngine({ exchange: { ...bind(paper), ...override?.(paper) }, store, lock: new MemoryLock(), symbols: ['BAD/USDT', 'ETH/USDT'], strategy: dca(DEFAULT_DCA), callTimeoutMs: 50 });
    const errors: Error[] = [];
    engine.on('error', (e) => errors.push(e));
    await engine.tick();
    await engine.idle();
    expect(paper.orders.map((o) => o.symbol)).toEqual(['ETH/USDT']);
    expect(JSON.stringify(errors.map((e) => [e.message, (e.cause as Error | undefined)?.message]))).toMatch(/did not settle within 50 ms/);
  });

  it('a hung findOrder fails that look-up only; stop() resolves within stopTimeoutMs and says what it left behind', async () => {
    const s = setup({ callTimeoutMs: 60_000, stopTimeoutMs: 100, wrapExchange: (p) => ({ ...bind(p), findOrder: () => never() }) });
    s.exchange.injectFault('unknown-after', { side: 'buy' });
    await s.engine.tick();
    await s.engine.idle(); // parked
    await s.engine.tick(); // its look-up hangs
    const t0 = performance.now();
    await s.engine.stop();
    expect(performance.now() - t0).toBeLessThan(2_000);
    const [stopped] = s.of('engine:stopped');
    expect(stopped).toMatchObject({ timedOut: true, leftBehind: [expect.objectContaining({ symbol: 'ETH/USDT', purpose: 'start' })] });
  });

  it('stop() without anything hanging reports that every order settled', async () => {
    const s = setup();
    await s.engine.start();
    await s.engine.stop();
    expect(s.of('engine:stopped')).toEqual([{ timedOut: false, leftBehind: [] }]);
  });
});

describe('case 9: start() and stop() are race-free', () => {
  it('concurrent start() calls share one start (one recovery, one loop)', async () => {
    const inner = new MemoryStateStore();
    let lists = 0;
    const store: StateStore = { get: (k) => inner.get(k), compareAndSet: (k, v, r) => inner.compareAndSet(k, v, r), list: () => (lists++, inner.list()) };
    const paper = paperFor({ 'ETH/USDT': '100' });
    const engine = new CycleEngine({ exchange: paper, store, lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), tickIntervalMs: 10 });
    let ticks = 0;
    engine.on('tick:completed', () => ticks++);
    await Promise.all([engine.start(), engine.start(), engine.start()]);
    expect(lists).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    await engine.stop();
    expect(ticks).toBeLessThan(25); // one loop at 10 ms, not three
    expect(paper.orders).toHaveLength(1);
  });

  it('stop() during start() wins: no loop starts, no tick runs, no order is sent', async () => {
    const paper = paperFor({ 'ETH/USDT': '100' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const engine = new CycleEngine({ exchange: { ...bind(paper), getMarket: async (s) => (await gate, paper.getMarket(s)) }, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), tickIntervalMs: 5 });
    let ticks = 0;
    engine.on('tick:completed', () => ticks++);
    const started = engine.start();
    const stopped = engine.stop();
    release();
    await Promise.all([started, stopped]);
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.running).toBe(false);
    expect(ticks).toBe(0);
    expect(paper.orders).toHaveLength(0);
  });

  it('after stop() resolves, no tick runs', async () => {
    const s = setup();
    let ticks = 0;
    s.engine.on('tick:completed', () => ticks++);
    await s.engine.start();
    await new Promise((r) => setTimeout(r, 30));
    await s.engine.stop();
    const after = ticks;
    await new Promise((r) => setTimeout(r, 50));
    expect(ticks).toBe(after);
  });
});

describe('case 10: symbols removed from `symbols`', () => {
  it('are recovered at start (the order without outcome looked up, its fill recorded), reported once, and not traded', async () => {
    const paper = paperFor({ 'ETH/USDT': '100', 'BTC/USDT': '100' });
    const store = new MemoryStateStore();
    const lock = new MemoryLock();
    const first = new CycleEngine({ exchange: paper, store, lock, symbols: ['ETH/USDT', 'BTC/USDT'], strategy: dca(DEFAULT_DCA) });
    first.on('error', () => {});
    paper.injectFault('unknown-after', { side: 'buy' }); // the first order executes; its reply is lost
    await first.tick();
    await first.idle(); // BTC/USDT (or ETH) parked, the other active
    const parked = (await first.listCycles()).filter((c) => c.phase === 'starting');
    expect(parked).toHaveLength(1);
    const gone = parked[0]!.symbol;
    const kept = gone === 'ETH/USDT' ? 'BTC/USDT' : 'ETH/USDT';
    // The next engine no longer trades the parked symbol.
    const next = new CycleEngine({ exchange: paper, store, lock, symbols: [kept], strategy: dca(DEFAULT_DCA), tickIntervalMs: 5 });
    const untracked: unknown[] = [];
    next.on('cycle:untracked', (e) => untracked.push(e));
    next.on('error', () => {});
    await next.start();
    paper.setPrice(gone, '200'); // far above its take profit
    await new Promise((r) => setTimeout(r, 50));
    await next.stop();
    expect(untracked).toEqual([expect.objectContaining({ symbol: gone, phase: 'starting', pendingClientOrderId: parked[0]!.orders[0]!.clientOrderId })]);
    const recovered = (await next.listCycles()).find((c) => c.symbol === gone) as CycleRecord;
    expect(recovered.phase).toBe('active'); // its fill was found and applied
    expect(paper.orders.filter((o) => o.symbol === gone)).toHaveLength(1); // and it was not traded
  });
});

describe('case 11: a strategy that throws or returns something invalid affects only its symbol', () => {
  it.each([
    ['throws', () => { throw new Error('boom'); }],
    ['returns an unknown action', () => ({ action: 'close' })],
    ['returns a negative amount', () => ({ action: 'start', quoteAmount: '-10' })],
    ['returns a number amount', () => ({ action: 'start', quoteAmount: 10 })],
    ['returns a non-decimal amount', () => ({ action: 'start', quoteAmount: 'ten' })],
  ])('a strategy that %s: a STRATEGY_ERROR for that symbol, no order, the other symbol proceeds', async (_what, bad) => {
    const paper = paperFor({ 'ETH/USDT': '100', 'BAD/USDT': '100' });
    const inner = dca(DEFAULT_DCA);
    const strategy: Strategy = { name: 'mixed', decide: (ctx) => (ctx.symbol === 'BAD/USDT' ? (bad() as never) : inner.decide(ctx)) };
    const engine = new CycleEngine({ exchange: paper, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['BAD/USDT', 'ETH/USDT'], strategy });
    const errors: Error[] = [];
    engine.on('error', (e) => errors.push(e));
    await engine.tick();
    await engine.idle();
    expect(paper.orders.map((o) => o.symbol)).toEqual(['ETH/USDT']);
    expect(codes(errors)).toContain('STRATEGY_ERROR');
    expect(errors.find((e) => (e as { code?: string }).code === 'STRATEGY_ERROR')).toMatchObject({ symbol: 'BAD/USDT' });
  });

  it('an unknown action for an active cycle is never taken as a sell', async () => {
    const s = setup();
    await step(s);
    const engine = new CycleEngine({ exchange: s.exchange, store: s.store, lock: s.lock, clock: s.clock, symbols: ['ETH/USDT'], strategy: { name: 'odd', decide: () => ({ action: 'exit' }) as never } });
    engine.on('error', () => {});
    await engine.tick();
    await engine.idle();
    expect(s.exchange.orders.filter((o) => o.side === 'sell')).toHaveLength(0);
  });
});

describe('case 12: listeners', () => {
  it('a throwing listener never aborts a tick or delays a persisted intent; its failure is reported', async () => {
    const s = setup({ prices: { 'ETH/USDT': '100', 'BTC/USDT': '100' } });
    s.engine.on('cycle:starting', () => {
      throw new Error('listener bug');
    });
    await step(s);
    expect(s.exchange.orders).toHaveLength(2); // both symbols' orders sent
    expect(s.of('cycle:activated')).toHaveLength(2);
    expect(s.of('error').map((e) => e.message).join('\n')).toMatch(/listener of 'cycle:starting' threw: listener bug/);
  });

  it('an error with no listener is written to stderr, once per code and key', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const paper = paperFor({ 'ETH/USDT': '100' });
    const engine = new CycleEngine({ exchange: { ...bind(paper), fetchPrices: async () => { throw new Error('venue down'); } }, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy: dca(DEFAULT_DCA), tickIntervalMs: 5 });
    await engine.start();
    await new Promise((r) => setTimeout(r, 60)); // several failing ticks
    await engine.stop();
    const lines = write.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('cycle-engine:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no error listener.*Could not fetch prices/);
  });
});

describe('case 17: records checked against their key', () => {
  it('a record whose symbol differs from its key is corrupt: one CORRUPT_STATE, nothing sent for it', async () => {
    const s = setup({ prices: { 'ETH/USDT': '100', 'BTC/USDT': '100' } });
    await step(s);
    const eth = (await s.store.get('ETH/USDT'))!;
    const btc = (await s.store.get('BTC/USDT'))!;
    // Someone copied ETH's record under BTC's key, with a sell due for it.
    await s.store.compareAndSet('BTC/USDT', btc.version, { ...eth.value });
    s.exchange.setPrice('ETH/USDT', '100');
    s.exchange.setPrice('BTC/USDT', '200');
    for (let i = 0; i < 3; i++) await step(s);
    expect(s.exchange.orders.filter((o) => o.side === 'sell')).toHaveLength(0);
    expect(s.of('error').filter((e) => e.code === 'CORRUPT_STATE')).toHaveLength(1);
  });

  it('a cycle left active with nothing sellable (an orphan sell took it) closes', async () => {
    const s = setup();
    await step(s);
    const snap = (await s.store.get('ETH/USDT'))!;
    const position = { ...asV2(snap.value).position!, baseVolume: '0', investedQuote: '0' };
    await s.store.compareAndSet('ETH/USDT', snap.version, { ...snap.value, position });
    await step(s);
    expect(((await s.engine.getCycle('ETH/USDT')) as CycleRecord).phase).toBe('idle');
    expect(s.of('cycle:closed')).toEqual([expect.objectContaining({ reason: 'emptied', fill: null })]);
  });
});

/** The exchange's methods bound to it, so that some can be replaced. */
function bind(paper: PaperExchange): Exchange {
  return {
    id: paper.id,
    fetchPrices: (s) => paper.fetchPrices(s),
    getMarket: (s) => paper.getMarket(s),
    placeMarketOrder: (r) => paper.placeMarketOrder(r),
    findOrder: (q) => paper.findOrder(q),
  };
}
