/**
 * The world of the limit-mode race test: several engines on one memory store, one memory lock and
 * one paper exchange with a resting book, every port call resolving when fast-check's scheduler
 * says so. A schedule is a list of actions (ticks, releases of pending calls, price moves, injected
 * faults, clock advances); the venue invariants are checked after every effect at the venue, and
 * `drain()` brings every engine to rest so the books can be compared.
 */
import type fc from 'fast-check';
import { Decimal } from 'decimal.js';
import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  type CycleRecord,
  type Exchange,
  type Lock,
  type PaperFault,
  type PaperOrder,
  type StateStore,
} from 'cycle-engine';
import { vi } from 'vitest';
import { prng } from './prng';
import { readCycle } from './records';

export const SYMBOL = 'ETH/USDT';
export const ACTIVE_REBUYS = 2;
const TAKE_PROFIT_PCT = 1.5;
const START_USDT = '100000';
const AMOUNT_STEP = '0.0001';
const PRICE_TICK = '0.01';
const MIN_NOTIONAL = '5';
/** Look-ups of resting orders every 5 s of the manual clock (crossings trigger them sooner). */
const OPEN_ORDER_CHECK_MS = 5_000;
/**
 * Clock moved while calls are in flight, at most this much in all between two quiet points: well
 * below `orderTimeoutMs + workerGraceMs` (35 s), so a sender still at work is never taken for gone.
 * The engine's own timeouts run on the wall clock; a bigger jump in the middle of a call would
 * model a process frozen between its intent and its request, which no venue check can fence.
 */
const IN_FLIGHT_CLOCK_BUDGET_MS = 25_000;
/** One drain round: past the landing window (90 s), every backoff cap and the polling budget. */
const DRAIN_STEP_MS = 100_000;
const DRAIN_ROUNDS = 40;

/** Engine errors a schedule may cause without anything being wrong; any other is a failure. */
const EXPECTED_ERRORS = [/lease \d+ is no longer held/, /Could not persist what .* said of intent .*; will retry/];

/** One step of a schedule. */
export type Action =
  | { kind: 'tick'; engine: number; wait: 'none' | 'tick' | 'idle' }
  | { kind: 'release'; n: number }
  | { kind: 'price'; price: string; partial?: '0.3' | '0.5' }
  | { kind: 'fault'; fault: PaperFault; side?: 'buy' | 'sell' }
  | { kind: 'advance'; ms: number }
  /** `closeCycle` by one engine, not awaited (its calls are scheduled like any other). */
  | { kind: 'close'; engine: number };

/** A schedule: how many engines, the seed of `Math.random` (look-up jitter), the actions. */
export interface Schedule {
  engines: number;
  random: number;
  actions: Action[];
}

/** Prices around a start at 100: levels at 98 and 96.04, a take-profit near 101.61. */
export const PRICES = ['94', '95.5', '96', '97', '97.9', '98', '99', '100', '100.5', '101', '101.7', '102', '103'] as const;

/** Faults met by the next resting fill, cancel or placement. */
export const FAULTS: readonly PaperFault[] = [
  { kind: 'restingPartialFill', ratio: '0.5' },
  'fill-during-cancel',
  { kind: 'fillDuringCancel', ratio: '0.5' },
  'cancel-unknown-before',
  'cancel-unknown-after',
  'unknown-after',
  'unknown-before',
  'reject',
];

