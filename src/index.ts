/**
 * twosv: two-step verification. RFC 4226 HOTP and RFC 6238 TOTP codes, secrets and base32.
 * @module
 */
export { decodeBase32, encodeBase32 } from './base32.js';
export { TwoSvError, type TwoSvErrorCode } from './errors.js';
export {
  type Algorithm,
  type CodeOptions,
  generateHotp,
  HOTP_DEFAULTS,
  type HotpVerifyOptions,
  type SecretInput,
  verifyHotp,
} from './hotp.js';
export { generateSecret, type RandomSource, SECRET_DEFAULTS, type SecretOptions } from './secret.js';
export {
  generateTotp,
  type StepOptions,
  secondsRemaining,
  TOTP_DEFAULTS,
  type TotpGenerateOptions,
  type TotpOptions,
  type TotpVerifyOptions,
  totpStep,
  verifyTotp,
} from './totp.js';
