/**
 * Model-based test of the engine: random sequences of ticks (overlapping across engines), price
 * moves, exchange faults, time passing, crashes at chosen points, restarts and engines joining —
 * every store, lock and exchange call ordered by fast-check's scheduler. After every command and at
 * the end, the state must match a simple model of what a correct DCA cycle allows
 * (./model-checks.ts); the system under test is ./model-real.ts.
 *
 * Two properties: `modelProperty()` (every order a MARKET order, as in 0.1) and
 * `limitModelProperty()`, where each run draws its order modes (a LIMIT take-profit and/or LIMIT
 * safety buys, `activeRebuys` 1–3) and the commands add what resting orders meet: prices crossing
 * them, partial fills of resting orders, fills during cancels, cancels and placements whose outcome
 * is lost, crashes around cancels.
 *
 * Shared by the vitest test and `scripts/model-soak.ts`, so it uses node:assert rather than expect.
 */
import fc from 'fast-check';
import type { PaperFault } from 'cycle-engine';
import { checkAlways, checkSettled } from './model-checks';
import { MARKET, Real, SYMBOL, type CrashPoint, type Hang, type Mode } from './model-real';

export { checkAlways, checkSettled } from './model-checks';
export { Real, type Mode } from './model-real';

type Cmd = fc.AsyncCommand<object, Real>;
const settle = (real: Real) => real.s.waitIdle();

class TickCmd implements Cmd {
  constructor(readonly picks: number[]) {}
  check = () => true;
  async run(_m: object, real: Real) {
    const live = real.live;
    if (live.length === 0) real.join();
    for (const p of this.picks) {
      const node = real.live[p % real.live.length];
      if (node) void node.engine.tick().then(() => node.engine.idle()).catch((e: unknown) => real.errors.push(e));
    }
    await settle(real);
    await checkAlways(real);
  }
  toString = () => `tick(${this.picks.join(',')})`;
}

/** A price move: in limit runs it also fills every resting order it crosses, at its limit. */
class PriceCmd implements Cmd {
  constructor(readonly price: number) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.exchange.setPrice(SYMBOL, String(this.price));
    await checkAlways(real);
  }
  toString = () => `price(${this.price})`;
}

/** A fault for the next matching order, crossing or cancel (each paper fault is met at one stage). */
class FaultCmd implements Cmd {
  constructor(readonly fault: PaperFault, readonly side?: 'buy' | 'sell') {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.exchange.injectFault(this.fault, this.side === undefined ? {} : { side: this.side });
  }
  toString = () => `fault(${typeof this.fault === 'string' ? this.fault : `${this.fault.kind} ${String(this.fault.ratio)}`}${this.side ? `, ${this.side}` : ''})`;
}

class TimeCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

class CrashCmd implements Cmd {
  constructor(readonly pick: number, readonly point: CrashPoint) {}
  check = () => true;
  async run(_m: object, real: Real) {
    const node = real.live[this.pick % Math.max(1, real.live.length)];
    if (node) node.crashAt = this.point; // it dies when it next reaches that point
  }
  toString = () => `crashAt(${this.pick}, ${this.point})`;
}

class PartialCmd implements Cmd {
  constructor(readonly side: 'buy' | 'sell', readonly ratio: string) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.exchange.injectFault({ kind: 'partialFill', ratio: this.ratio }, { side: this.side }); // a thin book
  }
  toString = () => `partial(${this.side}, ${this.ratio})`;
}

class HangCmd implements Cmd {
  constructor(readonly call: Hang) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.hang = this.call;
  }
  toString = () => `hang(${this.call})`;
}

class HandSaleCmd implements Cmd {
  constructor(readonly base: string) {}
  check = () => true;
  async run(_m: object, real: Real) {
    real.sellByHand(this.base);
  }
  toString = () => `sellByHand(${this.base})`;
}

class JoinCmd implements Cmd {
  constructor(readonly skewMs = 0) {}
  check = () => true;
  async run(_m: object, real: Real) {
    const node = real.join(this.skewMs); // a restarted process, or a second engine (its clock maybe skewed): recovery first
    void node.engine.start().then(() => node.engine.stop()).catch((e: unknown) => real.errors.push(e));
    await settle(real);
    await checkAlways(real);
  }
  toString = () => `join(${this.skewMs})`;
}

/** The commands a run draws from. */
const tick = fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }).map((p) => new TickCmd(p));
const side = fc.constantFrom<'buy' | 'sell'>('buy', 'sell');
const ratio = fc.constantFrom('0.3', '0.5', '0.7');
const time = fc.constantFrom(500, 2_000, 10_000, 30_000, 70_000).map((ms) => new TimeCmd(ms));
const join = fc.constantFrom(0, 0, 100_000, -100_000).map((skew) => new JoinCmd(skew));
const partial = fc.tuple(side, ratio).map(([s, r]) => new PartialCmd(s, r));
const hang = fc.constantFrom<Hang>('find', 'prices', 'get', 'cas-lost', 'cas-landed').map((h) => new HangCmd(h));
const handSale = fc.constantFrom('0.02', '0.05', '1').map((b) => new HandSaleCmd(b));

