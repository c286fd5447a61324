/**
 * The engine's public types: what {@link createTwoStep} takes and returns, the events it reports, and the
 * {@link TwoStep} interface. Re-exported by the package entry as before.
 * @module
 */
import type { DeviceKind, DeviceRole, Policy } from '../policy.js';
import type { OtpauthQrOptions } from '../qr.js';
import type { RandomSource } from '../secret.js';
import type { Store } from '../store.js';

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
  /**
   * The user's language, as the app passed it to the call that sent the code (`'zh-CN'`, `'en'`), for
   * choosing the message's text (see `codeMessageText` in the messages module). Absent when not given.
   */
  readonly locale?: string;
}

/**
 * Delivers a code (an SMS gateway, a voice API, a mailer). It may be async, and runs outside the user's
 * lock (it may call the engine, even for the same user). If it throws, rejects, or does not finish within
 * `policy.senderTimeout` seconds, the engine undoes the send (the previous code is back, the send counters
 * as before) and throws `SENDER_FAILED` with the error as `cause`.
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
  /**
   * Whether the proof passed to {@link TwoStep.status} allows a sensitive change (swap, remove, replace,
   * disable, adding a device, changing or removing an emergency contact) now; `false` without one.
   */
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
  /**
   * The user's recovery codes ({@link TwoStep.issueRecoveryCodes}): how many are left unused and when the
   * set was issued; `null` when none were issued (or 2SV was turned off or reset since).
   */
  readonly recoveryCodes: { readonly remaining: number; readonly issuedAt: number } | null;
  /** How many remembered browsers are live ({@link TwoStep.rememberedBrowsers} lists them). */
  readonly rememberedBrowsers: number;
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
      /** When, ms since the epoch. */
      readonly verifiedAt: number;
      /**
       * The step-up proof of this verification: **keep it in this sign-in session only** (server-side
       * session data, never a URL or a log) and pass it to sensitive changes. Shown once; the engine keeps
       * only its hash. Valid for `policy.recentVerification` seconds, until a lock or
       * {@link TwoStep.requireReverification}.
       */
      readonly proof: string;
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
      readonly limit:
        | 'cooldown'
        | 'user-hour'
        | 'user-day'
        | 'contact-hour'
        | 'contact-day'
        | 'destination-hour'
        | 'destination-day';
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
      /**
       * When this confirmation turned 2SV on: a step-up proof for the session that set it up (see
       * {@link VerifyResult}), so it can go on (add another backup, say) without signing in again.
       */
      readonly proof?: string;
    }
  | VerifyFailure;

/**
 * What {@link TwoStep.issueRecoveryCodes} returns: the new codes, **shown once** (the engine keeps only
 * their keyed hashes). Each is 12 characters from a 32-letter alphabet (60 bits), grouped by dashes:
 * `'k3f9-x2mq-7t4b'`. Typed back, case, spaces and dashes do not matter.
 */
export interface RecoveryCodes {
  readonly codes: readonly string[];
  /** When the set was issued, ms since the epoch; any earlier set stopped working then. */
  readonly issuedAt: number;
}

/** The result of {@link TwoStep.useRecoveryCode}. */
export type RecoveryResult =
  | {
      readonly ok: true;
      /** Unused codes left in the set. */
      readonly remaining: number;
      /** When, ms since the epoch: the start of the "recent verification" window, as for `verify`. */
      readonly verifiedAt: number;
      /** The step-up proof for this sign-in session, as {@link TwoStep.verify} returns it. */
      readonly proof: string;
    }
  | VerifyFailure;

