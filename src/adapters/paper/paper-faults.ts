/**
 * Fault injection for the paper exchange: scripted failures, so tests can reproduce the ways a
 * real venue fails (refusals, lost requests, lost responses, garbled responses).
 */
import { parseDecimal, type DecimalLike } from '../../decimal';
import { InvalidOptionsError } from '../../errors';
import { checkKnownOptions, nearestName } from '../../options-check';
import type { OrderSide } from '../../ports/exchange';

/**
 * A failure the paper exchange can inject into the next matching order.
 *
 * - `reject`: refuses the order (`OrderRejectedError`); nothing executes.
 * - `unknown-before`: the request is lost on the way (`OrderOutcomeUnknownError`); nothing executes.
 * - `unknown-after`: the order is processed, the response is lost (`OrderOutcomeUnknownError`).
 * - `hang`: the request is lost and the call never settles, unless its signal aborts.
 * - `malformed-after`: the order executes and the call resolves with a malformed fill.
 * - `{ kind: 'partialFill', ratio }`: a MARKET order on a thin book: only `ratio` of its amount
 *   executes (rounded down to the amount step) and the rest expires, as Binance ends such an order
 *   `EXPIRED`; the caller gets the fill of the executed part, balances move for it only, and the
 *   order is recorded `expired`. Nothing executed at all → refused (`EXPIRED`).
 * - `fee-pending`: not an order fault but a look-up fault: the next `count` `findOrder` answers
 *   for a filled order say `fee: null, feePending: true`, as ccxt does while Binance lists no
 *   trades for the order yet.
 *
 * The order faults above apply to `placeLimitOrder` too (`partialFill` on a LIMIT order that
 * crosses at once: that share executes as a taker, the rest rests). LIMIT orders and cancels add:
 *
 * - `{ kind: 'restingPartialFill', ratio }`: met when a price crosses a resting order: only
 *   `ratio` of the order's amount executes (rounded down to the step, at most what is left), the
 *   rest keeps resting; each later crossing fills more (or takes the next hit of this fault).
 * - `fill-during-cancel`: met by a cancel of a resting order: the rest of the order fills at its
 *   limit (maker) just before the cancel lands; the cancel answers the `filled` state.
 *   `{ kind: 'fillDuringCancel', ratio }`: only `ratio` of the order's amount fills first (at most
 *   what is left), the rest is cancelled; the answer is `cancelled` with that fill.
 * - `cancel-unknown-before`: the cancel is lost on the way (`OrderOutcomeUnknownError`); the order
 *   keeps resting.
 * - `cancel-unknown-after`: the cancel lands (after any `fill-during-cancel`), its answer is lost
 *   (`OrderOutcomeUnknownError`); `findOrder` shows the order's final state.
 * @public
 */
export type PaperFault =
  | 'reject'
  | 'unknown-before'
  | 'unknown-after'
  | 'hang'
  | 'malformed-after'
  | 'fee-pending'
  | 'fill-during-cancel'
  | 'cancel-unknown-before'
  | 'cancel-unknown-after'
  | PaperPartialFill
  | PaperRestingPartialFill
  | PaperFillDuringCancel;

/**
 * The partial-fill fault of {@link PaperFault}.
 * @public
 */
export interface PaperPartialFill {
  /** Tag of this fault. */
  readonly kind: 'partialFill';
  /** Share of the order's amount that executes: a decimal above 0 and below 1 (e.g. `'0.4'`). */
  readonly ratio: DecimalLike;
}

/**
 * The resting partial-fill fault of {@link PaperFault}.
 * @public
 */
export interface PaperRestingPartialFill {
  /** Tag of this fault. */
  readonly kind: 'restingPartialFill';
  /** Share of the order's amount that executes on this crossing: a decimal above 0 and below 1. */
  readonly ratio: DecimalLike;
}

/**
 * The partial fill-during-cancel fault of {@link PaperFault}.
 * @public
 */
export interface PaperFillDuringCancel {
  /** Tag of this fault. */
  readonly kind: 'fillDuringCancel';
  /** Share of the order's amount that executes before the cancel lands: a decimal above 0 and below 1. */
  readonly ratio: DecimalLike;
}

/**
 * Which orders an injected fault applies to, and how many times.
 * @public
 */
export interface PaperFaultOptions {
  /** How many matching orders the fault hits (default 1). */
  readonly count?: number | undefined;
  /** Only orders on this symbol (default: any). */
  readonly symbol?: string | undefined;
  /** Only orders on this side (default: any). */
  readonly side?: OrderSide | undefined;
  /** Only orders (or, for `fee-pending`, look-ups) with this client order id (default: any). */
  readonly clientOrderId?: string | undefined;
}

const FAULTS: ReadonlySet<string> = new Set<string>([
  'reject',
  'unknown-before',
  'unknown-after',
  'hang',
  'malformed-after',
  'fee-pending',
  'fill-during-cancel',
  'cancel-unknown-before',
  'cancel-unknown-after',
]);

const RATIO_KINDS: ReadonlySet<string> = new Set(['partialFill', 'restingPartialFill', 'fillDuringCancel']);

