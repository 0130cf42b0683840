/** Which calls list the open orders of a set of markets, and how a listed client id reads back (pure tables). */
import { describe, expect, it } from 'vitest';
import { engineClientOrderId, openOrdersCalls } from '../../src/adapters/ccxt/open-orders';
import { CCXT_VENUE_PROFILES } from '../../src/adapters/ccxt/venues';

const SPOT = { 'ETH/USDT': 'spot', 'BTC/USDT': 'spot', 'ETH/USDT:USDT': 'swap' } as const;

describe('openOrdersCalls', () => {
  const cases: Array<[string, string[], Array<[string | undefined, Record<string, unknown>]>]> = [
    ['binance', ['ETH/USDT', 'BTC/USDT'], [[undefined, { type: 'spot' }]]],
    ['binance', ['ETH/USDT', 'ETH/USDT'], [['ETH/USDT', {}]]], // one market, deduplicated: asked for alone
    ['binanceus', ['ETH/USDT', 'BTC/USDT'], [[undefined, { type: 'spot' }]]],
    ['okx', ['ETH/USDT', 'BTC/USDT'], [[undefined, { instType: 'SPOT', limit: 100 }]]],
    ['bybit', ['ETH/USDT', 'BTC/USDT'], [[undefined, { type: 'spot', limit: 50 }]]],
    ['bybit', ['ETH/USDT', 'ETH/USDT:USDT'], [['ETH/USDT', {}], ['ETH/USDT:USDT', {}]]], // not all spot: per market
    ['kraken', ['ETH/USDT', 'BTC/USDT'], [['ETH/USDT', {}], ['BTC/USDT', {}]]],
    ['binance', [], []],
  ];
  for (const [venue, symbols, calls] of cases) {
    it(`${venue} ${JSON.stringify(symbols)}`, () => {
      expect(openOrdersCalls(venue, symbols, SPOT).map((c) => [c.symbol, c.params])).toEqual(calls);
    });
  }
});

describe('engineClientOrderId', () => {
  const cases: Array<[string, string, string]> = [
    ['okx', 'cerabc123', 'ce-r-abc123'], // sent without dashes: read back with them
    ['okx', 'manual42', 'manual42'], // not an engine id
    ['binance', 'ce-x-abc123', 'ce-x-abc123'],
    ['binance', 'cexabc123', 'cexabc123'], // Binance keeps dashes: a dash-less id is someone else's
    ['bybit', 'ce-s-abc', 'ce-s-abc'],
  ];
  for (const [venue, venueId, engineId] of cases) {
    it(`${venue} ${venueId} → ${engineId}`, () => expect(engineClientOrderId(CCXT_VENUE_PROFILES[venue]!, venueId)).toBe(engineId));
  }
});
