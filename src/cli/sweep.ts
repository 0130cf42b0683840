/**
 * `cycle-engine sweep`: every combination of a grid of `dca()` settings over one candle file,
 * through `sweep()` (worker threads on all cores), ranked by a metric.
 */
import { loadCandles, sweep, type BacktestMetrics } from '../backtest/index';
import { InvalidOptionsError } from '../index';
import { integerFlag, parseFlags, stringFlag } from './args';
import type { CommandIo } from './io';
import { accountFromFlags, ACCOUNT_FLAG_HELP, DCA_FLAGS, dcaFlagHelp, dcaOptionsFromFlags, quoteOf, readDcaValue, sharedFlagSpecs } from './strategy-flags';

/**
 * The help text of `sweep`.
 * @internal
 */
export const SWEEP_HELP = `Usage: cycle-engine sweep --data <file> --symbol <BASE/QUOTE> --grid <flag>=<v1,v2,…> [--grid …] [flags]

Backtests every combination of the --grid values (each grid flag is a strategy flag without its
dashes, e.g. take-profit=1,1.5,2) with the other strategy flags as given, on worker threads across
all cores, and ranks them.

Data:
  --data <file>           candles: JSON [ts, open, high, low, close, volume] arrays, or CSV with a header
  --symbol <BASE/QUOTE>   their market

Grid:
  --grid <flag>=<values>  swept values of one strategy flag, comma-separated (repeat for more flags)
  --rank-by <metric>      realizedPnlQuote (default), roiOnPeakCapitalPct, maxDrawdownPct, cyclesClosed, …
  --workers <n>           worker threads (default: one per core; 0: none)
  --heatmap <x>,<y>       the report's heat map axes (grid flags; default the first two)
  --top <n>               rows printed (default 10; --json prints all)

Strategy (dca() options; flags in the grid come from the grid):
${dcaFlagHelp()}

Account:
${ACCOUNT_FLAG_HELP}

Output:
  --report <file.html>    write the HTML report (a sortable table and a heat map)
  --title <text>          the report's title
  --json                  print one JSON object { rankBy, workers, elapsedMs, rows }
  -h, --help              this help

A progress bar goes to stderr when it is a terminal.
Exit codes: 0 done, 1 the data or a run failed, 2 bad flags or settings.`;

const OPTION_OF = new Map(DCA_FLAGS.map((f) => [f.flag, f.option] as const));
const FLAG_OF = new Map(DCA_FLAGS.map((f) => [f.option as string, f.flag] as const));

/**
 * `--grid` values read: the `dca()` option → its values, and the flags swept.
 * @throws {@link InvalidOptionsError} for a grid entry that does not read
 * @internal
 */
export function parseGrid(entries: readonly string[]): { grid: Record<string, Array<string | number>>; flags: Set<string> } {
  if (entries.length === 0) throw new InvalidOptionsError('--grid', 'is required (e.g. --grid take-profit=1,1.5,2)');
  const grid: Record<string, Array<string | number>> = {};
  const flags = new Set<string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const flag = eq < 0 ? entry : entry.slice(0, eq).replace(/^--/, '');
    const option = OPTION_OF.get(flag);
    if (eq < 0 || option === undefined) throw new InvalidOptionsError('--grid', `expected <strategy flag>=<v1,v2,…> such as take-profit=1,1.5,2, got ${JSON.stringify(entry)}`);
    if (flags.has(flag)) throw new InvalidOptionsError('--grid', `${flag} is given twice`);
    const raw = entry.slice(eq + 1).split(',').map((v) => v.trim());
    if (raw.some((v) => v === '')) throw new InvalidOptionsError('--grid', `${flag}: expected comma-separated values, got ${JSON.stringify(entry.slice(eq + 1))}`);
    // Plain numbers go in as numbers when they read back the same (the heat map sorts them), other values as given.
    grid[option] = raw.map((v) => {
      const value = readDcaValue(flag, v);
      return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) && String(Number(value)) === value ? Number(value) : value;
    });
    flags.add(flag);
  }
  return { grid, flags };
}

/**
 * Runs `sweep` with `argv` (after the command name).
 * @throws {@link "cycle-engine".InvalidOptionsError} for bad flags or settings
 * @internal
 */
export async function sweepCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, help } = parseFlags('sweep', argv, {
    ...sharedFlagSpecs(), data: { type: 'string' }, symbol: { type: 'string' }, grid: { type: 'string', multiple: true },
    'rank-by': { type: 'string' }, workers: { type: 'string' }, heatmap: { type: 'string' }, top: { type: 'string' },
  });
  if (help) {
    io.out(SWEEP_HELP);
    return 0;
  }
  const file = stringFlag(values, 'data');
  const symbol = stringFlag(values, 'symbol');
  if (file === undefined) throw new InvalidOptionsError('--data', 'is required (a candle file)');
  if (symbol === undefined) throw new InvalidOptionsError('--symbol', 'is required (e.g. ETH/USDT)');
  const { grid, flags } = parseGrid((values.grid as string[] | undefined) ?? []);
  const base = dcaOptionsFromFlags(values, flags);
  const account = accountFromFlags(values, quoteOf(symbol), [symbol]);
  let heatmap: { x: string; y: string } | undefined;
  const axes = stringFlag(values, 'heatmap');
  if (axes !== undefined) {
    const [x, y] = axes.split(',').map((a) => OPTION_OF.get(a.trim()) ?? a.trim());
    if (x === undefined || y === undefined || !(x in grid) || !(y in grid)) throw new InvalidOptionsError('--heatmap', `expected two grid flags <x>,<y>, got ${JSON.stringify(axes)}`);
    heatmap = { x, y };
  }
  const candles = await loadCandles(file);
  const result = await sweep({
    symbol, candles, grid, base: base as Parameters<typeof sweep>[0]['base'], ...account,
    rankBy: stringFlag(values, 'rank-by') as keyof BacktestMetrics | undefined, workers: integerFlag(values, 'workers'),
  });
  const report = stringFlag(values, 'report');
  if (report !== undefined) await result.writeReport(report, { title: stringFlag(values, 'title'), heatmap });
  if (values.json === true) {
    io.out(JSON.stringify({ rankBy: result.rankBy, workers: result.workers, elapsedMs: Math.round(result.elapsedMs), rows: result.rows, report: report ?? null }, null, 2));
    return 0;
  }
  const top = integerFlag(values, 'top') ?? 10;
  const lines = [`${result.rows.length} combinations over ${candles.length} candles, ${result.workers} worker(s), ${(result.elapsedMs / 1000).toFixed(1)} s; best by ${result.rankBy}:`];
  result.rows.slice(0, top).forEach((r, i) => {
    const params = Object.entries(r.params).map(([k, v]) => `${FLAG_OF.get(k) ?? k}=${String(v)}`).join(' ');
    const m = r.metrics;
    lines.push(`  ${String(i + 1).padStart(3)}. ${params}  pnl ${m.realizedPnlQuote}  roi ${m.roiOnPeakCapitalPct}%  maxDD ${m.maxDrawdownPct}%  cycles ${m.cyclesClosed}`);
  });
  if (report !== undefined) lines.push(`report: ${report}`);
  io.out(lines.join('\n'));
  return 0;
}
