/**
 * `backtest()`: the real {@link CycleEngine} on a {@link PaperExchange}, a memory store and lock
 * and a manual clock, driven along each candle's intrabar path by the replay; what happened is
 * read from the engine's events and the account.
 */
import { PaperExchange } from '../adapters/paper/paper-exchange';
import { MemoryLock } from '../adapters/memory/memory-lock';
import { MemoryStateStore } from '../adapters/memory/memory-state-store';
import { Decimal, str } from '../decimal';
import { CycleEngine } from '../engine/cycle-engine';
import type { CycleEngineError } from '../errors';
import { ManualClock } from '../ports/clock';
import { parseBacktestOptions, routeStrategies, type BacktestOptions } from './backtest-options';
import { EquityCurve } from './equity-curve';
import { fixedOf, fixedOfNumber, plusProduct, plusProductSmall, smallOfNumber, toSmall, type Fixed, type SmallFixed } from './fixed';
import { computeMetrics } from './metrics';
import { BacktestRecorder } from './recorder';
import { DEFAULT_SLIPPAGE_PCT, replay } from './replay';
import { settingsOf, writeBacktestReport, type ReportFileOptions } from './report-file';
import type { BacktestCycle, BacktestMetrics, BacktestRefusal, BacktestTrade, Candle, EquityPoint, RestingSpan } from './types';

/**
 * What `backtest()` returns.
 * @public
 */
export interface BacktestResult {
  /** The figures (see {@link BacktestMetrics}). */
  readonly metrics: BacktestMetrics;
  /** Every order that executed, in order. */
  readonly trades: readonly BacktestTrade[];
  /** Every cycle, in the order they opened; those open at the end have `closedAt: null`. */
  readonly cycles: readonly BacktestCycle[];
  /** Every LIMIT order's level while it rested. */
  readonly resting: readonly RestingSpan[];
  /** Equity at each candle's close (time: the candle's open time, as on the price chart). */
  readonly equity: readonly EquityPoint[];
  /** The candles replayed, by symbol. */
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
  /** The paper account at the end. */
  readonly balances: Readonly<Record<string, string>>;
  /** Errors the engine reported (none in a clean run). */
  readonly errors: readonly CycleEngineError[];
  /** Orders the paper exchange refused (below the market's minimums, beyond the balance, …), in order: why a backtest traded less than expected. */
  readonly refused: readonly BacktestRefusal[];
  /** Writes the self-contained HTML report of this backtest to `path`. */
  writeReport(path: string, options?: ReportFileOptions): Promise<void>;
}

/**
 * Backtests a strategy over historical candles with the same engine and protocol that trade live:
 * a {@link PaperExchange} (fees, MARKET slippage, a resting LIMIT book) on a manual clock, each
 * candle walked along its intrabar path (open → low → high → close for a green candle, open →
 * high → low → close for a red one), the engine ticked at the first price where the strategy would
 * act and where resting orders fill. Several markets share one balance with `markets`.
 *
 * @example
 * ```ts
 * const candles = await loadCandles('data/eth-usdt-1h.json');
 * const result = await backtest({ symbol: 'ETH/USDT', candles, strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }), startBalance: { USDT: '1000' }, feeRate: '0.001' });
 * console.log(result.metrics.realizedPnlQuote);
 * await result.writeReport('report.html');
 * ```
 * @throws {@link InvalidOptionsError} for bad options (before anything runs)
 * @public
 */
export async function backtest(options: BacktestOptions): Promise<BacktestResult> {
  return runBacktest(options, true);
}

/**
 * {@link backtest}, with or without the equity points (`equity`; a sweep ranks on the metrics
 * only, and printing half a million exact amounts is most of a quiet year's cost). The metrics
 * are the same either way.
 * @internal
 */
