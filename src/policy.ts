/**
 * The 2SV enrolment policy as pure data and pure functions: which devices may be primary and backup, code
 * lifetimes, attempt limits, lockout, send throttling, and checks that say why an action is refused.
 * @module
 */
import { TwoSvError, type TwoSvErrorCode } from './errors.js';
import type { Algorithm } from './hotp.js';
import { normalizePhone } from './phone.js';

/**
 * A kind of second-step device.
 * - `'authenticator'`: an authenticator app (TOTP, RFC 6238); works without phone service.
 * - `'sms'`: an SMS-capable phone that receives codes by text message.
 * - `'voice'`: a voice-capable phone (a landline, say) that receives codes by a call.
 *
 * SMS and voice are *restricted* authenticators in NIST SP 800-63B §5.1.3.3: a policy may forbid them as
 * primary, and the engine's status says when a user relies on phones alone.
 */
export type DeviceKind = 'authenticator' | 'sms' | 'voice';

/** The role of a device: each user has one primary and up to {@link Policy.maxBackups} backups. */
export type DeviceRole = 'primary' | 'backup';

/**
 * Every {@link DeviceKind}, in display order.
 *
 * @example
 * ```ts
 * DEVICE_KINDS; // ['authenticator', 'sms', 'voice']
 * DEVICE_KINDS.filter((kind) => isPrimaryKind(defaultPolicy, kind)); // ['authenticator', 'sms']
 * ```
 */
export const DEVICE_KINDS: readonly DeviceKind[] = /* @__PURE__ */ Object.freeze([
  'authenticator',
  'sms',
  'voice',
] as const);

/**
 * The complete 2SV policy. Durations are in **seconds**; build one with {@link definePolicy}, which checks
 * it, or use {@link defaultPolicy}.
 */
