/**
 * Typed events of {@link CycleEngine}: one payload object per event, names `namespace:pastTense`.
 */
import type { CycleEngineError } from './errors';
import type { OrderFill, OrderSide, OrderState } from './ports/exchange';
import type { ExitReason, OrderPurpose, Phase, Position } from './ports/record';

/**
 * `order:placed`: the venue acknowledged a LIMIT order; it rests on the book.
 * @public
 */
export interface OrderPlacedEvent extends OrderEventBase {
  /** Limit price. */
  readonly price: string;
  /** Base amount ordered. */
  readonly baseAmount: string;
  /** For a safety buy, its level. */
  readonly level?: number;
  /** What the venue said. */
  readonly state: OrderState;
}

/**
 * `order:partiallyFilled`: part of a resting order executed and was applied; it rests for the rest.
 * @public
 */
export interface OrderPartiallyFilledEvent extends OrderEventBase {
  /** Base executed by this observation (gross). */
  readonly deltaBase: string;
  /** Quote exchanged by this observation. */
  readonly deltaQuote: string;
  /** Base executed so far (gross, cumulative). */
  readonly filledBase: string;
  /** What the venue said. */
  readonly state: OrderState;
}

/**
 * `order:cancelled`: an order ended without filling completely (cancelled or expired); what it
 * executed before is applied.
 * @public
 */
export interface OrderCancelledEvent extends OrderEventBase {
  /** `cancelled` or `expired`. */
  readonly status: 'cancelled' | 'expired';
  /** Base executed before it ended (gross, cumulative; `'0'` when nothing). */
  readonly filledBase: string;
  /** Why the engine cancelled it (`stale`, `unwanted`, `closing`), or null when the venue ended it. */
  readonly reason: string | null;
  /** What the venue said. */
  readonly state: OrderState;
}

/**
 * `takeProfit:replaced`: the resting take-profit no longer matches the position (a buy filled): it
 * is being cancelled, and a new one for the whole sellable position is placed once the cancel's
 * final state is applied.
 * @public
 */
export interface TakeProfitReplacedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle. */
  readonly cycleId: string;
  /** Client order id of the take-profit being cancelled. */
  readonly previousClientOrderId: string;
  /** Its limit price and remaining base. */
  readonly previousPrice: string;
  /** Its remaining base. */
  readonly previousBaseAmount: string;
  /** The take-profit wanted now: price and base. */
  readonly price: string;
  /** Base wanted now. */
  readonly baseAmount: string;
}

/**
 * Fields every order event carries.
 * @public
 */
export interface OrderEventBase {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle the order belongs to. */
  readonly cycleId: string;
  /** The persisted intent's id. */
  readonly intentId: string;
  /** The client order id sent to the exchange. */
  readonly clientOrderId: string;
  /** Why the order is sent. */
  readonly purpose: OrderPurpose;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
}

/**
 * `cycle:starting`: a new cycle's start buy intent is persisted; its worker sends it next.
 * @public
 */
export interface CycleStartingEvent extends OrderEventBase {
  /** Quote the start buy spends. */
  readonly quoteAmount: string;
  /** The price the decision was taken at. */
  readonly price: number;
}

/**
 * `order:submitted`: a worker is sending the order (its intent is already durable).
 * @public
 */
export interface OrderSubmittedEvent extends OrderEventBase {
  /** Quote to spend (buys). */
  readonly quoteAmount?: string;
  /** Base to sell (sells). */
  readonly baseAmount?: string;
  /** The price the decision was taken at. */
  readonly price: number;
}

/**
 * `order:filled`: a fill was applied to its cycle (exactly once per filled order).
 * @public
 */
export interface OrderFilledEvent extends OrderEventBase {
  /** The fill. */
  readonly fill: OrderFill;
}

/**
 * `order:rejected`: nothing executed; the cycle backs off and may retry with a new intent.
 * @public
 */
export interface OrderRejectedEvent extends OrderEventBase {
  /** Short machine-readable reason, e.g. `MIN_NOTIONAL`. */
  readonly reason: string;
  /** What the exchange said. */
  readonly message: string;
  /** Unix ms before which the cycle sends nothing new. */
  readonly retryAt: number;
}

/**
 * `order:unknown`: the order may have executed (timeout, network error, crash). The cycle is
 * parked: it sends nothing else until the order is found on the exchange by its client order id.
 * @public
 */
export interface OrderUnknownEvent extends OrderEventBase {
  /** `TIMEOUT`, `EXCHANGE_UNKNOWN`, `WORKER_GONE`, `INVALID_RESPONSE`, … */
  readonly reason: string;
  /** Details. */
  readonly message: string;
}

