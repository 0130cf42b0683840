import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collectMetrics } from 'cycle-engine/metrics';
import { setup, step } from '../support/setup';

/** Value of one sample of a metric, by its labels (undefined when absent). */
async function sample(registry: Registry, name: string, labels: Record<string, string> = {}, suffix = ''): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
  const found = values.find((v) => (v.metricName ?? name) === `${name}${suffix}` && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value;
}

describe('collectMetrics', () => {
  it('counts orders, closes, locks and ticks, and shows invested quote and realised PnL', async () => {
    const s = setup({ dca: { takeProfitPct: 1 } });
    const registry = new Registry();
    const metrics = collectMetrics(s.engine, { registry });
    await metrics.ready;
    await step(s);
    expect(await sample(registry, 'cycle_engine_orders_total', { symbol: 'ETH/USDT', purpose: 'start', outcome: 'submitted' })).toBe(1);
    expect(await sample(registry, 'cycle_engine_orders_total', { symbol: 'ETH/USDT', purpose: 'start', outcome: 'filled' })).toBe(1);
    expect(await sample(registry, 'cycle_engine_active_cycles')).toBe(1);
    expect(await sample(registry, 'cycle_engine_invested_quote', { symbol: 'ETH/USDT' })).toBe(10);
    s.exchange.setPrice('ETH/USDT', '110');
    await step(s);
    expect(await sample(registry, 'cycle_engine_orders_total', { symbol: 'ETH/USDT', purpose: 'takeProfit', outcome: 'filled' })).toBe(1);
    expect(await sample(registry, 'cycle_engine_cycles_closed_total', { symbol: 'ETH/USDT', reason: 'takeProfit' })).toBe(1);
    expect(await sample(registry, 'cycle_engine_active_cycles')).toBe(0);
    expect(await sample(registry, 'cycle_engine_invested_quote', { symbol: 'ETH/USDT' })).toBe(0);
    const record = await s.engine.getCycle('ETH/USDT');
    expect(await sample(registry, 'cycle_engine_realized_pnl_quote', { symbol: 'ETH/USDT' })).toBe(Number(record!.realizedPnlQuote));
    expect(await sample(registry, 'cycle_engine_realized_pnl_quote', { symbol: 'ETH/USDT' })).toBeGreaterThan(0);
    expect(await sample(registry, 'cycle_engine_tick_duration_seconds', {}, '_count')).toBe(2);
    expect(await sample(registry, 'cycle_engine_lock_hold_seconds', { purpose: 'intent' }, '_count')).toBe(2);
  });

  it('counts rejections, unknown outcomes, reconciliations and errors by code', async () => {
    const s = setup();
    const registry = new Registry();
    collectMetrics(s.engine, { registry, prefix: 'bot_' });
    s.exchange.injectFault('reject');
    await step(s);
    s.clock.advance(1_000);
    s.exchange.injectFault('unknown-after');
    await step(s);
    await step(s);
    expect(await sample(registry, 'bot_orders_total', { purpose: 'start', outcome: 'rejected' })).toBe(1);
    expect(await sample(registry, 'bot_orders_total', { purpose: 'start', outcome: 'unknown' })).toBe(1);
    expect(await sample(registry, 'bot_reconciliations_total', { symbol: 'ETH/USDT', purpose: 'start', result: 'filled' })).toBe(1);
    s.engine.emit('error', Object.assign(new Error('store down'), { code: 'WRITE_UNKNOWN' }) as never);
    expect(await sample(registry, 'bot_errors_total', { code: 'WRITE_UNKNOWN' })).toBe(1);
  });

  it('seeds the gauges from the store, and stops on detach and unregister', async () => {
    const s = setup();
    await step(s);
    const registry = new Registry();
    const metrics = collectMetrics(s.engine, { registry });
    await metrics.ready;
    expect(await sample(registry, 'cycle_engine_active_cycles')).toBe(1);
    expect(await sample(registry, 'cycle_engine_invested_quote', { symbol: 'ETH/USDT' })).toBe(10);
    metrics.detach();
    s.exchange.setPrice('ETH/USDT', '90');
    await step(s);
    expect(await sample(registry, 'cycle_engine_invested_quote', { symbol: 'ETH/USDT' })).toBe(10);
    expect(await sample(registry, 'cycle_engine_orders_total', { purpose: 'rebuy', outcome: 'filled' })).toBeUndefined();
    metrics.unregister();
    expect(await registry.getMetricsAsJSON()).toEqual([]);
  });

  it('counts order events of the order ledger once the engine emits them', async () => {
    const s = setup();
    const registry = new Registry();
    collectMetrics(s.engine, { registry });
    const emit = s.engine.emit as unknown as (name: string, payload: unknown) => boolean;
    emit.call(s.engine, 'order:placed', { symbol: 'ETH/USDT', purpose: 'takeProfit' });
    emit.call(s.engine, 'order:cancelled', { symbol: 'ETH/USDT', purpose: 'takeProfit' });
    expect(await sample(registry, 'cycle_engine_orders_total', { purpose: 'takeProfit', outcome: 'placed' })).toBe(1);
    expect(await sample(registry, 'cycle_engine_orders_total', { purpose: 'takeProfit', outcome: 'cancelled' })).toBe(1);
  });
});

it('counts errors without listening for them: an error nobody else hears still reaches stderr', async () => {
  const { CycleEngine, MemoryLock, MemoryStateStore, PaperExchange, dca, CorruptStateError } = await import('cycle-engine');
  const engine = new CycleEngine({
    exchange: new PaperExchange({ prices: { 'ETH/USDT': '100' } }),
    store: new MemoryStateStore(),
    lock: new MemoryLock(),
    symbols: ['ETH/USDT'],
    strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
  });
  const registry = new Registry();
  collectMetrics(engine, { registry });
  expect(engine.listenerCount('error')).toBe(0);
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    engine.emit('error', new CorruptStateError('ETH/USDT', 'bad record'));
  } finally {
    process.stderr.write = write;
  }
  expect(written.join('')).toContain('CORRUPT_STATE');
  expect(await sample(registry, 'cycle_engine_errors_total', { code: 'CORRUPT_STATE' })).toBe(1);
});
