/**
 * The structured side of a log line: the event's own fields as one object (pino's first argument,
 * winston's meta), and the symbol tag that stays unambiguous when two quotes share a base.
 */
import { isObject } from './lines';

/**
 * Fields passed with every line to a structured logger: `event` (the engine event's name), then the
 * event's own payload — `symbol`, `cycleId`, `intentId`, `clientOrderId`, `purpose`, `side`,
 * amounts as decimal strings, nested `fill` / `position` objects. Two keys are renamed so that no
 * logger reads them as its own: the exchange's `message` becomes `detail`; an `error` event gives
 * `err` (the error itself), `code` and `errorName`.
 * @public
 */
export interface LogFields {
  /** Name of the engine event, e.g. `order:filled`. */
  readonly event: string;
  /** Unified symbol, when the event concerns one. */
  readonly symbol?: string | undefined;
  /** Every other field of the event's payload. */
  readonly [field: string]: unknown;
}

/** The fields of one event, as given to a structured logger. @internal */
export function fieldsOf(event: string, payload: unknown): LogFields {
  if (payload instanceof Error) {
    const e = payload as Error & { code?: unknown; symbol?: unknown; key?: unknown };
    return {
      event,
      ...(typeof e.symbol === 'string' ? { symbol: e.symbol } : {}),
      ...(typeof e.key === 'string' ? { key: e.key } : {}),
      code: e.code,
      errorName: e.name,
      err: e,
    };
  }
  const fields: Record<string, unknown> = { event };
  if (isObject(payload)) {
    for (const [key, value] of Object.entries(payload)) fields[key === 'message' ? 'detail' : key === 'event' ? 'eventField' : key] = value;
  }
  return fields as LogFields;
}

/**
 * Tags symbols by their base (`[ETH]`, as the design note does) unless another symbol the engine
 * trades or has logged shares that base: then by the full symbol (`[ETH/USDT]`, `[ETH/BTC]`).
 * @internal
 */
export function symbolTagger(traded: readonly string[]): (symbol: string) => string {
  const byBase = new Map<string, Set<string>>();
  const see = (symbol: string) => {
    const base = symbol.split('/')[0] ?? symbol;
    let symbols = byBase.get(base);
    if (!symbols) byBase.set(base, (symbols = new Set()));
    symbols.add(symbol);
    return symbols.size > 1 ? symbol : base;
  };
  for (const symbol of traded) see(symbol);
  return see;
}
