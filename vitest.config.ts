import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// Under StrykerJS (stryker.config.mjs sets TWOSV_MUTATION) the mutants live in `src/` only: the tests that run
// the build (CLI, browser, demo) cannot see them, so they are left out, and nothing is built.
const mutation = process.env.TWOSV_MUTATION === '1';

export default defineConfig({
  resolve: {
    // Documentation examples import the package by name; inside tests that is the source.
    // Sub-paths (`twosv/testing`, `twosv/postgres`, `twosv/redis`) map to their modules.
    alias: [
      { find: /^twosv$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^twosv\/(\w+)$/, replacement: fileURLToPath(new URL('./src/$1.ts', import.meta.url)) },
      // Under StrykerJS, properties run fewer cases (see the file).
      ...(mutation
        ? [
            {
              find: /^fast-check$/,
              replacement: fileURLToPath(new URL('./test/support/fast-check-capped.ts', import.meta.url)),
            },
          ]
        : []),
    ],
  },
  test: {
    // Under StrykerJS, the mutated part's own tests (see stryker.config.mjs for why here).
    include:
      mutation && process.env.TWOSV_MUTATION_TESTS
        ? process.env.TWOSV_MUTATION_TESTS.split(',')
        : ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(mutation
        ? ['test/cli.test.ts', 'test/browser.test.ts', 'test/demo.test.ts', 'test/docs.test.ts']
        : []),
    ],
    globalSetup: mutation ? [] : ['test/support/build.ts', 'test/support/servers.ts'],
    testTimeout: 60_000,
  },
});
