/**
 * The cycle record: one per key, persisted by a {@link StateStore}. Amounts are decimal strings.
 */
import type { OrderFill, OrderSide } from './exchange';
import { CorruptStateError } from '../errors';
import { isDecimalString, parseDecimal } from '../decimal';

/**
 * Phase of a cycle: `idle` (no position, nothing in flight), `starting` (the start buy is in
 * flight or awaits its result), `active` (a position is open).
 * @public
 */
export type Phase = 'idle' | 'starting' | 'active';

/**
 * Why an order is sent.
 * @public
 */
export type OrderPurpose = 'start' | 'rebuy' | 'sell';

/**
 * What became of an order intent. `filled`: it executed (the fill is kept). `rejected`: nothing
 * executed, safe to retry. `unknown`: it may have executed; the cycle is parked until the order is
 * found on the exchange.
 * @public
 */
export type OrderOutcome =
  | { readonly status: 'filled'; readonly fill: OrderFill; readonly recordedAt: number }
  | {
      readonly status: 'rejected';
      readonly reason: string;
      readonly message: string;
      readonly recordedAt: number;
      /** For a sell refused for lack of balance: the free base the venue reported, when known. */
      readonly heldPerVenue?: string;
    }
  | {
      readonly status: 'unknown';
      readonly reason: string;
      readonly message: string;
      readonly recordedAt: number;
    };

/**
 * The one order of a cycle that is in flight or awaits its result: persisted **before** the
 * order is sent (the intent), then completed with its outcome.
 * @public
 */
export interface PendingOrder {
  /** Unique id of this intent. */
  readonly intentId: string;
  /** Client order id derived from the intent, sent to the exchange. */
  readonly clientOrderId: string;
  /** Why the order is sent. */
  readonly purpose: OrderPurpose;
  /** `buy` for start and rebuy, `sell` for sell. */
  readonly side: OrderSide;
  /** Quote to spend (buys), decimal string. */
  readonly quoteAmount?: string;
  /** Base to sell (sells), decimal string. */
  readonly baseAmount?: string;
  /** Unix ms when the intent was persisted. */
  readonly createdAt: number;
  /** Id of the engine instance that sends it. */
  readonly owner: string;
  /** Sends of this intent (always 1: an intent is sent once, then only looked up; look-ups are counted in `order:reconciled`). */
  readonly attempts: number;
  /** The outcome, once known (the design note's `start_buy_result`). */
  readonly outcome: OrderOutcome | null;
}

/**
 * An open position: what was bought during the cycle.
 * @public
 */
export interface Position {
  /** Price of the start buy's fill. */
  readonly startPrice: string;
  /** Price of the latest buy's fill (the rebuy trigger's reference). */
  readonly lastBuyPrice: string;
  /** `investedQuote / baseVolume`: the break-even price before the sell's fee. */
  readonly avgPrice: string;
  /** Base held, net of base-asset fees: what can actually be sold. */
  readonly baseVolume: string;
  /** Quote actually spent on the buys. */
  readonly investedQuote: string;
  /** Number of buys (1 + rebuys). */
  readonly buys: number;
  /** Unix ms of the start buy's fill. */
  readonly openedAt: number;
  /** Fees charged on this cycle's fills so far, per currency (decimal strings). Absent in records written by 0.1. */
  readonly fees?: Readonly<Record<string, string>>;
  /** PnL already booked by partial sells of this cycle, in quote. Absent when none. */
  readonly realizedPnlQuote?: string;
}

/**
 * Why a cycle sends nothing until `engine.resyncCycle(symbol)`: a sell was refused because the
 * account holds less base than the position says.
 * @public
 */
export interface CycleHalt {
  /** Always `POSITION_MISMATCH` for now. */
  readonly reason: 'POSITION_MISMATCH';
  /** Base held per the record when the sell was refused. */
  readonly heldPerRecord: string;
  /** Free base per the venue, or null when unknown. */
  readonly heldPerVenue: string | null;
  /** Unix ms. */
  readonly at: number;
}

