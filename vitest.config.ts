import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/fixtures/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time, whatever the core count: vitest's default (cores - 1) runs them
    // one by one on a 2-core machine, where most of a file's time is spent waiting on the
    // processes it starts (the CLI, Python, chromium, Slurm).
    maxWorkers: 2,
    // No progress lines from the CLI's children unless a test asks for them: on a loaded
    // machine an export outlasts the 5 s default, and tests read stderr whole.
    env: { IDXFLOW_PROGRESS_SECONDS: '86400' },
  },
});
