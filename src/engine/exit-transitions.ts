/**
 * Exits, pauses and the strategy's memory as pure record transitions. An exit is persisted before
 * anything is done about it (`exiting` set in one compare-and-set, no buy from then on); its
 * resting orders are cancelled as intents; once no slot of the cycle is live, one MARKET sell
 * (purpose `exit`) sells what is held — never while a resting sell still holds the base.
 */
import { Decimal, floorToStep, str } from '../decimal';
import type { MarketRules } from '../ports/exchange';
import type { CycleRecord, ExitReason, JsonValue } from '../ports/record';
import { reconcileResting } from './desired';
import { finishCycle, isSellable, newSlot, openIntent, type EngineEvent, type IntentInput, type Transition } from './transitions';

/** @internal */
export interface ExitInput {
  market: MarketRules;
  now: number;
  owner: string;
  newId: () => string;
  /** True when the engine's own bound (on its monotonic clock) says the backoff is over, whatever `retryAt` says against a wall clock stepped back. */
  backoffOver?: boolean;
}

/**
 * Starts an exit: sets `exiting` and emits `cycle:exiting`, then takes the first step (see
 * {@link exitStep}) in the same write. Null when there is no cycle to exit (idle) or an exit is
 * already under way (an exit is decided once: a second `closeCycle` changes nothing).
 * @internal
 */
export function beginExit(record: CycleRecord, reason: ExitReason, price: string | null, input: ExitInput & { price?: number | undefined; cooldownMs?: number }): Transition | null {
  if (record.phase === 'idle' || record.cycleId === null || record.exiting) return null;
  const exiting = { reason, at: input.now, ...(price !== null ? { price } : {}) };
  // The exit starts its own backoff: a rebuy's refusal must not hold the exit sell back (its own refusals will).
  const marked: CycleRecord = { ...record, exiting, retryAt: null, rejections: 0, updatedAt: input.now };
  const event: EngineEvent = ['cycle:exiting', {
    symbol: record.symbol, cycleId: record.cycleId, reason, price, avgPrice: record.position?.avgPrice ?? null, at: input.now,
  }];
  const step = exitStep(marked, input);
  return { record: step?.record ?? marked, events: [event, ...(step?.events ?? [])] };
}

/**
 * The next step of an exit under way: every resting order of the cycle not yet being cancelled
 * becomes a cancel intent; once no slot is live (every order terminal and applied), the cycle is
 * not halted and no backoff runs (a refused exit sell is retried after it, never at once), one
 * MARKET sell of the sellable position (rounded down to the step). What is not sellable at the
 * current price (below one step or the minimum notional) is not sold: the cycle closes with the
 * exit's reason and carries it as dust. Null when there is nothing to do now.
 * @internal
 */
export function exitStep(record: CycleRecord, input: ExitInput & { price?: number | undefined; cooldownMs?: number }): Transition | null {
  if (!record.exiting || record.phase !== 'active' || record.position === null) return null;
  const cancels = reconcileResting(record, [], { ...input, canPlace: false });
  if (cancels !== null) return cancels;
  if (record.orders.length > 0 || record.halted) return null;
  const held = record.position;
  const base = new Decimal(held.baseVolume);
  const seen = input.price !== undefined && Number.isFinite(input.price) && input.price > 0 ? new Decimal(input.price) : null;
  const price = seen ?? new Decimal(record.exiting.price ?? held.avgPrice);
  if (!isSellable(base, price.gt(0) ? price : new Decimal(held.avgPrice), input.market)) {
    return finishCycle(record, { market: input.market, now: input.now, price, ...(input.cooldownMs !== undefined ? { cooldownMs: input.cooldownMs } : {}) }, null);
  }
  if (input.backoffOver !== true && record.retryAt !== null && record.retryAt > input.now) return null;
  const amount = floorToStep(base, new Decimal(input.market.amountStep));
  const slot = newSlot({ intentId: input.newId(), purpose: 'exit', type: 'market', side: 'sell', baseAmount: str(amount), createdAt: input.now, owner: input.owner });
  return { record: { ...record, orders: [slot], updatedAt: input.now }, events: [] };
}

/**
 * `pauseSymbol` / `resumeSymbol`: the flag, persisted (kept across cycles). Null when it is
 * already so.
 * @internal
 */
export function setPaused(record: CycleRecord, paused: boolean, now: number): Transition | null {
  if ((record.paused ?? false) === paused) return null;
  const { paused: _was, ...rest } = record;
  const next: CycleRecord = paused ? { ...rest, paused: true, updatedAt: now } : { ...rest, updatedAt: now };
  return { record: next, events: [[paused ? 'symbol:paused' : 'symbol:resumed', { symbol: record.symbol, at: now }]] };
}

/** Canonical JSON of a memory value (keys sorted), to tell a change from a repeat. */
function canonicalJson(v: JsonValue | null | undefined): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(canonicalJson).join(',')}]`;
  const o = v as { readonly [key: string]: JsonValue };
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * The strategy's new memory for an active (or starting) cycle; null when it is the same as stored
 * (no write for a repeat) or there is no cycle to remember for.
 * @internal
 */
export function withMemory(record: CycleRecord, memory: JsonValue, now: number): Transition | null {
  if (record.phase === 'idle' || canonicalJson(record.memory) === canonicalJson(memory)) return null;
  return { record: { ...record, memory, updatedAt: now }, events: [] };
}

/**
 * A checked strategy decision as a transition: `exit` begins the exit, `remember` stores the
 * memory, the others persist their MARKET intent (see `openIntent`) — each with the decision's new
 * memory in the same write. Null when nothing changes.
 * @internal
 */
export function applyDecision(record: CycleRecord, input: IntentInput & { cooldownMs?: number }): Transition | null {
  const { decision, now } = input;
  if (decision.action === 'exit') return beginExit(record, decision.reason, str(new Decimal(input.price)), input);
  if (decision.action === 'remember') return withMemory(record, decision.memory, now);
  const intent = openIntent(record, input);
  if (decision.memory === undefined) return intent;
  const remembered = withMemory(intent?.record ?? record, decision.memory, now);
  return remembered === null ? intent : { record: remembered.record, events: intent?.events ?? [] };
}
