/**
 * Import time of the built root entry (`dist/index.js`), measured in fresh `node` processes.
 * @packageDocumentation
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats';

/** Newest modification time (ms) of the files under a directory. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** What {@link ensureBuilt} did. */
export interface BuildInfo {
  /** The built entry to import, or null when no build could be made. */
  readonly entry: string | null;
  /** `fresh` (dist was up to date), `built` (npm run build), `fallback` (an ESM-only build in a temp dir), `failed`. */
  readonly how: 'fresh' | 'built' | 'fallback' | 'failed';
  /** Build output worth showing when something failed. */
  readonly detail?: string;
  /** Removes a temporary build, if one was made. */
  readonly cleanup?: () => void;
}

/**
 * Runs `npm run build` when `dist/index.js` is missing or older than a file of `src/`. When that
 * build fails (e.g. a declaration error somewhere in a tree being edited), builds the JS alone
 * into a temporary directory instead, so the import can still be timed.
 */
export function ensureBuilt(root: string): BuildInfo {
  const entry = join(root, 'dist', 'index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(root, 'src'))) return { entry, how: 'fresh' };
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (build.status === 0 && existsSync(entry)) return { entry, how: 'built' };
  const detail = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  const outDir = mkdtempSync(join(tmpdir(), 'cycle-engine-bench-dist-'));
  const js = spawnSync(
    'npx',
    ['tsup', '--no-config', 'src/index.ts', '--format', 'esm', '--target', 'node20', '--treeshake', '--out-dir', outDir],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  const fallback = join(outDir, 'index.js');
  const cleanup = () => rmSync(outDir, { recursive: true, force: true });
  if (js.status === 0 && existsSync(fallback)) return { entry: fallback, how: 'fallback', detail, cleanup };
  cleanup();
  return { entry: null, how: 'failed', detail: `${detail}\n${js.stderr ?? ''}`.trim() };
}

/** Milliseconds `await import(file)` takes in a fresh node process (its own `performance.now()`). */
function importOnce(file: string): number {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t0));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`node could not import ${file}: ${run.stderr.trim().split('\n').slice(0, 5).join('\n')}`);
  return Number(run.stdout);
}

/** Medians of `runs` imports of `entry` and of a trivial module, in alternating fresh processes. */
export function measureImport(entry: string, runs = 7): { entryMs: number; baselineMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'cycle-engine-bench-'));
  try {
    const trivial = join(dir, 'trivial.mjs');
    writeFileSync(trivial, 'export const x = 1;\n');
    importOnce(trivial); // warm the OS file cache for node itself
    importOnce(entry);
    const entryMs: number[] = [];
    const baselineMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      entryMs.push(importOnce(entry));
      baselineMs.push(importOnce(trivial));
    }
    return { entryMs: median(entryMs), baselineMs: median(baselineMs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
