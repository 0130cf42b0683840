/**
 * A PaperExchange served over HTTP on 127.0.0.1 (random port, node:http, no deps), so that several
 * engine processes trade against one exchange that outlives them, and the test counts every order
 * at one place. `HttpExchange` (./http-exchange.ts) is its client.
 *
 * Routes (JSON in, JSON out): `POST /prices {symbols}`, `POST /market {symbol}`, `POST /order
 * <MarketOrderRequest>`, `POST /limit <LimitOrderRequest>` (answers an OrderState), `POST /cancel
 * <CancelOrderQuery>` (`{order: OrderState | null}`), `POST /find <FindOrderQuery>` (`{order}`);
 * admin: `POST /admin/prices {prices}` (resting LIMIT orders the new price crosses fill at their
 * limit, as makers), `GET /admin/orders`. A refused order answers 400 `{code:'ORDER_REJECTED',
 * reason, message}`; one that may have executed 504 `{code:'ORDER_OUTCOME_UNKNOWN', message}`;
 * anything else 500.
 *
 * The life of an order (MARKET or LIMIT) is configurable:
 *
 *   arrival ──(executeAfterMs)──► execution (or landing on the book) ──(rest of latencyMs)──► answer
 *
 * With `orderLatencyMs: [min, max]`, `latencyMs` is drawn per order by a seeded PRNG and
 * `executeAfterMs` from `[0, latencyMs]`; before it executes a MARKET order is either visible to
 * `findOrder` as `open` or not found at all (a seeded coin, `openShare` of them visible); a LIMIT
 * order is not found until it lands. Either way it executes: a client that disconnects (was killed,
 * or aborted after its timeout) does not cancel it. With `responseJitterMs` instead, orders execute
 * on arrival and only their answer is delayed. With neither, the PaperExchange's own `latencyMs`.
 *
 * The server keeps a journal (`journal()`), one entry per order received, in arrival order; every
 * arrival and every execution (or landing, or refusal) also takes the next number of one counter
 * (`arrivalEvent`, `execEvent`), so a test can merge the two into one total order of what the
 * venue saw.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PaperExchange,
  isOrderOutcomeUnknownError,
  isOrderRejectedError,
  type OrderFill,
  type OrderState,
  type PaperExchangeOptions,
  type PaperOrder,
} from 'cycle-engine';
import { prng } from './prng';

export interface FakeExchangeServerOptions extends PaperExchangeOptions {
  /** Life of an order, arrival to answer, drawn per order from [min, max] ms (the paper `latencyMs` is then ignored). */
  readonly orderLatencyMs?: readonly [number, number];
  /** With `orderLatencyMs`: share of MARKET orders visible as `open` to `findOrder` before they execute (default 0.5). */
  readonly openShare?: number;
  /** Without `orderLatencyMs`: extra delay of each order's *answer*, drawn from [min, max] ms (default none). */
  readonly responseJitterMs?: readonly [number, number];
  /** Seed of the draws (default 1). */
  readonly seed?: number;
}

export interface JournalEntry {
  /** Arrival number, from 1. */
  readonly seq: number;
  /** Number of the arrival among every arrival and execution at the server, from 1. */
  readonly arrivalEvent: number;
  readonly type: 'market' | 'limit';
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly quoteAmount?: string;
  readonly baseAmount?: string;
  /** Limit price (LIMIT orders). */
  readonly price?: string;
  readonly receivedAt: number;
  readonly latencyMs: number;
  readonly executeAfterMs: number;
  readonly visibleOpen: boolean;
  /** `pending` until it executes or lands (`filled`; a LIMIT order may rest), or is refused. */
  state: 'pending' | 'filled' | 'rejected';
  /** Execution (or landing) number across all symbols, from 1. */
  execSeq?: number;
  /** A MARKET order's fill. */
  fill?: OrderFill;
  /** A LIMIT order's state when it landed (its current state: `exchange.orders`). */
  placed?: OrderState;
  rejectReason?: string;
  executedAt?: number;
  /** Number of the execution (or landing, or refusal) among every arrival and execution at the server. */
  execEvent?: number;
  /** When the answer was written (whether or not anyone was still listening). */
  answeredAt?: number;
}

