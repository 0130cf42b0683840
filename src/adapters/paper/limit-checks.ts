/**
 * The checks the paper exchange makes on a LIMIT order when it arrives, as Binance's filters do:
 * a pure function from the request and the market's rules to the parsed order or a refusal.
 */
import { parseDecimal, str, type Decimal } from '../../decimal';
import type { LimitOrderRequest } from '../../ports/exchange';
import { CLIENT_ORDER_ID_RE, type ParsedRules } from './paper-options';

/**
 * The verdict on a LIMIT request: its amount and price as decimals, or why it is refused
 * (`reason` is the `OrderRejectedError` reason).
 * @internal
 */
export type LimitCheck =
  | { readonly ok: true; readonly amount: Decimal; readonly price: Decimal }
  | { readonly ok: false; readonly reason: string; readonly message: string };

const refuse = (reason: string, message: string): LimitCheck => ({ ok: false, reason, message });

/**
 * Checks a LIMIT request against the market's rules (`undefined`: the symbol is not a market with a
 * price). Funds are not checked here: they are reserved when the order lands.
 * @internal
 */
export function checkLimitRequest(request: LimitOrderRequest, rules: ParsedRules | undefined): LimitCheck {
  const id: unknown = request.clientOrderId;
  if (typeof id !== 'string' || !CLIENT_ORDER_ID_RE.test(id)) {
    return refuse('INVALID_CLIENT_ORDER_ID', 'client order id must be 1-36 chars of [.A-Z:/a-z0-9_-]');
  }
  if (request.side !== 'buy' && request.side !== 'sell') {
    return refuse('INVALID_SIDE', `side must be 'buy' or 'sell', got ${String(request.side)}`);
  }
  if (rules === undefined) return refuse('UNKNOWN_SYMBOL', `no price for ${JSON.stringify(request.symbol)}`);
  const amount = parseDecimal(request.baseAmount);
  if (amount === undefined || !amount.gt(0)) {
    return refuse('INVALID_AMOUNT', `baseAmount must be a decimal > 0, got ${String(request.baseAmount)}`);
  }
  const price = parseDecimal(request.price);
  if (price === undefined || !price.gt(0)) {
    return refuse('INVALID_PRICE', `price must be a decimal > 0, got ${String(request.price)}`);
  }
  if (!amount.mod(rules.amountStep).isZero()) {
    return refuse('LOT_SIZE', `amount ${str(amount)} is not a multiple of the step ${str(rules.amountStep)}`);
  }
  if (!price.mod(rules.priceTick).isZero()) {
    return refuse('PRICE_FILTER', `price ${str(price)} is not a multiple of the tick ${str(rules.priceTick)}`);
  }
  const notional = amount.mul(price);
  if (notional.lt(rules.minNotional)) {
    return refuse('MIN_NOTIONAL', `order value ${str(notional)} is below the minimum ${str(rules.minNotional)}`);
  }
  return { ok: true, amount, price };
}
