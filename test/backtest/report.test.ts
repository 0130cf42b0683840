/**
 * The report's pure parts: escaping, lane packing, the chart data and the sweep's heat map.
 */
import { describe, expect, it } from 'vitest';
import { renderBacktestReport, renderSweepReport } from '../../src/backtest/report/index';
import { MAX_BARS, chartPayload } from '../../src/backtest/report/chart-payload';
import { escapeHtml, inlineScriptSource, jsonForScript } from '../../src/backtest/report/escape';
import { formatDuration } from '../../src/backtest/report/format';
import { candleIndexAt, packLanes } from '../../src/backtest/report/lanes';
import { heatMap } from '../../src/backtest/report/sweep-heatmap';
import { ethCandles, reportFixture, sweepFixture } from '../support/report-fixture';

describe('escaping', () => {
  it('JSON in a script element cannot close it and parses back unchanged', () => {
    const value = { s: '</script><!-- & > \u2028\u2029 "q"' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/<|>|&|\u2028|\u2029/);
    expect(JSON.parse(json)).toEqual(value);
  });
  it('a script source loses `</script` and `<!--` only', () => {
    expect(inlineScriptSource('a="</SCRIPT>";b="<!--"')).toBe('a="<\\/SCRIPT>";b="<\\!--"');
    expect(inlineScriptSource('x < y')).toBe('x < y');
  });
  it('HTML text', () => expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'));
});

describe('lanes', () => {
  const times = [0, 10, 20, 30, 40, 50];
  it.each([
    [5, 0],
    [20, 2],
    [15, 1],
    [999, 5],
    [-5, 0],
  ])('candleIndexAt(%d) = %d', (time, index) => expect(candleIndexAt(times, time)).toBe(index));

  it.each([
    ['segments two candles apart share a lane', [[0, 1], [3, 4]], 1],
    ['a segment starting right after another needs a second lane (no room for the joint)', [[0, 1], [2, 3]], 2],
    ['a segment starting where another ends needs a second lane', [[0, 2], [2, 4]], 2],
    ['overlapping segments get one lane each', [[0, 4], [1, 3], [2, 5]], 3],
    ['nested then later', [[0, 5], [1, 2], [4, 5]], 2],
  ] as const)('%s', (_, spans, lanes) => {
    const packed = packLanes(spans.map(([a, b]) => ({ points: [{ index: a, value: a }, { index: b, value: a }] })), times);
    expect(packed).toHaveLength(lanes);
    for (const lane of packed) {
      for (let i = 1; i < lane.length; i++) expect(lane[i]!.time).toBeGreaterThan(lane[i - 1]!.time);
    }
    const visible = packed.flat().filter((p) => p.color === undefined);
    expect(visible, 'each segment has one visible point (its start) and hidden ones').toHaveLength(spans.length);
  });
  it('a later segment in a lane starts with a hidden joint one candle before it, at its value', () => {
    expect(packLanes([{ points: [{ index: 0, value: 1 }, { index: 1, value: 1 }] }, { points: [{ index: 3, value: 2 }, { index: 5, value: 2 }] }], times)).toEqual([
      [
        { time: 0, value: 1 },
        { time: 10, value: 1, color: 'transparent' },
        { time: 20, value: 2, color: 'transparent' },
        { time: 30, value: 2 },
        { time: 50, value: 2, color: 'transparent' },
      ],
    ]);
  });
  it('points of a segment in one candle keep the last value', () => {
    expect(packLanes([{ points: [{ index: 1, value: 5 }, { index: 1, value: 7 }, { index: 2, value: 7 }] }], times)).toEqual([[{ time: 10, value: 7 }, { time: 20, value: 7, color: 'transparent' }]]);
  });
});

describe('chart data', () => {
  const data = reportFixture(ethCandles(300, 100));
  const payload = chartPayload(data);
  it('one marker per trade, each on a candle time, ascending', () => {
    const [eth] = payload.symbols;
    expect(eth!.markers).toHaveLength(data.trades.length);
    const times = new Set(eth!.candles.map((c) => c.time));
    expect(eth!.markers.every((m) => times.has(m.time))).toBe(true);
    expect(eth!.markers.map((m) => m.time)).toEqual([...eth!.markers.map((m) => m.time)].sort((a, b) => a - b));
  });
  it('equity and drawdown in seconds, drawdown drawn below zero', () => {
    expect(payload.equity).toHaveLength(data.equity.length);
    expect(payload.equity[0]!.time).toBe(data.equity[0]!.time / 1000);
    expect(payload.drawdown.every((p) => p.value <= 0)).toBe(true);
  });
  it('a series longer than MAX_BARS is drawn on merged bars; every trade keeps its marker', () => {
    const candles = ethCandles(10_235); // the whole file: 2 candles a bar
    const long = reportFixture(candles);
    const drawn = chartPayload(long);
    expect(drawn.barCandles).toBe(Math.ceil(candles.length / MAX_BARS));
    const [eth] = drawn.symbols;
    expect(eth!.candles).toHaveLength(Math.ceil(candles.length / 2));
    // A bar: the first open, the highest high, the lowest low, the last close of its candles.
    const [a, b] = [candles[100]!, candles[101]!];
    expect(eth!.candles[50]).toEqual({ time: a.time / 1000, open: a.open, high: Math.max(a.high, b.high), low: Math.min(a.low, b.low), close: b.close });
    expect(eth!.markers).toHaveLength(long.trades.length);
    const times = new Set(eth!.candles.map((c) => c.time));
    expect(eth!.markers.every((m) => times.has(m.time))).toBe(true);
    for (const lanes of [eth!.restingTakeProfit, eth!.restingRebuy, eth!.avgPrice]) expect(lanes.flat().every((p) => times.has(p.time))).toBe(true);
    // Equity: the last of each bar; drawdown: the deepest.
    expect(drawn.equity.length).toBeLessThanOrEqual(eth!.candles.length);
    expect(drawn.equity.every((p) => times.has(p.time))).toBe(true);
    const [from, to] = [eth!.candles[50]!.time, eth!.candles[51]!.time];
    const inBar = long.equity.filter((e) => e.time / 1000 >= from && e.time / 1000 < to);
    expect(inBar).toHaveLength(2);
    const at = drawn.equity.findIndex((p) => p.time === from);
    expect(drawn.equity[at]!.value).toBe(Number(inBar[1]!.equity));
    expect(drawn.drawdown[at]!.value).toBe(Math.min(...inBar.map((e) => -Number(e.drawdownPct))));
    expect(JSON.stringify(drawn).length).toBeLessThan(JSON.stringify(chartPayload({ ...long, candles: { 'ETH/USDT': candles.slice(0, MAX_BARS) } })).length);
    expect(chartPayload(reportFixture(candles.slice(0, MAX_BARS))).barCandles).toBe(1);
  });
  it('axes show the prices\' own decimals, and enough of the equity to see it move', () => {
    expect(payload.symbols[0]!.precision).toBe(2); // ETH/USDT
    const fine = ethCandles(50).map((c) => ({ ...c, open: 0.08939998, high: 0.0894, low: 0.08909372, close: 0.08909374 }));
    expect(chartPayload(reportFixture(fine)).symbols[0]!.precision).toBe(8);
    const flat = { ...data, equity: data.equity.map((e, i) => ({ ...e, equity: String(1 + (i % 3) * 0.00001) })) };
    expect(chartPayload(flat).equityPrecision).toBe(7); // a range of 0.00002
    expect(payload.equityPrecision).toBeGreaterThanOrEqual(2);
  });
  it('a trade of a symbol without candles draws nothing', () => {
    const other = chartPayload({ ...data, candles: { 'BTC/USDT': data.candles['ETH/USDT']! } });
    expect(other.symbols[0]!.markers).toEqual([]);
  });
});

describe('pages', () => {
  it('the backtest page inlines the library and the data, and loads nothing', () => {
    const html = renderBacktestReport(reportFixture(ethCandles(100)));
    expect(html).toContain('window.LightweightCharts');
    expect(html).toContain('id="report-data"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"' ]+\.js/);
    expect(html).toContain("default-src 'none'");
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });
  it('the sweep page has one row per combination', () => {
    const html = renderSweepReport(sweepFixture());
    expect(html.match(/<tr><td data-sort=/g)).toHaveLength(9);
  });
});

