/**
 * The portfolio record: the reservations every engine sharing a store takes before it starts a
 * cycle or raises its spend, stored through the same {@link StateStore} as the cycle records
 * (under one key, `'__portfolio'` by default), so that `maxActiveCycles` and
 * `maxTotalInvestedQuote` hold across processes and hosts.
 */
import { isDecimalString } from '../decimal';

/**
 * One cycle's reservation: what the cycle under `key` may have spent (its position's invested
 * quote plus the quote of its buys in flight), taken before the intent that needs it is persisted.
 * @public
 */
export interface PortfolioReservation {
  /** The cycle's store key (its engine's key prefix + symbol). */
  readonly key: string;
  /** Unified symbol of the cycle. */
  readonly symbol: string;
  /** Id of the cycle the reservation is for: a reservation naming another cycle of the key is an old one's, left by a lost release. */
  readonly cycleId: string;
  /** Id of the intent that last raised the reservation. */
  readonly intentId: string;
  /** The cycle's claim in quote, decimal string: invested quote plus the remaining quote of its buys in flight. */
  readonly quote: string;
  /** Unix ms when the reservation was last raised. */
  readonly at: number;
  /** Id of the engine instance that last raised it. */
  readonly owner: string;
  /**
   * True once its cycle closed carrying dust with a cost (a position an exit could not sell below
   * the minimum notional): `quote` is then that cost, still counted in `maxTotalInvestedQuote` but
   * not as an active cycle, until the key's next start takes the dust over.
   */
  readonly dust?: boolean;
}

/**
 * The shared portfolio record: one reservation per active cycle key, across every engine sharing
 * the store. A key holds one reservation at most.
 * @public
 */
export interface PortfolioRecord {
  /** Always `'portfolio'`: what tells it from a cycle record in a store's listing. */
  readonly kind: 'portfolio';
  /** Schema version of this shape. */
  readonly schema: 1;
  /** The reservations, one per cycle key. */
  readonly reservations: readonly PortfolioReservation[];
  /** Unix ms of the last write. */
  readonly updatedAt: number;
}

/**
 * A portfolio record with no reservation.
 * @param now - Unix ms
 * @internal
 */
export function emptyPortfolio(now: number): PortfolioRecord {
  return { kind: 'portfolio', schema: 1, reservations: [], updatedAt: now };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkReservation(r: unknown, i: number): string | undefined {
  const at = `reservations[${i}]`;
  if (!isObj(r)) return `${at} is not an object`;
  for (const k of ['key', 'symbol', 'cycleId', 'intentId', 'owner'] as const) if (!isStr(r[k])) return `${at}.${k} is missing`;
  if (!isDecimalString(r.quote) || r.quote.startsWith('-')) return `${at}.quote is not a decimal string ≥ 0`;
  if (!isNum(r.at)) return `${at}.at is malformed`;
  if (r.dust !== undefined && typeof r.dust !== 'boolean') return `${at}.dust is not a boolean`;
  return undefined;
}

/**
 * Why a value is not a valid {@link PortfolioRecord}, or `undefined` when it is one.
 * @internal
 */
export function explainInvalidPortfolioRecord(value: unknown): string | undefined {
  if (!isObj(value)) return 'not a JSON object';
  if (value.kind !== 'portfolio') return 'kind is not "portfolio"';
  if (value.schema !== 1) return `unsupported portfolio schema ${JSON.stringify(value.schema)}`;
  if (!isNum(value.updatedAt)) return 'updatedAt is malformed';
  if (!Array.isArray(value.reservations)) return 'reservations is not an array';
  const keys = new Set<string>();
  for (const [i, r] of (value.reservations as unknown[]).entries()) {
    const bad = checkReservation(r, i);
    if (bad) return bad;
    const key = (r as PortfolioReservation).key;
    if (keys.has(key)) return `reservations has two entries for the key ${JSON.stringify(key)}`;
    keys.add(key);
  }
  return undefined;
}

/**
 * True when `value` is a valid {@link PortfolioRecord} (what a store's `get` or `list` returns
 * under the portfolio key). Tools that list a store use it to tell the portfolio record from the
 * cycle records.
 * @param value - a stored value
 * @public
 */
export function isPortfolioRecord(value: unknown): value is PortfolioRecord {
  return explainInvalidPortfolioRecord(value) === undefined;
}
