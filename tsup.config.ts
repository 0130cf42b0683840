import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import type { Plugin } from 'esbuild';

const errorsModule = fileURLToPath(new URL('./src/errors.ts', import.meta.url));

/**
 * One runtime copy of the error classes: in the subpath entries, every import of src/errors.ts
 * becomes an import of the package's root (`cycle-engine`, a self-reference resolved through
 * `exports`), so `instanceof LockNotHeldError` holds for an error thrown by `cycle-engine/postgres`
 * and the engine sees the same `CorruptStateError` class a Redis store throws. Everything a
 * subpath imports from src/errors.ts must therefore be exported from src/index.ts
 * (scripts/test-package.mjs fails otherwise). Other shared modules (decimal, record validation)
 * hold no classes or state whose identity matters and stay bundled per entry.
 */
const errorsFromRoot: Plugin = {
  name: 'errors-from-root',
  setup(build) {
    build.onResolve({ filter: /(^|\/)errors(\.ts)?$/ }, (args) => {
      if (!args.path.startsWith('.')) return undefined;
      const resolved = path.resolve(args.resolveDir, args.path);
      if (resolved !== errorsModule && `${resolved}.ts` !== errorsModule) return undefined;
      return { path: 'cycle-engine', external: true };
    });
  },
};

/**
 * The CLI uses the package as a user does: its imports of the entry points' sources (src/index.ts,
 * src/backtest/index.ts, the adapters' index.ts) become imports of the package's own entries by
 * name (`cycle-engine`, `cycle-engine/backtest`, …), so dist/cli.js runs the built library — one
 * copy of it, and the sweep finds its worker file beside dist/backtest.js.
 */
const entriesFromPackage: Plugin = {
  name: 'entries-from-package',
  setup(build) {
    const entries = new Map([
      ['src/index.ts', 'cycle-engine'],
      ['src/errors.ts', 'cycle-engine'],
      ['src/backtest/index.ts', 'cycle-engine/backtest'],
      ['src/adapters/postgres/index.ts', 'cycle-engine/postgres'],
      ['src/adapters/redis/index.ts', 'cycle-engine/redis'],
    ].map(([file, name]) => [fileURLToPath(new URL(`./${file}`, import.meta.url)), name] as const));
    build.onResolve({ filter: /^\./ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path);
      const name = entries.get(resolved) ?? entries.get(`${resolved}.ts`);
      return name === undefined ? undefined : { path: name, external: true };
    });
  },
};

const common: Options = {
  format: ['esm', 'cjs'],
  // The declarations use Node's AbortSignal: say so, rather than leave it to the DOM lib.
  dts: { banner: '/// <reference types="node" />' },
  sourcemap: true,
  // Both builds run in parallel into dist/: `npm run build` empties it first.
  clean: false,
  target: 'node20',
  // Each entry is self-contained (no shared chunks): the root entry must not pull in vitest,
  // pg or ioredis.
  splitting: false,
  treeshake: true,
  // pg, ioredis and ccxt are optional peers: only their types are imported, the user passes the client in.
  // prom-client (optional peer of cycle-engine/metrics) is imported, never bundled.
  external: ['vitest', 'pg', 'ioredis', 'ccxt', 'prom-client', 'cycle-engine'],
};

export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' } },
  {
    ...common,
    entry: {
      postgres: 'src/adapters/postgres/index.ts',
      redis: 'src/adapters/redis/index.ts',
      ccxt: 'src/adapters/ccxt/index.ts',
      metrics: 'src/metrics/index.ts',
    },
    esbuildPlugins: [errorsFromRoot],
  },
  // cycle-engine/backtest, and the sweep's worker file beside it (sweep.ts finds it next to itself
  // with `import.meta.url`, shimmed in the CJS build). The worker has no types: nothing imports it.
  { ...common, entry: { backtest: 'src/backtest/index.ts' }, shims: true, esbuildPlugins: [errorsFromRoot] },
  { ...common, entry: { 'backtest-worker': 'src/backtest/sweep-worker.ts' }, dts: false, esbuildPlugins: [errorsFromRoot] },
  // The `cycle-engine` executable (bin): ESM, with the shebang on this entry only.
  {
    ...common,
    format: ['esm'],
    entry: { cli: 'src/cli/main.ts' },
    dts: false,
    sourcemap: false,
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [entriesFromPackage],
  },
  // cycle-engine/testing is ESM only: vitest refuses to be loaded with require().
  { ...common, format: ['esm'], entry: { testing: 'src/testing/index.ts' }, esbuildPlugins: [errorsFromRoot] },
]);
