/**
 * The readable line of each known engine event, tagged like the design note's
 * `[START_ASYNC][ETH] …`, `[WORKER][ETH] …`, `[CHECK][ETH] …`. Pure: an event in, lines out.
 */
import { Decimal } from '../decimal';
import type { CycleEngineEvents } from '../events';

/** Severity of a log line. @public */
export type LogLevel = 'info' | 'warn' | 'error';

/** One line to log: its level, its tag (`WORKER`, `BUY`, …) and its text without tags. @internal */
export interface LogLine {
  readonly level: LogLevel;
  readonly tag: string;
  readonly text: string;
}

type Payload<K extends keyof CycleEngineEvents> = Parameters<CycleEngineEvents[K]>[0];
/** Partial on purpose: an event added to the engine without a line here is logged by {@link genericLine}. */
type Formatters = { readonly [K in keyof CycleEngineEvents]?: (e: Payload<K>) => LogLine | readonly LogLine[] };

const base = (symbol: string) => symbol.split('/')[0] ?? symbol;
const quote = (symbol: string) => symbol.split('/')[1] ?? '';
/** Display form of a decimal string: at most 10 significant digits (the record keeps every digit). */
const fmt = (value: string) => new Decimal(value).toSignificantDigits(10).toFixed();
const what = (purpose: string) => (purpose === 'start' ? 'start buy' : purpose);
const line = (level: LogLevel, tag: string, text: string): LogLine => ({ level, tag, text });
const iso = (ms: number) => new Date(ms).toISOString();

function fees(byCurrency: Readonly<Record<string, string>>): string {
  const parts = Object.entries(byCurrency).map(([c, a]) => `${fmt(a)} ${c}`);
  return parts.length === 0 ? '' : `, fees ${parts.join(' + ')}`;
}

/** Events logged only with `verbose: true`: they come every tick. @internal */
export const VERBOSE_EVENTS: ReadonlySet<string> = new Set(['lock:released', 'tick:completed']);

