/**
 * A PaperExchange served over HTTP on 127.0.0.1 whose orders stay in flight for a seeded latency,
 * for the crash-recovery test: the server lives in the test process and outlives every engine
 * process it serves, and it keeps executing an order whose sender was killed.
 *
 * Same routes and error mapping as `fake-exchange-server.ts` (so `HttpExchange` is its client):
 * `POST /prices {symbols}`, `POST /market {symbol}`, `POST /order <MarketOrderRequest>`,
 * `POST /find <FindOrderQuery>`. What differs is the life of an order:
 *
 *   arrival ──(executeAfterMs)──► execution at the price current then ──(rest of latencyMs)──► answer
 *
 * `latencyMs` is drawn per order from `[min, max]` by a seeded PRNG, and `executeAfterMs` from
 * `[0, latencyMs]`. Before it executes, an order is either visible to `findOrder` as `open` (an
 * order resting at the venue) or not found at all (the request is still on its way to the matching
 * engine) — a seeded coin per order, `openShare` of them visible. Either way it executes: a
 * client that disconnects (was killed, or aborted after its timeout) does not cancel it.
 *
 * The server keeps its own journal (`journal()`), one entry per order received, in arrival order,
 * with the execution sequence number of the ones that executed; `onOrder` tells the test the moment
 * an order arrives.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PaperExchange,
  isOrderOutcomeUnknownError,
  isOrderRejectedError,
  type OrderFill,
  type PaperExchangeOptions,
} from 'cycle-engine';
import { prng } from './prng';

export interface LatencyExchangeServerOptions {
  /** The exchange behind the server (its own `latencyMs` is ignored: the server adds latency). */
  readonly paper: PaperExchangeOptions;
  /** Life of an order, arrival to answer, drawn per order from [min, max] ms. */
  readonly latencyMs: readonly [number, number];
  /** Share of orders visible as `open` to `findOrder` before they execute (default 0.5). */
  readonly openShare?: number;
  readonly seed: number;
}

export interface JournalEntry {
  /** Arrival number, from 1. */
  readonly seq: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly quoteAmount?: string;
  readonly baseAmount?: string;
  readonly receivedAt: number;
  readonly latencyMs: number;
  readonly executeAfterMs: number;
  readonly visibleOpen: boolean;
  /** `pending` until it executes (or is refused by the venue). */
  state: 'pending' | 'filled' | 'rejected';
  /** Execution number across all symbols, from 1 (filled orders only). */
  execSeq?: number;
  fill?: OrderFill;
  rejectReason?: string;
  executedAt?: number;
  /** When the answer was written (whether or not anyone was still listening). */
  answeredAt?: number;
}

export interface LatencyExchangeServer {
  readonly url: string;
  readonly exchange: PaperExchange;
  /** Every order received, in arrival order (live entries). */
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startLatencyExchangeServer(options: LatencyExchangeServerOptions): Promise<LatencyExchangeServer> {
  const exchange = new PaperExchange({ ...options.paper, latencyMs: 0 });
  const rand = prng(options.seed);
  const openShare = options.openShare ?? 0.5;
  const [minLatency, maxLatency] = options.latencyMs;
  const journal: JournalEntry[] = [];
  const listeners = new Set<(entry: JournalEntry) => void>();
  let executions = 0;
  let pendingAnswers = 0;
  const idleWaiters: Array<() => void> = [];
  const checkIdle = () => {
    if (pendingAnswers > 0) return;
    for (const w of idleWaiters.splice(0)) w();
  };

  const placeOrder = async (b: any): Promise<OrderFill> => {
    const latencyMs = rand.int(minLatency, maxLatency);
    const entry: JournalEntry = {
      seq: journal.length + 1,
      clientOrderId: String(b.clientOrderId),
      symbol: String(b.symbol),
      side: b.side,
      ...(b.quoteAmount !== undefined ? { quoteAmount: String(b.quoteAmount) } : {}),
      ...(b.baseAmount !== undefined ? { baseAmount: String(b.baseAmount) } : {}),
      receivedAt: Date.now(),
      latencyMs,
      executeAfterMs: rand.int(0, latencyMs),
      visibleOpen: rand.next() < openShare,
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
      await sleep(entry.executeAfterMs);
      try {
        const { signal: _ignored, ...request } = b;
        const fill = await exchange.placeMarketOrder(request);
        entry.state = 'filled';
        entry.fill = fill;
        entry.execSeq = ++executions;
        entry.executedAt = Date.now();
        return fill;
      } catch (error) {
        entry.state = 'rejected';
        entry.rejectReason = (error as { reason?: string })?.reason ?? (error as Error)?.message ?? String(error);
        entry.executedAt = Date.now();
        throw error;
      } finally {
        await sleep(Math.max(0, entry.latencyMs - entry.executeAfterMs));
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
    'POST /order': placeOrder,
    'POST /find': findOrder,
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
