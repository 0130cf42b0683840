/**
 * A lock-free compare-and-set over files, safe across processes on one host.
 *
 * Each version of a key is its own file, `v<N>.json`, in the key's directory; the head is the
 * highest N. Writing version N+1 publishes a complete temp file with `link()`, which never replaces
 * an existing entry: of all writers that read version N, exactly one creates `v<N+1>.json`, and
 * every other gets EEXIST. No lock is involved, so a writer paused at any point (SIGSTOP, a long GC)
 * can never overwrite a newer version when it resumes.
 *
 * Old versions are pruned (the newest two are kept). Pruning could let a writer that is stale by
 * two versions or more re-create a pruned number, so each file names its predecessor (`prev`, the
 * predecessor's nonce) and a writer checks after linking that it is the head or that its successor
 * was built on it; otherwise it removes its file and reports a conflict. Readers only ever read the
 * head, so such a file is never seen as the current state.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, later, publishExclusive, tryUnlink, writeTempFile } from './durable';

const VERSION_RE = /^v(\d{1,15})\.json$/;

/** The envelope every version file holds. */
export interface VersionEnvelope<T> {
  readonly version: number;
  readonly nonce: string;
  readonly prev: string | null;
  readonly payload: T;
  /** First 16 hex digits of the SHA-256 of the rest as JSON: a flipped bit is caught, not read. */
  readonly sum: string;
}

/** Checksum of an envelope's fields (every byte of the file but the checksum itself). */
function checksum(version: number, nonce: string, prev: string | null, payload: unknown): string {
  return createHash('sha256').update(JSON.stringify([version, nonce, prev, payload])).digest('hex').slice(0, 16);
}

/** What the head read found: the file's path and text, parsed or not. */
export interface HeadFile {
  readonly version: number;
  readonly path: string;
  readonly text: string;
}

/** Versions present in a directory, ascending (an absent directory has none). */
export function listVersions(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const versions: number[] = [];
  for (const name of names) {
    const m = VERSION_RE.exec(name);
    if (m) versions.push(Number(m[1]));
  }
  return versions.sort((a, b) => a - b);
}

/** Path of a version file. */
export function versionPath(dir: string, version: number): string {
  return path.join(dir, `v${version}.json`);
}

/** Reads the head file's text, or undefined when the directory has no version. */
export function readHead(dir: string): HeadFile | undefined {
  for (let attempt = 0; ; attempt++) {
    const versions = listVersions(dir);
    const version = versions[versions.length - 1];
    if (version === undefined) return undefined;
    const file = versionPath(dir, version);
    try {
      return { version, path: file, text: fs.readFileSync(file, 'utf8') };
    } catch (error) {
      // Pruned between the listing and the read: a newer head exists, list again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 20) throw error;
    }
  }
}

/** Reads a version file's text, or null when it does not exist. */
export function readVersion(dir: string, version: number): string | null {
  try {
    return fs.readFileSync(versionPath(dir, version), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Parses an envelope; throws a plain Error saying what is wrong. */
export function parseEnvelope<T>(text: string, version: number): VersionEnvelope<T> {
  if (text.length === 0) throw new Error('the file is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`the file is not valid JSON (${(error as Error).message})`);
  }
  const e = parsed as Partial<VersionEnvelope<T>> | null;
  if (typeof e !== 'object' || e === null || e.version !== version || typeof e.nonce !== 'string' || (e.prev !== null && typeof e.prev !== 'string') || !('payload' in e)) {
    throw new Error(`the file is not a version-${version} envelope`);
  }
  if (e.sum !== checksum(e.version, e.nonce, e.prev ?? null, e.payload)) throw new Error('the checksum does not match the content');
  return e as VersionEnvelope<T>;
}

/** Options of {@link casWrite}. */
export interface CasWriteOptions {
  /** fsync the file and the directory (state: yes; lock files: no). */
  readonly durable: boolean;
  /** File mode of version files. */
  readonly mode: number;
  /** Version files to keep (the head included); at least 2. */
  readonly keep: number;
}

/**
 * Writes `payload` as version `expected + 1` (or 1 when `expected` is null and the directory has
 * no version). Returns the new version, or null when `expected` is not the head.
 * @param prevNonce - the nonce of version `expected` (from a cache, or by reading and parsing its
 *   file; it throws if that file is corrupt), or null when that version's file is gone
 */
export async function casWrite<T>(
  dir: string,
  expected: number | null,
  payload: T,
  prevNonce: (version: number) => string | null,
  options: CasWriteOptions,
): Promise<number | null> {
  // A head past `expected` is a conflict: say so before writing anything.
  const before = listVersions(dir);
  const head0 = before[before.length - 1];
  let prev: string | null = null;
  if (expected === null) {
    if (head0 !== undefined) return null;
  } else {
    if (head0 !== expected) return null;
    prev = prevNonce(expected);
    if (prev === null) return null; // moved on and pruned meanwhile
  }
  const version = (expected ?? 0) + 1;
  const nonce = randomBytes(8).toString('hex');
  const envelope: VersionEnvelope<T> = { version, nonce, prev, payload, sum: checksum(version, nonce, prev, payload) };
  const target = versionPath(dir, version);
  const tmp = await writeTempFile(dir, JSON.stringify(envelope), options.mode, options.durable);
  if (!(await publishExclusive(tmp, target, options.durable))) return null;
  // Between the check above and the link, the key may have moved on by three versions and pruned
  // the number we just re-created: then we are below the head, and only a successor that names our
  // nonce as its predecessor proves the write was built on. Without that proof we report a conflict.
  const versions = listVersions(dir);
  const head = versions[versions.length - 1] as number;
  if (!versions.includes(version)) {
    // Our file is gone: a concurrent writer pruned it as old. Ours only if its successor says so.
    return builtOn(dir, version + 1, nonce) ? version : null;
  }
  if (head > version && !builtOn(dir, version + 1, nonce)) {
    tryUnlink(target);
    if (options.durable) await fsyncDir(dir);
    return null;
  }
  later(() => prune(dir, versions, head, options.keep));
  return version;
}

function builtOn(dir: string, successor: number, nonce: string): boolean {
  try {
    const parsed = JSON.parse(fs.readFileSync(versionPath(dir, successor), 'utf8')) as { prev?: unknown };
    return parsed.prev === nonce;
  } catch {
    return false; // missing or unreadable: not provably built on us, so count ourselves stale
  }
}

function prune(dir: string, versions: number[], head: number, keep: number): void {
  for (const v of versions) {
    if (v > head - keep) break;
    tryUnlink(versionPath(dir, v));
  }
}
