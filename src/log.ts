/**
 * A ready logger: one readable line per engine event, tagged like the design note's
 * `[START_ASYNC][ETH] …`, `[WORKER][ETH] …`, `[CHECK][ETH] …`.
 */
import { Decimal } from './decimal';
import type { CycleEngine } from './engine/cycle-engine';
import type { CycleEngineEvents } from './events';

/**
 * Where log lines go: anything with `info`, `warn` and `error` (the console, pino, winston), or a
 * function that takes the line and its level.
 * @public
 */
export type LogSink =
  | { info(line: string): void; warn(line: string): void; error(line: string): void }
  | ((line: string, level: 'info' | 'warn' | 'error') => void);

/**
 * Options of {@link attachLogger}.
 * @public
 */
export interface AttachLoggerOptions {
  /** Also print `lock:released` and `tick:completed` lines (default false: they come every tick). */
  readonly verbose?: boolean;
}

const base = (symbol: string) => symbol.split('/')[0] ?? symbol;
const quote = (symbol: string) => symbol.split('/')[1] ?? '';
/** Display form of a decimal string: at most 10 significant digits (the record keeps every digit). */
const fmt = (value: string) => new Decimal(value).toSignificantDigits(10).toFixed();
const what = (purpose: string) => (purpose === 'start' ? 'start buy' : purpose);

/**
 * Prints one line per engine event. Returns a function that detaches the logger.
 *
 * @example
 * ```ts
 * const detach = attachLogger(engine);            // to the console
 * attachLogger(engine, pino());                   // or any logger with info/warn/error
 * ```
 * @param engine - the engine to listen to
 * @param sink - where lines go (default: the console)
 * @param options - `verbose` adds lock and tick lines
 * @public
 */
