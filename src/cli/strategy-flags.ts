/**
 * The flags `backtest` and `sweep` share: the `dca()` options, one flag each (`--take-profit` is
 * `takeProfitPct`), and the paper account's (balance, fees, slippage, intrabar path).
 */
import { InvalidOptionsError, type DcaOptions } from '../index';
import { decimalFlag, durationFlag, integerFlag, stringFlag, type FlagSpecs, type ParsedFlags } from './args';

type Kind = 'decimal' | 'integer' | 'duration' | 'market-or-limit';

/**
 * Each `dca()` option's flag: its name, the option it sets, and how its value reads.
 * @internal
 */
export const DCA_FLAGS: ReadonlyArray<{ readonly flag: string; readonly option: keyof DcaOptions; readonly kind: Kind; readonly help: string }> = [
  { flag: 'start-quote', option: 'startQuote', kind: 'decimal', help: 'quote spent by the start buy (required)' },
  { flag: 'take-profit', option: 'takeProfitPct', kind: 'decimal', help: 'take profit, % over the average price (required)' },
  { flag: 'rebuy-drop', option: 'rebuyDropPct', kind: 'decimal', help: 'drop, % under the last buy, that triggers a rebuy (required)' },
  { flag: 'max-rebuys', option: 'maxRebuys', kind: 'integer', help: 'most rebuys per cycle (required)' },
  { flag: 'rebuy-step-scale', option: 'rebuyStepScale', kind: 'decimal', help: 'each later rebuy needs this many times the previous drop (default 1)' },
  { flag: 'rebuy-volume-scale', option: 'rebuyVolumeScale', kind: 'decimal', help: 'rebuy k buys start-quote × scale^k (default 1)' },
  { flag: 'max-invested', option: 'maxInvestedQuote', kind: 'decimal', help: 'no buy takes a cycle above this much quote' },
  { flag: 'cooldown', option: 'cooldownMs', kind: 'duration', help: 'wait after a sell before the next cycle (e.g. 30m, 2h)' },
  { flag: 'take-profit-order', option: 'takeProfitOrder', kind: 'market-or-limit', help: 'market (default) or limit' },
  { flag: 'rebuy-orders', option: 'rebuyOrders', kind: 'market-or-limit', help: 'market (default) or limit' },
  { flag: 'active-rebuys', option: 'activeRebuys', kind: 'integer', help: 'with limit rebuys: how many rest at once (default 1)' },
  { flag: 'stop-loss', option: 'stopLossPct', kind: 'decimal', help: 'exit at this loss, % under the average price' },
  { flag: 'stop-loss-timeout', option: 'stopLossTimeoutMs', kind: 'duration', help: 'exit only after the price stayed at the stop this long' },
  { flag: 'trailing-take-profit', option: 'trailingTakeProfitPct', kind: 'decimal', help: 'trail the take profit by this %' },
  { flag: 'max-cycle', option: 'maxCycleMs', kind: 'duration', help: 'exit a cycle open this long (e.g. 7d)' },
];

/** The four options `dca()` cannot do without. */
export const REQUIRED_DCA_FLAGS = ['start-quote', 'take-profit', 'rebuy-drop', 'max-rebuys'] as const;

/**
 * The paper account's flags (and their help), shared by both commands.
 * @internal
 */
export const ACCOUNT_FLAG_HELP = `  --balance <quote>        start balance in the quote currency (default 1000)
  --fee-rate <rate>        taker fee rate, e.g. 0.001 for 0.1 % (default 0.001)
  --maker-fee-rate <rate>  fee rate of resting limit orders (default: --fee-rate)
  --slippage <pct>         market fills move this % against the bot (default 0.05)
  --intrabar <mode>        ohlc (default: open → low/high → close) or close

Market rules (every market; default those of the paper exchange: tick 0.01, step 0.00001, min notional 5):
  --price-tick <n>         prices are multiples of this, e.g. 0.00000001 for ETH/BTC
  --amount-step <n>        amounts are multiples of this
  --min-notional <n>       orders below this much quote are refused`;

/**
 * The `dca()` flags' help lines.
 * @internal
 */
export function dcaFlagHelp(): string {
  const names = DCA_FLAGS.map((f) => `${f.flag} <${f.kind === 'market-or-limit' ? 'type' : f.kind === 'duration' ? 'time' : 'n'}>`);
  const width = Math.max(...names.map((n) => n.length)) + 2; // the longest name, then two spaces
  return DCA_FLAGS.map((f, i) => `  --${names[i]!.padEnd(width)}${f.help}`).join('\n');
}

