/**
 * Spawning TypeScript helper processes for the multi-process and lock tests: `node --import tsx
 * <file>` with cwd at the package root, so that tsconfig `paths` resolve `cycle-engine`.
 * Every child is tracked so that a test's `afterEach`/`afterAll` can SIGKILL what is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The engine child process of every multi-process and crash test. */
export const ENGINE_PROCESS = path.join(ROOT, 'test/support/engine-process.ts');

/**
 * The file to spawn for a TypeScript script: with `runner: 'bundle'` (the default) it is bundled
 * once into `outDir` with esbuild (a dependency of tsx and vite) and run with plain `node`, ~0.15 s
 * per spawn instead of ~0.75 s with `--import tsx`; with `'tsx'` the script itself. pg and ioredis
 * stay out of the bundle (the engine process loads them only for the kinds that need them).
 */
export async function runnableScript(file: string, outDir: string, runner: 'bundle' | 'tsx' = 'bundle'): Promise<string> {
  if (runner === 'tsx') return file;
  const { build } = await import('esbuild');
  const outfile = path.join(outDir, `${path.basename(file, '.ts')}.mjs`);
  await build({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    external: ['pg', 'pg-native', 'ioredis'],
    logLevel: 'error',
  });
  return outfile;
}

export interface Child {
  readonly proc: ChildProcess;
  /** stdout lines received so far. */
  readonly lines: string[];
  /** stderr text received so far. */
  stderr: string;
  /** Resolves at the first stdout line equal to `line`. */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  /** Writes one line to stdin. */
  send(line: string): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** Spawns `node --import tsx <file> ...args` (or plain `node <file>` for `.mjs`/`.js`). */
export function spawnScript(file: string, args: readonly string[] = []): Child {
  const nodeArgs = /\.m?js$/.test(file) ? [file, ...args] : ['--import', 'tsx', file, ...args];
  const proc = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(proc);
  const lines: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  let buffer = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.line === line) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    }
  });
  const child: Child = {
    proc,
    lines,
    stderr: '',
    exited: new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        resolve({ code, signal });
      });
    }),
    waitFor(line, timeoutMs = 30_000) {
      if (lines.includes(line)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pid ${proc.pid}: no "${line}" within ${timeoutMs} ms; stderr: ${child.stderr}`)), timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({ line, resolve: done });
        void child.exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`pid ${proc.pid} exited (${code ?? signal}) before "${line}"; stderr: ${child.stderr}`));
        });
      });
    },
    send(line) {
      proc.stdin!.write(`${line}\n`);
    },
  };
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    child.stderr += chunk;
  });
  proc.stdin!.on('error', () => {}); // a child that died does not read its stdin
  return child;
}

/** SIGKILLs every child still running (for afterEach/afterAll) and waits for them. */
export async function killAll(): Promise<void> {
  await killAndWait(live);
  live.clear();
}

/** SIGKILLs those of `procs` still running and waits for them to exit. */
export async function killAndWait(procs: Iterable<ChildProcess>): Promise<void> {
  await Promise.all(
    [...procs].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGKILL');
        }),
    ),
  );
}

/** A pid that is certainly dead: a process that ran and exited. */
export async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = p.pid!;
  await new Promise((resolve) => p.once('exit', resolve));
  return pid;
}
