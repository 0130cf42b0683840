/**
 * cycle-engine: safe dollar-cost-averaging cycles for your own crypto trading bot. Exactly one
 * start buy per cycle, no order sent twice, no fill lost — across concurrent ticks, processes,
 * crashes and exchange timeouts.
 *
 * @packageDocumentation
 * @module cycle-engine
 */
export { CycleEngine } from './engine/cycle-engine';
export type { CycleEngineOptions } from './engine/options';
export { dca } from './strategy/dca';
export type { DcaOptions, DcaStrategy } from './strategy/dca';
export type { Strategy, StrategyContext, StrategyDecision, DesiredOrder, RestingContext } from './strategy/strategy';
export { MemoryStateStore } from './adapters/memory/memory-state-store';
export { MemoryLock } from './adapters/memory/memory-lock';
export { FileStateStore } from './adapters/file/file-state-store';
export type { FileStateStoreOptions } from './adapters/file/file-state-store';
export { FileLock } from './adapters/file/file-lock';
export type { FileLockOptions } from './adapters/file/file-lock';
export type { MemoryLockOptions } from './adapters/memory/memory-lock';
export { PaperExchange } from './adapters/paper/paper-exchange';
export type { PaperExchangeOptions, PaperMarketRules, PaperOrder, PaperOrderStatus, PaperCancel, PaperCancelOutcome } from './adapters/paper/paper-options';
export type { PaperFault, PaperFaultOptions, PaperPartialFill, PaperRestingPartialFill, PaperFillDuringCancel } from './adapters/paper/paper-faults';
export { attachLogger } from './log';
export { GuardedEmitter } from './engine/guarded-emitter';
export type { AttachLoggerOptions, LogFields, LogLevel, LogSink, LogStyle } from './log';
export {
  CycleEngineError,
  InvalidOptionsError,
  OrderRejectedError,
  OrderOutcomeUnknownError,
  StateConflictError,
  CorruptStateError,
  InvalidExchangeResponseError,
  LockNotHeldError,
  WriteUnknownError,
  PositionMismatchError,
  CallTimeoutError,
  StrategyError,
  CandleDataError,
  isCycleEngineError,
  isInvalidOptionsError,
  isOrderRejectedError,
  isOrderOutcomeUnknownError,
  isStateConflictError,
  isCorruptStateError,
  isInvalidExchangeResponseError,
  isLockNotHeldError,
  isWriteUnknownError,
  isPositionMismatchError,
  isCallTimeoutError,
  isStrategyError,
  isCandleDataError,
} from './errors';
export type { CycleEngineErrorCode } from './errors';
export type * from './events';
export type {
  Exchange,
  MarketRules,
  MarketOrderRequest,
  OrderFill,
  OpenOrder,
  OrderFee,
  OrderSide,
  FindOrderQuery,
  Balances,
  LimitOrderRequest,
  CancelOrderQuery,
  OrderState,
  OrderStatus,
} from './ports/exchange';
export type { Lock, LockLease, LockAcquireOptions } from './ports/lock';
export type { StateStore, VersionedRecord, StoredRecord, StoredValue } from './ports/state-store';
export type { PortfolioRecord, PortfolioReservation } from './ports/portfolio-record';
export { isPortfolioRecord } from './ports/portfolio-record';
export type { CycleRecord, OrderSlot, SlotState, AppliedAmounts, SlotProblem, CycleClosing, Position, Phase, OrderPurpose, CarriedDust, OrphanFill, CycleHalt, StoredCycleRecord } from './ports/record';
export type { CycleRecordV1, PendingOrder, OrderOutcome } from './ports/record-v1';
export { assertCycleRecord, assertRecordKey, assertStoredValue } from './ports/record';
export { upgradeCycleRecord } from './ports/record-v1';
export type { Clock } from './ports/clock';
export { systemClock, ManualClock } from './ports/clock';
export type { DecimalLike } from './decimal';
