/**
 * Prometheus metrics over HTTP: `npx tsx examples/metrics-server.ts`, then scrape
 * http://127.0.0.1:9464/metrics (PORT and HOST override). A paper ETH/USDT engine trades a price
 * that wanders, so the counters and gauges move.
 *
 * Needs `prom-client` (an optional peer dependency of cycle-engine: `npm i prom-client`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { CycleEngine, MemoryLock, MemoryStateStore, PaperExchange, attachLogger, dca } from 'cycle-engine';
import { collectMetrics } from 'cycle-engine/metrics';

/** A running metrics endpoint. */
export interface MetricsServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`; metrics are at `${url}/metrics`. */
  readonly url: string;
  /** Stops accepting connections and closes the server. */
  close(): Promise<void>;
}

/** Serves `registry` at `GET /metrics` (404 elsewhere); port 0 picks a free port. */
export async function serveMetrics(registry: Registry, options: { host?: string; port?: number } = {}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A paper engine trading ETH/USDT with its metrics in `registry`. */
export function paperEngine(registry: Registry, options: { tickIntervalMs?: number } = {}) {
  const exchange = new PaperExchange({ prices: { 'ETH/USDT': 3000 }, balances: { USDT: '10000' } });
  const engine = new CycleEngine({
    exchange,
    store: new MemoryStateStore(),
    lock: new MemoryLock(),
    symbols: ['ETH/USDT'],
    strategy: dca({ startQuote: 50, rebuyDropPct: 1, maxRebuys: 5, takeProfitPct: 1 }),
    tickIntervalMs: options.tickIntervalMs ?? 500,
  });
  const metrics = collectMetrics(engine, { registry });
  return { engine, exchange, metrics };
}

async function main(): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // process metrics next to the engine's
  const { engine, exchange } = paperEngine(registry);
  attachLogger(engine);
  // A price that wanders ±1.5% a second (a fixed pattern: the demo is the same every run).
  const steps = [-1.5, -1.2, 1.4, -0.8, 1.5, 1.3, -1.4, 0.9];
  let price = 3000;
  let i = 0;
  const walk = setInterval(() => {
    price = Math.round(price * (1 + (steps[i++ % steps.length] ?? 0) / 100) * 100) / 100;
    exchange.setPrice('ETH/USDT', price);
  }, 1000);
  await engine.start();
  const server = await serveMetrics(registry, { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 9464) });
  console.log(`metrics at ${server.url}/metrics (Ctrl-C to stop)`);
  process.once('SIGINT', () => {
    clearInterval(walk);
    void Promise.all([engine.stop(), server.close()]);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
