/**
 * `cycle-engine inspect` end to end: the built CLI reads a store that a real engine run wrote —
 * a file store, PostgreSQL and Redis (on 127.0.0.1; skipped loudly when down, failing under
 * CYCLE_ENGINE_REQUIRE_SERVICES=1) — and prints what the store holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore, isPortfolioRecord, type CycleRecord, type PortfolioRecord, type StateStore } from 'cycle-engine';
import { PostgresStateStore } from 'cycle-engine/postgres';
import { RedisStateStore } from 'cycle-engine/redis';
import type { InspectView } from '../../src/cli/inspect-view';
import { ensureBuilt, runCli } from '../support/built-cli';
import { writeEngineState } from '../support/engine-state';
import { POSTGRES_URL, REDIS_URL, withPostgres, withRedis } from '../support/services';

beforeAll(() => ensureBuilt(), 300_000);

/** Runs `inspect --json` and checks it shows exactly what the store lists. */
async function inspectMatchesStore(store: StateStore, args: string[]): Promise<InspectView> {
  const run = await writeEngineState(store);
  const r = await runCli(['inspect', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const view = JSON.parse(r.stdout) as InspectView;
  const listed = await store.list();
  expect(view.cycles.map((c) => c.symbol).sort()).toEqual([...run.symbols].sort());
  const portfolios = listed.filter((rec) => isPortfolioRecord(rec.value));
  expect(portfolios, 'the engine kept its reservations in one portfolio record').toHaveLength(1);
  expect(view.portfolios).toEqual(portfolios.map((rec) => ({ key: rec.key, version: rec.version, reservations: (rec.value as PortfolioRecord).reservations })));
  expect(view.portfolios[0]!.reservations.map((r) => r.symbol).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
  for (const rec of listed.filter((x) => !isPortfolioRecord(x.value))) {
    const c = view.cycles.find((x) => x.key === rec.key)!;
    expect(c).toBeDefined();
    expect(c.version).toBe(rec.version);
    const value = rec.value as CycleRecord;
    expect(c.phase).toBe(value.phase);
    expect(c.position).toEqual(value.position);
  }
  const eth = view.cycles.find((c) => c.symbol === 'ETH/USDT')!;
  expect(eth.phase).toBe('active');
  expect(eth.orders.map((o) => o.purpose).sort()).toEqual(['rebuy', 'takeProfit']);
  expect(eth.orders.every((o) => o.state === 'open' && run.resting.includes(o.clientOrderId))).toBe(true);
  expect(view.cycles.find((c) => c.symbol === 'BTC/USDT')!.paused).toBe(true);
  expect(eth.paused).toBe(false);

  const text = await runCli(['inspect', ...args]);
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout).toMatch(/ETH\/USDT {2}\[key [^\]]+\]\n {2}phase: active {2}cycle: \S+\n {2}position: [\d.]+ base, avg price [\d.]+/);
  expect(text.stdout).toMatch(/takeProfit limit sell [\d.]+ base @ [\d.]+ {2}open/);
  expect(text.stdout).toMatch(/rebuy #1 limit buy [\d.]+ base @ [\d.]+ {2}open/);
  expect(text.stdout).toMatch(/BTC\/USDT[^\n]*\n {2}phase: active {2}cycle: \S+ {2}PAUSED/);
  expect(text.stdout).toMatch(/portfolio reservations \[key [^\]]+\]: 2\n {2}(BTC|ETH)\/USDT cycle \S+ intent \S+: [\d.]+ quote, at \S+, owner \S+/);
  return view;
}

describe('inspect a file store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ce-inspect-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every cycle the engine left: phase, position, resting orders, paused', async () => {
    const view = await inspectMatchesStore(new FileStateStore({ dir }), ['--store', `file:${dir}`]);
    expect(view.store).toBe(dir);
  });
  it('a relative file: path is taken from the working directory', async () => {
    const r = await runCli(['inspect', '--store', `file:./${path.basename(dir)}`, '--json'], { cwd: path.dirname(dir) });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as InspectView).cycles).toHaveLength(2);
  });
  it('an empty store: no cycle, exit 0', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'ce-inspect-empty-'));
    try {
      const r = await runCli(['inspect', '--store', `file:${empty}`, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ cycles: [], portfolios: [] });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

await withPostgres('inspect a PostgreSQL store', (ctx) => {
  it('prints every cycle the engine left', async () => {
    const table = ctx.table('inspect');
    await inspectMatchesStore(new PostgresStateStore({ pool: ctx.pool, table }), ['--store', POSTGRES_URL, '--table', table]);
  });
  it('a table that does not exist: exit 1, and no password in the message', async () => {
    const url = new URL(POSTGRES_URL);
    url.password = 'hunter2-secret';
    const r = await runCli(['inspect', '--store', url.href, '--table', ctx.table('missing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('hunter2-secret');
  });
});

await withRedis('inspect a Redis store', (ctx) => {
  it('prints every cycle the engine left', async () => {
    const prefix = ctx.prefix('inspect');
    await inspectMatchesStore(new RedisStateStore({ client: ctx.client, prefix }), ['--store', REDIS_URL, '--prefix', prefix]);
  });
});

it('an unreachable Redis: exit 1, a clear message', async () => {
  const r = await runCli(['inspect', '--store', 'redis://127.0.0.1:1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^cycle-engine inspect: Could not connect to Redis at redis:\/\/127\.0\.0\.1:1/);
});
