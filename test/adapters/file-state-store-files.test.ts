/**
 * What the file store does on disk: modes, temp files, stale writers, and corrupt files — a
 * corrupt record is reported with its path and never treated as "no cycle".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptStateError, CycleEngine, FileStateStore, MemoryLock, PaperExchange, dca, type CycleRecord } from 'cycle-engine';
import { sampleRecords } from 'cycle-engine/testing';
import { asV2 } from '../support/records';

const roots: string[] = [];
function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-files-'));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

const samples = sampleRecords('ETH/USDT', 1_700_000_000_000);
const idle = samples.idle as CycleRecord;
const active = samples.active as CycleRecord;

describe('FileStateStore on disk', () => {
  it('creates record files 0600 and directories 0700, one directory per key', async () => {
    const dir = freshDir();
    const store = new FileStateStore({ dir: path.join(dir, 'state') });
    await store.compareAndSet('acct:ETH/USDT', null, idle);
    const keyDir = store.pathOf('acct:ETH/USDT');
    expect(path.basename(keyDir)).toBe('acct%3AETH%2FUSDT');
    expect(fs.statSync(keyDir).mode & 0o777).toBe(0o700);
    await new Promise((r) => setImmediate(r));
    expect(fs.readdirSync(keyDir)).toEqual(['v1.json']);
    expect(fs.statSync(path.join(keyDir, 'v1.json')).mode & 0o777).toBe(0o600);
  });

  it('keeps the two newest versions', async () => {
    const store = new FileStateStore({ dir: freshDir() });
    let v: number | null = null;
    for (let i = 0; i < 6; i++) v = await store.compareAndSet('K/Q', v, { ...idle, updatedAt: i });
    await new Promise((r) => setImmediate(r)); // old versions are pruned just after the write returns
    expect(fs.readdirSync(store.pathOf('K/Q')).sort()).toEqual(['v5.json', 'v6.json']);
    expect((await store.get('K/Q'))?.value.updatedAt).toBe(5);
  });

  it('refuses a writer stale by several versions even though its next version number was pruned', async () => {
    const dir = freshDir();
    const stale = new FileStateStore({ dir });
    const live = new FileStateStore({ dir });
    const v1 = (await stale.compareAndSet('K/Q', null, idle)) as number;
    await stale.get('K/Q'); // the stale writer has read version 1 …
    let v = v1;
    for (let i = 0; i < 4; i++) v = (await live.compareAndSet('K/Q', v, { ...idle, updatedAt: i })) as number;
    expect(v).toBe(5); // … while versions 2 and 3 were written and pruned
    expect(await stale.compareAndSet('K/Q', v1, { ...active })).toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(fs.readdirSync(stale.pathOf('K/Q')).sort()).toEqual(['v4.json', 'v5.json']);
    expect(asV2((await live.get('K/Q'))?.value)?.phase).toBe('idle');
  });

  it('ignores temp files a killed writer left, and list() removes them', async () => {
    const store = new FileStateStore({ dir: freshDir() });
    await store.compareAndSet('ETH/USDT', null, active);
    const keyDir = store.pathOf('ETH/USDT');
    const deadPid = 2 ** 22 + 12345; // above pid_max: never a live process
    fs.writeFileSync(path.join(keyDir, `.tmp-${deadPid}-abcdef`), '{"half":');
    fs.writeFileSync(path.join(keyDir, 'v7.json.partial'), 'garbage');
    expect(asV2((await store.get('ETH/USDT'))?.value)?.phase).toBe('active');
    const listed = await store.list();
    expect(listed.map((r) => r.key)).toEqual(['ETH/USDT']);
    expect(fs.readdirSync(keyDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('reports a corrupt head with its path and never writes over it', async () => {
    const store = new FileStateStore({ dir: freshDir() });
    await store.compareAndSet('ETH/USDT', null, active);
    const file = path.join(store.pathOf('ETH/USDT'), 'v1.json');
    fs.writeFileSync(file, '{"version":1');
    const fresh = new FileStateStore({ dir: store.dir });
    const error = await fresh.get('ETH/USDT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStateError);
    expect((error as CorruptStateError).location).toBe(file);
    await expect(fresh.compareAndSet('ETH/USDT', 1, idle)).rejects.toBeInstanceOf(CorruptStateError);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"version":1');
    await new Promise((r) => setImmediate(r)); // the first write's temp name is unlinked just after it returns
    expect(fs.readdirSync(store.pathOf('ETH/USDT'))).toEqual(['v1.json']);
  });
});

describe('a corrupt record never becomes "no cycle"', () => {
  // ETH holds a position and its price is at take-profit; BTC is idle. A corrupt ETH file must
  // neither sell nor start anything for ETH, and BTC must go on.
  async function runOn(mutate: (text: string) => Buffer | string): Promise<{ ethOrders: number; btcOrders: number; errors: unknown[] }> {
    const dir = freshDir();
    const store = new FileStateStore({ dir });
    await store.compareAndSet('ETH/USDT', null, active);
    const file = path.join(store.pathOf('ETH/USDT'), 'v1.json');
    fs.writeFileSync(file, mutate(fs.readFileSync(file, 'utf8')));
    const exchange = new PaperExchange({ prices: { 'ETH/USDT': '100000', 'BTC/USDT': '100' }, balances: { USDT: '1000', ETH: '10' } });
    const engine = new CycleEngine({
      exchange,
      store: new FileStateStore({ dir }),
      lock: new MemoryLock(),
      symbols: ['ETH/USDT', 'BTC/USDT'],
      strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 3, takeProfitPct: 1 }),
    });
    const errors: unknown[] = [];
    engine.on('error', (e) => errors.push(e));
    await engine.tick();
    await engine.idle();
    await engine.tick();
    await engine.idle();
    return {
      ethOrders: exchange.orders.filter((o) => o.symbol === 'ETH/USDT').length,
      btcOrders: exchange.orders.filter((o) => o.symbol === 'BTC/USDT').length,
      errors,
    };
  }

  it('sells the position when the file is intact (control), then starts a new cycle', async () => {
    const r = await runOn((t) => t);
    expect(r).toMatchObject({ ethOrders: 2, btcOrders: 1, errors: [] });
  });

  const original = (() => {
    const dir = freshDir();
    const store = new FileStateStore({ dir });
    return store.compareAndSet('ETH/USDT', null, active).then(() => fs.readFileSync(path.join(store.pathOf('ETH/USDT'), 'v1.json')));
  })();

  it('truncated at every byte offset, with one bit flipped at every offset, empty, or with garbage appended', async () => {
    const bytes = await original;
    const cases: Array<[string, (t: string) => Buffer | string]> = [
      ['empty', () => ''],
      ['garbage appended', (t) => `${t}\u0000\u0000garbage`],
      ['a second JSON document appended', (t) => `${t}${t}`],
      ['wrong schema', (t) => t.replace('"schema":2', '"schema":3')],
      ['another key', (t) => t.replace('"key":"ETH/USDT"', '"key":"BTC/USDT"')],
    ];
    for (let offset = 0; offset < bytes.length; offset++) {
      cases.push([`truncated at ${offset}`, () => bytes.subarray(0, offset)]);
      const flipped = Buffer.from(bytes);
      flipped[offset] = (flipped[offset] as number) ^ (1 << offset % 8);
      cases.push([`bit ${offset % 8} of byte ${offset} flipped`, () => flipped]);
    }
    const failures: string[] = [];
    for (const [name, mutate] of cases) {
      const r = await runOn(mutate);
      const typed = r.errors.length >= 1 && r.errors.every((e) => e instanceof CorruptStateError);
      if (r.ethOrders !== 0 || r.btcOrders !== 1 || !typed) failures.push(`${name}: ${JSON.stringify({ eth: r.ethOrders, btc: r.btcOrders, errors: r.errors.map(String) })}`);
    }
    expect(cases.length).toBeGreaterThan(2 * bytes.length);
    expect(failures).toEqual([]);
  });
});
