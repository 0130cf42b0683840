/**
 * A LIMIT request's amount and price as the venue will take them, checked before anything is sent.
 */
import { Decimal, parseDecimal, str } from '../../decimal';
import { OrderRejectedError } from '../../errors';
import type { LimitOrderRequest } from '../../ports/exchange';
import { errorClassNames } from './classify';
import type { CcxtExchangeLike, CcxtMarketLike } from './types';

/**
 * The amount and price of a LIMIT order through ccxt's `amountToPrecision` / `priceToPrecision`
 * (the engine already rounded them; this catches a request that the venue's precision would
 * change to nothing or below its minimum).
 * @throws `OrderRejectedError` (`INVALID_AMOUNT`, `INVALID_PRICE`, `AMOUNT_BELOW_STEP`,
 * `AMOUNT_BELOW_MINIMUM`) when the order cannot be sent as asked; nothing was sent
 * @internal
 */
export function limitOrderAmounts(ccxt: CcxtExchangeLike, market: CcxtMarketLike, request: LimitOrderRequest): { amount: Decimal; price: Decimal } {
  const { symbol, clientOrderId } = request;
  const reject = (reason: string, why: string) => new OrderRejectedError(`${symbol}: ${why}`, { reason, clientOrderId });
  const base = parseDecimal(request.baseAmount);
  const limit = parseDecimal(request.price);
  if (base === undefined || base.lte(0)) throw reject('INVALID_AMOUNT', `baseAmount ${String(request.baseAmount)} is not a positive decimal`);
  if (limit === undefined || limit.lte(0)) throw reject('INVALID_PRICE', `price ${String(request.price)} is not a positive decimal`);
  let amount: Decimal | undefined;
  let price: Decimal | undefined;
  try {
    amount = parseDecimal(ccxt.amountToPrecision(symbol, str(base)));
    price = ccxt.priceToPrecision ? parseDecimal(ccxt.priceToPrecision(symbol, str(limit))) : limit;
  } catch (error) {
    if (errorClassNames(error).has('InvalidOrder')) throw reject('AMOUNT_BELOW_MINIMUM', `${str(base)} at ${str(limit)} is below the market's minimum`);
    throw error;
  }
  if (amount === undefined || amount.lte(0)) throw reject('AMOUNT_BELOW_STEP', `${str(base)} rounds down to nothing`);
  if (price === undefined || price.lte(0)) throw reject('INVALID_PRICE', `price ${str(limit)} rounds to nothing`);
  const min = market.limits.amount?.min;
  if (typeof min === 'number' && amount.lt(String(min))) throw reject('AMOUNT_BELOW_MINIMUM', `${str(amount)} is below the minimum amount ${min}`);
  return { amount, price };
}
