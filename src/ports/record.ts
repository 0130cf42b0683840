/**
 * The cycle record: one per key, persisted by a {@link StateStore}. Amounts are decimal strings.
 */
import type { OrderFee, OrderFill, OrderSide } from './exchange';
import { CorruptStateError } from '../errors';
import { isDecimalString, parseDecimal } from '../decimal';
import type { StoredCycleRecord } from './record-v1';
import { explainInvalidPortfolioRecord } from './portfolio-record';
import type { StoredValue } from './state-store';

export type { StoredCycleRecord } from './record-v1';

/**
 * Phase of a cycle: `idle` (no position, nothing in flight), `starting` (the start buy is in
 * flight or awaits its result), `active` (a position is open).
 * @public
 */
export type Phase = 'idle' | 'starting' | 'active';

/**
 * Why an order is sent: the start buy, a rebuy (a safety buy), the take-profit sell, or an exit
 * (stop loss, trailing take-profit, time limit, manual close).
 * @public
 */
export type OrderPurpose = 'start' | 'rebuy' | 'takeProfit' | 'exit';

/**
 * Where one order of the ledger stands, as far as the record knows:
 * - `sending`: the intent is persisted; its sender has not recorded an answer yet.
 * - `open`: the venue acknowledged it and it rests (LIMIT orders), possibly partly filled.
 * - `cancelling`: a cancel is persisted and sent (or about to be); the final state is awaited.
 * - `unknown`: it may or may not have reached the venue; it is looked up by its client order id.
 *
 * A slot leaves the ledger in the same write that applies its terminal state.
 * @public
 */
export type SlotState = 'sending' | 'open' | 'cancelling' | 'unknown';

/**
 * Cumulative amounts of one order already applied to the position (so an observation applies
 * only `observed − applied`).
 * @public
 */
export interface AppliedAmounts {
  /** Base executed, gross (before base-asset fees), decimal string. */
  readonly base: string;
  /** Quote exchanged, before quote fees, decimal string. */
  readonly quote: string;
  /** Fees charged, cumulative per currency. */
  readonly fees: readonly OrderFee[];
  /** True when `fees` were estimated (the venue had not reported them in time): the first real report replaces them. */
  readonly feesEstimated?: boolean;
}

/**
 * Why a slot's outcome is unknown: the send or cancel had no clear answer, or its sender is gone.
 * @public
 */
export interface SlotProblem {
  /** Stable reason, e.g. `TIMEOUT`, `EXCHANGE_UNKNOWN`, `WORKER_GONE`, `CANCEL_UNKNOWN`. */
  readonly reason: string;
  /** Human-readable detail. */
  readonly message: string;
  /** Unix ms. */
  readonly at: number;
}

/**
 * One order of the cycle that is not yet both terminal and applied: persisted **before** it is
 * sent (the intent), then moved by every observation of it (see docs/protocol.md, "The order ledger").
 * @public
 */
