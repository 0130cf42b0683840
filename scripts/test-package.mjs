#!/usr/bin/env node
/**
 * `npm run test:package`: tests the package as users install it. Packs it (`prepack` builds),
 * runs `publint --strict` and `attw` on the tarball, installs it into the consumer fixtures of
 * test/package/ (ESM NodeNext; ESM bundler with the strict flags; CommonJS, also under node10
 * resolution), type-checks each with --strict, runs the README quick start and the error-identity
 * proof (issue 9, case 19: needs PostgreSQL and Redis, as `npm test` does in CI) in each, and runs
 * the `cycle-engine/testing` suites under each vitest major we support. Prints each fixture and
 * what it checked, then a summary; exits 1 if anything failed.
 *
 * Installs go to a work directory kept between runs as a cache (`TEST_PACKAGE_DIR`, default
 * `<tmp>/cycle-engine-test-package`; npm's own cache serves the registry). Independent steps
 * (lints, installs, type-checks) run side by side; the programs run one after the other.
 * `TEST_PACKAGE_VITEST` overrides the vitest versions tried (comma-separated).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'package');
const work = resolve(process.env.TEST_PACKAGE_DIR ?? join(tmpdir(), 'cycle-engine-test-package'));
const bin = {
  tsc: join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  publint: join(root, 'node_modules', 'publint', 'src', 'cli.js'),
  attw: join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'),
};
const nodeMajor = Number(process.versions.node.split('.')[0]);
const started = Date.now();
/** @type {{ fixture: string, check: string, ok: boolean }[]} */
const results = [];

/** The version of a dev dependency as installed here, so that consumer installs hit npm's cache. */
const installed = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/**
 * The vitest versions the `cycle-engine/testing` suites run under: the one we develop with and the
 * newest of each later major (vitest 5 asks for Node ≥ 22: skipped, and said so, on Node 20).
 */
const VITEST = (process.env.TEST_PACKAGE_VITEST?.split(',') ?? [installed('vitest'), '4.1.12', '5.1.2']).map((spec) => {
  const major = Number(spec.replace(/^\D*/, '').split('.')[0]);
  // vitest 4 runs on vite 6–8: pinned, so that a new vite cannot change this run.
  const deps = major === 4 ? { vitest: spec, vite: '8.3.8' } : { vitest: spec };
  const skip = major >= 5 && nodeMajor < 22 ? `vitest ${major} needs Node >= 22 (its engines), this is Node ${process.versions.node}` : undefined;
  return { spec, major, deps, skip, name: `vitest-${major}` };
});

const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };

/** Runs a command; resolves its status, its output (stdout and stderr) and how long it took. */
function run(command, args, options = {}) {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, env, ...options });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => done({ ok: false, output: `${output}${String(error)}`, ms: Date.now() - t0 }));
    child.on('close', (code) => done({ ok: code === 0, output, ms: Date.now() - t0 }));
  });
}

/** Runs `fn`, turning a throw into a failed outcome. */
async function attempt(fn) {
  const t0 = Date.now();
  try {
    await fn();
    return { ok: true, output: '', ms: Date.now() - t0 };
  } catch (error) {
    return { ok: false, output: String(error?.stack ?? error), ms: Date.now() - t0 };
  }
}

function indent(text) {
  return text.trimEnd().split('\n').map((line) => `    ${line}`).join('\n');
}

/** Records a check, prints it, and prints the command's output when it failed or when asked. */
function check(fixture, name, outcome, { show = false, note = '' } = {}) {
  results.push({ fixture, check: name, ok: outcome.ok });
  const extra = [note, outcome.ms === undefined ? '' : `${(outcome.ms / 1000).toFixed(1)} s`].filter(Boolean).join(', ');
  console.log(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${name}${extra ? ` (${extra})` : ''}`);
  if ((show || !outcome.ok) && outcome.output.trim() !== '') console.log(indent(outcome.output));
  return outcome.ok;
}

function section(title) {
  console.log(`\n== ${title}`);
}

function finish() {
  const failed = results.filter((r) => !r.ok);
  section(`summary (${Math.round((Date.now() - started) / 1000)} s)`);
  const width = Math.max(...results.map((r) => r.fixture.length));
  for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.fixture.padEnd(width)}  ${r.check}`);
  console.log(failed.length === 0 ? '\ntest:package passed' : `\ntest:package FAILED: ${failed.length} check(s)`);
  process.exit(failed.length === 0 ? 0 : 1);
}

/** A fresh copy of a fixture's committed files into `into`. */
function copyFixture(name, into, as = name) {
  const dest = join(into, as);
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(fixtures, name), dest, { recursive: true });
  return dest;
}

