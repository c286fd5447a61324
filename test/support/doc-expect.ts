import { expect } from 'vitest';

// Shared through globalThis: the generated example files and test/docs.test.ts must see one record even if
// they load this module separately.
const key = Symbol.for('twosv.docChecksRun');
const record = globalThis as unknown as Record<symbol, Set<string> | undefined>;

/** The ids of the checks that have run. */
export function docChecksRun(): Set<string> {
  record[key] ??= new Set();
  return record[key];
}

/** Used by test/docs.test.ts: an example's value must equal the literal its comment shows. */
export function __expectDoc(actual: unknown, expected: unknown, where: string): void {
  docChecksRun().add(where);
  expect(actual, where).toEqual(expected);
}
