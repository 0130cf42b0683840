/**
 * Found by test/crash/engine-kill-recovery.test.ts (which measures it: an order reaches the exchange
 * up to ~110 ms after its intent's `createdAt` there, with 3 symbols and an order timeout of 90 ms):
 * an intent's `createdAt` is the time the *tick started* (`now`, read once after fetchPrices), not
 * the time the intent was persisted and sent. Phase 2 of a tick persists the due symbols one after
 * another (`transitionConcurrency` 1), each with a durable write, so the k-th order of a tick leaves
 * k write-times after its `createdAt`. Yet the look-up gives an order up once
 * `createdAt + orderTimeoutMs + landingWindowMs` has passed: the time spent queueing in the tick is
 * silently taken out of the window, and an order that lands well inside `landingWindowMs` of being
 * sent is given up as "not found", then lands: a lost fill, and a second start buy for the cycle.
 *
 * Deterministic (manual clock): a durable write takes 50 ms, orders land 80 ms after they arrive
 * (the landing window is 100 ms, longer than that), the order timeout is 50 ms. Engine A ticks once
 * over 4 idle symbols and dies right after sending its 4 start buys; engine B (a restart) recovers.
 * The first two orders have landed by then and are found; the last two were sent 150–200 ms after
 * their `createdAt`, are not found yet, and are given up at once although they land 80 ms after
 * being sent. Expected (fails today): one start buy per symbol, base held = position + dust.
 */
import { asV2, marketSlot } from '../support/records';
import { describe, expect, it } from 'vitest';
import {
  CycleEngine,
  ManualClock,
  MemoryLock,
  MemoryStateStore,
  PaperExchange,
  dca,
  type Exchange,
  type Lock,
  type MarketOrderRequest,
  type OrderFill,
  type StateStore,
} from 'cycle-engine';
import { Decimal } from '../../src/decimal';

const T0 = Date.UTC(2025, 0, 1);
const SYMBOLS = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT', 'DDD/USDT'];
const WRITE_MS = 50;
const LANDS_AFTER_MS = 80;
const ORDER_TIMEOUT_MS = 50;
const LANDING_WINDOW_MS = 100; // ≥ LANDS_AFTER_MS: the venue keeps within the window
const never = <T>() => new Promise<T>(() => {});

describe('an intent\'s landing deadline counts from when its order was sent', () => {
  it('an order that lands within landingWindowMs of being sent is not given up, even when it was the last of a long tick', async () => {
    const clock = new ManualClock(T0);
    const paper = new PaperExchange({
      prices: Object.fromEntries(SYMBOLS.map((s) => [s, '100'])),
      balances: { USDT: '100000' },
      clock,
      defaultRules: { amountStep: '0.0001', priceTick: '0.01', minNotional: '5' },
    });
    // The venue: an order lands (executes, and becomes visible to look-ups) LANDS_AFTER_MS after it arrives.
    const arrivals: Array<{ request: MarketOrderRequest; arrivedAt: number; landedAt?: number; fill?: OrderFill }> = [];
    const land = async () => {
      for (const a of arrivals) {
        if (a.landedAt === undefined && clock.now() >= a.arrivedAt + LANDS_AFTER_MS) {
          a.landedAt = clock.now();
          const { signal: _s, ...request } = a.request;
          a.fill = await paper.placeMarketOrder(request);
        }
      }
    };
    const inner = new MemoryStateStore();
    const lock = new MemoryLock({ clock, ttlMs: 5_000 });
    const engine = (exchange: Exchange, store: StateStore, l: Lock) => {
      const e = new CycleEngine({
        exchange, store, lock: l, symbols: SYMBOLS, clock,
        strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 1, takeProfitPct: 1 }),
        orderTimeoutMs: ORDER_TIMEOUT_MS, workerGraceMs: 0, landingWindowMs: LANDING_WINDOW_MS,
        lockWaitMs: 0, tickIntervalMs: 3_600_000, lookupBackoff: { initialMs: 100, maxMs: 400 }, retryBackoff: { initialMs: 100, maxMs: 400 },
      });
      e.on('error', () => {});
      return e;
    };

    // Engine A: a durable write takes WRITE_MS; it dies right after sending (its later calls never return).
    let dead = false;
    const slowStore: StateStore = {
      get: (k) => (dead ? never() : inner.get(k)),
      list: () => (dead ? never() : inner.list()),
      compareAndSet: async (k, v, value) => {
        if (dead) return never();
        clock.advance(WRITE_MS);
        return inner.compareAndSet(k, v, value);
      },
    };
    const deadLock: Lock = { acquire: (k, o) => (dead ? never() : lock.acquire(k, o)) };
    const aExchange: Exchange = {
      id: 'a',
      fetchPrices: (s) => paper.fetchPrices(s),
      getMarket: (s) => paper.getMarket(s),
      findOrder: (q) => paper.findOrder(q),
      placeMarketOrder: (request) => {
        arrivals.push({ request, arrivedAt: clock.now() });
        return never(); // killed before the answer
      },
    };
    const a = engine(aExchange, slowStore, deadLock);
    await a.tick();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0)); // its workers send
    dead = true;
    const createdAt = new Map<string, number>();
    for (const s of SYMBOLS) createdAt.set(s, marketSlot(asV2((await inner.get(s))!.value))!.createdAt);
    expect(arrivals).toHaveLength(SYMBOLS.length);

    // Engine B: the restarted process, on a healthy venue view (look-ups see what has landed).
    const bExchange: Exchange = {
      id: 'b',
      fetchPrices: (s) => paper.fetchPrices(s),
      getMarket: (s) => paper.getMarket(s),
      findOrder: async (q) => {
        await land();
        return paper.findOrder(q);
      },
      placeMarketOrder: async (request) => {
        await land();
        const { signal: _s, ...rest } = request;
        return paper.placeMarketOrder(rest);
      },
    };
    const b = engine(bExchange, inner, lock);
    await b.start(); // recovery
    for (let i = 0; i < 40; i++) {
      clock.advance(50);
      await land();
      await b.tick();
      await b.idle();
    }
    await b.stop();

    const timeline = arrivals.map((x) => `${x.request.symbol}: createdAt +${createdAt.get(x.request.symbol)! - T0} ms, sent +${x.arrivedAt - T0} ms, lands +${x.arrivedAt + LANDS_AFTER_MS - T0} ms, deadline +${createdAt.get(x.request.symbol)! + ORDER_TIMEOUT_MS + LANDING_WINDOW_MS - T0} ms`).join('\n');
    const problems: string[] = [];
    for (const symbol of SYMBOLS) {
      const executed = paper.executedOrders().filter((o) => o.symbol === symbol);
      const starts = executed.filter((o) => o.clientOrderId.startsWith('ce-s-'));
      if (starts.length !== 1) problems.push(`${symbol}: ${starts.length} start buys executed`);
      const record = asV2((await inner.get(symbol))!.value);
      const bought = executed.reduce((sum, o) => sum.plus(o.fill!.filledBase).minus(o.fill!.fee?.currency === symbol.split('/')[0] ? o.fill!.fee!.amount : 0), new Decimal(0));
      const held = new Decimal(record.position?.baseVolume ?? 0).plus(record.dust?.baseVolume ?? 0);
      if (!bought.eq(held)) problems.push(`${symbol}: bought ${bought.toFixed()} net of fees, the record holds ${held.toFixed()} (orphans: ${record.orphans.length})`);
    }
    expect(problems, `timeline (every order landed ${LANDS_AFTER_MS} ms after it was sent, landing window ${LANDING_WINDOW_MS} ms):\n${timeline}`).toEqual([]);
  });
});
