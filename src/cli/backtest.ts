/**
 * `cycle-engine backtest`: one set of `dca()` settings over one or more candle files, through
 * `backtest()` (the real engine on a paper exchange); prints the metrics, writes the HTML report.
 */
import { backtest, loadCandles } from '../backtest/index';
import { formatMetric, METRIC_LABELS } from '../backtest/report/format';
import { dca, InvalidOptionsError } from '../index';
import { parseFlags, stringFlag } from './args';
import type { CommandIo } from './io';
import { accountFromFlags, ACCOUNT_FLAG_HELP, dcaFlagHelp, dcaOptionsFromFlags, quoteOf, sharedFlagSpecs } from './strategy-flags';

/**
 * The help text of `backtest`.
 * @internal
 */
export const BACKTEST_HELP = `Usage: cycle-engine backtest --data <file> --symbol <BASE/QUOTE> --start-quote <n> --take-profit <pct> --rebuy-drop <pct> --max-rebuys <n> [flags]

Replays candles through the real engine (a paper exchange on a manual clock) with one set of
dca() settings; prints the metrics and writes a self-contained HTML report.

Data:
  --data <file>           candles: JSON [ts, open, high, low, close, volume] arrays, or CSV with a header
  --symbol <BASE/QUOTE>   the market of --data; repeat both (in pairs) for several markets sharing one balance

Strategy (dca() options):
${dcaFlagHelp()}

Account:
${ACCOUNT_FLAG_HELP}

Output:
  --report <file.html>    write the HTML report (charts, trades, metrics, cycles)
  --title <text>          the report's title
  --json                  print one JSON object { metrics, trades, cycles, balances, errors, report }
  -h, --help              this help

Exit codes: 0 done, 1 the data or the run failed, 2 bad flags or settings.`;

/**
 * Runs `backtest` with `argv` (after the command name).
 * @throws {@link "cycle-engine".InvalidOptionsError} for bad flags or settings
 * @internal
 */
export async function backtestCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, help } = parseFlags('backtest', argv, { ...sharedFlagSpecs(), data: { type: 'string', multiple: true }, symbol: { type: 'string', multiple: true } });
  if (help) {
    io.out(BACKTEST_HELP);
    return 0;
  }
  const files = (values.data as string[] | undefined) ?? [];
  const symbols = (values.symbol as string[] | undefined) ?? [];
  if (files.length === 0) throw new InvalidOptionsError('--data', 'is required (a candle file)');
  if (symbols.length !== files.length) throw new InvalidOptionsError('--symbol', `give one --symbol per --data (got ${symbols.length} for ${files.length})`);
  const quote = quoteOf(symbols[0]!);
  symbols.forEach(quoteOf);
  const strategy = dca(dcaOptionsFromFlags(values) as Parameters<typeof dca>[0]);
  const account = accountFromFlags(values, quote, symbols);
  const markets = await Promise.all(files.map(async (file, i) => ({ symbol: symbols[i]!, candles: await loadCandles(file) })));
  const result = await backtest({ ...(markets.length === 1 ? markets[0]! : { markets }), strategy, ...account });
  const report = stringFlag(values, 'report');
  if (report !== undefined) await result.writeReport(report, { title: stringFlag(values, 'title') });
  for (const e of result.errors) io.err(`warning: the engine reported ${e.name}: ${e.message}`);
  if (result.refused.length > 0) {
    const first = result.refused[0]!;
    io.err(`warning: the paper exchange refused ${result.refused.length} order(s); the first, a ${first.purpose} ${first.side} of ${first.symbol} at ${new Date(first.time).toISOString()}: ${first.reason}: ${first.message}${first.reason === 'MIN_NOTIONAL' || /notional|tick|step/i.test(first.message) ? ' (see --price-tick, --amount-step, --min-notional)' : ''}`);
  }
  if (values.json === true) {
    io.out(JSON.stringify({ metrics: result.metrics, trades: result.trades.length, cycles: result.cycles.length, balances: result.balances, errors: result.errors.map((e) => ({ name: e.name, code: e.code, message: e.message })), refused: result.refused, report: report ?? null }, null, 2));
    return 0;
  }
  const candles = markets.reduce((n, m) => n + m.candles.length, 0);
  const lines = [`${symbols.join(', ')}: ${candles} candles, ${result.trades.length} trades, ${result.cycles.length} cycles`];
  const width = Math.max(...METRIC_LABELS.map(([, label]) => label.length));
  for (const [key, label] of METRIC_LABELS) lines.push(`  ${label.padEnd(width)}  ${formatMetric(key, result.metrics)}`);
  lines.push(`  ${'Balances at the end'.padEnd(width)}  ${Object.entries(result.balances).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (report !== undefined) lines.push(`report: ${report}`);
  io.out(lines.join('\n'));
  return 0;
}
