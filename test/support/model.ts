/**
 * Model-based test of the engine: random sequences of ticks (overlapping across engines), price
 * moves, exchange faults, time passing, crashes at chosen points, restarts and engines joining —
 * every store, lock and exchange call ordered by fast-check's scheduler. After every command and at
 * the end, the state must match a simple model of what a correct DCA cycle allows.
 *
 * Shared by the vitest test (500 runs in CI) and `scripts/model-soak.ts` (100,000 seeds), so it
 * uses node:assert rather than vitest's expect.
 */
import { asV2, marketSlot } from './records';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CallTimeoutError,
  CycleEngine,
  ManualClock,
  WriteUnknownError,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  type CycleRecord, type StoredCycleRecord,
  type Exchange,
  type PaperFault,
  type StateStore,
  type Lock,
} from 'cycle-engine';
import { Decimal } from '../../src/decimal';

const SYMBOL = 'ETH/USDT';
const MAX_REBUYS = 2;
const never = <T>() => new Promise<T>(() => {});

type CrashPoint = 'before-send' | 'after-send' | 'before-outcome-write';
/** A call that hangs, as the engine sees it once `callTimeoutMs` bounds it: a timeout, before or after the call took effect. */
type Hang = 'find' | 'prices' | 'get' | 'cas-lost' | 'cas-landed';

interface Node {
  engine: CycleEngine;
  alive: boolean;
  crashAt: CrashPoint | null;
}

/** The real system: one exchange, store, lock and clock; engines come and go. */
export class Real {
  readonly clock = new ManualClock(Date.UTC(2025, 0, 1));
  readonly exchange = new PaperExchange({
    prices: { [SYMBOL]: '100' },
    balances: { USDT: '1000000' },
    clock: this.clock,
    defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
  });
  readonly store = new MemoryStateStore();
  readonly lock = new MemoryLock({ clock: this.clock, ttlMs: 5_000 });
  readonly nodes: Node[] = [];
  readonly errors: unknown[] = [];
  /** The next call of this kind hangs (and so times out). */
  hang: Hang | null = null;
  /** Base sold by hand behind the engines' back (the record then overstates the account). */
  handSold = new Decimal(0);
  /** Cycles closed without a sell (everything was sold by hand, the position adopted to nothing). */
  emptied = 0;
  /** Client order ids of sells that filled in part (their cycle stays open). */
  readonly partialSells = new Set<string>();

  constructor(readonly s: fc.Scheduler) {
    this.join();
  }

  get live(): Node[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** The next call of `kind` times out, when a hang is armed for it. */
  #hangs(kind: Hang): boolean {
    if (this.hang !== kind) return false;
    this.hang = null;
    return true;
  }

