/**
 * Checking what a strategy decided before the engine acts on it: a strategy is user code, and a
 * bad decision must cost only its own symbol, never send an order it did not mean.
 */
import { isDecimalString, parseDecimal, str } from '../decimal';
import { StrategyError } from '../errors';
import type { JsonValue } from '../ports/record';
import type { Strategy, StrategyContext, StrategyDecision, StrategyExitReason } from '../strategy/strategy';

const KEYS: Record<StrategyDecision['action'], readonly string[]> = {
  start: ['action', 'quoteAmount', 'memory'],
  rebuy: ['action', 'quoteAmount', 'memory'],
  sell: ['action', 'memory'],
  exit: ['action', 'reason', 'memory'],
  remember: ['action', 'memory'],
};

const EXIT_REASONS: readonly string[] = ['stopLoss', 'trailingTakeProfit', 'timeLimit'];

/** The most a strategy's memory may take in the record, as JSON: it is written with every change. */
export const MEMORY_MAX_BYTES = 4096;

/** How deep the record validator lets a memory nest (`isJson` in ports/record.ts). */
const MEMORY_MAX_DEPTH = 32;

/** True when `v` nests deeper than {@link MEMORY_MAX_DEPTH} (counted as the record validator does). */
function tooDeep(v: unknown, depth: number): boolean {
  if (depth > MEMORY_MAX_DEPTH) return true;
  if (typeof v !== 'object' || v === null) return false;
  return Object.values(v).some((x) => tooDeep(x, depth + 1));
}

/** Why `memory` is not plain JSON of at most {@link MEMORY_MAX_BYTES}, or undefined when it is. */
function explainMemory(memory: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(memory);
  } catch (cause) {
    return `memory cannot be written as JSON (${cause instanceof Error ? cause.message : String(cause)})`;
  }
  if (json === undefined) return 'memory is not a JSON value';
  if (json.length > MEMORY_MAX_BYTES) return `memory takes ${json.length} bytes as JSON, more than ${MEMORY_MAX_BYTES}`;
  if (tooDeep(memory, 0)) return `memory nests more than ${MEMORY_MAX_DEPTH} levels deep`;
  // What JSON.stringify silently changes (a Date, NaN, a class instance, undefined in an array) would not read back the same.
  const same = (a: unknown, b: unknown): boolean =>
    a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b) &&
      (Array.isArray(a) || Object.getPrototypeOf(a) === Object.prototype || Object.getPrototypeOf(a) === null) &&
      Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])));
  return same(memory, JSON.parse(json)) ? undefined : 'memory is not plain JSON (a Date, NaN, undefined or a class instance in it would not read back the same)';
}

/**
 * Validates a strategy's decision for `symbol` and returns a clean copy (amounts as canonical
 * decimal strings). Accepted: `null` (nothing to do), `{ action: 'start' | 'rebuy', quoteAmount }`
 * with `quoteAmount` a decimal **string** \> 0, and `{ action: 'sell' }`. Anything else is refused
 * (issue 9, case 11): `undefined`, an unknown action (never read as "sell"), a number, negative,
 * zero or non-decimal amount, or a key the decision does not have (a sell carrying an amount would
 * otherwise sell the whole position silently).
 * @param symbol - the symbol decided for, named in the error
 * @param raw - what `Strategy.decide` returned
 * @throws {@link StrategyError}
 * @internal
 */
export function checkDecision(symbol: string, raw: unknown): StrategyDecision | null {
  if (raw === null) return null;
  const bad = (why: string): never => {
    throw new StrategyError(symbol, `invalid decision: ${why}`);
  };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return bad(`expected null or { action, … }, got ${raw === undefined ? 'undefined' : Array.isArray(raw) ? 'an array' : `${typeof raw} ${String(raw)}`}`);
  }
  const d = raw as Record<string, unknown>;
  const action = d.action;
  if (typeof action !== 'string' || !Object.hasOwn(KEYS, action)) {
    return bad(`unknown action ${typeof action === 'string' ? JSON.stringify(action) : String(action)} (expected 'start', 'rebuy', 'sell', 'exit' or 'remember')`);
  }
  const act = action as StrategyDecision['action'];
  const extra = Object.keys(d).filter((k) => !KEYS[act].includes(k));
  if (extra.length > 0) bad(`a '${act}' decision has no ${extra.map((k) => `\`${k}\``).join(', ')}`);
  const hasMemory = Object.hasOwn(d, 'memory') && d.memory !== undefined;
  if (act === 'remember' && !hasMemory) bad("a 'remember' decision needs `memory`");
  const why = hasMemory ? explainMemory(d.memory) : undefined;
  if (why !== undefined) bad(why);
  const memory = hasMemory ? { memory: JSON.parse(JSON.stringify(d.memory)) as JsonValue } : {};
  if (act === 'remember') return { action: act, memory: memory.memory as JsonValue };
  if (act === 'sell') return { action: act, ...memory };
  if (act === 'exit') {
    const reason = d.reason;
    if (typeof reason !== 'string' || !EXIT_REASONS.includes(reason)) bad(`the reason of an 'exit' is ${JSON.stringify(reason) ?? String(reason)}, expected 'stopLoss', 'trailingTakeProfit' or 'timeLimit'`);
    return { action: act, reason: reason as StrategyExitReason, ...memory };
  }
  const amount = d.quoteAmount;
  if (typeof amount !== 'string') {
    return bad(`quoteAmount of '${action}' is ${amount === undefined ? 'missing' : amount === null ? 'null' : `a ${typeof amount} (${String(amount)})`}, expected a decimal string`);
  }
  const q = isDecimalString(amount) ? parseDecimal(amount) : undefined;
  if (q === undefined || !q.isFinite()) return bad(`quoteAmount of '${action}' is ${JSON.stringify(amount)}, not a decimal string`);
  if (q.lte(0)) bad(`quoteAmount of '${action}' is ${amount}, expected > 0`);
  return { action: act, quoteAmount: str(q), ...memory };
}

/**
 * Asks the strategy and checks its answer: a throw or an invalid decision becomes a
 * {@link StrategyError} for this symbol only.
 * @param strategy - the strategy
 * @param context - what it decides on
 * @throws {@link StrategyError}
 * @internal
 */
export function decide(strategy: Strategy, context: StrategyContext): StrategyDecision | null {
  let raw: unknown;
  try {
    raw = strategy.decide(context);
  } catch (cause) {
    throw new StrategyError(context.symbol, `decide() threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return checkDecision(context.symbol, raw);
}
