#!/usr/bin/env node
/**
 * `npm run test:package`: tests the package as users install it. Builds, packs, runs
 * `publint --strict` and `attw` on the tarball, installs it into the consumer fixtures of
 * test/package/ (ESM NodeNext; ESM bundler with the strict flags; CommonJS, also under node10
 * resolution), type-checks each with --strict, runs the README quick start and the error-identity
 * proof (issue 9, case 19: needs PostgreSQL and Redis, as `npm test` in CI) in each, and runs the
 * `cycle-engine/testing` suites under each vitest major we support. Prints each fixture and what
 * it checked, then a summary; exits 1 if anything failed.
 *
 * Installs go to a work directory that is kept between runs as a cache (`TEST_PACKAGE_DIR`,
 * default `<tmp>/cycle-engine-test-package`); only the tarball is reinstalled each time.
 * `TEST_PACKAGE_VITEST` overrides the vitest majors tried (comma-separated npm specs).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'package');
const work = resolve(process.env.TEST_PACKAGE_DIR ?? join(tmpdir(), 'cycle-engine-test-package'));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const nodeMajor = Number(process.versions.node.split('.')[0]);
const started = Date.now();
/** @type {{ fixture: string, check: string, ok: boolean, note: string }[]} */
const results = [];

/** The version of a dev dependency as installed here, so that consumer installs hit the npm cache. */
const installed = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** vitest majors the `cycle-engine/testing` suites are run under: [label, dependencies, why skipped]. */
const VITEST = (process.env.TEST_PACKAGE_VITEST?.split(',') ?? [installed('vitest'), '4.1.12', '5.1.2']).map((spec) => {
  const major = Number(spec.replace(/^\D*/, '').split('.')[0]);
  // vitest 4 runs on vite 6–8; pinned so a new vite cannot change this run (npm's cache answers it).
  const deps = major === 4 ? { vitest: spec, vite: '8.3.8' } : { vitest: spec };
  const skip = major >= 5 && nodeMajor < 22 ? `vitest ${major} needs Node ≥ 22 (engines), this is Node ${process.versions.node}` : undefined;
  return { spec, major, deps, skip };
});

const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };

/** Runs a command; returns its status and output (stdout and stderr together). */
function run(command, args, options = {}) {
  const t0 = Date.now();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: npmEnv, maxBuffer: 64 * 1024 * 1024, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output, ms: Date.now() - t0 };
}

function indent(text, prefix = '    ') {
  return text.trimEnd().split('\n').map((line) => prefix + line).join('\n');
}

/** Records a check, prints it, and prints the command's output when it failed or when asked. */
function check(fixture, name, outcome, { show = false, note = '' } = {}) {
  results.push({ fixture, check: name, ok: outcome.ok, note });
  const took = outcome.ms === undefined ? '' : `, ${(outcome.ms / 1000).toFixed(1)} s`;
  console.log(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${name}${note || took ? ` (${[note, took.slice(2)].filter(Boolean).join(', ')})` : ''}`);
  if ((show || !outcome.ok) && outcome.output.trim() !== '') console.log(indent(outcome.output));
  return outcome.ok;
}

function section(title) {
  console.log(`\n== ${title}`);
}

/** Must succeed, else the run stops here. */
function must(fixture, name, outcome, options) {
  if (!check(fixture, name, outcome, options)) finish();
}

function finish() {
  const failed = results.filter((r) => !r.ok);
  section(`summary (${Math.round((Date.now() - started) / 1000)} s)`);
  const width = Math.max(...results.map((r) => r.fixture.length));
  for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.fixture.padEnd(width)}  ${r.check}`);
  console.log(failed.length === 0 ? '\ntest:package passed' : `\ntest:package FAILED: ${failed.length} check(s)`);
  process.exit(failed.length === 0 ? 0 : 1);
}

/** A fresh copy of a fixture's committed files (node_modules and outputs are not kept). */
function copyFixture(name, into) {
  const dest = join(into, name);
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(fixtures, name), dest, { recursive: true, filter: (src) => !/[\\/](node_modules|out)$/.test(src) });
  return dest;
}

/** Installs `deps` and the tarball into `dir`, reusing what an earlier run installed there. */
function install(dir, tarball, deps) {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'cycle-engine-consumer', private: true, dependencies: { 'cycle-engine': `file:${tarball}`, ...deps } };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The tarball changes at every run: forget the copy and the lockfile of the last one.
  rmSync(join(dir, 'node_modules', 'cycle-engine'), { recursive: true, force: true });
  rmSync(join(dir, 'package-lock.json'), { force: true });
  return run('npm', ['install', '--prefer-offline', '--no-save', '--strict-peer-deps'], { cwd: dir });
}

function typecheck(fixture, dir, tsconfig, flags) {
  check(fixture, `tsc --strict -p ${tsconfig} (${flags})`, run(process.execPath, [tsc, '--strict', '-p', join(dir, tsconfig)], { cwd: dir }));
}

function runNode(fixture, dir, file, what) {
  const outcome = run(process.execPath, [file], { cwd: dir, env: { ...npmEnv, NODE_OPTIONS: '' } });
  check(fixture, `node ${file}: ${what}`, outcome, { show: true });
}

// ---------------------------------------------------------------------------------------------

