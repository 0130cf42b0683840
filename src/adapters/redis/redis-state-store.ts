/**
 * A state store in Redis: one hash per key, compare-and-set as a server-side script.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CorruptStateError, CycleEngineError, InvalidOptionsError, type WriteUnknownError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import { assertStoredValue, explainInvalidStoredValue } from '../../ports/record';
import type { StateStore, StoredRecord, StoredValue, VersionedRecord } from '../../ports/state-store';
import { redactThrown } from '../../redact';
import { CAS_SCRIPT, checkClient, checkPrefix, escapeGlob, redisSecrets, runScript, unknownWrite } from './scripts';

/**
 * Options of {@link RedisStateStore}.
 * @public
 */
export interface RedisStateStoreOptions {
  /** An ioredis client you create and close yourself (without ioredis' own `keyPrefix`). */
  readonly client: Redis;
  /** Start of every Redis key of this store (default `cycle-engine:state:`); the cycle key follows. */
  readonly prefix?: string | undefined;
}

/**
 * A {@link StateStore} in Redis, for engines on several hosts sharing cycles.
 *
 * Each cycle key is a hash at `<prefix><key>` with fields `version`, `record` (the JSON record)
 * and `writes` (ids of recent writes). A compare-and-set is one Lua script, atomic on the server:
 * it compares the stored version with the expected one and writes only if they match. `list()`
 * walks the prefix with SCAN (the prefix is escaped in the pattern, so keys may contain `*`, `?`
 * or `[`); it visits the whole keyspace, so keep one Redis database for the bot if it has many keys.
 *
 * A script whose reply never arrives (dropped connection, server restart, command timeout) is an
 * unknown write: `compareAndSet` rejects with a {@link "cycle-engine".WriteUnknownError} — never `null` — and the engine re-reads. ioredis resends
 * unanswered commands after reconnecting; each write carries a random id, so a resent write that
 * had already been applied returns its version instead of a false conflict.
 *
 * Durability is Redis's: without AOF (`appendonly yes`, `appendfsync always` to lose nothing), a
 * restart loses the latest writes, and with them cycles and orders in flight. For money, keep state
 * in PostgreSQL and use Redis only for the lock, or run Redis with AOF (see docs/deployment.md).
 * Use `maxmemory-policy noeviction`: an evicted record is a forgotten position.
 *
 * `close()` does not close the client: it is yours.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const store = new RedisStateStore({ client: new Redis(process.env.REDIS_URL!) });
 * ```
 * @public
 */
export class RedisStateStore implements StateStore {
  /** Start of every Redis key of this store. */
  readonly prefix: string;
  readonly #client: Redis;

  /**
   * @param options - the client and the key prefix
   * @throws {@link "cycle-engine".InvalidOptionsError} for a missing client, a client with `keyPrefix`, a bad prefix or an unknown key
   */
  constructor(options: RedisStateStoreOptions) {
    checkKnownOptions(options, { client: true, prefix: true } satisfies Record<keyof RedisStateStoreOptions, true>);
    this.#client = checkClient(options?.client);
    this.prefix = checkPrefix(options.prefix ?? 'cycle-engine:state:');
  }

  /**
   * The record under `key` and its version, or `undefined` when there is none (the `StateStore` port).
   * @throws {@link "cycle-engine".CorruptStateError} when the hash does not hold a valid cycle or portfolio record
   */
  get(key: string): Promise<VersionedRecord | undefined> {
    return this.#redacting('get', () => this.#read(key, this.#redisKey(key)));
  }

  /**
   * Writes `value` if the stored version is `expectedVersion` (`null`: only if the key is absent); resolves the new version, or `null` when nothing was written (the `StateStore` port).
   * @throws {@link "cycle-engine".WriteUnknownError} when the result of the write is unknown (it may have been
   *   applied: re-read)
   * @throws {@link "cycle-engine".CycleEngineError} when `value` is not a valid cycle or portfolio record
   */
  compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    return this.#redacting('compareAndSet', () => this.#compareAndSet(key, expectedVersion, value));
  }

  async #compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    const redisKey = this.#redisKey(key);
    const invalid = explainInvalidStoredValue(value);
    if (invalid !== undefined) throw new CycleEngineError(`Refusing to write an invalid record for \`${key}\`: ${invalid}`);
    if (expectedVersion !== null && !(Number.isSafeInteger(expectedVersion) && expectedVersion > 0)) return null;
    const args = [expectedVersion === null ? '' : String(expectedVersion), JSON.stringify(value), randomBytes(12).toString('hex')];
    let reply: unknown;
    try {
      reply = await runScript(this.#client, CAS_SCRIPT, [redisKey], args);
    } catch (error) {
      if (String((error as Error)?.message).startsWith('WRONGTYPE')) {
        throw new CorruptStateError(key, 'the Redis key is not a record hash', { location: `redis:${redisKey}`, cause: error });
      }
      throw unknownWrite(key, `compareAndSet of \`${key}\` at ${redisKey}`, error);
    }
    if (reply === null) return null;
    if (typeof reply !== 'number' || !Number.isSafeInteger(reply)) {
      throw unknownWrite(key, `compareAndSet of \`${key}\` at ${redisKey}`, new Error(`unexpected reply ${String(reply)}`));
    }
    return reply;
  }

  /**
   * Every record in the store (the `StateStore` port).
   * @throws {@link "cycle-engine".CorruptStateError} when a hash does not hold a valid cycle or portfolio record
   */
  list(): Promise<StoredRecord[]> {
    return this.#redacting('list', () => this.#list());
  }

  async #list(): Promise<StoredRecord[]> {
    const pattern = `${escapeGlob(this.prefix)}*`;
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.#client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) found.add(k);
    } while (cursor !== '0');
    const out: StoredRecord[] = [];
    const redisKeys = [...found];
    for (let start = 0; start < redisKeys.length; start += 100) {
      const batch = redisKeys.slice(start, start + 100).map(async (redisKey) => {
        const key = redisKey.slice(this.prefix.length);
        const record = await this.#read(key, redisKey);
        return record === undefined ? undefined : { key, ...record };
      });
      for (const row of await Promise.all(batch)) if (row !== undefined) out.push(row);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Does nothing: the client is the caller's to close. */
  async close(): Promise<void> {}

  /** Errors leave with the client's password redacted and the driver's error replaced by a clean copy. */
  #redacting<T>(method: string, run: () => Promise<T>): Promise<T> {
    return redactThrown(run, () => redisSecrets(this.#client), `RedisStateStore.${method}`);
  }

  #redisKey(key: string): string {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidOptionsError('key', 'expected a non-empty string');
    return this.prefix + key;
  }

  async #read(key: string, redisKey: string): Promise<VersionedRecord | undefined> {
    const location = `redis:${redisKey}`;
    let version: string | null | undefined;
    let text: string | null | undefined;
    try {
      [version, text] = await this.#client.hmget(redisKey, 'version', 'record');
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('WRONGTYPE')) throw error;
      throw new CorruptStateError(key, 'the Redis key is not a record hash', { location, cause: error });
    }
    if (version == null && text == null) return undefined;
    const v = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : NaN;
    if (!(Number.isSafeInteger(v) && v > 0)) throw new CorruptStateError(key, `invalid version ${String(version)}`, { location });
    let value: unknown;
    try {
      value = JSON.parse(text ?? '');
    } catch (error) {
      throw new CorruptStateError(key, 'the record is not JSON', { location, cause: error });
    }
    assertStoredValue(key, value, location);
    return { version: v, value };
  }
}
