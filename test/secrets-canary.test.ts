/**
 * Issue 14, the secrets canary: canary credentials (unique strings) on real ccxt instances
 * (binance, okx, bybit) driven through CcxtExchange + CycleEngine against msw mocks with faults
 * (a 5xx, a Binance -1007, a lost reply, a duplicate reply, an unreachable host), and on a
 * PostgreSQL connection string and a Redis URL that the servers refuse or cannot be reached at.
 * Every log line, every event payload (inspected deeply, `cause` chains included), every error the
 * public API throws and every state file is captured; no canary string and no request signature
 * may appear in any of them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import ccxt from 'ccxt';
import { Redis } from 'ioredis';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleEngine, FileStateStore, MemoryLock, PaperExchange, attachLogger, dca, type Exchange, type Lock, type StateStore } from 'cycle-engine';
import { CcxtExchange } from 'cycle-engine/ccxt';
import { PostgresLock, PostgresStateStore } from 'cycle-engine/postgres';
import { RedisLock, RedisStateStore } from 'cycle-engine/redis';
import { Decimal } from '../src/decimal';
import { emptyRecord } from '../src/ports/record';
import { BinanceMock } from './support/venues/binance-mock';
import { BybitMock } from './support/venues/bybit-mock';
import { OkxMock } from './support/venues/okx-mock';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const SYMBOL = 'ETH/USDT';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const canary = (label: string) => `canary${label}${randomBytes(8).toString('hex')}`;
const fetchImplementation = (...args: Parameters<typeof fetch>) => globalThis.fetch(...args);

/** A request signature in clear: a `signature=` query value or a signing header with its value. */
const SIGNATURE_IN_CLEAR = [
  /signature=(?!\[redacted\])[^&\s'"]+/i,
  /(OK-ACCESS-SIGN|OK-ACCESS-KEY|X-BAPI-SIGN|X-BAPI-API-KEY|API-Sign|API-Key|X-MBX-APIKEY)['"]?\s*[:=]\s*['"]?(?!\[redacted\])[A-Za-z0-9+/=]{8,}/i,
];

/** Everything a user could see: log lines, event payloads, thrown errors, state files. */
class Capture {
  readonly texts: Array<{ where: string; text: string }> = [];
  add(where: string, value: unknown): void {
    this.texts.push({ where, text: typeof value === 'string' ? value : inspect(value, { depth: Infinity, breakLength: Infinity }) });
    if (value instanceof Error || (typeof value === 'object' && value !== null)) {
      // JSON as a log service would store it (own enumerable properties, nested).
      try {
        this.texts.push({ where: `${where} (json)`, text: JSON.stringify(value) ?? '' });
      } catch {
        /* cycles: inspect above covers them */
      }
    }
  }
  /** Runs `fn`, capturing what it throws. */
  async call(where: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.add(`thrown by ${where}`, error);
    }
  }
  watch(engine: CycleEngine): void {
    attachLogger(engine, (line, level) => this.add(`log ${level}`, line), { verbose: true });
    const emit = engine.emit.bind(engine) as (name: string, ...args: unknown[]) => boolean;
    (engine as unknown as { emit: typeof emit }).emit = (name, ...args) => {
      this.add(`event ${name}`, args);
      return emit(name, ...args);
    };
  }
  async addFiles(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) this.add(`state file ${entry.name}`, await readFile(join(entry.parentPath ?? entry.path, entry.name), 'utf8'));
    }
  }
  /** Every place a canary or a signature appears, with some context. */
  leaks(canaries: readonly string[]): string[] {
    const found: string[] = [];
    for (const { where, text } of this.texts) {
      for (const c of canaries) {
        for (const form of new Set([c, encodeURIComponent(c)])) {
          const at = text.indexOf(form);
          if (at >= 0) found.push(`${where}: …${text.slice(Math.max(0, at - 80), at + form.length + 20)}…`);
        }
      }
      for (const re of SIGNATURE_IN_CLEAR) {
        const m = re.exec(text);
        if (m) found.push(`${where}: …${text.slice(Math.max(0, m.index - 80), m.index + m[0].length)}…`);
      }
    }
    return found;
  }
}

interface Venue {
  readonly client: InstanceType<typeof ccxt.Exchange>;
  readonly baseUrl: string;
  /** The venue's faults, in the order they are met. */
  readonly faults: Array<() => void>;
  setPrice(price: string): void;
}

