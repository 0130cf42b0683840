import { PostgresStateStore } from 'cycle-engine/postgres';
import { describeStateStore } from 'cycle-engine/testing';
import { withPostgres } from '../support/services';

await withPostgres('PostgresStateStore', ({ pool, table }) => {
  const name = table('state');
  describeStateStore('PostgresStateStore', () => new PostgresStateStore({ pool, table: name }));
});
