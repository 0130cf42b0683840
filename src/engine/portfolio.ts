/**
 * Portfolio limits as pure decisions: a cycle's claim, taking and releasing its reservation in the
 * shared portfolio record, and which reservations no cycle holds any more. No I/O: the
 * `PortfolioBook` (portfolio-store.ts) reads and writes the record around these.
 */
import { Decimal, isDecimalString, str } from '../decimal';
import type { PortfolioRecord, PortfolioReservation } from '../ports/portfolio-record';
import type { CycleRecord } from '../ports/record';
import type { Transition } from './transitions';

/**
 * The limits every engine sharing a portfolio record enforces (both optional).
 * @internal
 */
export interface PortfolioLimits {
  /** At most this many cycles hold a reservation at once. */
  readonly maxActiveCycles?: number | undefined;
  /** The reservations' quote, summed, never exceeds this (decimal string). */
  readonly maxTotalInvestedQuote?: string | undefined;
}

/**
 * A request to cover a cycle's claim.
 * @internal
 */
export interface ReserveRequest {
  /** The cycle's store key. */
  readonly key: string;
  readonly symbol: string;
  readonly cycleId: string;
  /** The intent about to be persisted that needs the reservation. */
  readonly intentId: string;
  /** The cycle's claim once that intent is persisted (see {@link claimOf}), decimal string ≥ 0. */
  readonly claim: string;
  /** Unix ms. */
  readonly now: number;
  /** The engine instance asking. */
  readonly owner: string;
}

/**
 * A limit that refused a reservation, with the portfolio as it stood (before the request).
 * @internal
 */
export interface ReserveRefused {
  readonly kind: 'refused';
  readonly limit: 'maxActiveCycles' | 'maxTotalInvestedQuote';
  /** Reservations held. */
  readonly active: number;
  /** Their quote, summed. */
  readonly totalQuote: string;
}

/**
 * The answer of {@link reserve}: `ok` with the record to write (`null`: the claim is already
 * covered, nothing to write), or `refused`.
 * @internal
 */
export type ReserveResult = { readonly kind: 'ok'; readonly record: PortfolioRecord | null } | ReserveRefused;

const ZERO = new Decimal(0);
const nonNegative = (d: Decimal): Decimal => (d.isNegative() ? ZERO : d);

/**
 * What a cycle could have spent: its position's invested quote (0 without one; for a start, the
 * cost of the dust it takes over) plus, for each
 * BUY of its ledger, what it may still spend — a market buy's `quoteAmount − applied.quote`, a
 * limit buy's `price × (baseAmount − applied.base)` (its limit price bounds what it pays).
 * @internal
 */
export function claimOf(record: CycleRecord): Decimal {
  // A start takes over the dust carried from the last cycle, its cost included (see the ledger): its claim covers it.
  const carried = record.phase === 'starting' && record.position === null && record.dust ? new Decimal(record.dust.investedQuote) : ZERO;
  let claim = record.position === null ? carried : new Decimal(record.position.investedQuote);
  for (const slot of record.orders) {
    if (slot.side !== 'buy') continue;
    if (slot.type === 'market') claim = claim.plus(nonNegative(new Decimal(slot.quoteAmount ?? 0).minus(slot.applied.quote)));
    else claim = claim.plus(new Decimal(slot.price ?? 0).times(nonNegative(new Decimal(slot.baseAmount ?? 0).minus(slot.applied.base))));
  }
  return claim;
}

const total = (reservations: readonly PortfolioReservation[]): Decimal => reservations.reduce((sum, r) => sum.plus(r.quote), ZERO);

/**
 * Covers a cycle's claim, or says which limit refuses it. A reservation only grows (its quote
 * becomes the larger of what it had and the claim); a key already reserved is not a new active
 * cycle; a reservation of the key naming another cycle is replaced (that cycle closed and its
 * release was lost). A new key needs fewer than `maxActiveCycles` reservations; the total after
 * the change must not exceed `maxTotalInvestedQuote`.
 * @throws `TypeError` when the claim or a limit is not a valid amount
 * @internal
 */