export async function runBacktest(options: BacktestOptions, equityPoints: boolean): Promise<BacktestResult> {
  const parsed = parseBacktestOptions(options);
  const { markets, quote } = parsed;
  const candles: Record<string, readonly Candle[]> = Object.fromEntries(markets.map((m) => [m.symbol, m.candles]));
  const first = markets[0]!.candles;
  const clock = new ManualClock(first[0]!.time);
  const exchange = new PaperExchange({
    balances: options.startBalance,
    feeRate: options.feeRate,
    makerFeeRate: options.makerFeeRate ?? options.feeRate,
    clock,
    ...(options.marketRules === undefined ? {} : { markets: options.marketRules }),
  });
  const strategy = routeStrategies(new Map(markets.map((m) => [m.symbol, m.strategy])));
  const engine = new CycleEngine({
    ...options.engine,
    exchange, store: new MemoryStateStore(), lock: new MemoryLock(), symbols: markets.map((m) => m.symbol), strategy, clock,
  });
  const recorder = new BacktestRecorder(engine, clock);
  const errors: CycleEngineError[] = [];
  engine.on('error', (e) => errors.push(e));

  // Equity at each close: the account (free and reserved) with each base at the close. The
  // account is read again only when an order changed it.
  const curve = new EquityCurve({ points: equityPoints });
  let quoteHeld: Fixed = { units: 0n, scale: 0 };
  const baseHeld: Fixed[] = markets.map(() => ({ units: 0n, scale: 0 }));
  let quoteSmall: SmallFixed | null = { units: 0, scale: 0 };
  const baseSmall: Array<SmallFixed | null> = markets.map(() => ({ units: 0, scale: 0 }));
  const count = first.length;
  const interval = count > 1 ? first[1]!.time - first[0]!.time : 3_600_000;
  await replay({
    engine, strategy, exchange, clock, candles,
    intrabar: options.intrabar ?? 'ohlc',
    tickEveryPoint: options.tickEveryPoint ?? false,
    slippagePct: options.slippagePct ?? DEFAULT_SLIPPAGE_PCT,
    intervalMs: interval,
    onCandle: (i, time) => {
      if (recorder.changed) {
        recorder.changed = false;
        const reserved = recorder.reserved();
        quoteHeld = fixedOf(str(new Decimal(exchange.balance(quote)).plus(reserved.quote)));
        quoteSmall = toSmall(quoteHeld);
        markets.forEach((m, k) => {
          baseHeld[k] = fixedOf(str(new Decimal(exchange.balance(m.base)).plus(reserved.base.get(m.symbol) ?? 0)));
          baseSmall[k] = toSmall(baseHeld[k]!);
        });
      }
      // In floats while every figure is a safe integer of units (exact); else in bigints.
      let small: SmallFixed | null = quoteSmall;
      for (let k = 0; k < markets.length && small !== null; k++) {
        if (baseHeld[k]!.units === 0n) continue;
        const close = baseSmall[k] === null ? null : smallOfNumber(markets[k]!.candles[i]!.close);
        small = close === null ? null : plusProductSmall(small, baseSmall[k]!, close);
      }
      if (small !== null) curve.add(time, small);
      else {
        let equity = quoteHeld;
        for (let k = 0; k < markets.length; k++) {
          if (baseHeld[k]!.units !== 0n) equity = plusProduct(equity, baseHeld[k]!, fixedOfNumber(markets[k]!.candles[i]!.close));
        }
        curve.add(time, equity);
      }
      options.onCandle?.(i, count);
    },
  });
  await engine.idle();
  await engine.stop();
  const endTime = first[count - 1]!.time + interval;
  recorder.finish(endTime);
  recorder.detach();

  // Trades' order types as the exchange received them (a LIMIT order filled on arrival never rested).
  const typeOf = new Map(exchange.orders.map((o) => [o.clientOrderId, o.type === 'limit' ? 'limit' : 'market'] as const));
  const trades = recorder.trades.map((t, i) => ({ ...t, type: typeOf.get(recorder.clientOrderIds[i]!) ?? t.type }));
  const records = await engine.listCycles();
  const realized = records.reduce((sum, r) => sum.plus(r.realizedPnlQuote), new Decimal(0));
  const open = records.filter((r) => r.position !== null).map((r) => ({ symbol: r.symbol, baseVolume: r.position!.baseVolume, investedQuote: r.position!.investedQuote }));
  const cycles = recorder.cycles();

  const metrics = computeMetrics({
    realizedPnlQuote: str(realized), open, lastClose: Object.fromEntries(markets.map((m) => [m.symbol, m.candles[count - 1]!.close])),
    sellFeeRate: str(new Decimal(options.feeRate)), cycles, trades, equity: [], peakCapitalQuote: recorder.peakCapitalQuote,
    maxRebuys: parsed.maxRebuys, endTime, maxDrawdown: curve.maxDrawdown(),
  });
  const assets = new Set([quote, ...markets.map((m) => m.base), ...Object.keys(options.startBalance)]);
  const balances = Object.fromEntries([...assets].map((a) => [a, exchange.balance(a)]));
  const resting = recorder.resting;
  const settings = settingsOf(options, markets);
  return {
    metrics, trades, cycles, resting, candles, balances, errors, refused: recorder.refused,
    // Printed when first read (most scripts read the metrics only); a getter, so spreads and JSON include it.
    get equity() {
      return curve.points;
    },
    writeReport: (path, o) => writeBacktestReport(path, { title: o?.title ?? `Backtest ${markets.map((m) => m.symbol).join(', ')}`, settings, candles, trades, resting, cycles, equity: curve.points, metrics }),
  };
}