/** The line(s) of every event this version of the engine emits. @internal */
export const LINES: Formatters = {
  'cycle:starting': (e) =>
    line('info', 'START_ASYNC', `start buy of ${fmt(e.quoteAmount)} ${quote(e.symbol)} at ~${e.price}: intent persisted (${e.clientOrderId}), lock released, worker sends it`),
  'order:submitted': (e) =>
    line('info', 'WORKER', `sending ${what(e.purpose)} ${e.quoteAmount !== undefined ? `${fmt(e.quoteAmount)} ${quote(e.symbol)}` : `${fmt(e.baseAmount ?? '0')} ${base(e.symbol)}`} (${e.clientOrderId})`),
  'order:filled': (e) =>
    line('info', 'WORKER', `${what(e.purpose)} filled: ${fmt(e.fill.filledBase)} ${base(e.symbol)} for ${fmt(e.fill.costQuote)} ${quote(e.symbol)} @ ${fmt(e.fill.avgPrice)}${e.fill.fee ? ` (fee ${fmt(e.fill.fee.amount)} ${e.fill.fee.currency})` : ''}`),
  'order:rejected': (e) => line('warn', 'WORKER', `${what(e.purpose)} rejected (${e.reason}): ${e.message}; nothing executed, next try after ${iso(e.retryAt)}`),
  'order:unknown': (e) => line('warn', 'WORKER', `${what(e.purpose)} outcome UNKNOWN (${e.reason}): ${e.message}; cycle parked until ${e.clientOrderId} is found on the exchange`),
  'order:reconciled': (e) =>
    e.result === 'not-found'
      ? line('warn', 'RECONCILE', `${what(e.purpose)} ${e.clientOrderId} not found after ${e.lookups} look-up(s) and can no longer land → treated as rejected`)
      : line('info', 'RECONCILE', `${what(e.purpose)} ${e.clientOrderId} ${e.result === 'late-response' ? 'answered late' : `found after ${e.lookups} look-up(s)`}: filled ${fmt(e.fill?.filledBase ?? '0')} ${base(e.symbol)} @ ${fmt(e.fill?.avgPrice ?? '0')}`),
  'order:orphaned': (e) => line('warn', 'ORPHAN', `${e.side} fill ${e.fill.orderId} (${e.clientOrderId}) arrived after its intent was settled (${e.note}): kept, accounted as ${e.accountedAs}`),
  'cycle:activated': (e) => [
    line('info', 'CHECK', `start buy done → cycle active (cycle ${e.cycleId})`),
    line('info', 'BUY', `#1 start: volume ${fmt(e.baseVolume)} @ ${fmt(e.price)}, drop from last 0%, drop from start 0%, invested ${fmt(e.investedQuote)} ${quote(e.symbol)}`),
  ],
  'cycle:startFailed': (e) => line('warn', 'CHECK', `start buy failed (${e.reason}) → idle, retry after ${iso(e.retryAt)}`),
  'cycle:rebought': (e) =>
    line('info', 'BUY', `#${e.position.buys} rebuy: volume ${fmt(e.boughtBase)} @ ${fmt(e.price)}, drop from last ${fmt(e.dropFromLastPct)}%, drop from start ${fmt(e.dropFromStartPct)}%, invested ${fmt(e.position.investedQuote)} ${quote(e.symbol)}`),
  'cycle:closed': (e) =>
    e.reason === 'emptied'
      ? line('warn', 'SELL', `nothing sellable left (${fmt(e.dustBase)} ${base(e.symbol)} carried as dust), PnL ${fmt(e.pnlQuote)} ${quote(e.symbol)} → cycle closed`)
      : line('info', 'SELL', `take profit @ ${fmt(e.price)}: received ${fmt(e.proceedsQuote)} for ${fmt(e.investedQuote)} invested over ${e.buys} buys, PnL ${fmt(e.pnlQuote)} ${quote(e.symbol)}${fees(e.feesByCurrency)} → cycle closed`),
  'cycle:partiallySold': (e) =>
    line('warn', 'SELL', `sell filled in part @ ${fmt(e.price)}: sold ${fmt(e.soldBase)} ${base(e.symbol)}, PnL ${fmt(e.pnlQuote)} ${quote(e.symbol)}; ${fmt(e.remainingBase)} ${base(e.symbol)} still held, the cycle stays active`),
  'cycle:positionMismatch': (e) =>
    line('error', 'MISMATCH', `sell ${e.clientOrderId} refused for lack of balance: the record holds ${fmt(e.heldPerRecord)} ${base(e.symbol)}, the venue ${e.heldPerVenue === null ? 'an unknown amount' : `${fmt(e.heldPerVenue)} ${base(e.symbol)}`} → ${e.action === 'halted' ? 'cycle halted: nothing is sent until engine.resyncCycle()' : 'position shrunk to what the venue holds; the sell is retried'}`),
  'cycle:resynced': (e) => line('info', 'RESYNC', `halt lifted: position ${fmt(e.heldPerRecord)} → ${fmt(e.baseVolume)} ${base(e.symbol)}`),
  'cycle:untracked': (e) =>
    line('warn', 'UNTRACKED', `a ${e.phase} cycle for a symbol this engine no longer trades${e.position ? ` holds ${fmt(e.position.baseVolume)} ${base(e.symbol)}` : ''}${e.pendingClientOrderId ? `; its order ${e.pendingClientOrderId} is looked up` : ''}`),
  'engine:stopped': (e) =>
    e.timedOut
      ? line('warn', 'STOP', `stopped before ${e.leftBehind.length} order(s) settled: ${e.leftBehind.map((o) => `${o.symbol} ${o.clientOrderId}`).join(', ')}; the next start looks them up`)
      : line('info', 'STOP', 'stopped; every order settled'),
  'lock:released': (e) => line('info', 'LOCK', `released after ${e.heldMs.toFixed(3)} ms (${e.purpose})`),
  'tick:completed': (e) => line('info', 'TICK', `#${e.tick}: ${e.symbols} symbols, ${e.ordersStarted} orders started, ${e.skipped} skipped, ${e.durationMs.toFixed(1)} ms`),
  error: (e) => line('error', 'ERROR', `${e.name} (${e.code}): ${e.message}`),
};

/**
 * The line of an event this logger has no formatter for (one added to the engine after it):
 * tagged with the event's namespace, its scalar fields as `key=value`. Names that say something
 * went wrong are warnings.
 * @internal
 */
export function genericLine(name: string, payload: unknown): LogLine {
  const [namespace = name, action = ''] = name.split(':');
  const scalars = Object.entries(isObject(payload) ? payload : {})
    .filter(([key, value]) => key !== 'symbol' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'))
    .map(([key, value]) => `${key}=${String(value)}`);
  const level: LogLevel = /error|fail|unknown|reject|orphan|mismatch/i.test(name) ? 'warn' : 'info';
  return line(level, namespace.toUpperCase(), [action || name, ...scalars].join(' '));
}

/** True for a non-null object. @internal */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
