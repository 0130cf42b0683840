/**
 * The engine: per-symbol cycles driven by a strategy, every order through a persisted intent.
 */
import { EventEmitter } from 'eventemitter3';
import { performance } from 'node:perf_hooks';
import {
  CycleEngineError,
  InvalidExchangeResponseError,
  isOrderOutcomeUnknownError,
  isOrderRejectedError,
} from '../errors';
import type { CycleEngineEvents } from '../events';
import type { MarketRules, OrderFill } from '../ports/exchange';
import type { LockLease } from '../ports/lock';
import { assertCycleRecord, emptyRecord, type CycleRecord, type OrderOutcome, type PendingOrder } from '../ports/record';
import type { VersionedRecord } from '../ports/state-store';
import { checkFill } from './fill';
import { newId } from './ids';
import { resolveOptions, type CycleEngineOptions, type ResolvedOptions } from './options';
import { Reconciler } from './reconciler';
import { openIntent, recordOrphan, settleOutcome, type EngineEvent, type Transition } from './transitions';

/** What a tick wants to do for one symbol; decided without the lock, then again under it. */
type Plan =
  | { kind: 'none' }
  | { kind: 'intent'; build: (r: CycleRecord) => Transition | null }
  | { kind: 'settle'; intentId: string; outcome: OrderOutcome }
  | { kind: 'lookup'; order: PendingOrder };

interface Worker {
  intentId: string;
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
export class CycleEngine extends EventEmitter<CycleEngineEvents> {
  /** Id of this engine instance: the owner recorded on its intents. */
  readonly instanceId: string;
  readonly #o: ResolvedOptions;
  readonly #markets = new Map<string, MarketRules>();
  readonly #workers = new Map<string, Worker>();
  readonly #reconciler: Reconciler;
  /** Outcomes a worker could not persist (store down); retried by ticks and `idle()`. */
  readonly #unpersisted = new Map<string, { intentId: string; outcome: OrderOutcome }>();
  /** Keys whose record was reported corrupt (reported once until it reads well again). */
  readonly #corrupt = new Set<string>();
  readonly #validated = new WeakSet<object>();
  #running = false;
  #loop: Promise<void> | null = null;
  #wakeLoop: (() => void) | null = null;
  #ticks = 0;

