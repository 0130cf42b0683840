/**
 * One symbol's walk along a candle's path in a replay: where the strategy would next act on the
 * current stretch ("leg"), and what the engine did when ticked there. See `replay.ts`.
 */
import type { MarketRules } from '../ports/exchange';
import type { CycleRecord, JsonValue, OrderSlot, Position } from '../ports/record';
import type { DesiredOrder, Strategy } from '../strategy/strategy';
import { checkDesired } from '../engine/desired';
import { MAX_SCALE, decimalsOf, firstHit, unitsToString } from './levels';

/**
 * Where along the current leg the strategy would first act.
 * @internal
 */
export interface Level {
  /** The price in grid units. */
  readonly units: number;
  /** The price as a decimal string, for the exchange. */
  readonly price: string;
  /** The clock there: interpolated along the leg by price. */
  readonly time: number;
  /** The action the strategy would take there. */
  readonly action: string;
}

/**
 * Actions in a row at one price (e.g. a sell then the next start) after which the walk looks for
 * no more levels on the leg: a strategy that would act again and again at one price must not
 * stall the replay.
 */
const MAX_REPEATS = 8;

/**
 * True when two positions hold the same values (records read from a file store are new objects).
 * @internal
 */
export function samePosition(a: Position | null, b: Position | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ka = Object.keys(a) as Array<keyof Position>;
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k] || (typeof a[k] === 'object' && JSON.stringify(a[k]) === JSON.stringify(b[k])));
}

/** True when a slot is the same before and after (records read from a file store are new objects); false when either is missing. */
function sameSlot(a: OrderSlot | undefined, b: OrderSlot | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || JSON.stringify(a) === JSON.stringify(b));
}

/**
 * One symbol's walk (see the module comment).
 * @internal
 */
export class Walker {
  /** The position of the cycle record as last read. */
  position: Position | null = null;
  /** The strategy's memory of the cycle record as last read (`StrategyContext.memory`). */
  memory: JsonValue | null = null;
  /** The cycle's resting LIMIT orders as last read: crossing one's limit is a level too (it fills there). */
  resting: ReadonlyArray<{ side: 'buy' | 'sell'; price: number; id: string }> = [];
  /** An action the engine was given the chance to take and did not: not looked for again on this leg. */
  blocked: string | null = null;
  /** The cycle's slots as last read (the strategy's resting orders are asked with them). */
  #orders: readonly OrderSlot[] = [];
  /**
   * Resting orders a tick's price reached (the exchange filled them there) whose slot the engine
   * left as it was: their fill is in the engine's memory only (e.g. a fee the venue has not
   * reported yet, looked up again later), so every point is ticked until their slot changes.
   */
  readonly #unsettled = new Set<string>();
  /** The record as last read has work of the engine's own pending: a slot sent, cancelled or unknown, an exit, a close. */
  #busy = false;
  /** The record's backoff end as last read (`retryAt`), or null. */
  #retryAt: number | null = null;
  /** The engine wrote the record in the last tick: it may have more to do at the next point. */
  #wrote = false;
  /** The clock of the last tick this walker saw. */
  #tickedAt = Number.NEGATIVE_INFINITY;
  /** The strategy's resting orders as asked at the last tick's price (undefined: not asked). */
  #restingAnswer: unknown = undefined;
  /** The last `restingOrders` answer found valid (by identity). */
  #checkedResting: unknown = undefined;
  /**
   * The price of the last point the engine was not ticked at, not given to the exchange yet, or
   * null. Kept as the price itself, not as the point's index: the candle's close may be flushed
   * only once the next candle has replaced the path (another symbol's level on its first leg).
   */
  #pendingPrice: number | null = null; // printed only when flushed (most never are: the next point's replaces it)
  readonly #tick: number;
  readonly #tickDecimals: number;
  readonly #tickPow: number;
  readonly #hit: (units: number) => boolean;
  #scale = 0;
  #pow = 1;
  #step = 0; // 0: no grid for this candle (more decimals than a float holds exactly): points only
  // The candle's path: prices (the candle's numbers), clock and grid units of each point.
  #prices: number[] = [];
  #times: number[] = [];
  #units: number[] = [];
  #leg = 0;
  #cur = 0;
  #next: Level | null | undefined = undefined; // undefined: not searched yet
  #acting: Level | 'point' | null = null;
  #repeats = 0;
  #gaveUp = false; // too many actions at one price: no more levels on this leg
  #startMisses = false; // the leg's first price is known not to hit (the point just ticked, nothing changed)
  #lastPoint = Number.NaN; // the price of the point ticked last

