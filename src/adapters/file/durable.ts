/**
 * Durable file primitives: a file is published only complete and fsynced, then its directory
 * entry is fsynced too (write-file-atomic stops before that last step).
 *
 * The small metadata calls (open, write, link, unlink, readdir) are synchronous: each takes a few
 * microseconds, while a trip through libuv's thread pool costs ~0.1 ms on a busy 2-core machine and
 * a transition makes about twenty of them. Only fsync, the one call that waits for the disk, runs
 * off the event loop.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isProcessAlive } from './process';

const fsyncAsync = promisify(fs.fsync);

/** Prefix of temporary files; readers ignore them and `cleanTempFiles` removes stale ones. */
export const TEMP_PREFIX = '.tmp-';

/** fsyncs a directory so that entries created, renamed or removed in it survive a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await fsyncAsync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to a new temporary file in `dir`, fsyncs it (unless told not to), and returns its path. */
export async function writeTempFile(dir: string, data: string, mode: number, sync = true): Promise<string> {
  const tmp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
  try {
    fs.writeSync(fd, data, 0, 'utf8');
    if (sync) await fsyncAsync(fd);
  } catch (error) {
    fs.closeSync(fd);
    tryUnlink(tmp);
    throw error;
  }
  fs.closeSync(fd);
  return tmp;
}

/**
 * Links a complete temp file as `target` only if `target` does not exist yet (a hard link never
 * replaces an entry). Returns false on EEXIST; nothing is fsynced and the temp name stays.
 */
export function linkExclusive(tmp: string, target: string): boolean {
  try {
    fs.linkSync(tmp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

const chores: Array<() => void> = [];

/** Runs housekeeping (unlinking temp names and old versions) after the current write has returned. */
export function later(chore: () => void): void {
  if (chores.push(chore) === 1) {
    setImmediate(() => {
      for (const c of chores.splice(0)) c();
    });
  }
}

/** Unlinks a file, ignoring a file that is already gone. Returns whether it removed one. */
export function tryUnlink(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes temp files a killed writer left in `dir`: at once when the writer's pid is dead, else once
 * older than `olderThanMs` (a live writer's file is never pulled from under it). Returns how many.
 */
export function cleanTempFiles(dir: string, olderThanMs: number): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  const cutoff = Date.now() - olderThanMs;
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const file = path.join(dir, name);
    const pid = Number(name.slice(TEMP_PREFIX.length).split('-')[0]);
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      continue;
    }
    if (((pid !== process.pid && !isProcessAlive(pid)) || mtimeMs < cutoff) && tryUnlink(file)) removed++;
  }
  return removed;
}
