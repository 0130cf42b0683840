/**
 * Checking the market rules an exchange adapter returned, when they are loaded: a bad step or tick
 * found here names its symbol, instead of surfacing as a raw decimal error at the first sell.
 */
import { parseDecimal, str } from '../decimal';
import { InvalidExchangeResponseError } from '../errors';
import type { MarketRules } from '../ports/exchange';

/**
 * Validates the market rules returned for `symbol` and returns a clean copy (decimal strings in
 * canonical form, only the port's fields): `symbol` must be the one asked for, `base` and `quote`
 * non-empty strings, `amountStep` and `priceTick` decimals \> 0, `minNotional` a decimal ≥ 0, and
 * the optional `takerFeeRate` and `makerFeeRate` decimals ≥ 0 and \< 1. Numbers are accepted where decimal strings
 * are expected (read through their shortest decimal form).
 * @param symbol - the unified symbol that was asked for
 * @param raw - what `Exchange.getMarket(symbol)` resolved with
 * @throws {@link InvalidExchangeResponseError} naming the symbol and the field
 * @internal
 */
export function checkMarketRules(symbol: string, raw: unknown): MarketRules {
  const bad = (why: string): never => {
    throw new InvalidExchangeResponseError(`Market rules of ${symbol} are invalid: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(`expected an object, got ${describe(raw)}`);
  const r = raw as Record<string, unknown>;
  if (r.symbol !== symbol) bad(`symbol is ${describe(r.symbol)}, expected ${JSON.stringify(symbol)}`);
  for (const k of ['base', 'quote'] as const) {
    if (typeof r[k] !== 'string' || (r[k] as string).trim() === '') bad(`${k} is ${describe(r[k])}, expected a non-empty string`);
  }
  const decimal = (k: 'amountStep' | 'priceTick' | 'minNotional' | 'takerFeeRate' | 'makerFeeRate', range: 'positive' | 'non-negative' | 'fraction') => {
    const d = parseDecimal(r[k]);
    const expected = range === 'positive' ? 'a decimal > 0' : range === 'fraction' ? 'a decimal ≥ 0 and < 1' : 'a decimal ≥ 0';
    if (d === undefined || !d.isFinite() || (range === 'positive' ? d.lte(0) : d.lt(0)) || (range === 'fraction' && d.gte(1))) {
      return bad(`${k} is ${describe(r[k])}, expected ${expected}`);
    }
    return str(d);
  };
  const rules: MarketRules = {
    symbol,
    base: r.base as string,
    quote: r.quote as string,
    amountStep: decimal('amountStep', 'positive'),
    priceTick: decimal('priceTick', 'positive'),
    minNotional: decimal('minNotional', 'non-negative'),
  };
  return {
    ...rules,
    ...(r.takerFeeRate === undefined ? {} : { takerFeeRate: decimal('takerFeeRate', 'fraction') }),
    ...(r.makerFeeRate === undefined ? {} : { makerFeeRate: decimal('makerFeeRate', 'fraction') }),
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
