/**
 * `loadCandles`: the candles of a backtest, from a file or from an exchange.
 */
import { InvalidOptionsError } from '../errors';
import { readCandleFile } from './candle-files';
import { fetchCandles, type ExchangeCandleOptions, type OhlcvSource } from './fetch-candles';
import type { Candle } from './types';

/**
 * Loads candles, checked: sorted by time, no duplicate timestamps, prices finite and above 0, and
 * `low ≤ open, close ≤ high` on every row.
 *
 * - A path: a JSON file of `[timestamp, open, high, low, close, volume]` arrays (timestamp in Unix
 *   ms, the candle's open time), or a `.csv` file with a header naming `timestamp` (or `time`),
 *   `open`, `high`, `low`, `close` and `volume`.
 * - A ccxt exchange instance (anything with `fetchOHLCV`) and a range: fetched page by page and
 *   cached under `.cycle-engine/candles/` (or `cacheDir`), so the same range is fetched once.
 *
 * @example
 * ```ts
 * const eth = await loadCandles('data/eth-usdt-1h.json');
 * const btc = await loadCandles(new ccxt.binance(), { symbol: 'BTC/USDT', timeframe: '1h', since: Date.UTC(2024, 0, 1), until: Date.UTC(2025, 0, 1) });
 * ```
 * @throws {@link CandleDataError} naming the first bad row (its index and timestamp), or the file
 * that cannot be read; {@link InvalidOptionsError} for a bad range or source
 * @public
 */
export function loadCandles(source: string): Promise<Candle[]>;
/**
 * Loads candles from an exchange: `fetchOHLCV` over `[since, until)`, paged and cached on disk
 * (see the other overload).
 * @throws {@link CandleDataError} for bad rows; {@link InvalidOptionsError} for a bad range
 * @public
 */
export function loadCandles(source: OhlcvSource, options: ExchangeCandleOptions): Promise<Candle[]>;
export async function loadCandles(source: string | OhlcvSource, options?: ExchangeCandleOptions): Promise<Candle[]> {
  if (typeof source === 'string') return readCandleFile(source);
  if (typeof source !== 'object' || source === null || typeof (source as OhlcvSource).fetchOHLCV !== 'function') {
    throw new InvalidOptionsError('source', 'expected a file path or an exchange with fetchOHLCV (a ccxt instance)');
  }
  if (options === undefined) throw new InvalidOptionsError('options', 'an exchange source needs { symbol, timeframe, since, until }');
  return fetchCandles(source, options);
}
