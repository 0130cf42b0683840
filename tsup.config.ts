import { defineConfig } from 'tsup';

export default defineConfig({
  // Each entry is self-contained (no shared chunks): the root entry must not pull in vitest.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
  external: ['vitest'],
});
