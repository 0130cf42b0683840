/**
 * What a backtest records from the engine's events: every fill (a trade), every LIMIT order's
 * resting span, every cycle (buys, average price, close and its reason), and the capital tied up.
 * Exit reasons and purposes are taken as the engine names them, so new ones count without change.
 */
import { Decimal, str } from '../decimal';
import type { CycleEngine } from '../engine/cycle-engine';
import type { CycleEngineEvents, CycleActivatedEvent, CycleClosedEvent, CyclePartiallySoldEvent, CycleReboughtEvent, OrderCancelledEvent, OrderFilledEvent, OrderPartiallyFilledEvent, OrderPlacedEvent, OrderRejectedEvent } from '../events';
import type { Clock } from '../ports/clock';
import type { Position } from '../ports/record';
import type { BacktestCycle, BacktestRefusal, BacktestTrade, CycleEndReason, RestingSpan } from './types';

interface Resting {
  readonly symbol: string;
  readonly purpose: RestingSpan['purpose'];
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly from: number;
  readonly baseAmount: Decimal;
  filledBase: Decimal;
}

interface CycleDraft {
  symbol: string;
  cycleId: string;
  openedAt: number;
  closedAt: number | null;
  endReason: CycleEndReason | null;
  buys: number;
  investedQuote: string;
  pnlQuote: string;
  avgPrice: Array<readonly [number, string]>;
}

/**
 * Listens to one engine for the length of a backtest.
 * @internal
 */
export class BacktestRecorder {
  readonly trades: BacktestTrade[] = [];
  /** The client order id of each trade (same index). */
  readonly clientOrderIds: string[] = [];
  readonly resting: RestingSpan[] = [];
  /** Orders the exchange refused, in order. */
  readonly refused: BacktestRefusal[] = [];
  readonly #open = new Map<string, Resting>();
  readonly #cycles = new Map<string, CycleDraft>();
  readonly #order: CycleDraft[] = [];
  /** Cost of each symbol's open position. */
  readonly #invested = new Map<string, Decimal>();
  #reservedQuote = new Decimal(0);
  /** True once an order was filled, placed or ended since the flag was last cleared: the account changed. */
  changed = true;
  #capital = new Decimal(0);
  #peakCapital = new Decimal(0);
  readonly #detach: Array<() => void> = [];

