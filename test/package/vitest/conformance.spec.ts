/**
 * cycle-engine/testing against the installed package, under the vitest major being tried: the
 * conformance suites run on the root entry's in-memory adapters and the paper exchange, as a user
 * runs them on their own adapter. Named `.spec.ts` so that the repository's own vitest run
 * (`test/**\/*.test.ts`) never picks it up.
 */
import { MemoryLock, MemoryStateStore, PaperExchange } from 'cycle-engine';
import { describeExchange, describeLock, describeStateStore, sampleRecords } from 'cycle-engine/testing';
import { expect, it } from 'vitest';

describeStateStore('MemoryStateStore (installed package)', () => new MemoryStateStore());
describeLock('MemoryLock (installed package)', () => new MemoryLock());
describeExchange('PaperExchange (installed package)', () => {
  const exchange = new PaperExchange({ prices: { 'ETH/USDT': '2000' }, balances: { USDT: '1000' } });
  return {
    exchange,
    symbol: 'ETH/USDT',
    setPrice: (price) => exchange.setPrice('ETH/USDT', price),
    injectReject: () => exchange.injectFault('reject'),
  };
});

it('ships sample records', () => {
  expect(Object.keys(sampleRecords()).length).toBeGreaterThan(0);
});
