/**
 * The 2SV engine: enrolment of primary and backup devices, sign-in challenges with one active code,
 * verification with replay refusal and lockout, send throttling, swap, removal, disabling, re-verification
 * and contact checks, all kept in one record per user behind a {@link Store}.
 *
 * This module is the imperative shell: it loads a record, asks a pure decision in `engine/` what to do,
 * writes the result conditionally (retrying on conflicts), seals and opens secrets, calls the sender, and
 * emits events after the write. The rules themselves live in `engine/` (one module per decision).
 * @module
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { activityPage, checkContext, checkPageOptions } from './engine/activity.js';
import {
  beginAuthenticatorChallenge,
  challengeDevice,
  challengedDevice,
  planPhoneChallenge,
  verifyChallenge,
} from './engine/challenges.js';
import { judgeClock } from './engine/clock.js';
import { keyedHashes, normalizeTypedCode, randomId } from './engine/codes.js';
import { parseContactInput } from './engine/contact.js';
import { confirmContact, planContactCheck, removeContact } from './engine/contact-checks.js';
import * as devices from './engine/devices.js';
import { createIo, userKey } from './engine/io.js';
import { checkProofOption, newProofToken } from './engine/proofs.js';
import { type ContextRec, emptyRecord, type PendingRec, parseUser } from './engine/record.js';
import * as recovery from './engine/recovery.js';
import * as remembered from './engine/remembered.js';
import * as reset from './engine/reset.js';
import { createSendFlow } from './engine/send-flow.js';
import { statusOf } from './engine/status.js';
import type { Rules } from './engine/step.js';
import type {
  ChallengeResult,
  ConfirmResult,
  ContactResult,
  ResetOptions,
  SecretContext,
  TwoStep,
  TwoStepOptions,
  VerifyResult,
} from './engine/types.js';
import { TwoSvError } from './errors.js';
import { normalizePhone, type PhoneOptions } from './phone.js';
import { defaultPolicy, type Policy, validatePolicy } from './policy.js';
import { otpauthQrSvg } from './qr.js';
import { checkRandomSource, generateSecret, randomBytes } from './secret.js';
import { MemoryStore } from './store.js';
import { buildOtpauthUri } from './uri.js';

export type {
  ActivityContext,
  ActivityEntry,
  ActivityPage,
  AuthenticatorEnrollment,
  BrowserRevokeReason,
  ChallengeInfo,
  ChallengeResult,
  CodeChannel,
  CodeMessage,
  CodePurpose,
  ConfirmResult,
  ContactInfo,
  ContactInput,
  ContactResult,
  ContextOptions,
  DeviceInfo,
  EnrollAuthenticatorOptions,
  EnrollPhoneOptions,
  EventBody,
  PhoneEnrollment,
  RecoveryCodes,
  RecoveryResult,
  RememberedBrowser,
  RememberResult,
  RememberToken,
  ResetOptions,
  SecretContext,
  SecretHooks,
  Sender,
  SendOptions,
  SendRefusal,
  SensitiveOptions,
  TwoStep,
  TwoStepEvent,
  TwoStepOptions,
  TwoStepStatus,
  VerifyFailure,
  VerifyResult,
} from './engine/types.js';

const MAX_USER_ID = 256;

/** NUL (cut short by C strings and many databases) or a lone surrogate (not text: stores re-encode it). */
const ILL_FORMED = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID) {
    throw new TwoSvError('INVALID_USER_ID', 'userId must be a non-empty string of at most 256 characters');
  }
  if (ILL_FORMED.test(userId)) {
    throw new TwoSvError('INVALID_USER_ID', 'userId must be well-formed text without NUL characters');
  }
  return userId;
}

/** A BCP 47 tag, canonical (`'zh-cn'` → `'zh-CN'`), or `undefined`. @throws `INVALID_OPTION`. */
function checkLocale(locale: unknown): string | undefined {
  if (locale === undefined) return undefined;
  if (typeof locale === 'string' && locale.length <= 35) {
    try {
      return new Intl.Locale(locale).toString();
    } catch {
      // refused below
    }
  }
  throw new TwoSvError('INVALID_OPTION', 'locale must be a BCP 47 language tag');
}

