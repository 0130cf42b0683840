/**
 * One DCA cycle on the Binance spot **testnet** (https://testnet.binance.vision), through ccxt:
 *
 * ```sh
 * BINANCE_TESTNET_API_KEY=… BINANCE_TESTNET_SECRET=… npx tsx examples/binance-testnet.ts
 * ```
 *
 * Refuses to run without both variables, never prints them, and never talks to the live venue
 * (`setSandboxMode(true)` before anything else). State goes to ./.cycle-state (FileStateStore), so
 * a restart resumes and reconciles an order that was in flight. Stop with Ctrl-C.
 */
import ccxt from 'ccxt';
import { CycleEngine, FileLock, FileStateStore, attachLogger, dca } from 'cycle-engine';
import { CcxtExchange } from 'cycle-engine/ccxt';

const apiKey = process.env.BINANCE_TESTNET_API_KEY;
const secret = process.env.BINANCE_TESTNET_SECRET;
if (!apiKey || !secret) {
  console.error('Set BINANCE_TESTNET_API_KEY and BINANCE_TESTNET_SECRET (keys from https://testnet.binance.vision). Refusing to run without them.');
  process.exit(1);
}

const binance = new ccxt.binance({
  apiKey,
  secret,
  // Spot only: no futures/margin market calls on loadMarkets, and no private currencies call.
  options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false, fetchCurrencies: false, adjustForTimeDifference: true },
});
binance.setSandboxMode(true); // testnet endpoints; must come before any request

const symbol = process.env.SYMBOL ?? 'ETH/USDT';
const dir = process.env.STATE_DIR ?? '.cycle-state';
const engine = new CycleEngine({
  exchange: new CcxtExchange(binance, { id: 'binance-testnet' }),
  store: new FileStateStore({ dir: `${dir}/state` }),
  lock: new FileLock({ dir: `${dir}/locks` }),
  symbols: [symbol],
  // Small amounts first: the start buy only needs to clear Binance's minimum notional (5 USDT).
  strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1 }),
  tickIntervalMs: 5_000,
  orderTimeoutMs: 15_000,
});
attachLogger(engine);

const stop = async () => {
  console.log('stopping: waiting for in-flight orders…');
  await engine.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

await engine.start();
console.log(`running ${symbol} on the Binance testnet; state in ${dir}`);
