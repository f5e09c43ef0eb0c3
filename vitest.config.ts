import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Most test files share one module graph per worker: loading the TypeScript compiler and the
// SQL parser once instead of once per file is most of the suite's time. Files that mock modules
// run isolated so their mocks cannot leak.
const MOCKING = ['test/robustness/changing-files.test.ts', 'test/robustness/failure-output.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30000,
    // A temporary user cache folder for the run (XDG_CACHE_HOME): see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Tests remove the temporary folders they make (test/temporary.ts).
    setupFiles: ['test/remove-temporary.ts'],
    // Most test time is waiting on child CLI processes, so even two cores take two workers.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: MOCKING, isolate: false } },
      { extends: true, test: { name: 'isolated', include: MOCKING } },
    ],
  },
});