/** The phone options of `defaultRegion`, checked once. @throws `INVALID_OPTION`. */
function checkRegion(region: unknown): PhoneOptions {
  if (region === undefined) return {};
  if (typeof region !== 'string' || !/^[A-Z]{2}$/.test(region)) {
    throw new TwoSvError('INVALID_OPTION', "defaultRegion must be a two-letter region code such as 'CN'");
  }
  normalizePhone('+12015550123', { defaultRegion: region }); // refuses a region the metadata lacks
  return { defaultRegion: region };
}

function checkObject(value: unknown, name: string): void {
  if (value === null || typeof value !== 'object') {
    throw new TwoSvError('INVALID_OPTION', `${name} must be an object`);
  }
}

/** A string of 1 to `max` characters, or `INVALID_OPTION` naming it. */
function checkText(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new TwoSvError('INVALID_OPTION', `${name} must be a string of 1 to ${max} characters`);
  }
  return value;
}

/** The options of a call that logs a change: its context, checked. @throws `INVALID_OPTION`. */
function contextOf(options: unknown): ContextRec | undefined {
  if (options === undefined) return undefined;
  checkObject(options, 'options');
  return checkContext((options as { context?: unknown }).context);
}

/** The options of a sensitive change: the proof and the context, checked. @throws `INVALID_OPTION`. */
function sensitiveOf(options: unknown): { proof: string | undefined; context: ContextRec | undefined } {
  const context = contextOf(options);
  return { proof: checkProofOption((options as { proof?: unknown } | undefined)?.proof), context };
}

