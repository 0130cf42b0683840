/**
 * The backtest report's script, run in the browser: hands the embedded chart data
 * ({@link ChartPayload}, in `#report-data`) to lightweight-charts (v5 API: `addSeries`,
 * `createSeriesMarkers`), keeps the charts' time ranges together, then sets the test hook
 * `window.__report` (with `ranges()`: each chart's visible time range). Kept as plain ES2017 text:
 * it is inlined as it is, never bundled.
 */
import type { ChartPayload } from './chart-payload';

/**
 * The page's script (see the file comment).
 * @internal
 */
export const BACKTEST_CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var LC = window.LightweightCharts;
  var payload = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('charts');
  var markers = 0;
  var charts = [];

  function chartIn(parent, className, title) {
    var heading = document.createElement('h3');
    heading.className = 'sub';
    heading.textContent = title;
    parent.appendChild(heading);
    var el = document.createElement('div');
    el.className = 'chart ' + className;
    parent.appendChild(el);
    var chart = LC.createChart(el, {
      autoSize: true,
      layout: { background: { type: 'solid', color: '#ffffff' }, textColor: '#1d2330', fontSize: 11 },
      grid: { vertLines: { color: '#f1f2f4' }, horzLines: { color: '#f1f2f4' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#e3e6ec', minBarSpacing: 0.01 },
      rightPriceScale: { borderColor: '#e3e6ec' },
      crosshair: { mode: 0 }
    });
    charts.push(chart);
    return chart;
  }

  function priceFormat(precision) {
    return { type: 'price', precision: precision, minMove: Math.pow(10, -precision) };
  }

  function lanes(chart, list, options, precision) {
    list.forEach(function (points) {
      var series = chart.addSeries(LC.LineSeries, Object.assign({
        lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, priceFormat: priceFormat(precision)
      }, options));
      series.setData(points);
    });
  }

  var merged = payload.barCandles > 1 ? ' · each bar merges ' + payload.barCandles + ' candles' : '';
  payload.symbols.forEach(function (s) {
    var chart = chartIn(root, 'price', s.symbol + merged);
    var candles = chart.addSeries(LC.CandlestickSeries, {
      upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350',
      priceFormat: priceFormat(s.precision)
    });
    candles.setData(s.candles);
    lanes(chart, s.restingTakeProfit, { color: 'rgba(0,161,82,0.75)', lineStyle: 2 }, s.precision);
    lanes(chart, s.restingRebuy, { color: 'rgba(255,152,0,0.8)', lineStyle: 2 }, s.precision);
    lanes(chart, s.avgPrice, { color: '#7b1fa2', lineWidth: 2, lineType: 1 }, s.precision);
    var plugin = LC.createSeriesMarkers(candles, s.markers);
    markers += plugin.markers().length;
    chart.timeScale().fitContent();
  });

  var lower = document.getElementById('equity-charts');
  var equity = chartIn(lower, 'small', 'Equity (quote)').addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2, priceLineVisible: false, priceFormat: priceFormat(payload.equityPrecision) });
  equity.setData(payload.equity);
  var drawdown = chartIn(lower, 'small', 'Drawdown (%)').addSeries(LC.AreaSeries, {
    lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)', bottomColor: 'rgba(198,40,40,0.35)', lineWidth: 1, priceLineVisible: false,
    invertFilledArea: true, priceFormat: priceFormat(payload.drawdownPrecision)
  });
  drawdown.setData(payload.drawdown);
  charts.slice(-2).forEach(function (c) { c.timeScale().fitContent(); });

  // Scrolling or zooming one chart moves the others to the same time range (they share their times).
  var syncing = false;
  charts.forEach(function (source) {
    source.timeScale().subscribeVisibleTimeRangeChange(function (range) {
      if (syncing || range === null) return;
      syncing = true;
      try {
        charts.forEach(function (other) {
          if (other === source) return;
          try { other.timeScale().setVisibleRange(range); } catch (e) { /* a chart with no bar in that range keeps its own */ }
        });
      } finally {
        syncing = false;
      }
    });
  });

  // Two frames: the charts paint on the next animation frame after their data is set.
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      window.__report = {
        ready: true, markers: markers, charts: charts.length, symbols: payload.symbols.length, barCandles: payload.barCandles,
        ranges: function () { return charts.map(function (c) { var r = c.timeScale().getVisibleRange(); return r === null ? null : [r.from, r.to]; }); }
      };
    });
  });
})();
`;
