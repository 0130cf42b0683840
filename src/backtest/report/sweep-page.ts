/**
 * The HTML report of a sweep: every combination in a table that sorts on a click of its header,
 * and a heat map of two parameters shaded by the ranking metric. One self-contained file.
 */
import Decimal from 'decimal.js';
import type { SweepReportData, SweepRow } from '../types';
import { escapeHtml, inlineScriptSource } from './escape';
import { formatMetric } from './format';
import { pageShell } from './page-shell';
import { heatMap, type HeatMap } from './sweep-heatmap';
import { lowerIsBetter, metricDecimal, SWEEP_METRIC_COLUMNS } from './sweep-columns';
import { SWEEP_CLIENT_SCRIPT } from './sweep-client';

function paramKeys(rows: readonly SweepRow[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.params)) keys.add(k);
  return [...keys];
}

function sortValue(v: unknown): string {
  return typeof v === 'number' || typeof v === 'string' ? String(v) : '';
}

function table(data: SweepReportData, params: readonly string[]): string {
  const head = ['#', ...params, ...SWEEP_METRIC_COLUMNS.map(([k, label]) => (k === data.rankBy ? `${label} ★` : label))];
  const rows = data.rows.map((r, i) => {
    const cells = [`<td data-sort="${i + 1}">${i + 1}</td>`];
    for (const p of params) cells.push(`<td data-sort="${escapeHtml(sortValue(r.params[p]))}">${escapeHtml(r.params[p] ?? '—')}</td>`);
    for (const [k] of SWEEP_METRIC_COLUMNS) {
      const d = metricDecimal(r.metrics, k);
      const exact = formatMetric(k, r.metrics);
      const shown = d !== undefined && typeof r.metrics[k] === 'string' ? d.toDecimalPlaces(8).toFixed() : exact;
      cells.push(`<td data-sort="${d === undefined ? '' : escapeHtml(d.toString())}" title="${escapeHtml(exact)}">${escapeHtml(shown)}</td>`);
    }
    return `<tr>${cells.join('')}</tr>`;
  });
  const thead = `<thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  return `<table id="sweep" class="grid sortable">${thead}\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function heatMapGrid(map: HeatMap, metric: string): string {
  const parts = [`<div class="axis">${escapeHtml(map.y)} ↓ / ${escapeHtml(map.x)} →</div>`];
  for (const x of map.xs) parts.push(`<div class="axis">${escapeHtml(x)}</div>`);
  map.ys.forEach((y, row) => {
    parts.push(`<div class="axis">${escapeHtml(y)}</div>`);
    for (const cell of map.cells[row]!) {
      const title = `${map.x}=${String(cell.x)}, ${map.y}=${String(cell.y)}: ${metric} ${cell.value ?? 'n/a'} (best of ${cell.count})`;
      if (cell.shade === null) {
        parts.push(`<div class="cell empty" title="${escapeHtml(title)}">—</div>`);
      } else {
        const hue = Math.round(cell.shade * 120);
        parts.push(`<div class="cell" data-shade="${cell.shade}" data-value="${escapeHtml(cell.value)}" style="background:hsl(${hue},70%,78%)" title="${escapeHtml(title)}">${escapeHtml(new Decimal(cell.value!).toDecimalPlaces(4).toFixed())}</div>`);
      }
    }
  });
  return `<div id="heatmap" class="heatmap" style="grid-template-columns: auto repeat(${map.xs.length}, minmax(56px, 1fr))">${parts.join('')}</div>`;
}

/**
 * The HTML report of a sweep: one self-contained file (no network) with a table of every
 * combination (click a header to sort by it) and a heat map of two parameters (`data.heatmap`,
 * default the first two swept) shaded by `data.rankBy`, best green. It sets
 * `window.__report = { ready, rows, cells, sorts }` once its script has run.
 * @param data - the sweep's rows, ranked, and the metric they are ranked by
 * @returns the HTML document
 * @public
 */
export function renderSweepReport(data: SweepReportData): string {
  const params = paramKeys(data.rows);
  const axes = data.heatmap ?? (params.length >= 2 ? { x: params[0]!, y: params[1]! } : params.length === 1 ? { x: params[0]!, y: params[0]! } : undefined);
  const better = lowerIsBetter(data.rankBy) ? 'lower is better' : 'higher is better';
  const map =
    axes === undefined
      ? '<p class="sub">No parameter was swept: no heat map.</p>'
      : `<p class="sub">Best ${escapeHtml(data.rankBy)} (${better}) for each pair of ${escapeHtml(axes.x)} and ${escapeHtml(axes.y)}; the other parameters vary inside a cell.</p>${heatMapGrid(heatMap(data.rows, axes.x, axes.y, data.rankBy), data.rankBy)}`;
  const body = `
<h1>${escapeHtml(data.title)}</h1>
<p class="sub">${data.rows.length} combinations, ranked by ${escapeHtml(data.rankBy)} (${better}). Click a column header to sort.</p>
<h2>Heat map</h2>
${map}
<h2>Every combination</h2>
<div class="scroll">${table(data, params)}</div>`;
  return pageShell(data.title, body, [inlineScriptSource(SWEEP_CLIENT_SCRIPT)]);
}
