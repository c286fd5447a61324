// StrykerJS mutation testing (`npm run test:mutation`; not part of `npm test`, it takes a while).
// Mutates the core (base32, HOTP, TOTP, secrets, SHA-1 and key handling), otpauth:// URIs, QR codes, the policy
// and the engine, and runs the unit tests against each mutant with the vitest runner. The tests that need the
// build (CLI, browser, demo) are left out: they load `dist/`, which the mutants never reach.
// A part at a time: `npx stryker run --mutate src/uri.ts` (or set MUTATE=core|uri|qr|policy|engine).
// Low concurrency by default: this runs on shared machines; raise it with `--concurrency N`.

// Read by vitest.config.ts in the main process and the worker processes it starts.
process.env.TWOSV_MUTATION = '1';

const parts = {
  core: ['src/base32.ts', 'src/hotp.ts', 'src/totp.ts', 'src/secret.ts', 'src/internal/**/*.ts'],
  uri: ['src/uri.ts'],
  qr: ['src/qr.ts'],
  policy: ['src/policy.ts'],
  engine: ['src/enrollment.ts', 'src/engine/**/*.ts'],
};
const chosen = process.env.MUTATE ? process.env.MUTATE.split(',') : Object.keys(parts);
for (const name of chosen) if (!(name in parts)) throw new Error(`MUTATE: unknown part ${name}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.config.ts', related: true },
  mutate: chosen.flatMap((name) => parts[name]),
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  ignorePatterns: ['dist', 'docs/api', 'coverage', 'test-artifacts', 'reports', '.stryker-tmp', '*.tgz'],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
