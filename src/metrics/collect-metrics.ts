/**
 * Prometheus metrics of an engine, read from its events: orders, reconciliations, orphans and
 * errors counted; lock hold and tick duration as histograms; active cycles, invested quote and
 * realised PnL as gauges.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CycleRecord } from '../ports/record';
import { tapEvents } from '../logging/tap';
import { MONEY_EVENTS, NO_MONEY, applyMoneyEvent, moneyFromRecord, type SymbolMoney } from './money';

/**
 * Options of {@link collectMetrics}.
 * @public
 */
export interface CollectMetricsOptions {
  /** The prom-client registry the metrics are registered in. */
  readonly registry: Registry;
  /** Prefix of every metric name (default `cycle_engine_`). */
  readonly prefix?: string | undefined;
  /** Buckets of the lock hold histogram, seconds (default 0.5 ms to 1 s). */
  readonly lockHoldBuckets?: readonly number[] | undefined;
  /** Buckets of the tick duration histogram, seconds (default 5 ms to 30 s). */
  readonly tickDurationBuckets?: readonly number[] | undefined;
}

/**
 * What {@link collectMetrics} returns.
 * @public
 */
export interface MetricsHandle {
  /** Settles once the gauges are seeded from the store (each traded symbol's record read once). */
  readonly ready: Promise<void>;
  /** Stops listening to the engine; the metrics stay in the registry with their last values. */
  detach(): void;
  /** Detaches, and removes this engine's metrics from the registry. */
  unregister(): void;
}

/** Order events counted in `orders_total`, and the outcome each counts as. */
const ORDER_OUTCOMES: ReadonlyArray<readonly [string, string]> = [
  ['order:submitted', 'submitted'],
  ['order:filled', 'filled'],
  ['order:rejected', 'rejected'],
  ['order:unknown', 'unknown'],
  // Events of the order ledger (resting orders): counted as soon as the engine emits them.
  ['order:placed', 'placed'],
  ['order:partiallyFilled', 'partially_filled'],
  ['order:cancelled', 'cancelled'],
];

/**
 * What {@link collectMetrics} needs of an engine: a `CycleEngine` fits. Structural on purpose, so
 * that an engine of any build of this package (ESM or CommonJS, root entry or a bundle) is
 * accepted by this entry's declarations.
 * @public
 */
export interface MetricsEngine {
  /** The symbols traded. */
  readonly symbols: readonly string[];
  /** Adds an event listener (typed loosely: any typed emitter's `on` fits). */
  on(event: never, listener: never): unknown;
  /** Removes an event listener. */
  off(event: never, listener: never): unknown;
  /** The cycle record of a symbol. */
  getCycle(symbol: string): Promise<CycleRecord | undefined>;
}

/**
 * Registers the engine's metrics in `registry` and keeps them current from its events.
 *
 * | metric (after the prefix) | type | labels |
 * | --- | --- | --- |
 * | `orders_total` | counter | `symbol`, `purpose`, `outcome` (`submitted`, `filled`, `rejected`, `unknown`, and `placed`, `partially_filled`, `cancelled` for resting orders) |
 * | `reconciliations_total` | counter | `symbol`, `purpose`, `result` (`filled`, `not-found`, `late-response`) |
 * | `orphans_total` | counter | `symbol`, `side`, `accounted_as` |
 * | `cycles_closed_total` | counter | `symbol`, `reason` |
 * | `errors_total` | counter | `code` |
 * | `lock_hold_seconds` | histogram | `purpose` |
 * | `tick_duration_seconds` | histogram | — |
 * | `active_cycles` | gauge | — |
 * | `invested_quote` | gauge | `symbol` |
 * | `realized_pnl_quote` | gauge | `symbol` |
 *
 * The money gauges are seeded from each traded symbol's record, then moved by events. They are
 * floats for Prometheus only: the engine keeps every amount as an exact decimal string, and
 * nothing should be computed from a scraped value. A fill that arrives for a settled order (an
 * orphan) changes the record's PnL without an event of its own: the gauge catches up at the next
 * {@link collectMetrics} (a restart).
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { collectMetrics } from 'cycle-engine/metrics';
 * const registry = new Registry();
 * const metrics = collectMetrics(engine, { registry });
 * // serve `await registry.metrics()` on /metrics; metrics.detach() when done
 * ```
 * @param engine - the engine to observe
 * @param options - the registry, and a prefix
 * @returns a handle to stop listening
 * @public
 */