/** A rejected promise for what a synchronous check throws (methods that are not `async` for speed). */
function rejected<T>(check: () => void): Promise<T> | null {
  try {
    check();
    return null;
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Options checked, defaults applied. */
function settle(options: TwoStepOptions) {
  if (options === null || typeof options !== 'object') {
    throw new TwoSvError('INVALID_OPTION', 'options must be an object');
  }
  const policy = options.policy === undefined ? defaultPolicy : validatePolicy(options.policy);
  checkRandomSource(options.random);
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
      ? randomBytes(32, options.random)
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
  return { policy, clock, retries, store, codeKey };
}

/** The fixed inputs of every decision, and the store key of a destination, for one engine. */
function rulesOf(policy: Policy, codeKey: Uint8Array) {
  const { codeHash, secretHash, destinationKey } = keyedHashes(codeKey);
  const { algorithm, digits, period, window } = policy.totp;
  const rules: Rules = { policy, totp: { algorithm, digits, period, window }, codeHash };
  return { rules, destinationKey, secretHash };
}

/**
 * Creates the 2SV engine.
 *
 * **What the app must persist**: everything is in the {@link Store} you pass, one record per user (plus one
 * small record per phone number or address codes were sent to). Pass a durable store shared by all your
 * servers and the same `codeKey` on all of them. One thing goes into **your sign-in session**: the step-up
 * `proof` that `verify` returns, which sensitive changes (swap, remove, replace, disable, adding a device
 * while 2SV is on) from that session must pass; keep it server-side, per session. Your own user table needs
 * nothing (`status(userId).enabled` tells whether sign-in needs a second step). Each user's record also
 * holds their activity log ({@link TwoStep.activity}), written with the change it records.
 *
 * How each call works: it serialises with other calls for the same user in this process, loads the record,
 * decides with the policy's pure rules, writes back only if no other server changed the record meanwhile
 * (retrying up to `retries` times, then failing closed with `STORE_CONFLICT`), and only then emits events
 * and returns. A code is accepted only once its consumption is stored.
 *
 * Sending: the new challenge and the counted send are stored first, then the sender is called, outside the
 * user's lock and with `policy.senderTimeout`. Each send is reserved on its destination's record (keyed by
 * the mailbox or the parsed number) before the user's record is written (and refused there once the
 * per-destination cap is reached), so concurrent requests from many accounts to one inbox cannot exceed
 * the cap. If the sender throws or times out, both are undone (the old challenge is back, the counters as
 * before) and `SENDER_FAILED` is thrown. The sender is never called twice for one request, since nothing
 * is written after it.
 *
 * Clocks: a server whose clock is behind a user's record by more than 5 minutes gets `CLOCK_SKEW` for that
 * user (see the security notes for how the record is repaired when the record's clock was the wrong one).
 *
 * @throws {@link TwoSvError} `INVALID_OPTION` (a store without `codeKey`, a short key, a bad option),
 *   `INVALID_POLICY` (a policy {@link validatePolicy} refuses, however it was made), `INVALID_RANDOM` (a
 *   `random` source that returns zeros or repeats itself, tested once here).
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
  const { policy, clock, retries, store, codeKey } = settle(options);
  const { sender, onEvent, secrets, issuer, random } = options;
  const region = checkRegion(options.defaultRegion);
  const { rules, destinationKey, secretHash } = rulesOf(policy, codeKey);
  const io = createIo(policy, store, clock, retries, onEvent);
  const newProof = () => newProofToken(random);
  const { load, now, update } = io;
  const sendFlow = createSendFlow(io, policy, sender, random, destinationKey);

  async function seal(secret: string, context: SecretContext): Promise<string> {
    if (!secrets) return secret;
    const sealed = await secrets.seal(secret, context);
    if (typeof sealed !== 'string')
      throw new TwoSvError('INVALID_OPTION', 'secrets.seal must return a string');
    return sealed;
  }

  /** Opens the secret of an authenticator (device or pending enrolment); `null` for a phone. */
  function secretOf(userId: string, d: { id: string; kind: string; secret?: string }) {
    if (d.kind !== 'authenticator') return null;
    return secrets ? secrets.open(d.secret!, { userId, deviceId: d.id }) : d.secret!;
  }

  // ----- the methods -----------------------------------------------------------------------------------

  return {
    policy,

    async status(userId, opts) {
      checkUserId(userId);
      const { proof } = sensitiveOf(opts);
      const entry = await load(userKey(userId));
      const stored = entry ? parseUser(entry.record, userId) : null;
      const at = now();
      // Read-only: a skewed clock is judged at the record's time, as before it was detected.
      const judged = judgeClock(policy, stored, at);
      if ('skewed' in judged) return statusOf(policy, stored, at, stored!.seen, proof);
      return statusOf(policy, judged.record, at, judged.mono, proof);
    },

    async activity(userId, opts = {}) {
      checkUserId(userId);
      const { limit, before } = checkPageOptions(opts);
      const entry = await load(userKey(userId));
      return activityPage(entry ? parseUser(entry.record, userId) : null, limit, before);
    },

    async enrollAuthenticator(userId, opts) {
      checkUserId(userId);
      checkObject(opts, 'options');
      const { proof, context } = sensitiveOf(opts);
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
      return update(
        userId,
        async (record, at, mono) => {
          const r = record ?? emptyRecord();
          const role = devices.authenticatorRole(policy, r, mono, { ...opts, proof });
          const sealed = await seal(secret, { userId, deviceId: id });
          return devices.startAuthenticatorEnrollment(policy, r, at, role, opts, {
            id,
            secret,
            sealed,
            uri,
            qrSvg,
          });
        },
        context,
      );
    },

    enrollPhone(userId, opts) {
      let number = '';
      let checked: ReturnType<typeof sensitiveOf> = { proof: undefined, context: undefined };
      let locale: string | undefined;
      const bad = rejected<never>(() => {
        checkUserId(userId);
        checkObject(opts, 'options');
        checked = sensitiveOf(opts);
        if ((opts.kind ?? 'sms') !== 'sms' && opts.kind !== 'voice') {
          throw new TwoSvError('INVALID_OPTION', "kind must be 'sms' or 'voice'");
        }
        number = normalizePhone(opts.phone, { ...region, channel: opts.kind ?? 'sms' });
        locale = checkLocale(opts.locale);
      });
      if (bad) return bad;
      const phone = { ...opts, kind: opts.kind ?? 'sms', number, proof: checked.proof };
      return sendFlow(
        userId,
        (record, at, mono, draft) =>
          devices.planPhoneEnrollment(rules, record, at, mono, userId, draft, phone),
        checked.context,
        locale,
      );
    },

    async confirmEnrollment(userId, code, opts) {
      checkUserId(userId);
      const context = contextOf(opts);
      const typed = normalizeTypedCode(code);
      return update<ConfirmResult>(
        userId,
        async (record, at, mono) => {
          const found = devices.findEnrollment(policy, record, at, mono);
          if ('ok' in found) return { result: found };
          const secret = await secretOf(userId, found as PendingRec);
          return devices.confirmEnrollment(rules, record!, at, mono, userId, typed, secret, newProof);
        },
        context,
      );
    },

    beginChallenge(userId, opts = {}) {
      let locale: string | undefined;
      const bad = rejected<never>(() => {
        checkUserId(userId);
        checkObject(opts, 'options');
        locale = checkLocale(opts.locale);
      });
      if (bad) return bad;
      const { deviceId } = opts;
      return (async (): Promise<ChallengeResult> => {
        // Peek to learn the device's kind: an authenticator needs no send.
        const entry = await load(userKey(userId));
        const peek = challengeDevice(entry ? parseUser(entry.record, userId) : null, deviceId);
        if (peek.kind === 'authenticator') {
          const id = randomId(random);
          const result = await update(userId, (record, at, mono) =>
            beginAuthenticatorChallenge(policy, record, at, mono, id, deviceId),
          );
          if (result) return result;
        }
        return sendFlow(
          userId,
          (record, at, _mono, draft) => planPhoneChallenge(rules, record, at, userId, draft, deviceId),
          undefined,
          locale,
        );
      })();
    },

    verify(userId, code, opts) {
      let context: ContextRec | undefined;
      const bad = rejected<never>(() => {
        checkUserId(userId);
        context = contextOf(opts);
      });
      if (bad) return bad;
      const typed = normalizeTypedCode(code);
      return update<VerifyResult>(
        userId,
        (record, at, mono) => {
          const device = challengedDevice(record, at, mono);
          if ('ok' in device) return { result: device };
          const check = (secret: string | null) =>
            verifyChallenge(rules, record!, device, at, mono, userId, typed, secret, newProof);
          const opened = secretOf(userId, device);
          return opened === null || typeof opened === 'string'
            ? check(opened)
            : Promise.resolve(opened).then(check);
        },
        context,
      );
    },

    async swapPrimary(userId, opts = {}) {
      checkUserId(userId);
      if (typeof opts === 'string') {
        throw new TwoSvError(
          'INVALID_OPTION',
          'swapPrimary takes { deviceId, proof } since 0.x: see CHANGELOG',
        );
      }
      const { proof, context } = sensitiveOf(opts);
      const deviceId = opts.deviceId;
      if (deviceId !== undefined && typeof deviceId !== 'string') {
        throw new TwoSvError('INVALID_OPTION', 'deviceId must be a string');
      }
      return update(
        userId,
        (record, at, mono) => devices.swapPrimary(policy, record, at, mono, deviceId, proof),
        context,
      );
    },

    async removeDevice(userId, deviceId, opts = {}) {
      checkUserId(userId);
      const { proof, context } = sensitiveOf(opts);
      return update(
        userId,
        (record, at, mono) => devices.removeDevice(policy, record, at, mono, deviceId, proof),
        context,
      );
    },

    async disable(userId, opts = {}) {
      checkUserId(userId);
      const { proof, context } = sensitiveOf(opts);
      return update(userId, (record, at, mono) => devices.disable(policy, record, at, mono, proof), context);
    },

    async requireReverification(userId, opts = {}) {
      checkUserId(userId);
      const context = contextOf(opts);
      const reason = opts?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) {
        throw new TwoSvError('INVALID_OPTION', 'reason must be a string of at most 200 characters');
      }
      return update(
        userId,
        (record, at, mono) => devices.requireReverification(policy, record, at, mono, reason),
        context,
      );
    },

    beginContactVerification(userId, input, opts = {}) {
      let contact = { kind: 'email', channel: 'email', value: '' } as ReturnType<typeof parseContactInput>;
      let locale: string | undefined;
      let checked: ReturnType<typeof sensitiveOf> = { proof: undefined, context: undefined };
      const bad = rejected<never>(() => {
        checkUserId(userId);
        checkObject(opts, 'options');
        contact = parseContactInput(input, region);
        locale = checkLocale(opts.locale);
        checked = sensitiveOf(opts);
      });
      if (bad) return bad;
      const { proof } = checked;
      return sendFlow(
        userId,
        (record, at, mono, draft) => planContactCheck(rules, record, at, mono, userId, draft, contact, proof),
        checked.context,
        locale,
      );
    },

    async confirmContact(userId, code, opts) {
      checkUserId(userId);
      const { proof, context } = sensitiveOf(opts);
      const typed = normalizeTypedCode(code);
      return update<ContactResult>(
        userId,
        (record, at, mono) => confirmContact(rules, record, at, mono, userId, typed, proof),
        context,
      );
    },

    async cancelEnrollment(userId, opts) {
      checkUserId(userId);
      const context = contextOf(opts);
      return update(userId, (record, at, mono) => reset.cancelEnrollment(policy, record, at, mono), context);
    },

    async issueRecoveryCodes(userId, opts) {
      checkUserId(userId);
      const { proof, context } = sensitiveOf(opts);
      const setId = randomId(random);
      const codes = recovery.drawRecoveryCodes(policy.recoveryCodes.count, random);
      return update(
        userId,
        (record, _at, mono) =>
          recovery.issueRecoveryCodes(rules, secretHash, record, mono, userId, setId, codes, proof),
        context,
      );
    },

    async useRecoveryCode(userId, code, opts) {
      checkUserId(userId);
      const context = contextOf(opts);
      const typed = recovery.normalizeRecoveryCode(code);
      return update(
        userId,
        (record, _at, mono) =>
          recovery.useRecoveryCode(rules, secretHash, record, mono, userId, typed, newProof),
        context,
      );
    },

    async adminReset(userId, opts) {
      checkUserId(userId);
      checkObject(opts, 'options');
      const context = contextOf(opts);
      const who: ResetOptions = {
        actor: checkText(opts.actor, 'actor', 200),
        reason: checkText(opts.reason, 'reason', 500),
      };
      return update(userId, (record, at, mono) => reset.adminReset(policy, record, at, mono, who), context);
    },

    async rememberBrowser(userId, opts) {
      checkUserId(userId);
      checkObject(opts, 'options');
      const label = checkText(opts.label, 'label', 100);
      const { proof, context } = sensitiveOf(opts);
      const fresh = { id: randomId(random), secret: bytesToHex(randomBytes(32, random)), label };
      return update(
        userId,
        (record, _at, mono) =>
          remembered.rememberBrowser(rules, secretHash, record, mono, userId, fresh, proof),
        context,
      );
    },

    async useRememberToken(userId, token) {
      checkUserId(userId);
      const rotated = bytesToHex(randomBytes(32, random));
      return update(userId, (record, _at, mono) =>
        remembered.useRememberToken(secretHash, record, mono, userId, token, rotated),
      );
    },

    async rememberedBrowsers(userId) {
      checkUserId(userId);
      const entry = await load(userKey(userId));
      const record = entry ? parseUser(entry.record, userId) : null;
      return remembered.liveBrowsers(record, Math.max(now(), record?.seen ?? 0)).map(remembered.browserInfo);
    },

    async revokeRememberedBrowser(userId, browserId, opts) {
      checkUserId(userId);
      if (typeof browserId !== 'string') {
        throw new TwoSvError('UNKNOWN_BROWSER', 'browserId must be the id of a remembered browser');
      }
      const context = contextOf(opts);
      return update(
        userId,
        (record, _at, mono) => remembered.revokeBrowsers(record, mono, browserId, 'user'),
        context,
      );
    },

    async revokeRememberedBrowsers(userId, opts = {}) {
      checkUserId(userId);
      checkObject(opts, 'options');
      const reason = opts.reason ?? 'user';
      if (reason !== 'user' && reason !== 'password-changed') {
        throw new TwoSvError('INVALID_OPTION', "reason must be 'user' or 'password-changed'");
      }
      const context = contextOf(opts);
      return update(
        userId,
        (record, _at, mono) => remembered.revokeBrowsers(record, mono, undefined, reason),
        context,
      );
    },

    async deleteUser(userId) {
      checkUserId(userId);
      const key = userKey(userId);
      // Serialised with the user's other calls in this process; the store's delete is one step.
      return io.exclusive(key, async () => {
        try {
          return await store.delete(key);
        } catch (cause) {
          if (cause instanceof TwoSvError) throw cause;
          throw new TwoSvError('STORE_FAILED', 'the store failed to delete', { cause });
        }
      });
    },

    async removeContact(userId, kind, opts) {
      checkUserId(userId);
      if (kind !== 'email' && kind !== 'phone') {
        throw new TwoSvError('INVALID_OPTION', "kind must be 'email' or 'phone'");
      }
      const { proof, context } = sensitiveOf(opts);
      return update(
        userId,
        (record, at, mono) => removeContact(policy, record, at, mono, kind, proof),
        context,
      );
    },
  };
}