/** A remembered browser as a settings page shows it: never its token. */
export interface RememberedBrowser {
  /** Stable id, for {@link TwoStep.revokeRememberedBrowser}. */
  readonly id: string;
  /** What the app called it when remembering it, e.g. `'Firefox on Windows'`. */
  readonly label: string;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** The last sign-in that skipped the second step with it, ms since the epoch. */
  readonly lastUsedAt?: number;
  /** When it stops working (its token does not live longer, however often rotated), ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Why remembered browsers were revoked: by the user (`'user'`), the app after a password change, 2SV
 * turned off, a device removed or replaced, a support reset, the per-user limit (the oldest goes), or an
 * old token presented again (`'reused'`: a copy of the token was used, so neither copy may go on).
 */
export type BrowserRevokeReason =
  | 'user'
  | 'password-changed'
  | 'disabled'
  | 'device-removed'
  | 'device-replaced'
  | 'reset'
  | 'limit'
  | 'reused';

/** A fresh remember token, **shown once**: set it as a cookie (HttpOnly, Secure, SameSite) and forget it. */
export interface RememberToken {
  readonly ok: true;
  /** The token: random, 256 bits, stored only as a keyed hash. */
  readonly token: string;
  readonly browser: RememberedBrowser;
}

/**
 * The result of {@link TwoStep.useRememberToken}. On `ok: true` the sign-in may skip the second step and
 * the browser must get the new `token` (the presented one stopped working). Otherwise ask for a code:
 * - `'invalid'`: not a token of this user's live browsers (malformed, revoked, or rotated away: an old
 *   token presented again revokes its browser, since a copy of it is in use somewhere).
 * - `'expired'`: its `policy.rememberBrowser.days` are over.
 * - `'reverification-required'`: the app demanded a fresh second step ({@link TwoStep.requireReverification}).
 * - `'locked'`: the user is locked out.
 */
export type RememberResult =
  | RememberToken
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' | 'reverification-required' }
  | { readonly ok: false; readonly reason: 'locked'; readonly lockedUntil: number };

/** Who performed a support reset and why ({@link TwoStep.adminReset}); both go into the event. */
export interface ResetOptions {
  /** The staff member (an id or name of yours), 1 to 200 characters. */
  actor: string;
  /** Why, e.g. a ticket number and the identity check done, 1 to 500 characters. */
  reason: string;
}

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
 * - `enrollment-cancelled`: a pending enrolment was cancelled ({@link TwoStep.cancelEnrollment}).
 * - `recovery-codes-issued`: a new set of recovery codes (`voided`: unused codes of the old set, now void).
 * - `recovery-code-used`: a recovery code signed the user in (with `verification-passed`, purpose
 *   `'recovery'`); `recovery-codes-low` follows when `policy.recoveryCodes.warnAt` or fewer are left.
 * - `two-step-reset`: staff reset the user's 2SV ({@link TwoStep.adminReset}): who, why, what was removed.
 * - `remembered-browser-added` / `remembered-browser-used` / `remembered-browser-revoked` (with why).
 * - `contact-removed`: an emergency contact was removed ({@link TwoStep.removeContact}).
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
  | {
      readonly type: 'primary-changed';
      readonly deviceId: string;
      readonly previousDeviceId: string;
      /** The new primary, as shown (masked). */
      readonly device: DeviceInfo;
      /** The previous primary, now a backup. */
      readonly previous: DeviceInfo;
    }
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
  | {
      readonly type: 'verification-passed';
      readonly purpose: CodePurpose | 'recovery';
      readonly deviceId?: string;
    }
  | {
      readonly type: 'verification-failed';
      readonly purpose: CodePurpose | 'recovery';
      readonly reason: 'invalid' | 'attempts-exhausted';
      readonly deviceId?: string;
      readonly failures: number;
    }
  | { readonly type: 'replay-refused'; readonly deviceId: string; readonly failures: number }
  | { readonly type: 'locked'; readonly until: number; readonly failures: number }
  | { readonly type: 'reverification-required'; readonly reason?: string }
  | { readonly type: 'contact-verified'; readonly contact: ContactInfo }
  | { readonly type: 'enrollment-cancelled'; readonly kind: DeviceKind; readonly role: DeviceRole }
  | { readonly type: 'recovery-codes-issued'; readonly count: number; readonly voided: number }
  | { readonly type: 'recovery-code-used'; readonly remaining: number }
  | { readonly type: 'recovery-codes-low'; readonly remaining: number }
  | {
      readonly type: 'two-step-reset';
      readonly actor: string;
      readonly reason: string;
      readonly devices: readonly DeviceInfo[];
      readonly recoveryCodes: number;
    }
  | { readonly type: 'remembered-browser-added'; readonly browser: RememberedBrowser }
  | { readonly type: 'remembered-browser-used'; readonly browser: RememberedBrowser }
  | {
      readonly type: 'remembered-browser-revoked';
      readonly browser: RememberedBrowser;
      readonly reason: BrowserRevokeReason;
    }
  | { readonly type: 'contact-removed'; readonly contact: ContactInfo };

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
  /**
   * The region of phone numbers written without `+` and a country code (`'CN'`, `'GB'`), for enrolled
   * phones and phone contacts; see {@link PhoneOptions}. **(Optional)** Without it, numbers must be written
   * internationally. An engine option rather than a policy field: it says how your users write numbers,
   * not what they may do.
   */
  defaultRegion?: string;
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
  /** The session's step-up proof: required while 2SV is on. **(Optional)** */
  proof?: string | undefined;
  /** Kept in the activity log. **(Optional)** */
  context?: ActivityContext | undefined;
}