export interface FakeExchangeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The exchange behind the server (the test process may read or drive it directly). */
  readonly exchange: PaperExchange;
  /** Every order the exchange received so far, in arrival order (snapshots). */
  orders(): PaperOrder[];
  /** Every order the server received, in arrival order (live entries). */
  journal(): readonly JournalEntry[];
  /** Orders received and not yet answered, optionally only those of some symbols. */
  inFlight(symbols?: ReadonlySet<string>): JournalEntry[];
  /** Calls `listener` at each order's arrival; returns the unsubscribe function. */
  onOrder(listener: (entry: JournalEntry) => void): () => void;
  /** Resolves once no order is in flight (executing or being answered). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface HttpFailure {
  status: number;
  body: Record<string, unknown>;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export async function startFakeExchangeServer(options: FakeExchangeServerOptions = {}): Promise<FakeExchangeServer> {
  const { orderLatencyMs, openShare = 0.5, responseJitterMs, seed, ...paper } = options;
  const exchange = new PaperExchange(orderLatencyMs ? { ...paper, latencyMs: 0 } : paper);
  const rand = prng(seed ?? 1);
  const journal: JournalEntry[] = [];
  const listeners = new Set<(entry: JournalEntry) => void>();
  let executions = 0;
  let events = 0;
  let pendingAnswers = 0;
  const idleWaiters: Array<() => void> = [];
  const checkIdle = () => {
    if (pendingAnswers === 0) for (const w of idleWaiters.splice(0)) w();
  };
  const snapshot = (): PaperOrder[] => exchange.orders.map((o) => ({ ...o }));

  /** The life of one order: see the file's comment. */
  const timed = async <T extends OrderFill | OrderState>(type: 'market' | 'limit', b: any, execute: (request: any) => Promise<T>): Promise<T> => {
    let latencyMs = 0;
    let executeAfterMs = 0;
    let visibleOpen = false;
    if (orderLatencyMs) {
      latencyMs = rand.int(orderLatencyMs[0], orderLatencyMs[1]);
      executeAfterMs = rand.int(0, latencyMs);
      visibleOpen = rand.next() < openShare && type === 'market';
    } else if (responseJitterMs) latencyMs = responseJitterMs[0] + rand.next() * (responseJitterMs[1] - responseJitterMs[0]);
    const entry: JournalEntry = {
      seq: journal.length + 1,
      arrivalEvent: ++events,
      type,
      clientOrderId: String(b.clientOrderId),
      symbol: String(b.symbol),
      side: b.side,
      ...(b.quoteAmount !== undefined ? { quoteAmount: String(b.quoteAmount) } : {}),
      ...(b.baseAmount !== undefined ? { baseAmount: String(b.baseAmount) } : {}),
      ...(b.price !== undefined ? { price: String(b.price) } : {}),
      receivedAt: Date.now(),
      latencyMs,
      executeAfterMs,
      visibleOpen,
      state: 'pending',
    };
    journal.push(entry);
    pendingAnswers++;
    for (const l of [...listeners]) {
      try {
        l(entry);
      } catch {
        // a listener's fault is not the order's
      }
    }
    try {
      await sleep(executeAfterMs);
      try {
        const { signal: _ignored, ...request } = b;
        const result = await execute(request);
        entry.state = 'filled';
        if (type === 'market') entry.fill = result as OrderFill;
        else entry.placed = result as OrderState;
        entry.execSeq = ++executions;
        entry.execEvent = ++events;
        entry.executedAt = Date.now();
        return result;
      } catch (error) {
        entry.state = 'rejected';
        entry.execEvent = ++events;
        entry.rejectReason = (error as { reason?: string })?.reason ?? (error as Error)?.message ?? String(error);
        entry.executedAt = Date.now();
        throw error;
      } finally {
        await sleep(latencyMs - executeAfterMs);
      }
    } finally {
      entry.answeredAt = Date.now();
      pendingAnswers--;
      checkIdle();
    }
  };

  const findOrder = async (b: any) => {
    for (let i = journal.length - 1; i >= 0; i--) {
      const e = journal[i]!;
      if (e.clientOrderId === b.clientOrderId && e.symbol === b.symbol && e.state === 'pending' && e.visibleOpen) {
        return { order: { orderId: `pending-${e.seq}`, clientOrderId: e.clientOrderId, symbol: e.symbol, side: e.side, status: 'open', filledBase: '0' } };
      }
    }
    return { order: await exchange.findOrder(b) };
  };

  const routes: Record<string, (body: any) => Promise<unknown>> = {
    'POST /prices': async (b) => ({ prices: await exchange.fetchPrices(b.symbols) }),
    'POST /market': (b) => exchange.getMarket(b.symbol),
    'POST /order': (b) => timed('market', b, (r) => exchange.placeMarketOrder(r)),
    'POST /limit': (b) => timed('limit', b, (r) => exchange.placeLimitOrder(r)),
    'POST /cancel': async (b) => ({ order: await exchange.cancelOrder({ symbol: b.symbol, clientOrderId: b.clientOrderId }) }),
    'POST /find': findOrder,
    'POST /admin/prices': async (b) => {
      for (const [symbol, price] of Object.entries(b.prices as Record<string, string | number>)) exchange.setPrice(symbol, price);
      return {};
    },
    'GET /admin/orders': async () => ({ orders: snapshot() }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let status = 200;
        let payload: unknown;
        try {
          const route = routes[`${req.method} ${req.url}`];
          if (!route) throw { status: 404, body: { code: 'NOT_FOUND', message: `${req.method} ${req.url}` } } satisfies HttpFailure;
          let body: unknown = {};
          if (chunks.length > 0) {
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              throw { status: 400, body: { code: 'BAD_REQUEST', message: 'body is not JSON' } } satisfies HttpFailure;
            }
          }
          payload = await route(body);
        } catch (error) {
          const failure = toFailure(error);
          status = failure.status;
          payload = failure.body;
        }
        if (res.destroyed || res.writableEnded) return; // the client is gone (killed, or aborted)
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy()); // a killed client's half request
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchange,
    orders: snapshot,
    journal: () => journal,
    inFlight: (symbols) => journal.filter((e) => e.answeredAt === undefined && (symbols === undefined || symbols.has(e.symbol))),
    onOrder(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function toFailure(error: unknown): HttpFailure {
  if (typeof error === 'object' && error !== null && 'status' in error && 'body' in error) return error as HttpFailure;
  const message = error instanceof Error ? error.message : String(error);
  if (isOrderRejectedError(error)) return { status: 400, body: { code: 'ORDER_REJECTED', reason: error.reason, message, clientOrderId: error.clientOrderId } };
  if (isOrderOutcomeUnknownError(error)) return { status: 504, body: { code: 'ORDER_OUTCOME_UNKNOWN', message, clientOrderId: error.clientOrderId } };
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'INTERNAL';
  return { status: 500, body: { code, message } };
}
