/**
 * Redis: an interrupted compare-and-set rejects (never resolves null); a write resent after it was
 * applied (ioredis resends unanswered commands on reconnect) reports its version, not a conflict.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { RedisStateStore } from 'cycle-engine/redis';
import { sampleRecords } from 'cycle-engine/testing';
import { CAS_SCRIPT, runScript } from '../../src/adapters/redis/scripts';
import { REDIS_URL, withRedis } from '../support/services';

const sample = sampleRecords();

await withRedis('RedisStateStore: unknown writes', ({ client, prefix }) => {
  const keyPrefix = prefix('unknown');

  it('a CAS applied by the server whose reply is lost rejects; a re-read shows it was applied', async () => {
    const store = new RedisStateStore({ client, prefix: keyPrefix });
    const v1 = (await store.compareAndSet('lost', null, sample.idle))!;
    const lossy = Object.create(client, {
      evalsha: { value: async (...args: Parameters<Redis['evalsha']>) => { await client.evalsha(...args); throw new Error('Connection is closed.'); } },
    }) as Redis;
    await expect(new RedisStateStore({ client: lossy, prefix: keyPrefix }).compareAndSet('lost', v1, sample.starting)).rejects.toThrow(/unknown.*re-read/);
    // One typed error for every adapter.
    await expect(new RedisStateStore({ client: lossy, prefix: keyPrefix }).compareAndSet('lost', v1 + 1, sample.idle)).rejects.toMatchObject({ name: 'WriteUnknownError', code: 'WRITE_UNKNOWN', key: 'lost' });
    await store.compareAndSet('lost', v1 + 2, sample.starting);
    expect(await store.get('lost')).toEqual({ version: v1 + 3, value: sample.starting });
  });

  it('the same write resent after it was applied returns its version, not a conflict', async () => {
    const key = `${keyPrefix}resent`;
    const json = JSON.stringify(sample.idle);
    expect(await runScript(client, CAS_SCRIPT, [key], ['', json, 'aaaa'])).toBe(1);
    expect(await runScript(client, CAS_SCRIPT, [key], ['', json, 'aaaa'])).toBe(1);
    expect(await runScript(client, CAS_SCRIPT, [key], ['', json, 'bbbb'])).toBeNull();
    expect(await runScript(client, CAS_SCRIPT, [key], ['1', json, 'cccc'])).toBe(2);
    expect(await runScript(client, CAS_SCRIPT, [key], ['2', json, 'dddd'])).toBe(3);
    expect(await runScript(client, CAS_SCRIPT, [key], ['1', json, 'cccc'])).toBe(2); // applied, then superseded
    expect(await runScript(client, CAS_SCRIPT, [key], ['1', json, 'eeee'])).toBeNull();
  });

  it('a CAS in flight when the connection drops is applied at most once and reports the truth', async () => {
    const own = new Redis(REDIS_URL, { maxRetriesPerRequest: 5 });
    own.on('error', () => {});
    try {
      const store = new RedisStateStore({ client: own, prefix: keyPrefix });
      const v1 = (await store.compareAndSet('dropped', null, sample.idle))!;
      const id = Number(await own.client('ID'));
      await client.client('PAUSE', 300, 'WRITE');
      const cas = store.compareAndSet('dropped', v1, sample.starting).then((v) => ({ v }), (e: unknown) => ({ e }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.client('KILL', 'ID', String(id));
      const result = await cas;
      const after = await store.get('dropped');
      if ('v' in result) expect(after).toEqual({ version: result.v, value: sample.starting });
      else expect([v1, v1 + 1]).toContain(after!.version); // rejected: unknown, and the re-read decides
      expect(after!.version).toBeLessThanOrEqual(v1 + 1);
    } finally {
      own.disconnect();
    }
  });
});