export interface Policy {
  /**
   * The device table: each key is a kind allowed as primary, its value the kinds that may back it up. A kind
   * that is not a key may not be primary. Defaults to the brief's table: an SMS phone is backed up by a voice
   * phone, another SMS phone or an authenticator app; an authenticator app by an SMS or a voice phone; a
   * voice phone may not be primary.
   */
  readonly table: Readonly<Partial<Record<DeviceKind, readonly DeviceKind[]>>>;
  /** How many backups a user may have, 0 to 10. Defaults to `1`. */
  readonly maxBackups: number;
  /**
   * Whether 2SV turns on only once a backup is confirmed (so a lost primary never locks the user out).
   * Defaults to `true`; with `false` it turns on with the confirmed primary.
   */
  readonly requireBackup: boolean;
  /** Codes sent by SMS, voice or e-mail. */
  readonly code: {
    /** Length, 6 to 10 (NIST SP 800-63B §5.1.3.1: at least 6 digits). Defaults to `6`. */
    readonly digits: number;
    /** Seconds a sent code stays valid, 30 to 3600. Defaults to `600` (10 minutes, NIST's maximum). */
    readonly lifetime: number;
  };
  /** Authenticator apps. Apps agree on these defaults; change them only for apps that honour the URI. */
  readonly totp: {
    /** Defaults to `'SHA1'`. */
    readonly algorithm: Algorithm;
    /** Defaults to `6`. */
    readonly digits: number;
    /** Step length in seconds, 15 to 300. Defaults to `30`. */
    readonly period: number;
    /** Steps accepted either side of the current one, 0 to 10. Defaults to `1` (RFC 6238 §5.2). */
    readonly window: number;
  };
  /**
   * Seconds a pending enrolment (a QR code waiting to be scanned and confirmed, or a phone waiting for its
   * code) stays open, 60 to 86400. Defaults to `900` (15 minutes).
   */
  readonly enrollmentLifetime: number;
  /**
   * Wrong codes allowed for one code (one challenge, enrolment or contact check) before it ends and a new
   * one must be begun, 1 to {@link Policy.lockout}`.failures`. Defaults to `5`.
   */
  readonly attemptsPerCode: number;
  /**
   * Locking a user after consecutive failures, counted per user across challenges, resends, devices,
   * enrolments and contact checks (RFC 4226 §7.3), reset only by a success.
   *
   * NIST SP 800-63B §5.2.2 requires that no more than 100 consecutive failed attempts be possible on one
   * account and allows throttling instead of a permanent lock. The defaults let 10 failures through, then
   * lock for 15 minutes; each further lock without a success in between doubles, up to 24 hours. So a
   * guesser gets 10 tries per lock, and 100 consecutive failures take more than three days; against a
   * 6-digit code (a TOTP window of 1 accepts 3 codes) 100 guesses succeed with probability under 0.03%.
   * A lock always ends (at most `maxDuration`), so an attacker cannot lock a user out for good with one
   * burst, and a clock that moves backwards never shortens it.
   */
  readonly lockout: {
    /** Consecutive failures that trigger a lock, 1 to 100. Defaults to `10`. */
    readonly failures: number;
    /** Seconds of the first lock, 1 to `maxDuration`. Defaults to `900` (15 minutes). */
    readonly duration: number;
    /** Longest lock in seconds; each repeated lock doubles up to this. Defaults to `86400` (24 hours). */
    readonly maxDuration: number;
  };
  /**
   * Seconds a step-up proof stays valid for a sensitive change (swap, remove, replace, disable, adding a
   * device while 2SV is on), 30 to 86400. Defaults to `600` (10 minutes).
   *
   * A proof is bound to the sign-in session that earned it: `verify` returns it, the app keeps it in that
   * session only, and a sensitive change must present it. Another session of the same user cannot use it.
   */
  readonly recentVerification: number;
  /**
   * Step-up proofs a user may hold at once (one per signed-in session that verified recently), 1 to 100.
   * Defaults to `10`. A new proof beyond this ends the oldest.
   */
  readonly maxProofs: number;
  /** Entries kept in a user's activity log (the newest), 1 to 1000. Defaults to `100`. */
  readonly activityLimit: number;
  /**
   * Throttling of sent codes, which cost money and invite abuse (SMS pumping). A refused send never calls
   * the sender.
   */
  readonly sendLimits: {
    /** Seconds between two sends to one user, 0 to 3600. Defaults to `30`. */
    readonly cooldown: number;
    /** Sends to one user in any hour and any day. Defaults to `{ hour: 5, day: 10 }`. */
    readonly perUser: { readonly hour: number; readonly day: number };
    /**
     * Sends to one phone number or e-mail address, across all users, in any hour and any day. Defaults to
     * `{ hour: 5, day: 10 }`.
     */
    readonly perDestination: { readonly hour: number; readonly day: number };
    /**
     * Codes sent to check a user's emergency contacts, in any hour and any day, counted apart from the
     * sends above so that checking contacts never uses up the user's sign-in sends (the cooldown applies
     * to both). Defaults to `{ hour: 3, day: 5 }`.
     */
    readonly contact: { readonly hour: number; readonly day: number };
  };
  /**
   * One-time recovery codes, for a user who has lost every device ({@link TwoStep.issueRecoveryCodes}).
   * Each code works once, in place of a device code at sign-in.
   */
  readonly recoveryCodes: {
    /** Whether users may have recovery codes. Defaults to `true`. */
    readonly enabled: boolean;
    /** Codes in a set, 1 to 50. Defaults to `10`. */
    readonly count: number;
    /**
     * A `recovery-codes-low` event fires when a use leaves this many codes or fewer, 0 to 50 (at `count` or
     * above, every use warns). Defaults to `3`.
     */
    readonly warnAt: number;
  };
  /**
   * Remembered browsers ("don't ask again on this computer", {@link TwoStep.rememberBrowser}): a sign-in
   * that presents a valid remember token skips the second step.
   */
  readonly rememberBrowser: {
    /** Whether apps may remember browsers. Defaults to `true`. */
    readonly enabled: boolean;
    /** Days a remember token lives from its issue (rotation does not extend it), 1 to 400. Defaults to `30`. */
    readonly days: number;
    /** Remembered browsers per user, 1 to 100; the oldest is revoked first. Defaults to `10`. */
    readonly max: number;
  };
  /**
   * Seconds the engine waits for the app's sender before it counts the send as failed, 1 to 300: the send is
   * undone (the previous code is back, nothing counted) and `SENDER_FAILED` thrown. The sender runs outside
   * the user's lock, so a slow gateway delays only that request. Defaults to `30`.
   */
  readonly senderTimeout: number;
}