section('build (npm run build)');
must('package', 'npm run build', run('npm', ['run', 'build']));

section('pack (npm pack)');
mkdirSync(work, { recursive: true });
const packDir = join(work, 'pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
const packed = run('npm', ['pack', '--json', '--pack-destination', packDir], { env: { ...npmEnv, npm_config_loglevel: 'silent' } });
must('package', 'npm pack', packed);
const [info] = JSON.parse(packed.output.slice(packed.output.indexOf('[')));
const tarball = join(packDir, info.filename);
console.log(`  ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB packed, ${(info.unpackedSize / 1024).toFixed(1)} kB unpacked`);

section('publint --strict');
check('package', 'publint --strict', run(process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), '--strict', tarball]), { show: true });

section('attw (@arethetypeswrong/cli)');
const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
check('package', 'attw, every entry but ./testing (profile strict)', run(process.execPath, [attw, tarball, '--format', 'table', '--no-emoji', '--no-color', '--exclude-entrypoints', './testing']), { show: true });
check('package', 'attw ./testing (profile esm-only: vitest refuses CommonJS)', run(process.execPath, [attw, tarball, '--format', 'table', '--no-emoji', '--no-color', '--entrypoints', './testing', '--profile', 'esm-only']), { show: true });

section(`consumers: install the tarball with pg, ioredis, ccxt into ${join(work, 'consumers')}`);
const consumers = join(work, 'consumers');
const peers = Object.fromEntries(['pg', 'ioredis', 'ccxt', '@types/node', '@types/pg'].map((name) => [name, installed(name)]));
console.log(`  with ${Object.entries(peers).map(([n, v]) => `${n}@${v}`).join(', ')}`);
must('consumers', 'npm install', install(consumers, tarball, peers));

section('fixture esm-nodenext: ESM, module/moduleResolution NodeNext');
{
  const dir = copyFixture('esm-nodenext', consumers);
  typecheck('esm-nodenext', dir, 'tsconfig.json', 'NodeNext, emits out/');
  runNode('esm-nodenext', dir, 'out/quick-start.js', 'README quick start');
  runNode('esm-nodenext', dir, 'out/error-identity.js', 'error identity, ESM');
}

section('fixture esm-bundler: ESM, moduleResolution Bundler, exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax; bundled by esbuild');
{
  const dir = copyFixture('esm-bundler', consumers);
  typecheck('esm-bundler', dir, 'tsconfig.json', 'Bundler and the strict flags; adapters.ts builds every adapter from real pg, ioredis and ccxt clients');
  let bundled = { ok: true, output: '' };
  try {
    // cycle-engine is bundled in (its subpaths import the root by name: one copy in the bundle);
    // the peers stay external, as a server bundle usually keeps them.
    await esbuild({
      entryPoints: [join(dir, 'quick-start.ts'), join(dir, 'error-identity.ts')],
      outdir: join(dir, 'out'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['pg', 'ioredis', 'ccxt'],
      logLevel: 'silent',
    });
  } catch (error) {
    bundled = { ok: false, output: String(error) };
  }
  if (check('esm-bundler', 'esbuild --bundle (cycle-engine inlined, peers external)', bundled)) {
    runNode('esm-bundler', dir, 'out/quick-start.mjs', 'README quick start, bundled');
    runNode('esm-bundler', dir, 'out/error-identity.mjs', 'error identity, bundled');
  }
}

section('fixture cjs: CommonJS (require), NodeNext; and node10 resolution');
{
  const dir = copyFixture('cjs', consumers);
  typecheck('cjs', dir, 'tsconfig.json', 'NodeNext in a CommonJS package, emits require() to out/');
  typecheck('cjs', dir, 'tsconfig.node10.json', 'moduleResolution node10: subpaths through typesVersions');
  runNode('cjs', dir, 'out/quick-start.js', 'README quick start, require()');
  runNode('cjs', dir, 'out/error-identity.js', 'error identity, CommonJS');
}

for (const v of VITEST) {
  const name = `vitest-${v.major}`;
  section(`fixture vitest (vitest ${v.spec}): cycle-engine/testing suites against the installed package`);
  if (v.skip) {
    console.log(`  skip ${v.skip}`);
    continue;
  }
  const base = join(work, name);
  // With --strict-peer-deps: the package's peer range must accept this vitest.
  if (!check(name, `npm install vitest@${v.spec}`, install(base, tarball, { ...v.deps, '@types/node': installed('@types/node') }))) continue;
  const dir = copyFixture('vitest', base);
  typecheck(name, dir, 'tsconfig.json', 'NodeNext');
  const vitestBin = join(base, 'node_modules', 'vitest', 'vitest.mjs');
  const version = JSON.parse(readFileSync(join(base, 'node_modules', 'vitest', 'package.json'), 'utf8')).version;
  const outcome = run(process.execPath, [vitestBin, 'run', '--root', dir], { cwd: dir, env: { ...npmEnv, CI: '1', NO_COLOR: '1' } });
  const summary = outcome.output.split('\n').filter((line) => /^\s*(Test Files|Tests)\s/.test(line)).map((l) => l.trim()).join('; ');
  check(name, `vitest ${version} run conformance.spec.ts`, outcome, { note: summary });
}

finish();