  /** Every port call starts and resolves when the scheduler says so; a crashed node's calls hang. */
  join(skewMs = 0): Node {
    const s = this.s;
    const node: Node = { engine: undefined as unknown as CycleEngine, alive: true, crashAt: null };
    // A crashed node's calls hang forever — and are never handed to the scheduler, which would
    // otherwise wait for them.
    const gate = <A extends unknown[], T>(label: string, fn: (...args: A) => Promise<T>, dieBefore?: (...args: A) => boolean, dieAfter?: (...args: A) => boolean) =>
      (...args: A): Promise<T> => {
        if (!node.alive) return never();
        return s.schedule(Promise.resolve(), label).then(() => {
          if (!node.alive || dieBefore?.(...args)) return never<T>();
          return s.schedule(fn(...args), `${label}:done`).then((value) => (dieAfter?.(...args) || !node.alive ? never<T>() : value));
        });
      };
    const crash = (point: CrashPoint) => {
      if (node.crashAt !== point) return false;
      node.alive = false;
      return true;
    };
    const isOutcome = (value: StoredCycleRecord) => {
      const slot = marketSlot(asV2(value));
      return slot === null || slot.state !== 'sending';
    };
    const timeout = (call: string) => Promise.reject(new CallTimeoutError(call, 30_000));
    const store: StateStore = {
      get: gate('get', (k: string) => (this.#hangs('get') ? timeout('store.get') : this.store.get(k))),
      list: gate('list', () => this.store.list()),
      compareAndSet: gate(
        'cas',
        async (k: string, v: number | null, value: CycleRecord) => {
          if (this.#hangs('cas-lost')) throw new WriteUnknownError(k, 'timed out before it landed');
          const written = await this.store.compareAndSet(k, v, value);
          if (this.#hangs('cas-landed')) throw new WriteUnknownError(k, `timed out after it landed (${written === null ? 'refused' : 'written'})`);
          return written;
        },
        (_k, _v, value) => isOutcome(value) && crash('before-outcome-write'),
      ),
    };
    const lock: Lock = {
      acquire: gate('acquire', async (k: string, o?: { ttlMs?: number }) => {
        const lease = await this.lock.acquire(k, { ttlMs: o?.ttlMs, waitMs: 0 });
        return lease && { key: lease.key, token: lease.token, expiresAt: lease.expiresAt, release: gate('release', () => lease.release()) };
      }),
    };
    const exchange: Exchange = {
      id: 'model',
      fetchPrices: gate('prices', (x: readonly string[]) => (this.#hangs('prices') ? timeout('fetchPrices') : this.exchange.fetchPrices(x))),
      getMarket: (x: string) => this.exchange.getMarket(x),
      findOrder: gate('find', (q: Parameters<Exchange['findOrder']>[0]) => (this.#hangs('find') ? timeout('findOrder') : this.exchange.findOrder(q))),
      placeMarketOrder: gate(
        'order',
        (req: Parameters<Exchange['placeMarketOrder']>[0]) => this.exchange.placeMarketOrder(req),
        () => crash('before-send'),
        () => crash('after-send'),
      ),
      fetchBalances: gate('balances', async (assets: readonly string[]) => Object.fromEntries(assets.map((a) => [a, this.exchange.balance(a)]))),
    };
    const clock = skewMs === 0 ? this.clock : { now: () => this.clock.now() + skewMs, monotonic: () => this.clock.monotonic() };
    node.engine = new CycleEngine({
      exchange,
      store,
      lock,
      symbols: [SYMBOL],
      strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: MAX_REBUYS, takeProfitPct: 1 }),
      clock,
      onPositionMismatch: 'adopt',
      orderTimeoutMs: 5_000, // real time for the call's timer (never reached: calls answer at once or hang), clock time for deadlines
      workerGraceMs: 5_000,
      landingWindowMs: 60_000,
      lockWaitMs: 0,
      lookupBackoff: { initialMs: 1_000, maxMs: 8_000 },
      tickIntervalMs: 1_000_000_000,
    });
    node.engine.on('error', (e) => this.errors.push(e));
    node.engine.on('cycle:closed', (e) => {
      if (e.reason === 'emptied') this.emptied++;
    });
    node.engine.on('cycle:partiallySold', (e) => this.partialSells.add(e.fill.clientOrderId));
    this.nodes.push(node);
    return node;
  }

  /** Someone sells base by hand, outside the engines. */
  sellByHand(base: string): void {
    const held = new Decimal(this.exchange.balance('ETH'));
    const sold = Decimal.min(held, base);
    this.exchange.setBalance('ETH', held.minus(sold).toFixed());
    this.handSold = this.handSold.plus(sold);
  }

  async record(): Promise<CycleRecord | undefined> {
    return asV2((await this.store.get(SYMBOL))?.value);
  }
}

/** Invariants that hold at every moment. */
export async function checkAlways(real: Real): Promise<void> {
  const record = await real.record(); // the memory store hands out what was written: validated by the engine's reads
  const executed = real.exchange.executedOrders();
  assert.equal(new Set(executed.map((o) => o.clientOrderId)).size, executed.length, 'a client order id executed twice');
  // Never two start buys without a sell between them; never more rebuys than allowed in a cycle.
  let open = false;
  let rebuys = 0;
  let emptied = real.emptied; // a cycle closed without a sell (sold by hand) ends without a sell order
  for (const o of executed) {
    const tag = o.clientOrderId.slice(0, 5);
    if (tag === 'ce-s-') {
      if (open && emptied > 0) {
        emptied--;
        open = false;
      }
      assert.ok(!open, `a second start buy (${o.clientOrderId}) while a cycle was open`);
      open = true;
      rebuys = 0;
    } else if (tag === 'ce-r-') {
      assert.ok(open, 'a rebuy outside a cycle');
      assert.ok(++rebuys <= MAX_REBUYS, 'more rebuys than maxRebuys');
    } else if (tag === 'ce-x-') {
      assert.ok(open, 'a sell outside a cycle');
      open = real.partialSells.has(o.clientOrderId); // a partial sell leaves its cycle open
    }
  }
  if (record) assert.ok(record.orders.length === 0 || record.phase !== 'idle', 'an idle record with an order');
}

/** Invariants once everything has settled: every executed order accounted for exactly once. */
export async function checkSettled(real: Real): Promise<void> {
  const record = await real.record();
  const executed = real.exchange.executedOrders();
  if (record === undefined) {
    assert.equal(executed.length, 0, 'orders executed but no record');
    return;
  }
  assert.deepEqual(record.orders, [], `an order still in the ledger: ${JSON.stringify(record.orders)}`);
  assert.deepEqual(record.orphans, [], 'orphan fills');
  const held = new Decimal(record.position?.baseVolume ?? 0).plus(record.dust?.baseVolume ?? 0);
  const venue = new Decimal(real.exchange.balance('ETH'));
  if (real.handSold.isZero()) {
    assert.equal(held.toFixed(), venue.toFixed(), 'base held at the exchange ≠ the record’s position + dust');
    // Every sell closes a cycle, except a partial one that left a sellable rest.
    const sells = executed.filter((o) => o.side === 'sell').length;
    assert.ok(record.closedCycles <= sells + real.emptied, 'more closed cycles than executed sells (and cycles emptied without one)');
  } else {
    // Base sold by hand: the record may overstate the account by at most what was sold by hand (never understate it).
    assert.ok(held.gte(venue.minus('0.00000001')), `the record (${held}) holds less than the venue (${venue})`);
    assert.ok(held.minus(venue).lte(real.handSold), `the record (${held}) overstates the venue (${venue}) by more than was sold by hand (${real.handSold})`);
  }
}

type Cmd = fc.AsyncCommand<object, Real>;
const settle = (real: Real) => real.s.waitIdle();

class TickCmd implements Cmd {
  constructor(readonly picks: number[]) {}
  check = () => true;
  async run(_m: object, real: Real) {
    const live = real.live;
    if (live.length === 0) real.join();
    for (const p of this.picks) {
      const node = real.live[p % real.live.length];
      if (node) void node.engine.tick().then(() => node.engine.idle()).catch((e: unknown) => real.errors.push(e));
    }
    await settle(real);
    await checkAlways(real);
  }
  toString = () => `tick(${this.picks.join(',')})`;
}

class PriceCmd implements Cmd {
  constructor(readonly price: number) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.exchange.setPrice(SYMBOL, String(this.price));
  }
  toString = () => `price(${this.price})`;
}

class FaultCmd implements Cmd {
  constructor(readonly fault: PaperFault) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.exchange.injectFault(this.fault);
  }
  toString = () => `fault(${this.fault})`;
}

class TimeCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

class CrashCmd implements Cmd {
  constructor(readonly pick: number, readonly point: CrashPoint) {}
  check = () => true;
  async run(_m: object, real: Real) {
    const node = real.live[this.pick % Math.max(1, real.live.length)];
    if (node) node.crashAt = this.point; // it dies when it next reaches that point
  }
  toString = () => `crashAt(${this.pick}, ${this.point})`;
}

class PartialCmd implements Cmd {
  constructor(readonly side: 'buy' | 'sell', readonly ratio: string) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.exchange.injectFault({ kind: 'partialFill', ratio: this.ratio }, { side: this.side }); // a thin book
  }
  toString = () => `partial(${this.side}, ${this.ratio})`;
}

class HangCmd implements Cmd {
  constructor(readonly call: Hang) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.hang = this.call;
  }
  toString = () => `hang(${this.call})`;
}

class HandSaleCmd implements Cmd {
  constructor(readonly base: string) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.sellByHand(this.base);
  }
  toString = () => `sellByHand(${this.base})`;
}

class JoinCmd implements Cmd {
  constructor(readonly skewMs = 0) {}
  check = () => true;
  async run(_m: object, real: Real) {
    const node = real.join(this.skewMs); // a restarted process, or a second engine (its clock maybe skewed): recovery first
    void node.engine.start().then(() => node.engine.stop()).catch((e: unknown) => real.errors.push(e));
    await settle(real);
    await checkAlways(real);
  }
  toString = () => `join(${this.skewMs})`;
}

/** The commands a run draws from. */
const tick = fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }).map((p) => new TickCmd(p));
export const commands = fc.commands(
  [
    tick,
    tick, // ticks are what moves cycles: draw them more often
    tick,
    fc.constantFrom(90, 94, 96, 97.5, 98, 99, 100, 101, 101.5, 102, 105).map((p) => new PriceCmd(p)),
    fc.constantFrom<PaperFault>('reject', 'unknown-before', 'unknown-after').map((f) => new FaultCmd(f)),
    fc.constantFrom(500, 2_000, 10_000, 30_000, 70_000).map((ms) => new TimeCmd(ms)),
    fc.tuple(fc.nat(3), fc.constantFrom<CrashPoint>('before-send', 'after-send', 'before-outcome-write')).map(([p, c]) => new CrashCmd(p, c)),
    fc.constantFrom(0, 0, 100_000, -100_000).map((skew) => new JoinCmd(skew)),
    fc.tuple(fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), fc.constantFrom('0.3', '0.5', '0.7')).map(([side, r]) => new PartialCmd(side, r)),
    fc.constantFrom<Hang>('find', 'prices', 'get', 'cas-lost', 'cas-landed').map((h) => new HangCmd(h)),
    fc.constantFrom('0.02', '0.05', '1').map((b) => new HandSaleCmd(b)),
  ],
  { maxCommands: 40, size: 'large' },
);

