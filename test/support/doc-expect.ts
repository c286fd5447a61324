import { expect } from 'vitest';

/** Used by test/docs.test.ts: an example's value must equal the literal its comment shows. */
export function __expectDoc(actual: unknown, expected: unknown, where: string): void {
  expect(actual, where).toEqual(expected);
}
