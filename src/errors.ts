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
 * - `INVALID_RANDOM`: a random source that did not fill the buffer it was given, or that is degenerate
 *   (all-equal or repeated draws; see {@link generateSecret}).
 * - `INVALID_OPTION`: an options argument that is not an object, or a required option that is missing.
 *
 * Phone numbers, policies and stores:
 * - `INVALID_PHONE`: not a valid number for its country's numbering plan (a digit missing or too many, no
 *   such area code), letters, an extension, or no country code and no default region.
 * - `PHONE_CHANNEL_UNSUPPORTED`: a valid number that cannot take codes on the channel asked for: an SMS to a
 *   number that can only be a fixed line, a voice call to a premium-rate number ({@link parsePhone}).
 * - `INVALID_EMAIL`: not a plausible e-mail address.
 * - `INVALID_POLICY`: a policy value that is out of range or contradicts another ({@link definePolicy}).
 * - `STORE_CONFLICT`: the record kept changing under the engine, which gave up after its retries without
 *   storing anything (fail closed: nothing was verified or changed).
 * - `STORE_FAILED`: the store threw; the error is the `cause`. Nothing was changed by the engine.
 * - `INVALID_RECORD`: the store returned a record the engine does not recognise (or text that is not JSON),
 *   another user's record (a store whose keys compare case-insensitively), or a record given to a store is
 *   not JSON data.
 * - `INVALID_KEY`: a store key holding a NUL character or a lone UTF-16 surrogate, which databases cannot
 *   hold exactly (see {@link checkStoreKey}).
 * - `STORE_CONTRACT`: the store reported a write without giving the record a new version (see the
 *   `Store` contract): the operation is refused, since two servers could both have succeeded.
 * - `CLOCK_SKEW`: this server's clock is behind the user's record by more than 5 minutes; nothing was
 *   changed. Fix the clock; if the record's clock was the wrong one, the engine rebases the record once
 *   behind readings have agreed for 5 minutes (see the security notes).
 *
 * Enrollment engine ({@link createTwoStep}), each thrown with the stored record unchanged:
 * - `INVALID_USER_ID`: a user id that is not a non-empty string of at most 256 characters, or holds NUL
 *   or a lone surrogate.
 * - `UNKNOWN_USER`: the user has no 2SV record at all.
 * - `UNKNOWN_DEVICE`: no confirmed device of this user has that id.
 * - `NOT_ENABLED`: a sign-in challenge for a user whose 2SV is not on.
 * - `PRIMARY_KIND_NOT_ALLOWED`: the policy forbids this kind of device as primary (e.g. a voice phone).
 * - `BACKUP_KIND_NOT_ALLOWED`: the policy forbids this kind of device as a backup of the user's primary.
 * - `TOO_MANY_BACKUPS`: the user already has as many backups as the policy allows.
 * - `DUPLICATE_PHONE`: the number is already one of the user's devices (primary and backup must differ).
 * - `PRIMARY_REQUIRED`: a backup enrolled before any primary.
 * - `PRIMARY_EXISTS`: a second primary; replace or swap it instead.
 * - `PRIMARY_NOT_REMOVABLE`: removing the primary while other devices or 2SV depend on it.
 * - `BACKUP_REQUIRED`: removing the last backup while the policy requires one.
 * - `NOT_A_BACKUP`: swapping the primary with a device that is not a backup.
 * - `ENROLLMENT_NOT_FOUND`: confirming an enrolment that does not exist (or was ended).
 * - `ENROLLMENT_EXPIRED`: confirming an enrolment after its lifetime.
 * - `CONTACT_NOT_FOUND`: confirming a contact verification that does not exist (or was ended).
 * - `CONTACT_EXPIRED`: confirming a contact verification after its lifetime.
 * - `VERIFICATION_REQUIRED`: a sensitive change (swap, remove, replace, disable, adding a device while 2SV is
 *   on) without a valid step-up proof from this session: none, another session's or user's, expired, or from
 *   before a lock or a re-verification demand.
 * - `LOCKED`: a sensitive change while the user is locked out after too many failed codes, even with a recent
 *   verification: a lock means someone is guessing, and the account's devices must not change meanwhile.
 * - `SENDER_FAILED`: the app's sender threw or did not finish within `policy.senderTimeout`; the error is
 *   the `cause`, and the user's state is as before.
 * - `RECOVERY_CODES_OFF`: issuing recovery codes while `policy.recoveryCodes.enabled` is `false`.
 * - `REMEMBER_BROWSER_OFF`: remembering a browser while `policy.rememberBrowser.enabled` is `false`.
 * - `UNKNOWN_BROWSER`: no remembered browser of this user has that id.
 *
 * `otpauth://` URIs and QR codes ({@link parseOtpauthUri}, {@link buildOtpauthUri}, {@link otpauthQrSvg};
 * they reuse the core codes for secret, digits, algorithm, period and counter):
 * - `INVALID_URI`: not a string, no `otpauth://` prefix, or a raw control character, lone surrogate or `#`.
 * - `INVALID_URI_SCHEME`: a URI with a scheme other than `otpauth`.
 * - `INVALID_OTP_TYPE`: a type other than `totp` or `hotp`.
 * - `URI_TOO_LONG`: a URI over 2048 characters (checked before any other work).
 * - `INVALID_PERCENT_ENCODING`: a malformed `%` escape, or escapes that are not UTF-8.
 * - `DUPLICATE_PARAMETER`: a URI parameter given twice, such as `secret=A&secret=B`.
 * - `MISSING_SECRET`: no `secret` parameter (or no `secret` in the params).
 * - `MISSING_COUNTER`: a HOTP URI or params without `counter`.
 * - `ISSUER_MISMATCH`: a label prefix that disagrees with the `issuer` parameter (issuer spoofing).
 * - `INVALID_ISSUER`: an issuer that is empty or has a colon, edge whitespace, control or
 *   bidirectional-override characters, or lone surrogates.
 * - `INVALID_ACCOUNT`: an account that is empty or has edge whitespace, control or bidirectional-override
 *   characters, lone surrogates, or a colon without an issuer.
 * - `INVALID_QR_SIZE`: a QR `size` that is not an integer from 1 to 10000 pixels.
 * - `INVALID_QR_MARGIN`: a QR `margin` that is not an integer from 0 to 100 modules.
 * - `INVALID_ERROR_CORRECTION`: a QR `errorCorrection` other than `'L'`, `'M'`, `'Q'` or `'H'`.
 * - `QR_CAPACITY_EXCEEDED`: a URI too long for the largest QR code at the chosen error correction.
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
  | 'INVALID_OPTION'
  | 'INVALID_PHONE'
  | 'PHONE_CHANNEL_UNSUPPORTED'
  | 'INVALID_EMAIL'
  | 'INVALID_POLICY'
  | 'STORE_CONFLICT'
  | 'STORE_FAILED'
  | 'INVALID_RECORD'
  | 'INVALID_KEY'
  | 'STORE_CONTRACT'
  | 'CLOCK_SKEW'
  | 'INVALID_USER_ID'
  | 'UNKNOWN_USER'
  | 'UNKNOWN_DEVICE'
  | 'NOT_ENABLED'
  | 'PRIMARY_KIND_NOT_ALLOWED'
  | 'BACKUP_KIND_NOT_ALLOWED'
  | 'TOO_MANY_BACKUPS'
  | 'DUPLICATE_PHONE'
  | 'PRIMARY_REQUIRED'
  | 'PRIMARY_EXISTS'
  | 'PRIMARY_NOT_REMOVABLE'
  | 'BACKUP_REQUIRED'
  | 'NOT_A_BACKUP'
  | 'ENROLLMENT_NOT_FOUND'
  | 'ENROLLMENT_EXPIRED'
  | 'CONTACT_NOT_FOUND'
  | 'CONTACT_EXPIRED'
  | 'VERIFICATION_REQUIRED'
  | 'LOCKED'
  | 'SENDER_FAILED'
  | 'RECOVERY_CODES_OFF'
  | 'REMEMBER_BROWSER_OFF'
  | 'UNKNOWN_BROWSER'
  | 'INVALID_URI'
  | 'INVALID_URI_SCHEME'
  | 'INVALID_OTP_TYPE'
  | 'URI_TOO_LONG'
  | 'INVALID_PERCENT_ENCODING'
  | 'DUPLICATE_PARAMETER'
  | 'MISSING_SECRET'
  | 'MISSING_COUNTER'
  | 'ISSUER_MISMATCH'
  | 'INVALID_ISSUER'
  | 'INVALID_ACCOUNT'
  | 'INVALID_QR_SIZE'
  | 'INVALID_QR_MARGIN'
  | 'INVALID_ERROR_CORRECTION'
  | 'QR_CAPACITY_EXCEEDED';

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
