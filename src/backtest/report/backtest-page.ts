/**
 * The HTML report of one backtest: price charts with every trade marked, resting orders' levels
 * and average prices; equity and drawdown below; the metrics, settings and cycles tables. One
 * self-contained file: the charting library and the data are inlined.
 */
import type { BacktestReportData } from '../types';
import { BACKTEST_CLIENT_SCRIPT } from './backtest-client';
import { cyclesTable, metricsTable, settingsTable } from './backtest-tables';
import { chartLibrary } from './chart-library';
import { chartPayload, MARKER_STYLE } from './chart-payload';
import { escapeHtml, inlineScriptSource, jsonForScript } from './escape';
import { formatTime } from './format';
import { pageShell } from './page-shell';

function legend(): string {
  const marks = (Object.entries(MARKER_STYLE) as Array<[string, { color: string; text: string }]>).map(
    ([purpose, s]) => `<span><i style="background:${s.color}"></i>${escapeHtml(s.text)} ${escapeHtml(purpose)}</span>`,
  );
  const lines = [
    ['rgba(0,161,82,0.75)', 'resting take-profit'],
    ['rgba(255,152,0,0.8)', 'resting rebuy'],
    ['#7b1fa2', 'average price of the cycle'],
  ].map(([color, label]) => `<span><b style="border-color:${color}"></b>${label}</span>`);
  return `<p class="legend">${[...marks, ...lines].join('')}</p>`;
}

function span(data: BacktestReportData): { first: number | null; last: number | null } {
  const times = Object.values(data.candles).flatMap((c) => (c.length === 0 ? [] : [c[0]!.time, c[c.length - 1]!.time]));
  return times.length === 0 ? { first: null, last: null } : { first: Math.min(...times), last: Math.max(...times) };
}

/**
 * The HTML report of a backtest: one self-contained file that works offline (the charting
 * library, TradingView's lightweight-charts, and the data are inlined; its content security policy
 * lets it load nothing). It sets `window.__report = { ready, markers, charts, symbols }` once the
 * charts are drawn (`markers`: markers drawn, one per trade).
 * @param data - what the backtest produced
 * @returns the HTML document
 * @throws {@link CycleEngineError} when the `lightweight-charts` package is missing
 * @public
 */
export function renderBacktestReport(data: BacktestReportData): string {
  const library = chartLibrary();
  const { first, last } = span(data);
  const symbols = Object.keys(data.candles);
  const body = `
<h1>${escapeHtml(data.title)}</h1>
<p class="sub">${escapeHtml(symbols.join(', '))} · ${formatTime(first)} → ${formatTime(last)} UTC · ${data.trades.length} trades · ${data.cycles.length} cycles</p>
${legend()}
<div id="charts"></div>
<div id="equity-charts"></div>
<div class="cols">
<section><h2>Metrics</h2>${metricsTable(data.metrics)}</section>
<section><h2>Settings</h2>${settingsTable(data.settings)}</section>
</div>
<h2>Cycles</h2>
<div class="scroll">${cyclesTable(data.cycles, last ?? 0)}</div>
<p class="sub">Charts: TradingView Lightweight Charts™ ${escapeHtml(library.version)} (Apache-2.0), inlined.</p>
<script type="application/json" id="report-data">${jsonForScript(chartPayload(data))}</script>`;
  return pageShell(data.title, body, [inlineScriptSource(library.source), inlineScriptSource(BACKTEST_CLIENT_SCRIPT)]);
}
