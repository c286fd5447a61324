/**
 * The 2SV engine: enrolment of primary and backup devices, sign-in challenges with one active code,
 * verification with replay refusal and lockout, send throttling, swap, removal, disabling, re-verification
 * and contact checks, all kept in one record per user behind a {@link Store}.
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { TwoSvError } from './errors.js';
import { formatCode } from './internal/key.js';
import { maskPhone, normalizePhone } from './phone.js';
import {
  backupKindsFor,
  checkAddDevice,
  checkRemoveDevice,
  checkReplaceDevice,
  checkSwapPrimary,
  type DeviceKind,
  type DeviceRole,
  defaultPolicy,
  isPrimaryKind,
  isRecentVerification,
  isSetupComplete,
  lockDurationMs,
  type Policy,
  type PolicyCheck,
  policyErrorCode,
} from './policy.js';
import { type OtpauthQrOptions, otpauthQrSvg } from './qr.js';
import { generateSecret, type RandomSource, randomBytes } from './secret.js';
import { type JsonValue, MemoryStore, type Store, type StoredEntry, type Version } from './store.js';
import { verifyTotp } from './totp.js';
import { buildOtpauthUri } from './uri.js';

// =========================================================================================================
// Public types

/** Why a code was sent. */
export type CodePurpose = 'sign-in' | 'enrollment' | 'contact';

/** How a code travels. */
export type CodeChannel = 'sms' | 'voice' | 'email';

/**
 * One code for the app's {@link Sender} to deliver. This is the only place a plaintext code ever leaves
 * the engine: it is not stored (only its keyed hash is) and never appears in an event.
 */