describe('heat map', () => {
  const { rows } = sweepFixture();
  it('shades the best cell 1 and the worst 0, axes sorted', () => {
    const map = heatMap(rows, 'takeProfitPct', 'rebuyDropPct', 'realizedPnlQuote');
    expect(map.xs).toEqual([1, 1.5, 2]);
    expect(map.ys).toEqual([1, 2, 3]);
    expect(map.cells[1]![2]).toMatchObject({ value: '22', shade: 1, count: 1 });
    expect(map.cells[2]![2]).toMatchObject({ value: '-5', shade: 0 });
  });
  it('a lower-is-better metric shades its smallest value best; a cell keeps its best row', () => {
    const map = heatMap(rows, 'rebuyDropPct', 'rebuyDropPct', 'maxDrawdownPct');
    expect(map.cells[0]![0]).toMatchObject({ value: '1.5', shade: 1, count: 3 });
    expect(map.cells[2]![2]).toMatchObject({ value: '4.5', shade: 0 });
    expect(map.cells[0]![1]).toMatchObject({ value: null, shade: null, count: 0 });
  });
});

it.each([
  [0, '0m'],
  [59 * 60_000, '59m'],
  [3_600_000, '1h'],
  [(25 * 60 + 5) * 60_000, '1d 1h'],
  [2 * 86_400_000, '2d'],
])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
