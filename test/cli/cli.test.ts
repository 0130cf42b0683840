/**
 * The `cycle-engine` CLI end to end: the built dist/cli.js spawned as a user runs it. Exit codes
 * (0 done, 1 failed, 2 bad flags), `--help`, clear messages on stderr, `--json` parsed, and the
 * numbers the same as `backtest()` / `sweep()` called with the options the flags stand for.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest, loadCandles, sweep } from 'cycle-engine/backtest';
import { dca } from 'cycle-engine';
import { ensureBuilt, ROOT, runCli } from '../support/built-cli';

const STRATEGY = ['--start-quote', '20', '--take-profit', '1.5', '--rebuy-drop', '2', '--max-rebuys', '3'];
let dir: string;
let data: string;
let btc: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'ce-cli-'));
  // 600 hourly candles of the real ETH/USDT series.
  const rows = JSON.parse(readFileSync(path.join(ROOT, 'data', 'eth-usdt-1h.json'), 'utf8')) as unknown[];
  data = path.join(dir, 'eth.json');
  writeFileSync(data, JSON.stringify(rows.slice(3000, 3600)));
  const btcRows = JSON.parse(readFileSync(path.join(ROOT, 'data', 'btc-usdt-1h.json'), 'utf8')) as unknown[];
  btc = path.join(dir, 'btc.json');
  writeFileSync(btc, JSON.stringify(btcRows.slice(3000, 3600)));
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('usage', () => {
  it('no command: the usage, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: cycle-engine <command>');
  });
  it.each(['backtest', 'sweep', 'inspect'])('%s --help: its usage on stdout, exit 0', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`Usage: cycle-engine ${command}`);
    expect(r.stdout).toContain('Exit codes');
    // Every flag stands apart from its help (the longest strategy flags once ran into it).
    for (const line of r.stdout.split('\n').filter((l) => /^\s+--/.test(l))) expect(line, line).toMatch(/^\s+--\S+(?: <[^>]+>\S*)?(?:,? -\w)?(?:\s{2,}\S|$)/);
  });
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['backtest', '--data', 'x.json', '--bogus'], /Invalid option `--bogus`: unknown flag \(see `cycle-engine backtest --help`\)/],
    [['backtest', '--symbol', 'ETH/USDT', ...STRATEGY], /`--data`: is required/],
    [['backtest', '--data', 'a.json', '--data', 'b.json', '--symbol', 'ETH/USDT', ...STRATEGY], /`--symbol`: give one --symbol per --data \(got 1 for 2\)/],
    [['backtest', '--data', 'x.json', '--symbol', 'ETH/USDT', '--start-quote', '20', '--rebuy-drop', '2', '--max-rebuys', '3'], /`--take-profit`: is required/],
    [['backtest', '--data', 'x.json', '--symbol', 'ETH/USDT', ...STRATEGY, '--fee-rate', 'ten'], /`--fee-rate`: expected a decimal number, got "ten"/],
    [['backtest', '--data', 'x.json', '--symbol', 'ETHUSDT', ...STRATEGY], /`--symbol`: expected BASE\/QUOTE/],
    [['backtest', '--data', 'x.json', '--symbol', 'ETH/USDT', ...STRATEGY, '--max-cycle', 'soon'], /`--max-cycle`: expected a duration/],
    [['sweep', '--data', 'x.json', '--symbol', 'ETH/USDT', '--grid', 'colour=red,blue'], /`--grid`: expected <strategy flag>=/],
    [['sweep', '--data', 'x.json', '--symbol', 'ETH/USDT', '--grid', 'take-profit=1,abc'], /`--take-profit`: expected a decimal number, got "abc"/],
    [['inspect'], /`--store`: is required/],
    [['inspect', '--store', 'mysql://localhost/x'], /unsupported store "mysql:"/],
    [['inspect', '--store', 'file:./definitely-not-here'], /no file store at/],
    [['inspect', '--store', 'file:.', 'extra'], /unexpected argument extra/],
  ])('%j: a clear message on stderr, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.stderr).toMatch(message);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
  });
  it('data that cannot be read: exit 1, the file named', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '[[1, 2, 3]]');
    const r = await runCli(['backtest', '--data', bad, '--symbol', 'ETH/USDT', ...STRATEGY]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cycle-engine backtest: /);
    expect(r.stdout).toBe('');
  });
});

describe('backtest', { timeout: 180_000 }, () => {
  it('--json: the metrics backtest() gives for the options the flags stand for; --report writes the HTML', async () => {
    const report = path.join(dir, 'out', 'report.html');
    const r = await runCli(['backtest', '--data', data, '--symbol', 'ETH/USDT', ...STRATEGY, '--fee-rate', '0.001', '--balance', '500', '--report', report, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { metrics: Record<string, unknown>; trades: number; cycles: number; errors: unknown[]; report: string };
    const direct = await backtest({
      symbol: 'ETH/USDT', candles: await loadCandles(data), startBalance: { USDT: '500' }, feeRate: '0.001',
      strategy: dca({ startQuote: '20', takeProfitPct: '1.5', rebuyDropPct: '2', maxRebuys: 3 }),
    });
    expect(out.metrics).toEqual(JSON.parse(JSON.stringify(direct.metrics)));
    expect(out.trades).toBe(direct.trades.length);
    expect(out.trades).toBeGreaterThan(0);
    expect(out.errors).toEqual([]);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('window.LightweightCharts');
    expect(html).toContain('id="report-data"');
  });
  it('two --data/--symbol pairs: two markets sharing one balance, as backtest({ markets })', async () => {
    const r = await runCli(['backtest', '--data', data, '--symbol', 'ETH/USDT', '--data', btc, '--symbol', 'BTC/USDT', ...STRATEGY, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { metrics: Record<string, unknown>; trades: number; balances: Record<string, string> };
    const direct = await backtest({
      markets: [{ symbol: 'ETH/USDT', candles: await loadCandles(data) }, { symbol: 'BTC/USDT', candles: await loadCandles(btc) }],
      startBalance: { USDT: '1000' }, feeRate: '0.001', strategy: dca({ startQuote: '20', takeProfitPct: '1.5', rebuyDropPct: '2', maxRebuys: 3 }),
    });
    expect(out.metrics).toEqual(JSON.parse(JSON.stringify(direct.metrics)));
    expect(out.balances).toEqual(direct.balances);
    expect(Object.keys(out.balances).sort()).toEqual(['BTC', 'ETH', 'USDT']);
  });
  it('a market priced in BTC: refused orders are named on stderr; --price-tick, --amount-step and --min-notional set its rules', async () => {
    const rows = JSON.parse(readFileSync(path.join(ROOT, 'data', 'eth-btc-1m.json'), 'utf8')) as unknown[];
    const ethBtc = path.join(dir, 'eth-btc.json');
    writeFileSync(ethBtc, JSON.stringify(rows.slice(0, 1_500)));
    const common = ['backtest', '--data', ethBtc, '--symbol', 'ETH/BTC', '--start-quote', '0.001', '--take-profit', '0.4', '--rebuy-drop', '0.5', '--max-rebuys', '3', '--balance', '1', '--json'];
    // The paper exchange's default rules (a minimum of 5 quote) refuse every start of 0.001 BTC.
    const refused = await runCli(common);
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stderr).toMatch(/warning: the paper exchange refused \d+ order\(s\); the first, a start buy of ETH\/BTC at 2018-01-20T04:5\dZ?.*MIN_NOTIONAL.*\(see --price-tick, --amount-step, --min-notional\)/);
    const none = JSON.parse(refused.stdout) as { trades: number; refused: Array<{ reason: string }> };
    expect(none.trades).toBe(0);
    expect(none.refused[0]!.reason).toBe('MIN_NOTIONAL');
    const ruled = await runCli([...common, '--price-tick', '0.00000001', '--amount-step', '0.001', '--min-notional', '0.0001']);
    expect(ruled.code, ruled.stderr).toBe(0);
    expect(ruled.stderr).toBe('');
    const out = JSON.parse(ruled.stdout) as { trades: number; refused: unknown[] };
    expect(out.trades).toBeGreaterThan(10);
    expect(out.refused).toEqual([]);
    const bad = await runCli([...common, '--price-tick', 'tiny']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--price-tick/);
  });
  it('text: the metrics table', async () => {
    const r = await runCli(['backtest', '--data', data, '--symbol', 'ETH/USDT', ...STRATEGY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ETH\/USDT: 600 candles, \d+ trades, \d+ cycles/);
    expect(r.stdout).toMatch(/Realised PnL \(quote\)\s+-?\d/);
  });
});

describe('sweep', { timeout: 180_000 }, () => {
  it('--json: every combination, ranked as sweep() ranks them', async () => {
    const report = path.join(dir, 'sweep.html');
    const r = await runCli(['sweep', '--data', data, '--symbol', 'ETH/USDT', '--start-quote', '20', '--max-rebuys', '3', '--grid', 'take-profit=1,2', '--grid', 'rebuy-drop=1.5,3', '--rank-by', 'roiOnPeakCapitalPct', '--workers', '1', '--heatmap', 'rebuy-drop,take-profit', '--report', report, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rankBy: string; rows: Array<{ params: Record<string, unknown>; metrics: Record<string, unknown> }> };
    expect(out.rankBy).toBe('roiOnPeakCapitalPct');
    expect(out.rows).toHaveLength(4);
    const direct = await sweep({
      symbol: 'ETH/USDT', candles: await loadCandles(data), startBalance: { USDT: '1000' }, feeRate: '0.001', workers: 0, progress: false,
      grid: { takeProfitPct: [1, 2], rebuyDropPct: [1.5, 3] }, base: { startQuote: '20', maxRebuys: 3 }, rankBy: 'roiOnPeakCapitalPct',
    });
    expect(out.rows).toEqual(JSON.parse(JSON.stringify(direct.rows)));
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="heatmap"');
    expect(html, '--heatmap x,y: rebuy drop across, take profit down').toContain('takeProfitPct ↓ / rebuyDropPct →');
  });
  it('a bad metric to rank by: exit 2', async () => {
    const r = await runCli(['sweep', '--data', data, '--symbol', 'ETH/USDT', '--start-quote', '20', '--max-rebuys', '3', '--rebuy-drop', '2', '--grid', 'take-profit=1,2', '--rank-by', 'luck', '--workers', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rankBy/);
  });
});
