/**
 * The real system of the model-based test: one PaperExchange (with its resting book), one store,
 * one lock, one clock, and engines that come and go. Every port call starts and resolves when
 * fast-check's scheduler says so; a node can be told to crash at a chosen point.
 *
 * Besides driving the engines, it watches what a checker needs and the venue cannot say: every
 * intent written (an order is sent only once its intent was persisted, a cancel only once the
 * slot is `cancelling`), and the resting book after every placement (at most one take-profit and
 * at most `activeRebuys` safety buys live at the venue at any time). What it sees wrong goes to
 * `violations`, which the checks assert empty — a throw inside a port call would go to the engine,
 * not to the test.
 */
import { asV2 } from './records';
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
  type CycleRecord,
  type StoredCycleRecord,
  type Exchange,
  type StateStore,
  type Lock,
  type PaperOrder,
} from 'cycle-engine';
import { Decimal } from '../../src/decimal';

export const SYMBOL = 'ETH/USDT';
export const START_QUOTE = '1000000';
export const RULES = { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' } as const;
const never = <T>() => new Promise<T>(() => {});

/** How the run's strategy places its orders: a parameter drawn per run. */
export interface Mode {
  readonly takeProfitOrder: 'market' | 'limit';
  readonly rebuyOrders: 'market' | 'limit';
  readonly activeRebuys: number;
  readonly maxRebuys: number;
  /** Whether the venue lists open orders in one call (`fetchOpenOrders`), or each is looked up on its own. */
  readonly openOrders?: boolean;
}

/** 0.1's behaviour: every order a MARKET order. */
export const MARKET: Mode = { takeProfitOrder: 'market', rebuyOrders: 'market', activeRebuys: 1, maxRebuys: 2 };

export const isLimit = (m: Mode) => m.takeProfitOrder === 'limit' || m.rebuyOrders === 'limit';

export type CrashPoint = 'before-send' | 'after-send' | 'before-outcome-write' | 'before-cancel' | 'after-cancel';
/** A call that hangs, as the engine sees it once `callTimeoutMs` bounds it: a timeout, before or after the call took effect. */
export type Hang = 'find' | 'prices' | 'get' | 'cas-lost' | 'cas-landed' | 'open-orders';

interface Node {
  engine: CycleEngine;
  alive: boolean;
  crashAt: CrashPoint | null;
}

/** What was persisted of an intent: the cycle it belongs to, and whether its cancel was persisted. */
export interface IntentSeen {
  readonly cycleId: string | null;
  readonly purpose: string;
  readonly type: 'market' | 'limit';
  readonly level: number | undefined;
  cancelPersisted: boolean;
}

/** A LIMIT order resting at the venue right now. */
export const isResting = (o: PaperOrder) => o.type === 'limit' && o.state?.status === 'open';
/** What a resting order still has to execute. */
export const restingLeft = (o: PaperOrder) => new Decimal(o.baseAmount ?? 0).minus(o.state?.filledBase ?? 0);

/** The real system: one exchange, store, lock and clock; engines come and go. */
export class Real {
  readonly clock = new ManualClock(Date.UTC(2025, 0, 1));
  readonly exchange = new PaperExchange({
    prices: { [SYMBOL]: '100' },
    balances: { USDT: START_QUOTE },
    clock: this.clock,
    defaultRules: RULES,
  });
  readonly store = new MemoryStateStore();
  readonly lock = new MemoryLock({ clock: this.clock, ttlMs: 5_000 });
  readonly nodes: Node[] = [];
  readonly errors: unknown[] = [];
  /** Broken invariants seen inside port calls (asserted empty by the checks). */
  readonly violations: string[] = [];
  /** Every intent ever persisted, by client order id. */
  readonly intents = new Map<string, IntentSeen>();
  /** The next call of this kind hangs (and so times out). */
  hang: Hang | null = null;
  /** Base sold by hand behind the engines' back (the record then overstates the account). */
  handSold = new Decimal(0);
  /** Cycles closed without a sell (everything was sold by hand, the position adopted to nothing). */
  emptied = 0;
  /** Client order ids of sells that filled in part (their cycle stays open). */
  readonly partialSells = new Set<string>();

  constructor(readonly s: fc.Scheduler, readonly mode: Mode = MARKET) {
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

  /** Notes every slot of a record that was written. */
  #written(value: CycleRecord): void {
    for (const o of value.orders) {
      const seen = this.intents.get(o.clientOrderId);
      if (seen === undefined) {
        this.intents.set(o.clientOrderId, { cycleId: value.cycleId, purpose: o.purpose, type: o.type, level: o.level, cancelPersisted: o.state === 'cancelling' });
      } else if (o.state === 'cancelling') seen.cancelPersisted = true;
    }
  }

  /** Invariant 10, looked at whenever an order lands: never two take-profits, never more buys than `activeRebuys` resting. */
  #checkBook(after: string): void {
    const resting = this.exchange.orders.filter(isResting);
    const sells = resting.filter((o) => o.side === 'sell');
    const buys = resting.filter((o) => o.side === 'buy');
    const maxBuys = this.mode.rebuyOrders === 'limit' ? this.mode.activeRebuys : 0;
    if (sells.length > (this.mode.takeProfitOrder === 'limit' ? 1 : 0)) this.violations.push(`${sells.length} take-profits resting at the venue after ${after}: ${sells.map((o) => o.clientOrderId).join(', ')}`);
    if (buys.length > maxBuys) this.violations.push(`${buys.length} safety buys resting at the venue (activeRebuys ${maxBuys}) after ${after}: ${buys.map((o) => o.clientOrderId).join(', ')}`);
  }

  /** An order or cancel about to reach the venue: its intent (or its cancel) must be persisted. */
  #checkSend(clientOrderId: string, what: 'order' | 'cancel'): void {
    const seen = this.intents.get(clientOrderId);
    if (seen === undefined) this.violations.push(`${what} ${clientOrderId} sent without a persisted intent`);
    else if (what === 'cancel' && !seen.cancelPersisted) this.violations.push(`cancel of ${clientOrderId} sent before the slot was persisted cancelling`);
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
    // The write of an outcome: nothing is being sent any more (0.1: the MARKET order's outcome).
    const isOutcome = (value: StoredCycleRecord) => asV2(value).orders.every((o) => o.state !== 'sending');
    const timeout = (call: string) => Promise.reject(new CallTimeoutError(call, 30_000));
    const store: StateStore = {
      get: gate('get', (k: string) => (this.#hangs('get') ? timeout('store.get') : this.store.get(k))),
      list: gate('list', () => this.store.list()),
      compareAndSet: gate(
        'cas',
        async (k: string, v: number | null, value: CycleRecord) => {
          if (this.#hangs('cas-lost')) throw new WriteUnknownError(k, 'timed out before it landed');
          const written = await this.store.compareAndSet(k, v, value);
          if (written !== null) this.#written(asV2(value));
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
    type Place = Parameters<Exchange['placeMarketOrder']>[0];
    type PlaceLimit = Parameters<NonNullable<Exchange['placeLimitOrder']>>[0];
    type Cancel = Parameters<NonNullable<Exchange['cancelOrder']>>[0];
    const exchange: Exchange = {
      id: 'model',
      fetchPrices: gate('prices', (x: readonly string[]) => (this.#hangs('prices') ? timeout('fetchPrices') : this.exchange.fetchPrices(x))),
      getMarket: (x: string) => this.exchange.getMarket(x),
      findOrder: gate('find', (q: Parameters<Exchange['findOrder']>[0]) => (this.#hangs('find') ? timeout('findOrder') : this.exchange.findOrder(q))),
      placeMarketOrder: gate(
        'order',
        (req: Place) => (this.#checkSend(req.clientOrderId, 'order'), this.exchange.placeMarketOrder(req)),
        () => crash('before-send'),
        () => crash('after-send'),
      ),
      placeLimitOrder: gate(
        'limit',
        (req: PlaceLimit) => {
          this.#checkSend(req.clientOrderId, 'order');
          return this.exchange.placeLimitOrder(req).finally(() => this.#checkBook(`placing ${req.clientOrderId}`));
        },
        () => crash('before-send'),
        () => crash('after-send'),
      ),
      cancelOrder: gate(
        'cancel',
        (q: Cancel) => (this.#checkSend(q.clientOrderId, 'cancel'), this.exchange.cancelOrder(q)),
        () => crash('before-cancel'),
        () => crash('after-cancel'),
      ),
      ...(this.mode.openOrders
        ? { fetchOpenOrders: gate('open-orders', (x: readonly string[]) => (this.#hangs('open-orders') ? timeout('fetchOpenOrders') : this.exchange.fetchOpenOrders(x))) }
        : {}),
      fetchBalances: gate('balances', async (assets: readonly string[]) => Object.fromEntries(assets.map((a) => [a, this.exchange.balance(a)]))),
    };
    const clock = skewMs === 0 ? this.clock : { now: () => this.clock.now() + skewMs, monotonic: () => this.clock.monotonic() };
    const { takeProfitOrder, rebuyOrders, activeRebuys, maxRebuys } = this.mode;
    node.engine = new CycleEngine({
      exchange,
      store,
      lock,
      symbols: [SYMBOL],
      strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys, takeProfitPct: 1, ...(isLimit(this.mode) ? { takeProfitOrder, rebuyOrders, activeRebuys } : {}) }),
      clock,
      onPositionMismatch: 'adopt',
      orderTimeoutMs: 5_000, // real time for the call's timer (never reached: calls answer at once or hang), clock time for deadlines
      workerGraceMs: 5_000,
      landingWindowMs: 60_000,
      lockWaitMs: 0,
      lookupBackoff: { initialMs: 1_000, maxMs: 8_000 },
      tickIntervalMs: 1_000_000_000,
      openOrderCheckMs: 30_000,
    });
    node.engine.on('error', (e) => this.errors.push(e));
    node.engine.on('cycle:closed', (e) => {
      if (e.reason === 'emptied') this.emptied++;
    });
    node.engine.on('cycle:partiallySold', (e) => this.partialSells.add(e.fill.clientOrderId));
    this.nodes.push(node);
    return node;
  }

  /** Someone sells base by hand, outside the engines (only what is free: base held by a resting sell is not). */
  sellByHand(base: string): void {
    const held = new Decimal(this.exchange.balance('ETH'));
    const sold = Decimal.min(held, base);
    this.exchange.setBalance('ETH', held.minus(sold).toFixed());
    this.handSold = this.handSold.plus(sold);
  }

  /** Base the account holds: free, plus what resting sells still hold. */
  venueBase(): Decimal {
    const locked = this.exchange.orders.filter((o) => isResting(o) && o.side === 'sell').reduce((sum, o) => sum.plus(restingLeft(o)), new Decimal(0));
    return new Decimal(this.exchange.balance('ETH')).plus(locked);
  }

  /** What the venue's fills put in the account, in base: buys net of their base fees, less sells. */
  netFills(): Decimal {
    let net = new Decimal(0);
    for (const o of this.exchange.orders) {
      const filled = o.state?.filledBase ?? o.fill?.filledBase ?? '0';
      const fees = o.state?.fees ?? (o.fill?.fee ? [o.fill.fee] : []);
      const baseFees = fees.filter((f) => f.currency === 'ETH').reduce((sum, f) => sum.plus(f.amount), new Decimal(0));
      net = o.side === 'buy' ? net.plus(filled).minus(baseFees) : net.minus(filled).minus(baseFees);
    }
    return net;
  }

  /** Quote the account holds: free, plus what resting buys still hold (their limit × what is left). */
  venueQuote(): Decimal {
    const locked = this.exchange.orders.filter((o) => isResting(o) && o.side === 'buy').reduce((sum, o) => sum.plus(restingLeft(o).mul(o.price ?? 0)), new Decimal(0));
    return new Decimal(this.exchange.balance('USDT')).plus(locked);
  }

  async record(): Promise<CycleRecord | undefined> {
    return asV2((await this.store.get(SYMBOL))?.value);
  }
}
