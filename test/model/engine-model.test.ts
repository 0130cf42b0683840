import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { CycleRecord, Exchange, PaperExchange } from 'cycle-engine';
import { limitModelProperty, modelProperty } from '../support/model';
import { setup, step } from '../support/setup';

const RUNS = Number(process.env.MODEL_RUNS ?? 500);
const LIMIT_RUNS = Number(process.env.MODEL_LIMIT_RUNS ?? 200);
const SEED = Number(process.env.MODEL_SEED ?? 424242);

describe('model-based: ticks, prices, faults, crashes, restarts and engines joining', () => {
  it(`${RUNS} seeded runs: the state always matches the model, and never two start buys in a cycle`, async () => {
    await fc.assert(modelProperty(), { numRuns: RUNS, seed: SEED });
  });

  it(`${LIMIT_RUNS} seeded runs in limit modes (resting take-profit and/or safety buys, activeRebuys 1–3): partial fills, fills during cancels, lost cancels and placements`, async () => {
    await fc.assert(limitModelProperty(), { numRuns: LIMIT_RUNS, seed: SEED });
  }, 180_000); // ~11 s of CPU; the margin is for a machine shared by several runs
});

/**
 * Found by the limit runs (`scripts/model-soak.ts --limit --batch --runs 800 --seed 21`, shrunk
 * to: fault(unknown-after), join(100000), sellByHand(0.05), price(96), tick(0,0), …; also seed 22).
 *
 * A take-profit is about to be sent for the position the record holds; base was sold by hand, so
 * the account's free base (read before sending) is short of it. Meanwhile two safety buys cross
 * at once and their fills are applied. The refusal is then applied with the free base read
 * *before* those fills, against the position *after* them: `onPositionMismatch: 'adopt'` shrinks
 * the position to 0.0499 while the venue holds 0.2557939 — the fills of both buys vanish from
 * the record (never sold, no take-profit for them: 0.0499 is under the minimum notional).
 * Expected: the position shrinks by what the venue lacked when it was read (0.05), to 0.2557939.
 * (src/engine/cycle-engine.ts #sendLimit/#sendOrder → transitions.ts reject → positionMismatch.)
 */
describe('regressions found by the model', () => {
  it('a sell refused for lack of balance shrinks the position by what the venue lacked, keeping the fills applied since the balance was read', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let armed = false;
    let release!: () => void;
    const balanceRead = new Promise<void>((r) => (release = r));
    const buys: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()]; // nothing held back until armed
    // The venue's free base is read at once but answered only after the safety buys filled and were applied.
    const wrap = (paper: PaperExchange): Exchange => ({
      id: 'slow-balance',
      fetchPrices: (x) => paper.fetchPrices(x),
      getMarket: (x) => paper.getMarket(x),
      findOrder: (q) => paper.findOrder(q),
      placeMarketOrder: (r) => paper.placeMarketOrder(r),
      cancelOrder: (q) => paper.cancelOrder(q),
      placeLimitOrder: (r) => {
        if (buys.length >= 2 || r.side === 'sell') return paper.placeLimitOrder(r);
        const placed = balanceRead.then(() => paper.placeLimitOrder(r));
        buys.push(placed.then(() => sleep(20)));
        return placed;
      },
      fetchBalances: async (assets) => {
        const snapshot = await paper.fetchBalances(assets);
        if (!armed) return snapshot;
        armed = false;
        release();
        while (buys.length < 2) await sleep(1);
        await Promise.all(buys);
        return snapshot;
      },
    });
    const s = setup({
      dca: { rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 },
      onPositionMismatch: 'adopt',
      wrapExchange: wrap,
    });
    s.exchange.injectFault('unknown-after'); // the start's answer is lost: its resting orders come a tick later
    await step(s); // the start fill is found: 0.0999 ETH
    s.exchange.setBalance('ETH', '0.0499'); // 0.05 sold by hand
    s.exchange.setPrice('ETH/USDT', '96'); // levels 98 and 96.04 cross at once when placed
    armed = true;
    buys.length = 0;
    await step(s); // take-profit (0.0999, refused: 0.0499 free) and the two levels, sent together
    await step(s);
    const r = (await s.engine.getCycle('ETH/USDT')) as CycleRecord;
    expect(s.of('cycle:positionMismatch')).toHaveLength(1);
    // The venue's base: what is free plus what its resting take-profit (for the whole adopted position) reserves.
    const reserved = s.exchange.orders.filter((o) => o.type === 'limit' && o.side === 'sell' && o.state?.status === 'open').reduce((sum, o) => sum.plus(o.baseAmount ?? 0).minus(o.state?.filledBase ?? 0), new Decimal(0));
    const venue = new Decimal(s.exchange.balance('ETH')).plus(reserved);
    expect(venue.toFixed()).toBe('0.2557939');
    expect(new Decimal(r.position?.baseVolume ?? 0).plus(r.dust?.baseVolume ?? 0).toFixed()).toBe(venue.toFixed()); // before the fix: 0.0499
    expect(r.orders.find((o) => o.purpose === 'takeProfit')?.baseAmount).toBe('0.2557');
  });
});
