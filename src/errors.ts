/**
 * Error classes. Every error the library throws or emits is a {@link CycleEngineError} with a
 * literal `name` and a stable `code`, so it can be told apart even across bundles (ESM and CJS
 * copies of this package have distinct classes: compare `code`, or use the `is…` helpers).
 */

/**
 * Stable machine-readable codes of {@link CycleEngineError} and its subclasses.
 * @public
 */
export type CycleEngineErrorCode =
  | 'CYCLE_ENGINE_ERROR'
  | 'INVALID_OPTIONS'
  | 'ORDER_REJECTED'
  | 'ORDER_OUTCOME_UNKNOWN'
  | 'STATE_CONFLICT'
  | 'CORRUPT_STATE'
  | 'INVALID_EXCHANGE_RESPONSE'
  | 'LOCK_NOT_HELD'
  | 'WRITE_UNKNOWN'
  | 'POSITION_MISMATCH'
  | 'CALL_TIMEOUT'
  | 'STRATEGY_ERROR'
  | 'CANDLE_DATA';

/**
 * Base class of every error of this library.
 * @public
 */
export class CycleEngineError extends Error {
  /** Stable code; subclasses narrow it. */
  readonly code: CycleEngineErrorCode;

  /**
   * @param message - what went wrong, for a person
   * @param options - `cause`: the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown } | undefined) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CycleEngineError';
    this.code = 'CYCLE_ENGINE_ERROR';
  }
}

/**
 * Options given to a constructor or factory are invalid (a negative amount, NaN, an empty symbol
 * list, …). Thrown synchronously, before anything runs.
 * @public
 */
export class InvalidOptionsError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'INVALID_OPTIONS' as const;
  /** The option path that was rejected, e.g. `strategy.takeProfitPct`. */
  readonly option: string;

  /**
   * @param option - the option path that was rejected
   * @param message - why it was rejected
   */
  constructor(option: string, message: string) {
    super(`Invalid option \`${option}\`: ${message}`);
    this.name = 'InvalidOptionsError';
    this.option = option;
  }
}

/**
 * The exchange refused the order and **nothing executed**: safe to retry with a new intent.
 * Exchange adapters throw it only when they are sure; when in doubt they throw
 * {@link OrderOutcomeUnknownError}.
 * @public
 */
export class OrderRejectedError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'ORDER_REJECTED' as const;
  /** Client order id of the refused order, when known. */
  readonly clientOrderId: string | undefined;
  /** A short machine-readable reason, e.g. `MIN_NOTIONAL`, `INSUFFICIENT_FUNDS`. */
  readonly reason: string;

  /**
   * @param message - what the exchange said
   * @param options - `reason`, `clientOrderId` and `cause`
   */
  constructor(
    message: string,
    options: { reason?: string | undefined; clientOrderId?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'OrderRejectedError';
    this.reason = options.reason ?? 'REJECTED';
    this.clientOrderId = options.clientOrderId;
  }
}

/**
 * The order **may have executed**: a timeout, a dropped connection, a 5xx, a crash. The cycle is
 * parked until the order is found on the exchange by its client order id.
 * @public
 */
export class OrderOutcomeUnknownError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'ORDER_OUTCOME_UNKNOWN' as const;
  /** Client order id of the order whose fate is unknown. */
  readonly clientOrderId: string | undefined;

  /**
   * @param message - what happened
   * @param options - `clientOrderId` and `cause`
   */
  constructor(message: string, options: { clientOrderId?: string | undefined; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'OrderOutcomeUnknownError';
    this.clientOrderId = options.clientOrderId;
  }
}

/**
 * A compare-and-set lost: the record changed since it was read (another engine, another process,
 * or a stale writer). The write did not happen.
 * @public
 */
export class StateConflictError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'STATE_CONFLICT' as const;
  /** The store key. */
  readonly key: string;
  /** The version the writer expected (`null`: expected the key to be absent). */
  readonly expectedVersion: number | null;

  /**
   * @param key - the store key
   * @param expectedVersion - the version the writer read
   */
  constructor(key: string, expectedVersion: number | null) {
    super(
      `State of \`${key}\` changed since it was read (expected version ${String(expectedVersion)}): the write was refused`,
    );
    this.name = 'StateConflictError';
    this.key = key;
    this.expectedVersion = expectedVersion;
  }
}

/**
 * A stored record is unreadable or does not match the cycle record schema. The engine never
 * treats it as "no cycle" (that could buy again for a cycle that holds a position): it skips the
 * symbol and reports this error until a person repairs the record.
 * @public
 */
export class CorruptStateError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'CORRUPT_STATE' as const;
  /** The store key. */
  readonly key: string;
  /** Where the record lives, if the store has a location (a file path, a table row). */
  readonly location: string | undefined;

  /**
   * @param key - the store key
   * @param message - what is wrong with the record
   * @param options - `location` and `cause`
   */
  constructor(key: string, message: string, options: { location?: string | undefined; cause?: unknown } = {}) {
    super(
      `Corrupt state for \`${key}\`${options.location ? ` (${options.location})` : ''}: ${message}`,
      { cause: options.cause },
    );
    this.name = 'CorruptStateError';
    this.key = key;
    this.location = options.location;
  }
}