/**
 * Base left over by a sell because it was below the market's amount step, with its share of the
 * cost. It is carried into the next cycle's position (and so sold with it), so no take-profit
 * books the unsellable remainder as a loss.
 * @public
 */
export interface CarriedDust {
  /** Base carried, decimal string. */
  readonly baseVolume: string;
  /** Its share of the quote invested, decimal string. */
  readonly investedQuote: string;
}

/**
 * A fill that arrived for a cycle that had moved on (its intent was settled otherwise: a slow
 * worker, another engine's reconciliation). Never dropped: it is kept here and accounted for.
 * @public
 */
export interface OrphanFill {
  /** The fill. */
  readonly fill: OrderFill;
  /** Why the intent was no longer current, e.g. `NOT_FOUND` when a look-up had given it up. */
  readonly note: string;
  /** Unix ms when it was recorded. */
  readonly recordedAt: number;
  /** How it was accounted: `position` (added to or taken from the open position), `dust` (carried to the next cycle), `unaccounted` (a sell larger than what the record held: see the docs). */
  readonly accountedAs: 'position' | 'dust' | 'unaccounted';
}

/**
 * The persisted state of one cycle key.
 * @public
 */
export interface CycleRecord {
  /** Schema version of this shape. */
  readonly schema: 1;
  /** Unified symbol. */
  readonly symbol: string;
  /** Phase. */
  readonly phase: Phase;
  /** Id of the current cycle; new at every idle → starting. Null when idle. */
  readonly cycleId: string | null;
  /** The one order in flight or awaiting its result, if any. */
  readonly order: PendingOrder | null;
  /** The open position, set while active. */
  readonly position: Position | null;
  /** Unix ms before which nothing new starts (backoff after a rejection, cooldown after a sell). */
  readonly retryAt: number | null;
  /** Rejected orders in a row (drives the backoff); reset by a fill. */
  readonly rejections: number;
  /** Cycles closed by a filled sell under this key. */
  readonly closedCycles: number;
  /** Realised profit and loss of every closed cycle under this key, in quote, decimal string. */
  readonly realizedPnlQuote: string;
  /** Dust the last sell left, carried into the next cycle's position; null when none. */
  readonly dust: CarriedDust | null;
  /** Client order ids of the latest settled orders (newest last, at most 16): a fill seen again is not applied twice. */
  readonly recent: readonly string[];
  /** Fills that arrived after their cycle moved on (newest last, at most 20). */
  readonly orphans: readonly OrphanFill[];
  /** Set while the cycle is halted by a position mismatch (absent or null otherwise). */
  readonly halted?: CycleHalt | null;
  /** Unix ms of the last write. */
  readonly updatedAt: number;
}

/**
 * A fresh idle record for a symbol.
 * @internal
 */
