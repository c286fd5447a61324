/**
 * RFC 6238 TOTP: time-based one-time codes, with a verification window and a replay guard.
 * @module
 */

import { TwoSvError } from './errors.js';
import { codeValue, formatCode, prepareKey, tokenValue } from './internal/key.js';
import {
  checkAlgorithm,
  checkDigits,
  checkEpoch,
  checkOptions,
  checkPeriod,
  checkSpan,
  checkTime,
  option,
} from './internal/options.js';
import type { CodeOptions, SecretInput } from './types.js';

/** The time-step settings of TOTP. */
export interface StepOptions {
  /** Step length X in seconds. **(Optional)** Defaults to `30`. */
  period?: number;
  /** Start of step counting T0, in Unix seconds. **(Optional)** Defaults to `0`. */
  epoch?: number;
}

/** Options of a TOTP code: {@link CodeOptions} plus the time-step settings. */
export interface TotpOptions extends CodeOptions, StepOptions {}

/** Options of {@link generateTotp}. */
export interface TotpGenerateOptions extends TotpOptions {
  /** The moment, in ms since the Unix epoch, or a `Date`. **(Optional)** Defaults to `Date.now()`. */
  at?: number | Date;
}

/** Options of {@link verifyTotp}. */
export interface TotpVerifyOptions extends TotpGenerateOptions {
  /**
   * How many steps before and after the current one also verify, each 0 to 100: a number for both sides,
   * or `{ past, future }`. **(Optional)** Defaults to `1` (RFC 6238 §5.2 recommends at most one step of
   * network delay).
   */
  window?: number | { past: number; future: number };
  /**
   * The replay guard: the last step this user had accepted. Every step up to and including it is refused,
   * so a code is never accepted twice nor an older code after a newer one (RFC 6238 §5.2).
   * **(Optional)** By default no step is refused.
   */
  afterStep?: number;
}

/**
 * Defaults for {@link TotpVerifyOptions}: the RFC 6238 and Key Uri Format defaults (6 digits, SHA1, 30 s
 * steps from the Unix epoch) and a window of one step on each side.
 *
 * @example
 * ```ts
 * TOTP_DEFAULTS.period; // 30
 * TOTP_DEFAULTS.window; // 1
 * ```
 */
export const TOTP_DEFAULTS: Readonly<{ digits: 6; algorithm: 'SHA1'; period: 30; epoch: 0; window: 1 }> =
  /* @__PURE__ */ Object.freeze({ digits: 6, algorithm: 'SHA1', period: 30, epoch: 0, window: 1 } as const);

const TWO_32 = 0x1_0000_0000;

/** Whole seconds from T0 to `at`; refuses a time before T0. */
function elapsedSeconds(at: number | Date | undefined, options: StepOptions | undefined): [number, number] {
  checkOptions(options);
  const period = checkPeriod(option(options?.period, TOTP_DEFAULTS.period));
  const epoch = checkEpoch(option(options?.epoch, TOTP_DEFAULTS.epoch));
  const elapsed = Math.floor(checkTime(at) / 1000) - epoch;
  if (elapsed < 0) throw new TwoSvError('INVALID_TIME', 'at must not be before the epoch');
  if (!Number.isSafeInteger(elapsed)) throw new TwoSvError('INVALID_EPOCH', 'epoch is too far from at');
  return [elapsed, period];
}

/**
 * The RFC 6238 time step T = floor((unixSeconds - T0) / X) of a moment.
 *
 * @param at - ms since the Unix epoch, or a `Date`. **(Optional)** Defaults to `Date.now()`.
 * @param options - `period` (default 30 s) and `epoch` (default 0).
 * @returns the step number.
 * @throws {@link TwoSvError} `INVALID_TIME`, `INVALID_PERIOD`, `INVALID_EPOCH`, `INVALID_OPTION`.
 *
 * @example
 * ```ts
 * totpStep(59_000); // 1
 * totpStep(Date.UTC(2033, 4, 18, 3, 33, 20)); // 66666666
 * totpStep(90_000, { period: 60 }); // 1
 * ```
 */
export function totpStep(at?: number | Date, options?: StepOptions): number {
  const [elapsed, period] = elapsedSeconds(at, options);
  return Math.floor(elapsed / period);
}

/**
 * Seconds left before the code of the step containing `at` changes: from `period` (just changed) down to 1.
 *
 * @param at - ms since the Unix epoch, or a `Date`. **(Optional)** Defaults to `Date.now()`.
 * @param options - `period` (default 30 s) and `epoch` (default 0).
 * @returns whole seconds, 1 to `period`.
 * @throws {@link TwoSvError} as {@link totpStep}.
 *
 * @example
 * ```ts
 * secondsRemaining(59_000); // 1
 * secondsRemaining(60_000); // 30
 * ```
 */
export function secondsRemaining(at?: number | Date, options?: StepOptions): number {
  const [elapsed, period] = elapsedSeconds(at, options);
  return period - (elapsed % period);
}