export interface OrderSlot {
  /** Unique id of this intent. */
  readonly intentId: string;
  /** Client order id derived from the intent, sent to the exchange. */
  readonly clientOrderId: string;
  /** Why the order is sent. */
  readonly purpose: OrderPurpose;
  /** `market` or `limit`. */
  readonly type: 'market' | 'limit';
  /** `buy` for start and rebuy, `sell` for take-profit and exit. */
  readonly side: OrderSide;
  /** Limit price (LIMIT orders), rounded to the tick: buys down, sells up. */
  readonly price?: string;
  /** Quote to spend (MARKET buys), decimal string. */
  readonly quoteAmount?: string;
  /** Base to buy or sell (sells, LIMIT buys), decimal string, a multiple of the amount step. */
  readonly baseAmount?: string;
  /** For a LIMIT safety buy: its level (1 = the first rebuy level). */
  readonly level?: number;
  /** Unix ms when the intent was persisted. */
  readonly createdAt: number;
  /** Id of the engine instance that sends it. */
  readonly owner: string;
  /** Where it stands. */
  readonly state: SlotState;
  /** The venue's order id, once known. */
  readonly orderId?: string;
  /** True once the venue has acknowledged it (it is then never given up as "not found"). */
  readonly acknowledged?: boolean;
  /** What of it is already in the position. */
  readonly applied: AppliedAmounts;
  /** Unix ms of the last observation applied (drives the polling budget with `openOrderCheckMs`). */
  readonly checkedAt: number | null;
  /** Unix ms the cancel was persisted (state `cancelling`). */
  readonly cancelAt?: number;
  /** Why it is cancelled: `stale` (replaced), `unwanted` (no longer desired), `closing`, `exit`. */
  readonly cancelReason?: string;
  /** Why its outcome is unknown, while it is. */
  readonly problem?: SlotProblem | null;
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
  /** PnL already booked by sells of this cycle, in quote. Absent when none. */
  readonly realizedPnlQuote?: string;
  /** Quote brought in by sells of this cycle so far, net of quote fees. Absent when none. */
  readonly proceedsQuote?: string;
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
 * A cycle whose take-profit filled, waiting for its other orders to end before it closes. Whatever
 * a safety buy adds meanwhile is carried into the next cycle, like dust.
 * @public
 */
export interface CycleClosing {
  /** Why: `takeProfit` (its take-profit sold the position), or the exit whose sell sold it. */
  readonly reason: 'takeProfit' | ExitReason;
  /** Unix ms. */
  readonly at: number;
  /** Average price of the take-profit's fill. */
  readonly price: string;
}

/**
 * Why a cycle is being exited: its stop loss, its trailing take-profit, its time limit, or
 * `closeCycle()` (`manual`).
 * @public
 */
export type ExitReason = 'stopLoss' | 'trailingTakeProfit' | 'timeLimit' | 'manual';

/**
 * An exit under way: no buy is sent from then on, every resting order of the cycle is cancelled,
 * and once none is live one MARKET sell (purpose `exit`) sells what is held.
 * @public
 */
export interface CycleExit {
  /** Why. */
  readonly reason: ExitReason;
  /** Unix ms of the decision. */
  readonly at: number;
  /** The price the exit was decided at, when known. */
  readonly price?: string;
}

/**
 * A value a strategy keeps in its cycle's record between decisions (see `StrategyContext.memory`):
 * plain JSON.
 * @public
 */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * The persisted state of one cycle key.
 * @public
 */
export interface CycleRecord {
  /** Schema version of this shape (2 since the order ledger; records of schema 1 are upgraded on read). */
  readonly schema: 2;
  /** Unified symbol. */
  readonly symbol: string;
  /** Phase. */
  readonly phase: Phase;
  /** Id of the current cycle; new at every idle → starting. Null when idle. */
  readonly cycleId: string | null;
  /** The order ledger: every order of the cycle not yet both terminal and applied, oldest first. */
  readonly orders: readonly OrderSlot[];
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
  /** Client order ids of the latest orders that filled and left the ledger (newest last, at most 64): a fill seen again is not applied twice. */
  readonly recent: readonly string[];
  /** Fills that arrived after their cycle moved on (newest last, at most 20). */
  readonly orphans: readonly OrphanFill[];
  /** Set while the cycle is halted by a position mismatch (absent or null otherwise). */
  readonly halted?: CycleHalt | null;
  /** Set once the cycle's take-profit has filled: the remaining orders are cancelled, then it closes. */
  readonly closing?: CycleClosing | null;
  /** Set while the cycle is being exited (see {@link CycleExit}); cleared when it closes. */
  readonly exiting?: CycleExit | null;
  /** True while the symbol is paused (`pauseSymbol`): no new order is placed for it; resting orders stay. Kept across cycles. */
  readonly paused?: boolean;
  /** The strategy's memory for the current cycle (`StrategyContext.memory`); cleared when the cycle closes. */
  readonly memory?: JsonValue | null;
  /** Unix ms of the last write. */
  readonly updatedAt: number;
}

/**
 * A fresh idle record for a symbol.
 * @internal
 */
export function emptyRecord(symbol: string, now: number): CycleRecord {
  return {
    schema: 2,
    symbol,
    phase: 'idle',
    cycleId: null,
    orders: [],
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
  if (f.fees !== undefined && !checkFees(f.fees)) return 'fill.fees is malformed';
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
  if (p.proceedsQuote !== undefined && !isDecimalString(p.proceedsQuote)) return 'position.proceedsQuote is not a decimal string';
  return undefined;
}

function checkFees(v: unknown): boolean {
  return Array.isArray(v) && v.every((f) => isObj(f) && isStr(f.currency) && isAmount(f.amount));
}

const EXIT_REASONS = ['stopLoss', 'trailingTakeProfit', 'timeLimit', 'manual'];

/** Plain JSON (what a strategy may keep in its memory), at most 32 levels deep. */
function isJson(v: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (!isObj(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && Object.values(v).every((x) => isJson(x, depth + 1));
}

const SLOT_STATES = ['sending', 'open', 'cancelling', 'unknown'];
const PURPOSES = ['start', 'rebuy', 'takeProfit', 'exit'];

function checkSlot(o: unknown, i: number): string | undefined {
  const at = `orders[${i}]`;
  if (!isObj(o)) return `${at} is not an object`;
  for (const k of ['intentId', 'clientOrderId', 'owner'] as const) if (!isStr(o[k])) return `${at}.${k} is missing`;
  if (!PURPOSES.includes(o.purpose as string)) return `${at}.purpose is invalid`;
  if (o.type !== 'market' && o.type !== 'limit') return `${at}.type is not market/limit`;
  const sells = o.purpose === 'takeProfit' || o.purpose === 'exit';
  if (o.side !== (sells ? 'sell' : 'buy')) return `${at}.side does not match its purpose`;
  if (!SLOT_STATES.includes(o.state as string)) return `${at}.state is invalid`;
  if (o.type === 'limit' && (!isAmount(o.price) || !isAmount(o.baseAmount))) return `${at}: a limit order needs a price and a baseAmount`;
  if (o.type === 'market' && o.side === 'buy' && !isAmount(o.quoteAmount)) return `${at}.quoteAmount is not a decimal string ≥ 0`;
  if (o.type === 'market' && o.side === 'sell' && !isAmount(o.baseAmount)) return `${at}.baseAmount is not a decimal string ≥ 0`;
  if (o.level !== undefined && (!isInt(o.level) || (o.level as number) < 1)) return `${at}.level is malformed`;
  if (!isNum(o.createdAt)) return `${at}.createdAt is malformed`;
  if (o.orderId !== undefined && !isStr(o.orderId)) return `${at}.orderId is malformed`;
  if (o.acknowledged !== undefined && typeof o.acknowledged !== 'boolean') return `${at}.acknowledged is malformed`;
  const a = o.applied;
  if (!isObj(a) || !isAmount(a.base) || !isAmount(a.quote) || !checkFees(a.fees) || (a.feesEstimated !== undefined && typeof a.feesEstimated !== 'boolean')) return `${at}.applied is malformed`;
  if (o.checkedAt !== null && !isNum(o.checkedAt)) return `${at}.checkedAt is malformed`;
  if (o.cancelAt !== undefined && !isNum(o.cancelAt)) return `${at}.cancelAt is malformed`;
  if (o.cancelReason !== undefined && typeof o.cancelReason !== 'string') return `${at}.cancelReason is malformed`;
  if (o.problem !== undefined && o.problem !== null && (!isObj(o.problem) || typeof o.problem.reason !== 'string' || typeof o.problem.message !== 'string' || !isNum(o.problem.at))) return `${at}.problem is malformed`;
  return undefined;
}

function checkCommon(value: Obj): string | undefined {
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
  const bad = checkPosition(value.position);
  if (bad) return bad;
  // Phase invariants: a position exists exactly while active.
  if (value.phase === 'active' && value.position === null) return 'active without a position';
  if (value.phase !== 'active' && value.position !== null) return `${value.phase} with a position`;
  if (value.phase !== 'idle' && value.cycleId === null) return `${value.phase} without a cycleId`;
  return undefined;
}

function explainV1(value: Obj): string | undefined {
  const bad = checkCommon(value) ?? checkOrder(value.order);
  if (bad) return bad;
  if (value.phase === 'starting' && (value.order === null || (value.order as Obj).purpose !== 'start')) return 'starting without a start order';
  if (value.phase === 'idle' && value.order !== null) return 'idle with an order';
  if (value.phase === 'active' && value.order !== null && (value.order as Obj).purpose === 'start') return 'active with a start order';
  return undefined;
}

function explainV2(value: Obj): string | undefined {
  const bad = checkCommon(value);
  if (bad) return bad;
  if (!Array.isArray(value.orders)) return 'orders is not an array';
  const slots = value.orders as unknown[];
  for (let i = 0; i < slots.length; i++) {
    const b = checkSlot(slots[i], i);
    if (b) return b;
  }
  const ids = new Set(slots.map((o) => (o as Obj).intentId));
  if (ids.size !== slots.length) return 'orders has two slots with one intentId';
  const starts = slots.filter((o) => (o as Obj).purpose === 'start').length;
  if (value.phase === 'starting' && starts !== 1) return 'starting without exactly one start order';
  if (value.phase === 'idle' && slots.length > 0) return 'idle with an order';
  if (value.phase === 'active' && starts > 0) return 'active with a start order';
  if (slots.filter((o) => (o as Obj).type === 'market').length > 1) return 'more than one market order in flight';
  const c = value.closing;
  if (c !== undefined && c !== null && (!isObj(c) || (c.reason !== 'takeProfit' && !EXIT_REASONS.includes(c.reason as string)) || !isNum(c.at) || !isAmount(c.price))) return 'closing is malformed';
  const x = value.exiting;
  if (x !== undefined && x !== null && (!isObj(x) || !EXIT_REASONS.includes(x.reason as string) || !isNum(x.at) || (x.price !== undefined && !isAmount(x.price)))) return 'exiting is malformed';
  if (x !== undefined && x !== null && value.phase === 'idle') return 'exiting while idle';
  if (value.paused !== undefined && typeof value.paused !== 'boolean') return 'paused is not a boolean';
  if (value.memory !== undefined && !isJson(value.memory, 0)) return 'memory is not plain JSON';
  return undefined;
}

/**
 * Why a value is not a valid stored cycle record — schema 2 ({@link CycleRecord}), or schema 1 as
 * 0.1 wrote it ({@link CycleRecordV1}) — or `undefined` when it is one.
 * @internal
 */
export function explainInvalidRecord(value: unknown): string | undefined {
  if (!isObj(value)) return 'not a JSON object';
  if (value.schema === 2) return explainV2(value);
  if (value.schema === 1) return explainV1(value);
  return `unsupported schema ${JSON.stringify(value.schema)}`;
}

/**
 * Why a record does not belong under `key`, or `undefined` when it does: an engine's key is
 * `keyPrefix + symbol`, and a record under another symbol's key is corrupt (sending for it would
 * trade the wrong market, or trade one twice).
 * @internal
 */
export function explainRecordKey(key: string, keyPrefix: string, record: StoredCycleRecord): string | undefined {
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
export function assertRecordKey(key: string, keyPrefix: string, record: StoredCycleRecord, location?: string): void {
  const bad = explainRecordKey(key, keyPrefix, record);
  if (bad !== undefined) throw new CorruptStateError(key, bad, { location });
}

/**
 * Checks that a stored value is a valid cycle record (schema 2, or schema 1 as 0.1 wrote it) and, when `keyPrefix` is given, that
 * it belongs under its key (see {@link assertRecordKey}).
 * @param key - the store key (for the error)
 * @param value - the stored value
 * @param location - where it was read from (a path), for the error
 * @param keyPrefix - the engine's key prefix; when given, `key` must be `keyPrefix + value.symbol`
 * @throws {@link CorruptStateError} when it is not one
 * @public
 */
export function assertCycleRecord(key: string, value: unknown, location?: string, keyPrefix?: string): asserts value is StoredCycleRecord {
  const bad = explainInvalidRecord(value) ?? (keyPrefix === undefined ? undefined : explainRecordKey(key, keyPrefix, value as CycleRecord));
  if (bad !== undefined) throw new CorruptStateError(key, bad, { location });
}

/**
 * Why a value is not one a store may hold — a cycle record (see {@link explainInvalidRecord}) or,
 * when it says `kind: 'portfolio'`, the portfolio record — or `undefined` when it is one.
 * @internal
 */
export function explainInvalidStoredValue(value: unknown): string | undefined {
  if (!isObj(value) || value.kind !== 'portfolio') return explainInvalidRecord(value);
  const bad = explainInvalidPortfolioRecord(value);
  return bad && `portfolio record: ${bad}`;
}

/**
 * Checks that a value read from (or about to be written to) a store is one a store may hold: a
 * valid cycle record (schema 2, or schema 1 as 0.1 wrote it) or a valid portfolio record. Custom
 * stores call it on what they read, as the built-in ones do.
 * @param key - the store key (for the error)
 * @param value - the stored value
 * @param location - where it was read from (a path), for the error
 * @throws {@link CorruptStateError} when it is neither
 * @public
 */
export function assertStoredValue(key: string, value: unknown, location?: string): asserts value is StoredValue {
  const bad = explainInvalidStoredValue(value);
  if (bad !== undefined) throw new CorruptStateError(key, bad, { location });
}
