/**
 * A PaperExchange served over HTTP on 127.0.0.1 (random port, node:http, no deps), so that several
 * engine processes trade against one exchange and the test counts every order at one place.
 *
 * Routes (JSON in, JSON out): `POST /prices {symbols}`, `POST /market {symbol}`, `POST /order
 * <MarketOrderRequest>`, `POST /find <FindOrderQuery>`; admin: `POST /admin/prices {prices}`,
 * `GET /admin/orders`. A rejected order answers 400 `{code:'ORDER_REJECTED', reason, message}`; an
 * order that may have executed 504 `{code:'ORDER_OUTCOME_UNKNOWN', message}`; anything else 500.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PaperExchange,
  isOrderOutcomeUnknownError,
  isOrderRejectedError,
  type PaperExchangeOptions,
  type PaperOrder,
} from 'cycle-engine';
import { prng } from './prng';

export interface FakeExchangeServerOptions extends PaperExchangeOptions {
  /** Extra delay of each order's *response*, drawn from [min, max] ms by a seeded PRNG (default none). */
  readonly responseJitterMs?: readonly [number, number];
  /** Seed of the jitter (default 1). */
  readonly seed?: number;
}

export interface FakeExchangeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The exchange behind the server (the test process may read or drive it directly). */
  readonly exchange: PaperExchange;
  /** Every order received so far, in arrival order (snapshots). */
  orders(): PaperOrder[];
  close(): Promise<void>;
}

interface HttpFailure {
  status: number;
  body: Record<string, unknown>;
}

export async function startFakeExchangeServer(options: FakeExchangeServerOptions = {}): Promise<FakeExchangeServer> {
  const { responseJitterMs, seed, ...paper } = options;
  const exchange = new PaperExchange(paper);
  const rand = prng(seed ?? 1);
  const jitter = (): number => (responseJitterMs ? responseJitterMs[0] + rand.next() * (responseJitterMs[1] - responseJitterMs[0]) : 0);
  const snapshot = (): PaperOrder[] => exchange.orders.map((o) => ({ ...o }));

  const routes: Record<string, (body: any) => Promise<unknown>> = {
    'POST /prices': async (b) => ({ prices: await exchange.fetchPrices(b.symbols) }),
    'POST /market': (b) => exchange.getMarket(b.symbol),
    'POST /order': async (b) => {
      const delay = jitter();
      try {
        return await exchange.placeMarketOrder(b);
      } finally {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      }
    },
    'POST /find': async (b) => ({ order: await exchange.findOrder(b) }),
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
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchange,
    orders: snapshot,
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
