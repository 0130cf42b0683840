/**
 * The reports in a real browser: headless Chromium opens the HTML files with the network blocked,
 * and the test checks that the charts drew (canvases that are not one flat colour), that there is
 * one marker per trade, that the sweep table sorts on a click and the heat map has its cells, and
 * that nothing logged an error. It writes the screenshot docs/img/backtest-report.png (of a real
 * `backtest()` over 400 hourly ETH/USDT candles).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index';
import { renderBacktestReport, renderSweepReport } from '../../src/backtest/report/index';
import { dca } from '../../src/index';
import { chromiumAvailable, launchChromium, openReport } from '../support/browser';
import { ethCandles, reportFixture, sweepFixture } from '../support/report-fixture';

const SCREENSHOT = fileURLToPath(new URL('../../docs/img/backtest-report.png', import.meta.url));
const NASTY = '</script><script>window.__pwned = 1</script><!--';

// In-page code: this project compiles without the DOM library, so the few browser names used are declared here.
interface PageCanvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageCanvas> };
declare const window: { __report: { markers: number; charts: number; rows: number; cells: number; sorts: number; barCandles: number; ranges(): Array<[number, number] | null> }; __pwned?: number };
type Row = { cells: ArrayLike<{ textContent: string | null }> };

/** Per canvas of the page with a size: how many distinct colours a sample of its pixels has. */
function canvasColours(): Array<{ w: number; h: number; colours: number }> {
  return Array.from(document.querySelectorAll('canvas')).map((c) => {
    const ctx = c.getContext('2d');
    if (ctx === null || c.width === 0 || c.height === 0) return { w: c.width, h: c.height, colours: 0 };
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!);
    return { w: c.width, h: c.height, colours: seen.size };
  });
}

const hasChromium = chromiumAvailable('the report browser tests');

