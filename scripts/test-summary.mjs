// Prints the unit-test totals from vitest's JSON report as one plain closing line ("N passed, N failed"),
// and fails when the report is missing or counted no test.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(new URL('../test-artifacts/vitest.json', import.meta.url), 'utf8'));
const {
  numPassedTests: passed,
  numFailedTests: failed,
  numPendingTests: skipped,
  numTotalTests: total,
} = report;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (total === 0 || failed > 0) process.exit(1);
