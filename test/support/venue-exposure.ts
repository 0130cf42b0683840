/**
 * What the venue itself saw of the portfolio limits, from the fake exchange server's journal alone
 * (./fake-exchange-server.ts), never from the engines' records: the arrivals and executions of
 * every MARKET order, merged into one total order by the server's event counter (the server is one
 * process, so that order is exact).
 *
 * - A symbol **holds** from the arrival of a buy while it does not hold, until an execution (or
 *   refusal) leaves it with no order pending at the venue and a base balance below `dustBase`.
 * - The **net spend** is the quote that left the account minus the quote that came back: buys'
 *   `costQuote` (the paper venue takes a buy's fee in base) minus sells' `costQuote` less their
 *   quote fee. It moves at executions.
 * - The **exposure** is the net spend plus the `quoteAmount` of every buy received and not yet
 *   executed: what the venue could have taken at that instant.
 *
 * Resting LIMIT orders filled by a price move are not events of the journal: this is for engines
 * in MARKET modes.
 */
import Decimal from 'decimal.js';
import type { JournalEntry } from './fake-exchange-server';

export interface VenueExposure {
  /** Most symbols holding at once, and the first event number where that was reached. */
  readonly maxHolders: number;
  readonly maxHoldersAt: { readonly event: number; readonly symbols: readonly string[] };
  readonly maxNetSpend: Decimal;
  readonly maxExposure: Decimal;
  /** Symbols holding after the last event. */
  readonly holdersAtEnd: readonly string[];
  /** Events counted (arrivals and executions). */
  readonly events: number;
  /** Orders the analysis cannot place (not MARKET, a sell that arrived while the symbol held nothing, one still pending). */
  readonly problems: readonly string[];
}

type Step = { readonly n: number; readonly entry: JournalEntry; readonly kind: 'arrival' | 'execution' };

const baseFee = (e: JournalEntry): Decimal => (e.fill?.fee && e.fill.fee.currency === e.symbol.split('/')[0] ? new Decimal(e.fill.fee.amount) : new Decimal(0));
const quoteFee = (e: JournalEntry): Decimal => (e.fill?.fee && e.fill.fee.currency === e.symbol.split('/')[1] ? new Decimal(e.fill.fee.amount) : new Decimal(0));

/** Replays the journal's events in their total order; see the file comment. */
export function venueExposure(journal: readonly JournalEntry[], dustBase: Decimal.Value): VenueExposure {
  const dust = new Decimal(dustBase);
  const problems: string[] = [];
  const steps: Step[] = [];
  for (const entry of journal) {
    if (entry.type !== 'market') problems.push(`${entry.clientOrderId}: a ${entry.type} order (only MARKET orders are events here)`);
    steps.push({ n: entry.arrivalEvent, entry, kind: 'arrival' });
    if (entry.execEvent !== undefined) steps.push({ n: entry.execEvent, entry, kind: 'execution' });
    else problems.push(`${entry.clientOrderId}: still pending at the venue`);
  }
  steps.sort((a, b) => a.n - b.n);
  const base = new Map<string, Decimal>();
  const pending = new Map<string, number>();
  const holding = new Set<string>();
  let pendingBuyQuote = new Decimal(0);
  let netSpend = new Decimal(0);
  let maxNetSpend = new Decimal(0);
  let maxExposure = new Decimal(0);
  let maxHolders = 0;
  let maxHoldersAt: VenueExposure['maxHoldersAt'] = { event: 0, symbols: [] };
  for (const { n, entry: e, kind } of steps) {
    const s = e.symbol;
    if (kind === 'arrival') {
      pending.set(s, (pending.get(s) ?? 0) + 1);
      if (e.side === 'buy') {
        holding.add(s);
        pendingBuyQuote = pendingBuyQuote.plus(e.quoteAmount ?? 0);
      } else if (!holding.has(s)) problems.push(`${e.clientOrderId}: a sell arrived while ${s} held nothing at the venue`);
    } else {
      pending.set(s, pending.get(s)! - 1);
      if (e.side === 'buy') pendingBuyQuote = pendingBuyQuote.minus(e.quoteAmount ?? 0);
      if (e.state === 'filled' && e.fill) {
        const filled = new Decimal(e.fill.filledBase);
        if (e.side === 'buy') {
          base.set(s, (base.get(s) ?? new Decimal(0)).plus(filled).minus(baseFee(e)));
          netSpend = netSpend.plus(e.fill.costQuote);
        } else {
          base.set(s, (base.get(s) ?? new Decimal(0)).minus(filled));
          netSpend = netSpend.minus(new Decimal(e.fill.costQuote).minus(quoteFee(e)));
        }
      }
      if (pending.get(s) === 0 && (base.get(s) ?? new Decimal(0)).lt(dust)) holding.delete(s);
    }
    if (netSpend.gt(maxNetSpend)) maxNetSpend = netSpend;
    const exposure = netSpend.plus(pendingBuyQuote);
    if (exposure.gt(maxExposure)) maxExposure = exposure;
    if (holding.size > maxHolders) {
      maxHolders = holding.size;
      maxHoldersAt = { event: n, symbols: [...holding].sort() };
    }
  }
  return { maxHolders, maxHoldersAt, maxNetSpend, maxExposure, holdersAtEnd: [...holding].sort(), events: steps.length, problems };
}