/** A partial {@link Policy} for {@link definePolicy}: every field optional, at every depth. */
export interface PolicyInput {
  readonly table?: Policy['table'];
  readonly maxBackups?: number;
  readonly requireBackup?: boolean;
  readonly code?: Partial<Policy['code']>;
  readonly totp?: Partial<Policy['totp']>;
  readonly enrollmentLifetime?: number;
  readonly attemptsPerCode?: number;
  readonly lockout?: Partial<Policy['lockout']>;
  readonly recentVerification?: number;
  readonly maxProofs?: number;
  readonly activityLimit?: number;
  readonly sendLimits?: {
    readonly cooldown?: number;
    readonly perUser?: Partial<Policy['sendLimits']['perUser']>;
    readonly perDestination?: Partial<Policy['sendLimits']['perDestination']>;
    readonly contact?: Partial<Policy['sendLimits']['contact']>;
  };
  readonly recoveryCodes?: Partial<Policy['recoveryCodes']>;
  readonly rememberBrowser?: Partial<Policy['rememberBrowser']>;
  readonly senderTimeout?: number;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The policy of the product brief, with defaults that meet NIST SP 800-63B. See {@link Policy} for each
 * value and why.
 *
 * @example
 * ```ts
 * defaultPolicy.table.sms; // ['voice', 'sms', 'authenticator']
 * defaultPolicy.table.voice; // undefined: a voice phone may not be primary
 * defaultPolicy.lockout; // { failures: 10, duration: 900, maxDuration: 86400 }
 * ```
 */
export const defaultPolicy: Policy = /* @__PURE__ */ deepFreeze({
  table: { sms: ['voice', 'sms', 'authenticator'], authenticator: ['sms', 'voice'] },
  maxBackups: 1,
  requireBackup: true,
  code: { digits: 6, lifetime: 600 },
  totp: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
  enrollmentLifetime: 900,
  attemptsPerCode: 5,
  lockout: { failures: 10, duration: 900, maxDuration: 86_400 },
  recentVerification: 600,
  maxProofs: 10,
  activityLimit: 100,
  sendLimits: {
    cooldown: 30,
    perUser: { hour: 5, day: 10 },
    perDestination: { hour: 5, day: 10 },
    contact: { hour: 3, day: 5 },
  },
  senderTimeout: 30,
  recoveryCodes: { enabled: true, count: 10, warnAt: 3 },
  rememberBrowser: { enabled: true, days: 30, max: 10 },
} satisfies Policy);

function bad(message: string): never {
  throw new TwoSvError('INVALID_POLICY', message);
}

function int(value: unknown, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    bad(`${name} must be an integer from ${min} to ${max}`);
  }
  return value as number;
}

function obj(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(`${name} must be an object`);
  return value as Record<string, unknown>;
}

/** A group of a {@link PolicyInput} that checkShape let through: an object, or absent. */
function group(value: unknown): Record<string, unknown> {
  return (value ?? {}) as Record<string, unknown>;
}

function isKind(value: unknown): value is DeviceKind {
  return value === 'authenticator' || value === 'sms' || value === 'voice';
}

function checkTable(value: unknown): Policy['table'] {
  const input = obj(value, 'table');
  const table: Partial<Record<DeviceKind, DeviceKind[]>> = {};
  for (const key of Object.keys(input)) {
    if (!isKind(key)) bad('table keys must be device kinds');
    const backups = input[key];
    if (backups === undefined) continue;
    if (!Array.isArray(backups) || !backups.every(isKind))
      bad(`table.${key} must be an array of device kinds`);
    if (new Set(backups).size !== backups.length) bad(`table.${key} must not repeat a kind`);
    table[key] = [...backups];
  }
  if (Object.keys(table).length === 0) bad('table must allow at least one kind as primary');
  return table;
}

/**
 * Builds a complete, checked and frozen {@link Policy}: every field not given is taken from `base`
 * (default {@link defaultPolicy}), nested objects field by field. `table`, when given, replaces the whole
 * table.
 *
 * @param input - the fields to change.
 * @param base - the policy to start from, complete (as {@link validatePolicy} wants it, though only the
 *   values that end up in the result are range-checked). **(Optional)** Defaults to {@link defaultPolicy}.
 * @returns the frozen policy.
 * @throws {@link TwoSvError} `INVALID_POLICY` for an unknown field (a misspelt `lockout.durationn` would
 *   otherwise silently not apply), a field set to `null` (leave it out for the default), a value out of
 *   range or a contradiction: no primary kind,
 *   a backup required but none allowed (`maxBackups: 0`, or a primary kind with no backup kinds), more
 *   attempts per code than failures before a lock, a first lock longer than the longest, an hourly send cap
 *   above the daily one.
 *
 * @example Authenticator apps only as primary (phones are NIST-restricted), two backups
 * ```ts
 * const policy = definePolicy({ table: { authenticator: ['sms', 'voice'] }, maxBackups: 2 });
 * ```
 * @example Stricter lockout, shorter codes' lifetime
 * ```ts
 * definePolicy({ lockout: { failures: 5 }, code: { lifetime: 300 } }).lockout;
 * // { failures: 5, duration: 900, maxDuration: 86400 }
 * ```
 * @example A contradiction
 * ```ts
 * try {
 *   definePolicy({ maxBackups: 0 });
 * } catch (err) {
 *   console.log(err instanceof TwoSvError && err.code); // 'INVALID_POLICY'
 *   console.log((err as Error).message); // 'requireBackup needs maxBackups >= 1'
 * }
 * ```
 * @example A misspelt field, as from a configuration file, is refused rather than dropped
 * ```ts
 * try {
 *   definePolicy(JSON.parse('{ "lockout": { "durationn": 60 } }'));
 * } catch (err) {
 *   console.log((err as Error).message); // 'lockout.durationn is not a policy field'
 * }
 * ```
 */
