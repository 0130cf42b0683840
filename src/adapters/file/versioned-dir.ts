/**
 * A lock-free compare-and-set over files, safe across processes on one host.
 *
 * Each version of a key is its own file, `v<N>.json`, in the key's directory; the head is the
 * highest N. Writing version N+1 publishes a complete temp file with `link()`, which never replaces
 * an existing entry: of all writers that read version N, exactly one creates `v<N+1>.json`, and
 * every other gets EEXIST. No lock is involved, so a writer paused at any point (SIGSTOP, a long GC)
 * can never overwrite a newer version when it resumes.
 *
 * Old versions are pruned (the newest two are kept). Pruning lets a writer that is stale by two
 * versions or more re-create a pruned number, so each file names its predecessor (`prev`, the
 * predecessor's nonce), the head is checked again just before the link, and right after the link
 * (before any await, while the evidence is still there) the writer decides from the directory
 * whether its file is the genuine version (see link-verdict.ts): yes → it reports the version once
 * the directory is fsynced; a re-created number → it removes its file and reports a conflict;
 * cannot tell → an unknown write, never a conflict. Readers only read a head proved genuine, so a
 * re-created file is never seen as the current state.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, later, linkExclusive, tryUnlink, writeTempFile } from './durable';
import { linkVerdict, type DirView } from './link-verdict';

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

/**
 * Reads the head file's text, or undefined when the directory has no version. A file re-created by
 * a stale writer exists only while the head is two or more past it, so a listing after the read
 * that shows the head at most one past proves the text read is the genuine version.
 */
export function readHead(dir: string): HeadFile | undefined {
  for (let attempt = 0; ; attempt++) {
    const versions = listVersions(dir);
    const version = versions[versions.length - 1];
    if (version === undefined) return undefined;
    const file = versionPath(dir, version);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      // Pruned between the listing and the read: a newer head exists, list again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 20) throw error;
      continue;
    }
    const after = listVersions(dir);
    if ((after[after.length - 1] as number) <= version + 1) return { version, path: file, text };
    if (attempt > 20) throw new Error(`the head of ${dir} kept moving while it was read`);
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

/** A write whose file was linked but that cannot be proved in or out of the key's history. */
export interface UnknownWrite {
  readonly unknown: string;
  readonly cause?: unknown;
}

/**
 * Writes `payload` as version `expected + 1` (or 1 when `expected` is null and the directory has
 * no version). Returns the new version only when the file is certainly the key's version (and
 * durable), null only when nothing it wrote is or will be in the key's history, and an
 * {@link UnknownWrite} when it cannot tell. Errors thrown before anything was published propagate.
 * @param prevNonce - the nonce of version `expected` (from a cache, or by reading and parsing its
 *   file; it throws if that file is corrupt), or null when that version's file is gone
 */
export async function casWrite<T>(
  dir: string,
  expected: number | null,
  payload: T,
  prevNonce: (version: number) => string | null,
  options: CasWriteOptions,
): Promise<number | null | UnknownWrite> {
  // A head past `expected` is a conflict: say so before writing anything.
  if (!isHead(dir, expected)) return null;
  const prev = expected === null ? null : prevNonce(expected);
  if (expected !== null && prev === null) return null; // moved on and pruned meanwhile
  const version = (expected ?? 0) + 1;
  const nonce = randomBytes(8).toString('hex');
  const envelope: VersionEnvelope<T> = { version, nonce, prev, payload, sum: checksum(version, nonce, prev, payload) };
  const target = versionPath(dir, version);
  const tmp = await writeTempFile(dir, JSON.stringify(envelope), options.mode, options.durable);
  // The temp file's fsync let other writers run: check again, so that the check and the link are
  // a few microseconds apart (a writer that links a pruned number must then be caught after it).
  let linked = false;
  try {
    linked = isHead(dir, expected) && linkExclusive(tmp, target);
  } finally {
    if (!linked) tryUnlink(tmp);
  }
  if (!linked) return null;
  try {
    return await decideLinked(dir, version, nonce, options);
  } finally {
    later(() => tryUnlink(tmp)); // once the write has returned, as before: off the fsync's path
  }
}

/** After the link: the verdict, then (ours) the directory fsync and pruning. */
async function decideLinked(dir: string, version: number, nonce: string, options: CasWriteOptions): Promise<number | null | UnknownWrite> {
  const target = versionPath(dir, version);
  // Decide at once, before any await: the evidence (our successors) is pruned as the key moves on.
  let verdict: ReturnType<typeof linkVerdict>;
  try {
    verdict = linkVerdict(dirView(dir), version, nonce);
  } catch (cause) {
    return { unknown: `could not read back the directory after linking version ${version}`, cause };
  }
  if (verdict === 'unknown') return { unknown: `the key moved on past version ${version} and pruned the versions that would prove whether it was built on` };
  if (verdict === 'stale') {
    // A re-created number below the head: never read, never built on. Take it back.
    tryUnlink(target);
    if (options.durable) await fsyncDir(dir).catch(() => undefined); // left behind, it is still below the head
    return null;
  }
  if (options.durable) {
    try {
      await fsyncDir(dir);
    } catch (cause) {
      return { unknown: `version ${version} is linked and may have been read, but the directory fsync failed`, cause };
    }
  }
  later(() => {
    const versions = listVersions(dir);
    prune(dir, versions, versions[versions.length - 1] ?? version, options.keep);
  });
  return version;
}

/** Whether the highest version in `dir` is `expected` (null: there is none). */
function isHead(dir: string, expected: number | null): boolean {
  const versions = listVersions(dir);
  return (versions[versions.length - 1] ?? null) === expected;
}

/** A {@link DirView} of a key's directory, reading envelopes without their payload's validation. */
function dirView(dir: string): DirView {
  return {
    versions: () => listVersions(dir),
    envelope(version) {
      const text = readVersion(dir, version);
      return text === null ? null : parseEnvelope<unknown>(text, version);
    },
  };
}

function prune(dir: string, versions: number[], head: number, keep: number): void {
  for (const v of versions) {
    if (v > head - keep) break;
    tryUnlink(versionPath(dir, v));
  }
}