  constructor(
    engine: Pick<CycleEngine, 'on' | 'off'>,
    private readonly clock: Clock,
  ) {
    const listen = <E extends keyof CycleEngineEvents>(event: E, fn: CycleEngineEvents[E]) => {
      engine.on(event, fn as never);
      this.#detach.push(() => engine.off(event, fn as never));
    };
    listen('order:filled', (e: OrderFilledEvent) => this.#filled(e));
    listen('order:placed', (e: OrderPlacedEvent) => this.#placed(e));
    listen('order:partiallyFilled', (e: OrderPartiallyFilledEvent) => this.#partial(e));
    listen('order:cancelled', (e: OrderCancelledEvent) => this.#ended(e.intentId));
    listen('cycle:activated', (e: CycleActivatedEvent) => this.#bought(e.symbol, e.cycleId, e.position));
    listen('cycle:rebought', (e: CycleReboughtEvent) => this.#bought(e.symbol, e.cycleId, e.position));
    listen('cycle:partiallySold', (e: CyclePartiallySoldEvent) => this.#setInvested(e.symbol, e.position.investedQuote));
    listen('cycle:closed', (e: CycleClosedEvent) => this.#closed(e));
    listen('order:rejected', (e: OrderRejectedEvent) => {
      this.refused.push({ time: this.clock.now(), symbol: e.symbol, purpose: e.purpose, side: e.side, reason: e.reason, message: e.message });
    });
  }

  /** Stops listening. */
  detach(): void {
    for (const off of this.#detach.splice(0)) off();
  }

  /** The largest capital tied up so far: positions' cost plus quote reserved by resting buys. */
  get peakCapitalQuote(): string {
    return str(this.#peakCapital);
  }

  /** Quote and base still reserved by resting orders, by symbol (for equity: the paper balances leave them out). */
  reserved(): { quote: Decimal; base: Map<string, Decimal> } {
    const base = new Map<string, Decimal>();
    for (const r of this.#open.values()) {
      if (r.side === 'sell') base.set(r.symbol, (base.get(r.symbol) ?? new Decimal(0)).plus(r.baseAmount.minus(r.filledBase)));
    }
    return { quote: this.#reservedQuote, base };
  }

  /** The cycles, in the order they opened; those still open end at `closedAt: null`. */
  cycles(): BacktestCycle[] {
    return this.#order.map((c) => ({ ...c, avgPrice: [...c.avgPrice] }));
  }

  /** Closes the spans of orders still resting at `end`. */
  finish(end: number): void {
    for (const r of this.#open.values()) this.resting.push(span(r, end));
    this.#open.clear();
  }

  #filled(e: OrderFilledEvent): void {
    this.changed = true;
    const f = e.fill;
    const fees: Record<string, string> = {};
    for (const fee of f.fees ?? (f.fee === null ? [] : [f.fee])) fees[fee.currency] = str(new Decimal(fees[fee.currency] ?? 0).plus(fee.amount));
    this.clientOrderIds.push(e.clientOrderId);
    this.trades.push({
      time: f.timestamp, symbol: e.symbol, cycleId: e.cycleId, purpose: e.purpose, side: e.side,
      type: this.#open.has(e.intentId) ? 'limit' : 'market',
      price: f.avgPrice, baseAmount: f.filledBase, quoteAmount: f.costQuote, fees,
    });
    this.#ended(e.intentId);
  }

  #placed(e: OrderPlacedEvent): void {
    this.changed = true;
    const r: Resting = {
      symbol: e.symbol, purpose: e.purpose as RestingSpan['purpose'], side: e.side, price: e.price, from: this.clock.now(),
      baseAmount: new Decimal(e.baseAmount), filledBase: new Decimal(e.state.filledBase),
    };
    this.#open.set(e.intentId, r);
    if (r.side === 'buy') this.#reserve(r.baseAmount.minus(r.filledBase).mul(r.price));
  }

  #partial(e: OrderPartiallyFilledEvent): void {
    this.changed = true;
    const r = this.#open.get(e.intentId);
    if (r === undefined) return;
    const filled = new Decimal(e.filledBase);
    if (r.side === 'buy') this.#reserve(r.filledBase.minus(filled).mul(r.price));
    r.filledBase = filled;
  }

  /** An order left the book (filled or cancelled): its span ends, its reservation is freed. */
  #ended(intentId: string): void {
    this.changed = true;
    const r = this.#open.get(intentId);
    if (r === undefined) return;
    this.#open.delete(intentId);
    this.resting.push(span(r, this.clock.now()));
    if (r.side === 'buy') this.#reserve(r.filledBase.minus(r.baseAmount).mul(r.price));
  }

  #bought(symbol: string, cycleId: string, p: Position): void {
    let c = this.#cycles.get(cycleId);
    const now = this.clock.now();
    if (c === undefined) {
      c = { symbol, cycleId, openedAt: p.openedAt, closedAt: null, endReason: null, buys: 0, investedQuote: '0', pnlQuote: '0', avgPrice: [] };
      this.#cycles.set(cycleId, c);
      this.#order.push(c);
    }
    // One average-price point per buy (a resting buy filled in parts moves the last one's price).
    if (p.buys > c.buys || c.avgPrice.length === 0) c.avgPrice.push([now, p.avgPrice]);
    else c.avgPrice[c.avgPrice.length - 1] = [c.avgPrice[c.avgPrice.length - 1]![0], p.avgPrice];
    c.buys = p.buys;
    c.investedQuote = p.investedQuote;
    this.#setInvested(symbol, p.investedQuote);
  }

  #closed(e: CycleClosedEvent): void {
    const c = this.#cycles.get(e.cycleId);
    if (c !== undefined) {
      c.closedAt = e.fill?.timestamp ?? this.clock.now();
      c.endReason = e.reason as CycleEndReason;
      c.pnlQuote = e.pnlQuote;
      c.buys = Math.max(c.buys, e.buys);
    }
    this.#setInvested(e.symbol, '0');
  }

  #setInvested(symbol: string, quote: string): void {
    const next = new Decimal(quote);
    this.#capital = this.#capital.minus(this.#invested.get(symbol) ?? 0).plus(next);
    this.#invested.set(symbol, next);
    this.#notePeak();
  }

  #reserve(delta: Decimal): void {
    this.#reservedQuote = this.#reservedQuote.plus(delta);
    this.#capital = this.#capital.plus(delta);
    this.#notePeak();
  }

  #notePeak(): void {
    if (this.#capital.gt(this.#peakCapital)) this.#peakCapital = this.#capital;
  }
}

function span(r: Resting, to: number): RestingSpan {
  return { symbol: r.symbol, purpose: r.purpose, side: r.side, price: r.price, from: r.from, to };
}
