/**
 * twosv: two-step verification. RFC 4226 HOTP and RFC 6238 TOTP codes, secrets, base32, `otpauth://` URIs and QR
 * codes, phone numbers, and the enrolment policy engine with its `Store`.
 *
 * @categoryDescription Codes and secrets
 * Generate and check RFC 4226 HOTP and RFC 6238 TOTP codes, and make the shared secrets behind them.
 * @categoryDescription URIs and QR codes
 * Hand a secret to an authenticator app: `otpauth://` URIs and the QR codes that carry them.
 * @categoryDescription Engine
 * `createTwoStep`: enrolment, sign-in challenges, device changes and their events, kept in a `Store`.
 * @categoryDescription Policy
 * Which devices may back up which, code lifetimes, attempt limits, lockout and send caps, as pure data and checks.
 * @categoryDescription Stores
 * Where the engine keeps each user's record: the `Store` contract and the in-memory `MemoryStore`.
 * @categoryDescription Phones and e-mail
 * Normalising, comparing and masking the phone numbers and e-mail addresses codes are sent to.
 * @categoryDescription Errors
 * The one error class, `TwoSvError`, and its stable codes.
 * @module twosv
 */
export { decodeBase32, encodeBase32 } from './base32.js';
export { mailboxKey, maskEmail, normalizeEmail } from './email.js';
export {
  type ActivityContext,
  type ActivityEntry,
  type ActivityPage,
  type AuthenticatorEnrollment,
  type BrowserRevokeReason,
  type ChallengeInfo,
  type ChallengeResult,
  type CodeChannel,
  type CodeMessage,
  type CodePurpose,
  type ConfirmResult,
  type ContactInfo,
  type ContactInput,
  type ContactResult,
  type ContextOptions,
  createTwoStep,
  type DeviceInfo,
  type EnrollAuthenticatorOptions,
  type EnrollPhoneOptions,
  type EventBody,
  type PhoneEnrollment,
  type RecoveryCodes,
  type RecoveryResult,
  type RememberedBrowser,
  type RememberResult,
  type RememberToken,
  type ResetOptions,
  type SecretContext,
  type SecretHooks,
  type Sender,
  type SendOptions,
  type SendRefusal,
  type SensitiveOptions,
  type TwoStep,
  type TwoStepEvent,
  type TwoStepOptions,
  type TwoStepStatus,
  type VerifyFailure,
  type VerifyResult,
} from './enrollment.js';
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
export {
  type CodeTextParams,
  createMessages,
  MESSAGE_CATALOGS,
  type MessageCatalog,
  type MessageContext,
  type MessageKey,
  type MessageParams,
  type MessageResult,
  type Messages,
  type MessagesOptions,
  pickLocale,
  type ThrottleLimit,
} from './messages.js';
export {
  canReceiveCodes,
  formatPhone,
  isSamePhone,
  maskPhone,
  normalizePhone,
  type PhoneChannel,
  type PhoneLineType,
  type PhoneNumberInfo,
  type PhoneOptions,
  type PhoneRegion,
  parsePhone,
} from './phone.js';
export {
  backupKindsFor,
  checkAddDevice,
  checkRemoveDevice,
  checkReplaceDevice,
  checkSwapPrimary,
  DEVICE_KINDS,
  type DeviceKind,
  type DeviceRole,
  defaultPolicy,
  definePolicy,
  isPrimaryKind,
  isRecentVerification,
  isSetupComplete,
  lockDurationMs,
  type Policy,
  type PolicyCandidate,
  type PolicyCheck,
  type PolicyDevice,
  type PolicyInput,
  type PolicyReason,
  policyErrorCode,
  validatePolicy,
} from './policy.js';
export { OTPAUTH_QR_DEFAULTS, type OtpauthQrOptions, otpauthQrMatrix, otpauthQrSvg } from './qr.js';
export { generateSecret, type RandomSource, SECRET_DEFAULTS, type SecretOptions } from './secret.js';
export {
  checkStoreKey,
  type JsonValue,
  MemoryStore,
  type MemoryStoreOptions,
  type PutOptions,
  type PutResult,
  parseRecord,
  type Store,
  type StoredEntry,
  serializeRecord,
  type Version,
} from './store.js';
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
export {
  type AuthenticatorApp,
  buildOtpauthUri,
  OTPAUTH_DEFAULTS,
  type OtpauthCompatibilityWarning,
  type OtpauthParams,
  otpauthCompatibility,
  parseOtpauthUri,
} from './uri.js';
