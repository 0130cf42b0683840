import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^cycle-engine\/testing$/, replacement: src('testing/index.ts') },
      { find: /^cycle-engine\/postgres$/, replacement: src('adapters/postgres/index.ts') },
      { find: /^cycle-engine\/redis$/, replacement: src('adapters/redis/index.ts') },
      { find: /^cycle-engine\/ccxt$/, replacement: src('adapters/ccxt/index.ts') },
      { find: /^cycle-engine\/metrics$/, replacement: src('metrics/index.ts') },
      { find: /^cycle-engine\/backtest$/, replacement: src('backtest/index.ts') },
      { find: /^cycle-engine$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
