import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    alias: {
      '#wasm-load': fileURLToPath(new URL('./src/wasm/load.node.ts', import.meta.url)),
      '#worker': fileURLToPath(new URL('./src/wasm/worker.node.ts', import.meta.url)),
      '#kxo-spawn': fileURLToPath(new URL('./src/drivers/kxo/spawn.node.ts', import.meta.url)),
      '#bridge': fileURLToPath(new URL('./src/bridge/start.node.ts', import.meta.url)),
      '#player-spawn': fileURLToPath(new URL('./src/wasm/player-spawn.node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // the browser twins run in Chromium (test/web), where v8 coverage of the page is not collected
      exclude: ['src/**/*.browser.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // per-directory floors, a few points under what the suite reaches (README "Coverage"):
      // a change that drops a directory below its floor fails CI
      thresholds: {
        'src/kernel/**': { lines: 90, statements: 86, functions: 86, branches: 78 },
        'src/user/**': { lines: 95, statements: 94, functions: 90, branches: 90 },
        'src/drivers/**': { lines: 85, statements: 82, functions: 88, branches: 75 },
        'src/wasm/**': { lines: 88, statements: 86, functions: 80, branches: 78 },
        'src/tournament/**': { lines: 94, statements: 92, functions: 90, branches: 80 },
        'src/cli/**': { lines: 72, statements: 70, functions: 62, branches: 62 },
        'src/bridge/**': { lines: 80, statements: 76, functions: 82, branches: 68 },
      },
    },
  },
});
