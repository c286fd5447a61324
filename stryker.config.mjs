// StrykerJS mutation testing (`npm run test:mutation`; not part of `npm test`, it takes a while).
// Mutates the core (base32, HOTP, TOTP, secrets, SHA-1 and key handling), otpauth:// URIs, QR codes, the policy
// and the engine, and runs the unit tests against each mutant with the vitest runner. The tests that need the
// build (CLI, browser, demo) are left out: they load `dist/`, which the mutants never reach.
// A part at a time: `npx stryker run --mutate src/uri.ts` (or set MUTATE=core|uri|qr|policy|engine).
// Low concurrency by default: this runs on shared machines; raise it with `--concurrency N`.

// Read by vitest.config.ts in the main process and the worker processes it starts.
process.env.TWOSV_MUTATION = '1';

// Each part: the files mutated, and the test files that run against them (a module's own tests and the
// interoperability tests must kill its mutants; running every test for every mutant would take hours).
const parts = {
  core: {
    mutate: ['src/base32.ts', 'src/hotp.ts', 'src/totp.ts', 'src/secret.ts', 'src/internal/**/*.ts'],
    tests: ['base32', 'hotp', 'totp', 'secret', 'sha1', 'sha2', 'interop', 'core-mutants'],
  },
  uri: { mutate: ['src/uri.ts'], tests: ['uri'] },
  qr: { mutate: ['src/qr.ts'], tests: ['qr'] },
  policy: { mutate: ['src/policy.ts'], tests: ['policy'] },
  engine: {
    mutate: ['src/enrollment.ts', 'src/engine/**/*.ts'],
    tests: [
      'engine-clock-status',
      'engine-decisions',
      'engine-delete',
      'engine-harden',
      'engine-mutants',
      'engine-mutants-2',
      'engine-mutants-3',
      'engine-mutants-4',
      'engine-mutants-a',
      'engine-mutants-b',
      'engine-mutants-c',
      'engine-mutants-d',
      'engine-mutants-e',
      'enrollment',
      'enrollment-activity',
      'enrollment-audit',
      'enrollment-events',
      'enrollment-model',
      'enrollment-race',
      'enrollment-record',
      'proof-hash',
      'recovery',
      'store',
    ],
  },
};
const chosen = process.env.MUTATE ? process.env.MUTATE.split(',') : Object.keys(parts);
for (const name of chosen) if (!(name in parts)) throw new Error(`MUTATE: unknown part ${name}`);

// The test files go to vitest (vitest.config.ts reads TWOSV_MUTATION_TESTS as its `include`), not to
// StrykerJS's `testFiles`: with `testFiles`, StrykerJS 10.1 activates a static mutant (a module-level
// constant such as a regular expression) only after the module has loaded, so every static mutant is
// reported as survived whatever the tests do (stryker-js issues #6144 and #6209). Without it, static
// mutants run all the part's tests in a fresh module graph, as intended. (`--testFiles` on the command line
// brings the bug back.)
process.env.TWOSV_MUTATION_TESTS = [...new Set(chosen.flatMap((name) => parts[name].tests))]
  .map((name) => `test/${name}.test.ts`)
  .join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: true },
  mutate: chosen.flatMap((name) => parts[name].mutate),
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Generous: on a loaded machine a test run that merely took longer was reported as a timeout, which
  // StrykerJS counts as detected; hand-checks found survivors among them (test/MUTATION.md). A real endless
  // loop now costs 20 s more, and is still a timeout.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  ignorePatterns: ['dist', 'docs/api', 'coverage', 'test-artifacts', 'reports', '.stryker-tmp', '*.tgz'],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${chosen.join('-')}.html` },
  jsonReporter: { fileName: `reports/mutation/${chosen.join('-')}.json` },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: `.stryker-tmp/${chosen.join('-')}`,
  cleanTempDir: 'always',
};
