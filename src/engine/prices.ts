/**
 * Checking the prices an exchange adapter returned for a tick: a malformed answer is reported, not
 * read as a silent "no price".
 */
import { InvalidExchangeResponseError } from '../errors';

/**
 * What {@link checkPrices} found: the prices it can use, and what was wrong with the rest.
 * @internal
 */
export interface CheckedPrices {
  /** Finite prices \> 0 of asked symbols, by unified symbol. */
  readonly prices: Record<string, number>;
  /** One line per problem, empty when the answer is clean. */
  readonly problems: readonly string[];
  /** All problems in one error (to report once per tick), or null when there are none. */
  readonly error: InvalidExchangeResponseError | null;
}

const UNIFIED = /^[^\s/]+\/[^\s/]+/;

/**
 * Validates what `Exchange.fetchPrices(symbols)` resolved with. The answer must be a plain object
 * keyed by the unified symbols asked for, each with a finite number \> 0; a symbol that is absent
 * has no price now (the port allows that) and is no problem.
 *
 * Entries are judged one by one: a bad entry costs only its own symbol its price, and every other
 * symbol keeps its own. A problem is: an answer that is not a plain object (an array, a string, null:
 * then no symbol has a price), a value that is not a finite number \> 0 (a string, even a decimal
 * one, NaN, 0), and a key that is not a unified symbol (`ETHUSDT`, a venue id: the adapter did not
 * map it back). Keys that are unified symbols not asked for are ignored (an adapter may return
 * every ticker it fetched).
 * @param symbols - the unified symbols asked for
 * @param raw - the answer
 * @param source - who answered, for the error (default `fetchPrices`)
 * @internal
 */
export function checkPrices(symbols: readonly string[], raw: unknown, source = 'fetchPrices'): CheckedPrices {
  const prices: Record<string, number> = {};
  const problems: string[] = [];
  const proto = typeof raw === 'object' && raw !== null ? (Object.getPrototypeOf(raw) as unknown) : undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || (proto !== Object.prototype && proto !== null)) {
    problems.push(`expected an object of prices keyed by unified symbol, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`);
  } else {
    const answer = raw as Record<string, unknown>;
    const asked = new Set(symbols);
    for (const symbol of symbols) {
      if (!Object.hasOwn(answer, symbol) || answer[symbol] === undefined) continue;
      const price = answer[symbol];
      if (typeof price === 'number' && Number.isFinite(price) && price > 0) prices[symbol] = price;
      else problems.push(`${symbol}: price is ${typeof price === 'string' ? JSON.stringify(price) + ' (a string)' : String(price)}, expected a finite number > 0`);
    }
    const foreign = Object.keys(answer).filter((k) => !asked.has(k) && !UNIFIED.test(k));
    if (foreign.length > 0) {
      const shown = foreign.slice(0, 5).map((k) => JSON.stringify(k)).join(', ');
      problems.push(`key(s) ${shown}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''} are not unified symbols (BASE/QUOTE): the adapter must map venue ids back`);
    }
  }
  const error = problems.length === 0 ? null : new InvalidExchangeResponseError(`${source} answered with invalid prices: ${problems.join('; ')}`);
  return { prices, problems, error };
}