export function definePolicy(input: PolicyInput = {}, base: Policy = defaultPolicy): Policy {
  if (base !== defaultPolicy) checkShape(base, SHAPE, 'base.');
  checkShape(input, SHAPE, '', true);
  // checkShape refused unknown fields and groups that are not objects: each group is an object or absent.
  const i = input as PolicyInput;
  const code = group(i.code);
  const totp = group(i.totp);
  const lockout = group(i.lockout);
  const limits = group(i.sendLimits);
  const perUser = group(limits.perUser);
  const perDestination = group(limits.perDestination);
  const recovery = group(i.recoveryCodes);
  const remember = group(i.rememberBrowser);
  const recoveryOn = recovery.enabled ?? base.recoveryCodes.enabled;
  if (typeof recoveryOn !== 'boolean') bad('recoveryCodes.enabled must be a boolean');
  const rememberOn = remember.enabled ?? base.rememberBrowser.enabled;
  if (typeof rememberOn !== 'boolean') bad('rememberBrowser.enabled must be a boolean');
  const contact = group(limits.contact);
  const requireBackup = i.requireBackup ?? base.requireBackup;
  if (typeof requireBackup !== 'boolean') bad('requireBackup must be a boolean');
  const algorithm = totp.algorithm ?? base.totp.algorithm;
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512') {
    bad("totp.algorithm must be 'SHA1', 'SHA256' or 'SHA512'");
  }
  const policy: Policy = {
    table: checkTable(i.table ?? base.table),
    maxBackups: int(i.maxBackups ?? base.maxBackups, 'maxBackups', 0, 10),
    requireBackup,
    code: {
      digits: int(code.digits ?? base.code.digits, 'code.digits', 6, 10),
      lifetime: int(code.lifetime ?? base.code.lifetime, 'code.lifetime', 30, 3600),
    },
    totp: {
      algorithm,
      digits: int(totp.digits ?? base.totp.digits, 'totp.digits', 6, 10),
      period: int(totp.period ?? base.totp.period, 'totp.period', 15, 300),
      window: int(totp.window ?? base.totp.window, 'totp.window', 0, 10),
    },
    enrollmentLifetime: int(
      i.enrollmentLifetime ?? base.enrollmentLifetime,
      'enrollmentLifetime',
      60,
      86_400,
    ),
    attemptsPerCode: int(i.attemptsPerCode ?? base.attemptsPerCode, 'attemptsPerCode', 1, 100),
    lockout: {
      failures: int(lockout.failures ?? base.lockout.failures, 'lockout.failures', 1, 100),
      duration: int(lockout.duration ?? base.lockout.duration, 'lockout.duration', 1, 31_536_000),
      maxDuration: int(lockout.maxDuration ?? base.lockout.maxDuration, 'lockout.maxDuration', 1, 31_536_000),
    },
    recentVerification: int(
      i.recentVerification ?? base.recentVerification,
      'recentVerification',
      30,
      86_400,
    ),
    maxProofs: int(i.maxProofs ?? base.maxProofs, 'maxProofs', 1, 100),
    activityLimit: int(i.activityLimit ?? base.activityLimit, 'activityLimit', 1, 1000),
    sendLimits: {
      cooldown: int(limits.cooldown ?? base.sendLimits.cooldown, 'sendLimits.cooldown', 0, 3600),
      perUser: {
        hour: int(perUser.hour ?? base.sendLimits.perUser.hour, 'sendLimits.perUser.hour', 1, 1000),
        day: int(perUser.day ?? base.sendLimits.perUser.day, 'sendLimits.perUser.day', 1, 10_000),
      },
      perDestination: {
        hour: int(
          perDestination.hour ?? base.sendLimits.perDestination.hour,
          'sendLimits.perDestination.hour',
          1,
          1000,
        ),
        day: int(
          perDestination.day ?? base.sendLimits.perDestination.day,
          'sendLimits.perDestination.day',
          1,
          10_000,
        ),
      },
      contact: {
        hour: int(contact.hour ?? base.sendLimits.contact.hour, 'sendLimits.contact.hour', 1, 1000),
        day: int(contact.day ?? base.sendLimits.contact.day, 'sendLimits.contact.day', 1, 10_000),
      },
    },
    recoveryCodes: {
      enabled: recoveryOn,
      count: int(recovery.count ?? base.recoveryCodes.count, 'recoveryCodes.count', 1, 50),
      warnAt: int(recovery.warnAt ?? base.recoveryCodes.warnAt, 'recoveryCodes.warnAt', 0, 50),
    },
    rememberBrowser: {
      enabled: rememberOn,
      days: int(remember.days ?? base.rememberBrowser.days, 'rememberBrowser.days', 1, 400),
      max: int(remember.max ?? base.rememberBrowser.max, 'rememberBrowser.max', 1, 100),
    },
    senderTimeout: int(i.senderTimeout ?? base.senderTimeout, 'senderTimeout', 1, 300),
  };
  if (policy.requireBackup) {
    if (policy.maxBackups === 0) bad('requireBackup needs maxBackups >= 1');
    for (const [kind, backups] of Object.entries(policy.table)) {
      if (backups.length === 0) bad(`requireBackup needs at least one backup kind for table.${kind}`);
    }
  }
  if (policy.attemptsPerCode > policy.lockout.failures) {
    bad('attemptsPerCode must not exceed lockout.failures');
  }
  if (policy.lockout.duration > policy.lockout.maxDuration) {
    bad('lockout.duration must not exceed lockout.maxDuration');
  }
  if (policy.sendLimits.perUser.hour > policy.sendLimits.perUser.day) {
    bad('sendLimits.perUser.hour must not exceed sendLimits.perUser.day');
  }
  if (policy.sendLimits.perDestination.hour > policy.sendLimits.perDestination.day) {
    bad('sendLimits.perDestination.hour must not exceed sendLimits.perDestination.day');
  }
  if (policy.sendLimits.contact.hour > policy.sendLimits.contact.day) {
    bad('sendLimits.contact.hour must not exceed sendLimits.contact.day');
  }
  const frozen = deepFreeze(policy);
  checked.add(frozen);
  return frozen;
}