/**
 * The specs of the shared flags.
 * @internal
 */
export function sharedFlagSpecs(): FlagSpecs {
  const specs: FlagSpecs = {
    balance: { type: 'string' }, 'fee-rate': { type: 'string' }, 'maker-fee-rate': { type: 'string' }, slippage: { type: 'string' }, intrabar: { type: 'string' },
    'price-tick': { type: 'string' }, 'amount-step': { type: 'string' }, 'min-notional': { type: 'string' },
    report: { type: 'string' }, title: { type: 'string' }, json: { type: 'boolean' },
  };
  for (const f of DCA_FLAGS) specs[f.flag] = { type: 'string' };
  return specs;
}

/**
 * One flag value read as its `dca()` option's type (the sweep's grid uses it for each value).
 * @throws {@link InvalidOptionsError} naming the flag when the value does not read
 * @internal
 */
export function readDcaValue(flag: string, raw: string): string | number {
  const spec = DCA_FLAGS.find((f) => f.flag === flag);
  if (spec === undefined) throw new InvalidOptionsError(`--${flag}`, `not a strategy flag (one of ${DCA_FLAGS.map((f) => f.flag).join(', ')})`);
  const values = { [flag]: raw };
  if (spec.kind === 'decimal') return decimalFlag(values, flag)!;
  if (spec.kind === 'integer') return integerFlag(values, flag)!;
  if (spec.kind === 'duration') return durationFlag(values, flag)!;
  if (raw !== 'market' && raw !== 'limit') throw new InvalidOptionsError(`--${flag}`, `expected market or limit, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * The `dca()` options given by flags (`skip`: flags the caller sets otherwise, e.g. swept ones).
 * @throws {@link InvalidOptionsError} naming the first flag that is missing or does not read
 * @internal
 */
export function dcaOptionsFromFlags(values: ParsedFlags['values'], skip: ReadonlySet<string> = new Set()): Partial<Record<keyof DcaOptions, string | number>> {
  for (const flag of REQUIRED_DCA_FLAGS) {
    if (!skip.has(flag) && stringFlag(values, flag) === undefined) throw new InvalidOptionsError(`--${flag}`, 'is required');
  }
  const out: Partial<Record<keyof DcaOptions, string | number>> = {};
  for (const f of DCA_FLAGS) {
    const raw = stringFlag(values, f.flag);
    if (raw !== undefined && !skip.has(f.flag)) out[f.option] = readDcaValue(f.flag, raw);
  }
  return out;
}

/**
 * The paper account's options given by flags, for a market quoted in `quote`.
 * @throws {@link InvalidOptionsError} naming the first flag that does not read
 * @internal
 */
export function accountFromFlags(values: ParsedFlags['values'], quote: string, symbols: readonly string[] = []) {
  const intrabar = stringFlag(values, 'intrabar');
  if (intrabar !== undefined && intrabar !== 'ohlc' && intrabar !== 'close') throw new InvalidOptionsError('--intrabar', `expected ohlc or close, got ${JSON.stringify(intrabar)}`);
  const rules = {
    ...optional('priceTick', decimalFlag(values, 'price-tick')),
    ...optional('amountStep', decimalFlag(values, 'amount-step')),
    ...optional('minNotional', decimalFlag(values, 'min-notional')),
  };
  return {
    ...(Object.keys(rules).length === 0 ? {} : { marketRules: Object.fromEntries(symbols.map((s) => [s, rules])) }),
    startBalance: { [quote]: decimalFlag(values, 'balance') ?? '1000' },
    feeRate: decimalFlag(values, 'fee-rate') ?? '0.001',
    makerFeeRate: decimalFlag(values, 'maker-fee-rate'),
    slippagePct: decimalFlag(values, 'slippage'),
    intrabar: intrabar as 'ohlc' | 'close' | undefined,
  };
}

/**
 * The quote currency of a `BASE/QUOTE` symbol.
 * @throws {@link InvalidOptionsError} when the symbol is not one
 * @internal
 */
export function quoteOf(symbol: string): string {
  const parts = symbol.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new InvalidOptionsError('--symbol', `expected BASE/QUOTE such as ETH/USDT, got ${JSON.stringify(symbol)}`);
  return parts[1]!;
}

/** `{ [key]: value }`, or nothing when the value is undefined. */
function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
