/**
 * The tables of a backtest report: metrics, settings and one row per cycle (rendered on the
 * server, so they read without the page's script).
 */
import Decimal from 'decimal.js';
import type { BacktestCycle, BacktestMetrics } from '../types';
import { escapeHtml } from './escape';
import { formatDuration, formatMetric, formatTime, METRIC_LABELS } from './format';

/**
 * A two-column table of label → value.
 * @internal
 */
export function keyValueTable(id: string, rows: ReadonlyArray<readonly [string, string]>): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<table id="${escapeHtml(id)}" class="kv">\n${body}\n</table>`;
}

/**
 * The metrics table.
 * @internal
 */
export function metricsTable(metrics: BacktestMetrics): string {
  return keyValueTable(
    'metrics',
    METRIC_LABELS.map(([key, label]) => [label, formatMetric(key, metrics)] as const),
  );
}

/**
 * The settings table (keys as given, in order).
 * @internal
 */
export function settingsTable(settings: Readonly<Record<string, string | number | boolean>>): string {
  return keyValueTable(
    'settings',
    Object.entries(settings).map(([k, v]) => [k, String(v)] as const),
  );
}

function pnlClass(pnl: string): string {
  const d = new Decimal(pnl);
  return d.isNegative() && !d.isZero() ? 'neg' : d.isZero() ? '' : 'pos';
}

/**
 * One row per cycle: symbol, id, opened, closed, duration, how it ended, buys, quote invested,
 * realised PnL. `end` closes the duration of cycles still open.
 * @internal
 */
export function cyclesTable(cycles: readonly BacktestCycle[], end: number): string {
  const head = ['Symbol', 'Cycle', 'Opened (UTC)', 'Closed (UTC)', 'Duration', 'Ended by', 'Buys', 'Invested', 'PnL'];
  const rows = cycles.map((c) => {
    const cells = [
      c.symbol,
      c.cycleId,
      formatTime(c.openedAt),
      c.closedAt === null ? 'open' : formatTime(c.closedAt),
      formatDuration((c.closedAt ?? end) - c.openedAt),
      c.endReason ?? '—',
      String(c.buys),
      c.investedQuote,
    ].map((v) => `<td>${escapeHtml(v)}</td>`);
    cells.push(`<td class="${pnlClass(c.pnlQuote)}">${escapeHtml(c.pnlQuote)}</td>`);
    return `<tr>${cells.join('')}</tr>`;
  });
  const thead = `<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>`;
  const body = rows.length === 0 ? '<tr><td colspan="9">No cycle</td></tr>' : rows.join('\n');
  return `<table id="cycles" class="grid">${thead}\n<tbody>\n${body}\n</tbody></table>`;
}
