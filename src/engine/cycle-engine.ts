/**
 * The engine: per-symbol cycles driven by a strategy, every order through a persisted intent.
 */
import { performance } from 'node:perf_hooks';
import { Decimal, str } from '../decimal';
import {
  CycleEngineError,
  InvalidOptionsError,
  isCorruptStateError,
  isCallTimeoutError,
  isCycleEngineError,
  isWriteUnknownError,
} from '../errors';
import type { EngineStoppedEvent } from '../events';
import type { MarketRules, OrderFill, OrderState } from '../ports/exchange';
import type { LockLease } from '../ports/lock';
import { assertCycleRecord, emptyRecord, type CycleRecord, type OrderSlot } from '../ports/record';
import { isPortfolioRecord } from '../ports/portfolio-record';
import { upgradeCycleRecord } from '../ports/record-v1';
import type { StrategyDecision } from '../strategy/strategy';
import { bounded, sleep } from './bounded';
import { boundExchange, boundLock, boundStore } from './bounded-ports';
import { decide } from './decision';
import { checkDesired, reconcileResting } from './desired';
import { checkFill } from './fill';
import { fillToState, type Observation } from './ledger';
import { checkOrderState } from './lookup';
import { GuardedEmitter } from './guarded-emitter';
import { checkMarketRules } from './market-rules';
import { checkPrices } from './prices';
import { newId } from './ids';
import { resolveOptions, type CycleEngineOptions, type ResolvedOptions } from './options';
import { callOrder, OrderNotKnown } from './order-call';
import { PollingBudget } from './polling';
import { Reconciler } from './reconciler';
import { applyDecision, beginExit, exitStep, setPaused } from './exit-transitions';
import { claimOf, withoutNewBuys } from './portfolio';
import { PortfolioBook } from './portfolio-store';
import { closeIfEmpty, observe, recordOrphan, resync, withEstimatedFee, type EngineEvent, type Transition } from './transitions';

/** What a tick wants to do for one symbol; decided without the lock, then again under it. */
type Plan =
  | { kind: 'none' }
  | { kind: 'write'; purpose: 'intent' | 'outcome' | 'park'; build: (r: CycleRecord) => Transition | null; settles?: string; lookups?: OrderSlot[] }
  | { kind: 'lookup'; slots: OrderSlot[] };

/** A record as read, upgraded to schema 2 (`upgraded`: it was stored as schema 1). */
interface Snapshot {
  version: number;
  value: CycleRecord;
  upgraded: boolean;
}

interface Worker {
  key: string;
  intentId: string;
  clientOrderId: string;
  purpose: OrderSlot['purpose'];
  kind: 'send' | 'cancel';
  done: Promise<void>;
}

const NONE: Plan = { kind: 'none' };
const STORE_RETRIES = 5;

/**
 * Runs dollar-cost-averaging cycles per symbol, safely: under a short per-symbol lock it reads the
 * cycle record, decides, and persists the order intent with a compare-and-set; only after the lock
 * is released does a background worker send the order, and the worker persists the outcome in the
 * same write that moves the cycle. Every order of a cycle is a slot of its ledger (`record.orders`):
 * at most one MARKET order at a time, and, with a strategy that rests orders (`dca` with
 * `takeProfitOrder` / `rebuyOrders: 'limit'`), a LIMIT take-profit and safety buys that rest on the
 * exchange, placed and cancelled through intents too. Every answer of the venue is applied by
 * cumulative amounts, exactly once. An order whose outcome is unknown is looked up by its client
 * order id until it is settled, and `start()` first recovers every order a crash or a vanished
 * engine left behind.
 *
 * @example
 * ```ts
 * const engine = new CycleEngine({
 *   exchange: new PaperExchange({ prices: { 'ETH/USDT': 3028.07 }, balances: { USDT: '1000' } }),
 *   store: new MemoryStateStore(), lock: new MemoryLock(),
 *   symbols: ['ETH/USDT'],
 *   strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
 * });
 * engine.on('cycle:activated', (e) => console.log(e.symbol, e.price, e.baseVolume));
 * await engine.start();
 * ```
 * @public
 */
export class CycleEngine extends GuardedEmitter {
  /** Id of this engine instance: the owner recorded on its intents. */
  readonly instanceId: string;
  readonly #o: ResolvedOptions;
  readonly #mono: () => number;
  readonly #markets = new Map<string, MarketRules>();
  /** Senders and cancellers at work, by intent. */
  readonly #workers = new Map<string, Worker>();
  readonly #reconciler: Reconciler;
  /** Observations a worker could not persist (store down), by intent; retried by ticks and `idle()`. */
  readonly #unpersisted = new Map<string, { key: string; obs: Observation }>();
  /** Per resting slot: when this engine last looked (monotonic) and the price range seen since. */
  readonly #polling: PollingBudget;
  /** Last price seen per symbol (desired orders are reconciled with it after a write). */
  readonly #lastPrice = new Map<string, number>();
  /** Records whose resting orders matched what the strategy answered (that answer, by identity). */
  readonly #quiet = new WeakMap<CycleRecord, { raw: unknown; canPlace: boolean }>();
  /** Upgraded copies of schema-1 records read (by the stored object). */
  readonly #upgrades = new WeakMap<object, CycleRecord>();
  /** Keys whose record was reported corrupt (reported once until it reads well again). */
  readonly #corrupt = new Set<string>();
  readonly #validated = new WeakSet<object>();
  /** Symbols not traded (no longer in `symbols`) whose records still have an order to settle. */
  readonly #untracked = new Set<string>();
  /** Per key, a `retryAt` seen and the monotonic time its wait ends at the latest (a clock stepped back does not stretch it). */
  readonly #waits = new Map<string, { retryAt: number; until: number }>();
  #running = false;
  #starting: Promise<void> | null = null;
  /** Bumped by every `stop()`: a start in progress that sees it changed does not start its loop. */
  #generation = 0;
  /** Bumped when `stop()` gives up waiting: a tick still running from before sends nothing. */
  #epoch = 0;
  #loop: Promise<void> | null = null;
  #wakeLoop: (() => void) | null = null;
  #ticks = 0;
  /** The shared portfolio record's reservations, when a portfolio limit is set. */
  readonly #book: PortfolioBook | null;
  /** Symbols whose `cycle:budgetWait` was emitted and that have not gone since. */
  readonly #budgetWaits = new Set<string>();
  #sweptAt = -Infinity;
  /** Portfolio reservations being settled after a close: stop() waits for them. */
  readonly #settling = new Set<Promise<void>>();