/** An action as one line of the schedule's log. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'tick':
      return `tick e${a.engine}${a.wait === 'none' ? ' (not awaited)' : a.wait === 'tick' ? ' (tick awaited)' : ' (idle awaited)'}`;
    case 'release':
      return `release ${a.n} call(s)`;
    case 'price':
      return `price ${a.price}${a.partial ? ` (the first order it crosses fills ${a.partial} of its amount)` : ''}`;
    case 'fault':
      return `fault ${typeof a.fault === 'string' ? a.fault : `${a.fault.kind}(${String(a.fault.ratio)})`}${a.side ? ` on ${a.side}s` : ''}`;
    case 'advance':
      return `clock +${a.ms} ms`;
    case 'close':
      return `closeCycle by e${a.engine} (not awaited)`;
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const dec = (x: string | number | undefined | null): Decimal => new Decimal(x ?? 0);

/** Several engines, one store, one lock, one paper exchange; every port call scheduled. */
export class RaceWorld {
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly exchange: PaperExchange;
  readonly store = new MemoryStateStore();
  readonly lock: MemoryLock;
  readonly engines: CycleEngine[];
  /** What happened, for the failure message. */
  readonly log: string[] = [];
  /** Invariants broken, found by checks made inside port calls; thrown at the next driver step. */
  readonly violations: string[] = [];
  readonly errors: string[] = [];
  /** What the schedule exercised, for the run's summary. */
  readonly seen = { lookups: 0, replaced: 0, closed: 0, orphans: 0, exits: 0 };
  readonly #s: fc.Scheduler;
  /** Client order ids looked up since the last drain round began. */
  readonly #lookedUp = new Set<string>();
  readonly #running: Promise<unknown>[] = [];
  #inFlightClock = 0;

  /** With exits: the strategy also has a stop loss (5 % below the average price). */
  readonly #exits: boolean;

  constructor(s: fc.Scheduler, engines: number, options: { readonly exits?: boolean } = {}) {
    this.#s = s;
    this.#exits = options.exits ?? false;
    this.exchange = new PaperExchange({
      prices: { [SYMBOL]: '100' },
      balances: { USDT: START_USDT },
      clock: this.clock,
      latencyMs: 0,
      defaultRules: { amountStep: AMOUNT_STEP, priceTick: PRICE_TICK, minNotional: MIN_NOTIONAL },
    });
    this.lock = new MemoryLock({ clock: this.clock });
    this.engines = Array.from({ length: engines }, (_, i) => this.#engine(`e${i}`));
  }

  #engine(id: string): CycleEngine {
    const engine = new CycleEngine({
      exchange: this.#exchangeFor(id),
      store: this.#storeFor(id),
      lock: this.#lockFor(id),
      symbols: [SYMBOL],
      strategy: dca({
        startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: TAKE_PROFIT_PCT, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: ACTIVE_REBUYS,
        ...(this.#exits ? { stopLossPct: 5 } : {}),
      }),
      clock: this.clock,
      instanceId: id,
      lockWaitMs: 0, // a busy lock never makes a worker wait on the wall clock
      openOrderCheckMs: OPEN_ORDER_CHECK_MS,
    });
    engine.on('error', (e) => {
      this.errors.push(`${id}: ${e.message}`);
      // A lease that lapsed while the manual clock moved, or a write retried later: the CAS still fences them.
      if (!EXPECTED_ERRORS.some((re) => re.test(e.message))) this.violations.push(`${id} reported: ${e.message}`);
    });
    engine.on('takeProfit:replaced', () => this.seen.replaced++);
    engine.on('cycle:closed', (e) => {
      this.seen.closed++;
      if (e.reason !== 'takeProfit' && e.reason !== 'emptied') this.seen.exits++;
    });
    engine.on('order:orphaned', () => this.seen.orphans++);
    engine.on('cycle:positionMismatch', (e) => this.violations.push(`${id}: position mismatch ${JSON.stringify(e)}`));
    engine.on('order:rejected', (e) => {
      if (e.reason === 'INSUFFICIENT_FUNDS') this.violations.push(`${id}: ${e.side} ${e.clientOrderId} refused for lack of funds: ${e.message}`);
    });
    engine.on('order:orphaned', (e) => {
      if (e.accountedAs === 'unaccounted') this.violations.push(`${id}: unaccounted orphan ${JSON.stringify(e.fill)}`);
    });
    return engine;
  }

  /** A call whose answer reaches the caller when the scheduler says (its effect happens at once). */
  #answerLater<A extends unknown[], T>(label: string | ((...args: A) => string), fn: (...args: A) => Promise<T>) {
    return (...args: A): Promise<T> => {
      const effect = fn(...args);
      effect.catch(() => undefined); // answered (or failed) when released below
      // The report holds labels, not records: fast-check prints what a released task resolved with.
      return this.#s.schedule(Promise.resolve(), typeof label === 'string' ? label : label(...args)).then(() => effect);
    };
  }

