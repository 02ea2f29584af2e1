import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Worker threads and the CLI run the compiled dist/, so every run compiles first.
    globalSetup: ['test/global-setup.ts'],
    // Fake managers stop with the test that made them (test/setup/settle-managers.ts).
    setupFiles: ['test/setup/settle-managers.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
