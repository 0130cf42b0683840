/**
 * ccxt markets → the port's {@link MarketRules}, as exact decimal strings.
 */
import { Decimal, parseDecimal, str } from '../../decimal';
import { InvalidExchangeResponseError } from '../../errors';
import type { MarketRules } from '../../ports/exchange';
import type { CcxtMarketLike } from './types';

/** ccxt's precision modes. */
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;

/** A Binance `exchangeInfo` filter field, exact (`LOT_SIZE.stepSize`, `PRICE_FILTER.tickSize`, …). */
function binanceFilter(info: unknown, type: string, field: string): Decimal | undefined {
  const filters = (info as { filters?: unknown } | null)?.filters;
  if (!Array.isArray(filters)) return undefined;
  const filter = (filters as Array<Record<string, unknown>>).find((f) => f.filterType === type);
  const d = parseDecimal(filter?.[field]);
  return d !== undefined && d.gt(0) ? d : undefined;
}

/** A precision value as a step: tick-size mode is the step itself, decimal-places mode is 10^-n. */
function stepOf(precision: number | undefined, mode: number | undefined): Decimal | undefined {
  if (typeof precision !== 'number' || !Number.isFinite(precision)) return undefined;
  if (mode === DECIMAL_PLACES) return new Decimal(10).pow(-precision);
  if (mode === TICK_SIZE || mode === undefined) return precision > 0 ? new Decimal(String(precision)) : undefined;
  return undefined; // significant digits: no fixed step
}

/**
 * The rules of a ccxt market. Binance's raw filters are preferred (exact strings); otherwise
 * ccxt's `precision` (by `precisionMode`) and `limits`. `takerFeeRate` / `makerFeeRate` are
 * ccxt's `market.taker` / `market.maker` (the account's real rates may be lower: VIP tiers, BNB
 * discounts), used only to estimate a fee the venue never reported.
 * @throws {@link InvalidExchangeResponseError} when the market has no amount step or price tick
 * @internal
 */
export function marketRules(market: CcxtMarketLike, precisionMode: number | undefined): MarketRules {
  const amountStep =
    binanceFilter(market.info, 'LOT_SIZE', 'stepSize') ??
    stepOf(market.precision.amount, precisionMode) ??
    (typeof market.limits.amount?.min === 'number' && market.limits.amount.min > 0 ? new Decimal(String(market.limits.amount.min)) : undefined);
  const priceTick = binanceFilter(market.info, 'PRICE_FILTER', 'tickSize') ?? stepOf(market.precision.price, precisionMode);
  if (amountStep === undefined || priceTick === undefined) {
    throw new InvalidExchangeResponseError(`Market ${market.symbol} has no amount step or price tick in its ccxt description`);
  }
  const minCost = market.limits.cost?.min;
  const minNotional =
    binanceFilter(market.info, 'NOTIONAL', 'minNotional') ??
    binanceFilter(market.info, 'MIN_NOTIONAL', 'minNotional') ??
    (typeof minCost === 'number' && minCost > 0 ? new Decimal(String(minCost)) : new Decimal(0));
  const rules = { symbol: market.symbol, base: market.base, quote: market.quote, amountStep: str(amountStep), priceTick: str(priceTick), minNotional: str(minNotional) };
  // ccxt's taker and maker rates (floats such as 0.001), through their shortest decimal form.
  const rate = (r: number | undefined) => (typeof r === 'number' && Number.isFinite(r) && r >= 0 && r < 1 ? str(new Decimal(String(r))) : undefined);
  const [taker, maker] = [rate(market.taker), rate(market.maker)];
  return { ...rules, ...(taker !== undefined ? { takerFeeRate: taker } : {}), ...(maker !== undefined ? { makerFeeRate: maker } : {}) };
}
