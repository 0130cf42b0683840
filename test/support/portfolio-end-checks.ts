/**
 * The end state of a portfolio-limits run, checked from the store alone (./portfolio-campaign.ts,
 * check 3): every reservation belongs to a cycle that holds a position or an order and covers its
 * claim; every such cycle has one; the limits hold on the reservations; and the venue's holders at
 * the end (./venue-exposure.ts) are the records' active cycles.
 */
import Decimal from 'decimal.js';
import { isPortfolioRecord, type CycleRecord, type PortfolioRecord, type PortfolioReservation, type StateStore } from 'cycle-engine';
import { asV2 } from './records';

export interface PortfolioState {
  readonly cycles: ReadonlyMap<string, CycleRecord>;
  readonly reservations: readonly PortfolioReservation[];
}

/** The cycle records by key and the portfolio record's reservations, as the store has them now. */
export async function portfolioState(store: StateStore): Promise<PortfolioState> {
  const listed = await store.list();
  const portfolio = listed.find((r) => isPortfolioRecord(r.value))?.value as PortfolioRecord | undefined;
  const cycles = new Map<string, CycleRecord>(listed.filter((r) => !isPortfolioRecord(r.value)).map((r) => [r.key, asV2(r.value)]));
  return { cycles, reservations: portfolio?.reservations ?? [] };
}

/** Whether a cycle record holds a position or an order. */
export const holds = (c: CycleRecord): boolean => c.position !== null || c.orders.length > 0;

/** Whether the record under a reservation's key holds that reservation's cycle. */
export const holdsCycle = (c: CycleRecord | undefined, cycleId: string): boolean => c !== undefined && holds(c) && c.cycleId === cycleId;

/** A cycle's claim, computed here (not the engine's): invested quote plus what its buys may still spend. */
export function claimOf(c: CycleRecord): Decimal {
  let claim = new Decimal(c.position?.investedQuote ?? 0);
  for (const s of c.orders) {
    if (s.side !== 'buy') continue;
    const left = s.type === 'market' ? new Decimal(s.quoteAmount ?? 0).minus(s.applied.quote) : new Decimal(s.price ?? 0).times(new Decimal(s.baseAmount ?? 0).minus(s.applied.base));
    if (left.gt(0)) claim = claim.plus(left);
  }
  return claim;
}

export interface ReservationCheck {
  readonly problems: string[];
  /** Each reservation with its cycle's claim (0 when the key holds nothing). */
  readonly reservations: Array<{ symbol: string; quote: string; claim: string }>;
  /** Cycles holding a position or an order. */
  readonly active: number;
}

/** See the file comment. */
export function checkReservations(state: PortfolioState, venueHolders: readonly string[], limits: { maxActiveCycles: number; budget: string }): ReservationCheck {
  const problems: string[] = [];
  const listed: ReservationCheck['reservations'] = [];
  const { cycles, reservations } = state;
  for (const r of reservations) {
    const c = cycles.get(r.key);
    const claim = c !== undefined && holds(c) ? claimOf(c) : new Decimal(0);
    listed.push({ symbol: r.symbol, quote: r.quote, claim: claim.toFixed() });
    if (c === undefined || !holds(c)) problems.push(`leaked reservation: ${r.key} (cycle ${r.cycleId}, ${r.quote}, by ${r.owner}) and the key holds nothing (${c ? `${c.phase}, cycle ${c.cycleId}` : 'no record'})`);
    else if (c.cycleId !== r.cycleId) problems.push(`reservation of ${r.key} names cycle ${r.cycleId}, the record is on ${c.cycleId}`);
    else if (new Decimal(r.quote).lt(claim)) problems.push(`reservation of ${r.key} is ${r.quote} < its cycle's claim ${claim.toFixed()}`);
  }
  const active = [...cycles.values()].filter(holds);
  for (const c of active) if (!reservations.some((r) => r.symbol === c.symbol && r.cycleId === c.cycleId)) problems.push(`${c.symbol} holds (cycle ${c.cycleId}) with no reservation`);
  if (reservations.length > limits.maxActiveCycles) problems.push(`${reservations.length} reservations > maxActiveCycles ${limits.maxActiveCycles}`);
  const total = reservations.reduce((s, r) => s.plus(r.quote), new Decimal(0));
  if (total.gt(limits.budget)) problems.push(`reservations sum to ${total.toFixed()} > budget ${limits.budget}`);
  const recordHolders = active.map((c) => c.symbol).sort();
  if (JSON.stringify(recordHolders) !== JSON.stringify([...venueHolders].sort())) problems.push(`the venue's holders at the end (${venueHolders.join(' ')}) are not the records' active cycles (${recordHolders.join(' ')})`);
  return { problems, reservations: listed, active: active.length };
}
