/**
 * Fault injection for the paper exchange: scripted failures, so tests can reproduce the ways a
 * real venue fails (refusals, lost requests, lost responses, garbled responses).
 */
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
 * @public
 */
export type PaperFault = 'reject' | 'unknown-before' | 'unknown-after' | 'hang' | 'malformed-after';

/**
 * Which orders an injected fault applies to, and how many times.
 * @public
 */
export interface PaperFaultOptions {
  /** How many matching orders the fault hits (default 1). */
  readonly count?: number;
  /** Only orders on this symbol (default: any). */
  readonly symbol?: string;
  /** Only orders on this side (default: any). */
  readonly side?: OrderSide;
}

const FAULTS: ReadonlySet<string> = new Set<PaperFault>([
  'reject',
  'unknown-before',
  'unknown-after',
  'hang',
  'malformed-after',
]);

interface QueuedFault {
  readonly fault: PaperFault;
  readonly symbol: string | undefined;
  readonly side: OrderSide | undefined;
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
    if (!FAULTS.has(fault)) {
      const near = typeof fault === 'string' ? nearestName(fault, [...FAULTS]) : undefined;
      throw new InvalidOptionsError('fault', `unknown fault ${JSON.stringify(fault)}${near === undefined ? '' : `, did you mean '${near}'?`}`);
    }
    checkKnownOptions(options, { count: true, symbol: true, side: true } satisfies Record<keyof PaperFaultOptions, true>);
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidOptionsError('count', `must be a positive integer, got ${String(count)}`);
    }
    if (options.side !== undefined && options.side !== 'buy' && options.side !== 'sell') {
      throw new InvalidOptionsError('side', `must be 'buy' or 'sell', got ${String(options.side)}`);
    }
    this.#queue.push({ fault, symbol: options.symbol, side: options.side, remaining: count });
  }

  /** Consumes and returns the fault for an order, if one matches. */
  take(symbol: string, side: OrderSide): PaperFault | undefined {
    const index = this.#queue.findIndex(
      (q) => (q.symbol === undefined || q.symbol === symbol) && (q.side === undefined || q.side === side),
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