/**
 * Options of the calls that may send a code.
 *
 * @example A Chinese user's sign-in code, in Chinese
 * ```ts
 * const messages = createMessages({ brand: { en: 'ACME', 'zh-CN': '淘宝卖家' } });
 * const texts: string[] = [];
 * const twoStep = createTwoStep({
 *   policy: definePolicy({ requireBackup: false }),
 *   sender: (message) => {
 *     texts.push(messages.codeText(message));
 *   },
 * });
 * await twoStep.enrollPhone('li', { phone: '+86 138 0013 8000', locale: 'zh-CN' });
 * texts[0]?.startsWith('【淘宝卖家】'); // true
 * ```
 */
export interface SendOptions {
  /**
   * The user's language (a BCP 47 tag such as `'zh-CN'` or `'en'`), carried on the {@link CodeMessage} so
   * the sender can write the message in it. **(Optional)**
   */
  locale?: string;
}

/** Options of {@link TwoStep.enrollPhone}. */
export interface EnrollPhoneOptions extends SendOptions {
  /**
   * The number, as typed: see {@link normalizePhone} (numbers written nationally are read in the engine's
   * `defaultRegion`). An SMS phone must be a number that can take texts: one that can only be a fixed line
   * is refused with `PHONE_CHANNEL_UNSUPPORTED` (enrol it as `'voice'`).
   */
  phone: string;
  /** **(Optional)** Defaults to `'sms'`. */
  kind?: 'sms' | 'voice';
  /** **(Optional)** Defaults to `'primary'` when the user has none, else `'backup'`. */
  role?: DeviceRole;
  /** Replace this device on confirmation; the new one takes its role. **(Optional)** */
  replaces?: string;
  /** The session's step-up proof: required while 2SV is on. **(Optional)** */
  proof?: string | undefined;
  /** Kept in the activity log. **(Optional)** */
  context?: ActivityContext | undefined;
}

/**
 * What the app tells the activity log about a call: who made it from where, and why. Each field is
 * optional, a string without control characters: `ip` at most 64 characters, `userAgent` 512, `reason`
 * 200 (longer is `INVALID_OPTION`: truncate before passing). Never put a secret, a code or a full phone
 * number or address here: it is shown on the user's activity page.
 */
export interface ActivityContext {
  readonly ip?: string;
  readonly userAgent?: string;
  readonly reason?: string;
}

/** Options of calls that log a change. */
export interface ContextOptions {
  /** Kept with the change in the activity log. **(Optional)** */
  context?: ActivityContext | undefined;
}

/**
 * Options of a sensitive change (swap, remove, disable; adding a device takes the same two fields in its
 * own options).
 */
export interface SensitiveOptions extends ContextOptions {
  /**
   * The step-up proof that {@link TwoStep.verify} returned in **this** sign-in session. Required while
   * 2SV is on; without a valid one the change is refused with `VERIFICATION_REQUIRED`.
   */
  proof?: string | undefined;
}

