/**
 * Replays that do not flatter (issue 16): a MARKET order decided because the price crossed a level
 * between two points of a candle's path fills at that level, moved against the bot by the
 * slippage — never at the point beyond it. Expected fills worked out by hand in the comments
 * (price tick 0.01, no fee, so a buy's average price is its fill price).
 */
import { describe, expect, it } from 'vitest';
import { CycleEngine, ManualClock, MemoryLock, MemoryStateStore, PaperExchange, dca, type Strategy } from 'cycle-engine';
import { replay, type Candle, type IntrabarMode } from 'cycle-engine/backtest';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const at = (i: number, open: number, high: number, low: number, close: number): Candle => ({ time: T0 + i * H, open, high, low, close, volume: 1 });

/** start 100 USDT, rebuy 2 % below the last buy (100 USDT), take profit 1.5 % over the average. */
const dcaStrategy = (): Strategy => dca({ startQuote: 100, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1.5 });

/**
 * A strategy of its own (not the DCA): start with 50 USDT, sell 1.234 USDT above the start price,
 * rebuy 50 USDT once at 99 or below.
 */
const customStrategy = (): Strategy => ({
  name: 'custom',
  decide: ({ price, position }) => {
    if (position === null) return { action: 'start', quoteAmount: '50' };
    if (price >= Number(position.startPrice) + 1.234) return { action: 'sell' };
    if (price <= 99 && position.buys < 2) return { action: 'rebuy', quoteAmount: '50' };
    return null;
  },
});

// Candle 1 (green: open → low → high → close) only starts the cycle; candle 2 (green) crosses the
// take-profit on its way from the low 99.8 to the high 102.4; candle 3 (red: open → high → low →
// close) crosses the rebuy trigger on its way from the high 102.5 to the low 98.
const CANDLES = [at(0, 100, 100.5, 99.5, 100), at(1, 100, 102.4, 99.8, 102), at(2, 102, 102.5, 98, 99)];

interface Case {
  name: string;
  candles: Candle[];
  strategy: () => Strategy;
  intrabar?: IntrabarMode;
  slippagePct?: string;
  expected: Array<[side: 'buy' | 'sell', price: string]>;
}

const CASES: Case[] = [
  {
    name: 'take-profit and rebuy crossed inside candles, 0.05 % slippage (default)',
    candles: CANDLES,
    strategy: dcaStrategy,
    expected: [
      ['buy', '100.05'], // start at the first open, 100 × 1.0005 = 100.05 (avg 100.05)
      // take-profit 100.05 × 1.015 = 101.55075: first tick at or above it 101.56 (not the high 102.4);
      // 101.56 × 0.9995 = 101.50922, down to the tick
      ['sell', '101.5'],
      ['buy', '101.62'], // the next start at the same level: 101.56 × 1.0005 = 101.61078, up to the tick
      // rebuy trigger 101.62 × 0.98 = 99.5876: first tick at or below it 99.58 (not the low 98);
      // 99.58 × 1.0005 = 99.62979, up to the tick (next trigger 99.63 × 0.98 = 97.6374: not reached)
      ['buy', '99.63'],
    ],
  },
  {
    name: 'the same without slippage: fills at the levels themselves',
    candles: CANDLES,
    strategy: dcaStrategy,
    slippagePct: '0',
    expected: [
      ['buy', '100'], // start at the open
      ['sell', '101.5'], // 100 × 1.015 = 101.5 exactly, a tick
      ['buy', '101.5'], // next start there
      ['buy', '99.47'], // 101.5 × 0.98 = 99.47 exactly, a tick
    ],
  },
  {
    name: 'close only: the path open → close still fills at the levels',
    candles: CANDLES,
    strategy: dcaStrategy,
    intrabar: 'close',
    expected: [
      ['buy', '100.05'],
      ['sell', '101.5'], // 101.56 crossed between the open 100 and the close 102
      ['buy', '101.62'],
      ['buy', '99.63'], // 99.58 crossed between the open 102 and the close 99
    ],
  },
  {
    name: 'a gap over the take-profit fills at the open, the first price there was',
    candles: [at(0, 100, 100.5, 99.5, 100), at(1, 103, 103.5, 102.8, 103.2)],
    strategy: dcaStrategy,
    expected: [
      ['buy', '100.05'],
      ['sell', '102.94'], // 103 × 0.9995 = 102.9485, down to the tick
      ['buy', '103.06'], // 103 × 1.0005 = 103.0515, up to the tick
    ],
  },
  {
    name: 'a custom strategy: its own levels, found along the path',
    candles: CANDLES,
    strategy: customStrategy,
    expected: [
      ['buy', '100.05'], // start at the open 100 (avg and start 100.05)
      // sell at 100.05 + 1.234 = 101.284 or above: first tick 101.29; 101.29 × 0.9995 = 101.239355 ↓
      ['sell', '101.23'],
      ['buy', '101.35'], // start at 101.29: 101.29 × 1.0005 = 101.340645 ↑ (next sell at 102.584: not reached)
      ['buy', '99.05'], // rebuy at 99 or below: the tick 99 itself; 99 × 1.0005 = 99.0495 ↑
    ],
  },
];

