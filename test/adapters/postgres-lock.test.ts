import { PostgresLock } from 'cycle-engine/postgres';
import { describeLock } from 'cycle-engine/testing';
import { withPostgres } from '../support/services';

await withPostgres('PostgresLock', ({ pool, table }) => {
  const name = table('locks');
  describeLock('PostgresLock', () => new PostgresLock({ pool, table: name }));
});