export function emptyRecord(symbol: string, now: number): CycleRecord {
  return {
    schema: 1,
    symbol,
    phase: 'idle',
    cycleId: null,
    order: null,
    position: null,
    retryAt: null,
    rejections: 0,
    closedCycles: 0,
    realizedPnlQuote: '0',
    dust: null,
    recent: [],
    orphans: [],
    updatedAt: now,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
/** A decimal string that is not negative: every amount but realised PnL. */
const isAmount = (v: unknown): v is string => isDecimalString(v) && !v.startsWith('-');

function checkFill(f: unknown): string | undefined {
  if (!isObj(f)) return 'fill is not an object';
  for (const k of ['orderId', 'clientOrderId', 'symbol'] as const) if (!isStr(f[k])) return `fill.${k} is missing`;
  if (f.side !== 'buy' && f.side !== 'sell') return 'fill.side is not buy/sell';
  for (const k of ['filledBase', 'costQuote', 'avgPrice'] as const) if (!isAmount(f[k])) return `fill.${k} is not a decimal string ≥ 0`;
  if (f.fee !== null && (!isObj(f.fee) || !isStr(f.fee.currency) || !isAmount(f.fee.amount))) return 'fill.fee is malformed';
  for (const k of ['feePending', 'feeEstimated'] as const) if (f[k] !== undefined && typeof f[k] !== 'boolean') return `fill.${k} is not a boolean`;
  if (!isNum(f.timestamp)) return 'fill.timestamp is not a number';
  return undefined;
}

function checkOutcome(o: unknown): string | undefined {
  if (o === null) return undefined;
  if (!isObj(o) || !isNum(o.recordedAt)) return 'order.outcome is malformed';
  if (o.status === 'filled') {
    const bad = checkFill(o.fill);
    return bad && `order.outcome.${bad}`;
  }
  if (o.status === 'rejected' || o.status === 'unknown') {
    return typeof o.reason === 'string' && typeof o.message === 'string' ? undefined : 'order.outcome.reason is missing';
  }
  return 'order.outcome.status is not filled/rejected/unknown';
}

function checkOrder(o: unknown): string | undefined {
  if (o === null) return undefined;
  if (!isObj(o)) return 'order is not an object';
  for (const k of ['intentId', 'clientOrderId', 'owner'] as const) if (!isStr(o[k])) return `order.${k} is missing`;
  if (o.purpose !== 'start' && o.purpose !== 'rebuy' && o.purpose !== 'sell') return 'order.purpose is invalid';
  if (o.side !== (o.purpose === 'sell' ? 'sell' : 'buy')) return 'order.side does not match its purpose';
  if (o.side === 'buy' && !isAmount(o.quoteAmount)) return 'order.quoteAmount is not a decimal string ≥ 0';
  if (o.side === 'sell' && !isAmount(o.baseAmount)) return 'order.baseAmount is not a decimal string ≥ 0';
  if (!isNum(o.createdAt) || !isInt(o.attempts)) return 'order.createdAt/attempts is malformed';
  return checkOutcome(o.outcome);
}

function checkPosition(p: unknown): string | undefined {
  if (p === null) return undefined;
  if (!isObj(p)) return 'position is not an object';
  for (const k of ['startPrice', 'lastBuyPrice', 'avgPrice', 'baseVolume', 'investedQuote'] as const) {
    if (!isAmount(p[k])) return `position.${k} is not a decimal string ≥ 0`;
  }
  // A zero baseVolume is legal (an orphan sell took everything: the engine closes the cycle), a zero avgPrice is not.
  if (parseDecimal(p.avgPrice)?.isZero()) return 'position.avgPrice is 0';
  if (!isInt(p.buys) || (p.buys as number) < 1 || !isNum(p.openedAt)) return 'position.buys/openedAt is malformed';
  if (p.fees !== undefined && (!isObj(p.fees) || !Object.values(p.fees).every(isDecimalString))) return 'position.fees is malformed';
  if (p.realizedPnlQuote !== undefined && !isDecimalString(p.realizedPnlQuote)) return 'position.realizedPnlQuote is not a decimal string';
  return undefined;
}

/**
 * Why a value is not a valid {@link CycleRecord}, or `undefined` when it is one.
 * @internal
 */
export function explainInvalidRecord(value: unknown): string | undefined {
  if (!isObj(value)) return 'not a JSON object';
  if (value.schema !== 1) return `unsupported schema ${JSON.stringify(value.schema)}`;
  if (!isStr(value.symbol)) return 'symbol is missing';
  if (value.phase !== 'idle' && value.phase !== 'starting' && value.phase !== 'active') return 'phase is invalid';
  if (value.cycleId !== null && !isStr(value.cycleId)) return 'cycleId is malformed';
  if (value.retryAt !== null && !isNum(value.retryAt)) return 'retryAt is malformed';
  if (!isInt(value.rejections) || !isInt(value.closedCycles)) return 'counters are malformed';
  if (!isDecimalString(value.realizedPnlQuote)) return 'realizedPnlQuote is not a decimal string';
  if (!isNum(value.updatedAt)) return 'updatedAt is malformed';
  if (!Array.isArray(value.recent) || !value.recent.every(isStr)) return 'recent is malformed';
  if (!Array.isArray(value.orphans)) return 'orphans is malformed';
  for (const o of value.orphans as unknown[]) {
    if (!isObj(o) || typeof o.note !== 'string' || !isNum(o.recordedAt) || !['position', 'dust', 'unaccounted'].includes(o.accountedAs as string)) return 'orphans is malformed';
    const bad = checkFill(o.fill);
    if (bad) return `orphans.${bad}`;
  }
  if (value.dust !== null && (!isObj(value.dust) || !isAmount(value.dust.baseVolume) || !isAmount(value.dust.investedQuote))) {
    return 'dust is malformed';
  }
  if (value.halted !== undefined && value.halted !== null) {
    const h = value.halted;
    if (!isObj(h) || h.reason !== 'POSITION_MISMATCH' || !isDecimalString(h.heldPerRecord) || (h.heldPerVenue !== null && !isDecimalString(h.heldPerVenue)) || !isNum(h.at)) return 'halted is malformed';
  }
  const bad = checkOrder(value.order) ?? checkPosition(value.position);
  if (bad) return bad;
  // Phase invariants: a position exists exactly while active; a start is in flight while starting.
  if (value.phase === 'active' && value.position === null) return 'active without a position';
  if (value.phase !== 'active' && value.position !== null) return `${value.phase} with a position`;
  if (value.phase === 'starting' && (value.order === null || (value.order as Obj).purpose !== 'start')) return 'starting without a start order';
  if (value.phase !== 'idle' && value.cycleId === null) return `${value.phase} without a cycleId`;
  if (value.phase === 'idle' && value.order !== null) return 'idle with an order';
  if (value.phase === 'active' && value.order !== null && (value.order as Obj).purpose === 'start') return 'active with a start order';
  return undefined;
}

/**
 * Why a record does not belong under `key`, or `undefined` when it does: an engine's key is
 * `keyPrefix + symbol`, and a record under another symbol's key is corrupt (sending for it would
 * trade the wrong market, or trade one twice).
 * @internal
 */
export function explainRecordKey(key: string, keyPrefix: string, record: CycleRecord): string | undefined {
  if (key === keyPrefix + record.symbol) return undefined;
  const keySymbol = key.startsWith(keyPrefix) ? JSON.stringify(key.slice(keyPrefix.length)) : `none (it does not start with the prefix ${JSON.stringify(keyPrefix)})`;
  return `the record is for ${JSON.stringify(record.symbol)} but its key's symbol is ${keySymbol}`;
}

/**
 * Checks that a valid record belongs under its key: `key` must be `keyPrefix + record.symbol`.
 * @param key - the store key
 * @param keyPrefix - the engine's key prefix (`''` when none)
 * @param record - the record read or about to be written under it
 * @param location - where it was read from (a path), for the error
 * @throws {@link CorruptStateError} when the record's symbol is not the key's
 * @public
 */
export function assertRecordKey(key: string, keyPrefix: string, record: CycleRecord, location?: string): void {
  const bad = explainRecordKey(key, keyPrefix, record);
  if (bad !== undefined) throw new CorruptStateError(key, bad, { location });
}

/**
 * Checks that a stored value is a valid {@link CycleRecord} and, when `keyPrefix` is given, that
 * it belongs under its key (see {@link assertRecordKey}).
 * @param key - the store key (for the error)
 * @param value - the stored value
 * @param location - where it was read from (a path), for the error
 * @param keyPrefix - the engine's key prefix; when given, `key` must be `keyPrefix + value.symbol`
 * @throws {@link CorruptStateError} when it is not one
 * @public
 */
export function assertCycleRecord(key: string, value: unknown, location?: string, keyPrefix?: string): asserts value is CycleRecord {
  const bad = explainInvalidRecord(value) ?? (keyPrefix === undefined ? undefined : explainRecordKey(key, keyPrefix, value as CycleRecord));
  if (bad !== undefined) throw new CorruptStateError(key, bad, { location });
}