/**
 * The policies {@link definePolicy} built: checked and deeply frozen, so still valid, and
 * {@link validatePolicy} returns them as they are (an app comparing `twoStep.policy` to its own keeps
 * identity).
 */
const checked = new WeakSet<Policy>();

/** Every field of a {@link Policy}: `true` for a leaf, a nested shape for an object. */
type Shape = { readonly [key: string]: true | Shape };
const SHAPE: Shape = {
  table: true,
  maxBackups: true,
  requireBackup: true,
  code: { digits: true, lifetime: true },
  totp: { algorithm: true, digits: true, period: true, window: true },
  enrollmentLifetime: true,
  attemptsPerCode: true,
  lockout: { failures: true, duration: true, maxDuration: true },
  recentVerification: true,
  maxProofs: true,
  activityLimit: true,
  sendLimits: {
    cooldown: true,
    perUser: { hour: true, day: true },
    perDestination: { hour: true, day: true },
    contact: { hour: true, day: true },
  },
  recoveryCodes: { enabled: true, count: true, warnAt: true },
  rememberBrowser: { enabled: true, days: true, max: true },
  senderTimeout: true,
};

/**
 * Refuses a missing field (own property, not `undefined`) or an unknown one, at every depth. `partial` (a
 * {@link PolicyInput}) lets any field be missing or `undefined` and refuses only unknown ones.
 */
function checkShape(value: unknown, shape: Shape, path: string, partial = false): void {
  const name = path === '' ? 'policy' : path.slice(0, -1);
  if (partial && value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(`${name} must be an object`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(shape)) {
    if (!partial && (!Object.hasOwn(record, key) || record[key] === undefined))
      bad(`${path}${key} is required`);
    const inner = shape[key];
    // A null (as a JSON configuration file writes "no value") is not taken for "the default": leave it out.
    if (partial && inner === true && record[key] === null) {
      bad(`${path}${key} must not be null (leave it out for the default)`);
    }
    if (inner !== true) checkShape(record[key], inner!, `${path}${key}.`, partial);
  }
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(shape, key)) bad(`${path}${key} is not a policy field`);
  }
}

/**
 * Checks a complete policy object, however it was made (by hand, spread from {@link defaultPolicy}, parsed
 * from a configuration file), as strictly as {@link definePolicy} checks its result, and returns a frozen
 * copy. Every field must be present, at every depth: nothing is filled in from a default, since a field
 * left out of a hand-written policy is a mistake, not a wish for the default (use {@link definePolicy} for
 * that). Unknown fields are refused too: a misspelt limit would otherwise silently not apply.
 *
 * The engine checks its policy with it, so a broken policy is refused when the engine is created instead of
 * turning lock arithmetic into `NaN` at the first wrong code.
 *
 * @param policy - the policy to check.
 * @returns {@link defaultPolicy} and policies from {@link definePolicy} as they are (already checked, and
 *   frozen, so they cannot have changed); any other object as a frozen copy, equal field by field, so
 *   later changes to the object do not reach the copy.
 * @throws {@link TwoSvError} `INVALID_POLICY`: not an object, a missing or unknown field, a value out of
 *   the range its {@link Policy} doc states (NaN, negative, fractional, too large), an unknown device kind,
 *   or one of the contradictions {@link definePolicy} refuses. The message names the field.
 *
 * @example
 * ```ts
 * validatePolicy(defaultPolicy).lockout; // { failures: 10, duration: 900, maxDuration: 86400 }
 * ```
 * @example A hand-made policy with a missing field
 * ```ts
 * try {
 *   validatePolicy({ ...defaultPolicy, lockout: { duration: 60 } } as unknown as Policy);
 * } catch (err) {
 *   console.log(err instanceof TwoSvError && err.code); // 'INVALID_POLICY'
 *   console.log((err as Error).message); // 'lockout.failures is required'
 * }
 * ```
 */
