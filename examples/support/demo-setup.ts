/**
 * What `npm run demo` trades with: its data, fee and strategy, shared with the test that checks
 * the demo's closes (test/replay/demo-closes.test.ts).
 *
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import { dca, type DcaStrategy } from 'cycle-engine';

/** 0.1 %, Binance's base taker fee. */
export const DEMO_FEE_RATE = '0.001';

/** The candle files by symbol (absolute paths; see data/SOURCES.md). */
export const DEMO_DATA = {
  'ETH/USDT': fileURLToPath(new URL('../../data/eth-usdt-1h.json', import.meta.url)),
  'BTC/USDT': fileURLToPath(new URL('../../data/btc-usdt-1h.json', import.meta.url)),
} as const;

/**
 * The demo's DCA strategy. `limit`: the take-profit and the next two safety buys rest on the
 * exchange as LIMIT orders (`npm run demo -- --limit`); `market` (default): MARKET orders when the
 * price gets there.
 */
export function demoStrategy(mode: 'market' | 'limit' = 'market'): DcaStrategy {
  return dca({
    ...(mode === 'limit' ? { takeProfitOrder: 'limit', rebuyOrders: 'limit', activeRebuys: 2 } : {}),
    startQuote: 10, // USDT per start buy
    rebuyDropPct: 2, // first rebuy 2% below the start buy, each next one 2% below the previous buy
    rebuyStepScale: 1,
    rebuyVolumeScale: 1.5, // rebuys of 15, 22.5, 33.75, 50.63, 75.94 USDT
    maxRebuys: 5, // at most ~208 USDT per cycle
    takeProfitPct: 1.5, // sell everything 1.5% above the average buy price
  });
}
