/**
 * Pieces of the ccxt adapter without a venue: client order ids per venue, market rules from
 * ccxt's precision modes, fees, and the root entry never reaching ccxt.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { marketRules } from '../../src/adapters/ccxt/markets';
import { sumFees, toPortOrder } from '../../src/adapters/ccxt/fills';
import { CCXT_VENUE_PROFILES, venueClientOrderId } from '../../src/adapters/ccxt/venues';
import { Decimal } from '../../src/decimal';

describe('venueClientOrderId', () => {
  it('keeps ids the venue accepts, strips the engine id dashes for OKX, and hashes anything else, deterministically', () => {
    expect(venueClientOrderId(CCXT_VENUE_PROFILES.binance!, 'ce-s-0123456789abcdefghij')).toBe('ce-s-0123456789abcdefghij');
    expect(venueClientOrderId(CCXT_VENUE_PROFILES.okx!, 'ce-s-0123456789abcdefghij')).toBe('ces0123456789abcdefghij');
    const hashed = venueClientOrderId(CCXT_VENUE_PROFILES.okx!, 'my/own:id');
    expect(hashed).toMatch(/^h[0-9a-f]{31}$/);
    expect(venueClientOrderId(CCXT_VENUE_PROFILES.okx!, 'my/own:id')).toBe(hashed);
    expect(venueClientOrderId(CCXT_VENUE_PROFILES.okx!, 'my/own:ie')).not.toBe(hashed);
  });
});

describe('marketRules', () => {
  const market = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', info: {}, limits: { cost: { min: 5 } } };
  it('reads tick-size and decimal-places precision, and exact Binance filters first', () => {
    expect(marketRules({ ...market, precision: { amount: 0.0001, price: 0.01 } }, 4)).toEqual({ symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', amountStep: '0.0001', priceTick: '0.01', minNotional: '5' });
    expect(marketRules({ ...market, precision: { amount: 4, price: 2 } }, 2)).toMatchObject({ amountStep: '0.0001', priceTick: '0.01' });
    const info = { filters: [{ filterType: 'LOT_SIZE', stepSize: '0.00010000' }, { filterType: 'PRICE_FILTER', tickSize: '0.01000000' }, { filterType: 'NOTIONAL', minNotional: '5.00000000' }] };
    expect(marketRules({ ...market, info, precision: { amount: 1e-7, price: 1e-7 }, limits: {} }, 4)).toMatchObject({ amountStep: '0.0001', priceTick: '0.01', minNotional: '5' });
    expect(() => marketRules({ ...market, precision: { amount: 3 } }, 3)).toThrow(/no amount step/);
  });
});

describe('fills', () => {
  it('sums fees exactly, preferring the base-asset fee', () => {
    expect(sumFees([{ currency: 'ETH', amount: new Decimal('0.1') }, { currency: 'ETH', amount: new Decimal('0.2') }], 'ETH')).toEqual({ currency: 'ETH', amount: '0.3' });
    expect(sumFees([{ currency: 'BNB', amount: new Decimal('1') }, { currency: 'ETH', amount: new Decimal('-0.01') }], 'ETH')).toEqual({ currency: 'ETH', amount: '0.01' });
    expect(sumFees([{ currency: 'BNB', amount: new Decimal('0') }], 'ETH')).toBeNull();
  });

  it('an order that ended with nothing executed is null; an open one is open; a cancelled partial fill is a fill', () => {
    const ids = { clientOrderId: 'c', symbol: 'ETH/USDT', side: 'buy' as const };
    expect(toPortOrder({ id: '1', status: 'expired', info: { executedQty: '0.00000000', cummulativeQuoteQty: '0.00000000' } }, ids, null)).toBeNull();
    expect(toPortOrder({ id: '1', status: 'open', filled: 0, info: {} }, ids, null)).toMatchObject({ status: 'open', filledBase: '0' });
    expect(toPortOrder({ id: '1', status: 'canceled', timestamp: 1, info: { executedQty: '0.1', cummulativeQuoteQty: '200.3' } }, ids, null)).toMatchObject({ status: 'filled', filledBase: '0.1', costQuote: '200.3', avgPrice: '2003' });
  });
});

describe('entries', () => {
  it('the root entry never reaches ccxt or the ccxt adapter', async () => {
    const result = await build({ entryPoints: [fileURLToPath(new URL('../../src/index.ts', import.meta.url))], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => /node_modules\/ccxt|adapters\/ccxt/.test(p))).toEqual([]);
  });
});