/**
 * One entry of a user's activity log ({@link TwoStep.activity}): the event the change reported to
 * `onEvent`, with its number (`seq`, increasing), time and the context the app passed. A burst of failed
 * codes is one `codes-failed` entry: `count` failures from `since` to `at`. The lock that may end it is
 * its own `locked` entry, whose `until` is when the lock ends. Never a secret, a code, a hash of one, or a
 * full phone number or address: devices and contacts are masked as in events.
 */
export type ActivityEntry = {
  readonly seq: number;
  readonly at: number;
  readonly context?: ActivityContext;
} & (
  | Extract<
      EventBody,
      {
        readonly type:
          | 'enrollment-started'
          | 'device-added'
          | 'device-replaced'
          | 'device-removed'
          | 'primary-changed'
          | 'two-step-enabled'
          | 'two-step-disabled'
          | 'locked'
          | 'reverification-required'
          | 'contact-verified'
          | 'contact-removed'
          | 'enrollment-cancelled'
          | 'recovery-codes-issued'
          | 'recovery-code-used'
          | 'recovery-codes-low'
          | 'two-step-reset'
          | 'remembered-browser-added'
          | 'remembered-browser-revoked';
      }
    >
  | { readonly type: 'codes-failed'; readonly count: number; readonly since: number }
);