/**
 * Computes the RFC 6238 TOTP code of a secret at a moment.
 *
 * @param secret - base32 text or raw key bytes.
 * @param options - `at` (default now), `digits` (6), `algorithm` (`'SHA1'`), `period` (30 s), `epoch` (0).
 * @returns the code, `digits` long, leading zeros kept.
 * @throws {@link TwoSvError} `INVALID_SECRET`, `EMPTY_SECRET`, `INVALID_DIGITS`, `INVALID_ALGORITHM`,
 *   `INVALID_PERIOD`, `INVALID_EPOCH`, `INVALID_TIME`, `INVALID_OPTION`.
 *
 * @example RFC 6238 Appendix B
 * ```ts
 * // The SHA1 secret is the ASCII text '12345678901234567890'.
 * generateTotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', { at: 59_000, digits: 8 }); // '94287082'
 * ```
 * @example The code an authenticator app shows now
 * ```ts
 * const secret = generateSecret();
 * generateTotp(secret); // e.g. '492039'
 * ```
 */
export function generateTotp(secret: SecretInput, options?: TotpGenerateOptions): string {
  checkOptions(options);
  const digits = checkDigits(option(options?.digits, TOTP_DEFAULTS.digits));
  const algorithm = checkAlgorithm(option(options?.algorithm, TOTP_DEFAULTS.algorithm));
  const step = totpStep(options?.at, options);
  return formatCode(prepareKey(secret, algorithm).truncated(Math.floor(step / TWO_32), step >>> 0), digits);
}

/**
 * Checks a TOTP token at the current step and the steps of the window around it, nearest first.
 *
 * A token that is not exactly `digits` ASCII digits is simply not valid: the result is `null`, never an
 * error. Each step's code is compared with the token as a number, in one comparison, so the time taken does
 * not depend on how many digits match. The key is prepared once per call and reused for every step.
 *
 * **Store the returned `step` and pass it back as `afterStep` next time** so that the same code, or an older
 * one, is never accepted again (RFC 6238 §5.2).
 *
 * @param token - what the user typed.
 * @param secret - base32 text or raw key bytes.
 * @param options - `at` (default now), `window` (default 1), `afterStep`, and the code settings of
 *   {@link generateTotp}.
 * @returns the matching `step` and its `delta` from the current step (negative: the code was from the past),
 *   or `null`.
 * @throws {@link TwoSvError} as {@link generateTotp}, and `INVALID_WINDOW`, `INVALID_AFTER_STEP`.
 *
 * @example
 * ```ts
 * const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
 * verifyTotp('287082', secret, { at: 59_000 }); // { step: 1, delta: 0 }
 * verifyTotp('287082', secret, { at: 89_000 }); // { step: 1, delta: -1 }: one step late, still in the window
 * verifyTotp('287082', secret, { at: 59_000, afterStep: 1 }); // null: step 1 was already used
 * verifyTotp('28708x', secret, { at: 59_000 }); // null: malformed tokens are not valid, never errors
 * ```
 * @example A stricter window: no past steps, one future step for a phone whose clock runs fast
 * ```ts
 * const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
 * verifyTotp('287082', secret, { at: 89_000, window: { past: 0, future: 1 } }); // null: one step late
 * verifyTotp('969429', secret, { at: 89_000, window: { past: 0, future: 1 } }); // { step: 3, delta: 1 }
 * ```
 */
export function verifyTotp(
  token: string,
  secret: SecretInput,
  options?: TotpVerifyOptions,
): { step: number; delta: number } | null {
  checkOptions(options);
  const digits = checkDigits(option(options?.digits, TOTP_DEFAULTS.digits));
  const algorithm = checkAlgorithm(option(options?.algorithm, TOTP_DEFAULTS.algorithm));
  const window = option(options?.window, TOTP_DEFAULTS.window);
  let past: number;
  let future: number;
  if (typeof window === 'object' && window !== null) {
    past = checkSpan(window.past, 'INVALID_WINDOW', 'window.past');
    future = checkSpan(window.future, 'INVALID_WINDOW', 'window.future');
  } else {
    past = future = checkSpan(window, 'INVALID_WINDOW', 'window');
  }
  const afterStep = option(options?.afterStep, -1);
  if (!Number.isSafeInteger(afterStep)) {
    throw new TwoSvError('INVALID_AFTER_STEP', 'afterStep must be a safe integer');
  }
  const current = totpStep(options?.at, options);
  const key = prepareKey(secret, algorithm);
  const value = tokenValue(token, digits);
  if (value < 0) return null;
  // Nearest first: 0, -1, +1, -2, +2, ...; a match ends the search, which reveals only what the result says.
  const span = Math.max(past, future);
  for (let i = 0; i <= 2 * span; i++) {
    const delta = i & 1 ? -((i + 1) >> 1) : i >> 1;
    if (delta < -past || delta > future) continue;
    const step = current + delta;
    if (step < 0 || step <= afterStep) continue;
    if (codeValue(key.truncated(Math.floor(step / TWO_32), step >>> 0), digits) === value) {
      return { step, delta };
    }
  }
  return null;
}
