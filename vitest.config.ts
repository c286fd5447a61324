import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Documentation examples import the package by name; inside tests that is the source.
    // Sub-paths (`twosv/testing`, `twosv/postgres`, `twosv/redis`) map to their modules.
    alias: [
      { find: /^twosv$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^twosv\/(\w+)$/, replacement: fileURLToPath(new URL('./src/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts', 'test/support/servers.ts'],
    testTimeout: 60_000,
  },
});