export function reserve(portfolio: PortfolioRecord | null, req: ReserveRequest, limits: PortfolioLimits): ReserveResult {
  if (!isDecimalString(req.claim) || new Decimal(req.claim).isNegative()) throw new TypeError(`claim is not a decimal string ≥ 0: ${String(req.claim)}`);
  const { maxActiveCycles, maxTotalInvestedQuote } = limits;
  if (maxTotalInvestedQuote !== undefined && !isDecimalString(maxTotalInvestedQuote)) throw new TypeError(`maxTotalInvestedQuote is not a decimal string: ${String(maxTotalInvestedQuote)}`);
  const held = portfolio?.reservations ?? [];
  const existing = held.find((r) => r.key === req.key);
  const claim = new Decimal(req.claim);
  const same = existing !== undefined && existing.cycleId === req.cycleId;
  if (same && claim.lte(existing.quote)) return { kind: 'ok', record: null };
  const active = held.filter((r) => r.dust !== true).length;
  const refused = (limit: ReserveRefused['limit']): ReserveRefused => ({ kind: 'refused', limit, active, totalQuote: str(total(held)) });
  // A key's dust reservation is not an active cycle: its next start becomes one.
  const becomesActive = existing === undefined || existing.dust === true;
  if (becomesActive && maxActiveCycles !== undefined && active >= maxActiveCycles) return refused('maxActiveCycles');
  const next: PortfolioReservation = { key: req.key, symbol: req.symbol, cycleId: req.cycleId, intentId: req.intentId, quote: str(claim), at: req.now, owner: req.owner };
  const reservations = existing === undefined ? [...held, next] : held.map((r) => (r === existing ? next : r));
  if (maxTotalInvestedQuote !== undefined && total(reservations).gt(maxTotalInvestedQuote)) return refused('maxTotalInvestedQuote');
  return { kind: 'ok', record: { kind: 'portfolio', schema: 1, reservations, updatedAt: req.now } };
}

/**
 * Which reservation a release drops: the key's, and only while it still names `cycleId` (and
 * `intentId`) when they are given — so a release never drops a reservation a later cycle of the
 * key took meanwhile.
 * @internal
 */
export interface ReleaseMatch {
  readonly key: string;
  readonly cycleId?: string | undefined;
  readonly intentId?: string | undefined;
}

/**
 * Drops a key's reservation (see {@link ReleaseMatch}): the record to write, or `null` when there
 * is nothing to drop.
 * @internal
 */
export function release(portfolio: PortfolioRecord | null, match: ReleaseMatch, now: number): PortfolioRecord | null {
  const held = portfolio?.reservations ?? [];
  const existing = held.find((r) => r.key === match.key);
  if (existing === undefined) return null;
  if (match.cycleId !== undefined && existing.cycleId !== match.cycleId) return null;
  if (match.intentId !== undefined && existing.intentId !== match.intentId) return null;
  return { kind: 'portfolio', schema: 1, reservations: held.filter((r) => r !== existing), updatedAt: now };
}

/**
 * A cycle that closed carrying dust with a cost keeps that cost reserved (`dust: true`): it is
 * still in the account, so it still counts in the budget, but no longer as an active cycle. Null
 * when the key's reservation is not that cycle's (already replaced or released).
 * @internal
 */
export function keepDust(portfolio: PortfolioRecord | null, match: { key: string; cycleId: string; quote: string }, now: number): PortfolioRecord | null {
  const held = portfolio?.reservations ?? [];
  const existing = held.find((r) => r.key === match.key);
  if (existing === undefined || existing.cycleId !== match.cycleId || (existing.dust === true && existing.quote === match.quote)) return null;
  const kept: PortfolioReservation = { ...existing, quote: match.quote, dust: true, at: now };
  return { kind: 'portfolio', schema: 1, reservations: held.map((r) => (r === existing ? kept : r)), updatedAt: now };
}

/**
 * The reservations no cycle holds any more: the key's record is missing, idle, or on another
 * cycle, and has no order in its ledger. A reservation whose cycle is live is kept even if it
 * claims more than the cycle needs now (a reservation only grows while its cycle lives).
 * @param cycles - the cycle record under a key, or `null` when there is none
 * @internal
 */
export function staleReservations(portfolio: PortfolioRecord | null, cycles: (key: string) => CycleRecord | null): PortfolioReservation[] {
  return (portfolio?.reservations ?? []).filter((r) => {
    const cycle = cycles(r.key);
    if (cycle === null) return true;
    // A dust reservation lasts while the key still carries dust with a cost (its next start replaces it).
    if (r.dust === true && cycle.phase === 'idle' && cycle.dust !== null && new Decimal(cycle.dust.investedQuote).gt(0)) return false;
    const other = cycle.phase === 'idle' || cycle.cycleId !== r.cycleId;
    return other && cycle.orders.length === 0;
  });
}

/**
 * A write refused its reservation, without its new buys: a start (the cycle was idle) writes
 * nothing; otherwise the new buy slots are dropped and the rest of the write (a take-profit
 * replaced, cancels, memory) goes on. Null when nothing else is left to write.
 * @internal
 */
export function withoutNewBuys(before: CycleRecord | null, transition: Transition): Transition | null {
  if (before === null || before.phase === 'idle') return null;
  const known = new Set(before.orders.map((o) => o.intentId));
  const orders = transition.record.orders.filter((o) => o.side !== 'buy' || known.has(o.intentId));
  const record: CycleRecord = { ...transition.record, orders };
  const same = (r: CycleRecord) => JSON.stringify({ ...r, updatedAt: 0 });
  if (same(record) === same(before)) return null;
  return { record, events: transition.events };
}