export interface CodeMessage {
  /** The user the code is for. */
  readonly userId: string;
  /** `'sms'` (text message), `'voice'` (read out in a call) or `'email'`. */
  readonly channel: CodeChannel;
  /** The full E.164 number (`'+12015550100'`) or e-mail address. */
  readonly to: string;
  /** The code, `policy.code.digits` ASCII digits. */
  readonly code: string;
  /** What the code is for, so the message can say so ("Your sign-in code is ..."). */
  readonly purpose: CodePurpose;
  /** When the code stops working, ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Delivers a code (an SMS gateway, a voice API, a mailer). It may be async. If it throws or rejects, the
 * engine undoes the send (the user's state and send counters are as before) and throws `SENDER_FAILED`
 * with the error as `cause`.
 *
 * Never put a code in a link that asks for secrets; say what it is for and that staff never ask for it.
 *
 * @example
 * ```ts
 * const outbox: { to: string; text: string }[] = [];
 * const sender: Sender = ({ channel, to, code, purpose }) => {
 *   const what = purpose === 'sign-in' ? 'sign-in' : 'verification';
 *   const text = `Your ACME ${what} code is ${code}. ACME staff never ask for it.`;
 *   outbox.push({ to, text: channel === 'voice' ? text.replace(/[0-9]/g, '$& ') : text });
 * };
 * const twoStep = createTwoStep({ sender });
 * await twoStep.beginContactVerification('dave', { email: 'dave@example.com' });
 * outbox[0]?.to; // 'dave@example.com'
 * ```
 */
export type Sender = (message: CodeMessage) => void | Promise<void>;

/** Where an authenticator secret belongs, passed to {@link SecretHooks} as associated data. */
export interface SecretContext {
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * Encryption at rest of authenticator secrets. `seal` runs before a secret is stored, `open` when it is
 * needed to check a code; either may be async (a KMS call). Bind the ciphertext to `context` (AEAD
 * associated data) so that a sealed secret copied into another user's record does not open.
 *
 * @example AES-256-GCM with WebCrypto, bound to the user and device
 * ```ts
 * const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
 * const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
 * const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
 * const aad = (c: SecretContext) => new TextEncoder().encode(`${c.userId}\u0000${c.deviceId}`);
 * const secrets: SecretHooks = {
 *   async seal(secret, context) {
 *     const iv = crypto.getRandomValues(new Uint8Array(12));
 *     const params = { name: 'AES-GCM', iv, additionalData: aad(context) };
 *     const data = await crypto.subtle.encrypt(params, key, new TextEncoder().encode(secret));
 *     return `v1.${b64(iv)}.${b64(new Uint8Array(data))}`;
 *   },
 *   async open(sealed, context) {
 *     const [, iv, data] = sealed.split('.');
 *     const params = { name: 'AES-GCM', iv: unb64(iv!), additionalData: aad(context) };
 *     return new TextDecoder().decode(await crypto.subtle.decrypt(params, key, unb64(data!)));
 *   },
 * };
 * const twoStep = createTwoStep({ secrets, policy: definePolicy({ requireBackup: false }) });
 * const enrollment = await twoStep.enrollAuthenticator('alice', { account: 'alice@example.com' });
 * const confirmed = await twoStep.confirmEnrollment('alice', generateTotp(enrollment.secret));
 * confirmed.ok; // true
 * ```
 */
export interface SecretHooks {
  /** Encrypts a base32 secret before it is stored; returns the text to store. */
  seal(secret: string, context: SecretContext): string | Promise<string>;
  /** Decrypts what {@link SecretHooks.seal} returned, for the same `context`; returns the base32 secret. */
  open(sealed: string, context: SecretContext): string | Promise<string>;
}

/** A device as shown on a settings page and in events: no secret, the number masked. */
export interface DeviceInfo {
  /** Stable id, for {@link TwoStep.removeDevice}, {@link TwoStep.swapPrimary} and challenges. */
  readonly id: string;
  readonly kind: DeviceKind;
  readonly role: DeviceRole;
  /** The masked number of a phone (`'+1••••••0100'`). */
  readonly phone?: string;
  /** `false` for an enrolment waiting for its code. */
  readonly confirmed: boolean;
  /** When it was confirmed (or the enrolment begun), ms since the epoch. */
  readonly addedAt: number;
  /** The last successful sign-in with it, ms since the epoch. */
  readonly lastUsedAt?: number;
}

/** A verified emergency contact, as shown on a settings page: masked. */
export interface ContactInfo {
  readonly kind: 'email' | 'phone';
  /** `'a•••@example.com'` or `'+1••••••0100'`. */
  readonly masked: string;
  readonly verifiedAt: number;
}

/**
 * What a settings page or a sign-in flow needs to know about a user's 2SV.
 *
 * @example
 * ```ts
 * const twoStep = createTwoStep();
 * const status = await twoStep.status('erin');
 * status.enabled; // false
 * status.setupStep; // 'enroll-primary'
 * status.devices; // []
 * ```
 */
export interface TwoStepStatus {
  /** Whether sign-in needs a second step. */
  readonly enabled: boolean;
  /** What setup needs next: a primary, then (by default) a backup; `null` once 2SV is on. */
  readonly setupStep: 'enroll-primary' | 'enroll-backup' | null;
  /** Confirmed devices, primary first, then a pending enrolment (`confirmed: false`) if any. */
  readonly devices: readonly DeviceInfo[];
  /** The open sign-in challenge, if any and not expired. */
  readonly challenge: {
    readonly deviceId: string;
    readonly kind: DeviceKind;
    readonly expiresAt: number;
  } | null;
  /** Whether the user is locked out now. */
  readonly locked: boolean;
  /** When the lock ends (ms since the epoch), or `null`. */
  readonly lockedUntil: number | null;
  /** Consecutive failed codes since the last successful sign-in. */
  readonly failures: number;
  /** Whether the next sign-in must pass a fresh challenge ({@link TwoStep.requireReverification}). */
  readonly reverificationRequired: boolean;
  /** The last successful sign-in verification, or setup confirmation, ms since the epoch. */
  readonly verifiedAt: number | null;
  /** Whether a sensitive change (swap, remove, replace, disable, adding a device) is allowed now. */
  readonly recentlyVerified: boolean;
  /**
   * Every confirmed device is a phone. SMS and voice are restricted authenticators (NIST SP 800-63B
   * §5.1.3.3: SIM swaps, number porting, interception).
   */
  readonly phoneOnly: boolean;
  /** `phoneOnly`, and the policy lets this user add or switch to an authenticator app: suggest one. */
  readonly recommendAuthenticator: boolean;
  /** Verified emergency contacts. */
  readonly contacts: readonly ContactInfo[];
}

/**
 * Why a code was not accepted. Values, not exceptions: a wrong code is an expected event.
 * - `'invalid'`: wrong (or malformed) code; `attemptsLeft` before the code ends or the user is locked.
 * - `'replayed'`: an authenticator code already used, or older than the last one used (RFC 6238 §5.2).
 *   Ask for the next code. Counts as a failure.
 * - `'attempts-exhausted'`: wrong, and that was the code's last attempt: begin a new challenge.
 * - `'expired'`: the code's lifetime is over: begin a new challenge. Not counted.
 * - `'no-challenge'`: nothing to verify (never begun, already used, or ended by another challenge).
 * - `'locked'`: too many consecutive failures; even a correct code is refused until `lockedUntil`.
 */
export type VerifyFailure =
  | { readonly ok: false; readonly reason: 'invalid' | 'replayed'; readonly attemptsLeft: number }
  | { readonly ok: false; readonly reason: 'attempts-exhausted' | 'expired' | 'no-challenge' }
  | { readonly ok: false; readonly reason: 'locked'; readonly lockedUntil: number };

/**
 * The result of {@link TwoStep.verify}.
 *
 * @example Turning a result into a message
 * ```ts
 * const twoStep = createTwoStep({ policy: definePolicy({ requireBackup: false }) });
 * const enrollment = await twoStep.enrollAuthenticator('bob', { account: 'bob' });
 * await twoStep.confirmEnrollment('bob', generateTotp(enrollment.secret));
 * await twoStep.beginChallenge('bob');
 * const result = await twoStep.verify('bob', '12345');
 * if (result.ok) console.log('Signed in');
 * else if (result.reason === 'locked') console.log('Locked until', new Date(result.lockedUntil));
 * else if (result.reason === 'invalid' || result.reason === 'replayed') console.log(result.attemptsLeft, 'tries left');
 * else console.log('Please start again:', result.reason);
 * result; // { ok: false, reason: 'invalid', attemptsLeft: 4 }
 * ```
 */
export type VerifyResult =
  | {
      readonly ok: true;
      /** The device whose code passed. */
      readonly deviceId: string;
      readonly kind: DeviceKind;
      /** When, ms since the epoch: the start of the "recent verification" window. */
      readonly verifiedAt: number;
    }
  | VerifyFailure;

/**
 * Why a code was not sent. The sender was not called.
 * - `'locked'`: the user is locked out until `lockedUntil`.
 * - `'throttled'`: a send limit of the policy (`limit` says which) allows the next send at `retryAt`.
 */
export type SendRefusal =
  | { readonly ok: false; readonly reason: 'locked'; readonly lockedUntil: number }
  | {
      readonly ok: false;
      readonly reason: 'throttled';
      readonly limit: 'cooldown' | 'user-hour' | 'user-day' | 'destination-hour' | 'destination-day';
      readonly retryAt: number;
    };

/** An open sign-in challenge, as {@link TwoStep.beginChallenge} returns it. */
export interface ChallengeInfo {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  /** The masked number the code was sent to (phones). */
  readonly phone?: string;
  /** When the challenge ends, ms since the epoch. */
  readonly expiresAt: number;
}

/** The result of {@link TwoStep.beginChallenge}. */
export type ChallengeResult = { readonly ok: true; readonly challenge: ChallengeInfo } | SendRefusal;

/** What {@link TwoStep.enrollAuthenticator} returns: everything the enrolment page shows. */
export interface AuthenticatorEnrollment {
  /** The device id it will have once confirmed. */
  readonly id: string;
  readonly kind: 'authenticator';
  readonly role: DeviceRole;
  /**
   * The new secret, base32, for users who type it in. Show it once, on this page only; the engine keeps it
   * (through {@link SecretHooks.seal}).
   */
  readonly secret: string;
  /** The `otpauth://` URI for the QR code. */
  readonly uri: string;
  /** The QR code of `uri` as an SVG document. */
  readonly qrSvg: string;
  /** The enrolment must be confirmed before this, ms since the epoch. */
  readonly expiresAt: number;
}

/** What {@link TwoStep.enrollPhone} returns once the code is sent. */
export interface PhoneEnrollment {
  readonly id: string;
  readonly kind: 'sms' | 'voice';
  readonly role: DeviceRole;
  /** The masked number. */
  readonly phone: string;
  readonly expiresAt: number;
}

/** The result of {@link TwoStep.confirmEnrollment}. */
export type ConfirmResult =
  | {
      readonly ok: true;
      readonly device: DeviceInfo;
      /** Whether 2SV is on now (it turns on once the policy's requirements are met). */
      readonly enabled: boolean;
    }
  | VerifyFailure;

/** A contact to verify: an e-mail address, or a phone number reached by SMS (default) or voice. */
export type ContactInput =
  | { readonly email: string }
  | { readonly phone: string; readonly channel?: 'sms' | 'voice' };

/** The result of {@link TwoStep.confirmContact}. */
export type ContactResult =
  | {
      readonly ok: true;
      /** The verified contact; `value` is the normalised address or E.164 number, for your records. */
      readonly contact: ContactInfo & { readonly value: string };
    }
  | VerifyFailure;

/**
 * Everything the engine reports through `onEvent`, each after the change it describes is stored, exactly
 * once (an attempt that lost a race to another server reports nothing). Events never carry a secret, a
 * code or a full phone number or address. `at` is ms since the epoch.
 *
 * - `enrollment-started`: a device enrolment began (QR shown or code sent); notify the user.
 * - `device-added` / `device-replaced` / `device-removed`: confirmed devices changed.
 * - `primary-changed`: the primary and a backup swapped roles.
 * - `two-step-enabled` / `two-step-disabled`: sign-in now does / no longer does need a second step.
 * - `challenge-started`: a sign-in challenge began on a device.
 * - `code-sent`: the sender delivered a code.
 * - `verification-passed` / `verification-failed`: a code was checked (`failures` counts consecutive
 *   failures since the last successful sign-in).
 * - `replay-refused`: an authenticator code was used again (counted as a failure too).
 * - `locked`: too many consecutive failures; locked until `until`.
 * - `reverification-required`: the app demanded a fresh second step.
 * - `contact-verified`: an emergency contact passed its code.
 *
 * @example Notifying the user of important account actions
 * ```ts
 * const notices: string[] = [];
 * const twoStep = createTwoStep({
 *   policy: definePolicy({ requireBackup: false }),
 *   onEvent: (event) => {
 *     if (event.type === 'device-added') notices.push(`New ${event.device.kind} device`);
 *     if (event.type === 'two-step-enabled') notices.push('Two-step verification is on');
 *     if (event.type === 'locked') notices.push(`Locked until ${new Date(event.until).toISOString()}`);
 *   },
 * });
 * const enrollment = await twoStep.enrollAuthenticator('carol', { account: 'carol' });
 * await twoStep.confirmEnrollment('carol', generateTotp(enrollment.secret));
 * notices; // ['New authenticator device', 'Two-step verification is on']
 * ```
 */
export type TwoStepEvent = { readonly userId: string; readonly at: number } & EventBody;

/** The part of {@link TwoStepEvent} that differs per type. */
export type EventBody =
  | {
      readonly type: 'enrollment-started';
      readonly kind: DeviceKind;
      readonly role: DeviceRole;
      readonly phone?: string;
    }
  | { readonly type: 'device-added'; readonly device: DeviceInfo }
  | { readonly type: 'device-replaced'; readonly device: DeviceInfo; readonly replaced: DeviceInfo }
  | { readonly type: 'device-removed'; readonly device: DeviceInfo }
  | { readonly type: 'primary-changed'; readonly deviceId: string; readonly previousDeviceId: string }
  | { readonly type: 'two-step-enabled' }
  | { readonly type: 'two-step-disabled'; readonly devices: readonly DeviceInfo[] }
  | { readonly type: 'challenge-started'; readonly deviceId: string; readonly kind: DeviceKind }
  | {
      readonly type: 'code-sent';
      readonly purpose: CodePurpose;
      readonly channel: CodeChannel;
      /** Masked. */
      readonly to: string;
    }
  | { readonly type: 'verification-passed'; readonly purpose: CodePurpose; readonly deviceId?: string }
  | {
      readonly type: 'verification-failed';
      readonly purpose: CodePurpose;
      readonly reason: 'invalid' | 'attempts-exhausted';
      readonly deviceId?: string;
      readonly failures: number;
    }
  | { readonly type: 'replay-refused'; readonly deviceId: string; readonly failures: number }
  | { readonly type: 'locked'; readonly until: number; readonly failures: number }
  | { readonly type: 'reverification-required'; readonly reason?: string }
  | { readonly type: 'contact-verified'; readonly contact: ContactInfo };

/** Options of {@link createTwoStep}. */
export interface TwoStepOptions {
  /** The rules. **(Optional)** Defaults to {@link defaultPolicy}. */
  policy?: Policy;
  /**
   * Where the state lives. **(Optional)** Defaults to a new {@link MemoryStore}, which forgets everything
   * when the process ends: **in production pass a durable, shared {@link Store}**.
   */
  store?: Store;
  /**
   * The key of the keyed hash (HMAC-SHA256) under which sent codes are stored, and destination throttling
   * records are named: at least 32 bytes (or a string of at least 32 characters), **kept out of the store**
   * (an environment secret or a KMS) and **the same on every server**. Required when `store` is given; with
   * the default in-memory store a random per-process key is used.
   *
   * Why a key and not a salt: a 6-digit code has only a million values, so anyone who can read a salted
   * hash recovers the code in milliseconds. Only a key the database reader does not have makes the stored
   * hash useless to them. Rotating it ends the codes in flight (at most `policy.code.lifetime`).
   */
  codeKey?: Uint8Array | string;
  /** Delivers SMS, voice and e-mail codes. Required to enrol phones, challenge them and verify contacts. */
  sender?: Sender;
  /** The name shown in authenticator apps (`otpauth://` issuer), e.g. `'ACME Co'`. **(Optional)** */
  issuer?: string;
  /** Encryption at rest of authenticator secrets. **(Optional)** By default they are stored as base32. */
  secrets?: SecretHooks;
  /** Receives every {@link TwoStepEvent}. Errors it throws are caught: a stored change is never undone. */
  onEvent?: (event: TwoStepEvent) => void;
  /** ms since the epoch. **(Optional)** Defaults to `Date.now`. */
  clock?: () => number;
  /** **(Optional)** Defaults to `crypto.getRandomValues`. Inject only in tests. */
  random?: RandomSource;
  /**
   * How many times an operation re-reads and retries after a write conflict (another server changed the
   * user's record) before it fails closed with `STORE_CONFLICT`, 0 to 100. **(Optional)** Defaults to `10`.
   */
  retries?: number;
}

/** Options of {@link TwoStep.enrollAuthenticator}. */
export interface EnrollAuthenticatorOptions {
  /** The account name shown in the app, e.g. the user's e-mail address. */
  account: string;
  /** Overrides the engine's `issuer` for this URI. **(Optional)** */
  issuer?: string;
  /** **(Optional)** Defaults to `'primary'` when the user has none, else `'backup'`. */
  role?: DeviceRole;
  /** Replace this device on confirmation; the new one takes its role. **(Optional)** */
  replaces?: string;
  /** Options of the QR SVG. **(Optional)** */
  qr?: OtpauthQrOptions;
}

/** Options of {@link TwoStep.enrollPhone}. */
export interface EnrollPhoneOptions {
  /** The number, as typed: see {@link normalizePhone}. */
  phone: string;
  /** **(Optional)** Defaults to `'sms'`. */
  kind?: 'sms' | 'voice';
  /** **(Optional)** Defaults to `'primary'` when the user has none, else `'backup'`. */
  role?: DeviceRole;
  /** Replace this device on confirmation; the new one takes its role. **(Optional)** */
  replaces?: string;
}

/**
 * The engine {@link createTwoStep} returns. Every method is async, takes the user id first, loads the
 * user's record, applies the policy, and stores the result with a conditional write.
 *
 * Errors (`TwoSvError`) are for input the app should not have sent: each has its own `code` and leaves
 * the stored state unchanged. Expected outcomes (a wrong code, a lock, a throttled send) are values with
 * `ok: false` and a `reason`.
 */
export interface TwoStep {
  /** The engine's policy. */
  readonly policy: Policy;
  /** The user's 2SV state for a settings page or sign-in flow. A user with no record is simply off. */
  status(userId: string): Promise<TwoStepStatus>;
  /** Begins enrolling an authenticator app: returns the secret, URI and QR code to show. */
  enrollAuthenticator(userId: string, options: EnrollAuthenticatorOptions): Promise<AuthenticatorEnrollment>;
  /** Begins enrolling a phone: sends a code to it. Calling it again resends (a new code). */
  enrollPhone(
    userId: string,
    options: EnrollPhoneOptions,
  ): Promise<{ readonly ok: true; readonly enrollment: PhoneEnrollment } | SendRefusal>;
  /** Confirms the pending enrolment with the code the user typed. */
  confirmEnrollment(userId: string, code: string): Promise<ConfirmResult>;
  /** Begins a sign-in challenge on the primary, or on `deviceId`; ends any other. Sends a code to phones. */
  beginChallenge(userId: string, options?: { deviceId?: string }): Promise<ChallengeResult>;
  /** Checks the code of the open challenge. */
  verify(userId: string, code: string): Promise<VerifyResult>;
  /** Makes a backup the primary, and the primary a backup. */
  swapPrimary(userId: string, deviceId?: string): Promise<TwoStepStatus>;
  /** Removes a confirmed device. */
  removeDevice(userId: string, deviceId: string): Promise<TwoStepStatus>;
  /** Turns 2SV off and forgets every device. */
  disable(userId: string): Promise<TwoStepStatus>;
  /**
   * Demands a fresh second step at the next sign-in (after an abnormal sign-in). Ends the open challenge
   * and any pending enrolment; sensitive changes wait for the fresh verification.
   */
  requireReverification(userId: string, options?: { reason?: string }): Promise<TwoStepStatus>;
  /** Sends a one-time code to an emergency contact. */
  beginContactVerification(
    userId: string,
    contact: ContactInput,
  ): Promise<{ readonly ok: true; readonly to: string; readonly expiresAt: number } | SendRefusal>;
  /** Confirms the pending contact verification with the code the user typed. */
  confirmContact(userId: string, code: string): Promise<ContactResult>;
}

// =========================================================================================================
// The stored record (schema version 1). Plain JSON; absent optional fields are omitted, never undefined.

interface DeviceRec {
  id: string;
  kind: DeviceKind;
  role: DeviceRole;
  phone?: string;
  secret?: string;
  lastStep?: number;
  addedAt: number;
  lastUsedAt?: number;
}

interface ChallengeRec {
  id: string;
  deviceId: string;
  hash?: string;
  startedAt: number;
  expiresAt: number;
  attempts: number;
}

interface PendingRec {
  id: string;
  kind: DeviceKind;
  role: DeviceRole;
  replaces?: string;
  phone?: string;
  secret?: string;
  hash?: string;
  startedAt: number;
  expiresAt: number;
  attempts: number;
}

interface ContactPendingRec {
  id: string;
  kind: 'email' | 'phone';
  channel: CodeChannel;
  value: string;
  hash: string;
  startedAt: number;
  expiresAt: number;
  attempts: number;
}

interface ContactRec {
  kind: 'email' | 'phone';
  value: string;
  verifiedAt: number;
}

interface SendRec {
  at: number;
  id: string;
}

interface UserRecord {
  v: 1;
  enabled: boolean;
  devices: DeviceRec[];
  pending: PendingRec | null;
  challenge: ChallengeRec | null;
  contact: ContactPendingRec | null;
  contacts: ContactRec[];
  /** Consecutive failures since the last successful sign-in; a lock starts at each multiple of the limit. */
  failures: number;
  lockedUntil: number;
  /** The highest clock reading stored: locks are judged at max(clock, seen). */
  seen: number;
  verifiedAt: number | null;
  reverify: boolean;
  sends: SendRec[];
}

interface DestinationRecord {
  v: 1;
  seen: number;
  sends: SendRec[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

function emptyRecord(): UserRecord {
  return {
    v: 1,
    enabled: false,
    devices: [],
    pending: null,
    challenge: null,
    contact: null,
    contacts: [],
    failures: 0,
    lockedUntil: 0,
    seen: 0,
    verifiedAt: null,
    reverify: false,
    sends: [],
  };
}

/**
 * A shallow copy of a record, written out field by field: on the sign-in path this is several times
 * faster than `{ ...record }` (one object literal of a fixed shape instead of a generic property copy).
 */
function copyRecord(r: UserRecord): UserRecord {
  return {
    v: 1,
    enabled: r.enabled,
    devices: r.devices,
    pending: r.pending,
    challenge: r.challenge,
    contact: r.contact,
    contacts: r.contacts,
    failures: r.failures,
    lockedUntil: r.lockedUntil,
    seen: r.seen,
    verifiedAt: r.verifiedAt,
    reverify: r.reverify,
    sends: r.sends,
  };
}

function invalidRecord(): never {
  throw new TwoSvError(
    'INVALID_RECORD',
    'the store returned a record this version of twosv does not recognise',
  );
}

function parseUser(value: JsonValue): UserRecord {
  const r = value as unknown as UserRecord;
  if (
    r === null ||
    typeof r !== 'object' ||
    r.v !== 1 ||
    typeof r.enabled !== 'boolean' ||
    !Array.isArray(r.devices) ||
    !Array.isArray(r.contacts) ||
    !Array.isArray(r.sends) ||
    typeof r.failures !== 'number' ||
    typeof r.lockedUntil !== 'number' ||
    typeof r.seen !== 'number'
  ) {
    invalidRecord();
  }
  return r;
}

function parseDestination(value: JsonValue): DestinationRecord {
  const r = value as unknown as DestinationRecord;
  if (
    r === null ||
    typeof r !== 'object' ||
    r.v !== 1 ||
    !Array.isArray(r.sends) ||
    typeof r.seen !== 'number'
  ) {
    invalidRecord();
  }
  return r;
}

// =========================================================================================================
// Small pure helpers

const MAX_USER_ID = 256;

function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID) {
    throw new TwoSvError('INVALID_USER_ID', 'userId must be a non-empty string of at most 256 characters');
  }
  return userId;
}

/** What users type: full-width digits, spaces and dashes ("123 456", "123-456") are forgiven. */
function normalizeTypedCode(code: unknown): string {
  if (typeof code !== 'string' || code.length > 64) return '';
  if (/^[0-9]+$/.test(code)) return code; // the common case, without NFKC
  return code.normalize('NFKC').replace(/[\s-]/g, '');
}

/**
 * A plausible e-mail address, normalised: trimmed, NFC, the domain lower-cased. Deliberately permissive
 * in the local part (the mailbox decides), strict about what can never be an address.
 */
function normalizeEmail(input: unknown): string {
  const bad = () => new TwoSvError('INVALID_EMAIL', 'email must be an address like name@example.com');
  if (typeof input !== 'string' || input.length > 254) throw bad();
  const text = input.trim().normalize('NFC');
  const at = text.lastIndexOf('@');
  if (at < 1) throw bad();
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (local.length > 64 || /[\s\p{Cc}<>()[\]\\,;:@"]/u.test(local)) throw bad();
  if (!/^(?=.{1,253}$)([\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u.test(domain))
    throw bad();
  return `${local}@${domain}`;
}

function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}•••@${email.slice(at + 1)}`;
}

function maskContact(kind: 'email' | 'phone', value: string): string {
  return kind === 'email' ? maskEmail(value) : maskPhone(value);
}

/** Equal-length strings compared in time that depends only on their length. */
function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const TWO_48 = 2 ** 48;

/**
 * A uniformly random code of `digits` digits: 48 random bits, rejected when they fall in the incomplete
 * last block of 10^digits values (rejection sampling: no modulo bias).
 */
function randomCode(digits: number, random: RandomSource | undefined): string {
  const range = 10 ** digits;
  const limit = TWO_48 - (TWO_48 % range);
  for (let i = 0; i < 64; i++) {
    const b = randomBytes(6, random);
    const value = ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 16_777_216 + ((b[3]! << 16) | (b[4]! << 8) | b[5]!);
    if (value < limit) return formatCode(value, digits);
  }
  throw new TwoSvError('INVALID_RANDOM', 'random keeps returning the same bytes');
}

/**
 * Random bytes for ids from the platform CSPRNG, drawn 4 KiB at a time: one `getRandomValues` call costs
 * about as much as a whole TOTP check, and a sign-in needs an id per challenge. An injected source (tests)
 * is called directly, so tests stay exact.
 */
const pool: { bytes: Uint8Array; offset: number } = { bytes: new Uint8Array(0), offset: 0 };
function idBytes(size: number, random: RandomSource | undefined): Uint8Array {
  if (random) return randomBytes(size, random);
  if (pool.offset + size > pool.bytes.length) {
    pool.bytes = randomBytes(4096);
    pool.offset = 0;
  }
  const out = pool.bytes.slice(pool.offset, pool.offset + size);
  pool.bytes.fill(0, pool.offset, pool.offset + size);
  pool.offset += size;
  return out;
}

function randomId(random: RandomSource | undefined): string {
  return bytesToHex(idBytes(9, random));
}

function deviceInfo(d: DeviceRec | PendingRec, confirmed: boolean): DeviceInfo {
  const info: { -readonly [K in keyof DeviceInfo]: DeviceInfo[K] } = {
    id: d.id,
    kind: d.kind,
    role: d.role,
    confirmed,
    addedAt: 'addedAt' in d ? d.addedAt : d.startedAt,
  };
  if (d.phone !== undefined) info.phone = maskPhone(d.phone);
  if ('lastUsedAt' in d && d.lastUsedAt !== undefined) info.lastUsedAt = d.lastUsedAt;
  return info;
}

function throwRefusal(check: PolicyCheck): void {
  if (!check.ok) {
    throw new TwoSvError(policyErrorCode(check.reason), `policy refuses: ${check.reason}`);
  }
}

/** The earliest moment at which fewer than `cap` of `times` fall in the `span` ending then. */
function windowRetryAt(times: readonly number[], now: number, span: number, cap: number): number | null {
  const inWindow = times.filter((t) => t > now - span).sort((a, b) => a - b);
  if (inWindow.length < cap) return null;
  return inWindow[inWindow.length - cap]! + span;
}

// =========================================================================================================
// The engine

interface Step<T> {
  result: T;
  next?: UserRecord;
  events?: EventBody[];
}

interface SendDraft {
  /** Id of the challenge, pending enrolment or contact check being created. */
  id: string;
  code: string;
  sendId: string;
}

type PendingField = 'challenge' | 'pending' | 'contact';

interface SendPlan<T> {
  field: PendingField;
  value: ChallengeRec | PendingRec | ContactPendingRec;
  /** Other changes to the record, applied with the field (creating a record, for instance). */
  base: UserRecord;
  channel: CodeChannel;
  to: string;
  purpose: CodePurpose;
  result: T;
  events: EventBody[];
}

/**
 * Creates the 2SV engine.
 *
 * **What the app must persist**: everything is in the {@link Store} you pass, one record per user (plus one
 * small record per phone number or address codes were sent to). Pass a durable store shared by all your
 * servers and the same `codeKey` on all of them. Nothing else needs saving: no session field, no cookie
 * holds 2SV state. Your own user table needs nothing either (`status(userId).enabled` tells whether
 * sign-in needs a second step).
 *
 * How each call works: it serialises with other calls for the same user in this process, loads the record,
 * decides with the policy's pure rules, writes back only if no other server changed the record meanwhile
 * (retrying up to `retries` times, then failing closed with `STORE_CONFLICT`), and only then emits events
 * and returns. A code is accepted only once its consumption is stored.
 *
 * Sending: the new challenge and the counted send are stored first, then the sender is called. Each send
 * is reserved on its destination's record before the user's record is written (and refused there once the
 * per-destination cap is reached), so concurrent requests from many accounts to one number cannot exceed
 * the cap. If the sender throws, both are undone (the old challenge is back, the counters as before) and
 * `SENDER_FAILED` is thrown. The sender is never called twice for one request, since nothing is written
 * after it.
 *
 * @throws {@link TwoSvError} `INVALID_OPTION` (a store without `codeKey`, a short key, a bad option).
 *
 * @example A whole sign-up and sign-in
 * ```ts
 * const sent: CodeMessage[] = [];
 * const twoStep = createTwoStep({ issuer: 'ACME Co', sender: (message) => { sent.push(message); } });
 *
 * // Primary: an authenticator app. Show enrollment.qrSvg; the user scans it and types the app's code.
 * const enrollment = await twoStep.enrollAuthenticator('alice', { account: 'alice@example.com' });
 * const confirmed = await twoStep.confirmEnrollment('alice', generateTotp(enrollment.secret));
 * console.log(confirmed.ok && confirmed.enabled); // false: a backup is still needed
 *
 * // Backup: a phone. The code arrives through the sender.
 * await twoStep.enrollPhone('alice', { phone: '+1 (201) 555-0100' });
 * const backup = await twoStep.confirmEnrollment('alice', sent[0]!.code);
 * console.log(backup.ok && backup.enabled); // true
 *
 * // Sign-in: after the password, a challenge on the primary, then the code.
 * await twoStep.beginChallenge('alice');
 * const result = await twoStep.verify('alice', '000000');
 * console.log(result.ok); // false
 * ```
 * @example Production wiring
 * ```ts
 * const twoStep = createTwoStep({
 *   store: new MemoryStore(), // your PostgreSQL or Redis Store here
 *   codeKey: 'a-32-character-or-longer-secret-from-your-kms',
 *   policy: definePolicy({ table: { authenticator: ['sms', 'voice'] } }),
 *   sender: async (message) => {
 *     // hand message.code to your SMS, voice or e-mail provider for message.to
 *   },
 *   onEvent: (event) => {
 *     if (event.type === 'locked') console.log('tell the user', event.userId, 'of the lock');
 *   },
 * });
 * ```
 */
export function createTwoStep(options: TwoStepOptions = {}): TwoStep {
  if (options === null || typeof options !== 'object') {
    throw new TwoSvError('INVALID_OPTION', 'options must be an object');
  }
  const policy = options.policy ?? defaultPolicy;
  const random = options.random;
  const clock = options.clock ?? Date.now;
  const retries = options.retries ?? 10;
  if (!Number.isInteger(retries) || retries < 0 || retries > 100) {
    throw new TwoSvError('INVALID_OPTION', 'retries must be an integer from 0 to 100');
  }
  if (options.store !== undefined && options.codeKey === undefined) {
    throw new TwoSvError(
      'INVALID_OPTION',
      'codeKey is required with a store: the same secret on every server',
    );
  }
  const store = options.store ?? new MemoryStore({ clock });
  const codeKey =
    options.codeKey === undefined
      ? randomBytes(32, random)
      : typeof options.codeKey === 'string'
        ? utf8ToBytes(options.codeKey)
        : options.codeKey;
  if (!(codeKey instanceof Uint8Array) || codeKey.length < 32) {
    throw new TwoSvError('INVALID_OPTION', 'codeKey must be at least 32 bytes');
  }
  if (options.secrets !== undefined) {
    const s = options.secrets;
    if (typeof s?.seal !== 'function' || typeof s?.open !== 'function') {
      throw new TwoSvError('INVALID_OPTION', 'secrets must have seal and open functions');
    }
  }
  const { sender, onEvent, secrets, issuer } = options;
  const totpOptions = {
    algorithm: policy.totp.algorithm,
    digits: policy.totp.digits,
    period: policy.totp.period,
    window: policy.totp.window,
  };

  // ----- plumbing -------------------------------------------------------------------------------------

  const tails = new Map<string, Promise<void>>();
  const settled = (): void => {};
  /**
   * Runs calls for one key one after another in this process. Across processes the conditional write
   * decides; within one, this spares them the conflicts (and keeps N racing guesses all counted).
   */
  function exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // Plain promise chaining, no async frame: this wraps every call, sign-ins included.
    const previous = tails.get(key);
    const run = previous ? previous.then(fn) : fn();
    const tail = run.then(settled, settled);
    tails.set(key, tail);
    tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  }

  function now(): number {
    const t = clock();
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new TwoSvError('INVALID_TIME', 'clock must return a finite number of milliseconds');
    }
    return t;
  }

  async function load(key: string): Promise<StoredEntry | null> {
    try {
      return await store.get(key);
    } catch (cause) {
      throw new TwoSvError('STORE_FAILED', 'the store failed to read', { cause });
    }
  }

  async function save(
    key: string,
    record: UserRecord | DestinationRecord,
    version: Version | null,
    expiresAt?: number,
  ): Promise<boolean> {
    try {
      const put = await store.put(
        key,
        record as unknown as JsonValue,
        version,
        expiresAt === undefined ? undefined : { expiresAt },
      );
      return put.ok;
    } catch (cause) {
      throw new TwoSvError('STORE_FAILED', 'the store failed to write', { cause });
    }
  }

  function emit(userId: string, at: number, events: readonly EventBody[] | undefined): void {
    if (!onEvent || !events) return;
    for (const body of events) {
      try {
        const out = onEvent({ userId, at, ...body } as TwoStepEvent) as unknown;
        if (out instanceof Promise) out.catch(() => {});
      } catch {
        // A listener's failure must not turn a stored change into a reported failure.
      }
    }
  }

  const userKey = (userId: string) => `user:${userId}`;

  function codeHash(purpose: CodePurpose, userId: string, bindingId: string, code: string): string {
    return bytesToHex(
      hmac(sha256, codeKey, utf8ToBytes(`twosv-code\0${purpose}\0${userId}\0${bindingId}\0${code}`)),
    );
  }

  function destinationKey(channel: CodeChannel, to: string): string {
    const kind = channel === 'email' ? 'email' : 'phone';
    return `dest:${bytesToHex(hmac(sha256, codeKey, utf8ToBytes(`twosv-destination\0${kind}\0${to.toLowerCase()}`)))}`;
  }

  async function seal(secret: string, context: SecretContext): Promise<string> {
    if (!secrets) return secret;
    const sealed = await secrets.seal(secret, context);
    if (typeof sealed !== 'string')
      throw new TwoSvError('INVALID_OPTION', 'secrets.seal must return a string');
    return sealed;
  }

  function open(sealed: string, context: SecretContext): string | Promise<string> {
    return secrets ? secrets.open(sealed, context) : sealed;
  }

  /** Load, decide, conditionally write, retry on conflict; events after the write. */
  function update<T>(
    userId: string,
    plan: (record: UserRecord | null, at: number, mono: number) => Step<T> | Promise<Step<T>>,
  ): Promise<T> {
    const key = userKey(userId);
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        // The hot path of every sign-in: store calls are awaited inline and a synchronous plan is not
        // awaited, which saves a few microtask hops per call (measured in bench/enrollment.mjs).
        let entry: StoredEntry | null;
        try {
          entry = await store.get(key);
        } catch (cause) {
          throw new TwoSvError('STORE_FAILED', 'the store failed to read', { cause });
        }
        const record = entry ? parseUser(entry.record) : null;
        const at = now();
        const mono = Math.max(at, record?.seen ?? at);
        const planned = plan(record, at, mono);
        const step = planned instanceof Promise ? await planned : planned;
        if (!step.next) return step.result;
        step.next.seen = mono;
        let written: boolean;
        try {
          written = (await store.put(key, step.next as unknown as JsonValue, entry ? entry.version : null))
            .ok;
        } catch (cause) {
          throw new TwoSvError('STORE_FAILED', 'the store failed to write', { cause });
        }
        if (written) {
          emit(userId, mono, step.events);
          return step.result;
        }
      }
      throw new TwoSvError('STORE_CONFLICT', 'the record kept changing; nothing was stored');
    });
  }

  // ----- pure decisions ------------------------------------------------------------------------------

  const isLocked = (r: UserRecord, mono: number) => r.lockedUntil > mono;
  const lockedResult = (r: UserRecord) =>
    ({ ok: false, reason: 'locked', lockedUntil: r.lockedUntil }) as const;

  function requireRecent(r: UserRecord, mono: number): void {
    // A lock means someone is guessing codes: no device changes until it ends, recent verification or not.
    if (r.enabled && isLocked(r, mono)) {
      throw new TwoSvError('LOCKED', 'this change is refused while the user is locked out');
    }
    if (r.enabled && (r.reverify || !isRecentVerification(policy, r.verifiedAt, mono))) {
      throw new TwoSvError('VERIFICATION_REQUIRED', 'this change needs a recent successful verification');
    }
  }

  /**
   * A failed code: counts it for the code and the user, ends the code when its attempts are used up, and
   * locks when the consecutive failures reach a multiple of the limit. `clear` ends the code in `next`.
   */
  function failure(
    r: UserRecord,
    mono: number,
    attempts: number,
    clear: (next: UserRecord) => void,
    setAttempts: (next: UserRecord, attempts: number) => void,
    reason: 'invalid' | 'replayed',
    purpose: CodePurpose,
    deviceId: string | undefined,
  ): Step<VerifyFailure> {
    const next: UserRecord = { ...r, failures: r.failures + 1 };
    const failures = next.failures;
    const events: EventBody[] = [];
    const exhausted = attempts + 1 >= policy.attemptsPerCode;
    const lock = failures % policy.lockout.failures === 0;
    const base = deviceId === undefined ? {} : { deviceId };
    if (reason === 'replayed') events.push({ type: 'replay-refused', deviceId: deviceId!, failures });
    else {
      events.push({
        type: 'verification-failed',
        purpose,
        reason: exhausted ? 'attempts-exhausted' : 'invalid',
        ...base,
        failures,
      });
    }
    if (lock) {
      next.lockedUntil = mono + lockDurationMs(policy, failures / policy.lockout.failures);
      events.push({ type: 'locked', until: next.lockedUntil, failures });
      if (exhausted) clear(next);
      else setAttempts(next, attempts + 1);
      next.challenge = null; // a lock ends the sign-in challenge, whatever code failed
      return { next, events, result: { ok: false, reason: 'locked', lockedUntil: next.lockedUntil } };
    }
    if (exhausted) {
      clear(next);
      return { next, events, result: { ok: false, reason: 'attempts-exhausted' } };
    }
    setAttempts(next, attempts + 1);
    const beforeLock = policy.lockout.failures - (failures % policy.lockout.failures);
    const attemptsLeft = Math.min(policy.attemptsPerCode - attempts - 1, beforeLock);
    return { next, events, result: { ok: false, reason, attemptsLeft } };
  }

  function statusOf(r: UserRecord | null, at: number, mono: number): TwoStepStatus {
    const record = r ?? emptyRecord();
    const devices = [...record.devices].sort((a, b) =>
      a.role === b.role ? 0 : a.role === 'primary' ? -1 : 1,
    );
    const infos = devices.map((d) => deviceInfo(d, true));
    const pending = record.pending && at < record.pending.expiresAt ? record.pending : null;
    if (pending) infos.push(deviceInfo(pending, false));
    const primary = devices.find((d) => d.role === 'primary');
    const challenge = record.challenge;
    const challengeDevice = challenge && devices.find((d) => d.id === challenge.deviceId);
    const phoneOnly = devices.length > 0 && devices.every((d) => d.kind !== 'authenticator');
    const backups = devices.filter((d) => d.role === 'backup').length;
    const authenticatorReachable =
      isPrimaryKind(policy, 'authenticator') ||
      (primary !== undefined &&
        backupKindsFor(policy, primary.kind).includes('authenticator') &&
        backups < policy.maxBackups);
    const locked = isLocked(record, mono);
    return {
      enabled: record.enabled,
      setupStep: record.enabled ? null : primary ? 'enroll-backup' : 'enroll-primary',
      devices: infos,
      challenge:
        challenge && challengeDevice && at >= challenge.startedAt && at < challenge.expiresAt
          ? { deviceId: challenge.deviceId, kind: challengeDevice.kind, expiresAt: challenge.expiresAt }
          : null,
      locked,
      lockedUntil: locked ? record.lockedUntil : null,
      failures: record.failures,
      reverificationRequired: record.reverify,
      verifiedAt: record.verifiedAt,
      recentlyVerified: !record.reverify && isRecentVerification(policy, record.verifiedAt, mono),
      phoneOnly,
      recommendAuthenticator: phoneOnly && authenticatorReachable,
      contacts: record.contacts.map((c) => ({
        kind: c.kind,
        masked: maskContact(c.kind, c.value),
        verifiedAt: c.verifiedAt,
      })),
    };
  }

  // ----- sending ---------------------------------------------------------------------------------------

  /** Reserves one send on a destination's record, or says which cap refuses it. */
  function reserveDestination(key: string, sendId: string): Promise<SendRefusal | null> {
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        const record = entry ? parseDestination(entry.record) : null;
        const at = now();
        const mono = Math.max(at, record?.seen ?? at);
        const sends = (record?.sends ?? []).filter((s) => s.at > mono - DAY);
        const times = sends.map((s) => s.at);
        const { hour, day } = policy.sendLimits.perDestination;
        const dayRetry = windowRetryAt(times, mono, DAY, day);
        if (dayRetry !== null)
          return { ok: false, reason: 'throttled', limit: 'destination-day', retryAt: dayRetry };
        const hourRetry = windowRetryAt(times, mono, HOUR, hour);
        if (hourRetry !== null) {
          return { ok: false, reason: 'throttled', limit: 'destination-hour', retryAt: hourRetry };
        }
        const next: DestinationRecord = { v: 1, seen: mono, sends: [...sends, { at: mono, id: sendId }] };
        if (await save(key, next, entry ? entry.version : null, mono + DAY)) return null;
      }
      throw new TwoSvError('STORE_CONFLICT', 'the destination record kept changing; nothing was sent');
    });
  }

  /** Best-effort undo of a reservation: the send did not happen. */
  async function refundDestination(key: string, sendId: string): Promise<void> {
    try {
      await exclusive(key, async () => {
        for (let attempt = 0; attempt <= retries; attempt++) {
          const entry = await load(key);
          if (!entry) return;
          const record = parseDestination(entry.record);
          if (!record.sends.some((s) => s.id === sendId)) return;
          const next: DestinationRecord = { ...record, sends: record.sends.filter((s) => s.id !== sendId) };
          if (await save(key, next, entry.version, record.seen + DAY)) return;
        }
      });
    } catch {
      // The reservation stays: one send too many is counted, which errs on the safe side.
    }
  }

  function userThrottle(r: UserRecord | null, mono: number): SendRefusal | null {
    const times = (r?.sends ?? []).map((s) => s.at);
    const { cooldown, perUser } = policy.sendLimits;
    const last = times.length ? Math.max(...times) : Number.NEGATIVE_INFINITY;
    if (mono - last < cooldown * 1000) {
      return { ok: false, reason: 'throttled', limit: 'cooldown', retryAt: last + cooldown * 1000 };
    }
    const dayRetry = windowRetryAt(times, mono, DAY, perUser.day);
    if (dayRetry !== null) return { ok: false, reason: 'throttled', limit: 'user-day', retryAt: dayRetry };
    const hourRetry = windowRetryAt(times, mono, HOUR, perUser.hour);
    if (hourRetry !== null) return { ok: false, reason: 'throttled', limit: 'user-hour', retryAt: hourRetry };
    return null;
  }

  /**
   * The send protocol: decide on the user's record; reserve on the destination's; store the new code and
   * the counted send on the user's record; call the sender; on a sender error undo both. Nothing is written
   * after the sender returns, so it is never called twice for one request.
   */
  function sendFlow<T>(
    userId: string,
    plan: (record: UserRecord | null, at: number, mono: number, draft: SendDraft) => SendPlan<T>,
  ): Promise<T | SendRefusal> {
    if (!sender) {
      return Promise.reject(new TwoSvError('INVALID_OPTION', 'a sender is required to send codes'));
    }
    const key = userKey(userId);
    return exclusive(key, async () => {
      const draft: SendDraft = { id: randomId(random), code: '', sendId: randomId(random) };
      draft.code = randomCode(policy.code.digits, random);
      let reserved: string | null = null;
      let stored: { plan: SendPlan<T>; previous: UserRecord; mono: number } | null = null;
      try {
        for (let attempt = 0; attempt <= retries && !stored; attempt++) {
          const entry = await load(key);
          const record = entry ? parseUser(entry.record) : null;
          const at = now();
          const mono = Math.max(at, record?.seen ?? at);
          const p = plan(record, at, mono, draft);
          if (record && isLocked(record, mono)) {
            if (reserved) await refundDestination(reserved, draft.sendId);
            return lockedResult(record);
          }
          const throttled = userThrottle(record, mono);
          if (throttled) {
            if (reserved) await refundDestination(reserved, draft.sendId);
            return throttled;
          }
          const destination = destinationKey(p.channel, p.to);
          if (reserved !== destination) {
            if (reserved) await refundDestination(reserved, draft.sendId);
            reserved = null;
            const refused = await reserveDestination(destination, draft.sendId);
            if (refused) return refused;
            reserved = destination;
          }
          const sends = p.base.sends.filter((s) => s.at > mono - DAY);
          const next: UserRecord = {
            ...p.base,
            [p.field]: p.value,
            sends: [...sends, { at: mono, id: draft.sendId }],
            seen: mono,
          };
          if (await save(key, next, entry ? entry.version : null)) {
            stored = { plan: p, previous: record ?? emptyRecord(), mono };
          }
        }
        if (!stored) throw new TwoSvError('STORE_CONFLICT', 'the record kept changing; nothing was sent');
      } catch (err) {
        if (reserved) await refundDestination(reserved, draft.sendId);
        throw err;
      }
      const { plan: p, previous, mono } = stored;
      try {
        await sender({
          userId,
          channel: p.channel,
          to: p.to,
          code: draft.code,
          purpose: p.purpose,
          expiresAt: p.value.expiresAt,
        });
      } catch (cause) {
        await undoSend(key, draft, p.field, previous);
        if (reserved) await refundDestination(reserved, draft.sendId);
        throw new TwoSvError('SENDER_FAILED', 'the sender failed; no code was sent', { cause });
      }
      const masked = p.channel === 'email' ? maskEmail(p.to) : maskPhone(p.to);
      emit(userId, mono, [
        ...p.events,
        { type: 'code-sent', purpose: p.purpose, channel: p.channel, to: masked },
      ]);
      return p.result;
    });
  }

  /** Best-effort undo of a stored send whose sender failed: the previous code is back, the send uncounted. */
  async function undoSend(
    key: string,
    draft: SendDraft,
    field: PendingField,
    previous: UserRecord,
  ): Promise<void> {
    try {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        if (!entry) return;
        const record = parseUser(entry.record);
        const next: UserRecord = { ...record, sends: record.sends.filter((s) => s.id !== draft.sendId) };
        if (record[field]?.id === draft.id) {
          (next as unknown as Record<PendingField, unknown>)[field] = previous[field];
        }
        if (await save(key, next, entry.version)) return;
      }
    } catch {
      // The unsent code stays stored (nobody knows it) and the send stays counted: safe, if stingy.
    }
  }

  // ----- the methods -----------------------------------------------------------------------------------

  function roleFor(r: UserRecord, role: DeviceRole | undefined, replaces: string | undefined): DeviceRole {
    if (replaces !== undefined) {
      const old = r.devices.find((d) => d.id === replaces);
      if (!old) throw new TwoSvError('UNKNOWN_DEVICE', 'replaces must be the id of a confirmed device');
      return old.role;
    }
    if (role !== undefined && role !== 'primary' && role !== 'backup') {
      throw new TwoSvError('INVALID_OPTION', "role must be 'primary' or 'backup'");
    }
    return role ?? (r.devices.some((d) => d.role === 'primary') ? 'backup' : 'primary');
  }

  function checkCandidate(
    r: UserRecord,
    kind: DeviceKind,
    role: DeviceRole,
    phone: string | undefined,
    replaces: string | undefined,
  ): void {
    throwRefusal(
      replaces !== undefined
        ? checkReplaceDevice(policy, r.devices, replaces, { kind, phone })
        : checkAddDevice(policy, r.devices, { kind, role, phone }),
    );
  }

  const engine: TwoStep = {
    policy,

    async status(userId) {
      checkUserId(userId);
      const entry = await load(userKey(userId));
      const record = entry ? parseUser(entry.record) : null;
      const at = now();
      return statusOf(record, at, Math.max(at, record?.seen ?? at));
    },

    async enrollAuthenticator(userId, opts) {
      checkUserId(userId);
      if (opts === null || typeof opts !== 'object')
        throw new TwoSvError('INVALID_OPTION', 'options must be an object');
      const id = randomId(random);
      const secret = generateSecret(random ? { random } : {});
      const uri = buildOtpauthUri({
        type: 'totp',
        secret,
        account: opts.account,
        ...((opts.issuer ?? issuer) === undefined ? {} : { issuer: (opts.issuer ?? issuer)! }),
        algorithm: policy.totp.algorithm,
        digits: policy.totp.digits,
        period: policy.totp.period,
      });
      const qrSvg = otpauthQrSvg(uri, opts.qr);
      return update(userId, async (record, at, mono) => {
        const r = record ?? emptyRecord();
        requireRecent(r, mono);
        const role = roleFor(r, opts.role, opts.replaces);
        checkCandidate(r, 'authenticator', role, undefined, opts.replaces);
        const pending: PendingRec = {
          id,
          kind: 'authenticator',
          role,
          ...(opts.replaces === undefined ? {} : { replaces: opts.replaces }),
          secret: await seal(secret, { userId, deviceId: id }),
          startedAt: at,
          expiresAt: at + policy.enrollmentLifetime * 1000,
          attempts: 0,
        };
        return {
          next: { ...r, pending },
          events: [{ type: 'enrollment-started', kind: 'authenticator', role }],
          result: { id, kind: 'authenticator', role, secret, uri, qrSvg, expiresAt: pending.expiresAt },
        };
      });
    },

    enrollPhone(userId, opts) {
      try {
        checkUserId(userId);
        if (opts === null || typeof opts !== 'object') {
          throw new TwoSvError('INVALID_OPTION', 'options must be an object');
        }
      } catch (err) {
        return Promise.reject(err);
      }
      const kind = opts.kind ?? 'sms';
      if (kind !== 'sms' && kind !== 'voice') {
        return Promise.reject(new TwoSvError('INVALID_OPTION', "kind must be 'sms' or 'voice'"));
      }
      let phone: string;
      try {
        phone = normalizePhone(opts.phone);
      } catch (err) {
        return Promise.reject(err);
      }
      return sendFlow(userId, (record, at, mono, draft) => {
        const r = record ?? emptyRecord();
        requireRecent(r, mono);
        const role = roleFor(r, opts.role, opts.replaces);
        checkCandidate(r, kind, role, phone, opts.replaces);
        const pending: PendingRec = {
          id: draft.id,
          kind,
          role,
          ...(opts.replaces === undefined ? {} : { replaces: opts.replaces }),
          phone,
          hash: codeHash('enrollment', userId, draft.id, draft.code),
          startedAt: at,
          expiresAt: at + policy.code.lifetime * 1000,
          attempts: 0,
        };
        return {
          field: 'pending',
          value: pending,
          base: r,
          channel: kind,
          to: phone,
          purpose: 'enrollment',
          events: [{ type: 'enrollment-started', kind, role, phone: maskPhone(phone) }],
          result: {
            ok: true,
            enrollment: { id: draft.id, kind, role, phone: maskPhone(phone), expiresAt: pending.expiresAt },
          },
        };
      });
    },

    async confirmEnrollment(userId, code) {
      checkUserId(userId);
      const typed = normalizeTypedCode(code);
      return update<ConfirmResult>(userId, async (record, at, mono) => {
        const p = record?.pending;
        if (!record || !p) throw new TwoSvError('ENROLLMENT_NOT_FOUND', 'there is no enrolment to confirm');
        if (at >= p.expiresAt || at < p.startedAt) {
          throw new TwoSvError('ENROLLMENT_EXPIRED', 'the enrolment expired: begin it again');
        }
        if (isLocked(record, mono)) return { result: lockedResult(record) };
        checkCandidate(record, p.kind, p.role, p.phone, p.replaces);
        let step: number | undefined;
        let ok: boolean;
        if (p.kind === 'authenticator') {
          const secret = await open(p.secret!, { userId, deviceId: p.id });
          const match = verifyTotp(typed, secret, { ...totpOptions, at });
          ok = match !== null;
          if (match) step = match.step;
        } else {
          ok = equalConstantTime(codeHash('enrollment', userId, p.id, typed), p.hash!);
        }
        if (!ok) {
          return failure(
            record,
            mono,
            p.attempts,
            (next) => {
              next.pending = null;
            },
            (next, attempts) => {
              next.pending = { ...p, attempts };
            },
            'invalid',
            'enrollment',
            undefined,
          );
        }
        const replaced =
          p.replaces === undefined ? undefined : record.devices.find((d) => d.id === p.replaces);
        const device: DeviceRec = {
          id: p.id,
          kind: p.kind,
          // A replacement takes the role the old device has now: a swap since the enrolment began must not
          // leave two primaries, or none.
          role: replaced ? replaced.role : p.role,
          ...(p.phone === undefined ? {} : { phone: p.phone }),
          ...(p.secret === undefined ? {} : { secret: p.secret }),
          ...(step === undefined ? {} : { lastStep: step }),
          addedAt: mono,
        };
        const devices = [...record.devices.filter((d) => d.id !== p.replaces), device];
        const wasEnabled = record.enabled;
        const enabled = wasEnabled || isSetupComplete(policy, devices);
        const next: UserRecord = {
          ...record,
          devices,
          pending: null,
          enabled,
          challenge: replaced && record.challenge?.deviceId === replaced.id ? null : record.challenge,
          verifiedAt: wasEnabled ? record.verifiedAt : mono,
        };
        const info = deviceInfo(device, true);
        const events: EventBody[] = [
          { type: 'verification-passed', purpose: 'enrollment', deviceId: device.id },
        ];
        events.push(
          replaced
            ? { type: 'device-replaced', device: info, replaced: deviceInfo(replaced, true) }
            : { type: 'device-added', device: info },
        );
        if (enabled && !wasEnabled) events.push({ type: 'two-step-enabled' });
        return { next, events, result: { ok: true, device: info, enabled } };
      });
    },

    beginChallenge(userId, opts = {}) {
      try {
        checkUserId(userId);
        if (opts === null || typeof opts !== 'object') {
          throw new TwoSvError('INVALID_OPTION', 'options must be an object');
        }
      } catch (err) {
        return Promise.reject(err);
      }
      const pick = (record: UserRecord | null): DeviceRec => {
        if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
        if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
        const device =
          opts.deviceId === undefined
            ? record.devices.find((d) => d.role === 'primary')
            : record.devices.find((d) => d.id === opts.deviceId);
        if (!device) throw new TwoSvError('UNKNOWN_DEVICE', 'deviceId must be the id of a confirmed device');
        return device;
      };
      const started = (device: DeviceRec): EventBody => ({
        type: 'challenge-started',
        deviceId: device.id,
        kind: device.kind,
      });
      return (async (): Promise<ChallengeResult> => {
        // Peek to learn the device's kind: an authenticator needs no send.
        const entry = await load(userKey(userId));
        const peek = pick(entry ? parseUser(entry.record) : null);
        if (peek.kind === 'authenticator') {
          const id = randomId(random);
          const result = await update<ChallengeResult | null>(userId, (record, at, mono) => {
            const device = pick(record);
            if (device.kind !== 'authenticator') return { result: null }; // changed meanwhile: send instead
            const r = record!;
            if (isLocked(r, mono)) return { result: lockedResult(r) };
            const challenge: ChallengeRec = {
              id,
              deviceId: device.id,
              startedAt: at,
              expiresAt: at + policy.code.lifetime * 1000,
              attempts: 0,
            };
            const next = copyRecord(r);
            next.challenge = challenge;
            return {
              next,
              events: [started(device)],
              result: {
                ok: true,
                challenge: { deviceId: device.id, kind: device.kind, expiresAt: challenge.expiresAt },
              },
            };
          });
          if (result) return result;
        }
        return sendFlow<ChallengeResult>(userId, (record, at, _mono, draft) => {
          const device = pick(record);
          if (device.kind === 'authenticator') {
            throw new TwoSvError('STORE_CONFLICT', 'the device changed during the challenge; try again');
          }
          const challenge: ChallengeRec = {
            id: draft.id,
            deviceId: device.id,
            hash: codeHash('sign-in', userId, draft.id, draft.code),
            startedAt: at,
            expiresAt: at + policy.code.lifetime * 1000,
            attempts: 0,
          };
          return {
            field: 'challenge',
            value: challenge,
            base: record!,
            channel: device.kind,
            to: device.phone!,
            purpose: 'sign-in',
            events: [started(device)],
            result: {
              ok: true,
              challenge: {
                deviceId: device.id,
                kind: device.kind,
                phone: maskPhone(device.phone!),
                expiresAt: challenge.expiresAt,
              },
            },
          };
        });
      })();
    },

    verify(userId, code) {
      try {
        checkUserId(userId);
      } catch (err) {
        return Promise.reject(err);
      }
      const typed = normalizeTypedCode(code);
      return update<VerifyResult>(userId, (record, at, mono) => {
        if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
        if (isLocked(record, mono)) return { result: lockedResult(record) };
        const challenge = record.challenge;
        const device = challenge && record.devices.find((d) => d.id === challenge.deviceId);
        if (!challenge || !device) return { result: { ok: false, reason: 'no-challenge' } };
        if (at >= challenge.expiresAt || at < challenge.startedAt)
          return { result: { ok: false, reason: 'expired' } };
        const decide = (secret: string | null): Step<VerifyResult> => {
          let step: number | undefined;
          let failed: 'invalid' | 'replayed' | null = null;
          if (secret !== null) {
            const afterStep = device.lastStep ?? -1;
            const match = verifyTotp(typed, secret, {
              algorithm: totpOptions.algorithm,
              digits: totpOptions.digits,
              period: totpOptions.period,
              window: totpOptions.window,
              at,
              afterStep,
            });
            if (match) step = match.step;
            else {
              // Only on failure: was it a correct code already used (or older than the last one used)?
              const any =
                device.lastStep === undefined ? null : verifyTotp(typed, secret, { ...totpOptions, at });
              failed = any && any.step <= afterStep ? 'replayed' : 'invalid';
            }
          } else if (!equalConstantTime(codeHash('sign-in', userId, challenge.id, typed), challenge.hash!)) {
            failed = 'invalid';
          }
          if (failed) {
            return failure(
              record,
              mono,
              challenge.attempts,
              (next) => {
                next.challenge = null;
              },
              (next, attempts) => {
                next.challenge = { ...challenge, attempts };
              },
              failed,
              'sign-in',
              device.id,
            );
          }
          // Field by field, as copyRecord: spreading a frozen store record is slow.
          const used: DeviceRec = {
            id: device.id,
            kind: device.kind,
            role: device.role,
            addedAt: device.addedAt,
          };
          if (device.phone !== undefined) used.phone = device.phone;
          if (device.secret !== undefined) used.secret = device.secret;
          if (step !== undefined) used.lastStep = step;
          else if (device.lastStep !== undefined) used.lastStep = device.lastStep;
          used.lastUsedAt = mono;
          const next = copyRecord(record);
          next.devices = record.devices.map((d) => (d === device ? used : d));
          next.challenge = null;
          next.failures = 0;
          next.verifiedAt = mono;
          next.reverify = false;
          return {
            next,
            events: [{ type: 'verification-passed', purpose: 'sign-in', deviceId: device.id }],
            result: { ok: true, deviceId: device.id, kind: device.kind, verifiedAt: mono },
          };
        };
        if (device.kind !== 'authenticator') return decide(null);
        const opened = open(device.secret!, { userId, deviceId: device.id });
        return typeof opened === 'string' ? decide(opened) : Promise.resolve(opened).then(decide);
      });
    },

    async swapPrimary(userId, deviceId) {
      checkUserId(userId);
      return update(userId, (record, at, mono) => {
        if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
        const backups = record.devices.filter((d) => d.role === 'backup');
        let target = deviceId;
        if (target === undefined) {
          if (backups.length !== 1) {
            throw new TwoSvError(
              backups.length ? 'INVALID_OPTION' : 'NOT_A_BACKUP',
              'deviceId is required unless the user has exactly one backup',
            );
          }
          target = backups[0]!.id;
        }
        requireRecent(record, mono);
        throwRefusal(checkSwapPrimary(policy, record.devices, target));
        const previous = record.devices.find((d) => d.role === 'primary')!;
        const devices = record.devices.map((d): DeviceRec => {
          if (d.id === target) return { ...d, role: 'primary' };
          if (d.id === previous.id) return { ...d, role: 'backup' };
          return d;
        });
        const next = { ...record, devices };
        return {
          next,
          events: [{ type: 'primary-changed', deviceId: target, previousDeviceId: previous.id }],
          result: statusOf(next, at, mono),
        };
      });
    },

    async removeDevice(userId, deviceId) {
      checkUserId(userId);
      return update(userId, (record, at, mono) => {
        if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
        const device = record.devices.find((d) => d.id === deviceId);
        if (!device) throw new TwoSvError('UNKNOWN_DEVICE', 'deviceId must be the id of a confirmed device');
        requireRecent(record, mono);
        throwRefusal(checkRemoveDevice(policy, record.devices, deviceId, record.enabled));
        const next: UserRecord = {
          ...record,
          devices: record.devices.filter((d) => d.id !== deviceId),
          challenge: record.challenge?.deviceId === deviceId ? null : record.challenge,
          pending: record.pending?.replaces === deviceId ? null : record.pending,
        };
        return {
          next,
          events: [{ type: 'device-removed', device: deviceInfo(device, true) }],
          result: statusOf(next, at, mono),
        };
      });
    },

    async disable(userId) {
      checkUserId(userId);
      return update(userId, (record, at, mono) => {
        if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
        if (!record.enabled && record.devices.length === 0 && !record.pending && !record.challenge) {
          return { result: statusOf(record, at, mono) };
        }
        requireRecent(record, mono);
        const next: UserRecord = {
          ...record,
          enabled: false,
          devices: [],
          pending: null,
          challenge: null,
          reverify: false,
        };
        const events: EventBody[] = record.enabled
          ? [{ type: 'two-step-disabled', devices: record.devices.map((d) => deviceInfo(d, true)) }]
          : record.devices.map((d) => ({ type: 'device-removed', device: deviceInfo(d, true) }) as const);
        return { next, events, result: statusOf(next, at, mono) };
      });
    },

    async requireReverification(userId, opts = {}) {
      checkUserId(userId);
      const reason = opts?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) {
        throw new TwoSvError('INVALID_OPTION', 'reason must be a string of at most 200 characters');
      }
      return update(userId, (record, at, mono) => {
        if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
        if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
        // A pending enrolment may be the intruder's device (a replacement begun in the suspect session):
        // it ends too, so it cannot be confirmed once the user has passed the fresh challenge.
        const next: UserRecord = {
          ...record,
          reverify: true,
          verifiedAt: null,
          challenge: null,
          pending: null,
        };
        return {
          next,
          events: [{ type: 'reverification-required', ...(reason === undefined ? {} : { reason }) }],
          result: statusOf(next, at, mono),
        };
      });
    },

    beginContactVerification(userId, contact) {
      let kind: 'email' | 'phone';
      let channel: CodeChannel;
      let value: string;
      try {
        checkUserId(userId);
        if (contact === null || typeof contact !== 'object') {
          throw new TwoSvError('INVALID_OPTION', 'contact must be an object');
        }
        if ('email' in contact) {
          kind = 'email';
          channel = 'email';
          value = normalizeEmail(contact.email);
        } else {
          kind = 'phone';
          channel = contact.channel ?? 'sms';
          if (channel !== 'sms' && channel !== 'voice') {
            throw new TwoSvError('INVALID_OPTION', "channel must be 'sms' or 'voice'");
          }
          value = normalizePhone(contact.phone);
        }
      } catch (err) {
        return Promise.reject(err);
      }
      const masked = maskContact(kind, value);
      return sendFlow(userId, (record, at, _mono, draft) => {
        const pending: ContactPendingRec = {
          id: draft.id,
          kind,
          channel,
          value,
          hash: codeHash('contact', userId, draft.id, draft.code),
          startedAt: at,
          expiresAt: at + policy.code.lifetime * 1000,
          attempts: 0,
        };
        return {
          field: 'contact',
          value: pending,
          base: record ?? emptyRecord(),
          channel,
          to: value,
          purpose: 'contact',
          events: [],
          result: { ok: true, to: masked, expiresAt: pending.expiresAt } as const,
        };
      });
    },

    async confirmContact(userId, code) {
      checkUserId(userId);
      const typed = normalizeTypedCode(code);
      return update<ContactResult>(userId, (record, at, mono) => {
        const c = record?.contact;
        if (!record || !c)
          throw new TwoSvError('CONTACT_NOT_FOUND', 'there is no contact verification to confirm');
        if (at >= c.expiresAt || at < c.startedAt) {
          throw new TwoSvError('CONTACT_EXPIRED', 'the contact verification expired: begin it again');
        }
        if (isLocked(record, mono)) return { result: lockedResult(record) };
        if (!equalConstantTime(codeHash('contact', userId, c.id, typed), c.hash)) {
          return failure(
            record,
            mono,
            c.attempts,
            (next) => {
              next.contact = null;
            },
            (next, attempts) => {
              next.contact = { ...c, attempts };
            },
            'invalid',
            'contact',
            undefined,
          );
        }
        const verified: ContactRec = { kind: c.kind, value: c.value, verifiedAt: mono };
        const info: ContactInfo = { kind: c.kind, masked: maskContact(c.kind, c.value), verifiedAt: mono };
        return {
          next: {
            ...record,
            contact: null,
            contacts: [...record.contacts.filter((x) => x.kind !== c.kind), verified],
          },
          events: [
            { type: 'verification-passed', purpose: 'contact' },
            { type: 'contact-verified', contact: info },
          ],
          result: { ok: true, contact: { ...info, value: c.value } },
        };
      });
    },
  };
  return engine;
}