async function run(c: Pick<Case, 'candles' | 'strategy' | 'intrabar' | 'slippagePct'>) {
  const clock = new ManualClock(T0);
  const exchange = new PaperExchange({ balances: { USDT: '10000' }, feeRate: '0', clock });
  const strategy = c.strategy();
  const engine = new CycleEngine({ exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: ['ETH/USDT'], strategy, clock });
  const result = await replay({
    engine,
    strategy,
    exchange,
    clock,
    candles: { 'ETH/USDT': c.candles },
    ...(c.intrabar === undefined ? {} : { intrabar: c.intrabar }),
    ...(c.slippagePct === undefined ? {} : { slippagePct: c.slippagePct }),
  });
  return { exchange, engine, result };
}

describe('replay: levels crossed inside a candle', () => {
  it.each(CASES)('$name', async (c) => {
    const { exchange } = await run(c);
    expect(exchange.orders.map((o) => [o.side, o.fill?.avgPrice])).toEqual(c.expected);
  });

  it('a level tick happens at the interpolated time on its leg', async () => {
    const { exchange, result } = await run({ candles: CANDLES, strategy: dcaStrategy });
    // The sell's level 101.56 on the leg low 99.8 (+20 min) → high 102.4 (+40 min):
    // (101.56 − 99.8) / 2.6 of 20 min = 13 min 32.307 s after +20 min.
    expect(exchange.orders[1]!.receivedAt).toBe(T0 + H + 20 * 60_000 + Math.floor((20 * 60_000 * 176) / 260));
    // The open, the sell, the next start and the rebuy were levels; of the 3 points × 3 candles
    // besides, the 3 after a write were ticked and 6 passed without a tick (nothing to do there).
    expect(result).toMatchObject({ candles: 3, levelTicks: 4, ticks: 7, skippedPoints: 6 });
  });

  it('a crash inside one candle: every rebuy at its own level, none at the low', async () => {
    // start 100 at the open, then a fall to 80 within the candle: rebuys 1 % below each buy.
    const strategy = (): Strategy => dca({ startQuote: 100, rebuyDropPct: 1, maxRebuys: 30, takeProfitPct: 50 });
    const { exchange } = await run({ candles: [at(0, 100, 100, 80, 80)], strategy });
    const fills = exchange.orders.map((o) => o.fill!.avgPrice);
    expect(fills[0]).toBe('100.05');
    // Each rebuy: the first tick at or below 99 % of the previous fill, plus 0.05 % rounded up.
    const expected = ['100.05'];
    let last = 100.05;
    for (let i = 1; i < fills.length; i++) {
      const cents = Math.floor((Math.round(last * 100) * 99) / 100); // last × 0.99 in cents, down to the tick
      const fill = Math.ceil((cents * 10005) / 10000) / 100; // × 1.0005, up to the tick
      expected.push(String(fill));
      last = fill;
    }
    expect(fills).toEqual(expected);
    expect(fills.length).toBeGreaterThan(15); // 100 → 80 is 22 drops of 1 %
    expect(fills).not.toContain('80');
  });

  it('a strategy that would act again and again at one price does not stall the replay', async () => {
    const restless = (): Strategy => ({
      name: 'restless',
      decide: ({ position }) => (position === null ? { action: 'start', quoteAmount: '10' } : { action: 'sell' }),
    });
    const { exchange, result } = await run({ candles: [at(0, 100, 100.5, 99.5, 100)], strategy: restless });
    expect(result.candles).toBe(1);
    // At the open: at most 8 actions in a row at one price, then the walk goes on.
    expect(exchange.orders.filter((o) => o.receivedAt === T0).length).toBeLessThanOrEqual(9);
  });

  it('no fill is beyond the extreme of its candle, nor at it when the level is inside', async () => {
    const { exchange } = await run({ candles: CANDLES, strategy: dcaStrategy, slippagePct: '0' });
    const prices = exchange.orders.map((o) => Number(o.fill!.avgPrice));
    expect(prices).not.toContain(102.4); // what a replay at the extremes sold at
    expect(prices).not.toContain(98); // and rebought at
  });
});
