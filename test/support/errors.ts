import { expect } from 'vitest';
import { TwoSvError, type TwoSvErrorCode } from '../../src/index.js';

/**
 * Runs `fn` and expects a {@link TwoSvError} with `code`, whose message names `mentions` (when given) and
 * contains none of `secrets`. Texts shorter than 4 characters are not looked for: a one-letter secret is in
 * any English sentence. Returns the error for further checks.
 */
export function expectTwoSvError(
  fn: () => unknown,
  code: TwoSvErrorCode,
  { mentions, secrets = [] }: { mentions?: string; secrets?: readonly (string | undefined)[] } = {},
): TwoSvError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(TwoSvError);
  const err = caught as TwoSvError;
  expect(err.code).toBe(code);
  expect(err.name).toBe('TwoSvError');
  if (mentions !== undefined) expect(err.message).toContain(mentions);
  for (const secret of secrets) {
    if (secret !== undefined && secret.trim().length >= 4) expect(err.message).not.toContain(secret);
  }
  return err;
}
