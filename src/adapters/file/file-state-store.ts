/**
 * The embedded default store: one directory per key, atomic durable writes, a real
 * compare-and-set across processes on one host.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { CorruptStateError, CycleEngineError, InvalidOptionsError, WriteUnknownError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import { assertStoredValue, explainInvalidStoredValue } from '../../ports/record';
import type { StateStore, StoredRecord, StoredValue, VersionedRecord } from '../../ports/state-store';
import { cleanTempFiles, fsyncDir } from './durable';
import { keyToName, nameToKey } from './key-names';
import { casWrite, parseEnvelope, readHead, readVersion, versionPath, type VersionEnvelope } from './versioned-dir';

/**
 * Options of {@link FileStateStore}.
 * @public
 */
export interface FileStateStoreOptions {
  /** Directory of the store (created if missing, mode 0700). Must be on a local file system. */
  readonly dir: string;
}

interface Payload {
  readonly key: string;
  readonly value: StoredValue;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** A temp file this old is a dead writer's even if its pid was reused. */
const TEMP_MAX_AGE_MS = 60_000;

/**
 * A {@link StateStore} on the local file system: the embedded default, safe for several processes
 * on one host and across crashes.
 *
 * Each key has its own directory (so a write costs the same with 10 or 10,000 cycles) holding its
 * latest versions as `v<N>.json`. A write goes to a temp file that is fsynced, then published with
 * `link()` — which never replaces an existing file, so of all writers that read version N exactly
 * one creates N+1 — then the directory is fsynced. A killed writer leaves at most a temp file,
 * which readers ignore and `list()` cleans. Files are created with mode 0600.
 *
 * A file that does not parse or validate is reported as {@link CorruptStateError} with its path;
 * it is never treated as "no cycle" and never overwritten.
 *
 * Not for network file systems (NFS, SMB): `link()` and pid checks are only reliable on a local
 * one. Use the PostgreSQL or Redis adapters for several hosts.
 *
 * @example
 * ```ts
 * const store = new FileStateStore({ dir: './state' });
 * ```
 * @public
 */
export class FileStateStore implements StateStore {
  /** Absolute path of the store's directory. */
  readonly dir: string;
  /** Nonce of the version last read per key: a write right after a read need not read it again. */
  readonly #lastRead = new Map<string, { version: number; nonce: string }>();

  /**
   * @param options - the directory
   * @throws {@link InvalidOptionsError} when `dir` is not a non-empty string, or for an unknown key
   */
  constructor(options: FileStateStoreOptions) {
    checkKnownOptions(options, { dir: true } satisfies Record<keyof FileStateStoreOptions, true>);
    if (typeof options?.dir !== 'string' || options.dir.length === 0) throw new InvalidOptionsError('dir', 'expected a directory path');
    this.dir = path.resolve(options.dir);
  }

  /**
   * {@inheritDoc StateStore.get}
   * @throws {@link CorruptStateError} when the key's latest file does not parse or validate
   * @throws {@link InvalidOptionsError} when the key is empty or too long for a file name (the message names the limit)
   */
  async get(key: string): Promise<VersionedRecord | undefined> {
    const head = readHead(this.#keyDir(key));
    if (head === undefined) return undefined;
    const { value, nonce } = this.#parse(key, head.text, head.version, head.path);
    this.#lastRead.set(key, { version: head.version, nonce });
    return { version: head.version, value };
  }

  /**
   * {@inheritDoc StateStore.compareAndSet}
   * @throws {@link WriteUnknownError} when the file was published but the store cannot prove whether
   *   it is part of the key's history (a concurrent writer moved the key on and pruned the evidence,
   *   or the directory fsync failed): re-read before deciding
   * @throws {@link CorruptStateError} when the version to replace does not parse (it is never overwritten)
   * @throws {@link InvalidOptionsError} when the key is empty or too long for a file name
   * @throws {@link CycleEngineError} when `value` is not a valid cycle or portfolio record
   */
  async compareAndSet(key: string, expectedVersion: number | null, value: StoredValue): Promise<number | null> {
    const invalid = explainInvalidStoredValue(value);
    if (invalid !== undefined) throw new CycleEngineError(`Refusing to write an invalid record for \`${key}\`: ${invalid}`);
    const dir = this.#keyDir(key);
    const payload: Payload = { key, value };
    const prevNonce = (version: number): string | null => {
      const cached = this.#lastRead.get(key);
      if (cached?.version === version) return cached.nonce;
      const text = readVersion(dir, version);
      return text === null ? null : this.#parse(key, text, version, versionPath(dir, version)).nonce;
    };
    const write = () => casWrite(dir, expectedVersion, payload, prevNonce, { durable: true, mode: FILE_MODE, keep: 2 });
    let result: Awaited<ReturnType<typeof write>>;
    try {
      result = await write();
    } catch (error) {
      // The key's directory is made on its first write (checking for it on every write would
      // cost a call per transition).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || expectedVersion !== null) throw error;
      await this.#ensureDir(dir);
      result = await write();
    }
    if (result === null || typeof result === 'number') return result;
    throw new WriteUnknownError(key, `FileStateStore: the write of \`${key}\` may or may not be part of its history (${result.unknown}); re-read before deciding`, { cause: result.cause });
  }

  /**
   * Every record in the store (see {@link StateStore.list}). Also removes temp files left by
   * killed writers.
   * @throws {@link CorruptStateError} when a key's latest file does not parse or validate
   */
  async list(): Promise<StoredRecord[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: StoredRecord[] = [];
    for (const name of names.sort()) {
      const key = nameToKey(name);
      if (key === undefined) continue;
      cleanTempFiles(path.join(this.dir, name), TEMP_MAX_AGE_MS);
      const record = await this.get(key);
      if (record !== undefined) out.push({ key, ...record });
    }
    return out;
  }

  /** Nothing to release: every call opens and closes its own files. */
  async close(): Promise<void> {}

  /** Path of a key's directory (for tools and tests). */
  pathOf(key: string): string {
    return this.#keyDir(key);
  }

  #keyDir(key: string): string {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidOptionsError('key', 'expected a non-empty string');
    return path.join(this.dir, keyToName(key));
  }

  async #ensureDir(dir: string): Promise<void> {
    const created = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
    // A new directory entry is durable only once its parent is fsynced.
    if (created !== undefined) {
      for (let d = dir; d.startsWith(created) && d !== path.dirname(d); d = path.dirname(d)) await fsyncDir(path.dirname(d));
    }
  }

  #parse(key: string, text: string, version: number, file: string): { value: StoredValue; nonce: string } {
    let envelope: VersionEnvelope<Payload>;
    try {
      envelope = parseEnvelope<Payload>(text, version);
    } catch (error) {
      throw new CorruptStateError(key, (error as Error).message, { location: file, cause: error });
    }
    const payload = envelope.payload;
    if (typeof payload !== 'object' || payload === null || payload.key !== key) {
      throw new CorruptStateError(key, 'the file belongs to another key', { location: file });
    }
    assertStoredValue(key, payload.value, file);
    return { value: payload.value, nonce: envelope.nonce };
  }
}