  /**
   * @param options - ports, symbols, strategy and timings
   * @throws {@link InvalidOptionsError} for invalid options
   */
  constructor(options: CycleEngineOptions) {
    super();
    this.#o = resolveOptions(options);
    this.instanceId = this.#o.instanceId ?? `engine-${newId(Date.now()).slice(-11)}`;
    this.#reconciler = new Reconciler({
      options: this.#o,
      persistOutcome: (key, symbol, intentId, outcome, extra) => this.#persistOutcome(key, symbol, intentId, outcome, extra),
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
   *
   * Recovery: every cycle whose order has no applied outcome and is not being sent by this engine
   * (a crash, a restart, another engine that is gone) is looked up on the exchange by its client
   * order id at once; a fill found is applied. An order not found is looked up again on later
   * ticks until it can no longer land. Several engines recovering at once may all look; the
   * store's compare-and-set lets exactly one apply what they find.
   * @throws {@link CycleEngineError} when a market cannot be loaded
   */
  async start(): Promise<void> {
    if (this.#running) return;
    await Promise.all(this.#o.symbols.map((s) => this.#market(s)));
    await this.#recover();
    this.#running = true;
    this.#loop = this.#runLoop();
  }

  /** Looks up, once and at once, every order that has no applied outcome and no sender here. */
  async #recover(): Promise<void> {
    await eachLimited(this.#o.symbols, this.#o.concurrency, async (symbol) => {
      const key = this.#key(symbol);
      let order: PendingOrder | null | undefined;
      try {
        order = (await this.#read(key))?.value.order;
      } catch (error) {
        this.#report(error, symbol);
        return;
      }
      if (!order || (order.outcome !== null && order.outcome.status !== 'unknown')) return;
      if (this.#workers.get(key)?.intentId === order.intentId) return;
      this.#reconciler.lookUp(key, symbol, order, this.#markets.get(symbol) as MarketRules);
    });
    await Promise.all(this.#reconciler.pending());
  }

  /**
   * Stops ticking and waits for the current tick and every order in flight to finish and be
   * recorded. Safe to call twice.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wakeLoop?.();
    await this.#loop;
    this.#loop = null;
    await this.#drainWorkers();
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
    const symbols = this.#o.symbols;
    // Without prices nothing new is decided, but outcomes are still applied and stale intents parked.
    let prices: Record<string, number> = {};
    let priceError: CycleEngineError | null = null;
    try {
      prices = await this.#o.exchange.fetchPrices(symbols);
    } catch (cause) {
      priceError = new CycleEngineError(`Could not fetch prices from ${this.#o.exchange.id}`, { cause });
    }
    const now = this.#o.clock.now();
    // Phase 1, without the lock: read every record and decide. Most symbols stop here.
    const due: Array<{ symbol: string; market: MarketRules }> = [];
    let skipped = 0;
    await eachLimited(symbols, this.#o.concurrency, async (symbol) => {
      const r = await this.#scan(symbol, prices[symbol], now);
      if (r === 'skipped') skipped++;
      else if (r !== 'none') due.push({ symbol, market: r });
    });
    // Phase 2, under the lock, a few at a time: a hold spans only its own short awaits, not the
    // work of a crowd of other lanes.
    let ordersStarted = 0;
    await eachLimited(due, this.#o.transitionConcurrency, async ({ symbol, market }) => {
      const r = await this.#transition(symbol, prices[symbol], market);
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
    const mine = all.filter((r) => r.key.startsWith(this.#o.keyPrefix));
    for (const r of mine) this.#check(r.key, r.value);
    return mine.map((r) => r.value);
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
    const plan = this.#plan(key, symbol, record, price, market, now);
    if (plan.kind === 'lookup') {
      this.#reconciler.lookUp(key, symbol, plan.order, market); // a read-only call: no lock
      return 'skipped';
    }
    if (plan.kind !== 'none') return market;
    return record?.order ? 'skipped' : 'none';
  }

  /** Takes the lock, reads again, decides again, and writes with a compare-and-set. */
  async #transition(symbol: string, price: number | undefined, market: MarketRules): Promise<'order' | 'skipped' | 'none'> {
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
      }
      if (transition === null) purpose = 'none';
      else {
        let version: number | null;
        try {
          version = await this.#o.store.compareAndSet(key, fresh?.version ?? null, transition.record);
        } catch (error) {
          // An intent write of unknown result: re-read under the lock. Our own intent there (its id
          // is new) landed: send it now. Absent, nothing is sent; the next tick decides afresh.
          if ((error as { code?: unknown } | null)?.code !== 'WRITE_UNKNOWN' || purpose !== 'intent') throw error; // WriteUnknownError, any copy
          this.#report(error, symbol);
          const after = await this.#read(key);
          const ours = transition.record.order;
          version = ours !== null && after?.value.order?.intentId === ours.intentId && after.value.order.outcome === null ? after.version : null;
        }
        if (version !== null) won = { transition, record: transition.record };
      }
    } catch (error) {
      this.#report(error, symbol);
    } finally {
      await this.#release(lease, symbol, t0, purpose);
    }
    if (won === null) return 'skipped';
    this.#emitAll(won.transition.events);
    if (purpose === 'outcome' || purpose === 'park') this.#unpersisted.delete(key);
    if (purpose !== 'intent') return 'none';
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
        const age = now - order.createdAt;
        if (age <= this.#o.orderTimeoutMs + this.#o.workerGraceMs) return NONE; // its sender may still be waiting for it
        // The sender would have recorded an outcome by now: it is gone. Park, then look it up.
        const reason = order.owner === this.instanceId ? 'WORKER_LOST' : 'WORKER_GONE';
        const message = `no outcome ${age} ms after the intent (owner ${order.owner}): the order may have executed`;
        return { kind: 'settle', intentId: order.intentId, outcome: { status: 'unknown', reason, message, recordedAt: now } };
      }
      if (this.#reconciler.isWaiting(key, order.intentId, now)) return NONE; // being looked up, or backing off
      return { kind: 'lookup', order };
    }
    if (price === undefined || !Number.isFinite(price) || price <= 0) return NONE;
    if (record !== null && record.retryAt !== null && now < record.retryAt) return NONE;
    const decision = this.#o.strategy.decide({ symbol, price, position: record?.position ?? null, market, now });
    if (decision === null) return NONE;
    const owner = this.instanceId;
    return { kind: 'intent', build: (r) => openIntent(r, { decision, market, price, now, owner, newId: () => newId(now) }) };
  }

  #settle(record: CycleRecord, intentId: string, outcome: OrderOutcome, market: MarketRules): Transition | null {
    const o = this.#o;
    return settleOutcome(record, intentId, outcome, {
      market,
      now: o.clock.now(),
      cooldownMs: o.cooldownMs,
      backoffInitialMs: o.backoffInitialMs,
      backoffMaxMs: o.backoffMaxMs,
    });
  }

  // ---------------------------------------------------------------- the worker