// Generous timeouts: the suite runs beside every other test file on a loaded machine.
describe.skipIf(!hasChromium)('reports in headless Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(path.join(tmpdir(), 'ce-report-'));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws the report of a real backtest offline: non-blank charts, one marker per trade, no error', async () => {
    const result = await backtest({
      symbol: 'ETH/USDT', candles: ethCandles(400, 2000), startBalance: { USDT: '1000' }, feeRate: '0.001',
      strategy: dca({ startQuote: '20', takeProfitPct: '1.5', rebuyDropPct: '1.5', maxRebuys: 3, takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2, maxCycleMs: 4 * 86_400_000 }),
    });
    expect(new Set(result.trades.map((t) => t.purpose)), 'every kind of trade is drawn').toEqual(new Set(['start', 'rebuy', 'takeProfit', 'exit']));
    expect(result.resting.length).toBeGreaterThan(0);
    const file = path.join(dir, 'backtest.html');
    await result.writeReport(file, { title: 'ETH/USDT 1h · take profit 1.5 % · limit rebuys every 1.5 % · 4-day time limit' });

    const { page, problems } = await openReport(browser, file, 1280, 1000);
    const hook = await page.evaluate(() => window.__report);
    expect(hook.markers).toBe(result.trades.length);
    expect(hook.charts).toBe(3);
    const canvases = await page.evaluate(canvasColours);
    expect(canvases.length).toBeGreaterThan(0);
    // A drawn pane has its background, grid, candles or lines: some canvas has many colours.
    expect(Math.max(...canvases.map((c) => c.colours)), JSON.stringify(canvases)).toBeGreaterThan(20);
    expect(await page.locator('#cycles tbody tr').count()).toBe(result.cycles.length);
    expect(problems).toEqual([]);

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  it('a long series on merged bars: every trade marked; zooming the price chart moves the equity charts with it', async () => {
    const data = reportFixture(ethCandles(10_235)); // more candles than a chart draws: 2 a bar
    const file = path.join(dir, 'long.html');
    writeFileSync(file, renderBacktestReport(data));
    const { page, problems } = await openReport(browser, file, 1280, 1000);
    const hook = await page.evaluate(() => ({ markers: window.__report.markers, barCandles: window.__report.barCandles }));
    expect(hook).toEqual({ markers: data.trades.length, barCandles: 2 });
    expect(await page.locator('#charts h3').allTextContents()).toEqual(['ETH/USDT · each bar merges 2 candles']);
    const before = await page.evaluate(() => window.__report.ranges());
    // Zoom in on the price chart with the mouse wheel, as a reader would.
    const box = (await page.locator('.chart.price').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -400);
    await page.waitForTimeout(300);
    const after = await page.evaluate(() => window.__report.ranges());
    expect(after[0], 'the price chart zoomed in').not.toEqual(before[0]);
    expect(after[0]![1] - after[0]![0]).toBeLessThan(before[0]![1] - before[0]![0]);
    expect(after.slice(1), 'equity and drawdown follow').toEqual([after[0], after[0]]);
    expect(problems).toEqual([]);
  });

  it('a report of hand-made data over two symbols: one chart each; strings that would close a script stay text; no error', async () => {
    const eth = reportFixture(ethCandles(300, 500), NASTY);
    // A second market: the same walk over other candles, renamed.
    const other = reportFixture(ethCandles(300, 4000));
    const rename = <T extends { symbol: string }>(xs: readonly T[]): T[] => xs.map((x) => ({ ...x, symbol: 'ETH2/USDT' }));
    const data = {
      ...eth,
      settings: { ...eth.settings, note: NASTY },
      candles: { ...eth.candles, 'ETH2/USDT': other.candles['ETH/USDT']! },
      trades: [...eth.trades, ...rename(other.trades)],
      resting: [...eth.resting, ...rename(other.resting)],
      cycles: [...eth.cycles, ...rename(other.cycles)],
    };
    const file = path.join(dir, 'fixture.html');
    writeFileSync(file, renderBacktestReport(data));
    const { page, problems } = await openReport(browser, file);
    expect(await page.evaluate(() => window.__report.markers)).toBe(eth.trades.length + other.trades.length);
    expect(await page.evaluate(() => window.__report.charts)).toBe(4);
    expect(await page.locator('#charts h3').allTextContents()).toEqual(['ETH/USDT', 'ETH2/USDT']);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await page.locator('#settings').textContent()).toContain(NASTY);
    expect(await page.locator('h1').textContent()).toBe(NASTY);
    expect(await page.title()).toBe(NASTY);
    expect(problems).toEqual([]);
  });

  it('sorts the sweep table on a click and draws the heat map', async () => {
    const data = sweepFixture();
    const file = path.join(dir, 'sweep.html');
    writeFileSync(file, renderSweepReport(data));
    const { page, problems } = await openReport(browser, file);
    const hook = await page.evaluate(() => window.__report);
    expect(hook).toMatchObject({ rows: 9, cells: 9 });

    const pnlColumn = async (): Promise<number[]> => page.$$eval('#sweep tbody tr', (rows) => rows.map((r) => Number((r as unknown as Row).cells[3]!.textContent)));
    const sortedDesc = [...(await pnlColumn())].sort((a, b) => b - a);
    expect(await pnlColumn(), 'ranked by PnL, best first').toEqual(sortedDesc);

    const header = page.locator('#sweep thead th', { hasText: 'PnL' });
    await header.click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect(await pnlColumn()).toEqual([...sortedDesc].reverse());
    await header.click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect(await pnlColumn()).toEqual(sortedDesc);

    const tpHeader = page.locator('#sweep thead th', { hasText: 'takeProfitPct' });
    await tpHeader.click();
    const tps = await page.$$eval('#sweep tbody tr', (rows) => rows.map((r) => Number((r as unknown as Row).cells[1]!.textContent)));
    expect(tps).toEqual([1, 1, 1, 1.5, 1.5, 1.5, 2, 2, 2]);
    expect(await page.evaluate(() => window.__report.sorts)).toBe(3);

    // The best cell (tp 2, drop 2: PnL 22) is the greenest; the worst (tp 2, drop 3: −5) the reddest.
    const cells = await page.$$eval('#heatmap .cell', (els) => els.map((e) => ({ text: e.getAttribute('data-value'), shade: e.getAttribute('data-shade') })));
    expect(cells).toHaveLength(9);
    expect(cells.find((c) => c.text === '22')!.shade).toBe('1');
    expect(cells.find((c) => c.text === '-5')!.shade).toBe('0');
    expect(problems).toEqual([]);
  });
});
