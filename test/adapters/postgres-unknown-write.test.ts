/**
 * An interrupted compare-and-set is an unknown write: it must reject (never resolve null), and a
 * re-read tells what really happened.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { WriteUnknownError } from 'cycle-engine';
import { PostgresStateStore, type PgQueryable } from 'cycle-engine/postgres';
import { sampleRecords } from 'cycle-engine/testing';
import { POSTGRES_URL, withPostgres } from '../support/services';

const sample = sampleRecords();

await withPostgres('PostgresStateStore: unknown writes', ({ pool, table }) => {
  const name = table('unknown');

  it('a CAS whose backend is killed while it waits rejects; a re-read shows it was not applied', async () => {
    const storePool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    storePool.on('error', () => {});
    const blocker = new pg.Client({ connectionString: POSTGRES_URL });
    await blocker.connect();
    try {
      const store = new PostgresStateStore({ pool: storePool, table: name });
      const v1 = (await store.compareAndSet('killed', null, sample.idle))!;
      const { rows } = await storePool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${name}" WHERE key = 'killed' FOR UPDATE`);
      const cas = store.compareAndSet('killed', v1, sample.starting).then((v) => ({ v }), (e: unknown) => ({ e }));
      await waitUntil(async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [rows[0]!.pid])).rowCount === 1);
      await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      const result = await cas;
      expect(result).toHaveProperty('e');
      expect(String((result as { e: Error }).e.message)).toMatch(/unknown.*re-read/);
      expect((result as { e: Error }).e).toBeInstanceOf(WriteUnknownError); // one typed error for every adapter
      expect((result as { e: WriteUnknownError }).e).toMatchObject({ code: 'WRITE_UNKNOWN', key: 'killed' });
      await blocker.query('ROLLBACK');
      expect(await new PostgresStateStore({ pool, table: name }).get('killed')).toEqual({ version: v1, value: sample.idle });
    } finally {
      await blocker.end();
      await storePool.end();
    }
  });

  it('a CAS applied by the server whose reply is lost rejects; a re-read shows it was applied', async () => {
    const lossy: PgQueryable = {
      query: async (text, values) => {
        const result = await pool.query(text, values);
        if (/^(UPDATE|INSERT)/.test(text)) throw new Error('Connection terminated unexpectedly');
        return result;
      },
    };
    const store = new PostgresStateStore({ pool, table: name });
    const v1 = (await store.compareAndSet('lost-reply', null, sample.idle))!;
    await expect(new PostgresStateStore({ pool: lossy, table: name }).compareAndSet('lost-reply', v1, sample.starting)).rejects.toThrow(/unknown.*re-read/);
    await expect(new PostgresStateStore({ pool: lossy, table: name }).compareAndSet('lost-reply', v1 + 1, sample.idle)).rejects.toMatchObject({ name: 'WriteUnknownError', code: 'WRITE_UNKNOWN', key: 'lost-reply' });
    expect(await store.get('lost-reply')).toEqual({ version: v1 + 2, value: sample.idle });
    await store.compareAndSet('lost-reply', v1 + 2, sample.starting);
    expect(await store.get('lost-reply')).toEqual({ version: v1 + 3, value: sample.starting });
    await expect(new PostgresStateStore({ pool: lossy, table: name }).compareAndSet('lost-create', null, sample.idle)).rejects.toThrow(/unknown/);
    expect(await store.get('lost-create')).toEqual({ version: 1, value: sample.idle });
  });

  it('a statement the server refuses (not an unknown write) rethrows its own error', async () => {
    const refusing: PgQueryable = { query: async () => Promise.reject(Object.assign(new Error('permission denied'), { code: '42501' })) };
    await expect(new PostgresStateStore({ pool: refusing, table: name, createTable: false }).compareAndSet('x', null, sample.idle)).rejects.toThrow('permission denied');
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