/**
 * `order:reconciled`: an order whose outcome was unknown (or whose sender is gone) was looked up by
 * its client order id and resolved: `filled` (the fill is applied as if the worker had returned
 * it), `open` (it rests on the venue), `ended` (cancelled or expired with nothing filled), `not-found` (it can no longer land: treated as rejected), or `late-response` (the exchange
 * answered after the timeout with a fill).
 * @public
 */
export interface OrderReconciledEvent extends OrderEventBase {
  /** What the look-up found. */
  readonly result: 'filled' | 'open' | 'ended' | 'not-found' | 'late-response';
  /** The fill, when one was found. */
  readonly fill: OrderFill | null;
  /** Look-ups made for this order by this engine. */
  readonly lookups: number;
}

/**
 * `order:orphaned`: a fill arrived for a cycle that had moved on. It is recorded on the cycle
 * (`orphans`) and accounted for (`accountedAs`); see the protocol docs for what to do with an
 * `unaccounted` one.
 * @public
 */
export interface OrderOrphanedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle current when the fill arrived ('' when idle). */
  readonly cycleId: string;
  /** The fill's client order id. */
  readonly clientOrderId: string;
  /** `buy` or `sell`. */
  readonly side: OrderSide;
  /** The fill. */
  readonly fill: OrderFill;
  /** `position`, `dust` or `unaccounted`. */
  readonly accountedAs: 'position' | 'dust' | 'unaccounted';
  /** Why the intent was no longer current. */
  readonly note: string;
}

/**
 * `cycle:activated`: the start buy filled; the cycle holds a position.
 * @public
 */
export interface CycleActivatedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle. */
  readonly cycleId: string;
  /** Fill price of the start buy. */
  readonly price: string;
  /** Base held after the buy, net of base-asset fees. */
  readonly baseVolume: string;
  /** Quote spent. */
  readonly investedQuote: string;
  /** The new position. */
  readonly position: Position;
  /** The start buy's fill. */
  readonly fill: OrderFill;
}

/**
 * `cycle:startFailed`: the start buy was rejected; the cycle is idle again until `retryAt`.
 * @public
 */
export interface CycleStartFailedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle that did not start. */
  readonly cycleId: string;
  /** Short reason. */
  readonly reason: string;
  /** What the exchange said. */
  readonly message: string;
  /** Unix ms of the next attempt at the earliest. */
  readonly retryAt: number;
}

/**
 * `cycle:rebought`: a rebuy filled; the position is averaged down.
 * @public
 */
export interface CycleReboughtEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle. */
  readonly cycleId: string;
  /** Fill price. */
  readonly price: string;
  /** Base bought, net of base-asset fees. */
  readonly boughtBase: string;
  /** Quote spent on this rebuy. */
  readonly spentQuote: string;
  /** Drop of the fill price from the previous buy's price, in percent. */
  readonly dropFromLastPct: string;
  /** Drop of the fill price from the start price, in percent. */
  readonly dropFromStartPct: string;
  /** The position after the rebuy. */
  readonly position: Position;
  /** The rebuy's fill. */
  readonly fill: OrderFill;
}

/**
 * `cycle:closed`: the take-profit sell filled; the cycle is over and the key is idle.
 * @public
 */
export interface CycleClosedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The closed cycle. */
  readonly cycleId: string;
  /** Realised profit and loss in quote: sell proceeds net of fees minus the cost of the base sold. */
  readonly pnlQuote: string;
  /** Quote received from the sell, net of its fee. */
  readonly proceedsQuote: string;
  /** Quote invested in the base that was sold (the cycle's investment less the dust's share). */
  readonly investedQuote: string;
  /** Base left unsold because it was below the amount step; carried into the next cycle. */
  readonly dustBase: string;
  /** The dust's share of the investment, carried with it. */
  readonly dustCostQuote: string;
  /** Sell fill price. */
  readonly price: string;
  /** Buys in the cycle (1 + rebuys). */
  readonly buys: number;
  /** From the start buy's fill to the sell's fill, ms. */
  readonly durationMs: number;
  /** The take-profit's fill when its own write closed the cycle; null when the cycle closed without a sell (`reason: 'emptied'`) or with the last cancel of its other orders. */
  readonly fill: OrderFill | null;
  /**
   * Fees charged on the cycle's fills, per currency (decimal strings). A fee in a third currency
   * (e.g. BNB) cannot be put in quote without a price: it is only reported here.
   */
  readonly feesByCurrency: Readonly<Record<string, string>>;
  /**
   * Why the cycle closed: `takeProfit` (its take-profit sold it), an exit (`stopLoss`,
   * `trailingTakeProfit`, `timeLimit`, `manual`: the exit's sell sold it, or nothing sellable was
   * left once its orders were cancelled), `emptied` (nothing sellable was left, e.g. an orphan sell
   * or an adopted balance took it).
   */
  readonly reason: 'takeProfit' | ExitReason | 'emptied';
}

