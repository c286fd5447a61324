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
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  beginAuthenticatorChallenge,
  challengeDevice,
  challengedDevice,
  planPhoneChallenge,
  verifyChallenge,
} from './engine/challenges.js';
import { keyedHashes, normalizeTypedCode, randomCode, randomId } from './engine/codes.js';
import { maskDestination, parseContactInput } from './engine/contact.js';
import { confirmContact, planContactCheck } from './engine/contact-checks.js';
import * as devices from './engine/devices.js';
import {
  type DestinationRecord,
  emptyRecord,
  type PendingRec,
  parseDestination,
  parseUser,
  type UserRecord,
} from './engine/record.js';
import {
  DAY,
  recordSend,
  refundDestination,
  reserveDestination,
  type SendDraft,
  type SendPlan,
  undoSend,
  userSendRefusal,
} from './engine/sends.js';
import { statusOf } from './engine/status.js';
import type { Rules, Step } from './engine/step.js';
import type {
  ChallengeResult,
  ConfirmResult,
  ContactResult,
  EventBody,
  SecretContext,
  SendRefusal,
  TwoStep,
  TwoStepEvent,
  TwoStepOptions,
  VerifyResult,
} from './engine/types.js';
import { TwoSvError } from './errors.js';
import { normalizePhone } from './phone.js';
import { defaultPolicy } from './policy.js';
import { otpauthQrSvg } from './qr.js';
import { generateSecret, randomBytes } from './secret.js';
import { type JsonValue, MemoryStore, type StoredEntry, type Version } from './store.js';
import { buildOtpauthUri } from './uri.js';

export type {
  AuthenticatorEnrollment,
  ChallengeInfo,
  ChallengeResult,
  CodeChannel,
  CodeMessage,
  CodePurpose,
  ConfirmResult,
  ContactInfo,
  ContactInput,
  ContactResult,
  DeviceInfo,
  EnrollAuthenticatorOptions,
  EnrollPhoneOptions,
  EventBody,
  PhoneEnrollment,
  SecretContext,
  SecretHooks,
  Sender,
  SendRefusal,
  TwoStep,
  TwoStepEvent,
  TwoStepOptions,
  TwoStepStatus,
  VerifyFailure,
  VerifyResult,
} from './engine/types.js';

const MAX_USER_ID = 256;

function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID) {
    throw new TwoSvError('INVALID_USER_ID', 'userId must be a non-empty string of at most 256 characters');
  }
  return userId;
}