  /** A call that reaches the venue, and whose answer reaches the caller, when the scheduler says. */
  #sendLater<A extends unknown[], T>(label: (...args: A) => string, fn: (...args: A) => Promise<T>) {
    return (...args: A): Promise<T> =>
      this.#s.schedule(Promise.resolve(), `${label(...args)}:sent`).then(() => {
        const effect = fn(...args);
        this.checkVenue(`after ${label(...args)}`);
        effect.catch(() => undefined);
        return this.#s.schedule(Promise.resolve(), `${label(...args)}:answered`).then(() => effect);
      });
  }

  #exchangeFor(id: string): Exchange {
    const x = this.exchange;
    return {
      id: `paper-${id}`,
      getMarket: (symbol) => x.getMarket(symbol),
      fetchPrices: this.#answerLater(`${id} prices`, (symbols: readonly string[]) => x.fetchPrices(symbols)),
      fetchBalances: this.#answerLater(`${id} balances`, (assets: readonly string[]) => x.fetchBalances(assets)),
      findOrder: this.#answerLater((q) => `${id} find ${q.clientOrderId}`, (q: Parameters<Exchange['findOrder']>[0]) => {
        this.seen.lookups++;
        this.#lookedUp.add(q.clientOrderId);
        return x.findOrder(q);
      }),
      placeMarketOrder: this.#sendLater((r) => `${id} market ${r.side} ${r.clientOrderId}`, (r: Parameters<Exchange['placeMarketOrder']>[0]) => x.placeMarketOrder(r)),
      placeLimitOrder: this.#sendLater((r) => `${id} limit ${r.side} ${r.baseAmount}@${r.price} ${r.clientOrderId}`, (r: Parameters<NonNullable<Exchange['placeLimitOrder']>>[0]) => x.placeLimitOrder(r)),
      cancelOrder: this.#sendLater((q) => `${id} cancel ${q.clientOrderId}`, (q: Parameters<NonNullable<Exchange['cancelOrder']>>[0]) => x.cancelOrder(q)),
    };
  }

  #storeFor(id: string): StateStore {
    const m = this.store;
    return {
      get: this.#answerLater(`${id} get`, (key: string) => m.get(key)),
      compareAndSet: this.#answerLater(`${id} cas`, (key: string, v: number | null, value: Parameters<StateStore['compareAndSet']>[2]) => m.compareAndSet(key, v, value)),
      list: this.#answerLater(`${id} list`, () => m.list()),
    };
  }

  #lockFor(id: string): Lock {
    return {
      acquire: this.#answerLater(`${id} acquire`, async (key: string, options?: { ttlMs?: number; waitMs?: number }) => {
        const lease = await this.lock.acquire(key, { ...options, waitMs: 0 });
        if (lease === null) return null;
        return { key: lease.key, token: lease.token, expiresAt: lease.expiresAt, release: this.#answerLater(`${id} release`, () => lease.release()) };
      }),
    };
  }

  /** Resting LIMIT orders at the venue. */
  resting(): PaperOrder[] {
    return this.exchange.orders.filter((o) => o.type === 'limit' && o.status === 'open' && o.symbol === SYMBOL);
  }

  /**
   * The venue invariants, checked after every effect at the venue: at most one resting
   * take-profit and `activeRebuys` resting buys; no sell refused for lack of funds; no negative
   * balance; no client order id accepted or executed twice.
   */
  checkVenue(when: string): void {
    const resting = this.resting();
    const sells = resting.filter((o) => o.side === 'sell');
    const buys = resting.filter((o) => o.side === 'buy');
    const say = (what: string) => this.violations.push(`${what} (${when}); resting: ${resting.map(show).join(', ')}`);
    if (sells.length > 1) say(`${sells.length} take-profits rest at the venue`);
    if (buys.length > ACTIVE_REBUYS) say(`${buys.length} safety buys rest at the venue (activeRebuys ${ACTIVE_REBUYS})`);
    for (const o of this.exchange.orders) {
      if (o.side === 'sell' && o.status === 'rejected' && o.rejectReason === 'INSUFFICIENT_FUNDS' && !this.#seenShort.has(o.seq)) {
        this.#seenShort.add(o.seq);
        say(`the venue refused sell ${o.clientOrderId} ${o.baseAmount} for lack of base`);
      }
    }
    for (const asset of ['ETH', 'USDT']) if (dec(this.exchange.balance(asset)).lt(0)) say(`${asset} balance ${this.exchange.balance(asset)} < 0`);
    const accepted = new Map<string, number>();
    const executed = new Map<string, number>();
    for (const o of this.exchange.orders) {
      if (o.status !== 'rejected' && o.status !== 'not-executed') accepted.set(o.clientOrderId, (accepted.get(o.clientOrderId) ?? 0) + 1);
    }
    for (const o of this.exchange.executedOrders()) executed.set(o.clientOrderId, (executed.get(o.clientOrderId) ?? 0) + 1);
    for (const [id, n] of accepted) if (n > 1) say(`client order id ${id} accepted ${n} times`);
    for (const [id, n] of executed) if (n > 1) say(`client order id ${id} executed ${n} times`);
  }

  readonly #seenShort = new Set<number>();

  /** Throws with the schedule's log when an invariant broke. */
  assertNoViolation(): void {
    if (this.violations.length === 0) return;
    throw new Error(`invariant broken: ${this.violations[0]}\n${this.story()}`);
  }

  /** The log, the engine errors and the venue's orders: what a failure prints. */
  story(): string {
    const orders = this.exchange.orders.map((o) => `  #${o.seq} ${o.type ?? 'market'} ${show(o)} ${o.status}${o.rejectReason ? ` ${o.rejectReason}` : ''}${o.fault ? ` fault=${JSON.stringify(o.fault)}` : ''}`);
    const cancels = this.exchange.cancels.map((c) => `  cancel ${c.clientOrderId}: ${c.outcome}${c.faults.length ? ` faults=${JSON.stringify(c.faults)}` : ''}`);
    return [`actions:`, ...this.log.map((l) => `  ${l}`), `venue orders:`, ...orders, `cancels:`, ...cancels, `engine errors:`, ...this.errors.slice(0, 20).map((e) => `  ${e}`)].join('\n');
  }

  /** Runs one action of a schedule, then checks the invariants. */
  async run(a: Action): Promise<void> {
    this.log.push(describeAction(a));
    switch (a.kind) {
      case 'tick': {
        const e = this.engines[a.engine % this.engines.length]!;
        const tick = e.tick().catch(() => undefined); // a tick throws only when prices cannot be fetched
        if (a.wait === 'none') this.#running.push(tick);
        else {
          await this.#s.waitFor(tick);
          if (a.wait === 'idle') await this.#s.waitFor(e.idle());
        }
        break;
      }
      case 'release':
        for (let i = 0; i < a.n; i++) {
          if (this.#s.count() === 0) await settle();
          if (this.#s.count() === 0) break;
          await this.#s.waitNext(1);
          this.assertNoViolation();
        }
        break;
      case 'price':
        if (a.partial !== undefined) this.exchange.injectFault({ kind: 'restingPartialFill', ratio: a.partial });
        this.exchange.setPrice(SYMBOL, a.price);
        this.checkVenue(`after price ${a.price}`);
        break;
      case 'fault':
        this.exchange.injectFault(a.fault, a.side === undefined ? {} : { side: a.side });
        break;
      case 'close': {
        const e = this.engines[a.engine % this.engines.length]!;
        this.#running.push(e.closeCycle(SYMBOL).catch(() => undefined)); // a write that kept failing: the next close or tick goes on
        break;
      }
      case 'advance':
        if (this.#inFlightClock + a.ms > IN_FLIGHT_CLOCK_BUDGET_MS) {
          await this.quiesce(); // a long jump happens between calls, never in the middle of one
          this.#inFlightClock = 0;
        } else this.#inFlightClock += a.ms;
        this.clock.advance(a.ms);
        break;
    }
    this.assertNoViolation();
  }

  /** Waits (releasing calls in the scheduler's order) until no tick, worker or look-up is running. */
  async quiesce(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const pending = [...this.#running.splice(0), ...this.engines.map((e) => e.idle())];
      await this.#s.waitFor(Promise.all(pending));
      await settle();
      if (this.#s.count() === 0 && this.#running.length === 0) {
        this.#inFlightClock = 0;
        return;
      }
    }
    throw new Error(`the engines never came to rest\n${this.story()}`);
  }

  /** The cycle record as stored (schema 2). */
  async record(): Promise<CycleRecord | undefined> {
    return readCycle(this.store, SYMBOL);
  }

  /**
   * Brings everything to rest: faults cleared, then rounds of (clock +100 s, every engine ticks and
   * goes idle, twice) until a round writes nothing, places or cancels nothing, leaves every slot simply
   * open, and looked every one of them up (the clock step is past the polling budget; an engine
   * seeing a slot for the first time may wait a round): the ledger has caught up with the venue.
   */
  async drain(): Promise<CycleRecord | undefined> {
    this.log.push('drain');
    this.exchange.clearFaults();
    await this.quiesce();
    for (let round = 0; round < DRAIN_ROUNDS; round++) {
      const before = await this.#venueAndVersion();
      this.#lookedUp.clear();
      this.clock.advance(DRAIN_STEP_MS);
      // Twice: a tick that finds a resting order due for its look-up does nothing else for the
      // symbol (see the it.fails case in limit-race.test.ts); a running loop ticks far more often.
      for (const e of [...this.engines, ...this.engines]) {
        await this.#s.waitFor(e.tick().catch(() => undefined));
        await this.#s.waitFor(e.idle());
      }
      await this.quiesce();
      this.assertNoViolation();
      const record = await this.record();
      const slots = record?.orders ?? [];
      const quiet = (await this.#venueAndVersion()) === before;
      if (quiet && slots.every((o) => o.state === 'open' && this.#lookedUp.has(o.clientOrderId))) return record;
    }
    throw new Error(`not settled after ${DRAIN_ROUNDS} drain rounds: ${JSON.stringify(await this.record())}\n${this.story()}`);
  }

  /** The record's version, the number of orders and cancels the venue received, and their states. */
  async #venueAndVersion(): Promise<string> {
    const snap = await this.store.get(SYMBOL);
    return JSON.stringify([snap?.version ?? null, this.exchange.orders.length, this.exchange.cancels.length, this.resting().map((o) => o.state?.filledBase)]);
  }

  /**
   * After `drain()`: the ledger matches the venue's book, the record's base (position + dust)
   * equals the venue's net base, its quote (invested − realized PnL) the venue's net quote, and an
   * active cycle's take-profit rests for its whole sellable position. Returns the first mismatch, or null.
   */
  settledMismatch(record: CycleRecord | undefined): string | null {
    const resting = this.resting();
    const slots = record?.orders ?? [];
    for (const slot of slots) {
      const venue = resting.find((o) => o.clientOrderId === slot.clientOrderId);
      if (venue === undefined) return `slot ${slot.purpose} ${slot.clientOrderId} is open in the ledger but not resting at the venue`;
      if (!dec(venue.state?.filledBase).eq(slot.applied.base)) return `slot ${slot.clientOrderId}: venue filled ${venue.state?.filledBase}, ledger applied ${slot.applied.base}`;
    }
    for (const o of resting) if (!slots.some((s) => s.clientOrderId === o.clientOrderId)) return `${show(o)} rests at the venue, unknown to the ledger`;
    const remaining = (o: PaperOrder) => dec(o.state?.amountBase).minus(dec(o.state?.filledBase));
    const venueBase = dec(this.exchange.balance('ETH')).plus(resting.filter((o) => o.side === 'sell').reduce((sum, o) => sum.plus(remaining(o)), dec(0)));
    const recordBase = dec(record?.position?.baseVolume).plus(dec(record?.dust?.baseVolume));
    if (!venueBase.eq(recordBase)) return `record base ${recordBase.toFixed()} (position ${record?.position?.baseVolume ?? '-'} + dust ${record?.dust?.baseVolume ?? '-'}) ≠ venue base ${venueBase.toFixed()}`;
    const venueQuote = dec(this.exchange.balance('USDT')).plus(resting.filter((o) => o.side === 'buy').reduce((sum, o) => sum.plus(remaining(o).mul(dec(o.price))), dec(0)));
    const spentPerVenue = dec(START_USDT).minus(venueQuote);
    const spentPerRecord = dec(record?.position?.investedQuote).plus(dec(record?.dust?.investedQuote)).minus(dec(record?.realizedPnlQuote));
    if (!spentPerVenue.eq(spentPerRecord)) return `net quote spent: venue ${spentPerVenue.toFixed()}, record (invested − realized PnL) ${spentPerRecord.toFixed()}`;
    if (record?.halted) return `the cycle is halted: ${JSON.stringify(record.halted)}`;
    if (record?.exiting) return `the cycle is still exiting after the drain: ${JSON.stringify(record.exiting)}`;
    // Protection: an active cycle holding a sellable position has its take-profit resting for all of it.
    const position = record?.phase === 'active' ? record.position : null;
    if (position) {
      const whole = dec(position.baseVolume).div(AMOUNT_STEP).floor().mul(AMOUNT_STEP);
      const target = dec(position.avgPrice).mul(1 + TAKE_PROFIT_PCT / 100).div(PRICE_TICK).ceil().mul(PRICE_TICK);
      const tp = slots.find((o) => o.purpose === 'takeProfit');
      if (whole.mul(target).gte(MIN_NOTIONAL) && (tp === undefined || !dec(tp.baseAmount).minus(tp.applied.base).eq(whole))) {
        return `the active cycle holds ${position.baseVolume} but its take-profit rests for ${tp === undefined ? 'nothing' : dec(tp.baseAmount).minus(tp.applied.base).toFixed()}`;
      }
    }
    return null;
  }
}

/** Counts of what a finished schedule exercised (summed over a run into the test's summary). */
export function exercised(world: RaceWorld): Record<string, number> {
  const limits = world.exchange.orders.filter((o) => o.type === 'limit');
  const filled = (o: PaperOrder) => dec(o.state?.filledBase).gt(0);
  const partial = (o: PaperOrder) => filled(o) && dec(o.state?.filledBase).lt(dec(o.state?.amountBase));
  return {
    takeProfitFills: limits.filter((o) => o.side === 'sell' && filled(o)).length,
    safetyBuyFills: limits.filter((o) => o.side === 'buy' && filled(o)).length,
    partialFills: limits.filter(partial).length,
    cancels: world.exchange.cancels.length,
    fillsDuringCancel: world.exchange.cancels.filter((c) => c.faults.some((f) => f === 'fill-during-cancel' || (typeof f === 'object' && f.kind === 'fillDuringCancel'))).length,
    cancelsLost: world.exchange.cancels.filter((c) => c.faults.some((f) => f === 'cancel-unknown-before' || f === 'cancel-unknown-after')).length,
    cancelsOfEndedOrders: world.exchange.cancels.filter((c) => c.outcome === 'already-ended').length,
    placementsLost: world.exchange.orders.filter((o) => o.fault === 'unknown-after' || o.fault === 'unknown-before').length,
    ...world.seen,
  };
}

function show(o: PaperOrder): string {
  return `${o.side} ${o.baseAmount ?? o.quoteAmount ?? '?'}${o.price ? `@${o.price}` : ''} ${o.clientOrderId}${o.state ? ` filled ${o.state.filledBase}` : ''}`;
}

/**
 * Runs one schedule: a warm-up (the first cycle's orders resting), the actions, the drain; throws
 * on the first broken invariant. `Math.random` (look-up jitter) is seeded from the schedule.
 */
export async function runRaceSchedule(s: fc.Scheduler, p: Schedule, totals?: Map<string, number>, options: { readonly exits?: boolean } = {}): Promise<void> {
  const random = vi.spyOn(Math, 'random').mockImplementation(prng(p.random).next);
  try {
    const world = new RaceWorld(s, p.engines, options);
    const warmUp: Action[] = [
      { kind: 'tick', engine: 0, wait: 'idle' },
      { kind: 'tick', engine: 0, wait: 'idle' },
    ];
    for (const a of [...warmUp, ...p.actions]) await world.run(a);
    const record = await world.drain();
    const mismatch = world.settledMismatch(record);
    if (mismatch !== null) throw new Error(`after the drain: ${mismatch}\nrecord: ${JSON.stringify(record)}\n${world.story()}`);
    for (const [k, n] of Object.entries(exercised(world))) totals?.set(k, (totals.get(k) ?? 0) + n);
  } finally {
    random.mockRestore();
  }
}