/** One page of the activity log, newest first. */
export interface ActivityPage {
  readonly entries: readonly ActivityEntry[];
  /** Pass as `before` for the next (older) page; `null` when there is none. */
  readonly next: number | null;
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
  /**
   * The user's 2SV state for a settings page or sign-in flow. A user with no record is simply off. Pass
   * the session's proof to learn whether it still allows sensitive changes (`recentlyVerified`).
   */
  status(userId: string, options?: { proof?: string | undefined }): Promise<TwoStepStatus>;
  /** Begins enrolling an authenticator app: returns the secret, URI and QR code to show. */
  enrollAuthenticator(userId: string, options: EnrollAuthenticatorOptions): Promise<AuthenticatorEnrollment>;
  /** Begins enrolling a phone: sends a code to it. Calling it again resends (a new code). */
  enrollPhone(
    userId: string,
    options: EnrollPhoneOptions,
  ): Promise<{ readonly ok: true; readonly enrollment: PhoneEnrollment } | SendRefusal>;
  /** Confirms the pending enrolment with the code the user typed. */
  confirmEnrollment(userId: string, code: string, options?: ContextOptions): Promise<ConfirmResult>;
  /** Begins a sign-in challenge on the primary, or on `deviceId`; ends any other. Sends a code to phones. */
  beginChallenge(userId: string, options?: { deviceId?: string } & SendOptions): Promise<ChallengeResult>;
  /** Checks the code of the open challenge; a pass returns the session's step-up `proof`. */
  verify(userId: string, code: string, options?: ContextOptions): Promise<VerifyResult>;
  /**
   * Makes a backup (`deviceId`, or the only backup) the primary, and the primary a backup. Needs the
   * session's proof while 2SV is on.
   */
  swapPrimary(userId: string, options?: SensitiveOptions & { deviceId?: string }): Promise<TwoStepStatus>;
  /** Removes a confirmed device. Needs the session's proof while 2SV is on. */
  removeDevice(userId: string, deviceId: string, options?: SensitiveOptions): Promise<TwoStepStatus>;
  /** Turns 2SV off and forgets every device. Needs the session's proof while 2SV is on. */
  disable(userId: string, options?: SensitiveOptions): Promise<TwoStepStatus>;
  /**
   * Demands a fresh second step at the next sign-in (after an abnormal sign-in). Ends the open challenge,
   * any pending enrolment and any pending contact check; sensitive changes wait for the fresh verification.
   */
  requireReverification(
    userId: string,
    options?: { reason?: string; context?: ActivityContext },
  ): Promise<TwoStepStatus>;
  /**
   * Sends a one-time code to an emergency contact. Once 2SV is on, changing a contact is a sensitive change:
   * it needs the session's step-up `proof`, and is refused while locked or during a re-verification demand
   * (`LOCKED`, `VERIFICATION_REQUIRED`). Counted against `policy.sendLimits.contact`, not the sign-in caps.
   */
  beginContactVerification(
    userId: string,
    contact: ContactInput,
    options?: SendOptions & SensitiveOptions,
  ): Promise<{ readonly ok: true; readonly to: string; readonly expiresAt: number } | SendRefusal>;
  /**
   * Confirms the pending contact verification with the code the user typed; the contact replaces any of its
   * kind. A sensitive change, as {@link TwoStep.beginContactVerification}: pass the session's `proof`.
   */
  confirmContact(userId: string, code: string, options?: SensitiveOptions): Promise<ContactResult>;
  /**
   * Removes the user's verified contact of `kind` (and a pending check of that kind). A sensitive change.
   * @throws `CONTACT_NOT_FOUND`, `LOCKED`, `VERIFICATION_REQUIRED`.
   */
  removeContact(userId: string, kind: 'email' | 'phone', options?: SensitiveOptions): Promise<TwoStepStatus>;
  /**
   * Deletes everything the engine keeps about the user (devices, secrets, codes, proofs, remembered
   * browsers, the activity log) through `Store.delete`, for account deletion or a privacy request. Needs
   * no verification: the app decides who may delete an account. Per-destination send counters are not the
   * user's and stay until they expire. Resolves `true` if there was a record.
   */
  deleteUser(userId: string): Promise<boolean>;
  /**
   * Ends the pending enrolment, if any (the QR code or sent code stops working). Needs no verification;
   * `context` (IP address, user agent) goes into the activity log with the cancellation.
   */
  cancelEnrollment(userId: string, options?: ContextOptions): Promise<TwoStepStatus>;
  /**
   * Issues a new set of `policy.recoveryCodes.count` recovery codes, voiding the old set. A sensitive
   * change: needs this session's step-up `proof`, and at least one confirmed device.
   */
  issueRecoveryCodes(userId: string, options?: SensitiveOptions): Promise<RecoveryCodes>;
  /**
   * Checks a recovery code as the second step of a sign-in, in place of a device code (no challenge
   * needed). Each code works once; a wrong one counts toward the lock like any wrong code. A right one
   * returns a step-up `proof`, as {@link TwoStep.verify} does, so the user can replace lost devices.
   */
  useRecoveryCode(userId: string, code: string, options?: ContextOptions): Promise<RecoveryResult>;
  /**
   * Support staff's reset, needing no verification by the user: removes every device, recovery code,
   * challenge, pending enrolment, remembered browser and lock, so the user enrols afresh. Verified
   * contacts and send counters stay. Check the user's identity first: that is the app's job.
   */
  adminReset(userId: string, options: ResetOptions & ContextOptions): Promise<TwoStepStatus>;
  /**
   * After a successful sign-in verification, remembers this browser: returns its token, shown once. Needs
   * the step-up `proof` that verification returned in this session.
   */
  rememberBrowser(userId: string, options: { label: string } & SensitiveOptions): Promise<RememberToken>;
  /** A sign-in presenting a remember token: skips the second step if valid, and rotates the token. */
  useRememberToken(userId: string, token: string): Promise<RememberResult>;
  /** The user's live remembered browsers, oldest first. */
  rememberedBrowsers(userId: string): Promise<readonly RememberedBrowser[]>;
  /** Revokes one remembered browser; returns those left. `context` goes into the activity log. */
  revokeRememberedBrowser(
    userId: string,
    browserId: string,
    options?: ContextOptions,
  ): Promise<readonly RememberedBrowser[]>;
  /**
   * Revokes every remembered browser of the user (say `'password-changed'` after a password change).
   * `context` goes into the activity log.
   */
  revokeRememberedBrowsers(
    userId: string,
    options?: { reason?: 'user' | 'password-changed' } & ContextOptions,
  ): Promise<readonly RememberedBrowser[]>;
  /**
   * A page of the user's activity log, newest first: `limit` entries (1 to 100, default 20) numbered
   * below `before` (the previous page's `next`). For a "Review recent activity" settings page.
   */
  activity(userId: string, options?: { limit?: number; before?: number }): Promise<ActivityPage>;
}