/** MARKET-only runs (0.1's commands, unchanged so that old seeds replay). */
export const commands = fc.commands(
  [
    tick,
    tick, // ticks are what moves cycles: draw them more often
    tick,
    fc.constantFrom(90, 94, 96, 97.5, 98, 99, 100, 101, 101.5, 102, 105).map((p) => new PriceCmd(p)),
    fc.constantFrom<PaperFault>('reject', 'unknown-before', 'unknown-after').map((f) => new FaultCmd(f)),
    time,
    fc.tuple(fc.nat(3), fc.constantFrom<CrashPoint>('before-send', 'after-send', 'before-outcome-write')).map(([p, c]) => new CrashCmd(p, c)),
    join,
    partial,
    hang,
    handSale,
  ],
  { maxCommands: 40, size: 'large' },
);

/**
 * Limit runs: prices around the start (100), its take-profit (≈ 101.01) and its safety levels
 * (98, 96.04, 94.12), so resting orders get crossed, in part or whole; faults met by placements,
 * crossings and cancels; crashes around a cancel.
 */
export const limitCommands = fc.commands(
  [
    tick,
    tick,
    tick,
    fc.constantFrom(90, 94, 95, 96, 97, 97.5, 98, 99, 100, 100.5, 101, 101.5, 102, 105).map((p) => new PriceCmd(p)),
    fc.constantFrom(90, 94, 96, 98, 100, 101.5, 102).map((p) => new PriceCmd(p)),
    fc.constantFrom<PaperFault>('reject', 'unknown-before', 'unknown-after', 'unknown-after').map((f) => new FaultCmd(f)),
    fc.tuple(ratio, fc.option(side, { nil: undefined })).map(([r, s]) => new FaultCmd({ kind: 'restingPartialFill', ratio: r }, s)),
    fc.tuple(fc.constantFrom<PaperFault>('fill-during-cancel', { kind: 'fillDuringCancel', ratio: '0.5' }, 'cancel-unknown-before', 'cancel-unknown-after'), fc.option(side, { nil: undefined })).map(([f, s]) => new FaultCmd(f, s)),
    time,
    fc.tuple(fc.nat(3), fc.constantFrom<CrashPoint>('before-send', 'after-send', 'before-outcome-write', 'before-cancel', 'after-cancel')).map(([p, c]) => new CrashCmd(p, c)),
    join,
    partial,
    fc.constantFrom<Hang>('find', 'prices', 'get', 'cas-lost', 'cas-landed', 'open-orders').map((h) => new HangCmd(h)),
    handSale,
  ],
  { maxCommands: 40, size: 'large' },
);

/** The order modes of a limit run: at least one kind of order rests. */
export const modes: fc.Arbitrary<Mode> = fc
  .record({
    takeProfitOrder: fc.constantFrom<'market' | 'limit'>('limit', 'limit', 'market'),
    rebuyOrders: fc.constantFrom<'market' | 'limit'>('limit', 'limit', 'market'),
    activeRebuys: fc.integer({ min: 1, max: 3 }),
    openOrders: fc.boolean(),
  })
  .filter((m) => m.takeProfitOrder === 'limit' || m.rebuyOrders === 'limit')
  .map((m) => ({ ...m, maxRebuys: 3 }));

const modeText = (m: Mode) => `tp=${m.takeProfitOrder} rebuys=${m.rebuyOrders} active=${m.activeRebuys} max=${m.maxRebuys} openOrders=${m.openOrders ?? false}`;

/** One run: the commands, then time passes with every live engine ticking until all settles. */
export async function runModel(s: fc.Scheduler, cmds: Iterable<Cmd>, mode: Mode = MARKET): Promise<void> {
  const real = new Real(s, mode);
  try {
    await fc.asyncModelRun(() => ({ model: {}, real }), cmds);
    // Settle: the strategy is held still (a price no trigger fires at, and no resting order crosses), engines tick as time passes.
    real.exchange.clearFaults();
    real.hang = null;
    for (const n of real.nodes) n.crashAt = null;
    if (real.live.length === 0) real.join();
    const record = await real.record();
    real.exchange.setPrice(SYMBOL, record?.position ? record.position.avgPrice : '100');
    for (let i = 0; i < 40; i++) {
      real.clock.advance(5_000);
      for (const n of real.live) void n.engine.tick().then(() => n.engine.idle());
      await settle(real);
    }
    await checkAlways(real);
    await checkSettled(real);
  } catch (error) {
    if (process.env.MODEL_DEBUG) {
      console.log(`MODEL_DEBUG ${modeText(mode)}\n${[...cmds].join(',')}\n${real.errors.map((e) => `  ${(e as Error).message}`).join('\n')}`);
      console.log(JSON.stringify(await real.record(), null, 1));
      console.log(real.exchange.orders.map((o) => `${o.seq} ${o.clientOrderId} ${o.side} ${o.type ?? 'market'} ${o.price ?? ''} ${o.baseAmount ?? o.quoteAmount} ${o.status} ${o.state ? `${o.state.status} filled ${o.state.filledBase}` : o.fill ? `filled ${o.fill.filledBase}` : ''}`).join('\n'));
    }
    throw error;
  }
}

/** The MARKET-only property, for fc.assert / fc.check. */
export const modelProperty = () => fc.asyncProperty(fc.scheduler(), commands, (s, cmds) => runModel(s, cmds));

/** The limit-mode property: order modes drawn per run. */
export const limitModelProperty = () => fc.asyncProperty(modes, fc.scheduler(), limitCommands, (mode, s, cmds) => runModel(s, cmds, mode));
