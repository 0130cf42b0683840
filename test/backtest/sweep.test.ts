/**
 * `sweep()` (issue 12): the grid's combinations, the ranking, and the same figures on worker
 * threads as in this thread and as `backtest()` gives for each combination. The workers run the
 * TypeScript sources through tsx here; scripts/test-package.mjs runs a sweep from the installed
 * package (the built worker file).
 */
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, dca } from 'cycle-engine';
import { backtest, loadCandles, sweep, type BacktestMetrics, type SweepRow, type SweepValue } from 'cycle-engine/backtest';
import { expandGrid, rankRows } from '../../src/backtest/sweep-grid';
import { withoutRefused, workerExecArgv } from '../../src/backtest/sweep';
import { barText } from '../../src/backtest/progress-bar';

const candles = (await loadCandles(fileURLToPath(new URL('../../data/eth-usdt-1h.json', import.meta.url)))).slice(0, 300);
const common = { symbol: 'ETH/USDT', candles, startBalance: { USDT: '1000' }, feeRate: '0.001', base: { startQuote: 10, maxRebuys: 5 } };

describe('expandGrid', () => {
  it.each<{ grid: Record<string, SweepValue[]>; expected: object[] }>([
    { grid: { a: [1] }, expected: [{ a: 1 }] },
    { grid: { a: [1, 2], b: ['x', 'y'] }, expected: [{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }] },
    { grid: { a: [1, 2], b: [true], c: [3, 4] }, expected: [{ a: 1, b: true, c: 3 }, { a: 1, b: true, c: 4 }, { a: 2, b: true, c: 3 }, { a: 2, b: true, c: 4 }] },
  ])('$grid', ({ grid, expected }) => expect(expandGrid(grid)).toEqual(expected));

  it.each([
    [{}, /at least one/],
    [{ a: [] }, /grid\.a/],
    [{ a: [Number.NaN] }, /grid\.a/],
    [{ a: [{}] }, /grid\.a/],
  ])('%j is refused', (grid, message) => {
    expect(() => expandGrid(grid as never)).toThrow(InvalidOptionsError);
    expect(() => expandGrid(grid as never)).toThrow(message);
  });

  it('1,000 combinations of three options of ten values', () => {
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(expandGrid({ a: ten, b: ten, c: ten }).length).toBe(1_000);
  });
});

describe('rankRows', () => {
  const row = (id: number, m: Partial<BacktestMetrics>): SweepRow => ({ params: { id }, metrics: m as BacktestMetrics });
  const rows = [row(1, { realizedPnlQuote: '2', maxDrawdownPct: '5' }), row(2, { realizedPnlQuote: '10', maxDrawdownPct: '9' }), row(3, { realizedPnlQuote: '-1', maxDrawdownPct: '1' }), row(4, { realizedPnlQuote: '10', maxDrawdownPct: '5' })];
  it.each<[keyof BacktestMetrics, number[]]>([
    ['realizedPnlQuote', [2, 4, 1, 3]], // highest first, ties in grid order
    ['maxDrawdownPct', [3, 1, 4, 2]], // lowest first
  ])('by %s', (rankBy, ids) => expect(rankRows(rows, rankBy).map((r) => r.params.id)).toEqual(ids));

  it('refuses a metric that is not one figure', () => expect(() => rankRows(rows, 'feesByCurrency')).toThrow(/rankBy/));
});