/** One run: the commands, then time passes with every live engine ticking until all settles. */
export async function runModel(s: fc.Scheduler, cmds: Iterable<Cmd>): Promise<void> {
  const real = new Real(s);
  await fc.asyncModelRun(() => ({ model: {}, real }), cmds);
  // Settle: the strategy is held still (a price no trigger fires at), engines tick as time passes.
  real.exchange.clearFaults();
  real.hang = null;
  for (const n of real.nodes) n.crashAt = null;
  if (real.live.length === 0) real.join();
  const record = await real.record();
  real.exchange.setPrice(SYMBOL, record?.position ? record.position.avgPrice : '100');
  for (let i = 0; i < 40; i++) {
    real.clock.advance(5_000);
    for (const n of real.live) void n.engine.tick().then(() => n.engine.idle());
    await settle(real);
  }
  await checkAlways(real);
  try {
    await checkSettled(real);
  } catch (error) {
    if (process.env.MODEL_DEBUG) console.log(`MODEL_DEBUG ${[...cmds].join(',')}\n${real.errors.map((e) => `  ${(e as Error).message}`).join('\n')}`);
    throw error;
  }
}

/** The property, for fc.assert / fc.check. */
export const modelProperty = () => fc.asyncProperty(fc.scheduler(), commands, (s, cmds) => runModel(s, cmds));
