/**
 * The built `cycle-engine` executable (dist/cli.js) for the end-to-end CLI tests: built with
 * `npm run build` when it is missing or older than a source file, then spawned like a user runs it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
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

/**
 * Builds the package (`npm run build`) unless dist/ is newer than every file of src/,
 * package.json and tsup.config.ts. Slow (about a minute): call it from a `beforeAll` with a long timeout.
 */
export function ensureBuilt(): void {
  const built = ['cli.js', 'index.js', 'backtest.js', 'backtest-worker.js'].map((f) => path.join(ROOT, 'dist', f));
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), ...['package.json', 'tsup.config.ts'].map((f) => statSync(path.join(ROOT, f)).mtimeMs));
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources)) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.status ?? build.signal}):\n${build.stdout}\n${build.stderr}`);
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
