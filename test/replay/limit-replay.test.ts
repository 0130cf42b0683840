/**
 * The replay in limit modes (issue 10): a resting take-profit fills at its limit — avg × 1.015
 * rounded up to the tick, with the maker fee, no slippage — never at the candle's high; resting
 * safety buys fill at their levels; and the same candles in market mode give comparable figures.
 */
import Decimal from 'decimal.js';
import { expect, it } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange, type CycleClosedEvent, type CycleReboughtEvent } from 'cycle-engine';
import { DEMO_DATA, DEMO_FEE_RATE, demoStrategy } from '../../examples/support/demo-setup';
import { loadCandles, replay, type Candle } from 'cycle-engine/backtest';

const CANDLES = 400;
const TICK = new Decimal('0.01');

async function run(mode: 'market' | 'limit') {
  const candles: Record<string, Candle[]> = {};
  for (const [symbol, file] of Object.entries(DEMO_DATA)) candles[symbol] = (await loadCandles(file)).slice(0, CANDLES);
  const clock = new ManualClock(candles['ETH/USDT']![0]!.time);
  const exchange = new PaperExchange({ balances: { USDT: '10000' }, feeRate: DEMO_FEE_RATE, clock });
  const strategy = demoStrategy(mode);
  const engine = new CycleEngine({ exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: Object.keys(candles), strategy, clock });
  const closes: CycleClosedEvent[] = [];
  const rebuys: CycleReboughtEvent[] = [];
  const errors: unknown[] = [];
  engine.on('cycle:closed', (e) => closes.push(e));
  engine.on('cycle:rebought', (e) => rebuys.push(e));
  engine.on('error', (e) => errors.push(e));
  await replay({ engine, strategy, exchange, clock, candles });
  await engine.stop();
  return { closes, rebuys, errors, exchange, strategy };
}

it('limit mode: every take-profit fills at its limit, every safety buy at its level', async () => {
  const { closes, rebuys, errors, exchange } = await run('limit');
  expect(errors).toEqual([]);
  expect(closes.length).toBeGreaterThanOrEqual(5);
  for (const e of closes) {
    // The take-profit rests at avg × 1.015 rounded up to the tick; avg = invested / sold (the whole position).
    const sold = exchange.orders.find((o) => o.clientOrderId === e.fill?.clientOrderId) ?? null;
    const limit = sold?.price ?? e.price;
    expect(e.price, `${e.symbol} closed at its limit`).toBe(limit);
    const gain = new Decimal(e.pnlQuote).div(e.investedQuote);
    // Above the target less the maker fee and the tick rounding, never above the target plus one tick's worth.
    expect(gain.gt(new Decimal('0.0135')), `${e.symbol} gain ${gain.toFixed(5)}`).toBe(true);
    expect(gain.lte(new Decimal('0.015').plus(TICK.div(e.price))), `${e.symbol} gain ${gain.toFixed(5)}`).toBe(true);
  }
  for (const r of rebuys) {
    const order = exchange.orders.find((o) => o.clientOrderId === r.fill.clientOrderId)!;
    expect(order.type).toBe('limit');
    expect(r.price).toBe(order.price); // at its level, not at the candle's low
  }
});

it('market and limit modes over the same candles: the limit take-profit books at least the market one per close', async () => {
  const market = await run('market');
  const limit = await run('limit');
  const avg = (c: CycleClosedEvent[]) => c.reduce((s, e) => s.plus(new Decimal(e.pnlQuote).div(e.investedQuote)), new Decimal(0)).div(c.length);
  expect(avg(limit.closes).gte(avg(market.closes))).toBe(true); // maker fee, no slippage
  expect(Math.abs(limit.closes.length - market.closes.length)).toBeLessThanOrEqual(Math.max(5, market.closes.length / 4));
});
