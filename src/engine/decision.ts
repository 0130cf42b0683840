/**
 * Checking what a strategy decided before the engine acts on it: a strategy is user code, and a
 * bad decision must cost only its own symbol, never send an order it did not mean.
 */
import { isDecimalString, parseDecimal, str } from '../decimal';
import { StrategyError } from '../errors';
import type { Strategy, StrategyContext, StrategyDecision } from '../strategy/strategy';

const KEYS: Record<StrategyDecision['action'], readonly string[]> = {
  start: ['action', 'quoteAmount'],
  rebuy: ['action', 'quoteAmount'],
  sell: ['action'],
};

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
  if (action !== 'start' && action !== 'rebuy' && action !== 'sell') {
    return bad(`unknown action ${typeof action === 'string' ? JSON.stringify(action) : String(action)} (expected 'start', 'rebuy' or 'sell')`);
  }
  const extra = Object.keys(d).filter((k) => !KEYS[action].includes(k));
  if (extra.length > 0) bad(`a '${action}' decision has no ${extra.map((k) => `\`${k}\``).join(', ')}`);
  if (action === 'sell') return { action };
  const amount = d.quoteAmount;
  if (typeof amount !== 'string') {
    return bad(`quoteAmount of '${action}' is ${amount === undefined ? 'missing' : amount === null ? 'null' : `a ${typeof amount} (${String(amount)})`}, expected a decimal string`);
  }
  const q = isDecimalString(amount) ? parseDecimal(amount) : undefined;
  if (q === undefined || !q.isFinite()) return bad(`quoteAmount of '${action}' is ${JSON.stringify(amount)}, not a decimal string`);
  if (q.lte(0)) bad(`quoteAmount of '${action}' is ${amount}, expected > 0`);
  return { action, quoteAmount: str(q) };
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