/**
 * Where a fault is met: sending an order, looking one up, a price crossing a resting order, a
 * cancel arriving (`cancel`: whether it lands or its answer is lost; `cancelFill`: a fill just
 * before it lands). @internal
 */
export type FaultStage = 'order' | 'lookup' | 'crossing' | 'cancel' | 'cancelFill';

const STAGES: Readonly<Record<string, FaultStage>> = {
  'fee-pending': 'lookup',
  restingPartialFill: 'crossing',
  'cancel-unknown-before': 'cancel',
  'cancel-unknown-after': 'cancel',
  'fill-during-cancel': 'cancelFill',
  fillDuringCancel: 'cancelFill',
};

/** The stage a fault belongs to. @internal */
export function stageOf(fault: PaperFault): FaultStage {
  return STAGES[typeof fault === 'string' ? fault : fault.kind] ?? 'order';
}

/** The executed share of a partial-fill fault, or undefined for any other fault. @internal */
export function partialRatio(fault: PaperFault | undefined): string | undefined {
  return typeof fault === 'object' && fault !== null && fault.kind === 'partialFill' ? String(fault.ratio) : undefined;
}

/**
 * The share of a resting order's amount that a `restingPartialFill` or `fillDuringCancel` fault
 * executes; undefined for any other fault (and for `fill-during-cancel`: the whole rest).
 * @internal
 */
export function restingRatio(fault: PaperFault | undefined): string | undefined {
  return typeof fault === 'object' && fault !== null && fault.kind !== 'partialFill' ? String(fault.ratio) : undefined;
}

function checkFault(fault: unknown): void {
  if (typeof fault === 'string' && FAULTS.has(fault)) return;
  if (typeof fault === 'object' && fault !== null && RATIO_KINDS.has((fault as PaperPartialFill).kind)) {
    const ratio = parseDecimal((fault as PaperPartialFill).ratio);
    if (ratio === undefined || !ratio.gt(0) || !ratio.lt(1)) {
      throw new InvalidOptionsError('fault.ratio', `must be a decimal > 0 and < 1, got ${JSON.stringify((fault as PaperPartialFill).ratio)}`);
    }
    return;
  }
  const near = typeof fault === 'string' ? nearestName(fault, [...FAULTS]) : undefined;
  throw new InvalidOptionsError('fault', `unknown fault ${JSON.stringify(fault)}${near === undefined ? '' : `, did you mean '${near}'?`}`);
}

interface QueuedFault {
  readonly fault: PaperFault;
  readonly symbol: string | undefined;
  readonly side: OrderSide | undefined;
  readonly clientOrderId: string | undefined;
  remaining: number;
}

/**
 * FIFO queue of injected faults; the first entry that matches an order is consumed by it.
 * @internal
 */
export class FaultQueue {
  readonly #queue: QueuedFault[] = [];

  /** Queues `fault` for the next `count` matching orders; throws `InvalidOptionsError` on bad input. */
  add(fault: PaperFault, options: PaperFaultOptions = {}): void {
    checkFault(fault);
    checkKnownOptions(options, { count: true, symbol: true, side: true, clientOrderId: true } satisfies Record<keyof PaperFaultOptions, true>);
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidOptionsError('count', `must be a positive integer, got ${String(count)}`);
    }
    if (options.side !== undefined && options.side !== 'buy' && options.side !== 'sell') {
      throw new InvalidOptionsError('side', `must be 'buy' or 'sell', got ${String(options.side)}`);
    }
    this.#queue.push({ fault, symbol: options.symbol, side: options.side, clientOrderId: options.clientOrderId, remaining: count });
  }

  /** Consumes and returns the fault for an order (or a look-up, `stage: 'lookup'`), if one matches. */
  take(symbol: string, side: OrderSide | undefined, clientOrderId?: string, stage: FaultStage = 'order'): PaperFault | undefined {
    const index = this.#queue.findIndex(
      (q) =>
        stageOf(q.fault) === stage &&
        (q.symbol === undefined || q.symbol === symbol) &&
        (q.side === undefined || q.side === side) &&
        (q.clientOrderId === undefined || q.clientOrderId === clientOrderId),
    );
    if (index < 0) return undefined;
    const entry = this.#queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    return entry.fault;
  }

  /** Number of fault hits still queued. */
  get pending(): number {
    return this.#queue.reduce((sum, q) => sum + q.remaining, 0);
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#queue.length = 0;
  }
}

/**
 * Runs `run` after `delayMs` and settles with its result, or never when `delayMs` is undefined
 * (a hung request). Rejects with `abortError()` as soon as `signal` aborts, yet `run` still runs
 * then: a venue does not drop an order because its sender stopped waiting.
 * @internal
 */
export function settleLater<T>(
  delayMs: number | undefined,
  signal: AbortSignal | undefined,
  abortError: () => Error,
  run: () => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    if (delayMs === undefined) return;
    setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      try {
        resolve(run());
      } catch (error) {
        reject(error);
      }
    }, delayMs);
  });
}
