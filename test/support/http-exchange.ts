/**
 * The client of the fake exchange server: an {@link Exchange} over global fetch, MARKET and LIMIT
 * orders and cancels by client order id. Error bodies are mapped back: `ORDER_REJECTED` →
 * OrderRejectedError; for an order or a cancel, anything else (5xx, a network error, an aborted
 * request, an unreadable answer) → OrderOutcomeUnknownError, since it may have landed.
 */
import {
  CycleEngineError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
  type Exchange,
  type CancelOrderQuery,
  type FindOrderQuery,
  type LimitOrderRequest,
  type MarketOrderRequest,
  type MarketRules,
  type OpenOrder,
  type OrderFill,
  type OrderState,
} from 'cycle-engine';

export class HttpExchange implements Exchange {
  constructor(
    readonly baseUrl: string,
    readonly id = 'http-paper',
  ) {}

  async fetchPrices(symbols: readonly string[]): Promise<Record<string, number>> {
    return ((await this.#call('/prices', { symbols })) as { prices: Record<string, number> }).prices;
  }

  async getMarket(symbol: string): Promise<MarketRules> {
    return (await this.#call('/market', { symbol })) as MarketRules;
  }

  async placeMarketOrder(request: MarketOrderRequest): Promise<OrderFill> {
    const { signal, ...body } = request;
    return (await this.#send('/order', body, request.clientOrderId, signal)) as OrderFill;
  }

  async placeLimitOrder(request: LimitOrderRequest): Promise<OrderState> {
    const { signal, ...body } = request;
    return (await this.#send('/limit', body, request.clientOrderId, signal)) as OrderState;
  }

  async cancelOrder(query: CancelOrderQuery): Promise<OrderState | null> {
    const { signal, ...body } = query;
    return ((await this.#send('/cancel', body, query.clientOrderId, signal)) as { order: OrderState | null }).order;
  }

  async findOrder(query: FindOrderQuery): Promise<OrderState | OrderFill | OpenOrder | null> {
    return ((await this.#call('/find', query)) as { order: OrderState | OrderFill | OpenOrder | null }).order;
  }

  /** A call that may have landed whatever went wrong, unless the venue refused it. */
  async #send(path: string, body: unknown, clientOrderId: string, signal?: AbortSignal): Promise<unknown> {
    try {
      return await this.#call(path, body, signal);
    } catch (error) {
      if (error instanceof OrderRejectedError || error instanceof OrderOutcomeUnknownError) throw error;
      throw new OrderOutcomeUnknownError(`${this.id}: ${(error as Error)?.message ?? String(error)}`, { clientOrderId, cause: error });
    }
  }

  async #call(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
      text = await res.text();
    } catch (cause) {
      throw new OrderOutcomeUnknownError(`${this.id} ${path}: network error (${(cause as Error)?.message ?? String(cause)})`, { cause });
    }
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new CycleEngineError(`${this.id} ${path}: HTTP ${res.status}, answer is not JSON`, { cause });
    }
    if (res.ok) return parsed;
    const message = `${this.id} ${path}: HTTP ${res.status}: ${String(parsed?.message ?? '')}`;
    if (parsed?.code === 'ORDER_REJECTED') throw new OrderRejectedError(message, { reason: parsed.reason, clientOrderId: parsed.clientOrderId });
    if (parsed?.code === 'ORDER_OUTCOME_UNKNOWN') throw new OrderOutcomeUnknownError(message, { clientOrderId: parsed.clientOrderId });
    throw new CycleEngineError(message);
  }
}