/**
 * `cycle:exiting`: an exit was decided and persisted (`exiting` set on the record): no buy is sent
 * from now on, the cycle's resting orders are cancelled, then one MARKET sell sells what is held.
 * @public
 */
export interface CycleExitingEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle being exited. */
  readonly cycleId: string;
  /** Why. */
  readonly reason: ExitReason;
  /** The price the exit was decided at (null for a manual close with no price seen yet). */
  readonly price: string | null;
  /** The position's average price then (null while the start buy is still in flight). */
  readonly avgPrice: string | null;
  /** Unix ms. */
  readonly at: number;
}

/**
 * `cycle:budgetWait`: a start or a rebuy waits because a portfolio limit (`maxActiveCycles` or
 * `maxTotalInvestedQuote`) would be exceeded. Emitted once per symbol until it can go.
 * @public
 */
export interface CycleBudgetWaitEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The limit in the way. */
  readonly limit: 'maxActiveCycles' | 'maxTotalInvestedQuote';
  /** Cycles holding a reservation now, across every engine sharing the portfolio. */
  readonly activeCycles: number;
  /** Quote reserved now, across every engine sharing the portfolio. */
  readonly reservedQuote: string;
  /** The quote this cycle's claim would need. */
  readonly neededQuote: string;
}

/**
 * `symbol:paused` / `symbol:resumed`: `pauseSymbol` / `resumeSymbol` was persisted.
 * @public
 */
export interface SymbolPauseEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** Unix ms. */
  readonly at: number;
}

/**
 * `cycle:partiallySold`: a sell filled less than the position — a MARKET sell ended with part of it
 * (Binance ends it EXPIRED on a thin book), or a part of a resting take-profit. PnL is booked for
 * the part sold; the cycle stays active with the rest (the resting take-profit keeps selling it,
 * or the next sell decision does).
 * @public
 */
export interface CyclePartiallySoldEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle. */
  readonly cycleId: string;
  /** Base sold (including a base-asset fee). */
  readonly soldBase: string;
  /** Base still held by the cycle. */
  readonly remainingBase: string;
  /** PnL booked for the part sold, in quote. */
  readonly pnlQuote: string;
  /** Sell fill price. */
  readonly price: string;
  /** The position after the partial sell. */
  readonly position: Position;
  /** The sell's fill. */
  readonly fill: OrderFill;
}

/**
 * `cycle:positionMismatch`: a sell was refused because the account holds less base than the
 * position says (sold by hand, or the record overstates it). With `onPositionMismatch: 'halt'`
 * the cycle sends nothing until `engine.resyncCycle(symbol)`; with `'adopt'` the position shrinks
 * to what the account holds and the sell is retried.
 * @public
 */
export interface CyclePositionMismatchEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle. */
  readonly cycleId: string;
  /** Base held per the record. */
  readonly heldPerRecord: string;
  /** Free base per the venue, or null when the adapter cannot read balances. */
  readonly heldPerVenue: string | null;
  /** What the engine did: `halted` (waits for `resyncCycle`) or `adopted` (position shrunk). */
  readonly action: 'halted' | 'adopted';
  /** The refused sell's client order id. */
  readonly clientOrderId: string;
}

/**
 * `cycle:resynced`: `engine.resyncCycle(symbol)` lifted a halt; the position was shrunk to what
 * the account holds when that is less.
 * @public
 */
export interface CycleResyncedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The cycle. */
  readonly cycleId: string;
  /** Base held per the record before. */
  readonly heldPerRecord: string;
  /** Free base per the venue, or null when the adapter cannot read balances. */
  readonly heldPerVenue: string | null;
  /** Base held per the record after. */
  readonly baseVolume: string;
}

/**
 * `cycle:untracked`: at start, a record under this engine's key prefix for a symbol it no longer
 * trades. Its order without an outcome, if any, is still looked up and its fill recorded; it is
 * not traded otherwise. Reported once per start.
 * @public
 */
export interface CycleUntrackedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** The record's phase. */
  readonly phase: Phase;
  /** The position it holds, if any. */
  readonly position: Position | null;
  /** Client order id of an order still without an applied outcome, if any. */
  readonly pendingClientOrderId: string | null;
}

/**
 * `engine:stopped`: `stop()` finished. `leftBehind` lists the orders still without an outcome
 * when it gave up waiting (`stopTimeoutMs`): they are looked up by the next start.
 * @public
 */
export interface EngineStoppedEvent {
  /** True when `stopTimeoutMs` passed before every order in flight settled. */
  readonly timedOut: boolean;
  /** Orders in flight or being looked up when `stop()` returned. */
  readonly leftBehind: ReadonlyArray<{ readonly symbol: string; readonly intentId: string; readonly clientOrderId: string; readonly purpose: OrderPurpose }>;
}