  #spawnWorker(key: string, record: CycleRecord, market: MarketRules, price: number): void {
    const { symbol } = record;
    const order = record.order as PendingOrder;
    const done = this.#runWorker(key, record, market, price)
      .catch((error) => this.#report(error, symbol))
      .finally(() => {
        if (this.#workers.get(key)?.intentId === order.intentId) this.#workers.delete(key);
      });
    this.#workers.set(key, { intentId: order.intentId, done });
  }

  async #runWorker(key: string, record: CycleRecord, market: MarketRules, price: number): Promise<void> {
    const { symbol } = record;
    const order = record.order as PendingOrder;
    const ids = { symbol, cycleId: record.cycleId ?? '', intentId: order.intentId, clientOrderId: order.clientOrderId, purpose: order.purpose, side: order.side };
    this.emit('order:submitted', { ...ids, quoteAmount: order.quoteAmount, baseAmount: order.baseAmount, price });
    const outcome = await this.#sendOrder(key, symbol, order, market);
    await this.#persistOutcome(key, symbol, order.intentId, outcome);
  }

  /** Sends the order and classifies what happened. Anything but a clean fill or a sure rejection is unknown. */
  async #sendOrder(key: string, symbol: string, order: PendingOrder, market: MarketRules): Promise<OrderOutcome> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#o.orderTimeoutMs);
      timer.unref(); // a pending order must not keep a process alive on its own
    });
    const at = () => this.#o.clock.now();
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
      return { status: 'filled', fill: checkFill(result, order, market), recordedAt: at() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isOrderRejectedError(error)) return { status: 'rejected', reason: error.reason ?? 'REJECTED', message, recordedAt: at() };
      if (error instanceof InvalidExchangeResponseError) {
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
  async #persistOutcome(key: string, symbol: string, intentId: string, outcome: OrderOutcome, extra?: (record: CycleRecord) => EngineEvent[]): Promise<void> {
    const purpose = outcome.status === 'unknown' ? 'park' : 'outcome';
    const result = await this.#write(key, symbol, purpose, (record, market) => this.#settle(record, intentId, outcome, market), extra);
    if (result === 'won') {
      this.#unpersisted.delete(key);
      return;
    }
    if (result === 'moved-on') {
      this.#unpersisted.delete(key);
      if (outcome.status === 'filled') await this.#persistOrphan(key, symbol, outcome.fill, `intent ${intentId} had been settled otherwise`);
      return;
    }
    this.#unpersisted.set(key, { intentId, outcome });
    this.#report(new CycleEngineError(`Could not persist the outcome of intent ${intentId} for ${symbol}; will retry`, { cause: result.error }), symbol);
  }

  /** Records a fill for a cycle that moved on (once: a fill already applied or recorded is left alone). */
  async #persistOrphan(key: string, symbol: string, fill: OrderFill, note: string): Promise<void> {
    const now = this.#o.clock.now();
    const result = await this.#write(key, symbol, 'outcome', (record, market) => recordOrphan(record, fill, { market, now, note }));
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
    for (let attempt = 0; attempt < STORE_RETRIES; attempt++) {
      const lease = await this.#acquire(key, this.#o.lockWaitMs).catch(() => null);
      const t0 = performance.now();
      let result: 'won' | 'conflict' | 'moved-on' | 'error' = 'error';
      let events: EngineEvent[] = [];
      try {
        const snap = await this.#read(key);
        const market = await this.#market(symbol);
        const transition = snap ? build(snap.value, market) : null;
        if (transition === null) {
          result = 'moved-on';
        } else {
          const version = await this.#o.store.compareAndSet(key, snap!.version, transition.record);
          result = version === null ? 'conflict' : 'won';
          events = [...(extra?.(snap!.value) ?? []), ...transition.events];
        }
      } catch (error) {
        lastError = error;
      } finally {
        if (lease) await this.#release(lease, symbol, t0, result === 'won' ? purpose : 'none');
      }
      if (result === 'won') {
        this.#emitAll(events);
        return 'won';
      }
      if (result === 'moved-on') return 'moved-on';
      if (result === 'error') await sleep(Math.min(1_000, 20 * 2 ** attempt));
    }
    return { error: lastError };
  }

  // ---------------------------------------------------------------- helpers

  async #runLoop(): Promise<void> {
    while (this.#running) {
      try {
        await this.tick();
      } catch (error) {
        this.#report(error);
      }
      if (!this.#running) break;
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
    assertCycleRecord(key, value);
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
    this.#markets.set(symbol, rules);
    return rules;
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
    const e = error instanceof CycleEngineError ? error : new CycleEngineError(`${symbol ?? 'engine'}: ${String((error as Error)?.message ?? error)}`, { cause: error });
    if (e.code === 'CORRUPT_STATE') {
      const key = (e as unknown as { key: string }).key;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