function binance(credentials: { apiKey: string; secret: string }): Venue {
  const mock = new BinanceMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.binance({
    ...credentials, timeout: 300, enableRateLimit: false, fetchImplementation,
    options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false, fetchCurrencies: false },
  });
  return {
    client, baseUrl: mock.baseUrl,
    faults: (['server-error', 'backend-timeout', 'hang', 'duplicate-reply', 'message-bus', 'insufficient-balance'] as const).map((f) => () => mock.inject(f)),
    setPrice: (p) => void mock.prices.set('ETHUSDT', new Decimal(p)),
  };
}

function okx(credentials: { apiKey: string; secret: string; password: string }): Venue {
  const mock = new OkxMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.okx({ ...credentials, timeout: 300, enableRateLimit: false, fetchImplementation, options: { fetchMarkets: { types: ['spot'] } }, has: { fetchCurrencies: false } });
  return {
    client, baseUrl: mock.baseUrl,
    faults: (['executed-then-500', 'insufficient-balance'] as const).map((f) => () => mock.inject(f)),
    setPrice: (p) => void mock.prices.set('ETH-USDT', new Decimal(p)),
  };
}

function bybit(credentials: { apiKey: string; secret: string }): Venue {
  const mock = new BybitMock();
  server.resetHandlers(...mock.handlers());
  const client = new ccxt.bybit({
    ...credentials, timeout: 300, enableRateLimit: false, fetchImplementation,
    options: { fetchMarkets: { types: ['spot'] }, enableUnifiedAccount: true, enableUnifiedMargin: false }, has: { fetchCurrencies: false },
  });
  return {
    client, baseUrl: mock.baseUrl,
    faults: (['executed-then-502', 'insufficient-balance'] as const).map((f) => () => mock.inject(f)),
    setPrice: (p) => void mock.prices.set('ETHUSDT', new Decimal(p)),
  };
}

/** Every request to the venue fails as if its host could not be reached, until the returned function is called. */
function unreachable(baseUrl: string): () => void {
  let down = true;
  // Once back, the resolver returns nothing and msw falls through to the venue's own handlers.
  server.use(http.all(`${baseUrl}/*`, () => (down ? HttpResponse.error() : undefined)));
  return () => {
    down = false;
  };
}

function engineOver(exchange: Exchange, store: StateStore, lock: Lock = new MemoryLock()): CycleEngine {
  return new CycleEngine({
    exchange, store, lock, symbols: [SYMBOL],
    strategy: dca({ startQuote: 20, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1 }),
    tickIntervalMs: 1_000_000, orderTimeoutMs: 2_000, landingWindowMs: 1, workerGraceMs: 1,
    lookupBackoff: { initialMs: 1, maxMs: 5 }, retryBackoff: { initialMs: 1, maxMs: 5 },
  });
}

async function ticks(engine: CycleEngine, capture: Capture, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await capture.call('engine.tick()', () => engine.tick());
    await capture.call('engine.idle()', () => engine.idle());
    await sleep(5);
  }
}

