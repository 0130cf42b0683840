/**
 * What `cycle-engine inspect` shows of a store's records: per cycle its phase, position, live
 * orders, orphans and flags (halted, exiting, paused, closing), and the portfolio's reservations
 * when the store holds a portfolio record (`kind: 'portfolio'`). Pure: JSON for scripts, lines
 * for people.
 */
import { upgradeCycleRecord, type CycleRecord, type PortfolioReservation, type StoredCycleRecord, type StoredRecord } from '../index';

/**
 * One reservation of quote by a cycle, as the portfolio record keeps it (fields read loosely: a
 * later schema may add or drop some).
 * @internal
 */
export type ReservationView = Partial<PortfolioReservation>;

/**
 * A cycle as `inspect` prints it.
 * @internal
 */
export interface CycleView {
  readonly key: string;
  readonly version: number;
  readonly symbol: string;
  readonly phase: CycleRecord['phase'];
  readonly cycleId: string | null;
  readonly halted: CycleRecord['halted'] | null;
  readonly exiting: CycleRecord['exiting'] | null;
  readonly paused: boolean;
  readonly closing: CycleRecord['closing'] | null;
  readonly position: CycleRecord['position'];
  readonly orders: CycleRecord['orders'];
  readonly orphans: CycleRecord['orphans'];
  readonly dust: CycleRecord['dust'];
  readonly retryAt: number | null;
  readonly rejections: number;
  readonly closedCycles: number;
  readonly realizedPnlQuote: string;
  readonly updatedAt: number;
}

/**
 * Everything `inspect` prints.
 * @internal
 */
export interface InspectView {
  readonly store: string;
  readonly cycles: readonly CycleView[];
  readonly portfolios: ReadonlyArray<{ readonly key: string; readonly version: number; readonly reservations: readonly ReservationView[] }>;
}

function isPortfolio(value: unknown): value is { kind: 'portfolio'; reservations?: unknown } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'portfolio';
}

function cycleView(key: string, version: number, stored: StoredCycleRecord): CycleView {
  const r = upgradeCycleRecord(stored);
  return {
    key, version, symbol: r.symbol, phase: r.phase, cycleId: r.cycleId,
    halted: r.halted ?? null, exiting: r.exiting ?? null, paused: r.paused === true, closing: r.closing ?? null,
    position: r.position, orders: r.orders, orphans: r.orphans, dust: r.dust,
    retryAt: r.retryAt, rejections: r.rejections, closedCycles: r.closedCycles, realizedPnlQuote: r.realizedPnlQuote, updatedAt: r.updatedAt,
  };
}

/**
 * The view of a store's records (cycles sorted by key).
 * @internal
 */
export function inspectView(where: string, records: readonly StoredRecord[]): InspectView {
  const sorted = [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const portfolios = sorted.flatMap((rec) => {
    const value: unknown = rec.value;
    if (!isPortfolio(value)) return [];
    const reservations = Array.isArray(value.reservations) ? (value.reservations as ReservationView[]) : [];
    return [{ key: rec.key, version: rec.version, reservations }];
  });
  const cycles = sorted.flatMap((rec) => (isPortfolio(rec.value) ? [] : [cycleView(rec.key, rec.version, rec.value as StoredCycleRecord)]));
  return { store: where, cycles, portfolios };
}

const time = (ms: number | null | undefined): string => (typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : '—');

function flags(c: CycleView): string {
  const out: string[] = [];
  if (c.halted) out.push(`HALTED (${c.halted.reason}: record holds ${c.halted.heldPerRecord}, venue ${c.halted.heldPerVenue ?? 'unknown'})`);
  if (c.exiting) out.push(`EXITING (${c.exiting.reason} since ${time(c.exiting.at)})`);
  if (c.paused) out.push('PAUSED');
  if (c.closing) out.push(`closing (${c.closing.reason} at ${c.closing.price})`);
  return out.length === 0 ? '' : `  ${out.join(', ')}`;
}

/**
 * The view as lines of text for people.
 * @internal
 */
export function inspectLines(view: InspectView): string[] {
  const lines = [`store: ${view.store}`, `${view.cycles.length} cycle record(s)`];
  for (const c of view.cycles) {
    lines.push('', `${c.symbol}  [key ${c.key}, version ${c.version}, updated ${time(c.updatedAt)}]`);
    lines.push(`  phase: ${c.phase}${c.cycleId === null ? '' : `  cycle: ${c.cycleId}`}${flags(c)}`);
    const p = c.position;
    if (p !== null) {
      lines.push(`  position: ${p.baseVolume} base, avg price ${p.avgPrice}, invested ${p.investedQuote}, ${p.buys} buy(s), opened ${time(p.openedAt)}`);
    }
    lines.push(`  orders: ${c.orders.length === 0 ? 'none' : c.orders.length}`);
    for (const o of c.orders) {
      const amount = o.baseAmount !== undefined ? `${o.baseAmount} base` : `${o.quoteAmount ?? '?'} quote`;
      const price = o.price === undefined ? '' : ` @ ${o.price}`;
      const problem = o.problem ? ` — ${o.problem.reason}: ${o.problem.message}` : '';
      lines.push(`    ${o.purpose}${o.level === undefined ? '' : ` #${o.level}`} ${o.type} ${o.side} ${amount}${price}  ${o.state}${o.orderId === undefined ? '' : `  order ${o.orderId}`}  client ${o.clientOrderId}${problem}`);
    }
    if (c.orphans.length > 0) {
      lines.push(`  orphans: ${c.orphans.length}`);
      for (const o of c.orphans) lines.push(`    ${o.fill.side} ${o.fill.filledBase} @ ${o.fill.avgPrice} (${o.fill.clientOrderId}) ${o.note}, accounted as ${o.accountedAs}, ${time(o.recordedAt)}`);
    }
    if (c.dust !== null) lines.push(`  dust carried: ${c.dust.baseVolume} base (invested ${c.dust.investedQuote})`);
    if (c.retryAt !== null) lines.push(`  no new start before ${time(c.retryAt)} (${c.rejections} rejection(s) in a row)`);
    lines.push(`  closed cycles: ${c.closedCycles}, realised PnL: ${c.realizedPnlQuote}`);
  }
  for (const pf of view.portfolios) {
    lines.push('', `portfolio reservations [key ${pf.key}, version ${pf.version}]: ${pf.reservations.length === 0 ? 'none' : pf.reservations.length}`);
    for (const r of pf.reservations) {
      lines.push(`  ${r.symbol ?? '?'} cycle ${r.cycleId ?? '?'} intent ${r.intentId ?? '?'}: ${r.quote ?? '?'} quote, at ${time(r.at)}, owner ${r.owner ?? '?'}${r.key === undefined ? '' : `, key ${r.key}`}`);
    }
  }
  return lines;
}
