/**
 * The one error class of twosv and its closed union of stable codes.
 * @module
 */

/**
 * Every code a {@link TwoSvError} can carry. Callers `switch` on these; adding a code is a minor change,
 * renaming or removing one is breaking.
 *
 * Core codes:
 * - `INVALID_SECRET`: a secret string that is not RFC 4648 base32, or a secret of the wrong type.
 * - `EMPTY_SECRET`: a secret with no key bytes.
 * - `INVALID_BASE32`: text given to {@link decodeBase32} that is not RFC 4648 base32.
 * - `INVALID_DIGITS`: `digits` is not an integer from 6 to 10.
 * - `INVALID_ALGORITHM`: `algorithm` is not `'SHA1'`, `'SHA256'` or `'SHA512'`.
 * - `INVALID_PERIOD`: `period` is not a positive integer number of seconds.
 * - `INVALID_EPOCH`: `epoch` is not a finite integer number of seconds.
 * - `INVALID_COUNTER`: a HOTP counter that is negative, fractional, unsafe or wider than 64 bits.
 * - `INVALID_WINDOW`: a TOTP `window` that is negative, fractional or wider than 100 steps.
 * - `INVALID_LOOK_AHEAD`: a HOTP `lookAhead` that is negative, fractional or wider than 100.
 * - `INVALID_AFTER_STEP`: a TOTP `afterStep` that is not a safe integer.
 * - `INVALID_TIME`: `at` is NaN, an invalid `Date`, or before the TOTP epoch.
 * - `INVALID_SECRET_SIZE`: {@link generateSecret} asked for fewer than 16 or more than 1024 bytes.
 * - `INVALID_RANDOM`: an injected random source did not fill the buffer it was given.
 * - `INVALID_OPTION`: an options argument that is not an object.
 */
export type TwoSvErrorCode =
  | 'INVALID_SECRET'
  | 'EMPTY_SECRET'
  | 'INVALID_BASE32'
  | 'INVALID_DIGITS'
  | 'INVALID_ALGORITHM'
  | 'INVALID_PERIOD'
  | 'INVALID_EPOCH'
  | 'INVALID_COUNTER'
  | 'INVALID_WINDOW'
  | 'INVALID_LOOK_AHEAD'
  | 'INVALID_AFTER_STEP'
  | 'INVALID_TIME'
  | 'INVALID_SECRET_SIZE'
  | 'INVALID_RANDOM'
  | 'INVALID_OPTION';

/**
 * The error every twosv function throws for bad input. Its `code` is stable; its message names the bad
 * parameter but never contains a secret, a code or a URI.
 *
 * @example
 * ```ts
 * import { generateHotp, TwoSvError } from 'twosv';
 * try {
 *   generateHotp('GEZDGNBVGY3TQOJQ', 0, { digits: 4 });
 * } catch (err) {
 *   if (err instanceof TwoSvError && err.code === 'INVALID_DIGITS') {
 *     console.log(err.message); // 'digits must be an integer from 6 to 10'
 *   }
 * }
 * ```
 */
export class TwoSvError extends Error {
  /** The stable machine-readable reason. */
  readonly code: TwoSvErrorCode;

  /**
   * @param code - the stable reason.
   * @param message - a sentence naming the bad parameter, never its value.
   * @param options - `cause`, when another error lies underneath.
   */
  constructor(code: TwoSvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TwoSvError';
    this.code = code;
  }
}
