/**
 * `backtest()` on real series (issue 12, proof): its metrics checked against an independent
 * computation from the paper exchange's own account — a second run of the same engine on its own
 * PaperExchange, whose order list is replayed here with average-cost bookkeeping (realised PnL,
 * fees, capital) and whose balances at each close, with what resting orders reserve, give the
 * equity and its drawdown. Nothing is read back from the backtest's recorder.
 */
import Decimal from 'decimal.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange, dca, type DcaOptions, type PaperOrder } from 'cycle-engine';
import { backtest, loadCandles, replay, type BacktestOptions, type Candle } from 'cycle-engine/backtest';

const N = 1_500; // candles per series (2022-01-01 → 2022-03-04: a falling market, every rebuy used)
const data = (name: string) => fileURLToPath(new URL(`../../data/${name}-usdt-1h.json`, import.meta.url));
const eth = (await loadCandles(data('eth'))).slice(0, N);
const btc = (await loadCandles(data('btc'))).slice(0, N);

const dcaOptions = (mode: 'market' | 'limit'): DcaOptions => ({
  startQuote: 10, rebuyDropPct: 2, rebuyVolumeScale: 1.5, maxRebuys: 5, takeProfitPct: 1.5,
  ...(mode === 'limit' ? { takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 } : {}),
});

interface Independent {
  realized: Decimal;
  fees: Record<string, string>;
  equity: Decimal[];
  sells: number;
  executed: PaperOrder[];
  maxCost: Decimal;
  baseValue: Decimal;
  balances: Record<string, string>;
}

/** The same backtest run by hand, measured from the exchange's account only. */
async function independent(markets: Record<string, Candle[]>, mode: 'market' | 'limit', start: string): Promise<Independent> {
  const symbols = Object.keys(markets);
  const clock = new ManualClock(markets[symbols[0]!]![0]!.time);
  const exchange = new PaperExchange({ balances: { USDT: start }, feeRate: '0.001', makerFeeRate: '0.001', clock });
  const strategy = dca(dcaOptions(mode));
  const engine = new CycleEngine({ exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols, strategy, clock });
  const equity: Decimal[] = [];
  let baseValue = new Decimal(0);
  await replay({
    engine, strategy, exchange, clock, candles: markets,
    onCandle: (i) => {
      let quote = new Decimal(exchange.balance('USDT'));
      let value = new Decimal(0);
      for (const o of exchange.orders) {
        if (o.type !== 'limit' || o.status !== 'open' || o.state === undefined) continue;
        const left = new Decimal(o.state.amountBase!).minus(o.state.filledBase);
        if (o.side === 'buy') quote = quote.plus(left.mul(o.price!));
        else value = value.plus(left.mul(markets[o.symbol]![i]!.close));
      }
      for (const s of symbols) value = value.plus(new Decimal(exchange.balance(s.split('/')[0]!)).mul(markets[s]![i]!.close));
      equity.push(quote.plus(value));
      baseValue = value;
    },
  });
  await engine.stop();
  // Average-cost bookkeeping per symbol over the executed orders, in the order they executed.
  const executed = exchange.executedOrders().map((o) => ({ o, f: o.fill ? { ...o.fill, fees: o.fill.fees ?? (o.fill.fee ? [o.fill.fee] : []) } : stateFill(o) })).sort((a, b) => a.f.timestamp - b.f.timestamp || a.o.seq - b.o.seq);
  const held = new Map<string, { base: Decimal; cost: Decimal }>();
  let realized = new Decimal(0);
  let cost = new Decimal(0);
  let maxCost = new Decimal(0);
  const fees: Record<string, Decimal> = {};
  let sells = 0;
  for (const { o, f } of executed) {
    const h = held.get(o.symbol) ?? { base: new Decimal(0), cost: new Decimal(0) };
    const feeOf = (c: string) => f.fees.filter((x) => x.currency === c).reduce((s, x) => s.plus(x.amount), new Decimal(0));
    for (const x of f.fees) fees[x.currency] = (fees[x.currency] ?? new Decimal(0)).plus(x.amount);
    const [baseAsset, quoteAsset] = o.symbol.split('/') as [string, string];
    if (o.side === 'buy') {
      const spent = new Decimal(f.costQuote).plus(feeOf(quoteAsset));
      h.base = h.base.plus(f.filledBase).minus(feeOf(baseAsset));
      h.cost = h.cost.plus(spent);
      cost = cost.plus(spent);
    } else {
      sells++;
      const sold = new Decimal(f.filledBase).plus(feeOf(baseAsset));
      const soldCost = h.cost.mul(sold).div(h.base);
      realized = realized.plus(new Decimal(f.costQuote).minus(feeOf(quoteAsset)).minus(soldCost));
      h.base = h.base.minus(sold);
      h.cost = h.cost.minus(soldCost);
      cost = cost.minus(soldCost);
    }
    held.set(o.symbol, h);
    if (cost.gt(maxCost)) maxCost = cost;
  }
  const balances = Object.fromEntries(['USDT', ...symbols.map((s) => s.split('/')[0]!)].map((a) => [a, exchange.balance(a)]));
  return { realized, fees: Object.fromEntries(Object.entries(fees).map(([k, v]) => [k, v.toFixed()])), equity, sells, executed: executed.map((x) => x.o), maxCost, baseValue, balances };
}

function stateFill(o: PaperOrder) {
  const s = o.state!;
  return { timestamp: s.timestamp ?? o.receivedAt, costQuote: s.costQuote, filledBase: s.filledBase, fees: s.fees };
}

