/**
 * Writing reports to files: the data of a backtest or a sweep, rendered by the report module
 * (`./report`) into one self-contained HTML file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { renderBacktestReport, renderSweepReport } from './report/index';
import type { BacktestOptions } from './backtest-options';
import type { BacktestReportData, SweepReportData } from './types';

/**
 * Options of `writeReport`.
 * @public
 */
export interface ReportFileOptions {
  /** The report's title (default: names the symbols, or the sweep). */
  readonly title?: string | undefined;
}

/**
 * Writes a backtest's HTML report (mode 0644), creating its directory.
 * @internal
 */
export async function writeBacktestReport(path: string, data: BacktestReportData): Promise<void> {
  await writeHtml(path, renderBacktestReport(data));
}

/**
 * Writes a sweep's HTML report (mode 0644), creating its directory.
 * @internal
 */
export async function writeSweepReport(path: string, data: SweepReportData): Promise<void> {
  await writeHtml(path, renderSweepReport(data));
}

async function writeHtml(path: string, html: string): Promise<void> {
  const file = resolve(path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, html, { mode: 0o644 });
}

/**
 * The settings table of a report: markets, fees, slippage, start balance and the strategy's
 * options (a `dca()` strategy's `options`), flat.
 * @internal
 */
export function settingsOf(o: BacktestOptions, markets: ReadonlyArray<{ readonly symbol: string; readonly strategy: { readonly name: string } }>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {
    symbols: markets.map((m) => m.symbol).join(', '),
    feeRate: String(o.feeRate),
    makerFeeRate: String(o.makerFeeRate ?? o.feeRate),
    slippagePct: String(o.slippagePct ?? '0.05'),
    intrabar: o.intrabar ?? 'ohlc',
  };
  for (const [asset, amount] of Object.entries(o.startBalance)) out[`startBalance.${asset}`] = String(amount);
  const strategies = [...new Set(markets.map((m) => m.strategy))];
  strategies.forEach((s) => {
    const prefix = strategies.length === 1 ? 'strategy' : `strategy[${markets.find((m) => m.strategy === s)!.symbol}]`;
    out[`${prefix}.name`] = s.name;
    const options = (s as { options?: Record<string, unknown> }).options;
    if (options !== undefined) {
      for (const [k, v] of Object.entries(options)) if (v !== null && v !== undefined) out[`${prefix}.${k}`] = typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
    }
  });
  return out;
}
