import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    alias: {
      '#wasm-load': fileURLToPath(new URL('./src/wasm/load.node.ts', import.meta.url)),
      '#worker': fileURLToPath(new URL('./src/wasm/worker.node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