function maxDrawdown(equity: readonly Decimal[]): { quote: Decimal; pct: Decimal } {
  let peak = equity[0]!;
  let quote = new Decimal(0);
  let pct = new Decimal(0);
  for (const e of equity) {
    peak = Decimal.max(peak, e);
    quote = Decimal.max(quote, peak.minus(e));
    pct = Decimal.max(pct, peak.minus(e).div(peak).mul(100));
  }
  return { quote, pct };
}

const near = (a: string | Decimal, b: string | Decimal, tolerance = '1e-12') => new Decimal(a).minus(b).abs().lte(tolerance);

describe.each(['market', 'limit'] as const)('backtest() %s mode on real series, checked independently', (mode) => {
  it.each<{ name: string; markets: Record<string, Candle[]>; start: string }>([
    { name: 'ETH/USDT alone', markets: { 'ETH/USDT': eth }, start: '1000' },
    { name: 'ETH/USDT and BTC/USDT sharing 1,000 USDT', markets: { 'ETH/USDT': eth, 'BTC/USDT': btc }, start: '1000' },
  ])('$name', async ({ markets, start }) => {
    const symbols = Object.keys(markets);
    const options: BacktestOptions = {
      ...(symbols.length === 1 ? { symbol: symbols[0]!, candles: markets[symbols[0]!]! } : { markets: symbols.map((s) => ({ symbol: s, candles: markets[s]! })) }),
      strategy: dca(dcaOptions(mode)), startBalance: { USDT: start }, feeRate: '0.001',
    };
    const result = await backtest(options);
    const ref = await independent(markets, mode, start);
    const m = result.metrics;

    expect(result.errors).toEqual([]);
    expect(result.balances).toEqual(ref.balances); // the same account at the end
    expect(result.trades.length).toBe(ref.executed.length);
    expect(result.trades.map((t) => [t.symbol, t.side, t.price])).toEqual(ref.executed.map((o) => [o.symbol, o.side, (o.fill?.avgPrice ?? o.state!.avgPrice)!]));
    if (mode === 'limit') expect(result.trades.some((t) => t.type === 'limit' && t.purpose === 'takeProfit')).toBe(true);
    if (mode === 'limit') expect(result.resting.length).toBeGreaterThan(0);
    // Realised PnL: average cost over the account's fills (the engine's 18-place rounding of a partial's cost aside).
    expect(near(m.realizedPnlQuote, ref.realized), `${m.realizedPnlQuote} vs ${ref.realized.toFixed()}`).toBe(true);
    expect(new Decimal(m.realizedPnlQuote).gt(0)).toBe(true);
    // Fees paid, by currency, to the last digit.
    expect(m.feesByCurrency).toEqual(ref.fees);
    // Equity and its drawdown from the account × closes.
    expect(result.equity.map((p) => p.equity)).toEqual(ref.equity.map((e) => e.toFixed()));
    const dd = maxDrawdown(ref.equity);
    expect(m.maxDrawdownQuote).toBe(dd.quote.toFixed());
    expect(near(m.maxDrawdownPct, dd.pct, '1e-8')).toBe(true);
    expect(new Decimal(m.maxDrawdownPct).gt(1)).toBe(true); // the series fell
    // Every sell closed a cycle (the take-profit sells the whole position).
    expect(m.cyclesClosed).toBe(ref.sells);
    expect(m.exitsByReason).toEqual({ takeProfit: ref.sells });
    expect(m.maxRebuysUsed).toBe(5);
    expect(m.bagTimeMs).toBeGreaterThan(0);
    // Capital: at least the largest cost held at once (the limit mode's resting buys come on top).
    expect(new Decimal(m.peakCapitalQuote).gte(ref.maxCost.minus('0.01'))).toBe(true);
    if (mode === 'market') expect(near(m.peakCapitalQuote, ref.maxCost, '0.01')).toBe(true);
    expect(m.roiOnPeakCapitalPct).toBe(new Decimal(m.realizedPnlQuote).div(m.peakCapitalQuote).mul(100).toDecimalPlaces(8).toFixed());
    // Unrealised: the end equity less the start, less the realised.
    const last = result.equity[result.equity.length - 1]!;
    const fee = ref.baseValue.mul('0.001');
    // equity_end − start = realised + unrealised (before the sell fee) ± reserved dust; the backtest nets the sell fee
    const implied = new Decimal(last.equity).minus(start).minus(m.realizedPnlQuote);
    expect(near(new Decimal(m.unrealizedPnlQuote).plus(fee), implied, '0.05'), `${m.unrealizedPnlQuote} + ${fee} vs ${implied}`).toBe(true);
  });
});

describe('the equity points', () => {
  it('are printed when first read, and a spread, JSON and a structured clone carry them', async () => {
    const r = await backtest({ symbol: 'ETH/USDT', candles: eth.slice(0, 200), strategy: dca(dcaOptions('limit')), startBalance: { USDT: '1000' }, feeRate: '0.001' });
    expect(r.equity).toHaveLength(200);
    expect(r.equity).toBe(r.equity); // printed once
    expect(r.equity[0]).toEqual({ time: eth[0]!.time, equity: expect.stringMatching(/^\d+(\.\d+)?$/), drawdownPct: '0' });
    expect({ ...r }.equity).toEqual(r.equity);
    expect(JSON.parse(JSON.stringify(r)).equity).toEqual(r.equity);
    expect(structuredClone({ equity: r.equity, metrics: r.metrics }).equity).toEqual(r.equity);
  });
});
