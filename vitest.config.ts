import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/fixtures/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // No progress lines from the CLI's children unless a test asks for them: on a loaded
    // machine an export outlasts the 5 s default, and tests read stderr whole.
    env: { IDXFLOW_PROGRESS_SECONDS: '86400' },
  },
});
