/**
 * The server-side Lua scripts of the Redis adapters, and how they are run (EVALSHA, falling back
 * to EVAL once when the server does not have the script cached, e.g. after a restart).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CycleEngineError, InvalidOptionsError, WriteUnknownError } from '../../errors';
import { secretsOf } from '../../redact';

/**
 * The credentials an ioredis client holds, for redacting errors (issue 14): a Redis error carries
 * the command it answered, and a refused `HELLO … AUTH user password` carries the password.
 * @internal
 */
export function redisSecrets(client: Redis): string[] {
  return secretsOf(client, ['options.password', 'options.sentinelPassword', 'options.redisOptions.password']);
}

/**
 * Compare-and-set of one record hash. KEYS[1] the record; ARGV[1] expected version ('' = absent),
 * ARGV[2] the record JSON, ARGV[3] a random id of this write. The ids of the last 16 writes are
 * kept in `writes` as `id=version;`: a write resent by the client after the server applied it
 * (ioredis resends unanswered commands after a reconnect) finds its id and returns its version
 * instead of a false conflict.
 * @internal
 */
export const CAS_SCRIPT = `
local writes = redis.call('HGET', KEYS[1], 'writes') or ''
local mine = string.match(writes, ARGV[3] .. '=(%d+);')
if mine then return tonumber(mine) end
local current = redis.call('HGET', KEYS[1], 'version')
local nextVersion
if ARGV[1] == '' then
  if current then return nil end
  nextVersion = 1
else
  if current ~= ARGV[1] then return nil end
  nextVersion = tonumber(current) + 1
end
local entry = ARGV[3] .. '=' .. string.format('%d', nextVersion) .. ';'
local kept, n = entry, 1
for e in string.gmatch(writes, '[^;]+;') do
  if n >= 16 then break end
  kept = kept .. e
  n = n + 1
end
redis.call('HSET', KEYS[1], 'version', string.format('%d', nextVersion), 'record', ARGV[2], 'writes', kept)
return nextVersion
`;

/**
 * Takes a lock. KEYS[1] the lock, KEYS[2] the key's fencing counter; ARGV[1] the holder's random
 * token, ARGV[2] the lease in ms. Returns { fence, pttl, server seconds, server microseconds },
 * or nil when the key is held by someone else. A take resent after it was applied finds its own
 * token and returns the same lease.
 * @internal
 */
export const ACQUIRE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local fence
if current == ARGV[1] then
  fence = tonumber(redis.call('GET', KEYS[2]))
elseif current then
  return nil
else
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
  fence = redis.call('INCR', KEYS[2])
end
local t = redis.call('TIME')
return { fence, redis.call('PTTL', KEYS[1]), t[1], t[2] }
`;

/**
 * Releases a lock if it is still ours: compare-and-delete. KEYS[1] the lock; ARGV[1] the token.
 * Returns 1 when released, 0 when the key is not held with this token.
 * @internal
 */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const shas = new Map<string, string>();

/** Runs a script by its SHA1, loading it with EVAL when the server does not know it. @internal */
export async function runScript(client: Redis, script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  let sha = shas.get(script);
  if (sha === undefined) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return client.eval(script, keys.length, ...keys, ...args);
  }
}

/** Checks that `client` looks like an ioredis client without a `keyPrefix`. @internal */
export function checkClient(client: unknown): Redis {
  const c = client as Redis | undefined;
  if (typeof c?.evalsha !== 'function' || typeof c.scan !== 'function') throw new InvalidOptionsError('client', 'expected an ioredis client');
  if (c.options?.keyPrefix) throw new InvalidOptionsError('client', 'ioredis `keyPrefix` is not supported (SCAN ignores it): use the adapter\'s `prefix` option instead');
  return c;
}

/** Checks a key prefix option. @internal */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new InvalidOptionsError('prefix', 'expected a string');
  return prefix;
}

/** Escapes a literal for a SCAN MATCH glob pattern. @internal */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The error of a command whose result is unknown (connection dropped, server restarted, command
 * timed out while it was in flight): the caller must re-read before deciding. One typed error for
 * every adapter: {@link WriteUnknownError}.
 * @internal
 */
export function unknownWrite(key: string, what: string, cause: unknown): WriteUnknownError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new WriteUnknownError(key, `${what}: the result is unknown (${reason}); it may or may not have been applied, re-read before deciding`, { cause });
}
