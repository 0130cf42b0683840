/**
 * The end state of a portfolio-limits run, checked from the store alone (./portfolio-campaign.ts,
 * check 3): every reservation belongs to a cycle that holds a position or an order and covers its
 * claim — or, marked `dust`, to an idle key that still carries dust with a cost, and covers that
 * cost; every cycle that holds has one, and so has every idle key carrying dust with a cost; at
 * most `maxActiveCycles` are not dust, and all of them sum to at most the budget; and the venue's
 * holders at the end (./venue-exposure.ts) are the records' active cycles.
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

/** A cycle's claim, computed here (not the engine's): invested quote (a start's: the cost of the dust it takes over) plus what its buys may still spend. */
export function claimOf(c: CycleRecord): Decimal {
  let claim = new Decimal(c.position?.investedQuote ?? (c.phase !== 'idle' ? (c.dust?.investedQuote ?? 0) : 0));
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
  const dustCost = (c: CycleRecord | undefined): Decimal => (c !== undefined && !holds(c) && c.dust ? new Decimal(c.dust.investedQuote) : new Decimal(0));
  for (const r of reservations) {
    const c = cycles.get(r.key);
    if (r.dust === true) {
      const cost = dustCost(c);
      listed.push({ symbol: `${r.symbol} (dust)`, quote: r.quote, claim: cost.toFixed() });
      if (!cost.gt(0)) problems.push(`dust reservation of ${r.key} (${r.quote}) and the key carries no dust with a cost (${c ? `${c.phase}, cycle ${c.cycleId}` : 'no record'})`);
      else if (new Decimal(r.quote).lt(cost)) problems.push(`dust reservation of ${r.key} is ${r.quote} < the cost of its dust ${cost.toFixed()}`);
      continue;
    }
    const claim = c !== undefined && holds(c) ? claimOf(c) : new Decimal(0);
    listed.push({ symbol: r.symbol, quote: r.quote, claim: claim.toFixed() });
    if (c === undefined || !holds(c)) problems.push(`leaked reservation: ${r.key} (cycle ${r.cycleId}, ${r.quote}, by ${r.owner}) and the key holds nothing (${c ? `${c.phase}, cycle ${c.cycleId}` : 'no record'})`);
    else if (c.cycleId !== r.cycleId) problems.push(`reservation of ${r.key} names cycle ${r.cycleId}, the record is on ${c.cycleId}`);
    else if (new Decimal(r.quote).lt(claim)) problems.push(`reservation of ${r.key} is ${r.quote} < its cycle's claim ${claim.toFixed()}`);
  }
  const active = [...cycles.values()].filter(holds);
  for (const c of active) if (!reservations.some((r) => r.symbol === c.symbol && r.cycleId === c.cycleId && r.dust !== true)) problems.push(`${c.symbol} holds (cycle ${c.cycleId}) with no reservation`);
  for (const [key, c] of cycles) {
    if (dustCost(c).gt(0) && !reservations.some((r) => r.key === key && r.dust === true)) {
      problems.push(`${key} carries dust that cost ${dustCost(c).toFixed()} with no dust reservation (record: ${c.phase}, ${c.closedCycles} closed, dust ${JSON.stringify(c.dust)}, updatedAt ${c.updatedAt}; reservations ${JSON.stringify(reservations.filter((r) => r.key === key))})`);
    }
  }
  const notDust = reservations.filter((r) => r.dust !== true).length;
  if (notDust > limits.maxActiveCycles) problems.push(`${notDust} reservations of active cycles > maxActiveCycles ${limits.maxActiveCycles}`);
  const total = reservations.reduce((s, r) => s.plus(r.quote), new Decimal(0));
  if (total.gt(limits.budget)) problems.push(`reservations sum to ${total.toFixed()} > budget ${limits.budget}`);
  const recordHolders = active.map((c) => c.symbol).sort();
  if (JSON.stringify(recordHolders) !== JSON.stringify([...venueHolders].sort())) problems.push(`the venue's holders at the end (${venueHolders.join(' ')}) are not the records' active cycles (${recordHolders.join(' ')})`);
  return { problems, reservations: listed, active: active.length };
}
