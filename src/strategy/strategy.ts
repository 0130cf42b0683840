/**
 * The strategy port: a pure decision, taken for one symbol at one price.
 */
import type { MarketRules } from '../ports/exchange';
import type { Position } from '../ports/record';

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
 * Decides, for one symbol at one price, whether to start a cycle (when idle), or rebuy or sell
 * (when active). Must be pure and fast: the engine calls it for every symbol on every tick, and
 * again under the lock before acting. Return `null` for "nothing to do".
 * @public
 */
export interface Strategy {
  /** A short name for logs. */
  readonly name: string;
  /** Wait this long after a sell before the next cycle starts (the engine's `cooldownMs` overrides it). */
  readonly cooldownMs?: number;
  /** The decision for this context, or null. Must not throw. */
  decide(context: StrategyContext): StrategyDecision | null;
}