export function collectMetrics(engine: MetricsEngine, options: CollectMetricsOptions): MetricsHandle {
  const { registry } = options;
  const prefix = options.prefix ?? 'cycle_engine_';
  const registers = [registry];
  const orders = new Counter({ name: `${prefix}orders_total`, help: 'Orders by symbol, purpose and outcome.', labelNames: ['symbol', 'purpose', 'outcome'], registers });
  const reconciliations = new Counter({ name: `${prefix}reconciliations_total`, help: 'Orders of unknown outcome looked up and resolved.', labelNames: ['symbol', 'purpose', 'result'], registers });
  const orphans = new Counter({ name: `${prefix}orphans_total`, help: 'Fills that arrived for a cycle that had moved on.', labelNames: ['symbol', 'side', 'accounted_as'], registers });
  const closed = new Counter({ name: `${prefix}cycles_closed_total`, help: 'Cycles closed.', labelNames: ['symbol', 'reason'], registers });
  const errors = new Counter({ name: `${prefix}errors_total`, help: 'Background errors by code.', labelNames: ['code'], registers });
  const lockHold = new Histogram({
    name: `${prefix}lock_hold_seconds`,
    help: 'How long a per-symbol lock was held.',
    labelNames: ['purpose'],
    buckets: [...(options.lockHoldBuckets ?? [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])],
    registers,
  });
  const tickDuration = new Histogram({
    name: `${prefix}tick_duration_seconds`,
    help: 'Duration of a tick (every symbol decided and persisted).',
    buckets: [...(options.tickDurationBuckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])],
    registers,
  });
  const active = new Gauge({ name: `${prefix}active_cycles`, help: 'Cycles holding a position.', registers });
  const invested = new Gauge({ name: `${prefix}invested_quote`, help: 'Quote invested in the open position (float: for display only).', labelNames: ['symbol'], registers });
  const pnl = new Gauge({ name: `${prefix}realized_pnl_quote`, help: 'Realised PnL in quote (float: for display only).', labelNames: ['symbol'], registers });
  const all = [orders, reconciliations, orphans, closed, errors, lockHold, tickDuration, active, invested, pnl];

  const money = new Map<string, SymbolMoney>();
  const show = (symbol: string, state: SymbolMoney) => {
    money.set(symbol, state);
    invested.set({ symbol }, Number(state.investedQuote));
    pnl.set({ symbol }, Number(state.realizedPnlQuote));
    active.set([...money.values()].filter((m) => m.active).length);
  };
  const touched = new Set<string>();

  const listeners: Array<readonly [string, (e: never) => void]> = [];
  const listen = (name: string, fn: (e: Record<string, unknown>) => void) => {
    listeners.push([name, fn as (e: never) => void]);
    engine.on(name as never, fn as never);
  };
  const label = (value: unknown) => (typeof value === 'string' ? value : 'unknown');
  for (const [name, outcome] of ORDER_OUTCOMES) listen(name, (e) => orders.inc({ symbol: label(e.symbol), purpose: label(e.purpose), outcome }));
  listen('order:reconciled', (e) => reconciliations.inc({ symbol: label(e.symbol), purpose: label(e.purpose), result: label(e.result) }));
  listen('order:orphaned', (e) => orphans.inc({ symbol: label(e.symbol), side: label(e.side), accounted_as: label(e.accountedAs) }));
  listen('cycle:closed', (e) => closed.inc({ symbol: label(e.symbol), reason: label(e.reason) }));
  listen('lock:released', (e) => lockHold.observe({ purpose: label(e.purpose) }, Number(e.heldMs) / 1000));
  listen('tick:completed', (e) => tickDuration.observe(Number(e.durationMs) / 1000));
  for (const name of MONEY_EVENTS) {
    listen(name, (e) => {
      const symbol = label(e.symbol);
      touched.add(symbol);
      show(symbol, applyMoneyEvent(money.get(symbol) ?? NO_MONEY, name, e));
    });
  }

  for (const symbol of engine.symbols) show(symbol, NO_MONEY);
  // Seed from the store; a symbol an event moved meanwhile keeps what the event said.
  const ready = Promise.all(
    engine.symbols.map(async (symbol) => {
      const record = await engine.getCycle(symbol).catch(() => undefined);
      if (record !== undefined && !touched.has(symbol)) show(symbol, moneyFromRecord(record));
    }),
  ).then(() => undefined);

  // Errors are counted without an 'error' listener: one would tell the engine that someone hears
  // them, and an error nobody else listens to would no longer reach stderr.
  const untap = tapEvents(engine, (name, e) => {
    if (name === 'error') errors.inc({ code: label((e as { code?: unknown } | null)?.code) });
  });

  let attached = true;
  const detach = () => {
    if (!attached) return;
    attached = false;
    untap();
    for (const [name, fn] of listeners) engine.off(name as never, fn as never);
  };
  return {
    ready,
    detach,
    unregister: () => {
      detach();
      for (const metric of all) registry.removeSingleMetric((metric as unknown as { name: string }).name);
    },
  };
}
