/**
 * RFC 4226 HOTP: counter-based one-time codes.
 * @module
 */

import { codeValue, formatCode, prepareKey, tokenValue } from './internal/key.js';
import {
  checkAlgorithm,
  checkCounter,
  checkDigits,
  checkOptions,
  checkSpan,
  option,
} from './internal/options.js';
import type { CodeOptions, SecretInput } from './types.js';

export type { Algorithm, CodeOptions, SecretInput } from './types.js';

/** Options of {@link verifyHotp}. */
export interface HotpVerifyOptions extends CodeOptions {
  /**
   * How many counters after `counter` also verify (RFC 4226 §7.4 resynchronisation), 0 to 100.
   * **(Optional)** Defaults to `0`.
   */
  lookAhead?: number;
}

/**
 * Defaults for {@link CodeOptions} and {@link HotpVerifyOptions}: 6 digits and SHA1, which every
 * authenticator app supports, and no look-ahead.
 *
 * @example
 * ```ts
 * HOTP_DEFAULTS.digits; // 6
 * generateHotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0, { ...HOTP_DEFAULTS, digits: 8 }); // '84755224'
 * ```
 */
export const HOTP_DEFAULTS: Readonly<{ digits: 6; algorithm: 'SHA1'; lookAhead: 0 }> =
  /* @__PURE__ */ Object.freeze({
    digits: 6,
    algorithm: 'SHA1',
    lookAhead: 0,
  } as const);

/**
 * Computes the RFC 4226 HOTP code of a secret at a counter.
 *
 * @param secret - base32 text or raw key bytes.
 * @param counter - the moving factor: a safe non-negative integer, or a bigint up to 2^64 - 1.
 * @param options - `digits` (default 6) and `algorithm` (default `'SHA1'`).
 * @returns the code, `digits` long, leading zeros kept.
 * @throws {@link TwoSvError} `INVALID_SECRET`, `EMPTY_SECRET`, `INVALID_COUNTER`, `INVALID_DIGITS`,
 *   `INVALID_ALGORITHM`, `INVALID_OPTION`.
 *
 * @example RFC 4226 Appendix D
 * ```ts
 * // The secret is the ASCII text '12345678901234567890'.
 * generateHotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0); // '755224'
 * generateHotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 9); // '520489'
 * ```
 * @example Longer codes, another hash, a 64-bit counter
 * ```ts
 * generateHotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 2n ** 63n, { digits: 8, algorithm: 'SHA256' });
 * ```
 */
export function generateHotp(secret: SecretInput, counter: number | bigint, options?: CodeOptions): string {
  checkOptions(options);
  const digits = checkDigits(option(options?.digits, HOTP_DEFAULTS.digits));
  const algorithm = checkAlgorithm(option(options?.algorithm, HOTP_DEFAULTS.algorithm));
  const [high, low] = checkCounter(counter);
  return formatCode(prepareKey(secret, algorithm).truncated(high, low), digits);
}

/**
 * Checks a HOTP token at `counter` and up to `lookAhead` counters after it.
 *
 * A token that is not exactly `digits` ASCII digits (spaces, signs, wrong length, empty) is simply not
 * valid: the result is `null`, never an error. The token is compared as a number, in one comparison per
 * counter, so the time taken does not depend on how many digits match.
 *
 * **The caller must store `counter + 1` after a match** and pass it next time, or the same code verifies
 * again (RFC 4226 §7.2).
 *
 * @param token - what the user typed.
 * @param secret - base32 text or raw key bytes.
 * @param counter - the next counter the server expects.
 * @param options - `digits`, `algorithm`, `lookAhead` (default 0).
 * @returns the counter that matched, or `null`.
 * @throws {@link TwoSvError} for bad options or secret, as {@link generateHotp}, and `INVALID_LOOK_AHEAD`.
 *
 * @example
 * ```ts
 * const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
 * verifyHotp('969429', secret, 0, { lookAhead: 5 }); // { counter: 3n }: store 4 as the next counter
 * verifyHotp('969429', secret, 4); // null: that code was used
 * verifyHotp('28708', secret, 0);  // null: not six digits
 * ```
 */
export function verifyHotp(
  token: string,
  secret: SecretInput,
  counter: number | bigint,
  options?: HotpVerifyOptions,
): { counter: bigint } | null {
  checkOptions(options);
  const digits = checkDigits(option(options?.digits, HOTP_DEFAULTS.digits));
  const algorithm = checkAlgorithm(option(options?.algorithm, HOTP_DEFAULTS.algorithm));
  const lookAhead = checkSpan(
    option(options?.lookAhead, HOTP_DEFAULTS.lookAhead),
    'INVALID_LOOK_AHEAD',
    'lookAhead',
  );
  let [high, low] = checkCounter(counter);
  const key = prepareKey(secret, algorithm);
  const value = tokenValue(token, digits);
  if (value < 0) return null;
  for (let i = 0; i <= lookAhead; i++) {
    if (codeValue(key.truncated(high, low), digits) === value) {
      return { counter: (BigInt(high) << 32n) | BigInt(low) };
    }
    if (low === 0xffff_ffff) {
      if (high === 0xffff_ffff) break; // 2^64 - 1 was the last counter
      high++;
      low = 0;
    } else {
      low++;
    }
  }
  return null;
}