/**
 * Installs `deps` into `dir`, then the tarball, as a user adds the package to a project that
 * already has its dependencies (that is when npm checks the package's peer ranges against them:
 * ERESOLVE). Reuses what an earlier run installed there.
 */
async function install(dir, tarball, deps) {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'cycle-engine-consumer', private: true, dependencies: deps };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const first = await run('npm', ['install', '--prefer-offline'], { cwd: dir });
  if (!first.ok) return first;
  const second = await run('npm', ['install', '--prefer-offline', tarball], { cwd: dir });
  return { ...second, ms: first.ms + second.ms };
}

/** `tsc --strict --noEmit` on a fixture's tsconfig; the build info is kept in the work directory. */
function typecheck(dir, tsconfig, cacheName) {
  return run(process.execPath, [bin.tsc, '--strict', '--noEmit', '-p', join(dir, tsconfig), '--incremental', '--tsBuildInfoFile', join(work, 'tsbuildinfo', `${cacheName}.json`)], { cwd: dir });
}

/** Strips the types of a fixture's programs (each file alone; imports stay as they are). */
function transpile(dir, files, format) {
  return attempt(() =>
    esbuild({ entryPoints: files.map((f) => join(dir, f)), outdir: join(dir, 'out'), outExtension: { '.js': format === 'cjs' ? '.cjs' : '.mjs' }, format, platform: 'node', target: 'node20', logLevel: 'silent' }),
  );
}

function runNode(dir, file) {
  return run(process.execPath, [file], { cwd: dir, env: { ...env, NODE_OPTIONS: '' } });
}

// ---------------------------------------------------------------------------------------------

