/**
 * The strategy port: a pure decision, taken for one symbol at one price.
 */
import type { MarketRules } from '../ports/exchange';
import type { OrderSlot, Position } from '../ports/record';

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
}

/**
 * A strategy's decision. `start` and `rebuy` buy `quoteAmount` of quote; `sell` sells the whole
 * position (its base volume, rounded down to the amount step).
 * @public
 */
export type StrategyDecision =
  | { readonly action: 'start'; readonly quoteAmount: string }
  | { readonly action: 'rebuy'; readonly quoteAmount: string }
  | { readonly action: 'sell' };

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