export function validatePolicy(policy: Policy): Policy {
  if (policy === defaultPolicy || checked.has(policy)) return policy;
  checkShape(policy, SHAPE, '');
  // Every field is present, so definePolicy takes each from `policy` and checks it, ranges and contradictions.
  return definePolicy(policy as PolicyInput, policy);
}

// ---------------------------------------------------------------------------------------------------------
// Pure checks

/**
 * The view of a device that the checks need. `phone` is best stored in E.164 form (see
 * {@link normalizePhone}); the checks normalise numbers before comparing them, so two spellings of one
 * number are the same number.
 */
export interface PolicyDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly role: DeviceRole;
  readonly phone?: string | undefined;
}

/**
 * Why the policy refuses an action. Each maps to one {@link TwoSvError} code ({@link policyErrorCode}).
 * - `'primary-kind-not-allowed'`: the kind may not be primary (not a key of {@link Policy.table}).
 * - `'backup-kind-not-allowed'`: the kind may not back up the primary's kind.
 * - `'too-many-backups'`: the user has {@link Policy.maxBackups} backups already.
 * - `'duplicate-phone'`: the number is already one of the user's devices.
 * - `'primary-required'`: a backup before any primary.
 * - `'primary-exists'`: a second primary.
 * - `'unknown-device'`: no device has that id.
 * - `'not-a-backup'`: swapping with a device that is not a backup.
 * - `'primary-not-removable'`: the primary is needed by other devices or by 2SV being on.
 * - `'backup-required'`: removing the last backup while 2SV is on and the policy requires one.
 */
export type PolicyReason =
  | 'primary-kind-not-allowed'
  | 'backup-kind-not-allowed'
  | 'too-many-backups'
  | 'duplicate-phone'
  | 'primary-required'
  | 'primary-exists'
  | 'unknown-device'
  | 'not-a-backup'
  | 'primary-not-removable'
  | 'backup-required';

/** The outcome of a pure policy check: allowed, or refused with a reason. */
export type PolicyCheck = { readonly ok: true } | { readonly ok: false; readonly reason: PolicyReason };

const ALLOWED: PolicyCheck = Object.freeze({ ok: true });
const refuse = (reason: PolicyReason): PolicyCheck => ({ ok: false, reason });

const ERROR_CODES: Readonly<Record<PolicyReason, TwoSvErrorCode>> = {
  'primary-kind-not-allowed': 'PRIMARY_KIND_NOT_ALLOWED',
  'backup-kind-not-allowed': 'BACKUP_KIND_NOT_ALLOWED',
  'too-many-backups': 'TOO_MANY_BACKUPS',
  'duplicate-phone': 'DUPLICATE_PHONE',
  'primary-required': 'PRIMARY_REQUIRED',
  'primary-exists': 'PRIMARY_EXISTS',
  'unknown-device': 'UNKNOWN_DEVICE',
  'not-a-backup': 'NOT_A_BACKUP',
  'primary-not-removable': 'PRIMARY_NOT_REMOVABLE',
  'backup-required': 'BACKUP_REQUIRED',
};

/**
 * The {@link TwoSvError} code the engine throws for a refusal.
 *
 * @example
 * ```ts
 * policyErrorCode('duplicate-phone'); // 'DUPLICATE_PHONE'
 * ```
 */
export function policyErrorCode(reason: PolicyReason): TwoSvErrorCode {
  return ERROR_CODES[reason];
}

/**
 * Whether a kind may be primary under a policy.
 *
 * @example
 * ```ts
 * isPrimaryKind(defaultPolicy, 'sms'); // true
 * isPrimaryKind(defaultPolicy, 'voice'); // false
 * ```
 */
export function isPrimaryKind(policy: Policy, kind: DeviceKind): boolean {
  return Object.hasOwn(policy.table, kind);
}

/**
 * The kinds that may back up a primary of `primaryKind` (empty when that kind may not be primary).
 *
 * @example
 * ```ts
 * backupKindsFor(defaultPolicy, 'authenticator'); // ['sms', 'voice']
 * ```
 */
export function backupKindsFor(policy: Policy, primaryKind: DeviceKind): readonly DeviceKind[] {
  return (Object.hasOwn(policy.table, primaryKind) && policy.table[primaryKind]) || [];
}

