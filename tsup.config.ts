import { defineConfig } from 'tsup';

export default defineConfig({
  // Each entry is self-contained (no shared chunks): the root entry must not pull in vitest,
  // pg or ioredis.
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    postgres: 'src/adapters/postgres/index.ts',
    redis: 'src/adapters/redis/index.ts',
    ccxt: 'src/adapters/ccxt/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
  // pg, ioredis and ccxt are optional peers: only their types are imported, the user passes the client in.
  external: ['vitest', 'pg', 'ioredis', 'ccxt'],
});
