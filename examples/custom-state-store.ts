/**
 * Writing your own StateStore: an example adapter over a key-value service that offers a
 * conditional put (DynamoDB's `ConditionExpression`, etcd's transactions, Consul's `cas` index and
 * SQL's `UPDATE … WHERE version = $2` all have this shape).
 *
 * The "service" here is an in-process stand-in that stores JSON text, so the example runs as it
 * is: `npx tsx examples/custom-state-store.ts`. Its test, `test/examples/custom-state-store.test.ts`,
 * runs the same conformance suite our adapters pass:
 *
 * ```ts
 * import { describeStateStore } from 'cycle-engine/testing';
 * describeStateStore('KeyValueStateStore', () => new KeyValueStateStore(new InProcessKeyValue()));
 * ```
 */
import { pathToFileURL } from 'node:url';
import {
  CycleEngine,
  MemoryLock,
  PaperExchange,
  WriteUnknownError,
  assertStoredValue,
  dca,
  type StoredValue,
  type StateStore,
  type StoredRecord,
  type VersionedRecord,
} from 'cycle-engine';

/** What the remote service offers: reads, a conditional put, and a scan. */
export interface KeyValueService {
  read(key: string): Promise<{ revision: number; text: string } | undefined>;
  /** Puts `text` if the key's revision is `ifRevision` (0: only if absent); resolves the new revision or null. */
  putIf(key: string, ifRevision: number, text: string): Promise<number | null>;
  scan(): Promise<Array<{ key: string; revision: number; text: string }>>;
}

/** The adapter: a StateStore over any service with a conditional put. */
export class KeyValueStateStore implements StateStore {
  constructor(private readonly service: KeyValueService) {}

  async get(key: string): Promise<VersionedRecord | undefined> {
    const row = await this.service.read(key);
    if (row === undefined) return undefined;
    return { version: row.revision, value: this.#decode(key, row.text) };
  }

  async compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    // Versions start at 1: "version 0" must not be read as "absent" (the suite checks this).
    if (expectedVersion !== null && expectedVersion < 1) return null;
    // Serialise: the service keeps text, so nothing the caller holds is aliased.
    const text = JSON.stringify(value);
    try {
      return await this.service.putIf(key, expectedVersion ?? 0, text);
    } catch (cause) {
      // No answer (timeout, dropped connection): the put may have been applied. Say so — never
      // `null`, which the engine takes as "not written". (A real adapter rethrows the errors that
      // prove nothing was applied, e.g. a validation or permission error, as they are.)
      throw new WriteUnknownError(key, `putIf of \`${key}\`: no answer (${(cause as Error)?.message ?? String(cause)}); it may or may not have been applied, re-read before deciding`, { cause });
    }
  }

  async list(): Promise<StoredRecord[]> {
    const rows = await this.service.scan();
    return rows.map((row) => ({ key: row.key, version: row.revision, value: this.#decode(row.key, row.text) }));
  }

  #decode(key: string, text: string): StoredValue {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // reported below as CorruptStateError: never as "no cycle"
    }
    // A cycle record, or the portfolio record the engines reserve their budget in.
    assertStoredValue(key, value, `kv:${key}`);
    return value; // as stored: a record 0.1 wrote (schema 1) is upgraded by the engine
  }
}

/** An in-process stand-in for the service. A real one is a network call. */
export class InProcessKeyValue implements KeyValueService {
  readonly #rows = new Map<string, { revision: number; text: string }>();

  async read(key: string) {
    return this.#rows.get(key);
  }

  async putIf(key: string, ifRevision: number, text: string): Promise<number | null> {
    const current = this.#rows.get(key)?.revision ?? 0;
    if (current !== ifRevision) return null;
    this.#rows.set(key, { revision: current + 1, text });
    return current + 1;
  }

  async scan() {
    return [...this.#rows].map(([key, row]) => ({ key, ...row }));
  }
}

async function main(): Promise<void> {
  const exchange = new PaperExchange({ prices: { 'ETH/USDT': '3000' }, balances: { USDT: '1000' } });
  const engine = new CycleEngine({
    exchange,
    store: new KeyValueStateStore(new InProcessKeyValue()),
    lock: new MemoryLock(),
    symbols: ['ETH/USDT'],
    strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
  });
  await engine.tick();
  await engine.idle();
  const cycle = await engine.getCycle('ETH/USDT');
  console.log(`ETH/USDT is ${cycle?.phase}: ${cycle?.position?.baseVolume} ETH for ${cycle?.position?.investedQuote} USDT`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