section('pack: npm pack (prepack runs npm run build)');
mkdirSync(work, { recursive: true });
const packDir = join(work, 'pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], { env: { ...env, npm_config_loglevel: 'silent' } });
if (!check('package', 'npm pack', packed)) finish();
// prepack's build logs come first; npm's JSON answer starts at a line holding only `[`.
const [info] = JSON.parse(packed.output.slice(packed.output.search(/^\[\s*$/m)));
const tarball = join(packDir, info.filename);
console.log(`  ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB packed, ${(info.unpackedSize / 1024).toFixed(1)} kB unpacked`);

// Side by side: the lints of the tarball and every install.
const consumers = join(work, 'consumers');
const peers = Object.fromEntries(['pg', 'ioredis', 'ccxt', 'prom-client', '@types/node', '@types/pg'].map((name) => [name, installed(name)]));
const attwArgs = [bin.attw, tarball, '--format', 'table', '--no-emoji', '--no-color'];
const [publint, attwMain, attwTesting, consumerInstall, ...vitestInstalls] = await Promise.all([
  run(process.execPath, [bin.publint, '--strict', tarball]),
  run(process.execPath, [...attwArgs, '--exclude-entrypoints', './testing']),
  run(process.execPath, [...attwArgs, '--entrypoints', './testing', '--profile', 'esm-only']),
  install(consumers, tarball, peers),
  ...VITEST.map((v) => (v.skip ? Promise.resolve(undefined) : install(join(work, v.name), tarball, { ...v.deps, '@types/node': installed('@types/node') }))),
]);

section('publint --strict');
check('package', 'publint --strict', publint, { show: true });
section('attw (@arethetypeswrong/cli)');
check('package', 'attw, every entry but ./testing (profile strict: node10, node16 CJS and ESM, bundler)', attwMain, { show: true });
check('package', 'attw ./testing (profile esm-only: vitest refuses CommonJS)', attwTesting, { show: true });

section(`consumers: the tarball added to a project with ${Object.entries(peers).map(([n, v]) => `${n}@${v}`).join(', ')} (${consumers})`);
if (!check('consumers', 'npm install', consumerInstall)) finish();

// Side by side: every type-check and transpile.
const dirs = {
  nodenext: copyFixture('esm-nodenext', consumers),
  bundler: copyFixture('esm-bundler', consumers),
  cjs: copyFixture('cjs', consumers),
};
const vitestDirs = VITEST.map((v, i) => (vitestInstalls[i]?.ok ? copyFixture('vitest', join(work, v.name)) : undefined));
const [tscNodenext, tscNoTypes, tscBundler, tscCjs, tscNode10, emitNodenext, emitCjs, bundle, ...tscVitest] = await Promise.all([
  typecheck(dirs.nodenext, 'tsconfig.json', 'esm-nodenext'),
  typecheck(dirs.nodenext, 'tsconfig.no-types.json', 'esm-nodenext-no-types'),
  typecheck(dirs.bundler, 'tsconfig.json', 'esm-bundler'),
  typecheck(dirs.cjs, 'tsconfig.json', 'cjs'),
  typecheck(dirs.cjs, 'tsconfig.node10.json', 'cjs-node10'),
  transpile(dirs.nodenext, ['quick-start.ts', 'error-identity.ts'], 'esm'),
  transpile(dirs.cjs, ['quick-start.ts', 'error-identity.ts'], 'cjs'),
  // cycle-engine is bundled in (its subpath builds import the root by name: still one copy of the
  // errors in the bundle); the peers stay external, as server bundles usually keep them.
  attempt(() =>
    esbuild({
      entryPoints: [join(dirs.bundler, 'quick-start.ts'), join(dirs.bundler, 'error-identity.ts')],
      outdir: join(dirs.bundler, 'out'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['pg', 'ioredis', 'ccxt'],
      logLevel: 'silent',
    }),
  ),
  ...vitestDirs.map((dir, i) => (dir ? typecheck(dir, 'tsconfig.json', VITEST[i].name) : Promise.resolve(undefined))),
]);

section('entries: every entry loads from the installed package, and takes the error classes from the root');
{
  // ESM: a name a subpath imports from the root but the root does not export fails to link.
  const esm = `for (const e of ['cycle-engine', 'cycle-engine/testing', 'cycle-engine/postgres', 'cycle-engine/redis', 'cycle-engine/ccxt', 'cycle-engine/metrics', 'cycle-engine/backtest']) await import(e);`;
  check('consumers', 'import() of every entry (ESM; /testing under vitest below)', await run(process.execPath, ['--input-type=module', '-e', esm.replace("'cycle-engine/testing', ", '')], { cwd: consumers }));
  // CommonJS: a missing name would only be undefined at run time, so compare them.
  const cjs = String.raw`const fs = require('node:fs'); const rootExports = Object.keys(require('cycle-engine')); const missing = [];
    if (typeof require('cycle-engine/metrics').collectMetrics !== 'function') missing.push('metrics: no collectMetrics');
    if (typeof require('cycle-engine/backtest').backtest !== 'function') missing.push('backtest: no backtest');
    for (const e of ['postgres', 'redis', 'ccxt', 'backtest']) {
      const file = require.resolve('cycle-engine/' + e); require(file);
      const code = fs.readFileSync(file, 'utf8');
      if (!/require\(['"]cycle-engine['"]\)/.test(code)) missing.push(e + ': does not require the root build');
      for (const [, name] of code.matchAll(/cycleEngine\.(\w+)/g)) if (!rootExports.includes(name)) missing.push(e + ': ' + name);
    }
    if (missing.length > 0) { console.error('not exported by the root:', missing.join(', ')); process.exit(1); }`;
  check('consumers', 'require() of every CommonJS entry; each requires the root build for every name it takes from it', await run(process.execPath, ['-e', cjs], { cwd: consumers }));
  // A sweep on two worker threads finds its worker file (dist/backtest-worker.js / .cjs) in the installed package.
  const sweepRun = (load) => `${load}; const candles = Array.from({ length: 60 }, (_, i) => { const p = 100 + 5 * Math.sin(i / 4); return { time: i * 3600000, open: p, high: p + 1, low: p - 1, close: p + 0.5, volume: 1 }; });
    Promise.resolve(bt).then((m) => m.sweep({ symbol: 'ETH/USDT', candles, startBalance: { USDT: '1000' }, feeRate: '0.001', base: { startQuote: 10, maxRebuys: 3 }, grid: { takeProfitPct: [1, 2], rebuyDropPct: [1, 2] }, workers: 2, progress: false }))
      .then((r) => { if (r.rows.length !== 4 || r.workers !== 2) { console.error('unexpected sweep', r); process.exit(1); } });`;
  // Started with a V8 flag a worker refuses (--max-old-space-size, common for long backtests): the sweep drops it for its workers.
  check('consumers', 'sweep() on 2 worker threads from the installed package (ESM, node --max-old-space-size)', await run(process.execPath, ['--max-old-space-size=1024', '--input-type=module', '-e', sweepRun("const bt = import('cycle-engine/backtest')")], { cwd: consumers }));
  check('consumers', 'sweep() on 2 worker threads from the installed package (CommonJS)', await run(process.execPath, ['-e', sweepRun("const bt = require('cycle-engine/backtest')")], { cwd: consumers }));
}

section('the cycle-engine executable (bin), as npx runs it from the installed package');
{
  const cli = join(consumers, 'node_modules', '.bin', 'cycle-engine');
  check('consumers', 'cycle-engine --help (the bin is linked and runs)', await run(cli, ['--help'], { cwd: consumers }));
  // The report inlines lightweight-charts read from the install: a missing dependency fails here.
  const report = join(consumers, 'backtest-report.html');
  const backtest = await run(cli, ['backtest', '--data', join(root, 'data', 'eth-usdt-1h.json'), '--symbol', 'ETH/USDT', '--start-quote', '10', '--take-profit', '1.5', '--rebuy-drop', '2', '--max-rebuys', '3', '--report', report, '--json'], { cwd: consumers });
  const drawn = backtest.ok && existsSync(report) && readFileSync(report, 'utf8').includes('window.LightweightCharts');
  check('consumers', 'cycle-engine backtest --report --json (the chart library inlined from the install)', { ...backtest, ok: drawn });
}

section('fixture esm-nodenext: ESM, module/moduleResolution NodeNext, skipLibCheck off, no DOM lib');
check('esm-nodenext', 'tsc --strict -p tsconfig.json (quick-start, error-identity; entries.ts loads every entry\'s declarations)', tscNodenext);
check('esm-nodenext', 'tsc --strict -p tsconfig.no-types.json (root-only.ts with "types": []: the root declarations reference Node\'s types themselves for AbortSignal, no DOM lib)', tscNoTypes);
if (check('esm-nodenext', 'esbuild: strip types (ESM)', emitNodenext)) {
  check('esm-nodenext', 'node out/quick-start.mjs: README quick start', await runNode(dirs.nodenext, 'out/quick-start.mjs'), { show: true });
  check('esm-nodenext', 'node out/error-identity.mjs: error identity, ESM', await runNode(dirs.nodenext, 'out/error-identity.mjs'), { show: true });
}

section('fixture esm-bundler: ESM, moduleResolution Bundler, exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax; bundled by esbuild');
check('esm-bundler', 'tsc --strict -p tsconfig.json (the strict flags; adapters.ts builds every adapter from real ccxt, pg and ioredis clients)', tscBundler);
if (check('esm-bundler', 'esbuild --bundle (cycle-engine inlined, peers external)', bundle)) {
  check('esm-bundler', 'node out/quick-start.mjs: README quick start, bundled', await runNode(dirs.bundler, 'out/quick-start.mjs'), { show: true });
  check('esm-bundler', 'node out/error-identity.mjs: error identity, bundled', await runNode(dirs.bundler, 'out/error-identity.mjs'), { show: true });
}

section('fixture cjs: CommonJS (require), NodeNext, skipLibCheck off; and node10 resolution');
check('cjs', 'tsc --strict -p tsconfig.json (NodeNext in a CommonJS package: the require types)', tscCjs);
check('cjs', 'tsc --strict -p tsconfig.node10.json (moduleResolution node10: subpaths through typesVersions)', tscNode10);
if (check('cjs', 'esbuild: strip types (CommonJS, imports become require())', emitCjs)) {
  check('cjs', 'node out/quick-start.cjs: README quick start, require()', await runNode(dirs.cjs, 'out/quick-start.cjs'), { show: true });
  check('cjs', 'node out/error-identity.cjs: error identity, CommonJS', await runNode(dirs.cjs, 'out/error-identity.cjs'), { show: true });
}

for (const [i, v] of VITEST.entries()) {
  section(`fixture vitest (vitest ${v.spec}): the cycle-engine/testing suites against the installed package`);
  if (v.skip) {
    console.log(`  skip ${v.skip}`);
    continue;
  }
  // Without --legacy-peer-deps: the package's peer range must accept this vitest (else ERESOLVE).
  if (!check(v.name, `npm install vitest@${v.spec}, then the tarball`, vitestInstalls[i])) continue;
  const dir = vitestDirs[i];
  check(v.name, 'tsc --strict -p tsconfig.json (NodeNext)', tscVitest[i]);
  const base = join(work, v.name);
  const version = JSON.parse(readFileSync(join(base, 'node_modules', 'vitest', 'package.json'), 'utf8')).version;
  const outcome = await run(process.execPath, [join(base, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir], { cwd: dir, env: { ...env, CI: '1', NO_COLOR: '1' } });
  const summary = outcome.output.split('\n').filter((line) => /^\s*(Test Files|Tests)\s/.test(line)).map((line) => line.trim().replace(/\s+/g, ' ')).join('; ');
  check(v.name, `vitest ${version} run conformance.spec.ts`, outcome, { note: summary });
}

finish();
