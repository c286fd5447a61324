// The skip rule: a test that cannot run here (no Chromium, no database server) fails, unless the environment
// variable TWOSV_ALLOW_SKIP names what may be missing (`TWOSV_ALLOW_SKIP=browser,postgres,redis`, or `all`).
// Under CI nothing may be missing, whatever the variable says. Skips are counted loudly by
// scripts/test-summary.mjs.
import { test } from 'vitest';

export type Requirement = 'browser' | 'postgres' | 'redis';

/** What TWOSV_ALLOW_SKIP allows to be missing. */
export function allowedSkips(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const names = (env.TWOSV_ALLOW_SKIP ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return new Set(names.includes('all') ? ['browser', 'postgres', 'redis'] : names);
}

/**
 * Whether the tests that need `requirement` can run. Call it at the top level of a test file, as the
 * condition of `describe.runIf`. When `missing` is a reason (the thing is absent) and skipping is not allowed,
 * it registers a failing test that says what is missing and how to allow the skip, and returns false.
 */
export function canRun(requirement: Requirement, missing: string | undefined): boolean {
  if (missing === undefined) return true;
  if (!process.env.CI && allowedSkips().has(requirement)) {
    console.warn(`SKIPPING the ${requirement} tests: ${missing} (allowed by TWOSV_ALLOW_SKIP)`);
    return false;
  }
  test(`needs ${requirement}`, () => {
    throw new Error(
      process.env.CI
        ? `${missing}: under CI, .ci/run must install it`
        : `${missing}. Install it, or set TWOSV_ALLOW_SKIP=${requirement} to skip these tests.`,
    );
  });
  return false;
}
