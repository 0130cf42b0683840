import { Registry } from 'prom-client';
import { afterEach, expect, it } from 'vitest';
import { paperEngine, serveMetrics, type MetricsServer } from '../../examples/metrics-server';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The value of the sample line `name{labels} value` in a Prometheus text exposition. */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

it('serves the engine metrics on /metrics, and they move with the ticks', async () => {
  const registry = new Registry();
  const { engine, exchange, metrics } = paperEngine(registry);
  engine.on('error', () => {});
  await metrics.ready;
  server = await serveMetrics(registry, { host: '127.0.0.1', port: 0 });
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  for (const price of [3000, 2950, 2900]) {
    exchange.setPrice('ETH/USDT', price);
    await engine.tick();
    await engine.idle();
  }
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  expect(text).toContain('# TYPE cycle_engine_orders_total counter');
  expect(text).toContain('# TYPE cycle_engine_lock_hold_seconds histogram');
  expect(value(text, 'cycle_engine_orders_total{symbol="ETH/USDT",purpose="start",outcome="filled"}')).toBe(1);
  // 3000 → 2950 (-1.7%) → 2900 (-1.7%): two rebuys at 1% drops.
  expect(value(text, 'cycle_engine_orders_total{symbol="ETH/USDT",purpose="rebuy",outcome="filled"}')).toBe(2);
  expect(value(text, 'cycle_engine_tick_duration_seconds_count')).toBe(3);
  expect(value(text, 'cycle_engine_active_cycles')).toBe(1);
  const invested = value(text, 'cycle_engine_invested_quote{symbol="ETH/USDT"}');
  expect(invested).toBeGreaterThan(140);
  expect(invested).toBeLessThanOrEqual(150);
  expect(value(text, 'cycle_engine_realized_pnl_quote{symbol="ETH/USDT"}')).toBe(0);

  expect((await fetch(`${server.url}/other`)).status).toBe(404);
  await engine.stop();
});