/**
 * `lock:released`: a per-symbol lock was released; `heldMs` is how long it was held.
 * @public
 */
export interface LockReleasedEvent {
  /** Unified symbol. */
  readonly symbol: string;
  /** How long the lock was held, ms (fractional). */
  readonly heldMs: number;
  /** The lease's fencing token. */
  readonly token: number;
  /** What the holder did: `intent`, `outcome`, `park`, `none` (decided again and found nothing to do). */
  readonly purpose: 'intent' | 'outcome' | 'park' | 'none';
}

/**
 * `tick:completed`: every symbol's decision of one tick is made and persisted.
 * @public
 */
export interface TickCompletedEvent {
  /** Tick number of this engine, from 1. */
  readonly tick: number;
  /** Symbols considered. */
  readonly symbols: number;
  /** Intents persisted in this tick (orders that will be sent). */
  readonly ordersStarted: number;
  /** Symbols skipped: an order in flight, a parked cycle, a busy lock, no price, a corrupt record. */
  readonly skipped: number;
  /** Duration of the tick, ms. */
  readonly durationMs: number;
}

/**
 * The event map of {@link CycleEngine}.
 * @public
 */
export interface CycleEngineEvents {
  /** A new cycle's start intent is persisted. */
  'cycle:starting': (e: CycleStartingEvent) => void;
  /** A worker is sending an order. */
  'order:submitted': (e: OrderSubmittedEvent) => void;
  /** A fill was applied to its cycle. */
  'order:filled': (e: OrderFilledEvent) => void;
  /** A LIMIT order rests on the venue's book. */
  'order:placed': (e: OrderPlacedEvent) => void;
  /** Part of a resting order filled and was applied. */
  'order:partiallyFilled': (e: OrderPartiallyFilledEvent) => void;
  /** An order ended (cancelled or expired) without filling completely. */
  'order:cancelled': (e: OrderCancelledEvent) => void;
  /** The resting take-profit is replaced for the new position. */
  'takeProfit:replaced': (e: TakeProfitReplacedEvent) => void;
  /** An order was rejected (nothing executed). */
  'order:rejected': (e: OrderRejectedEvent) => void;
  /** An order's outcome is unknown: the cycle is parked. */
  'order:unknown': (e: OrderUnknownEvent) => void;
  /** A parked order was looked up and resolved. */
  'order:reconciled': (e: OrderReconciledEvent) => void;
  /** A fill arrived for a cycle that had moved on; recorded and accounted for. */
  'order:orphaned': (e: OrderOrphanedEvent) => void;
  /** A start buy filled. */
  'cycle:activated': (e: CycleActivatedEvent) => void;
  /** A start buy was rejected. */
  'cycle:startFailed': (e: CycleStartFailedEvent) => void;
  /** A rebuy filled. */
  'cycle:rebought': (e: CycleReboughtEvent) => void;
  /** A take-profit sell filled. */
  'cycle:closed': (e: CycleClosedEvent) => void;
  /** An exit was decided and persisted. */
  'cycle:exiting': (e: CycleExitingEvent) => void;
  /** A start or rebuy waits for a portfolio limit (once per symbol until it can go). */
  'cycle:budgetWait': (e: CycleBudgetWaitEvent) => void;
  /** `pauseSymbol` was persisted. */
  'symbol:paused': (e: SymbolPauseEvent) => void;
  /** `resumeSymbol` was persisted. */
  'symbol:resumed': (e: SymbolPauseEvent) => void;
  /** A MARKET sell filled less than asked; the cycle stays active with the rest. */
  'cycle:partiallySold': (e: CyclePartiallySoldEvent) => void;
  /** A sell was refused: the account holds less base than the position says. */
  'cycle:positionMismatch': (e: CyclePositionMismatchEvent) => void;
  /** `resyncCycle()` lifted a halt. */
  'cycle:resynced': (e: CycleResyncedEvent) => void;
  /** At start: a record for a symbol this engine no longer trades. */
  'cycle:untracked': (e: CycleUntrackedEvent) => void;
  /** `stop()` finished. */
  'engine:stopped': (e: EngineStoppedEvent) => void;
  /** A lock was released. */
  'lock:released': (e: LockReleasedEvent) => void;
  /** A tick's decisions are persisted. */
  'tick:completed': (e: TickCompletedEvent) => void;
  /** A fault in the background (a tick, a worker, a corrupt record). Commands reject instead. */
  error: (e: CycleEngineError) => void;
}

/**
 * Name of an engine event.
 * @public
 */
export type CycleEngineEventName = keyof CycleEngineEvents;
