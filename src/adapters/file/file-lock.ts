/**
 * A cross-process lock per key on the local file system, with leases, fencing tokens, and at-once
 * takeover of a lock whose holder died.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidOptionsError, LockNotHeldError } from '../../errors';
import { checkKnownOptions } from '../../options-check';
import type { Lock, LockAcquireOptions, LockLease } from '../../ports/lock';
import { tryUnlink } from './durable';
import { keyToName } from './key-names';
import { HOSTNAME, isProcessAlive } from './process';

/**
 * Options of {@link FileLock}.
 * @public
 */
export interface FileLockOptions {
  /** Directory of the lock files (created if missing). Must be on a local file system. */
  readonly dir: string;
  /** Default lease length (default 10,000 ms). */
  readonly ttlMs?: number | undefined;
  /** Default wait for a held key (default 0: try once). */
  readonly waitMs?: number | undefined;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly nonce: string;
  readonly token: number;
  readonly expiresAt: number;
}

/** A lock file with no readable content is a holder that died between create and write. */
const UNREADABLE_STALE_MS = 2_000;

/**
 * A {@link Lock} on the local file system, for several processes on one host.
 *
 * A key's lock is a file created with `O_EXCL` holding the holder's pid, host, nonce, lease end and
 * fencing token; releasing checks the nonce and removes it. Taking and releasing cost three and two
 * small file operations: the lock is held around every transition, so it must cost far less than
 * the durable write it protects.
 *
 * A lock whose holder's pid is dead on this host is taken over at once — a bot restarted after a
 * crash does not wait — and any other holder's lock once its lease has lapsed. A lease lost while
 * held surfaces when it is released: `release()` rejects with {@link LockNotHeldError}.
 *
 * Two processes that find the same stale lock at the same instant can, in a window of
 * microseconds, both end up believing they hold it (the race of proper-lockfile's issue #121; the
 * loser's lease surfaces as lost at release). That is harmless by design: the lock only keeps
 * engines apart, and the store's compare-and-set refuses the second writer.
 *
 * Tokens are the holder's clock in microseconds, raised above every token this process has seen
 * for the key: they grow as long as the host's clock does not step back. The engine's fence is the
 * store's version, not this token.
 *
 * @example
 * ```ts
 * const lock = new FileLock({ dir: './state/locks' });
 * ```
 * @public
 */
export class FileLock implements Lock {
  /** Absolute path of the lock directory. */
  readonly dir: string;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #lastToken = new Map<string, number>();
  #dirReady = false;

  /**
   * @param options - the directory and default lease and wait lengths
   * @throws {@link InvalidOptionsError} for a missing directory, negative times or an unknown key
   */
  constructor(options: FileLockOptions) {
    checkKnownOptions(options, { dir: true, ttlMs: true, waitMs: true } satisfies Record<keyof FileLockOptions, true>);
    if (typeof options?.dir !== 'string' || options.dir.length === 0) throw new InvalidOptionsError('dir', 'expected a directory path');
    this.dir = path.resolve(options.dir);
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#waitMs = options.waitMs ?? 0;
    if (!(this.#ttlMs > 0)) throw new InvalidOptionsError('ttlMs', 'expected a number of ms above 0');
    if (!(this.#waitMs >= 0)) throw new InvalidOptionsError('waitMs', 'expected a number of ms ≥ 0');
  }

  /**
   * {@inheritDoc Lock.acquire}
   * @throws {@link InvalidOptionsError} when the key is too long for a file name (the message names the limit)
   */
  async acquire(key: string, options: LockAcquireOptions = {}): Promise<LockLease | null> {
    const ttlMs = options.ttlMs ?? this.#ttlMs;
    const deadline = Date.now() + (options.waitMs ?? this.#waitMs);
    const file = this.#file(key);
    let pause = 1;
    for (;;) {
      const lease = this.#tryCreate(key, file, ttlMs);
      if (lease !== null) return lease;
      const holder = readHolder(file);
      if (holder === 'absent') continue; // released between our create and our read
      if (holder !== null) this.#seen(key, holder.token);
      if (isStale(file, holder)) {
        this.#takeOver(file, holder);
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      const lapse = holder === null ? UNREADABLE_STALE_MS : holder.expiresAt - Date.now();
      await sleep(Math.max(1, Math.min(pause, remaining, lapse)));
      pause = Math.min(pause * 2, 25);
    }
  }

  /** Nothing to release: every call opens and closes its own files. */
  async close(): Promise<void> {}

  #tryCreate(key: string, file: string, ttlMs: number): LockLease | null {
    const holder: Holder = { pid: process.pid, host: HOSTNAME, nonce: randomBytes(8).toString('hex'), token: this.#nextToken(key), expiresAt: Date.now() + ttlMs };
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw error;
    }
    try {
      fs.writeSync(fd, JSON.stringify(holder));
    } finally {
      fs.closeSync(fd);
    }
    return this.#lease(key, file, holder);
  }

  #lease(key: string, file: string, holder: Holder): LockLease {
    let released = false;
    return {
      key,
      token: holder.token,
      expiresAt: holder.expiresAt,
      release: async () => {
        if (released) throw new LockNotHeldError(key, `lease ${holder.token} was already released`);
        released = true;
        const current = readHolder(file);
        if (current === 'absent' || current?.nonce !== holder.nonce) {
          throw new LockNotHeldError(key, `lease ${holder.token} lapsed and was taken over`);
        }
        tryUnlink(file);
      },
    };
  }

  /**
   * Moves a stale lock aside and removes it. If what was moved is not the lock judged stale (a
   * contender replaced it in between), it is put back unless yet another lock exists by then.
   */
  #takeOver(file: string, judged: Holder | null): void {
    const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      return; // someone else took it over first
    }
    const moved = readHolder(aside);
    const same = judged === null ? moved === null : moved !== 'absent' && moved?.nonce === judged.nonce;
    if (!same) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // Another lock exists already: the holder we moved lost its lease (it sees so at release).
      }
    }
    tryUnlink(aside);
  }

  #file(key: string): string {
    if (!this.#dirReady) {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.#dirReady = true;
    }
    return path.join(this.dir, `${keyToName(key)}.lock`);
  }

  #nextToken(key: string): number {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const token = Math.max(micros, (this.#lastToken.get(key) ?? 0) + 1);
    this.#lastToken.set(key, token);
    return token;
  }

  #seen(key: string, token: number): void {
    if (token > (this.#lastToken.get(key) ?? 0)) this.#lastToken.set(key, token);
  }
}

/** The lock file's holder; null when it exists but does not parse; 'absent' when there is none. */
function readHolder(file: string): Holder | null | 'absent' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  try {
    const h = JSON.parse(text) as Holder;
    return typeof h?.nonce === 'string' && Number.isFinite(h.expiresAt) && Number.isFinite(h.token) ? h : null;
  } catch {
    return null;
  }
}

function isStale(file: string, holder: Holder | null): boolean {
  if (holder === null) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return false;
    }
  }
  if (holder.expiresAt <= Date.now()) return true;
  return holder.host === HOSTNAME && !isProcessAlive(holder.pid);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
