/**
 * Schema 1: the cycle record as 0.1 wrote it (one order slot, all-or-nothing fills), and its
 * upgrade to schema 2 (the order ledger). Stores keep returning what they hold; the engine
 * upgrades what it reads and writes schema 2 back.
 */
import type { OrderFill, OrderSide } from './exchange';
import type { CycleRecord, OrderSlot } from './record';

/**
 * What became of a schema-1 order intent. `filled`: it executed (the fill is kept). `rejected`:
 * nothing executed. `unknown`: it may have executed.
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
 * The one order of a schema-1 record (0.1): persisted before it was sent, then completed with its
 * outcome.
 * @public
 */
export interface PendingOrder {
  /** Unique id of this intent. */
  readonly intentId: string;
  /** Client order id derived from the intent. */
  readonly clientOrderId: string;
  /** Why the order was sent (`sell` is schema 2's `takeProfit`). */
  readonly purpose: 'start' | 'rebuy' | 'sell';
  /** `buy` for start and rebuy, `sell` for sell. */
  readonly side: OrderSide;
  /** Quote to spend (buys), decimal string. */
  readonly quoteAmount?: string;
  /** Base to sell (sells), decimal string. */
  readonly baseAmount?: string;
  /** Unix ms when the intent was persisted. */
  readonly createdAt: number;
  /** Id of the engine instance that sent it. */
  readonly owner: string;
  /** Always 1. */
  readonly attempts: number;
  /** The outcome, once known. */
  readonly outcome: OrderOutcome | null;
}

/**
 * A cycle record of schema 1, as 0.1 wrote it: one `order` instead of the ledger `orders`.
 * @public
 */
export interface CycleRecordV1 extends Omit<CycleRecord, 'schema' | 'orders' | 'closing'> {
  /** Schema 1. */
  readonly schema: 1;
  /** The one order in flight or awaiting its result, if any. */
  readonly order: PendingOrder | null;
}

/**
 * A record as a store may hold it: schema 2, or schema 1 written by 0.1 (read by the engine through
 * {@link upgradeCycleRecord}).
 * @public
 */
export type StoredCycleRecord = CycleRecord | CycleRecordV1;

/**
 * A schema-1 order as a ledger slot. Nothing of a schema-1 order was applied before its outcome,
 * so `applied` is zero. An order without an outcome is still `sending` (its sender may be at work);
 * one with any outcome not yet applied (an older writer's) is `unknown`: the venue, looked up by
 * its client order id, says what happened — the record never guesses.
 */
function upgradeOrder(order: PendingOrder): OrderSlot {
  const purpose = order.purpose === 'sell' ? 'takeProfit' : order.purpose;
  const o = order.outcome;
  return {
    intentId: order.intentId,
    clientOrderId: order.clientOrderId,
    purpose,
    type: 'market',
    side: order.side,
    ...(order.quoteAmount !== undefined ? { quoteAmount: order.quoteAmount } : {}),
    ...(order.baseAmount !== undefined ? { baseAmount: order.baseAmount } : {}),
    createdAt: order.createdAt,
    owner: order.owner,
    state: o === null ? 'sending' : 'unknown',
    applied: { base: '0', quote: '0', fees: [] },
    checkedAt: null,
    ...(o === null ? {} : { problem: { reason: o.status === 'unknown' ? o.reason : `UPGRADED_${o.status.toUpperCase()}`, message: 'upgraded from schema 1: looked up to apply what the venue says', at: o.recordedAt } }),
  };
}

/**
 * A stored record as schema 2: a schema-1 record's `order` becomes `orders[0]` (its purpose
 * `sell` becomes `takeProfit`); a schema-2 record is returned as it is.
 * @param record - a valid stored record (see `assertCycleRecord`)
 * @public
 */
export function upgradeCycleRecord(record: StoredCycleRecord): CycleRecord {
  if (record.schema === 2) return record;
  const { order, schema: _schema, ...rest } = record;
  return { ...rest, schema: 2, orders: order === null ? [] : [upgradeOrder(order)] };
}