/**
 * An exchange adapter returned something that does not match the port's shapes (a fill with a
 * non-decimal amount, a missing field). For an order that was sent, the engine treats the order's
 * outcome as unknown.
 * @public
 */
export class InvalidExchangeResponseError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'INVALID_EXCHANGE_RESPONSE' as const;

  /**
   * @param message - what is wrong with the response
   * @param options - `cause`
   */
  constructor(message: string, options?: { cause?: unknown } | undefined) {
    super(message, options);
    this.name = 'InvalidExchangeResponseError';
  }
}

/**
 * A lease was released by someone who does not hold it (it expired and another holder took the
 * key, or it was already released).
 * @public
 */
export class LockNotHeldError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'LOCK_NOT_HELD' as const;
  /** The lock key. */
  readonly key: string;

  /**
   * @param key - the lock key
   * @param message - details
   */
  constructor(key: string, message = 'the lease is no longer held') {
    super(`Lock \`${key}\`: ${message}`);
    this.name = 'LockNotHeldError';
    this.key = key;
  }
}

/**
 * A store could not tell whether a `compareAndSet` was applied (a dropped connection after the
 * command left, a concurrent writer pruned the evidence): the write may or may not be part of the
 * key's history. Callers re-read before deciding; a store never answers "not written" unless it
 * is certain.  The server locks throw it too for a take or release whose result is unknown.
 * @public
 */
export class WriteUnknownError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'WRITE_UNKNOWN' as const;
  /** The store key. */
  readonly key: string;

  /**
   * @param key - the store key
   * @param message - what happened
   * @param options - `cause`
   */
  constructor(key: string, message: string, options?: { cause?: unknown } | undefined) {
    super(message, options);
    this.name = 'WriteUnknownError';
    this.key = key;
  }
}

/**
 * A sell was refused because the account holds less base than the cycle's position says (sold by
 * hand, or the record overstates it). The cycle stops buying until it is resynced
 * (`engine.resyncCycle(symbol)`) or, with `onPositionMismatch: 'adopt'`, until the position has
 * shrunk to what the account holds.
 * @public
 */
export class PositionMismatchError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'POSITION_MISMATCH' as const;
  /** Unified symbol. */
  readonly symbol: string;
  /** Base held per the cycle record, decimal string. */
  readonly heldPerRecord: string;
  /** Free base per the venue, decimal string, when the adapter can read balances. */
  readonly heldPerVenue: string | undefined;

  /**
   * @param symbol - the cycle's symbol
   * @param message - details
   * @param options - what the record and the venue say, and `cause`
   */
  constructor(symbol: string, message: string, options: { heldPerRecord: string; heldPerVenue?: string | undefined; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'PositionMismatchError';
    this.symbol = symbol;
    this.heldPerRecord = options.heldPerRecord;
    this.heldPerVenue = options.heldPerVenue;
  }
}

/**
 * A port call (`fetchPrices`, `getMarket`, `findOrder`, `fetchBalances`, a store or lock call) did
 * not settle within `callTimeoutMs`. That call fails; the tick and the other symbols go on.
 * @public
 */
export class CallTimeoutError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'CALL_TIMEOUT' as const;
  /** The call that hung, e.g. `exchange.findOrder`. */
  readonly call: string;
  /** The bound it exceeded, in ms. */
  readonly timeoutMs: number;

  /**
   * @param call - the call that hung
   * @param timeoutMs - the bound
   */
  constructor(call: string, timeoutMs: number) {
    super(`${call} did not settle within ${timeoutMs} ms`);
    this.name = 'CallTimeoutError';
    this.call = call;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A strategy threw, or returned something that is not a valid decision (an unknown action, a
 * negative or non-decimal amount). Only its symbol is affected: no order is sent for it.
 * @public
 */
export class StrategyError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'STRATEGY_ERROR' as const;
  /** Unified symbol. */
  readonly symbol: string;

  /**
   * @param symbol - the symbol whose decision failed
   * @param message - what was wrong
   * @param options - `cause`
   */
  constructor(symbol: string, message: string, options?: { cause?: unknown } | undefined) {
    super(`Strategy for ${symbol}: ${message}`, options);
    this.name = 'StrategyError';
    this.symbol = symbol;
  }
}

/**
 * Candle data given to a backtest is unusable: a file that cannot be read or parsed, a row that is
 * not six finite positive numbers, timestamps out of order or repeated, or a low/high that does not
 * contain the open and close. Names the first bad row.
 * @public
 */
export class CandleDataError extends CycleEngineError {
  /** Stable code of this error class. */
  override readonly code = 'CANDLE_DATA' as const;
  /** Where the candles came from: a file path, or `exchange:SYMBOL:TIMEFRAME`. */
  readonly source: string;
  /** Index of the first bad row (0-based, header excluded), or null when the whole source is bad. */
  readonly index: number | null;
  /** Timestamp (Unix ms) of the first bad row when it has a readable one, else null. */
  readonly time: number | null;

