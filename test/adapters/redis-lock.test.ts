import { RedisLock } from 'cycle-engine/redis';
import { describeLock } from 'cycle-engine/testing';
import { withRedis } from '../support/services';

await withRedis('RedisLock', ({ client, prefix }) => {
  const keyPrefix = prefix('lock');
  describeLock('RedisLock', () => new RedisLock({ client, prefix: keyPrefix }));
});