  /**
   * @param options - ports, symbols, strategy and timings
   * @throws {@link InvalidOptionsError} for invalid options
   */
  constructor(options: CycleEngineOptions) {
    super();
    const resolved = resolveOptions(options);
    const ms = resolved.callTimeoutMs;
    this.#o = { ...resolved, exchange: boundExchange(resolved.exchange, ms), store: boundStore(resolved.store, ms), lock: boundLock(resolved.lock, ms) };
    const clock = this.#o.clock;
    this.#mono = typeof clock.monotonic === 'function' ? () => clock.monotonic!() : () => clock.now();
    this.#polling = new PollingBudget({
      exchange: this.#o.exchange,
      openOrderCheckMs: this.#o.openOrderCheckMs,
      monotonic: this.#mono,
      market: (symbol) => this.#markets.get(symbol),
      report: (error, symbol) => this.#report(error, symbol),
    });
    this.instanceId = this.#o.instanceId ?? `engine-${newId(Date.now()).slice(-11)}`;
    const limits = { ...(this.#o.maxActiveCycles !== null ? { maxActiveCycles: this.#o.maxActiveCycles } : {}), ...(this.#o.maxTotalInvestedQuote !== null ? { maxTotalInvestedQuote: this.#o.maxTotalInvestedQuote } : {}) };
    // A reservation is taken and its cycle written under the key's lock: one older than twice the
    // lock's TTL with no cycle is from an engine that crashed or lost its lock (the fence settles a slow one).
    this.#book = Object.keys(limits).length === 0 ? null : new PortfolioBook({ store: this.#o.store, key: this.#o.portfolioKey, limits, clock, owner: this.instanceId, minAgeMs: 2 * this.#o.lockTtlMs });
    this.#reconciler = new Reconciler({
      options: this.#o,
      monotonic: this.#mono,
      persistObservation: (key, symbol, intentId, obs, extra, epoch) => this.#persistObservation(key, symbol, intentId, obs, extra, epoch),
      epoch: () => this.#epoch,
      resendCancel: (key, symbol, slot, market) => this.#spawnCancel(key, symbol, slot, market),
      persistOrphan: (key, symbol, fill, note) => this.#persistOrphan(key, symbol, fill, note),
      report: (error, symbol) => this.#report(error, symbol),
    });
  }

  /** The symbols this engine trades. */
  get symbols(): readonly string[] {
    return this.#o.symbols;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Loads every symbol's market rules, recovers, then ticks every `tickIntervalMs` until `stop()`.
   * Concurrent calls share one start and one loop; a `stop()` during `start()` wins.
   *
   * Recovery: every cycle whose order has no applied outcome and is not being sent by this engine
   * (a crash, a restart, another engine that is gone) is looked up on the exchange by its client
   * order id at once; a fill found is applied. An order not found is looked up again on later
   * ticks until it can no longer land. Several engines recovering at once may all look; the
   * store's compare-and-set lets exactly one apply what they find. Records under this engine's
   * key prefix for symbols it no longer trades are recovered the same way and reported once
   * (`cycle:untracked`), but not traded.
   *
   * A market whose rules cannot be loaded does not stop the others: it is reported (`error`) and
   * loaded again on later ticks.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const generation = this.#generation;
    await Promise.all(
      this.#o.symbols.map((s) =>
        this.#market(s).catch((error: unknown) => {
          this.#report(error, s);
        }),
      ),
    );
    if (generation !== this.#generation) return;
    await this.#recover();
    if (generation !== this.#generation) return;
    this.#running = true;
    this.#loop = this.#runLoop(generation);
  }

  /** Looks up, once and at once, every order of the ledger that has no sender here: unknown, abandoned, being cancelled, or resting. */
  async #recover(): Promise<void> {
    let records: Array<{ key: string; value: unknown }> = [];
    try {
      records = (await this.#o.store.list()).filter((r) => r.key.startsWith(this.#o.keyPrefix) && !isPortfolioRecord(r.value));
    } catch (error) {
      this.#report(error);
    }
    const tracked = new Set(this.#o.symbols);
    const keys = new Set(this.#o.symbols.map((s) => this.#key(s)));
    for (const r of records) {
      const symbol = this.#symbolOf(r.key);
      if (tracked.has(symbol) || keys.has(r.key) || !this.#isMine(r)) continue;
      keys.add(r.key);
      let value: CycleRecord;
      try {
        value = this.#checked(r.key, r.value);
      } catch (error) {
        this.#report(error, symbol);
        continue;
      }
      const first = value.orders[0];
      this.emit('cycle:untracked', { symbol, phase: value.phase, position: value.position, pendingClientOrderId: first !== undefined ? first.clientOrderId : null });
      if (value.orders.length > 0) this.#untracked.add(symbol);
    }
    await eachLimited([...keys], this.#o.concurrency, async (key) => {
      const symbol = this.#symbolOf(key);
      let orders: readonly OrderSlot[] | undefined;
      try {
        orders = (await this.#read(key))?.value.orders;
      } catch (error) {
        this.#report(error, symbol);
        return;
      }
      if (!orders || orders.length === 0) return;
      let market: MarketRules;
      try {
        market = await this.#market(symbol);
      } catch (error) {
        this.#report(error, symbol); // looked up by a later tick once its market loads
        return;
      }
      for (const slot of orders) {
        if (this.#workers.has(slot.intentId)) continue;
        this.#reconciler.lookUp(key, symbol, slot, market);
      }
    });
    await Promise.all(this.#reconciler.pending());
    if (this.#book !== null) await this.#sweepPortfolio(true);
  }

  /**
   * Stops ticking and waits for the current tick and every order in flight to finish and be
   * recorded — at most `stopTimeoutMs`, or until `options.signal` aborts: then it resolves anyway,
   * and `engine:stopped` (with `timedOut: true`) lists the orders left without an outcome (the next
   * start looks them up). After it resolves the loop runs no tick and sends no order. Safe to call
   * twice, and during `start()` (stop wins).
   * @param options - `signal`: stop waiting early (the engine is stopped all the same)
   */
  async stop(options: { readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    this.#generation++;
    this.#running = false;
    this.#wakeLoop?.();
    const starting = this.#starting;
    this.#starting = null; // a start() after this stop() starts afresh
    const work = (async () => {
      await starting?.catch(() => undefined);
      await this.#loop;
      this.#loop = null;
      await this.#drainWorkers();
      await Promise.allSettled([...this.#settling]); // a close's reservation settled before stop() returns
    })();
    const timedOut = await raceWait(work, this.#o.stopTimeoutMs, options.signal);
    if (timedOut) this.#epoch++;
    this.emit('engine:stopped', { timedOut, leftBehind: this.#leftBehind() });
  }

  /**
   * `await using engine = new CycleEngine(…)`: leaving the scope calls {@link CycleEngine.stop}.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #leftBehind(): EngineStoppedEvent['leftBehind'] {
    const out: Array<EngineStoppedEvent['leftBehind'][number]> = [];
    for (const w of this.#workers.values()) out.push({ symbol: this.#symbolOf(w.key), intentId: w.intentId, clientOrderId: w.clientOrderId, purpose: w.purpose });
    for (const { key, intentId, clientOrderId, purpose } of this.#reconciler.inProgress()) {
      if (!out.some((o) => o.intentId === intentId)) out.push({ symbol: this.#symbolOf(key), intentId, clientOrderId, purpose });
    }
    return out;
  }

  /**
   * One pass over every symbol: fetch prices, then for each symbol decide and persist. Resolves
   * once every symbol's decision is made and persisted, not when the orders finish (see `idle()`).
   * @throws {@link CycleEngineError} when prices cannot be fetched (outcomes are still applied and
   * nothing new is decided in that tick)
   */
  async tick(): Promise<void> {
    const t0 = performance.now();
    const tick = ++this.#ticks;
    const epoch = this.#epoch;
    const symbols = this.#o.symbols;
    this.#reconciler.runLateChecks();
    // Observations a failing store could not take: applied now, or kept as orphans if their cycle moved on.
    for (const [intentId, q] of [...this.#unpersisted]) {
      if (!this.#workers.has(intentId)) await this.#persistObservation(q.key, this.#symbolOf(q.key), intentId, q.obs);
    }
    // Without prices nothing new is decided, but outcomes are still applied and stale intents parked.
    let prices: Record<string, number> = {};
    let priceError: CycleEngineError | null = null;
    try {
      // Issue 9, case 15: a malformed answer is reported once per tick; a bad entry costs only its own symbol its price.
      const checked = checkPrices(symbols, await this.#o.exchange.fetchPrices(symbols), `${this.#o.exchange.id} fetchPrices`);
      prices = checked.prices;
      for (const [symbol, price] of Object.entries(prices)) this.#notePrice(symbol, price);
      if (checked.error !== null) this.#report(checked.error);
    } catch (cause) {
      priceError = isCycleEngineError(cause) ? cause : new CycleEngineError(`Could not fetch prices from ${this.#o.exchange.id}`, { cause });
    }
    await this.#polling.sweep();
    const now = this.#o.clock.now();
    // Phase 1, without the lock: read every record and decide. Most symbols stop here.
    const due: Array<{ symbol: string; market: MarketRules }> = [];
    let skipped = 0;
    const scanned = this.#untracked.size === 0 ? symbols : [...symbols, ...this.#untracked];
    await eachLimited(scanned, this.#o.concurrency, async (symbol) => {
      const r = await this.#scan(symbol, this.#untracked.has(symbol) ? undefined : prices[symbol], now);
      if (r === 'skipped') skipped++;
      else if (r !== 'none') due.push({ symbol, market: r });
    });
    // Phase 2, under the lock, a few at a time: a hold spans only its own short awaits, not the
    // work of a crowd of other lanes.
    let ordersStarted = 0;
    await eachLimited(due, this.#o.transitionConcurrency, async ({ symbol, market }) => {
      const r = await this.#transition(symbol, this.#untracked.has(symbol) ? undefined : prices[symbol], market, epoch);
      if (r === 'order') ordersStarted++;
      else if (r === 'skipped') skipped++;
    });
    this.emit('tick:completed', { tick, symbols: symbols.length, ordersStarted, skipped, durationMs: performance.now() - t0 });
    if (priceError !== null) throw priceError;
  }

  /**
   * Resolves when no order of this engine is in flight and every outcome has been applied to its
   * cycle (retrying outcomes the store refused), including look-ups and late answers in progress.
   * A parked order waiting for its next look-up does not hold it: that look-up comes with a tick.
   * @param options - `signal`: stop waiting (the promise rejects with the signal's reason; the work goes on)
   * @throws the signal's reason when `options.signal` aborts first
   */
  async idle(options: { readonly signal?: AbortSignal | undefined } = {}): Promise<void> {
    const { signal } = options;
    if (signal === undefined) return this.#idle();
    signal.throwIfAborted();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.#idle(), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  async #idle(): Promise<void> {
    for (;;) {
      await this.#drainWorkers();
      if (this.#unpersisted.size === 0) return;
      for (const [intentId, { key, obs }] of [...this.#unpersisted]) {
        await this.#persistObservation(key, this.#symbolOf(key), intentId, obs);
      }
      if (this.#unpersisted.size > 0 && this.#workers.size === 0) await sleep(100);
    }
  }

  /**
   * The cycle record of a symbol, or undefined when it never started.
   * @throws {@link CorruptStateError} when the stored record is invalid
   */
  async getCycle(symbol: string): Promise<CycleRecord | undefined> {
    const key = this.#key(symbol);
    const snap = await this.#o.store.get(key);
    return snap ? this.#checked(key, snap.value) : undefined;
  }

  /**
   * Every cycle record under this engine's key prefix.
   * @throws {@link CorruptStateError} when a stored record is invalid
   */
  async listCycles(): Promise<CycleRecord[]> {
    const all = await this.#o.store.list();
    const mine = all.filter((r) => r.key.startsWith(this.#o.keyPrefix) && !isPortfolioRecord(r.value) && this.#isMine(r));
    return mine.map((r) => this.#checked(r.key, r.value));
  }

  /**
   * Lifts the halt a position mismatch put on a cycle (a sell refused for lack of balance, with
   * `onPositionMismatch: 'halt'`): reads the account's free base when the exchange can
   * (`fetchBalances`), shrinks the position to it when it is less (never grows it), and lets the
   * cycle trade again. Call it once the account and the record agree (e.g. after buying back what
   * was sold by hand, or to accept the smaller holding). Resolves with the record after, or
   * undefined when the symbol has no record; a cycle that is not halted is left as it is.
   * @throws {@link CycleEngineError} when the record cannot be read or written
   */
  async resyncCycle(symbol: string): Promise<CycleRecord | undefined> {
    const key = this.#key(symbol);
    const market = await this.#market(symbol);
    let heldPerVenue: string | null = null;
    if (typeof this.#o.exchange.fetchBalances === 'function') {
      const balances = await this.#o.exchange.fetchBalances([market.base]);
      const free = balances?.[market.base];
      heldPerVenue = free === undefined ? '0' : String(free);
    }
    const now = this.#o.clock.now();
    const result = await this.#write(key, symbol, 'outcome', (record, m) => resync(record, heldPerVenue, { market: m, now, cooldownMs: this.#o.cooldownMs }));
    if (result.kind === 'error') throw new CycleEngineError(`Could not resync ${symbol}`, { cause: result.error });
    return (await this.#read(key))?.value;
  }

  /**
   * The manual exit (a "panic sell"): persists `exiting: { reason: 'manual' }` on the symbol's
   * cycle in one compare-and-set — no buy is sent from then on — and starts cancelling its resting
   * orders; once none is live, one MARKET sell sells what is held (by this engine, or by whichever
   * engine on the store ticks the symbol next). Idempotent: a cycle already exiting is left as it
   * is. Resolves once the exit is persisted, with the record after (undefined when the symbol has
   * no record; an idle cycle is returned unchanged).
   * @param symbol - one of this engine's symbols
   * @throws {@link InvalidOptionsError} when the symbol is not one of the engine's
   * @throws {@link CycleEngineError} when the record cannot be read or written
   */
  async closeCycle(symbol: string): Promise<CycleRecord | undefined> {
    this.#checkSymbol(symbol, 'closeCycle');
    const key = this.#key(symbol);
    const seen = this.#lastPrice.get(symbol);
    const price = seen === undefined ? null : str(new Decimal(seen));
    const epoch = this.#epoch;
    const result = await this.#write(key, symbol, 'outcome', (record, market) => {
      const now = this.#o.clock.now();
      return beginExit(record, 'manual', price, { market, now, owner: this.instanceId, newId: () => newId(now), price: seen, cooldownMs: this.#o.cooldownMs });
    });
    if (result.kind === 'error') throw new CycleEngineError(`Could not close the cycle of ${symbol}`, { cause: result.error });
    if (result.kind === 'won') {
      // Like a tick, on a started engine or not (a stop() that gave up waiting has moved the epoch on: nothing is sent then).
      this.#startWorkers(key, result.before, result.record, await this.#market(symbol), seen, epoch);
      return result.record;
    }
    return (await this.#read(key))?.value;
  }

  /**
   * Pauses a symbol: no new order is placed for it (no start, rebuy, take-profit, no resting order
   * placed or replaced) until {@link CycleEngine.resumeSymbol}; what rests on the venue stays, and
   * its fills are still applied. Persisted in the record, so every engine on the store honours it,
   * across restarts and cycles. A `closeCycle` still exits a paused cycle. Idempotent.
   * @param symbol - one of this engine's symbols
   * @throws {@link InvalidOptionsError} when the symbol is not one of the engine's
   * @throws {@link CycleEngineError} when the record cannot be read or written
   */
  async pauseSymbol(symbol: string): Promise<void> {
    await this.#setPaused(symbol, true);
  }

  /**
   * Lifts {@link CycleEngine.pauseSymbol}: the symbol trades again from its next tick. Idempotent.
   * @param symbol - one of this engine's symbols
   * @throws {@link InvalidOptionsError} when the symbol is not one of the engine's
   * @throws {@link CycleEngineError} when the record cannot be read or written
   */
  async resumeSymbol(symbol: string): Promise<void> {
    await this.#setPaused(symbol, false);
  }

  async #setPaused(symbol: string, paused: boolean): Promise<void> {
    this.#checkSymbol(symbol, paused ? 'pauseSymbol' : 'resumeSymbol');
    const result = await this.#write(this.#key(symbol), symbol, 'outcome', (record) => setPaused(record, paused, this.#o.clock.now()), undefined, { create: paused });
    if (result.kind === 'error') throw new CycleEngineError(`Could not ${paused ? 'pause' : 'resume'} ${symbol}`, { cause: result.error });
  }

  #checkSymbol(symbol: string, method: string): void {
    if (typeof symbol !== 'string' || !this.#o.symbols.includes(symbol)) {
      throw new InvalidOptionsError(`${method}(symbol)`, `${JSON.stringify(symbol) ?? String(symbol)} is not one of this engine's symbols (${this.#o.symbols.join(', ')})`);
    }
  }

  // ---------------------------------------------------------------- the tick, per symbol

  /** Reads and decides without the lock: the market rules when a transition is due, else why not. */
  async #scan(symbol: string, price: number | undefined, now: number): Promise<MarketRules | 'skipped' | 'none'> {
    // The hot path of a tick over thousands of symbols: one await (the read), little allocation.
    const key = this.#key(symbol);
    let snap: Snapshot | undefined;
    let market: MarketRules;
    try {
      market = this.#markets.get(symbol) ?? (await this.#market(symbol));
      snap = await this.#read(key);
    } catch (error) {
      this.#report(error, symbol);
      return 'skipped';
    }
    const record = snap?.value ?? null;
    if (this.#untracked.has(symbol) && (record === null || record.orders.length === 0)) this.#untracked.delete(symbol);
    this.#polling.noteSymbol(symbol, record !== null && record.orders.some((o) => o.state === 'open'));
    let plan: Plan;
    try {
      plan = this.#plan(key, symbol, snap ?? null, price, market, now);
    } catch (error) {
      this.#report(error, symbol);
      return 'skipped';
    }
    const lookups = plan.kind === 'lookup' ? plan.slots : plan.kind === 'write' ? (plan.lookups ?? []) : [];
    for (const slot of lookups) this.#lookUp(key, symbol, slot, market, price); // read-only calls: no lock
    if (plan.kind === 'lookup') return 'skipped';
    if (plan.kind !== 'none') return market;
    return record !== null && record.orders.length > 0 ? 'skipped' : 'none';
  }

  /** Takes the lock, reads again, decides again, and writes with a compare-and-set. */
  async #transition(symbol: string, price: number | undefined, market: MarketRules, epoch: number): Promise<'order' | 'skipped' | 'none'> {
    const key = this.#key(symbol);
    // A lock that cannot say whether it was taken (a server lock on a dropped connection) is a
    // busy key for this tick: reported for this symbol, and the tick goes on with the others.
    const lease = await this.#acquire(key, 0).catch((error: unknown) => {
      this.#report(error, symbol);
      return null;
    });
    if (lease === null) return 'skipped'; // another engine is on it; look again next tick
    const t0 = performance.now();
    // The time of this transition, not of the tick's start: an intent's createdAt starts the clock
    // of its landing deadline, and the k-th transition of a tick runs k writes after the tick began.
    const now = this.#o.clock.now();
    let won: { transition: Transition; before: CycleRecord | null } | null = null;
    let purpose: 'intent' | 'outcome' | 'park' | 'none' = 'none';
    let settled: string | undefined;
    let lookups: OrderSlot[] = [];
    try {
      const fresh = await this.#read(key);
      const again = this.#plan(key, symbol, fresh ?? null, price, market, now);
      let transition: Transition | null = null;
      lookups = again.kind === 'lookup' ? again.slots : again.kind === 'write' ? (again.lookups ?? []) : [];
      if (again.kind === 'write') {
        transition = again.build(fresh?.value ?? emptyRecord(symbol, now));
        purpose = again.purpose;
        settled = again.settles;
      }
      if (transition !== null && this.#book !== null) transition = await this.#reserveFor(key, symbol, fresh?.value ?? null, transition);
      if (transition === null) purpose = 'none';
      else {
        let version: number | null;
        try {
          version = await this.#o.store.compareAndSet(key, fresh?.version ?? null, transition.record);
        } catch (error) {
          // A write of unknown result: re-read under the lock. Exactly what we wrote is there (an
          // intent's id is new, a record carries its updatedAt): it landed, so go on as if it had
          // said so — send the intents, emit the events. Otherwise nothing was done; the next tick
          // decides afresh.
          if (!isWriteUnknownError(error)) throw error;
          this.#report(error, symbol);
          version = await this.#landed(key, transition.record);
        }
        if (version !== null) won = { transition, before: fresh?.value ?? null };
      }
    } catch (error) {
      this.#report(error, symbol);
    } finally {
      await this.#release(lease, symbol, t0, purpose);
    }
    // Look-ups are exchange calls: they start once the lock is released, never under it.
    for (const slot of lookups) this.#lookUp(key, symbol, slot, market, price);
    if (won === null) return 'skipped';
    this.#afterWrite(key, won.before, won.transition.record);
    this.#noteWait(key, won.transition.record);
    this.#emitAll(won.transition.events);
    if (settled !== undefined && this.#unpersisted.get(settled)?.key === key) this.#unpersisted.delete(settled);
    // A tick that outlived a stop() that gave up waiting sends nothing: the orders are looked up by
    // the next start (or by another engine) instead.
    const started = this.#startWorkers(key, won.before, won.transition.record, market, price, epoch);
    return started > 0 && purpose === 'intent' ? 'order' : 'none';
  }

  /**
   * The decision for one record, with no I/O: taken before the lock, and again under it. In order:
   * upgrade a schema-1 record; apply an observation a worker could not persist; park a slot whose
   * sender is gone; look up what is unknown, being cancelled without a sender, or resting and due;
   * close a cycle with nothing left; then decide (a MARKET intent) and reconcile the resting
   * orders, both in one write.
   */
  #plan(key: string, symbol: string, snap: Snapshot | null, price: number | undefined, market: MarketRules, now: number): Plan {
    const plan = this.#planFor(key, symbol, snap?.value ?? null, price, market, now);
    // A schema-1 record is written back as schema 2 by its next write, or on its own when none is due.
    if (snap?.upgraded && plan.kind !== 'write') return { kind: 'write', purpose: 'outcome', build: (r) => ({ record: { ...r, updatedAt: Math.max(r.updatedAt, now) }, events: [] }) };
    return plan;
  }

  #planFor(key: string, symbol: string, record: CycleRecord | null, price: number | undefined, market: MarketRules, now: number): Plan {
    const lookups: OrderSlot[] = [];
    for (const slot of record?.orders ?? []) {
      const queued = this.#unpersisted.get(slot.intentId);
      if (queued !== undefined && queued.key === key) {
        return { kind: 'write', purpose: queued.obs.kind === 'unknown' ? 'park' : 'outcome', build: (r) => this.#observe(r, slot.intentId, queued.obs, market), settles: slot.intentId };
      }
      if (this.#workers.has(slot.intentId)) continue; // its sender or canceller is at work here
      if (slot.state === 'sending' || (slot.state === 'cancelling' && !slot.problem)) {
        // How long the intent (or its cancel) has gone without an answer: on this process's monotonic
        // clock since it first saw it, and on the writer's clock — both must agree it is old. Another
        // engine's clock, ahead or behind, can then only make us wait longer, never act early.
        const seenFor = this.#reconciler.observe(slot.state === 'sending' ? slot.intentId : `${slot.intentId}:cancel`);
        const age = Math.min(now - (slot.state === 'sending' ? slot.createdAt : (slot.cancelAt ?? slot.createdAt)), seenFor);
        if (age <= this.#o.orderTimeoutMs + this.#o.workerGraceMs) continue; // its sender may still be waiting for it
        // The sender would have recorded an answer by now: it is gone. Park, then look it up.
        const reason = slot.owner === this.instanceId ? 'WORKER_LOST' : 'WORKER_GONE';
        const message = `no answer ${age} ms after the ${slot.state === 'sending' ? 'intent' : 'cancel'} (owner ${slot.owner}): the order may have executed`;
        const obs: Observation = { kind: 'unknown', reason, message, recordedAt: now };
        return { kind: 'write', purpose: 'park', build: (r) => this.#observe(r, slot.intentId, obs, market) };
      }
      if (slot.state === 'unknown' || slot.state === 'cancelling') {
        if (!this.#reconciler.isWaiting(slot.intentId)) lookups.push(slot);
        continue;
      }
      // Open and resting: looked up only when the price crossed its limit, or every openOrderCheckMs —
      // or on the look-up backoff while the venue says it does not know it.
      if (this.#reconciler.isSuspect(slot.intentId) ? !this.#reconciler.isWaiting(slot.intentId) : !this.#reconciler.isRunning(slot.intentId) && this.#polling.due(slot, price)) lookups.push(slot);
    }
    // Look-ups are read-only and run beside the write: a cycle whose resting orders are due for a
    // look-up on every tick must still be closed, decided and reconciled.
    const write = this.#planWrite(key, symbol, record, price, market, now);
    if (lookups.length === 0) return write;
    return write.kind === 'write' ? { ...write, lookups } : { kind: 'lookup', slots: lookups };
  }

  /** What to write for a record whose slots need nothing themselves: close it, decide, reconcile its resting orders. */
  #planWrite(key: string, symbol: string, record: CycleRecord | null, price: number | undefined, market: MarketRules, now: number): Plan {
    if (record !== null) {
      const closed = closeIfEmpty(record, { market, now, cooldownMs: this.#o.cooldownMs });
      if (closed !== null) return { kind: 'write', purpose: 'outcome', build: (r) => closeIfEmpty(r, { market, now, cooldownMs: this.#o.cooldownMs }) };
      if (record.halted) {
        // A position mismatch: nothing is placed until resyncCycle() — and what rests is cancelled (a safety buy must not buy meanwhile).
        if (!record.orders.some((o) => o.type === 'limit' && o.state === 'open')) return NONE;
        return { kind: 'write', purpose: 'intent', build: (r) => reconcileResting(r, [], { market, now, owner: this.instanceId, newId: () => newId(now), canPlace: false }) };
      }
    }
    if (record?.exiting) {
      // An exit under way: no decision, nothing placed; cancel what rests, then sell what is held.
      const input = { market, now, owner: this.instanceId, newId: () => newId(now), price, cooldownMs: this.#o.cooldownMs };
      // The exit's backoff is bounded on the monotonic clock like every other (a wall clock stepped back does not stretch it).
      const next = (r: CycleRecord): Transition | null => exitStep(r, { ...input, backoffOver: r.retryAt !== null && !this.#waiting(key, r.retryAt, now) });
      return next(record) === null ? NONE : { kind: 'write', purpose: 'intent', build: next };
    }
    if (record?.paused) return NONE; // paused: no new order (resting orders stay, fills are still applied)
    if (price === undefined || !Number.isFinite(price) || price <= 0) return NONE;
    const canPlace = record === null || record.retryAt === null || !this.#waiting(key, record.retryAt, now);
    // During a backoff an active cycle still decides: an exit (a stop loss) must not wait for it, nor its memory.
    const asked = (canPlace || record?.phase === 'active') && (record === null || (!record.closing && !record.orders.some((o) => o.type === 'market'))) ? this.#decide(symbol, price, record, market, now) : null;
    // A MARKET intent waits for the backoff; the memory it carries (a stop loss's `belowSince`) does not.
    const held = asked !== null && !canPlace && asked.action !== 'exit' && asked.action !== 'remember';
    const decision: StrategyDecision | null = held ? (asked.memory === undefined ? null : { action: 'remember', memory: asked.memory }) : asked;
    const resting = this.#o.strategy.restingOrders !== undefined && record !== null && record.phase === 'active';
    if (decision === null && !resting) return NONE;
    const owner = this.instanceId;
    const build = (r: CycleRecord): Transition | null => {
      const intent = decision === null ? null : applyDecision(r, { decision, market, price, now, owner, newId: () => newId(now), cooldownMs: this.#o.cooldownMs });
      const base = intent?.record ?? r;
      const rest = base.exiting ? null : this.#reconcileResting(base, market, price, now, canPlace);
      if (intent === null) return rest;
      return rest === null ? intent : { record: rest.record, events: [...intent.events, ...rest.events] };
    };
    if (decision === null && record !== null && build(record) === null) return NONE; // nothing to reconcile
    return { kind: 'write', purpose: 'intent', build };
  }

  /** The resting orders reconciled with what the strategy wants now; null when nothing changes (or the strategy failed: reported). */
  #reconcileResting(record: CycleRecord, market: MarketRules, price: number, now: number, canPlace: boolean, canPlaceBuys = true): Transition | null {
    const strategy = this.#o.strategy;
    if (strategy.restingOrders === undefined || record.phase !== 'active') return null;
    let raw: unknown;
    try {
      raw = strategy.restingOrders({ symbol: record.symbol, price, position: record.position, market, now, orders: record.orders });
      // The hot path of an idle tick: the same record and the same answer as last time, found in order then, need nothing.
      const quiet = this.#quiet.get(record);
      if (quiet !== undefined && quiet.raw === raw && quiet.canPlace === canPlace && canPlaceBuys) return null;
      const desired = checkDesired(record.symbol, raw, market);
      const t = reconcileResting(record, desired, { market, now, owner: this.instanceId, newId: () => newId(now), canPlace, canPlaceBuys });
      if (t === null && canPlaceBuys) this.#quiet.set(record, { raw, canPlace });
      return t;
    } catch (error) {
      this.#report(isCycleEngineError(error) ? error : new CycleEngineError(`${record.symbol}: restingOrders() threw`, { cause: error }), record.symbol);
      return null;
    }
  }

  /** Starts a look-up; a resting slot's check window restarts. */
  #lookUp(key: string, symbol: string, slot: OrderSlot, market: MarketRules, price: number | undefined): void {
    this.#polling.looked(slot, price);
    this.#reconciler.lookUp(key, symbol, slot, market);
  }

  #notePrice(symbol: string, price: number): void {
    this.#lastPrice.set(symbol, price);
  }

  /**
   * True while a record's `retryAt` is in the future — but never longer, on the monotonic clock,
   * than the longest wait this engine can set (a wall clock stepped back does not stretch it).
   */
  #waiting(key: string, retryAt: number, now: number): boolean {
    if (now >= retryAt) {
      this.#waits.delete(key);
      return false;
    }
    const mono = this.#mono();
    let wait = this.#waits.get(key);
    if (wait === undefined || wait.retryAt !== retryAt) {
      const longest = Math.max(this.#o.backoffMaxMs, this.#o.cooldownMs);
      wait = { retryAt, until: mono + Math.min(retryAt - now, longest) };
      this.#waits.set(key, wait);
    }
    return mono < wait.until;
  }

  /** After a write of unknown result: the version holding exactly `written`, or null when it is not (or no longer) there. */
  async #landed(key: string, written: CycleRecord): Promise<number | null> {
    const after = await this.#read(key);
    return after !== undefined && canonical(after.value) === canonical(written) ? after.version : null;
  }

  /** A `retryAt` this engine wrote: its wait ends, on the monotonic clock, exactly as long after as it was set for. */
  #noteWait(key: string, record: CycleRecord): void {
    if (record.retryAt === null) {
      this.#waits.delete(key);
      return;
    }
    this.#waits.set(key, { retryAt: record.retryAt, until: this.#mono() + Math.max(0, record.retryAt - this.#o.clock.now()) });
  }

  /** The strategy's decision, checked: a throw or an invalid decision affects this symbol only. */
  #decide(symbol: string, price: number, record: CycleRecord | null, market: MarketRules, now: number): StrategyDecision | null {
    return decide(this.#o.strategy, { symbol, price, position: record?.position ?? null, market, now, memory: record?.memory ?? null });
  }

  /** One observation applied, and the resting orders reconciled with it, in one write. */
  #observe(record: CycleRecord, intentId: string, obs: Observation, market: MarketRules): Transition | null {
    const o = this.#o;
    const now = o.clock.now();
    const t = observe(record, intentId, obs, {
      market,
      now,
      cooldownMs: o.cooldownMs,
      backoffInitialMs: o.backoffInitialMs,
      backoffMaxMs: o.backoffMaxMs,
      onPositionMismatch: o.onPositionMismatch,
    });
    if (t === null) return null;
    // The take-profit is replaced (and the next level placed) in the write that applies the fill or the cancel.
    const price = this.#lastPrice.get(record.symbol);
    if (t.record.halted) {
      const cancels = reconcileResting(t.record, [], { market, now, owner: this.instanceId, newId: () => newId(now), canPlace: false });
      return cancels === null ? t : { record: cancels.record, events: [...t.events, ...cancels.events] };
    }
    if (t.record.exiting) {
      // The fill or cancel that ends the last live slot of an exit sends its sell in the same write.
      const step = exitStep(t.record, { market, now, owner: this.instanceId, newId: () => newId(now), price: this.#lastPrice.get(record.symbol), cooldownMs: o.cooldownMs });
      return step === null ? t : { record: step.record, events: [...t.events, ...step.events] };
    }
    if (price === undefined || t.record.paused) return t;
    const canPlace = t.record.retryAt === null || t.record.retryAt <= now;
    // With a portfolio limit, a new safety buy waits for the next tick's transition, which reserves first.
    const rest = this.#reconcileResting(t.record, market, price, now, canPlace, this.#book === null);
    return rest === null ? t : { record: rest.record, events: [...t.events, ...rest.events] };
  }

  // ---------------------------------------------------------------- the workers

  /** After a write won: a sender for every new intent, a canceller for every new cancel. Returns how many started. */
  #startWorkers(key: string, before: CycleRecord | null, after: CycleRecord, market: MarketRules, price: number | undefined, epoch: number): number {
    let started = 0;
    const was = new Map((before?.orders ?? []).map((o) => [o.intentId, o]));
    for (const slot of after.orders) {
      const prev = was.get(slot.intentId);
      if (slot.state === 'sending' && prev === undefined) {
        this.#reconciler.observe(slot.intentId); // our own intent: its clocks start now
        if (epoch !== this.#epoch) continue;
        this.#spawnSend(key, after, slot, market, price ?? this.#lastPrice.get(after.symbol) ?? 0);
        started++;
      } else if (slot.state === 'cancelling' && prev !== undefined && prev.state !== 'cancelling') {
        this.#reconciler.observe(`${slot.intentId}:cancel`);
        if (epoch !== this.#epoch) continue;
        this.#spawnCancel(key, this.#symbolOf(key), slot, market);
        started++;
      }
    }
    for (const [intentId] of was) {
      if (!after.orders.some((o) => o.intentId === intentId)) {
        this.#reconciler.forget(intentId);
        this.#polling.forget(intentId);
      }
    }
    return started;
  }

  #spawnSend(key: string, record: CycleRecord, slot: OrderSlot, market: MarketRules, price: number): void {
    const symbol = this.#symbolOf(key);
    const epoch = this.#epoch;
    const done = this.#runSend(key, record, slot, market, price, epoch)
      .catch((error) => this.#report(error, symbol))
      .finally(() => {
        if (this.#workers.get(slot.intentId)?.done === done) this.#workers.delete(slot.intentId);
      });
    this.#workers.set(slot.intentId, { key, intentId: slot.intentId, clientOrderId: slot.clientOrderId, purpose: slot.purpose, kind: 'send', done });
  }

  async #runSend(key: string, record: CycleRecord, slot: OrderSlot, market: MarketRules, price: number, epoch: number): Promise<void> {
    // Always the key's symbol: a record claiming another symbol is refused as corrupt on read.
    const symbol = this.#symbolOf(key);
    const ids = { symbol, cycleId: record.cycleId ?? '', intentId: slot.intentId, clientOrderId: slot.clientOrderId, purpose: slot.purpose, side: slot.side };
    this.emit('order:submitted', { ...ids, quoteAmount: slot.quoteAmount, baseAmount: slot.baseAmount, price });
    const obs = slot.type === 'limit' ? await this.#sendLimit(key, symbol, slot, market, epoch) : await this.#sendOrder(key, symbol, slot, market, epoch);
    if (obs === null) return; // stop() gave up waiting before it was sent: the next start looks it up
    await this.#persistObservation(key, symbol, slot.intentId, obs, undefined, epoch);
  }

  /** Sends a LIMIT order; its answer is an order state (open, or filled when it crossed at once). */
  async #sendLimit(key: string, symbol: string, slot: OrderSlot, market: MarketRules, epoch: number): Promise<Observation | null> {
    const at = () => this.#o.clock.now();
    const place = this.#o.exchange.placeLimitOrder;
    if (typeof place !== 'function') return { kind: 'rejected', reason: 'UNSUPPORTED', message: `${this.#o.exchange.id} cannot place limit orders`, recordedAt: at() };
    if (slot.side === 'sell' && slot.baseAmount !== undefined) {
      const free = await this.#freeBase(market, Math.max(1, Math.min(this.#o.callTimeoutMs, this.#o.workerGraceMs / 2)));
      if (free !== undefined && new Decimal(free).lt(slot.baseAmount)) {
        return { kind: 'rejected', reason: 'INSUFFICIENT_FUNDS', message: `not sent: the account holds ${free} ${market.base}, the sell needs ${slot.baseAmount}`, recordedAt: at(), heldPerVenue: free };
      }
    }
    if (epoch !== this.#epoch) return null;
    const request = { symbol, side: slot.side, baseAmount: slot.baseAmount ?? '0', price: slot.price ?? '0', clientOrderId: slot.clientOrderId };
    return this.#answer(slot, market, (signal) => place.call(this.#o.exchange, { ...request, signal }), (raw) => checkOrderState(raw, slot, market, 'placeLimitOrder answer'), (answer) => this.#reconciler.lateAnswer(key, symbol, slot, market, answer, epoch));
  }

  #spawnCancel(key: string, symbol: string, slot: OrderSlot, market: MarketRules): void {
    const running = this.#workers.get(slot.intentId);
    if (running?.kind === 'cancel') return;
    // Asked for in the write of the order's own sender (its answer made it stale): it runs right after that sender.
    const epoch = this.#epoch;
    const done = (running?.done ?? Promise.resolve())
      .then(() => this.#runCancel(key, symbol, slot, market, epoch))
      .catch((error) => this.#report(error, symbol))
      .finally(() => {
        if (this.#workers.get(slot.intentId)?.done === done) this.#workers.delete(slot.intentId);
      });
    this.#workers.set(slot.intentId, { key, intentId: slot.intentId, clientOrderId: slot.clientOrderId, purpose: slot.purpose, kind: 'cancel', done });
  }

  /** Sends a persisted cancel; the venue's final state is applied like any observation, a missing answer is looked up. */
  async #runCancel(key: string, symbol: string, slot: OrderSlot, market: MarketRules, epoch: number): Promise<void> {
    if (epoch !== this.#epoch) return; // stop() gave up waiting: the cancel stays persisted; the next start looks the order up
    const cancel = this.#o.exchange.cancelOrder;
    const at = () => this.#o.clock.now();
    let obs: Observation;
    if (typeof cancel !== 'function') obs = { kind: 'unknown', reason: 'UNSUPPORTED', message: `${this.#o.exchange.id} cannot cancel orders`, recordedAt: at() };
    else {
      const answer = await this.#answer(slot, market, (signal) => cancel.call(this.#o.exchange, { symbol, clientOrderId: slot.clientOrderId, signal }), (raw) => {
        if (raw === null) throw new OrderNotKnown();
        return checkOrderState(raw, slot, market, 'cancelOrder answer');
      });
      obs = answer.kind === 'rejected' ? { kind: 'unknown', reason: 'CANCEL_REFUSED', message: answer.message, recordedAt: answer.recordedAt } : answer;
    }
    if (obs.kind === 'unknown') obs = { ...obs, reason: obs.reason === 'NOT_KNOWN' ? 'CANCEL_NOT_FOUND' : obs.reason, message: `cancel of ${slot.clientOrderId}: ${obs.message}` };
    await this.#persistObservation(key, symbol, slot.intentId, obs, undefined, epoch);
  }

  /** One order call, classified (see callOrder). */
  #answer(slot: OrderSlot, market: MarketRules, call: (signal: AbortSignal) => Promise<unknown>, check: (raw: unknown) => OrderState, late?: (answer: unknown) => void): Promise<Observation> {
    return callOrder(
      {
        venue: this.#o.exchange.id,
        orderTimeoutMs: this.#o.orderTimeoutMs,
        now: () => this.#o.clock.now(),
        noteFill: (intentId, state) => this.#reconciler.noteFill(intentId, state),
        freeBase: (m) => this.#freeBase(m),
        report: (error, symbol) => this.#report(error, symbol),
      },
      { slot, market, call, check, ...(late ? { late } : {}) },
    );
  }

  /** Free base per the venue, when the exchange can read balances (undefined otherwise or on failure). */
  async #freeBase(market: MarketRules, timeoutMs = this.#o.callTimeoutMs): Promise<string | undefined> {
    const fetchBalances = this.#o.exchange.fetchBalances;
    if (typeof fetchBalances !== 'function') return undefined;
    try {
      const balances = await bounded(`${this.#o.exchange.id}.fetchBalances`, timeoutMs, () => fetchBalances.call(this.#o.exchange, [market.base]));
      const free = balances?.[market.base];
      if (free === undefined) return '0';
      return new Decimal(free).toFixed();
    } catch (error) {
      this.#report(error, market.symbol);
      return undefined;
    }
  }

  /** Sends a MARKET order and classifies what happened. Anything but a clean fill or a sure rejection is unknown. */
  async #sendOrder(key: string, symbol: string, slot: OrderSlot, market: MarketRules, epoch: number): Promise<Observation | null> {
    const at = () => this.#o.clock.now();
    if (slot.side === 'sell' && slot.baseAmount !== undefined) {
      // Never ask to sell more than the account holds: that is a position mismatch, not an order.
      // Bounded well inside the sender's grace, so that no other engine takes the sell for abandoned.
      const free = await this.#freeBase(market, Math.max(1, Math.min(this.#o.callTimeoutMs, this.#o.workerGraceMs / 2)));
      if (free !== undefined && new Decimal(free).lt(slot.baseAmount)) {
        const message = `not sent: the account holds ${free} ${market.base}, the sell needs ${slot.baseAmount}`;
        return { kind: 'rejected', reason: 'INSUFFICIENT_FUNDS', message, recordedAt: at(), heldPerVenue: free };
      }
    }
    if (epoch !== this.#epoch) return null; // no order leaves after stop() returned
    const request = {
      symbol,
      side: slot.side,
      clientOrderId: slot.clientOrderId,
      ...(slot.quoteAmount !== undefined ? { quoteAmount: slot.quoteAmount } : {}),
      ...(slot.baseAmount !== undefined ? { baseAmount: slot.baseAmount } : {}),
    };
    return this.#answer(
      slot,
      market,
      (signal) => this.#o.exchange.placeMarketOrder({ ...request, signal }),
      (raw) => fillToState(checkFill(raw, slot, market)),
      (answer) => this.#reconciler.lateAnswer(key, symbol, slot, market, answer, epoch),
    );
  }

  /**
   * Persists an observation and the move it causes, in one compare-and-set under the lock (or
   * without it after `lockWaitMs`: the CAS alone is what guarantees correctness). Conflicts are
   * re-read and retried; a store that keeps failing leaves it queued for the next tick. A fill whose
   * intent left the ledger meanwhile is recorded as an orphan, never dropped.
   * @param extra - events to emit first if the write wins (e.g. `order:reconciled`)
   */
  async #persistObservation(key: string, symbol: string, intentId: string, obs: Observation, extra?: (record: CycleRecord) => EngineEvent[], epoch = this.#epoch): Promise<boolean> {
    const purpose = obs.kind === 'unknown' ? 'park' : 'outcome';
    const result = await this.#write(key, symbol, purpose, (record, market) => this.#observe(record, intentId, obs, market), extra);
    const queued = this.#unpersisted.get(intentId);
    if (result.kind === 'won') {
      if (queued !== undefined) this.#unpersisted.delete(intentId);
      const market = this.#markets.get(symbol);
      // Orders and cancels this write asks for leave only if no stop() gave up waiting since the work began.
      if (market !== undefined) this.#startWorkers(key, result.before, result.record, market, this.#lastPrice.get(symbol), epoch);
      return true;
    }
    if (result.kind === 'moved-on') {
      if (queued !== undefined && (queued.obs.kind !== 'state' || obs.kind === 'state')) this.#unpersisted.delete(intentId);
      if (obs.kind === 'state' && new Decimal(obs.state.filledBase).gt(0)) await this.#persistOrphanState(key, symbol, intentId, obs.state);
      return false;
    }
    // Queued for the next tick — but a queued state is never replaced by a lesser observation.
    if (!(queued !== undefined && queued.obs.kind === 'state' && obs.kind !== 'state')) this.#unpersisted.set(intentId, { key, obs });
    this.#report(new CycleEngineError(`Could not persist what ${this.#o.exchange.id} said of intent ${intentId} for ${symbol}; will retry`, { cause: result.error }), symbol);
    return false;
  }

  /**
   * A state observed for an intent no longer in the ledger: nothing when it is known applied
   * (its client order id among the recent ones, or the slot left the ledger with all of it), else an
   * orphan, accounted once.
   */
  async #persistOrphanState(key: string, symbol: string, intentId: string, state: OrderState): Promise<void> {
    const snap = await this.#read(key).catch(() => undefined);
    if (snap !== undefined && snap.value.orders.some((o) => o.intentId === intentId)) return; // still ours: a stale or repeated observation
    await this.#persistOrphan(key, symbol, { orderId: state.orderId, clientOrderId: state.clientOrderId, symbol, side: state.side, status: 'filled', filledBase: state.filledBase, costQuote: state.costQuote, avgPrice: state.avgPrice ?? '0', fee: state.fees[0] ?? null, ...(state.feePending ? { feePending: true } : {}), timestamp: state.timestamp }, `intent ${intentId} had been settled otherwise`);
  }

  /** Records a fill for a cycle that moved on (once: a fill already applied or recorded is left alone). */
  async #persistOrphan(key: string, symbol: string, fill: OrderFill, note: string): Promise<void> {
    const now = this.#o.clock.now();
    const result = await this.#write(key, symbol, 'outcome', (record, market) => recordOrphan(record, fill.feePending ? withEstimatedFee(fill, market) : fill, { market, now, note }));
    if (result.kind === 'error') {
      this.#report(new CycleEngineError(`Could not record orphan fill ${fill.orderId} (${fill.clientOrderId}) for ${symbol}: ${String(result.error)}`, { cause: result.error }), symbol);
    }
  }

  /**
   * One transition written with the lock held if it can be had within `lockWaitMs`: read, build,
   * compare-and-set; conflicts re-read and retry. `moved-on`: the builder found nothing to do.
   * On a win, `extra` events are emitted before the transition's own.
   */
  async #write(
    key: string,
    symbol: string,
    purpose: 'outcome' | 'park',
    build: (record: CycleRecord, market: MarketRules) => Transition | null,
    extra?: (record: CycleRecord) => EngineEvent[],
    options: { readonly create?: boolean } = {},
  ): Promise<{ kind: 'won'; record: CycleRecord; before: CycleRecord | null } | { kind: 'moved-on' } | { kind: 'error'; error: unknown }> {
    let lastError: unknown; // made only when the attempts run out: an error's stack trace costs more than the write
    let pending = null as { record: CycleRecord; events: EngineEvent[]; before: CycleRecord | null } | null; // a write whose result was unknown
    for (let attempt = 0; attempt < STORE_RETRIES; attempt++) {
      const lease = await this.#acquire(key, this.#o.lockWaitMs).catch(() => null);
      const t0 = performance.now();
      let result: 'won' | 'conflict' | 'moved-on' | 'error' = 'error';
      let events: EngineEvent[] = [];
      let written: CycleRecord | null = null;
      let before: CycleRecord | null = null;
      try {
        const snap = await this.#read(key);
        const market = await this.#market(symbol);
        const landedBefore = pending !== null && snap !== undefined && canonical(snap.value) === canonical(pending.record);
        const transition = landedBefore ? null : snap ? build(snap.value, market) : options.create ? build(emptyRecord(symbol, this.#o.clock.now()), market) : null;
        if (landedBefore) {
          // The earlier attempt's unknown write had landed after all: it is ours, events included.
          result = 'won';
          events = pending!.events;
          written = pending!.record;
          before = pending!.before;
        } else if (transition === null) {
          result = 'moved-on';
        } else {
          let version: number | null;
          try {
            version = await this.#o.store.compareAndSet(key, snap?.version ?? null, transition.record);
          } catch (error) {
            if (!isWriteUnknownError(error)) throw error;
            lastError = error;
            version = await this.#landed(key, transition.record); // landed: its events are emitted once
            if (version === null) {
              pending = { record: transition.record, events: [...(snap && extra ? extra(snap.value) : []), ...transition.events], before: snap?.value ?? null };
              throw error;
            }
          }
          result = version === null ? 'conflict' : 'won';
          events = [...(snap && extra ? extra(snap.value) : []), ...transition.events];
          written = transition.record;
          before = snap?.value ?? null;
        }
      } catch (error) {
        lastError = error;
      } finally {
        if (lease) await this.#release(lease, symbol, t0, result === 'won' ? purpose : 'none');
      }
      if (result === 'won' && written !== null) {
        this.#afterWrite(key, before, written);
        this.#noteWait(key, written);
        this.#emitAll(events);
        return { kind: 'won', record: written, before };
      }
      if (result === 'moved-on') return { kind: 'moved-on' };
      // A write that may have landed, or a call that already waited out its bound: re-read at once.
      if (result === 'error' && !isWriteUnknownError(lastError) && !isCallTimeoutError(lastError)) await sleep(Math.min(1_000, 20 * 2 ** attempt));
    }
    return { kind: 'error', error: lastError ?? new CycleEngineError('too many write conflicts') };
  }

  // ---------------------------------------------------------------- the portfolio limits

  /**
   * Under the key's lock, before the compare-and-set: a write that raises the cycle's claim (a
   * start, a rebuy, a safety buy placed) first reserves it in the shared portfolio record. Refused:
   * the write goes without its new buys (a start: no write at all) and the symbol waits
   * (`cycle:budgetWait`, once until it can go). A reservation the write then does not land is
   * over-reserved, never under: the sweep or the cycle's close releases it.
   */
  async #reserveFor(key: string, symbol: string, before: CycleRecord | null, transition: Transition): Promise<Transition | null> {
    const book = this.#book as PortfolioBook;
    const floor = before === null ? new Decimal(0) : claimOf(before);
    const known = new Set((before?.orders ?? []).map((o) => o.intentId));
    let t: Transition | null = transition;
    let refused: Extract<Awaited<ReturnType<PortfolioBook['reserve']>>, { kind: 'refused' }> | null = null;
    let covered = false; // a claim raised and reserved: what waited can go
    // Refused: the write's newest buys are dropped one by one (the deepest safety buys first) until what is left fits.
    while (t !== null) {
      const after: CycleRecord = t.record;
      const claim = claimOf(after);
      if (after.cycleId === null || claim.lte(floor)) break;
      const raising = after.orders.filter((o) => o.side === 'buy' && !known.has(o.intentId));
      const answer = await book.reserve({ key, symbol, cycleId: after.cycleId, intentId: raising.at(-1)?.intentId ?? after.cycleId, claim: str(claim) });
      if (answer.kind === 'ok') {
        covered = true;
        break;
      }
      refused ??= answer;
      if (raising.length <= 1) {
        t = withoutNewBuys(before, t);
        break;
      }
      const drop = raising.at(-1)!.intentId;
      t = { record: { ...after, orders: after.orders.filter((o) => o.intentId !== drop) }, events: t.events };
    }
    if (refused === null) {
      // Only a write whose raised claim was covered ends the wait: a memory write raises nothing.
      if (covered) this.#budgetWaits.delete(symbol);
      return t;
    }
    if (!this.#budgetWaits.has(symbol)) {
      this.#budgetWaits.add(symbol);
      this.emit('cycle:budgetWait', { symbol, limit: refused.limit, activeCycles: refused.active, reservedQuote: refused.totalQuote, neededQuote: str(claimOf(transition.record)) });
    }
    void this.#sweepPortfolio(false); // a reservation a crash left behind may be what is in the way
    return t;
  }

  /** After a write won: a cycle that closed (or whose start failed) releases its reservation. */
  #afterWrite(key: string, before: CycleRecord | null, after: CycleRecord): void {
    const book = this.#book;
    if (book === null || before === null || before.cycleId === null || after.cycleId === before.cycleId) return;
    const cycleId = before.cycleId;
    this.#budgetWaits.delete(this.#symbolOf(key)); // the cycle that waited is over: a new wait is a new event
    // Dust with a cost is still in the account: its cost stays reserved (not as an active cycle) until the next start takes it over.
    const dustCost = after.phase === 'idle' && after.dust !== null ? after.dust.investedQuote : '0';
    const settle = new Decimal(dustCost).gt(0) ? book.keepDust(key, cycleId, dustCost) : book.release(key, cycleId);
    // One that fails is left to the sweep: over-reserved, never under.
    const done = settle.then(
      () => undefined,
      (error: unknown) => this.#report(error, this.#symbolOf(key)),
    );
    this.#settling.add(done);
    void done.finally(() => this.#settling.delete(done));
  }

  /** Releases the reservations no cycle holds any more (a crash between a reservation and its write, or a lost release); at most once a minute unless forced. */
  async #sweepPortfolio(force: boolean): Promise<void> {
    const book = this.#book;
    const mono = this.#mono();
    if (book === null || (!force && mono - this.#sweptAt < 60_000)) return;
    this.#sweptAt = mono;
    try {
      const result = await book.sweep();
      for (const { error } of result.errors) this.#report(error);
    } catch (error) {
      this.#report(error);
    }
  }

  // ---------------------------------------------------------------- helpers

  async #runLoop(generation: number): Promise<void> {
    // A loop ends with the stop() of its generation, even if a later start() set #running again.
    while (this.#running && generation === this.#generation) {
      try {
        await this.tick();
      } catch (error) {
        this.#report(error);
      }
      if (!this.#running || generation !== this.#generation) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#o.tickIntervalMs);
        this.#wakeLoop = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeLoop = null;
    }
  }

  async #drainWorkers(): Promise<void> {
    for (;;) {
      const pending = [...[...this.#workers.values()].map((w) => w.done), ...this.#reconciler.pending()];
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async #acquire(key: string, waitMs: number): Promise<LockLease | null> {
    return this.#o.lock.acquire(key, { ttlMs: this.#o.lockTtlMs, waitMs });
  }

  async #release(lease: LockLease, symbol: string, t0: number, purpose: 'intent' | 'outcome' | 'park' | 'none'): Promise<void> {
    try {
      await lease.release();
    } catch (error) {
      // The lease lapsed while held; the write (if any) was still fenced by the store's CAS.
      this.#report(error, symbol);
    }
    this.emit('lock:released', { symbol, heldMs: performance.now() - t0, token: lease.token, purpose });
  }

  async #read(key: string): Promise<Snapshot | undefined> {
    const snap = await this.#o.store.get(key);
    if (snap === undefined) {
      this.#corrupt.delete(key);
      return undefined;
    }
    const value = this.#checked(key, snap.value);
    return { version: snap.version, value, upgraded: value !== snap.value };
  }

  /**
   * Validates a stored record once per object (memory stores hand out the same frozen object each
   * read) and returns it as schema 2 (a schema-1 record from 0.1 upgraded; the next write stores it).
   */
  #checked(key: string, value: unknown): CycleRecord {
    if (typeof value === 'object' && value !== null && this.#validated.has(value)) return this.#upgrades.get(value) ?? (value as CycleRecord);
    // Issue 9, case 17: a record whose symbol is not its key's is corrupt: nothing is sent for it.
    assertCycleRecord(key, value, undefined, this.#o.keyPrefix);
    this.#validated.add(value as object);
    this.#corrupt.delete(key);
    if (value.schema === 2) return value;
    const upgraded = upgradeCycleRecord(value);
    // A fill an older writer recorded but did not apply is evidence: its look-ups apply it even if the venue no longer lists the order.
    const held = value.order?.outcome;
    if (value.order && held?.status === 'filled') this.#reconciler.noteFill(value.order.intentId, fillToState(held.fill));
    this.#upgrades.set(value, upgraded);
    return upgraded;
  }

  async #market(symbol: string): Promise<MarketRules> {
    const cached = this.#markets.get(symbol);
    if (cached) return cached;
    let rules: MarketRules;
    try {
      rules = await this.#o.exchange.getMarket(symbol);
    } catch (cause) {
      throw new CycleEngineError(`Could not load the market rules of ${symbol} from ${this.#o.exchange.id}`, { cause });
    }
    rules = checkMarketRules(symbol, rules); // issue 9, case 14: a bad step or tick names its symbol here
    this.#markets.set(symbol, rules);
    return rules;
  }

  /** A listed record under this engine's prefix that is not another prefix's (a record with a symbol lives at `keyPrefix + symbol`). */
  #isMine(r: { key: string; value: unknown }): boolean {
    const symbol = (r.value as { symbol?: unknown } | null)?.symbol;
    return typeof symbol !== 'string' || this.#key(symbol) === r.key || !r.key.slice(this.#o.keyPrefix.length).includes(symbol);
  }

  #key(symbol: string): string {
    return this.#o.keyPrefix === '' ? symbol : this.#o.keyPrefix + symbol;
  }

  #symbolOf(key: string): string {
    return key.slice(this.#o.keyPrefix.length);
  }

  #emitAll(events: EngineEvent[]): void {
    for (const [name, payload] of events) (this.emit as (n: string, p: unknown) => boolean)(name, payload);
  }

  /** Background faults go to `error` listeners; a corrupt record is reported once until it changes. */
  #report(error: unknown, symbol?: string): void {
    // Routed by code, not by class: errors from another bundle of this package are ours too.
    const e = isCycleEngineError(error) ? error : new CycleEngineError(`${symbol ?? 'engine'}: ${String((error as Error)?.message ?? error)}`, { cause: error });
    if (isCorruptStateError(e)) {
      const key = e.key;
      if (this.#corrupt.has(key)) return;
      this.#corrupt.add(key);
    }
    this.emit('error', e);
  }
}

/** Waits for `work` at most `ms`, or until `signal` aborts: true when it stopped waiting early. */
async function raceWait(work: Promise<unknown>, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return true;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), ms);
        onAbort = () => resolve(true);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** JSON with object keys sorted: equal for equal records whatever order a store keeps keys in (PostgreSQL jsonb sorts them). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
