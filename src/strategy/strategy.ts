/**
 * The strategy port: a pure decision, taken for one symbol at one price.
 */
import type { MarketRules } from '../ports/exchange';
import type { JsonValue, OrderSlot, Position } from '../ports/record';

/**
 * What a strategy sees when asked to decide.
 * @public
 */
export interface StrategyContext {
  /** Unified symbol. */
  readonly symbol: string;
  /** Current price. */
  readonly price: number;
  /** The open position, or null when the cycle is idle. */
  readonly position: Position | null;
  /** Trading rules of the market. */
  readonly market: MarketRules;
  /** Current time, Unix ms. */
  readonly now: number;
  /**
   * The strategy's memory for this cycle: the `memory` its last decision returned (null before
   * any, and again after the cycle closes). Persisted in the cycle's record, so every engine on the
   * store — and this one after a restart — sees the same. Absent only where no engine builds the
   * context (a hand-made context in a test).
   */
  readonly memory?: JsonValue | null | undefined;
}

/**
 * Why a strategy exits a cycle (a manual close is `closeCycle()`'s, not a strategy's).
 * @public
 */
export type StrategyExitReason = 'stopLoss' | 'trailingTakeProfit' | 'timeLimit';

/**
 * A strategy's decision. `start` and `rebuy` buy `quoteAmount` of quote; `sell` sells the whole
 * position (its base volume, rounded down to the amount step); `exit` exits the cycle (its
 * resting orders are cancelled first, then one MARKET sell sells what is held); `remember` only
 * stores `memory`. Every decision may carry `memory`: the cycle's new memory (plain JSON, kept
 * small — it is written with the record), stored in the same write as the decision. Leave it out
 * to keep the memory as it is: return it only when it changes, a write per tick is expensive.
 * @public
 */
export type StrategyDecision =
  | { readonly action: 'start'; readonly quoteAmount: string; readonly memory?: JsonValue | undefined }
  | { readonly action: 'rebuy'; readonly quoteAmount: string; readonly memory?: JsonValue | undefined }
  | { readonly action: 'sell'; readonly memory?: JsonValue | undefined }
  | { readonly action: 'exit'; readonly reason: StrategyExitReason; readonly memory?: JsonValue | undefined }
  | { readonly action: 'remember'; readonly memory: JsonValue };

/**
 * What a strategy sees when asked which orders should rest: the decision context plus the cycle's
 * live orders (the ledger).
 * @public
 */
export interface RestingContext extends StrategyContext {
  /** The cycle's live orders (see `CycleRecord.orders`). */
  readonly orders: readonly OrderSlot[];
}

/**
 * An order that should rest on the venue for the cycle now: the take-profit for the whole sellable
 * position, or a safety buy at its level. Price and amount are already rounded (price to the tick:
 * buys down, sells up; amount down to the step).
 * @public
 */
export interface DesiredOrder {
  /** `takeProfit` (a sell) or `rebuy` (a buy). */
  readonly purpose: 'takeProfit' | 'rebuy';
  /** Limit price, decimal string. */
  readonly price: string;
  /** Base amount, decimal string. */
  readonly baseAmount: string;
  /** For a safety buy: its level (1, 2, …); one resting order per level. */
  readonly level?: number | undefined;
}

/**
 * Decides, for one symbol at one price, whether to start a cycle (when idle), or rebuy or sell
 * (when active). Must be pure and fast: the engine calls it for every symbol on every tick, and
 * again under the lock before acting. Return `null` for "nothing to do".
 * @public
 */
export interface Strategy {
  /** A short name for logs. */
  readonly name: string;
  /** Wait this long after a sell before the next cycle starts (the engine's `cooldownMs` overrides it). */
  readonly cooldownMs?: number | undefined;
  /** The decision for this context, or null. Must not throw. */
  decide(context: StrategyContext): StrategyDecision | null;
  /**
   * Optional: the orders that should rest on the venue for an active cycle now. The engine diffs
   * them against the live ones like a controller: it places what is missing, cancels what is stale
   * (price off by a tick or more, amount off by a step or more) and leaves the rest. Must be pure
   * and fast. A strategy with resting orders needs an exchange with `placeLimitOrder` and
   * `cancelOrder`.
   */
  restingOrders?(context: RestingContext): readonly DesiredOrder[];
  /** True when the strategy rests LIMIT orders (checked against the exchange at construction). */
  readonly usesLimitOrders?: boolean | undefined;
}
