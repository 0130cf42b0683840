/**
 * The built `cycle-engine` executable (dist/cli.js) for the end-to-end CLI tests: built with
 * `npm run build` when it is missing or older than a source file, then spawned like a user runs it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built executable. */
export const CLI = path.join(ROOT, 'dist', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : statSync(file).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const built = ['cli.js', 'index.js', 'backtest.js', 'backtest-worker.js'].map((f) => path.join(ROOT, 'dist', f));
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), ...['package.json', 'tsup.config.ts'].map((f) => statSync(path.join(ROOT, f)).mtimeMs));
  return built.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources);
}

/** One build at a time per checkout: test files run in parallel, and a build empties dist/ first. */
const LOCK = path.join(tmpdir(), `cycle-engine-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
const STALE_LOCK_MS = 10 * 60_000;

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    // A lock left by a killed run is taken over once it is older than any build.
    if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/**
 * Builds the package (`npm run build`) unless dist/ is newer than every file of src/,
 * package.json and tsup.config.ts; test files that ask at the same time wait for one build. Slow
 * (about a minute): call it from a `beforeAll` with a long timeout.
 */
export async function ensureBuilt(): Promise<void> {
  while (!isFresh()) {
    if (!tryLock()) {
      await sleep(500);
      continue;
    }
    try {
      if (isFresh()) return;
      // Asynchronously: a worker whose event loop is blocked for a minute loses its link to vitest.
      await new Promise<void>((resolve, reject) => {
        execFile('npm', ['run', 'build'], { cwd: ROOT, timeout: 280_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
          if (error === null) resolve();
          else reject(new Error(`npm run build failed (${error.message}):\n${stdout}\n${stderr}`));
        });
      });
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

/** What one run of the CLI gave. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli.js ...args` in `cwd` (default: the repository) and collects its exit code and output. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
      resolve({ code, stdout, stderr });
    });
  });
}
