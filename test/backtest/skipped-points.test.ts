/**
 * Points passed without a tick (issue 12, speed): a backtest that ticks the engine only where it
 * has something to do must trade exactly as one that ticks it at every point of every candle —
 * the same orders at the same clock, prices and amounts, the same cycles, metrics and account.
 * Each case is run both ways on real series (`data/`), in the modes where a skipped tick could
 * matter: MARKET and LIMIT orders, exits on the clock (stop-loss timeout, time limit), a trailing
 * take-profit's memory, a backoff after refused buys, the engine's cooldown, two markets on one
 * balance, fine decimals on a 1-minute series, and a custom strategy whose resting orders follow
 * the price.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dca, type DcaOptions, type DesiredOrder, type Strategy } from 'cycle-engine';
import { backtest, loadCandles, type BacktestOptions } from 'cycle-engine/backtest';
import { exchangeLog, same } from '../support/skip-compare';

const data = (name: string) => fileURLToPath(new URL(`../../data/${name}.json`, import.meta.url));
const eth = await loadCandles(data('eth-usdt-1h'));
const btc = await loadCandles(data('btc-usdt-1h'));
const xrp = await loadCandles(data('xrp-usdt-1h'));
const ethBtc = await loadCandles(data('eth-btc-1m'));

const LIMIT: DcaOptions = { startQuote: 10, rebuyDropPct: 2, rebuyVolumeScale: 1.5, maxRebuys: 5, takeProfitPct: 1.5, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 };
const MARKET: DcaOptions = { startQuote: 10, rebuyDropPct: 2, rebuyVolumeScale: 1.5, maxRebuys: 5, takeProfitPct: 1.5 };
const HOUR = 3_600_000;

/**
 * A custom strategy whose resting safety buy follows the price: 2 % under it, on a grid of 0.5 %
 * of the average, so it moves whenever the price moves a grid step — a point skipped where the
 * answer changed would leave it stale.
 */
function followingBuy(): Strategy {
  const cache = new Map<string, DesiredOrder[]>();
  return {
    name: 'following-buy',
    usesLimitOrders: true,
    decide: (ctx) => (ctx.position === null ? { action: 'start', quoteAmount: '20' } : Number(ctx.price) >= Number(ctx.position.avgPrice) * 1.02 ? { action: 'sell' } : null),
    restingOrders: (ctx) => {
      if (ctx.position === null || ctx.position.buys >= 4) return [];
      const avg = Number(ctx.position.avgPrice);
      const step = avg * 0.005;
      const price = (Math.floor((ctx.price * 0.98) / step) * step).toFixed(2);
      if (Number(price) <= 0) return [];
      const key = `${ctx.position.buys}:${price}`;
      let out = cache.get(key);
      if (out === undefined) cache.set(key, (out = [{ purpose: 'rebuy', price, baseAmount: (20 / Number(price)).toFixed(4), level: ctx.position.buys }]));
      return out;
    },
  };
}

interface Case {
  readonly name: string;
  readonly options: () => BacktestOptions;
}

const cases: Case[] = [
  { name: 'MARKET orders, ETH/USDT 1h', options: () => ({ symbol: 'ETH/USDT', candles: eth.slice(0, 1_500), strategy: dca(MARKET), startBalance: { USDT: '1000' }, feeRate: '0.001' }) },
  { name: 'LIMIT take-profit and safety buys, ETH/USDT 1h', options: () => ({ symbol: 'ETH/USDT', candles: eth.slice(3_000, 4_500), strategy: dca(LIMIT), startBalance: { USDT: '1000' }, feeRate: '0.001' }) },
  {
    name: 'stop loss with a timeout and a time limit (exits on the clock), BTC/USDT 1h',
    options: () => ({ symbol: 'BTC/USDT', candles: btc.slice(0, 1_500), strategy: dca({ ...MARKET, stopLossPct: 6, stopLossTimeoutMs: 5 * HOUR, maxCycleMs: 4 * 24 * HOUR }), startBalance: { USDT: '1000' }, feeRate: '0.001' }),
  },
  { name: 'trailing take-profit (memory), XRP/USDT 1h', options: () => ({ symbol: 'XRP/USDT', candles: xrp.slice(0, 1_500), strategy: dca({ ...MARKET, trailingTakeProfitPct: 0.5 }), startBalance: { USDT: '1000' }, feeRate: '0.001' }) },
  // 25 USDT: the start and a rebuy or two, then safety buys refused for the balance, each time
  // with a backoff that spans points (30 min, doubling up to 6 h).
  {
    name: 'buys refused for lack of balance (backoff), ETH/USDT 1h',
    options: () => ({ symbol: 'ETH/USDT', candles: eth.slice(0, 1_000), strategy: dca(LIMIT), startBalance: { USDT: '25' }, feeRate: '0.001', engine: { retryBackoff: { initialMs: HOUR / 2, maxMs: 6 * HOUR } } }),
  },
  { name: "the engine's cooldown after each close, ETH/USDT 1h", options: () => ({ symbol: 'ETH/USDT', candles: eth.slice(6_000, 7_500), strategy: dca(LIMIT), startBalance: { USDT: '1000' }, feeRate: '0.001', engine: { cooldownMs: 5 * HOUR } }) },
  {
    name: 'two markets on one balance, ETH and BTC 1h',
    options: () => ({ markets: [{ symbol: 'ETH/USDT', candles: eth.slice(0, 1_000) }, { symbol: 'BTC/USDT', candles: btc.slice(0, 1_000) }], strategy: dca(LIMIT), startBalance: { USDT: '2000' }, feeRate: '0.001' }),
  },
  {
    name: 'fine decimals, ETH/BTC 1m',
    options: () => ({
      symbol: 'ETH/BTC', candles: ethBtc.slice(0, 2_500), strategy: dca({ ...LIMIT, startQuote: '0.001', rebuyDropPct: 0.5, takeProfitPct: 0.4 }), startBalance: { BTC: '1' }, feeRate: '0.001',
      marketRules: { 'ETH/BTC': { priceTick: '0.00000001', amountStep: '0.0001', minNotional: '0.0001' } },
    }),
  },
  { name: 'a custom strategy whose resting buy follows the price, ETH/USDT 1h', options: () => ({ symbol: 'ETH/USDT', candles: eth.slice(0, 1_500), strategy: followingBuy(), startBalance: { USDT: '1000' }, feeRate: '0.001' }) },
];

describe('backtest: points passed without a tick change no order', () => {
  it.each(cases)('$name', async ({ options }) => {
    const { every } = await same(options);
    expect(every.trades.length).toBeGreaterThan(4); // the case trades
  });

  it('the cases exercise what they are named for', async () => {
    const limit = await backtest(cases[1]!.options());
    expect(limit.trades.some((t) => t.type === 'limit' && t.purpose === 'rebuy')).toBe(true);
    const clock = await backtest(cases[2]!.options());
    expect(Object.keys(clock.metrics.exitsByReason)).toEqual(expect.arrayContaining(['stopLoss']));
    const refused = (await exchangeLog(cases[4]!.options(), false)).log.orders.filter((o) => o.refused !== undefined);
    expect(refused.length).toBeGreaterThan(20); // safety buys refused for the balance, sent again after each backoff
    const following = await backtest(cases[8]!.options());
    expect(new Set(following.resting.filter((s) => s.purpose === 'rebuy').map((s) => s.price)).size).toBeGreaterThan(10);
  });

  it('tickEveryPoint is checked', async () => {
    await expect(backtest({ ...cases[0]!.options(), tickEveryPoint: 'yes' as unknown as boolean })).rejects.toThrow(/tickEveryPoint/);
  });
});