/** Drives a whole engine over `venue` through its faults and an unreachable host; returns what was captured. */
async function driveVenue(venue: Venue): Promise<Capture> {
  const capture = new Capture();
  const dir = await mkdtemp(join(tmpdir(), 'ce-canary-'));
  try {
    const exchange = new CcxtExchange(venue.client, { receiveWindowMs: 1 }) // the engine below gives orders up after 1 ms: the venue must drop them by then;
    const engine = engineOver(exchange, new FileStateStore({ dir }));
    capture.watch(engine);
    await capture.call('engine.start()', () => engine.start());
    // Each fault meets the next order; prices move between them so that rebuys and sells follow.
    const prices = ['2000', '1950', '1900', '1850', '2100', '2000', '1950'];
    for (const [i, inject] of venue.faults.entries()) {
      venue.setPrice(prices[i % prices.length]!);
      inject();
      await ticks(engine, capture, 6);
    }
    // The host goes away with an order in flight and its look-ups (signed GETs) failing.
    venue.setPrice('1800');
    const back = unreachable(venue.baseUrl);
    await ticks(engine, capture, 4);
    for (const call of [
      () => exchange.fetchPrices([SYMBOL]),
      () => exchange.findOrder({ symbol: SYMBOL, clientOrderId: 'ce-s-canary1', since: Date.now() - 1000 }),
      () => exchange.placeMarketOrder({ symbol: SYMBOL, side: 'buy', quoteAmount: '20', clientOrderId: 'ce-s-canary2' }),
      () => exchange.placeMarketOrder({ symbol: SYMBOL, side: 'sell', baseAmount: '0.001', clientOrderId: 'ce-x-canary3' }),
      () => (exchange as Exchange).fetchBalances?.(['ETH', 'USDT']) ?? Promise.resolve(),
      () => new CcxtExchange(venue.client).getMarket('NOPE/USDT'),
    ]) {
      await capture.call('CcxtExchange', call);
    }
    back();
    await ticks(engine, capture, 4);
    await capture.call('engine.stop()', () => engine.stop());
    await capture.addFiles(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return capture;
}

describe('secrets canary: no key, secret, passphrase or signature in any log, event, error or state file (issue 14)', () => {
  it('binance: 5xx, -1007, lost reply, duplicate reply, -1006, insufficient balance, unreachable host', async () => {
    const credentials = { apiKey: canary('BinanceKey'), secret: canary('BinanceSecret') };
    const capture = await driveVenue(binance(credentials));
    expect(capture.texts.some((t) => t.where.startsWith('event error')), 'the faults did produce error events').toBe(true);
    expect(capture.leaks(Object.values(credentials))).toEqual([]);
  });

  it('okx: 500 after executing, insufficient balance, unreachable host', async () => {
    const credentials = { apiKey: canary('OkxKey'), secret: canary('OkxSecret'), password: canary('OkxPassphrase') };
    const capture = await driveVenue(okx(credentials));
    expect(capture.leaks(Object.values(credentials))).toEqual([]);
  });

  it('bybit: 502 after executing, insufficient balance, unreachable host', async () => {
    const credentials = { apiKey: canary('BybitKey'), secret: canary('BybitSecret') };
    const capture = await driveVenue(bybit(credentials));
    expect(capture.leaks(Object.values(credentials))).toEqual([]);
  });

  it('PostgreSQL and Redis: a connection string and a URL with a password the server refuses or cannot be reached at', async () => {
    const pgPassword = canary('PgPassword');
    const redisPassword = canary('RedisPassword');
    const capture = new Capture();
    // Nothing listens on port 1; the Redis user does not exist, so the server refuses the password.
    const pool = new pg.Pool({ connectionString: `postgres://canaryuser:${pgPassword}@127.0.0.1:1/test`, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {});
    const refusedPool = new pg.Pool({ connectionString: `postgres://canary_no_such_role:${pgPassword}@127.0.0.1:5432/test`, connectionTimeoutMillis: 2_000 });
    refusedPool.on('error', () => {});
    // Lazy clients: the first command connects, and meets the server's refusal of the password.
    const redisClients: Redis[] = [];
    const redis = () => {
      const client = new Redis(`redis://canary-no-such-user:${redisPassword}@127.0.0.1:6379`, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 1_000 });
      client.on('error', () => {});
      redisClients.push(client);
      return client;
    };
    try {
      const setups: Array<() => { store: StateStore; lock: Lock }> = [
        () => ({ store: new RedisStateStore({ client: redis(), prefix: 'ce-canary:' }), lock: new RedisLock({ client: redis(), prefix: 'ce-canary-lock:' }) }),
        () => ({ store: new PostgresStateStore({ pool, table: 'ce_canary' }), lock: new PostgresLock({ pool, table: 'ce_canary_lock' }) }),
        () => ({ store: new PostgresStateStore({ pool: refusedPool, table: 'ce_canary' }), lock: new PostgresLock({ pool: refusedPool, table: 'ce_canary_lock' }) }),
      ];
      for (const setup of setups) {
        const { store, lock } = setup();
        const engine = engineOver(new PaperExchange({ prices: { [SYMBOL]: '2000' }, balances: { USDT: '1000' } }), store, lock);
        capture.watch(engine);
        await capture.call('engine.start()', () => engine.start());
        await ticks(engine, capture, 2);
        await capture.call('engine.stop()', () => engine.stop());
        const fresh = setup();
        await capture.call('store.get', () => fresh.store.get(SYMBOL));
        await capture.call('store.list', () => fresh.store.list());
        await capture.call('store.compareAndSet', () => fresh.store.compareAndSet(SYMBOL, null, emptyRecord(SYMBOL, 0)));
        await capture.call('lock.acquire', () => fresh.lock.acquire(SYMBOL, { waitMs: 0 }));
      }
      expect(capture.texts.some((t) => t.where.startsWith('thrown by store')), 'the servers did refuse').toBe(true);
      expect(capture.leaks([pgPassword, redisPassword])).toEqual([]);
    } finally {
      for (const client of redisClients) client.disconnect();
      await pool.end().catch(() => {});
      await refusedPool.end().catch(() => {});
    }
  });
});