/** A number in E.164 form when it is one, else as given: two spellings of one number compare equal. */
function samePhoneKey(phone: string): string {
  try {
    return normalizePhone(phone);
  } catch {
    return phone;
  }
}

function phoneTaken(devices: readonly PolicyDevice[], phone: string | undefined): boolean {
  if (phone === undefined) return false;
  const key = samePhoneKey(phone);
  return devices.some((d) => d.phone !== undefined && samePhoneKey(d.phone) === key);
}

/** A device about to be added: its kind, the role it will take and, for phones, its E.164 number. */
export interface PolicyCandidate {
  readonly kind: DeviceKind;
  readonly role: DeviceRole;
  readonly phone?: string | undefined;
}

/**
 * May this device be added to the user's devices in this role? Checks, in order: one primary, primary kind,
 * backup count, backup kind for the current primary, and that its number is not already one of the user's.
 *
 * @param policy - the policy.
 * @param devices - the user's confirmed devices.
 * @param candidate - the device to add.
 * @returns `{ ok: true }` or the reason for refusing.
 *
 * @example
 * ```ts
 * const primary = { id: 'p', kind: 'sms', role: 'primary', phone: '+12015550100' } as const;
 * checkAddDevice(defaultPolicy, [primary], { kind: 'authenticator', role: 'backup' }); // { ok: true }
 * checkAddDevice(defaultPolicy, [primary], { kind: 'voice', role: 'backup', phone: '+12015550100' });
 * // { ok: false, reason: 'duplicate-phone' }
 * checkAddDevice(defaultPolicy, [], { kind: 'voice', role: 'primary', phone: '+12015550101' });
 * // { ok: false, reason: 'primary-kind-not-allowed' }
 * ```
 */
export function checkAddDevice(
  policy: Policy,
  devices: readonly PolicyDevice[],
  candidate: PolicyCandidate,
): PolicyCheck {
  const primary = devices.find((d) => d.role === 'primary');
  if (candidate.role === 'primary') {
    if (primary) return refuse('primary-exists');
    if (!isPrimaryKind(policy, candidate.kind)) return refuse('primary-kind-not-allowed');
  } else {
    if (!primary) return refuse('primary-required');
    if (devices.filter((d) => d.role === 'backup').length >= policy.maxBackups)
      return refuse('too-many-backups');
    if (!backupKindsFor(policy, primary.kind).includes(candidate.kind))
      return refuse('backup-kind-not-allowed');
  }
  if (phoneTaken(devices, candidate.phone)) return refuse('duplicate-phone');
  return ALLOWED;
}

/**
 * May device `replaces` be replaced by `candidate`, which takes over its role? The arrangement after the
 * replacement must satisfy the table: a new primary must be an allowed primary kind that every remaining
 * backup may back up; a new backup must be allowed for the primary. The old device's own number is free
 * for the new one (an SMS phone may become a voice phone on the same number).
 *
 * @example
 * ```ts
 * const devices = [
 *   { id: 'p', kind: 'sms', role: 'primary', phone: '+12015550100' },
 *   { id: 'b', kind: 'authenticator', role: 'backup' },
 * ] as const;
 * checkReplaceDevice(defaultPolicy, devices, 'p', { kind: 'sms', phone: '+12015550102' }); // { ok: true }
 * checkReplaceDevice(defaultPolicy, devices, 'p', { kind: 'authenticator' });
 * // { ok: false, reason: 'backup-kind-not-allowed' }: an app cannot back up an app
 * ```
 */
export function checkReplaceDevice(
  policy: Policy,
  devices: readonly PolicyDevice[],
  replaces: string,
  candidate: Omit<PolicyCandidate, 'role'>,
): PolicyCheck {
  const old = devices.find((d) => d.id === replaces);
  if (!old) return refuse('unknown-device');
  const others = devices.filter((d) => d.id !== replaces);
  if (old.role === 'primary') {
    if (!isPrimaryKind(policy, candidate.kind)) return refuse('primary-kind-not-allowed');
    const allowed = backupKindsFor(policy, candidate.kind);
    if (others.some((d) => !allowed.includes(d.kind))) return refuse('backup-kind-not-allowed');
  } else {
    const primary = others.find((d) => d.role === 'primary');
    if (!primary) return refuse('primary-required');
    if (!backupKindsFor(policy, primary.kind).includes(candidate.kind))
      return refuse('backup-kind-not-allowed');
  }
  if (phoneTaken(others, candidate.phone)) return refuse('duplicate-phone');
  return ALLOWED;
}

