/**
 * A ready logger: one readable line per engine event, tagged like the design note's
 * `[START_ASYNC][ETH] …`, `[WORKER][ETH] …`, `[CHECK][ETH] …`, with the event's fields for
 * structured loggers (pino, winston).
 */
import type { CycleEngine } from './engine/cycle-engine';
import type { CycleEngineEvents } from './events';
import { fieldsOf, symbolTagger, type LogFields } from './logging/fields';
import { LINES, VERBOSE_EVENTS, genericLine, isObject, type LogLevel, type LogLine } from './logging/lines';
import { tapEvents } from './logging/tap';

export type { LogFields } from './logging/fields';
export type { LogLevel } from './logging/lines';

/**
 * Where log lines go: anything with `info`, `warn` and `error` (the console, pino, winston), or a
 * function that takes the line, its level and the event's fields.
 * @public
 */
export type LogSink =
  | { info(line: string): void; warn(line: string): void; error(line: string): void }
  | ((line: string, level: LogLevel, fields: LogFields) => void);

/**
 * How {@link attachLogger} calls an object sink:
 * - `text`: `logger.info(line)`, the line alone (the console);
 * - `pino`: `logger.info(fields, line)`, fields first (pino, bunyan);
 * - `winston`: `logger.info(line, fields)`, fields as meta (winston);
 * - `auto` (default): `pino` for a pino or bunyan logger, `winston` for a winston logger, else `text`.
 *
 * A function sink always receives `(line, level, fields)`.
 * @public
 */
export type LogStyle = 'auto' | 'text' | 'pino' | 'winston';

/**
 * Options of {@link attachLogger}.
 * @public
 */
export interface AttachLoggerOptions {
  /** Also log `lock:released` and `tick:completed` (default false: they come every tick). */
  readonly verbose?: boolean | undefined;
  /** How an object sink is called; see {@link LogStyle} (default `auto`). */
  readonly style?: LogStyle | undefined;
}

/**
 * Logs one line per engine event. Returns a function that detaches the logger.
 *
 * Every line is tagged (`[WORKER][ETH] …`); the symbol tag is the base (`ETH`) unless two symbols
 * share it (ETH/USDT and ETH/BTC log as `[ETH/USDT]` and `[ETH/BTC]`). A structured logger also
 * gets the event's fields ({@link LogFields}: `event`, `symbol`, `cycleId`, `intentId`,
 * `clientOrderId`, `purpose`, …). An event this version does not know (one added to the engine
 * later) is logged too, tagged with its namespace and its fields, never dropped.
 *
 * @example
 * ```ts
 * const detach = attachLogger(engine);            // to the console, one line per event
 * attachLogger(engine, pino());                   // logger.info({ event, symbol, … }, line)
 * attachLogger(engine, winston.createLogger(…));  // logger.info(line, { event, symbol, … })
 * attachLogger(engine, myLogger, { style: 'pino' }); // say so when detection cannot tell
 * ```
 * @param engine - the engine to listen to
 * @param sink - where lines go (default: the console)
 * @param options - `verbose` adds lock and tick lines; `style` says how to call an object sink
 * @public
 */
export function attachLogger(engine: CycleEngine, sink: LogSink = console, options: AttachLoggerOptions = {}): () => void {
  const style = typeof sink === 'function' ? 'text' : resolveStyle(sink, options.style ?? 'auto');
  const tag = symbolTagger(engine.symbols ?? []);
  const write = (event: string, payload: unknown, l: LogLine) => {
    const symbol = isObject(payload) && typeof payload.symbol === 'string' && payload.symbol !== '' ? payload.symbol : null;
    const text = `[${l.tag}]${symbol !== null ? `[${tag(symbol)}]` : ''} ${l.text}`;
    if (typeof sink === 'function') return sink(text, l.level, fieldsOf(event, payload));
    const method = sink[l.level] as (...args: unknown[]) => void;
    if (style === 'pino') method.call(sink, fieldsOf(event, payload), text);
    else if (style === 'winston') method.call(sink, text, fieldsOf(event, payload));
    else method.call(sink, text);
  };
  const known = Object.keys(LINES) as Array<keyof CycleEngineEvents>;
  const listeners = known
    .filter((name) => options.verbose || !VERBOSE_EVENTS.has(name))
    .map((name) => {
      const format = LINES[name] as unknown as (e: unknown) => LogLine | readonly LogLine[];
      const fn = (e: unknown) => {
        const lines = format(e);
        for (const l of Array.isArray(lines) ? lines : [lines as LogLine]) write(name, e, l);
      };
      engine.on(name, fn as never);
      return [name, fn] as const;
    });
  const knownNames = new Set<string>(known);
  const untap = tapEvents(engine, (name, payload) => {
    if (!knownNames.has(name)) write(name, payload, genericLine(name, payload));
  });
  return () => {
    untap();
    for (const [name, fn] of listeners) engine.off(name, fn as never);
  };
}

/** The style of an object sink: the one asked for, or what the logger looks like. */
function resolveStyle(sink: object, asked: LogStyle): Exclude<LogStyle, 'auto'> {
  if (asked !== 'auto') return asked;
  if (sink === globalThis.console) return 'text';
  const s = sink as Record<string, unknown>;
  const isPino = typeof s.bindings === 'function' && typeof s.child === 'function';
  const isBunyan = typeof s.child === 'function' && isObject(s.fields) && Array.isArray(s.streams);
  if (isPino || isBunyan) return 'pino';
  const isWinston = typeof s.log === 'function' && typeof s.add === 'function' && 'transports' in s;
  return isWinston ? 'winston' : 'text';
}
