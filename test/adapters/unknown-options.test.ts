/**
 * Issue 9, case 13: every adapter, and `dca()`, refuses an unknown option key — a JavaScript
 * user's typo would otherwise be ignored and the default silently used — naming the nearest valid
 * key, through the one shared helper.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLock, FileStateStore, InvalidOptionsError, MemoryLock, PaperExchange, dca } from 'cycle-engine';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
import { RedisLock, RedisStateStore } from 'cycle-engine/redis';

const dir = path.join(os.tmpdir(), 'never-created-by-this-test');
const binance = { id: 'binance', createOrder: () => undefined };
const pool = { query: async () => ({ rows: [] }) };
const client = { options: {} };
const dcaGood = { startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 };

describe('unknown option keys are refused with the nearest valid name (issue 9, case 13)', () => {
  it.each<[string, () => unknown, string, string]>([
    ['dca()', () => dca({ ...dcaGood, takeProfitPCT: 2 } as never), 'strategy.takeProfitPCT', 'strategy.takeProfitPct'],
    ['dca()', () => dca({ ...dcaGood, cooldown: 5 } as never), 'strategy.cooldown', 'strategy.cooldownMs'],
    ['PaperExchange', () => new PaperExchange({ feerate: '0.001' } as never), 'feerate', 'feeRate'],
    ['PaperExchange', () => new PaperExchange({ defaultRules: { minNotionl: '5' } } as never), 'defaultRules.minNotionl', 'defaultRules.minNotional'],
    ['PaperExchange', () => new PaperExchange({ markets: { 'ETH/USDT': { amountstep: '1' } } } as never), 'markets.ETH/USDT.amountstep', 'markets.ETH/USDT.amountStep'],
    ['PaperExchange.injectFault', () => new PaperExchange().injectFault('reject', { sides: 'sell' } as never), 'sides', 'side'],
    ['FileStateStore', () => new FileStateStore({ dir, directory: dir } as never), 'directory', ''],
    ['FileLock', () => new FileLock({ dir, ttlMS: 5 } as never), 'ttlMS', 'ttlMs'],
    ['MemoryLock', () => new MemoryLock({ waitms: 5 } as never), 'waitms', 'waitMs'],
    ['CcxtExchange', () => new CcxtExchange(binance as never, { orderParam: {} } as never), 'orderParam', 'orderParams'],
    ['CcxtExchange', () => new CcxtExchange(binance as never, { venueProfile: { lookup: 'scan', maxIdLength: 36, idPatern: /x/ } } as never), 'venueProfile.idPatern', 'venueProfile.idPattern'],
    ['PostgresStateStore', () => new PostgresStateStore({ pool, tabel: 'x' } as never), 'tabel', 'table'],
    ['PostgresLock', () => new PostgresLock({ pool, ttl: 5 } as never), 'ttl', 'ttlMs'],
    ['RedisStateStore', () => new RedisStateStore({ client, prefx: 'x:' } as never), 'prefx', 'prefix'],
    ['RedisLock', () => new RedisLock({ client, waitMS: 5 } as never), 'waitMS', 'waitMs'],
  ])('%s refuses %s', (_name, make, option, nearest) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).option).toBe(option);
    expect((error as Error).message).toContain('unknown option');
    if (nearest !== '') expect((error as Error).message).toContain(`did you mean \`${nearest}\`?`);
  });

  it('PaperExchange.injectFault names the nearest fault of a typo', () => {
    expect(() => new PaperExchange().injectFault('unknwon-after' as never)).toThrow("did you mean 'unknown-after'?");
  });

  it('MemoryLock refuses lease and wait lengths out of range', () => {
    expect(() => new MemoryLock({ ttlMs: 0 })).toThrow(InvalidOptionsError);
    expect(() => new MemoryLock({ waitMs: -1 })).toThrow(InvalidOptionsError);
    expect(() => new MemoryLock({ ttlMs: 5, waitMs: 0 })).not.toThrow();
  });
});
