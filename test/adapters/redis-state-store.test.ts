import { RedisStateStore } from 'cycle-engine/redis';
import { describeStateStore } from 'cycle-engine/testing';
import { withRedis } from '../support/services';

await withRedis('RedisStateStore', ({ client, prefix }) => {
  const keyPrefix = prefix('state');
  describeStateStore('RedisStateStore', () => new RedisStateStore({ client, prefix: keyPrefix }));
});