describe('sweep', () => {
  const grid = { takeProfitPct: [1, 2], rebuyDropPct: [1, 3] };

  it('on 2 worker threads: the same rows as in this thread, each as backtest() gives it, ranked', async () => {
    const seen: number[] = [];
    const threads = await sweep({ ...common, grid, rankBy: 'roiOnPeakCapitalPct', workers: 2, progress: (done, total) => seen.push(done * 100 + total) });
    const inline = await sweep({ ...common, grid, rankBy: 'roiOnPeakCapitalPct', workers: 0, progress: false });
    expect(threads.workers).toBe(2);
    expect(threads.rows.length).toBe(4);
    expect(threads.rows).toEqual(inline.rows);
    expect(seen).toEqual([104, 204, 304, 404]);
    const rois = threads.rows.map((r) => Number(r.metrics.roiOnPeakCapitalPct));
    expect([...rois].sort((a, b) => b - a)).toEqual(rois);
    for (const r of threads.rows) {
      const direct = await backtest({ symbol: 'ETH/USDT', candles, startBalance: { USDT: '1000' }, feeRate: '0.001', strategy: dca({ ...common.base, ...r.params } as never) });
      expect(r.metrics).toEqual(direct.metrics);
    }
    expect(new Set(threads.rows.map((r) => r.metrics.realizedPnlQuote)).size).toBeGreaterThan(1); // the options matter
  });

  it.each([
    [{ grid: { takeProfitPct: [1, -2], rebuyDropPct: [1] } }, /takeProfitPct/],
    [{ grid: { ...grid, nope: [1] } }, /nope/],
    [{ grid, rankBy: 'exitsByReason' as const }, /rankBy/],
    [{ grid, workers: -1 }, /workers/],
  ])('bad options are refused before anything runs: %#', async (bad, message) => {
    await expect(sweep({ ...common, ...bad })).rejects.toThrow(InvalidOptionsError);
    await expect(sweep({ ...common, ...bad })).rejects.toThrow(message);
  });
});

describe('the progress bar', () => {
  it.each([
    [0, 10, 0, '[░░░░░░░░░░] 0/10 0% 0.0 s'],
    [5, 10, 2_000, '[█████░░░░░] 5/10 50% 2.0 s, ETA 2.0 s'],
    [10, 10, 4_000, '[██████████] 10/10 100% 4.0 s'],
  ])('%i of %i after %i ms', (done, total, ms, text) => expect(barText(done, total, ms, 10)).toBe(text));
});

describe("a worker's Node flags", () => {
  it('the parent\'s flags, less --input-type (a worker that runs a file refuses it)', () => {
    expect(workerExecArgv(['--import', 'tsx', '--input-type=module', '--conditions', 'dev'])).toEqual(['--import', 'tsx', '--conditions', 'dev']);
    expect(workerExecArgv(['--input-type', 'module', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
  });

  it('flags a worker refuses (V8 and per-process options) are dropped as Node names them, once', async () => {
    // The real refusal, from Node itself.
    let refusal: unknown;
    try {
      new Worker('0', { eval: true, execArgv: ['--max-old-space-size=512', '--stack-size=2000', '--enable-source-maps'] });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'ERR_WORKER_INVALID_EXEC_ARGV' });
    const argv = ['--max-old-space-size=512', '--stack-size=2000', '--enable-source-maps'];
    expect(withoutRefused(argv, refusal)).toEqual(['--enable-source-maps']);
    expect(withoutRefused(['--enable-source-maps'], refusal)).toBeNull(); // nothing left to drop: the error stands
    expect(withoutRefused(argv, new Error('other'))).toBeNull();
  });

  it('a sweep from a process started with --max-old-space-size runs (it once failed to start its workers)', async () => {
    const entry = new URL('../../src/backtest/index.ts', import.meta.url).href;
    const script = `import { sweep } from ${JSON.stringify(entry)};
      const candles = Array.from({ length: 40 }, (_, i) => { const p = 100 + 5 * Math.sin(i / 4); return { time: i * 3600000, open: p, high: p + 1, low: p - 1, close: p + 0.5, volume: 1 }; });
      const r = await sweep({ symbol: 'ETH/USDT', candles, startBalance: { USDT: '1000' }, feeRate: '0.001', base: { startQuote: 10, maxRebuys: 3, rebuyDropPct: 2 }, grid: { takeProfitPct: [1, 2] }, workers: 2, progress: false });
      console.log('rows', r.rows.length, 'workers', r.workers);`;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--max-old-space-size=512', '--import', 'tsx', '--input-type=module', '-e', script], { timeout: 120_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    expect(out.stderr).not.toMatch(/ERR_WORKER_INVALID_EXEC_ARGV/);
    expect(out).toMatchObject({ code: 0 });
    expect(out.stdout).toContain('rows 2 workers 2');
  });
});
