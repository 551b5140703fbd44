import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration files each open a PGlite clone (~40 MB) and a database; two at a time fits 2 cores.
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});
