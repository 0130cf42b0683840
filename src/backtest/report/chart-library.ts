/**
 * The charting library's standalone production build, read from the installed
 * `lightweight-charts` package at render time and inlined into the report (so the page needs no
 * network).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CycleEngineError } from '../../errors';

declare const __filename: string | undefined;

const STANDALONE = 'dist/lightweight-charts.standalone.production.js';
let cached: { version: string; source: string } | undefined;

/** This module's own location, in the ESM build (import.meta.url) and the CJS build (__filename). */
function here(): string {
  return typeof __filename === 'string' && __filename.length > 0 ? __filename : import.meta.url;
}

/**
 * The standalone build of `lightweight-charts` (it defines `window.LightweightCharts`) and its
 * version. Its package exports only the ES modules, so the file is found beside its package.json.
 * @throws {@link CycleEngineError} when the package is not installed
 * @internal
 */
export function chartLibrary(): { readonly version: string; readonly source: string } {
  if (cached !== undefined) return cached;
  let manifest: string;
  try {
    manifest = createRequire(here()).resolve('lightweight-charts/package.json');
  } catch (error) {
    throw new CycleEngineError('The report needs the `lightweight-charts` package (a dependency of cycle-engine): reinstall cycle-engine', { cause: error });
  }
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  cached = { version, source: readFileSync(path.join(path.dirname(manifest), STANDALONE), 'utf8') };
  return cached;
}
