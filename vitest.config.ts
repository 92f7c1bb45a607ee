import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    isolate: false,
    // Generous: on a loaded 2-core machine a cold start (PGlite, a spawned server) can take minutes; a test may be
    // slower there, never red. A test that hangs still fails.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
