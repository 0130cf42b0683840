/**
 * One call to the venue about one order (a placement or a cancel), bounded by `orderTimeoutMs`
 * and classified: what it says becomes an observation for the ledger.
 */
import { Decimal } from '../decimal';
import { isInvalidExchangeResponseError, isOrderOutcomeUnknownError, isOrderRejectedError } from '../errors';
import type { MarketRules, OrderState } from '../ports/exchange';
import type { OrderSlot } from '../ports/record';
import type { Observation } from './ledger';

/** A cancel the venue answered with "I do not know this order" (thrown by a `check`). @internal */
export class OrderNotKnown extends Error {}

/** What a call needs from its engine. @internal */
export interface OrderCallHost {
  readonly venue: string;
  readonly orderTimeoutMs: number;
  now(): number;
  /** A fill whose fee is not reported yet: the order executed, whatever look-ups say later. */
  noteFill(intentId: string, state: OrderState): void;
  /** Free base per the venue, when it can be read. */
  freeBase(market: MarketRules): Promise<string | undefined>;
  report(error: unknown, symbol: string): void;
}

/** The call itself. @internal */
export interface OrderCall {
  slot: OrderSlot;
  market: MarketRules;
  /** Sends the request; `signal` aborts when the engine stops waiting (the order may still land). */
  call: (signal: AbortSignal) => Promise<unknown>;
  /** Validates the answer (throws `InvalidExchangeResponseError`, or {@link OrderNotKnown}). */
  check: (raw: unknown) => OrderState;
  /** An answer that comes after the timeout. */
  late?: (answer: unknown) => void;
}

/**
 * Runs one order call within `orderTimeoutMs` and classifies what happened: a clean answer is a
 * state (but a fill whose fee is not reported yet is unknown: never applied fee-free); a sure
 * refusal is rejected (a sell refused for lack of balance says what the venue holds); anything else
 * — a timeout, an unknown outcome, a malformed answer, an unexpected error — is unknown, and the
 * order is then looked up.
 * @internal
 */
export async function callOrder(host: OrderCallHost, { slot, market, call, check, late }: OrderCall): Promise<Observation> {
  const at = () => host.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), host.orderTimeoutMs);
    timer.unref(); // a pending order must not keep a process alive on its own
  });
  try {
    const placed = Promise.resolve().then(() => call(controller.signal));
    placed.catch(() => undefined); // a late failure after a timeout is not unhandled
    const result = await Promise.race([placed, timeout]);
    if (result === 'timeout') {
      controller.abort();
      if (late) placed.then(late, () => undefined);
      return { kind: 'unknown', reason: 'TIMEOUT', message: `no answer within ${host.orderTimeoutMs} ms`, recordedAt: at() };
    }
    const state = check(result);
    if (state.feePending && new Decimal(state.filledBase).gt(slot.applied.base)) {
      host.noteFill(slot.intentId, state); // it executed: never given up as not found
      return { kind: 'unknown', reason: 'FEE_PENDING', message: `filled, but ${host.venue} has not reported its fee yet`, recordedAt: at() };
    }
    return { kind: 'state', state, recordedAt: at() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof OrderNotKnown) return { kind: 'unknown', reason: 'NOT_KNOWN', message: `${host.venue} does not know the order`, recordedAt: at() };
    if (isOrderRejectedError(error)) {
      const reason = error.reason ?? 'REJECTED';
      if (slot.side === 'sell' && reason === 'INSUFFICIENT_FUNDS') {
        const free = await host.freeBase(market);
        return { kind: 'rejected', reason, message, recordedAt: at(), ...(free !== undefined ? { heldPerVenue: free } : {}) };
      }
      return { kind: 'rejected', reason, message, recordedAt: at() };
    }
    if (isInvalidExchangeResponseError(error)) {
      host.report(error, market.symbol);
      return { kind: 'unknown', reason: 'INVALID_RESPONSE', message, recordedAt: at() };
    }
    const reason = isOrderOutcomeUnknownError(error) ? 'EXCHANGE_UNKNOWN' : 'UNEXPECTED_ERROR';
    return { kind: 'unknown', reason, message, recordedAt: at() };
  } finally {
    clearTimeout(timer);
  }
}