  /**
   * @param source - the file path or exchange source
   * @param index - the first bad row's index, or null
   * @param time - its timestamp, or null
   * @param message - what is wrong
   * @param options - `cause`
   */
  constructor(source: string, index: number | null, time: number | null, message: string, options?: { cause?: unknown } | undefined) {
    const where = index === null ? '' : ` row ${index}${time === null ? '' : ` (${Number.isFinite(time) ? safeIso(time) : String(time)})`}`;
    super(`Candle data ${source}${where}: ${message}`, options);
    this.name = 'CandleDataError';
    this.source = source;
    this.index = index;
    this.time = time;
  }
}

function safeIso(time: number): string {
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? String(time) : `${time} = ${d.toISOString()}`;
}

const CODES: ReadonlySet<string> = new Set<CycleEngineErrorCode>([
  'CYCLE_ENGINE_ERROR', 'INVALID_OPTIONS', 'ORDER_REJECTED', 'ORDER_OUTCOME_UNKNOWN', 'STATE_CONFLICT', 'CORRUPT_STATE',
  'INVALID_EXCHANGE_RESPONSE', 'LOCK_NOT_HELD', 'WRITE_UNKNOWN', 'POSITION_MISMATCH', 'CALL_TIMEOUT', 'STRATEGY_ERROR',
  'CANDLE_DATA',
]);

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function hasCode(error: unknown, code: CycleEngineErrorCode): boolean {
  return codeOf(error) === code;
}

/**
 * True for any error of this library (a {@link CycleEngineError} or a subclass) from any copy of
 * this package (ESM or CJS): an `Error` whose `code` is a {@link CycleEngineErrorCode}. The engine
 * routes by this and the other `is…` helpers, never by `instanceof` alone.
 * @public
 */
export function isCycleEngineError(error: unknown): error is CycleEngineError {
  if (error instanceof CycleEngineError) return true;
  const code = codeOf(error);
  return error instanceof Error && typeof code === 'string' && CODES.has(code);
}

/**
 * True for an {@link InvalidOptionsError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isInvalidOptionsError(error: unknown): error is InvalidOptionsError {
  return error instanceof InvalidOptionsError || hasCode(error, 'INVALID_OPTIONS');
}

/**
 * True for an {@link OrderRejectedError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isOrderRejectedError(error: unknown): error is OrderRejectedError {
  return error instanceof OrderRejectedError || hasCode(error, 'ORDER_REJECTED');
}

/**
 * True for an {@link OrderOutcomeUnknownError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isOrderOutcomeUnknownError(error: unknown): error is OrderOutcomeUnknownError {
  return error instanceof OrderOutcomeUnknownError || hasCode(error, 'ORDER_OUTCOME_UNKNOWN');
}

/**
 * True for a {@link StateConflictError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isStateConflictError(error: unknown): error is StateConflictError {
  return error instanceof StateConflictError || hasCode(error, 'STATE_CONFLICT');
}

/**
 * True for a {@link CorruptStateError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isCorruptStateError(error: unknown): error is CorruptStateError {
  return error instanceof CorruptStateError || hasCode(error, 'CORRUPT_STATE');
}

/**
 * True for an {@link InvalidExchangeResponseError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isInvalidExchangeResponseError(error: unknown): error is InvalidExchangeResponseError {
  return error instanceof InvalidExchangeResponseError || hasCode(error, 'INVALID_EXCHANGE_RESPONSE');
}

/**
 * True for a {@link LockNotHeldError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isLockNotHeldError(error: unknown): error is LockNotHeldError {
  return error instanceof LockNotHeldError || hasCode(error, 'LOCK_NOT_HELD');
}

/**
 * True for a {@link WriteUnknownError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isWriteUnknownError(error: unknown): error is WriteUnknownError {
  return error instanceof WriteUnknownError || hasCode(error, 'WRITE_UNKNOWN');
}

/**
 * True for a {@link PositionMismatchError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isPositionMismatchError(error: unknown): error is PositionMismatchError {
  return error instanceof PositionMismatchError || hasCode(error, 'POSITION_MISMATCH');
}

/**
 * True for a {@link CallTimeoutError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isCallTimeoutError(error: unknown): error is CallTimeoutError {
  return error instanceof CallTimeoutError || hasCode(error, 'CALL_TIMEOUT');
}

/**
 * True for a {@link StrategyError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isStrategyError(error: unknown): error is StrategyError {
  return error instanceof StrategyError || hasCode(error, 'STRATEGY_ERROR');
}

/**
 * True for a {@link CandleDataError} from any copy of this package (ESM or CJS).
 * @public
 */
export function isCandleDataError(error: unknown): error is CandleDataError {
  return error instanceof CandleDataError || hasCode(error, 'CANDLE_DATA');
}