function checkObject(value: unknown, name: string): void {
  if (value === null || typeof value !== 'object') {
    throw new TwoSvError('INVALID_OPTION', `${name} must be an object`);
  }
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
  const policy = options.policy ?? defaultPolicy;
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
  const { policy, clock, retries, store, codeKey } = settle(options);
  const { sender, onEvent, secrets, issuer, random } = options;
  const { codeHash, destinationKey } = keyedHashes(codeKey);
  const rules: Rules = {
    policy,
    totp: {
      algorithm: policy.totp.algorithm,
      digits: policy.totp.digits,
      period: policy.totp.period,
      window: policy.totp.window,
    },
    codeHash,
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
    decide: (record: UserRecord | null, at: number, mono: number) => Step<T> | Promise<Step<T>>,
  ): Promise<T> {
    const key = userKey(userId);
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        // The hot path of every sign-in: store calls are awaited inline and a synchronous decision is not
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
        const decided = decide(record, at, mono);
        const step = decided instanceof Promise ? await decided : decided;
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

  // ----- sending ---------------------------------------------------------------------------------------

  /** Reserves one send on a destination's record, or says which cap refuses it. */
  function reserve(key: string, sendId: string): Promise<SendRefusal | null> {
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        const record = entry ? parseDestination(entry.record) : null;
        const at = now();
        const mono = Math.max(at, record?.seen ?? at);
        const decided = reserveDestination(policy, record, mono, sendId);
        if ('refused' in decided) return decided.refused;
        if (await save(key, decided.next, entry ? entry.version : null, mono + DAY)) return null;
      }
      throw new TwoSvError('STORE_CONFLICT', 'the destination record kept changing; nothing was sent');
    });
  }

  /** Best-effort undo of a reservation: the send did not happen. */
  async function refund(key: string, sendId: string): Promise<void> {
    try {
      await exclusive(key, async () => {
        for (let attempt = 0; attempt <= retries; attempt++) {
          const entry = await load(key);
          if (!entry) return;
          const record = parseDestination(entry.record);
          const next = refundDestination(record, sendId);
          if (!next) return;
          if (await save(key, next, entry.version, record.seen + DAY)) return;
        }
      });
    } catch {
      // The reservation stays: one send too many is counted, which errs on the safe side.
    }
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
          const refused = userSendRefusal(policy, record, mono);
          if (refused) {
            if (reserved) await refund(reserved, draft.sendId);
            return refused;
          }
          const destination = destinationKey(p.channel, p.to);
          if (reserved !== destination) {
            if (reserved) await refund(reserved, draft.sendId);
            reserved = null;
            const capped = await reserve(destination, draft.sendId);
            if (capped) return capped;
            reserved = destination;
          }
          if (await save(key, recordSend(p, mono, draft.sendId), entry ? entry.version : null)) {
            stored = { plan: p, previous: record ?? emptyRecord(), mono };
          }
        }
        if (!stored) throw new TwoSvError('STORE_CONFLICT', 'the record kept changing; nothing was sent');
      } catch (err) {
        if (reserved) await refund(reserved, draft.sendId);
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
        await unsend(key, draft, p, previous);
        if (reserved) await refund(reserved, draft.sendId);
        throw new TwoSvError('SENDER_FAILED', 'the sender failed; no code was sent', { cause });
      }
      const masked = maskDestination(p.channel, p.to);
      emit(userId, mono, [
        ...p.events,
        { type: 'code-sent', purpose: p.purpose, channel: p.channel, to: masked },
      ]);
      return p.result;
    });
  }

  /** Best-effort undo of a stored send whose sender failed: the previous code is back, the send uncounted. */
  async function unsend(key: string, draft: SendDraft, p: SendPlan<unknown>, previous: UserRecord) {
    try {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        if (!entry) return;
        const next = undoSend(parseUser(entry.record), draft, p.field, previous);
        if (await save(key, next, entry.version)) return;
      }
    } catch {
      // The unsent code stays stored (nobody knows it) and the send stays counted: safe, if stingy.
    }
  }

  // ----- the methods -----------------------------------------------------------------------------------

  /** Opens the secret of an authenticator (device or pending enrolment); `null` for a phone. */
  function secretOf(userId: string, d: { id: string; kind: string; secret?: string }) {
    return d.kind === 'authenticator' ? open(d.secret!, { userId, deviceId: d.id }) : null;
  }

  return {
    policy,

    async status(userId) {
      checkUserId(userId);
      const entry = await load(userKey(userId));
      const record = entry ? parseUser(entry.record) : null;
      const at = now();
      return statusOf(policy, record, at, Math.max(at, record?.seen ?? at));
    },

    async enrollAuthenticator(userId, opts) {
      checkUserId(userId);
      checkObject(opts, 'options');
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
        const role = devices.authenticatorRole(policy, r, mono, opts);
        const sealed = await seal(secret, { userId, deviceId: id });
        return devices.startAuthenticatorEnrollment(policy, r, at, role, opts, {
          id,
          secret,
          sealed,
          uri,
          qrSvg,
        });
      });
    },

    enrollPhone(userId, opts) {
      let number = '';
      const bad = rejected<never>(() => {
        checkUserId(userId);
        checkObject(opts, 'options');
        if ((opts.kind ?? 'sms') !== 'sms' && opts.kind !== 'voice') {
          throw new TwoSvError('INVALID_OPTION', "kind must be 'sms' or 'voice'");
        }
        number = normalizePhone(opts.phone);
      });
      if (bad) return bad;
      const phone = { ...opts, kind: opts.kind ?? 'sms', number };
      return sendFlow(userId, (record, at, mono, draft) =>
        devices.planPhoneEnrollment(rules, record, at, mono, userId, draft, phone),
      );
    },

    async confirmEnrollment(userId, code) {
      checkUserId(userId);
      const typed = normalizeTypedCode(code);
      return update<ConfirmResult>(userId, async (record, at, mono) => {
        const found = devices.findEnrollment(policy, record, at, mono);
        if ('ok' in found) return { result: found };
        const secret = await secretOf(userId, found as PendingRec);
        return devices.confirmEnrollment(rules, record!, at, mono, userId, typed, secret);
      });
    },

    beginChallenge(userId, opts = {}) {
      const bad = rejected<never>(() => {
        checkUserId(userId);
        checkObject(opts, 'options');
      });
      if (bad) return bad;
      const { deviceId } = opts;
      return (async (): Promise<ChallengeResult> => {
        // Peek to learn the device's kind: an authenticator needs no send.
        const entry = await load(userKey(userId));
        const peek = challengeDevice(entry ? parseUser(entry.record) : null, deviceId);
        if (peek.kind === 'authenticator') {
          const id = randomId(random);
          const result = await update(userId, (record, at, mono) =>
            beginAuthenticatorChallenge(policy, record, at, mono, id, deviceId),
          );
          if (result) return result;
        }
        return sendFlow(userId, (record, at, _mono, draft) =>
          planPhoneChallenge(rules, record, at, userId, draft, deviceId),
        );
      })();
    },

    verify(userId, code) {
      const bad = rejected<never>(() => checkUserId(userId));
      if (bad) return bad;
      const typed = normalizeTypedCode(code);
      return update<VerifyResult>(userId, (record, at, mono) => {
        const device = challengedDevice(record, at, mono);
        if ('ok' in device) return { result: device };
        const check = (secret: string | null) =>
          verifyChallenge(rules, record!, device, at, mono, userId, typed, secret);
        const opened = secretOf(userId, device);
        return opened === null || typeof opened === 'string'
          ? check(opened)
          : Promise.resolve(opened).then(check);
      });
    },

    async swapPrimary(userId, deviceId) {
      checkUserId(userId);
      return update(userId, (record, at, mono) => devices.swapPrimary(policy, record, at, mono, deviceId));
    },

    async removeDevice(userId, deviceId) {
      checkUserId(userId);
      return update(userId, (record, at, mono) => devices.removeDevice(policy, record, at, mono, deviceId));
    },

    async disable(userId) {
      checkUserId(userId);
      return update(userId, (record, at, mono) => devices.disable(policy, record, at, mono));
    },

    async requireReverification(userId, opts = {}) {
      checkUserId(userId);
      const reason = opts?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) {
        throw new TwoSvError('INVALID_OPTION', 'reason must be a string of at most 200 characters');
      }
      return update(userId, (record, at, mono) =>
        devices.requireReverification(policy, record, at, mono, reason),
      );
    },

    beginContactVerification(userId, input) {
      let contact = { kind: 'email', channel: 'email', value: '' } as ReturnType<typeof parseContactInput>;
      const bad = rejected<never>(() => {
        checkUserId(userId);
        contact = parseContactInput(input);
      });
      if (bad) return bad;
      return sendFlow(userId, (record, at, _mono, draft) =>
        planContactCheck(rules, record, at, userId, draft, contact),
      );
    },

    async confirmContact(userId, code) {
      checkUserId(userId);
      const typed = normalizeTypedCode(code);
      return update<ContactResult>(userId, (record, at, mono) =>
        confirmContact(rules, record, at, mono, userId, typed),
      );
    },
  };
}