/**
 * May backup `deviceId` become primary, the current primary becoming a backup? The new primary's kind must
 * be allowed as primary and every other device must be an allowed backup of it: an SMS primary with a
 * voice backup cannot swap, since a voice phone may not be primary.
 *
 * @example
 * ```ts
 * const devices = [
 *   { id: 'p', kind: 'sms', role: 'primary', phone: '+12015550100' },
 *   { id: 'b', kind: 'authenticator', role: 'backup' },
 * ] as const;
 * checkSwapPrimary(defaultPolicy, devices, 'b'); // { ok: true }
 * checkSwapPrimary(defaultPolicy, devices, 'p'); // { ok: false, reason: 'not-a-backup' }
 * ```
 */
export function checkSwapPrimary(
  policy: Policy,
  devices: readonly PolicyDevice[],
  deviceId: string,
): PolicyCheck {
  const next = devices.find((d) => d.id === deviceId);
  if (!next) return refuse('unknown-device');
  if (next.role !== 'backup') return refuse('not-a-backup');
  if (!isPrimaryKind(policy, next.kind)) return refuse('primary-kind-not-allowed');
  const allowed = backupKindsFor(policy, next.kind);
  if (devices.some((d) => d.id !== deviceId && !allowed.includes(d.kind)))
    return refuse('backup-kind-not-allowed');
  return ALLOWED;
}

/**
 * May this device be removed? The primary only while it is the last device and 2SV is off (otherwise swap
 * or replace it, or disable 2SV); a backup unless it is the last one, 2SV is on and the policy requires a
 * backup (replace it instead).
 *
 * @param enabled - whether the user's 2SV is on.
 *
 * @example
 * ```ts
 * const devices = [
 *   { id: 'p', kind: 'authenticator', role: 'primary' },
 *   { id: 'b', kind: 'sms', role: 'backup', phone: '+12015550100' },
 * ] as const;
 * checkRemoveDevice(defaultPolicy, devices, 'b', true); // { ok: false, reason: 'backup-required' }
 * checkRemoveDevice(definePolicy({ maxBackups: 2 }), [...devices, { id: 'c', kind: 'voice', role: 'backup', phone: '+12015550101' }], 'b', true);
 * // { ok: true }
 * ```
 */
export function checkRemoveDevice(
  policy: Policy,
  devices: readonly PolicyDevice[],
  deviceId: string,
  enabled: boolean,
): PolicyCheck {
  const device = devices.find((d) => d.id === deviceId);
  if (!device) return refuse('unknown-device');
  if (device.role === 'primary') {
    return devices.length > 1 || enabled ? refuse('primary-not-removable') : ALLOWED;
  }
  const backups = devices.filter((d) => d.role === 'backup').length;
  if (enabled && policy.requireBackup && backups <= 1) return refuse('backup-required');
  return ALLOWED;
}

/**
 * Whether these devices meet the policy's requirements for 2SV to be on: a primary, and a backup when
 * {@link Policy.requireBackup}.
 *
 * @example
 * ```ts
 * isSetupComplete(defaultPolicy, [{ id: 'p', kind: 'authenticator', role: 'primary' }]); // false
 * isSetupComplete(definePolicy({ requireBackup: false }), [{ id: 'p', kind: 'authenticator', role: 'primary' }]); // true
 * ```
 */
export function isSetupComplete(policy: Policy, devices: readonly PolicyDevice[]): boolean {
  if (!devices.some((d) => d.role === 'primary')) return false;
  return !policy.requireBackup || devices.some((d) => d.role === 'backup');
}

/**
 * The length in **milliseconds** of the `n`-th consecutive lock (1 for the first): `lockout.duration`
 * doubled for each earlier lock, at most `lockout.maxDuration`.
 *
 * @example
 * ```ts
 * lockDurationMs(defaultPolicy, 1); // 900000 (15 minutes)
 * lockDurationMs(defaultPolicy, 3); // 3600000 (1 hour)
 * lockDurationMs(defaultPolicy, 20); // 86400000 (the 24-hour cap)
 * ```
 */
export function lockDurationMs(policy: Policy, n: number): number {
  const { duration, maxDuration } = policy.lockout;
  const doublings = Math.min(Math.max(n - 1, 0), 40);
  return Math.min(duration * 2 ** doublings, maxDuration) * 1000;
}

/**
 * Whether a verification at `verifiedAt` (ms) is recent enough at `now` (ms) for a sensitive change. A
 * verification "in the future" (a clock that moved backwards) is not recent.
 *
 * @example
 * ```ts
 * isRecentVerification(defaultPolicy, 1_000_000, 1_000_000 + 599_000); // true
 * isRecentVerification(defaultPolicy, 1_000_000, 1_000_000 + 601_000); // false
 * isRecentVerification(defaultPolicy, null, 1_000_000); // false
 * ```
 */
export function isRecentVerification(
  policy: Policy,
  verifiedAt: number | null | undefined,
  now: number,
): boolean {
  if (verifiedAt === null || verifiedAt === undefined) return false;
  const age = now - verifiedAt;
  return age >= 0 && age <= policy.recentVerification * 1000;
}
