// Prints the unit-test totals from vitest's JSON report as one plain closing line
// ("tests: N passed, N failed, N skipped"), after naming every skipped test loudly. Fails when the report is
// missing, counted no test, has a failure (a test or a whole file), or has skips that TWOSV_ALLOW_SKIP does
// not allow (see test/support/skip.ts: without it, nothing may be skipped).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const report = JSON.parse(readFileSync(new URL('../test-artifacts/vitest.json', import.meta.url), 'utf8'));
const {
  numPassedTests: passed,
  numFailedTests: failed,
  numPendingTests: pending,
  numTodoTests: todo = 0,
  numTotalTests: total,
  numFailedTestSuites: failedFiles = 0,
} = report;
const skipped = pending + todo;

const skippedByFile = new Map();
for (const file of report.testResults) {
  for (const t of file.assertionResults) {
    if (t.status === 'passed' || t.status === 'failed') continue;
    const name = relative(root, file.name);
    skippedByFile.set(name, [...(skippedByFile.get(name) ?? []), t.fullName ?? t.title]);
  }
}
const allowed = process.env.TWOSV_ALLOW_SKIP?.trim();
let ok = total > 0 && failed === 0 && failedFiles === 0 && report.success !== false;
if (skipped > 0) {
  const bar = '!'.repeat(72);
  console.log(`${bar}\nSKIPPED: ${skipped} test${skipped === 1 ? '' : 's'} did not run`);
  for (const [file, names] of skippedByFile) console.log(`  ${file}: ${names.length} skipped`);
  if (allowed) console.log(`  (allowed by TWOSV_ALLOW_SKIP=${allowed})`);
  else {
    console.log(
      '  Nothing may be skipped unless TWOSV_ALLOW_SKIP allows it (e.g. TWOSV_ALLOW_SKIP=browser).',
    );
    ok = false;
  }
  console.log(bar);
}
if (failedFiles > 0) console.log(`${failedFiles} test file(s) failed to run`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (!ok) process.exit(1);
