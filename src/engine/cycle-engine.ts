/**
 * The engine: per-symbol cycles driven by a strategy, every order through a persisted intent.
 */
import { performance } from 'node:perf_hooks';
import { Decimal } from '../decimal';
import {
  CycleEngineError,
  isCorruptStateError,
  isCallTimeoutError,
  isCycleEngineError,
  isWriteUnknownError,
  isInvalidExchangeResponseError,
  isOrderOutcomeUnknownError,
  isOrderRejectedError,
} from '../errors';
import type { EngineStoppedEvent } from '../events';
import type { MarketRules, OrderFill } from '../ports/exchange';
import type { LockLease } from '../ports/lock';
import { assertCycleRecord, emptyRecord, type CycleRecord, type OrderOutcome, type PendingOrder } from '../ports/record';
import type { VersionedRecord } from '../ports/state-store';
import type { StrategyDecision } from '../strategy/strategy';
import { bounded, sleep } from './bounded';
import { boundExchange, boundLock, boundStore } from './bounded-ports';
import { decide } from './decision';
import { checkFill } from './fill';
import { GuardedEmitter } from './guarded-emitter';
import { checkMarketRules } from './market-rules';
import { checkPrices } from './prices';
import { newId } from './ids';
import { resolveOptions, type CycleEngineOptions, type ResolvedOptions } from './options';
import { Reconciler } from './reconciler';
import { closeIfEmpty, openIntent, recordOrphan, resync, settleOutcome, withEstimatedFee, type EngineEvent, type Transition } from './transitions';

/** What a tick wants to do for one symbol; decided without the lock, then again under it. */
type Plan =
  | { kind: 'none' }
  | { kind: 'intent'; build: (r: CycleRecord) => Transition | null }
  | { kind: 'settle'; intentId: string; outcome: OrderOutcome }
  | { kind: 'lookup'; order: PendingOrder }
  | { kind: 'close'; transition: Transition };

interface Worker {
  intentId: string;
  clientOrderId: string;
  purpose: PendingOrder['purpose'];
  done: Promise<void>;
}

const NONE: Plan = { kind: 'none' };
const STORE_RETRIES = 5;

