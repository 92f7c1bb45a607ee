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
    // expect.poll's own default, 1 s, is a wall-clock budget a loaded machine misses (a page's silent sign-in round
    // trip, a row written after the answer): a poll that is going to pass ends as soon as it does, so its patience
    // costs nothing. A test that needs a wait shorter than this is asserting a time, and says so itself.
    expect: { poll: { timeout: 60_000 } },
    reporters: ['default'],
  },
});