export function attachLogger(engine: CycleEngine, sink: LogSink = console, options: AttachLoggerOptions = {}): () => void {
  const write = (level: 'info' | 'warn' | 'error', tag: string, symbol: string | null, text: string) => {
    const line = `[${tag}]${symbol ? `[${base(symbol)}]` : ''} ${text}`;
    if (typeof sink === 'function') sink(line, level);
    else sink[level](line);
  };
  const handlers: Partial<CycleEngineEvents> = {
    'cycle:starting': (e) =>
      write('info', 'START_ASYNC', e.symbol, `start buy of ${fmt(e.quoteAmount)} ${quote(e.symbol)} at ~${e.price}: intent persisted (${e.clientOrderId}), lock released, worker sends it`),
    'order:submitted': (e) =>
      write('info', 'WORKER', e.symbol, `sending ${what(e.purpose)} ${e.quoteAmount !== undefined ? `${fmt(e.quoteAmount)} ${quote(e.symbol)}` : `${fmt(e.baseAmount ?? '0')} ${base(e.symbol)}`} (${e.clientOrderId})`),
    'order:filled': (e) =>
      write('info', 'WORKER', e.symbol, `${what(e.purpose)} filled: ${fmt(e.fill.filledBase)} ${base(e.symbol)} for ${fmt(e.fill.costQuote)} ${quote(e.symbol)} @ ${fmt(e.fill.avgPrice)}${e.fill.fee ? ` (fee ${fmt(e.fill.fee.amount)} ${e.fill.fee.currency})` : ''}`),
    'order:rejected': (e) =>
      write('warn', 'WORKER', e.symbol, `${what(e.purpose)} rejected (${e.reason}): ${e.message}; nothing executed, next try after ${new Date(e.retryAt).toISOString()}`),
    'order:unknown': (e) =>
      write('warn', 'WORKER', e.symbol, `${what(e.purpose)} outcome UNKNOWN (${e.reason}): ${e.message}; cycle parked until ${e.clientOrderId} is found on the exchange`),
    'order:reconciled': (e) =>
      e.result === 'not-found'
        ? write('warn', 'RECONCILE', e.symbol, `${what(e.purpose)} ${e.clientOrderId} not found after ${e.lookups} look-up(s) and can no longer land → treated as rejected`)
        : write('info', 'RECONCILE', e.symbol, `${what(e.purpose)} ${e.clientOrderId} ${e.result === 'late-response' ? 'answered late' : `found after ${e.lookups} look-up(s)`}: filled ${fmt(e.fill?.filledBase ?? '0')} ${base(e.symbol)} @ ${fmt(e.fill?.avgPrice ?? '0')}`),
    'order:orphaned': (e) =>
      write('warn', 'ORPHAN', e.symbol, `${e.side} fill ${e.fill.orderId} (${e.clientOrderId}) arrived after its intent was settled (${e.note}): kept, accounted as ${e.accountedAs}`),
    'cycle:activated': (e) => {
      write('info', 'CHECK', e.symbol, `start buy done → cycle active (cycle ${e.cycleId})`);
      write('info', 'BUY', e.symbol, `#1 start: volume ${fmt(e.baseVolume)} @ ${fmt(e.price)}, drop from last 0%, drop from start 0%, invested ${fmt(e.investedQuote)} ${quote(e.symbol)}`);
    },
    'cycle:startFailed': (e) => write('warn', 'CHECK', e.symbol, `start buy failed (${e.reason}) → idle, retry after ${new Date(e.retryAt).toISOString()}`),
    'cycle:rebought': (e) =>
      write('info', 'BUY', e.symbol, `#${e.position.buys} rebuy: volume ${fmt(e.boughtBase)} @ ${fmt(e.price)}, drop from last ${fmt(e.dropFromLastPct)}%, drop from start ${fmt(e.dropFromStartPct)}%, invested ${fmt(e.position.investedQuote)} ${quote(e.symbol)}`),
    'cycle:closed': (e) =>
      e.reason === 'emptied'
        ? write('warn', 'SELL', e.symbol, `nothing sellable left (${fmt(e.dustBase)} ${base(e.symbol)} carried as dust), PnL ${fmt(e.pnlQuote)} ${quote(e.symbol)} → cycle closed`)
        : write('info', 'SELL', e.symbol, `take profit @ ${fmt(e.price)}: received ${fmt(e.proceedsQuote)} for ${fmt(e.investedQuote)} invested over ${e.buys} buys, PnL ${fmt(e.pnlQuote)} ${quote(e.symbol)}${fees(e.feesByCurrency)} → cycle closed`),
    'cycle:partiallySold': (e) =>
      write('warn', 'SELL', e.symbol, `sell filled in part @ ${fmt(e.price)}: sold ${fmt(e.soldBase)} ${base(e.symbol)}, PnL ${fmt(e.pnlQuote)} ${quote(e.symbol)}; ${fmt(e.remainingBase)} ${base(e.symbol)} still held, the cycle stays active`),
    'cycle:positionMismatch': (e) =>
      write('error', 'MISMATCH', e.symbol, `sell ${e.clientOrderId} refused for lack of balance: the record holds ${fmt(e.heldPerRecord)} ${base(e.symbol)}, the venue ${e.heldPerVenue === null ? 'an unknown amount' : `${fmt(e.heldPerVenue)} ${base(e.symbol)}`} → ${e.action === 'halted' ? 'cycle halted: nothing is sent until engine.resyncCycle()' : 'position shrunk to what the venue holds; the sell is retried'}`),
    'cycle:resynced': (e) => write('info', 'RESYNC', e.symbol, `halt lifted: position ${fmt(e.heldPerRecord)} → ${fmt(e.baseVolume)} ${base(e.symbol)}`),
    'cycle:untracked': (e) =>
      write('warn', 'UNTRACKED', e.symbol, `a ${e.phase} cycle for a symbol this engine no longer trades${e.position ? ` holds ${fmt(e.position.baseVolume)} ${base(e.symbol)}` : ''}${e.pendingClientOrderId ? `; its order ${e.pendingClientOrderId} is looked up` : ''}`),
    'engine:stopped': (e) =>
      e.timedOut
        ? write('warn', 'STOP', null, `stopped before ${e.leftBehind.length} order(s) settled: ${e.leftBehind.map((o) => `${o.symbol} ${o.clientOrderId}`).join(', ')}; the next start looks them up`)
        : write('info', 'STOP', null, 'stopped; every order settled'),
    error: (e) => write('error', 'ERROR', null, `${e.name} (${e.code}): ${e.message}`),
  };
  if (options.verbose) {
    handlers['lock:released'] = (e) => write('info', 'LOCK', e.symbol, `released after ${e.heldMs.toFixed(3)} ms (${e.purpose})`);
    handlers['tick:completed'] = (e) => write('info', 'TICK', null, `#${e.tick}: ${e.symbols} symbols, ${e.ordersStarted} orders started, ${e.skipped} skipped, ${e.durationMs.toFixed(1)} ms`);
  }
  const entries = Object.entries(handlers) as Array<[keyof CycleEngineEvents, (...args: never[]) => void]>;
  for (const [name, fn] of entries) engine.on(name, fn as never);
  return () => {
    for (const [name, fn] of entries) engine.off(name, fn as never);
  };
}

function fees(byCurrency: Readonly<Record<string, string>>): string {
  const parts = Object.entries(byCurrency).map(([c, a]) => `${fmt(a)} ${c}`);
  return parts.length === 0 ? '' : `, fees ${parts.join(' + ')}`;
}