/**
 * Runs dollar-cost-averaging cycles per symbol, safely: under a short per-symbol lock it reads the
 * cycle record, decides, and persists the order intent with a compare-and-set; only after the lock
 * is released does a background worker send the order, and the worker persists the outcome in the
 * same write that moves the cycle. At most one order per cycle is in flight; an order whose outcome
 * is unknown parks its cycle until it is reconciled by a look-up of its client order id, and
 * `start()` first recovers every order a crash or a vanished engine left without an outcome.
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
  readonly #workers = new Map<string, Worker>();
  readonly #reconciler: Reconciler;
  /** Outcomes a worker could not persist (store down); retried by ticks and `idle()`. */
  readonly #unpersisted = new Map<string, { intentId: string; outcome: OrderOutcome }>();
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
    this.instanceId = this.#o.instanceId ?? `engine-${newId(Date.now()).slice(-11)}`;
    this.#reconciler = new Reconciler({
      options: this.#o,
      monotonic: this.#mono,
      persistOutcome: (key, symbol, intentId, outcome, extra) => this.#persistOutcome(key, symbol, intentId, outcome, extra),
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

  /** Looks up, once and at once, every order that has no applied outcome and no sender here. */
  async #recover(): Promise<void> {
    let records: Array<{ key: string; value: CycleRecord }> = [];
    try {
      records = (await this.#o.store.list()).filter((r) => r.key.startsWith(this.#o.keyPrefix));
    } catch (error) {
      this.#report(error);
    }
    const tracked = new Set(this.#o.symbols);
    const keys = new Set(this.#o.symbols.map((s) => this.#key(s)));
    for (const r of records) {
      const symbol = this.#symbolOf(r.key);
      if (tracked.has(symbol) || keys.has(r.key) || !this.#isMine(r)) continue;
      keys.add(r.key);
      try {
        this.#check(r.key, r.value);
      } catch (error) {
        this.#report(error, symbol);
        continue;
      }
      const order = r.value.order;
      const pending = order !== null && (order.outcome === null || order.outcome.status === 'unknown');
      this.emit('cycle:untracked', { symbol, phase: r.value.phase, position: r.value.position, pendingClientOrderId: order !== null ? order.clientOrderId : null });
      if (order !== null) this.#untracked.add(symbol);
      if (!pending) continue;
    }
    await eachLimited([...keys], this.#o.concurrency, async (key) => {
      const symbol = this.#symbolOf(key);
      let order: PendingOrder | null | undefined;
      try {
        order = (await this.#read(key))?.value.order;
      } catch (error) {
        this.#report(error, symbol);
        return;
      }
      if (!order || (order.outcome !== null && order.outcome.status !== 'unknown')) return;
      if (this.#workers.get(key)?.intentId === order.intentId) return;
      let market: MarketRules;
      try {
        market = await this.#market(symbol);
      } catch (error) {
        this.#report(error, symbol); // looked up by a later tick once its market loads
        return;
      }
      this.#reconciler.lookUp(key, symbol, order, market);
    });
    await Promise.all(this.#reconciler.pending());
  }

  /**
   * Stops ticking and waits for the current tick and every order in flight to finish and be
   * recorded — at most `stopTimeoutMs`: then it resolves anyway, and `engine:stopped` lists the
   * orders left without an outcome (the next start looks them up). After it resolves the loop
   * runs no tick and sends no order. Safe to call twice, and during `start()` (stop wins).
   */
  async stop(): Promise<void> {
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
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      work.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.#o.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.#epoch++;
    this.emit('engine:stopped', { timedOut, leftBehind: this.#leftBehind() });
  }

  #leftBehind(): EngineStoppedEvent['leftBehind'] {
    const out: Array<EngineStoppedEvent['leftBehind'][number]> = [];
    for (const [key, w] of this.#workers) out.push({ symbol: this.#symbolOf(key), intentId: w.intentId, clientOrderId: w.clientOrderId, purpose: w.purpose });
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
    // Outcomes a failing store could not take: applied now, or kept as orphans if their cycle moved on.
    for (const [key, q] of [...this.#unpersisted]) {
      if (!this.#workers.has(key)) await this.#persistOutcome(key, this.#symbolOf(key), q.intentId, q.outcome);
    }
    // Without prices nothing new is decided, but outcomes are still applied and stale intents parked.
    let prices: Record<string, number> = {};
    let priceError: CycleEngineError | null = null;
    try {
      // Issue 9, case 15: a malformed answer is reported once per tick; a bad entry costs only its own symbol its price.
      const checked = checkPrices(symbols, await this.#o.exchange.fetchPrices(symbols), `${this.#o.exchange.id} fetchPrices`);
      prices = checked.prices;
      if (checked.error !== null) this.#report(checked.error);
    } catch (cause) {
      priceError = isCycleEngineError(cause) ? cause : new CycleEngineError(`Could not fetch prices from ${this.#o.exchange.id}`, { cause });
    }
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
   */
  async idle(): Promise<void> {
    for (;;) {
      await this.#drainWorkers();
      if (this.#unpersisted.size === 0) return;
      for (const [key, { intentId, outcome }] of [...this.#unpersisted]) {
        await this.#persistOutcome(key, this.#symbolOf(key), intentId, outcome);
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
    if (snap) this.#check(key, snap.value);
    return snap?.value;
  }

  /**
   * Every cycle record under this engine's key prefix.
   * @throws {@link CorruptStateError} when a stored record is invalid
   */
  async listCycles(): Promise<CycleRecord[]> {
    const all = await this.#o.store.list();
    const mine = all.filter((r) => r.key.startsWith(this.#o.keyPrefix) && this.#isMine(r));
    for (const r of mine) this.#check(r.key, r.value);
    return mine.map((r) => r.value);
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
    if (typeof result === 'object') throw new CycleEngineError(`Could not resync ${symbol}`, { cause: result.error });
    return (await this.#read(key))?.value;
  }

  // ---------------------------------------------------------------- the tick, per symbol

  /** Reads and decides without the lock: the market rules when a transition is due, else why not. */
  async #scan(symbol: string, price: number | undefined, now: number): Promise<MarketRules | 'skipped' | 'none'> {
    // The hot path of a tick over thousands of symbols: one await (the read), no allocation.
    const key = this.#key(symbol);
    let record: CycleRecord | null;
    let market: MarketRules;
    try {
      market = this.#markets.get(symbol) ?? (await this.#market(symbol));
      const snap = await this.#o.store.get(key);
      record = snap === undefined ? null : snap.value;
      if (record !== null) this.#check(key, record);
    } catch (error) {
      this.#report(error, symbol);
      return 'skipped';
    }
    if (this.#untracked.has(symbol) && (record === null || record.order === null)) this.#untracked.delete(symbol);
    let plan: Plan;
    try {
      plan = this.#plan(key, symbol, record, price, market, now);
    } catch (error) {
      this.#report(error, symbol);
      return 'skipped';
    }
    if (plan.kind === 'lookup') {
      this.#reconciler.lookUp(key, symbol, plan.order, market); // a read-only call: no lock
      return 'skipped';
    }
    if (plan.kind !== 'none') return market;
    return record?.order ? 'skipped' : 'none';
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
    let won: { transition: Transition; record: CycleRecord } | null = null;
    let purpose: 'intent' | 'outcome' | 'park' | 'none' = 'none';
    let settled: string | null = null;
    try {
      const fresh = await this.#read(key);
      const again = this.#plan(key, symbol, fresh?.value ?? null, price, market, now);
      let transition: Transition | null = null;
      if (again.kind === 'intent') {
        transition = again.build(fresh?.value ?? emptyRecord(symbol, now));
        purpose = 'intent';
      } else if (again.kind === 'lookup') {
        this.#reconciler.lookUp(key, symbol, again.order, market);
      } else if (again.kind === 'settle') {
        transition = this.#settle(fresh!.value, again.intentId, again.outcome, market);
        purpose = again.outcome.status === 'unknown' ? 'park' : 'outcome';
        settled = again.intentId;
      } else if (again.kind === 'close') {
        transition = again.transition;
        purpose = 'outcome';
      }
      if (transition === null) purpose = 'none';
      else {
        let version: number | null;
        try {
          version = await this.#o.store.compareAndSet(key, fresh?.version ?? null, transition.record);
        } catch (error) {
          // A write of unknown result: re-read under the lock. Exactly what we wrote is there (an
          // intent's id is new, a record carries its updatedAt): it landed, so go on as if it had
          // said so — send the intent, emit the events. Otherwise nothing was done; the next tick
          // decides afresh.
          if (!isWriteUnknownError(error)) throw error;
          this.#report(error, symbol);
          version = await this.#landed(key, transition.record);
        }
        if (version !== null) won = { transition, record: transition.record };
      }
    } catch (error) {
      this.#report(error, symbol);
    } finally {
      await this.#release(lease, symbol, t0, purpose);
    }
    if (won === null) return 'skipped';
    this.#noteWait(key, won.record);
    this.#emitAll(won.transition.events);
    if ((purpose === 'outcome' || purpose === 'park') && settled !== null && this.#unpersisted.get(key)?.intentId === settled) this.#unpersisted.delete(key);
    if (purpose !== 'intent') return 'none';
    const order = won.record.order as PendingOrder;
    this.#reconciler.observe(order.intentId); // our own intent: its clocks start now
    // A tick that outlived a stop() that gave up waiting sends nothing: the order is looked up by
    // the next start (or by another engine) instead.
    if (epoch !== this.#epoch) return 'none';
    this.#spawnWorker(key, won.record, market, price as number);
    return 'order';
  }

  /** The decision for one record, with no I/O: taken before the lock, and again under it. */
  #plan(key: string, symbol: string, record: CycleRecord | null, price: number | undefined, market: MarketRules, now: number): Plan {
    const order = record?.order ?? null;
    if (order !== null) {
      if (order.outcome !== null && order.outcome.status !== 'unknown') {
        // A filled or rejected outcome written but not applied (an older writer): apply it.
        return { kind: 'settle', intentId: order.intentId, outcome: order.outcome };
      }
      const pending = this.#unpersisted.get(key);
      if (pending?.intentId === order.intentId) return { kind: 'settle', intentId: order.intentId, outcome: pending.outcome };
      if (this.#workers.get(key)?.intentId === order.intentId) return NONE; // still running: skip
      if (order.outcome === null) {
        // How long the intent has gone without an outcome: on this process's monotonic clock since
        // it first saw it, and on the writer's clock — both must agree it is old. Another engine's
        // clock, ahead or behind, can then only make us wait longer, never act early.
        const seenFor = this.#reconciler.observe(order.intentId);
        const age = Math.min(now - order.createdAt, seenFor);
        if (age <= this.#o.orderTimeoutMs + this.#o.workerGraceMs) return NONE; // its sender may still be waiting for it
        // The sender would have recorded an outcome by now: it is gone. Park, then look it up.
        const reason = order.owner === this.instanceId ? 'WORKER_LOST' : 'WORKER_GONE';
        const message = `no outcome ${age} ms after the intent (owner ${order.owner}): the order may have executed`;
        return { kind: 'settle', intentId: order.intentId, outcome: { status: 'unknown', reason, message, recordedAt: now } };
      }
      if (this.#reconciler.isWaiting(key, order.intentId)) return NONE; // being looked up, or backing off
      return { kind: 'lookup', order };
    }
    if (record !== null) {
      const closed = closeIfEmpty(record, { market, now, cooldownMs: this.#o.cooldownMs });
      if (closed !== null) return { kind: 'close', transition: closed };
      if (record.halted) return NONE; // a position mismatch: nothing until resyncCycle()
    }
    if (price === undefined || !Number.isFinite(price) || price <= 0) return NONE;
    if (record !== null && record.retryAt !== null && this.#waiting(key, record.retryAt, now)) return NONE;
    const decision = this.#decide(symbol, price, record, market, now);
    if (decision === null) return NONE;
    const owner = this.instanceId;
    return { kind: 'intent', build: (r) => openIntent(r, { decision, market, price, now, owner, newId: () => newId(now) }) };
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
    return decide(this.#o.strategy, { symbol, price, position: record?.position ?? null, market, now });
  }

  #settle(record: CycleRecord, intentId: string, outcome: OrderOutcome, market: MarketRules): Transition | null {
    const o = this.#o;
    const t = settleOutcome(record, intentId, outcome, {
      market,
      now: o.clock.now(),
      cooldownMs: o.cooldownMs,
      backoffInitialMs: o.backoffInitialMs,
      backoffMaxMs: o.backoffMaxMs,
      onPositionMismatch: o.onPositionMismatch,
    });
    if (t !== null && outcome.status !== 'unknown') this.#reconciler.forget(intentId);
    return t;
  }

  // ---------------------------------------------------------------- the worker

  #spawnWorker(key: string, record: CycleRecord, market: MarketRules, price: number): void {
    const symbol = this.#symbolOf(key);
    const order = record.order as PendingOrder;
    const epoch = this.#epoch;
    const done = this.#runWorker(key, record, market, price, epoch)
      .catch((error) => this.#report(error, symbol))
      .finally(() => {
        if (this.#workers.get(key)?.intentId === order.intentId) this.#workers.delete(key);
      });
    this.#workers.set(key, { intentId: order.intentId, clientOrderId: order.clientOrderId, purpose: order.purpose, done });
  }

  async #runWorker(key: string, record: CycleRecord, market: MarketRules, price: number, epoch: number): Promise<void> {
    // Always the key's symbol: a record claiming another symbol is refused as corrupt on read.
    const symbol = this.#symbolOf(key);
    const order = record.order as PendingOrder;
    const ids = { symbol, cycleId: record.cycleId ?? '', intentId: order.intentId, clientOrderId: order.clientOrderId, purpose: order.purpose, side: order.side };
    this.emit('order:submitted', { ...ids, quoteAmount: order.quoteAmount, baseAmount: order.baseAmount, price });
    const outcome = await this.#sendOrder(key, symbol, order, market, epoch);
    if (outcome === null) return; // stop() gave up waiting before it was sent: the next start looks it up
    await this.#persistOutcome(key, symbol, order.intentId, outcome);
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

  /** Sends the order and classifies what happened. Anything but a clean fill or a sure rejection is unknown. */
  async #sendOrder(key: string, symbol: string, order: PendingOrder, market: MarketRules, epoch: number): Promise<OrderOutcome | null> {
    const at = () => this.#o.clock.now();
    if (order.side === 'sell' && order.baseAmount !== undefined) {
      // Never ask to sell more than the account holds: that is a position mismatch, not an order.
      // Bounded well inside the sender's grace, so that no other engine takes the sell for abandoned.
      const free = await this.#freeBase(market, Math.max(1, Math.min(this.#o.callTimeoutMs, this.#o.workerGraceMs / 2)));
      if (free !== undefined && new Decimal(free).lt(order.baseAmount)) {
        const message = `not sent: the account holds ${free} ${market.base}, the sell needs ${order.baseAmount}`;
        return { status: 'rejected', reason: 'INSUFFICIENT_FUNDS', message, recordedAt: at(), heldPerVenue: free };
      }
    }
    if (epoch !== this.#epoch) return null; // no order leaves after stop() returned
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#o.orderTimeoutMs);
      timer.unref(); // a pending order must not keep a process alive on its own
    });
    try {
      const request = {
        symbol,
        side: order.side,
        clientOrderId: order.clientOrderId,
        signal: controller.signal,
        ...(order.quoteAmount !== undefined ? { quoteAmount: order.quoteAmount } : {}),
        ...(order.baseAmount !== undefined ? { baseAmount: order.baseAmount } : {}),
      };
      const placed = Promise.resolve().then(() => this.#o.exchange.placeMarketOrder(request));
      placed.catch(() => undefined); // a late failure after a timeout is not unhandled
      const result = await Promise.race([placed, timeout]);
      if (result === 'timeout') {
        controller.abort();
        placed.then((answer) => this.#reconciler.lateAnswer(key, symbol, order, market, answer), () => undefined);
        return { status: 'unknown', reason: 'TIMEOUT', message: `no answer within ${this.#o.orderTimeoutMs} ms`, recordedAt: at() };
      }
      const fill = checkFill(result, order, market);
      if (fill.feePending) {
        this.#reconciler.noteFill(order.intentId, fill); // it executed: never given up as not found
        // Filled, but its fee is not known yet: never applied fee-free. Parked and looked up.
        return { status: 'unknown', reason: 'FEE_PENDING', message: `filled, but ${this.#o.exchange.id} has not reported its fee yet`, recordedAt: at() };
      }
      return { status: 'filled', fill, recordedAt: at() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isOrderRejectedError(error)) {
        const reason = error.reason ?? 'REJECTED';
        if (order.side === 'sell' && reason === 'INSUFFICIENT_FUNDS') {
          const free = await this.#freeBase(market);
          return { status: 'rejected', reason, message, recordedAt: at(), ...(free !== undefined ? { heldPerVenue: free } : {}) };
        }
        return { status: 'rejected', reason, message, recordedAt: at() };
      }
      if (isInvalidExchangeResponseError(error)) {
        this.#report(error, symbol);
        return { status: 'unknown', reason: 'INVALID_RESPONSE', message, recordedAt: at() };
      }
      const reason = isOrderOutcomeUnknownError(error) ? 'EXCHANGE_UNKNOWN' : 'UNEXPECTED_ERROR';
      return { status: 'unknown', reason, message, recordedAt: at() };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Persists an outcome and the move it causes, in one compare-and-set under the lock (or without
   * it after `lockWaitMs`: the CAS alone is what guarantees correctness). Conflicts are re-read and
   * retried; a store that keeps failing leaves the outcome queued for the next tick. A fill whose
   * intent was settled otherwise meanwhile is recorded as an orphan, never dropped.
   * @param extra - events to emit first if the write wins (e.g. `order:reconciled`)
   */
  async #persistOutcome(key: string, symbol: string, intentId: string, outcome: OrderOutcome, extra?: (record: CycleRecord) => EngineEvent[]): Promise<boolean> {
    const purpose = outcome.status === 'unknown' ? 'park' : 'outcome';
    const result = await this.#write(key, symbol, purpose, (record, market) => this.#settle(record, intentId, outcome, market), extra);
    const queued = this.#unpersisted.get(key);
    if (result === 'won') {
      if (queued?.intentId === intentId) this.#unpersisted.delete(key);
      return true;
    }
    if (result === 'moved-on') {
      if (queued?.intentId === intentId && (queued.outcome.status !== 'filled' || outcome.status === 'filled')) this.#unpersisted.delete(key);
      if (outcome.status === 'filled') await this.#persistOrphan(key, symbol, outcome.fill, `intent ${intentId} had been settled otherwise`);
      return false;
    }
    // Queued for the next tick — but a queued fill is never replaced by a lesser outcome.
    if (!(queued !== undefined && queued.outcome.status === 'filled' && outcome.status !== 'filled')) this.#unpersisted.set(key, { intentId, outcome });
    this.#report(new CycleEngineError(`Could not persist the outcome of intent ${intentId} for ${symbol}; will retry`, { cause: result.error }), symbol);
    return false;
  }

  /** Records a fill for a cycle that moved on (once: a fill already applied or recorded is left alone). */
  async #persistOrphan(key: string, symbol: string, fill: OrderFill, note: string): Promise<void> {
    const now = this.#o.clock.now();
    const result = await this.#write(key, symbol, 'outcome', (record, market) => recordOrphan(record, fill.feePending ? withEstimatedFee(fill, market) : fill, { market, now, note }));
    if (typeof result === 'object') {
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
  ): Promise<'won' | 'moved-on' | { error: unknown }> {
    let lastError: unknown = new CycleEngineError('too many write conflicts');
    let pending = null as { record: CycleRecord; events: EngineEvent[] } | null; // a write whose result was unknown
    for (let attempt = 0; attempt < STORE_RETRIES; attempt++) {
      const lease = await this.#acquire(key, this.#o.lockWaitMs).catch(() => null);
      const t0 = performance.now();
      let result: 'won' | 'conflict' | 'moved-on' | 'error' = 'error';
      let events: EngineEvent[] = [];
      let written: CycleRecord | null = null;
      try {
        const snap = await this.#read(key);
        const market = await this.#market(symbol);
        const landedBefore = pending !== null && snap !== undefined && canonical(snap.value) === canonical(pending.record);
        const transition = landedBefore ? null : snap ? build(snap.value, market) : null;
        if (landedBefore) {
          // The earlier attempt's unknown write had landed after all: it is ours, events included.
          result = 'won';
          events = pending!.events;
          written = pending!.record;
        } else if (transition === null) {
          result = 'moved-on';
        } else {
          let version: number | null;
          try {
            version = await this.#o.store.compareAndSet(key, snap!.version, transition.record);
          } catch (error) {
            if (!isWriteUnknownError(error)) throw error;
            lastError = error;
            version = await this.#landed(key, transition.record); // landed: its events are emitted once
            if (version === null) {
              pending = { record: transition.record, events: [...(extra?.(snap!.value) ?? []), ...transition.events] };
              throw error;
            }
          }
          result = version === null ? 'conflict' : 'won';
          events = [...(extra?.(snap!.value) ?? []), ...transition.events];
          written = transition.record;
        }
      } catch (error) {
        lastError = error;
      } finally {
        if (lease) await this.#release(lease, symbol, t0, result === 'won' ? purpose : 'none');
      }
      if (result === 'won') {
        if (written !== null) this.#noteWait(key, written);
        this.#emitAll(events);
        return 'won';
      }
      if (result === 'moved-on') return 'moved-on';
      // A write that may have landed, or a call that already waited out its bound: re-read at once.
      if (result === 'error' && !isWriteUnknownError(lastError) && !isCallTimeoutError(lastError)) await sleep(Math.min(1_000, 20 * 2 ** attempt));
    }
    return { error: lastError };
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

  async #read(key: string): Promise<VersionedRecord | undefined> {
    const snap = await this.#o.store.get(key);
    if (snap !== undefined) this.#check(key, snap.value);
    else this.#corrupt.delete(key);
    return snap;
  }

  /** Validates a record once per object (memory stores hand out the same frozen object each read). */
  #check(key: string, value: unknown): asserts value is CycleRecord {
    if (typeof value === 'object' && value !== null && this.#validated.has(value)) return;
    // Issue 9, case 17: a record whose symbol is not its key's is corrupt: nothing is sent for it.
    assertCycleRecord(key, value, undefined, this.#o.keyPrefix);
    this.#validated.add(value as object);
    this.#corrupt.delete(key);
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