  constructor(
    readonly symbol: string,
    readonly strategy: Strategy,
    readonly market: MarketRules,
  ) {
    this.#tick = Number(market.priceTick);
    this.#tickDecimals = Number.isFinite(this.#tick) && this.#tick > 0 ? decimalsOf(this.#tick) : 0;
    this.#tickPow = 10 ** this.#tickDecimals;
    this.#hit = (u) => {
      const action = this.#actionAt(u);
      return action !== null && action !== this.blocked;
    };
  }

  /**
   * Starts a candle: the prices of its path's points, open first (the array is the walker's from
   * now on), and their clock (`openTime` plus each offset); puts the prices on a grid of integers.
   */
  enterCandle(prices: number[], openTime: number, offsets: readonly number[]): void {
    this.#prices = prices;
    const times = this.#times;
    times.length = offsets.length;
    for (let j = 0; j < offsets.length; j++) times[j] = openTime + offsets[j]!;
    // Most candles have no more decimals than the tick: `round(x·10^d) / 10^d === x` says so
    // without printing the number.
    let scale = this.#tickDecimals;
    for (const x of prices) if (Math.round(x * this.#tickPow) / this.#tickPow !== x) scale = Math.max(scale, decimalsOf(x));
    this.#scale = scale;
    this.#pow = 10 ** scale;
    const units = this.#units;
    units.length = prices.length;
    const tickUnits = Math.round(this.#tick * this.#pow);
    let exact = scale <= MAX_SCALE;
    let onTick = tickUnits >= 1;
    for (let j = 0; j < prices.length; j++) {
      const u = Math.round(prices[j]! * this.#pow);
      units[j] = u;
      if (!Number.isSafeInteger(u) || u <= 0) exact = false;
      else if (u % tickUnits !== 0) onTick = false;
    }
    // Levels on the market's tick when the candle is on it; else on the candle's own decimals.
    this.#step = !exact ? 0 : onTick ? tickUnits : 1;
  }

  /** Starts leg `leg` (from point `leg` to point `leg + 1`), from its first point. */
  enterLeg(leg: number): void {
    this.#leg = leg;
    this.#cur = this.#units[leg]!;
    this.#next = undefined;
    this.#repeats = 0;
    this.#gaveUp = false;
    // The open: known only when it is the close just ticked (no gap), a second later.
    if (leg === 0) this.#startMisses &&= this.#prices[0] === this.#lastPoint;
  }

  /** The price of point `j` for the exchange: the candle's number as its shortest decimal. */
  pointPrice(j: number): string {
    return String(this.#prices[j]!);
  }

  /** Where on the current leg, from the current price on, the strategy would first act; null when nowhere before the leg's end. */
  level(): Level | null {
    if (this.#next !== undefined) return this.#next;
    this.#next = null;
    if (this.#step === 0 || this.#gaveUp) return null;
    const to = this.#units[this.#leg + 1]!;
    const found = firstHit(this.#cur, to, this.#step, !this.#startMisses, this.#hit);
    if (found !== null) {
      const time = this.#timeAt(found);
      this.#next = { units: found, price: unitsToString(found, this.#scale), time, action: this.#actionAt(found)! };
    }
    return this.#next;
  }

  /** Says what this walker's next tick is for: its level, or (null) the point the replay sets next. */
  acting(level: Level | null): void {
    this.#acting = level ?? 'point';
  }

  /**
   * After a tick: takes the position read again (or undefined when the engine did not write the
   * record) and notes whether the engine acted on what was expected. `now` is the tick's clock:
   * the strategy is asked again there (not at the interpolated time of the walker's price, which
   * on a flat leg is the leg's start, nor at a time on its own leg when another symbol's level was
   * ticked), as the engine was.
   */
  refresh(record: CycleRecord | null | undefined, now: number, wrote = false): void {
    let changed = false;
    // The resting orders this tick's price reached (its own price was set for the tick): the
    // exchange filled them there. One whose slot the engine leaves as it was holds a fill the
    // record does not show yet (e.g. its fee not reported: looked up again on a later tick).
    const acted = this.#acting;
    const priceUnits = acted === 'point' ? this.#units[this.#leg + 1]! : acted !== null ? acted.units : null;
    const reached: OrderSlot[] = [];
    if (priceUnits !== null) {
      const price = priceUnits / this.#pow;
      for (const o of this.resting) {
        if (o.side === 'buy' ? price <= o.price : price >= o.price) {
          const slot = this.#orders.find((x) => x.intentId === o.id);
          if (slot !== undefined) reached.push(slot);
        }
      }
    }
    if (record !== undefined) {
      const orders = record?.orders ?? [];
      // An unsettled order is settled once its slot changed (a fill applied, a cancel) or left the ledger.
      for (const id of this.#unsettled) if (!sameSlot(this.#orders.find((o) => o.intentId === id), orders.find((o) => o.intentId === id))) this.#unsettled.delete(id);
      for (const slot of reached) if (sameSlot(slot, orders.find((o) => o.intentId === slot.intentId))) this.#unsettled.add(slot.intentId);
    } else {
      for (const slot of reached) this.#unsettled.add(slot.intentId);
    }
    if (record !== undefined) {
      const position = record?.position ?? null;
      const orders = record?.orders ?? [];
      this.memory = record?.memory ?? null;
      changed = !samePosition(this.position, position);
      this.position = position;
      const resting = orders.filter((o) => o.type === 'limit' && o.state === 'open').map((o) => ({ side: o.side, price: Number(o.price), id: o.intentId }));
      if (resting.map((o) => o.id).join() !== this.resting.map((o) => o.id).join()) changed = true;
      this.resting = resting;
      this.#orders = orders;
      this.#retryAt = record?.retryAt ?? null;
      this.#busy = record !== null && (!!record.exiting || !!record.closing || orders.some((o) => o.state !== 'open' || o.type !== 'limit'));
    }
    this.#wrote = wrote;
    this.#tickedAt = now;
    const acting = this.#acting;
    this.#acting = null;
    this.#startMisses = false;
    if (acting === 'point') {
      this.#cur = this.#units[this.#leg + 1]!;
      this.#lastPoint = this.#prices[this.#leg + 1]!;
      this.blocked = changed ? null : this.#actionAt(this.#cur, false, now);
      // Unchanged, the point's own decision is none or the one just blocked: no need to ask again.
      this.#startMisses = !changed;
    } else if (acting !== null) {
      if (acting.units !== this.#cur) this.#repeats = 0; // counted at one price only
      this.#cur = acting.units;
      this.#next = undefined;
      if (!changed) this.blocked = acting.action;
      else if (++this.#repeats <= MAX_REPEATS) this.blocked = null;
      else this.#gaveUp = true;
    } else if (changed) {
      this.blocked = null;
      this.#next = undefined;
    }
    this.#restingAnswer = this.#restingAt(this.#cur, now);
  }

  /**
   * Whether the engine has anything to do at the current leg's end point, or a tick there would
   * change nothing (see `replay.ts`, "Points the engine is not ticked at"): true when the last tick
   * wrote the record, when the record has work pending (a slot not resting, an exit, a close), when
   * a backoff ended since the last tick, when a resting order a tick's price reached is not
   * settled in the record yet, when the strategy would act there (its
   * decision or memory; a blocked action too), when a resting order's limit is reached there, or
   * when the strategy's resting orders differ from the last tick's.
   */
  wantsPoint(): boolean {
    if (this.#wrote || this.#busy || this.#step === 0 || this.#unsettled.size > 0) return true;
    const u = this.#units[this.#leg + 1]!;
    const now = this.#times[this.#leg + 1]!;
    // A backoff that ended since the last tick: what it held back (a placement) can go now.
    if (this.#retryAt !== null && this.#tickedAt < this.#retryAt && now >= this.#retryAt) return true;
    if (this.#actionAt(u, true, now) !== null) return true;
    const answer = this.#restingAt(u, now);
    // An answer the engine refuses (a throw, an invalid order) is reported by every tick: ticked.
    if (answer !== undefined && !this.#validResting(answer)) return true;
    // A desired order with no slot of its kind: the engine places it at its next tick unless
    // something holds it back — a backoff (its end is a point of its own, above), or a portfolio
    // limit, which lets it go later without a write to this record (a periodic open-order check's
    // observation may be the write that places it).
    if (Array.isArray(answer) && (this.#retryAt === null || now >= this.#retryAt) && this.#missing(answer as readonly DesiredOrder[])) return true;
    return answer !== this.#restingAnswer && JSON.stringify(answer) !== JSON.stringify(this.#restingAnswer);
  }

  /**
   * The leg's end point passes without a tick (nothing to do there, see {@link Walker.wantsPoint}):
   * the walk goes on from it; its price reaches the exchange before the next tick ({@link Walker.flushPrice}).
   */
  skipPoint(): void {
    this.#cur = this.#units[this.#leg + 1]!;
    this.#lastPoint = this.#prices[this.#leg + 1]!;
    this.#pendingPrice = this.#prices[this.#leg + 1]!;
    this.#acting = null;
    this.blocked = null;
    this.#startMisses = true;
  }

  /** The price of the last point passed without a tick, for the exchange (once), or null when it has it. */
  flushPrice(): string | null {
    const price = this.#pendingPrice;
    this.#pendingPrice = null;
    return price === null ? null : String(price);
  }

  /** The strategy's resting orders at `u` for the record as last read (undefined without them; a throw is an answer of its own). */
  #restingAt(u: number, now = this.#timeAt(u)): unknown {
    const strategy = this.strategy;
    if (strategy.restingOrders === undefined || this.position === null) return undefined;
    try {
      return strategy.restingOrders({ symbol: this.symbol, price: u / this.#pow, position: this.position, market: this.market, now, orders: this.#orders });
    } catch {
      return 'threw';
    }
  }

  /** True when a desired order has no slot of its kind in the record (the engine would place it, or something holds it back). */
  #missing(desired: readonly DesiredOrder[]): boolean {
    // Asked at every point: the answer for the same answer and slots (by identity) is remembered.
    const memo = this.#missingMemo;
    if (memo !== null && memo.desired === desired && memo.orders === this.#orders) return memo.missing;
    const key = (o: { purpose: string; level?: number | undefined }) => (o.purpose === 'rebuy' ? `rebuy:${o.level ?? 0}` : o.purpose);
    const live = new Set(this.#orders.filter((o) => o.type === 'limit').map(key));
    const missing = desired.some((d) => !live.has(key(d)));
    this.#missingMemo = { desired, orders: this.#orders, missing };
    return missing;
  }
  #missingMemo: { desired: readonly DesiredOrder[]; orders: readonly OrderSlot[]; missing: boolean } | null = null;

  /** True when the engine takes a `restingOrders` answer without an error (the last one checked is remembered by identity). */
  #validResting(answer: unknown): boolean {
    if (answer === 'threw') return false;
    if (answer === this.#checkedResting) return true;
    try {
      checkDesired(this.symbol, answer, this.market);
    } catch {
      return false;
    }
    this.#checkedResting = answer;
    return true;
  }

  /** The clock at `u` on the current leg, by linear interpolation of the price. */
  #timeAt(u: number): number {
    const a = this.#units[this.#leg]!;
    const b = this.#units[this.#leg + 1]!;
    const ta = this.#times[this.#leg]!;
    if (a === b) return ta;
    const tb = this.#times[this.#leg + 1]!;
    return ta + Math.floor(((tb - ta) * (u - a)) / (b - a));
  }

  /** The action the strategy would take at `u` (grid units), or null; a throw or a malformed answer is none. */
  #actionAt(u: number, remember = false, now = this.#timeAt(u)): string | null {
    let decision: unknown;
    try {
      decision = this.strategy.decide({ symbol: this.symbol, price: u / this.#pow, position: this.position, market: this.market, now, memory: this.memory });
    } catch {
      // The engine reports a throw at every tick: a point where it throws is ticked (not a level).
      return remember ? 'threw' : null;
    }
    const action = decision !== null && typeof decision === 'object' ? (decision as { action?: unknown }).action : undefined;
    // `remember` trades nothing: the engine records it at the next point (a trailing take-profit's
    // peak at the extreme), and the exit it leads to is a level of its own.
    if (typeof action === 'string' && (remember || action !== 'remember')) return action;
    // A malformed answer (not null, no action) is reported by every tick too.
    if (remember && decision !== null && typeof action !== 'string') return 'invalid';
    // A resting LIMIT order fills where the price reaches its limit: the engine ticks there to see it.
    const price = u / this.#pow;
    for (const o of this.resting) if (o.side === 'buy' ? price <= o.price : price >= o.price) return `resting:${o.id}`;
    return null;
  }
}
