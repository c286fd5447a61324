// Engine modules first measured by StrykerJS in issue #17 (proofs, recovery, remembered, devices, reset,
// activity, contact checks...): each test pins a promised behaviour that the mutants left alive showed the
// suite never checked. Through the engine where the behaviour is visible there, through the pure decision
// functions where it is a documented rule of theirs. Equivalent mutants are listed in test/MUTATION.md.
import { describe, expect, it } from 'vitest';
import {
  activityPage,
  CONTEXT_LIMITS,
  checkContext,
  checkPageOptions,
  logActivity,
} from '../src/engine/activity.js';
import { parseContactInput } from '../src/engine/contact.js';
import { confirmContact } from '../src/engine/contact-checks.js';
import { findEnrollment } from '../src/engine/devices.js';
import { checkProofOption, isValidProof, proofHash, withProof } from '../src/engine/proofs.js';
import { type DeviceRec, emptyRecord, type PendingRec, type UserRecord } from '../src/engine/record.js';
import { drawRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_LENGTH } from '../src/engine/recovery.js';
import { TwoSvError, type TwoSvErrorCode } from '../src/errors.js';
import { defaultPolicy, definePolicy } from '../src/policy.js';
import {
  addAuthenticator,
  addPhone,
  makeBench,
  PHONE_1,
  PHONE_2,
  PHONE_3,
  rejectsWith,
  setUpUser,
} from './support/two-step.js';

const T = Date.UTC(2030, 0, 1, 12, 0, 0);

/**
 * Awaits `fn` and expects a TwoSvError of `code` whose message says something (a developer reads it): at
 * least a few words, whatever their wording.
 */
async function refused(fn: () => unknown, code: TwoSvErrorCode): Promise<TwoSvError> {
  const err = await rejectsWith(fn, code);
  expect(err.message.split(' ').length, `message of ${code}: "${err.message}"`).toBeGreaterThanOrEqual(3);
  return err;
}

/** Expects `INVALID_OPTION` with a message of a few words from a synchronous check. */
function expectInvalid(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TwoSvError);
  expect((caught as TwoSvError).code).toBe('INVALID_OPTION');
  expect((caught as TwoSvError).message.split(' ').length).toBeGreaterThanOrEqual(3);
}

/** A user with 2SV on and a fresh sign-in (a proof) at `b.now()`. */
async function signedIn(policy = defaultPolicy) {
  const b = makeBench({ policy });
  const user = await setUpUser(b, 'u');
  return { b, ...user };
}

/** A second-step sign-in on the authenticator, 30 s after the last one; returns its proof. */
async function signIn(b: ReturnType<typeof makeBench>, secret: string): Promise<string> {
  b.advance(30_000);
  await b.twoStep.beginChallenge('u');
  const result = await b.twoStep.verify('u', b.totp(secret));
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  return result.proof;
}

describe('proofs: the option, the cap, the length limit', () => {
  it('a proof option that is not a string of at most 128 characters is INVALID_OPTION, before anything else', async () => {
    const { b } = await signedIn();
    const before = await b.store.get('user:u');
    for (const proof of [42, null, {}, ['x'], 'a'.repeat(129)]) {
      await refused(() => b.twoStep.disable('u', { proof: proof as string }), 'INVALID_OPTION');
      await refused(() => b.twoStep.issueRecoveryCodes('u', { proof: proof as string }), 'INVALID_OPTION');
    }
    // 128 characters is a proof, just not one of ours
    await refused(() => b.twoStep.disable('u', { proof: 'a'.repeat(128) }), 'VERIFICATION_REQUIRED');
    expect(await b.store.get('user:u')).toEqual(before);
    expect(checkProofOption(undefined)).toBe(undefined);
    expect(checkProofOption('a'.repeat(128))).toBe('a'.repeat(128));
  });

  it('a session keeps its proof until policy.maxProofs newer sign-ins push it out', async () => {
    const { b, secret } = await signedIn(definePolicy({ maxProofs: 2 }));
    const first = await signIn(b, secret);
    const second = await signIn(b, secret);
    // Two proofs held, the cap: both still work
    for (const proof of [first, second]) {
      expect((await b.twoStep.status('u', { proof })).recentlyVerified).toBe(true);
    }
    const third = await signIn(b, secret);
    expect((await b.twoStep.status('u', { proof: first })).recentlyVerified).toBe(false);
    await refused(() => b.twoStep.issueRecoveryCodes('u', { proof: first }), 'VERIFICATION_REQUIRED');
    for (const proof of [second, third]) {
      expect((await b.twoStep.issueRecoveryCodes('u', { proof })).codes).toHaveLength(10);
    }
  });

  it('withProof keeps the newest maxProofs, in order, after dropping the expired ones', () => {
    const policy = definePolicy({ maxProofs: 3, recentVerification: 600 });
    let proofs = withProof(policy, [], 't0', T);
    const sizes = [proofs.length];
    for (let i = 1; i < 6; i++) {
      proofs = withProof(policy, proofs, `t${i}`, T + i);
      sizes.push(proofs.length);
    }
    expect(sizes).toEqual([1, 2, 3, 3, 3, 3]);
    expect(proofs).toEqual([
      { hash: proofHash('t3'), issuedAt: T + 3 },
      { hash: proofHash('t4'), issuedAt: T + 4 },
      { hash: proofHash('t5'), issuedAt: T + 5 },
    ]);
    // Ten minutes and a millisecond after t3 was issued, t3 has expired and t4, t5 stay: no cap needed
    expect(withProof(policy, proofs, 't6', T + 3 + 600_001).map((p) => p.issuedAt)).toEqual([
      T + 4,
      T + 5,
      T + 3 + 600_001,
    ]);
  });

  it('withProof drops an expired proof even when the cap would keep it', () => {
    const policy = definePolicy({ maxProofs: 3, recentVerification: 600 });
    const proofs = withProof(policy, [], 't0', T);
    expect(withProof(policy, proofs, 't1', T + 600_000).map((p) => p.issuedAt)).toEqual([T, T + 600_000]);
    expect(withProof(policy, proofs, 't1', T + 600_001).map((p) => p.issuedAt)).toEqual([T + 600_001]);
  });

  it('isValidProof: any stored token of up to 128 characters, nothing longer, never while reverify', () => {
    const r = (token: string, changes: Partial<UserRecord> = {}): UserRecord => ({
      ...emptyRecord(),
      enabled: true,
      proofs: withProof(defaultPolicy, [], token, T),
      ...changes,
    });
    const long = 'p'.repeat(128);
    expect(isValidProof(defaultPolicy, r(long), T, long)).toBe(true);
    expect(isValidProof(defaultPolicy, r(`${long}p`), T, `${long}p`)).toBe(false);
    expect(isValidProof(defaultPolicy, r(long, { reverify: true }), T, long)).toBe(false);
    expect(isValidProof(defaultPolicy, r(long), T, undefined)).toBe(false);
  });
});

describe('recovery: drawing and typing codes', () => {
  /**
   * A source whose draws give the recovery codes `codes[i]` (as 5-bit letter indices, the same 12 for a
   * code), with the unused high bits counting the draws, so no two draws in a row are the same bytes.
   */
  const codeSource = (codes: number[]) => {
    let draws = 0;
    const source = (bytes: Uint8Array) => {
      const letter = codes[draws];
      if (letter === undefined) throw new Error('no draw left');
      for (let i = 0; i < bytes.length; i++) bytes[i] = ((draws % 8) << 5) | ((letter + i) & 31);
      draws++;
      return bytes;
    };
    return { source, draws: () => draws };
  };

  it('draws distinct codes, tolerating repeats up to four draws a code, then INVALID_RANDOM', () => {
    // Two codes wanted: nine draws allowed (draw numbers 0 to 8), the second code coming on the last one
    const late = codeSource([1, 1, 1, 1, 1, 1, 1, 1, 2]);
    const codes = drawRecoveryCodes(2, late.source);
    expect(codes).toEqual(['1234-5678-9abc', '2345-6789-abcd']);
    expect(late.draws()).toBe(9);
    const tooLate = codeSource([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(() => drawRecoveryCodes(2, tooLate.source)).toThrow(TwoSvError);
    expect(tooLate.draws()).toBe(9);
    const stuck = codeSource(Array(100).fill(7));
    let error: unknown;
    try {
      drawRecoveryCodes(10, stuck.source);
    } catch (err) {
      error = err;
    }
    expect((error as TwoSvError).code).toBe('INVALID_RANDOM');
    expect((error as TwoSvError).message.length).toBeGreaterThan(10);
    expect(stuck.draws()).toBe(41);
  });

  it('normalizes what users type: case, spaces, dashes, look-alikes forgiven; anything else is empty', () => {
    expect(normalizeRecoveryCode('K3F9-X2MQ-7T4B')).toBe('k3f9x2mq7t4b');
    expect(normalizeRecoveryCode('oooo-OOOO-iiii')).toBe('000000001111');
    expect(normalizeRecoveryCode('llll LLLL IIII')).toBe('111111111111');
    // Up to 64 characters typed, spaces included; one more is not a code
    const padded = (n: number) => `k3f9-x2mq-7t4b${' '.repeat(n - 14)}`;
    expect(normalizeRecoveryCode(padded(64))).toBe('k3f9x2mq7t4b');
    expect(normalizeRecoveryCode(padded(65))).toBe('');
    // Not 12 characters once normalised, or a letter outside Crockford's alphabet
    expect(normalizeRecoveryCode('k3f9-x2mq-7t4')).toBe('');
    expect(normalizeRecoveryCode('k3f9-x2mq-7t4bb')).toBe('');
    expect(normalizeRecoveryCode('uuuu-uuuu-uuuu')).toBe('');
    expect(normalizeRecoveryCode('k3f9-x2mq-7t4!')).toBe('');
    expect(normalizeRecoveryCode(42)).toBe('');
    expect(normalizeRecoveryCode(null)).toBe('');
    expect(RECOVERY_CODE_LENGTH).toBe(12);
  });
});

describe('recovery: refusals through the engine', () => {
  it('an unknown user is UNKNOWN_USER, for issuing and for signing in with a code', async () => {
    const b = makeBench();
    await refused(() => b.twoStep.useRecoveryCode('nobody', 'k3f9-x2mq-7t4b'), 'UNKNOWN_USER');
    await refused(() => b.twoStep.issueRecoveryCodes('nobody'), 'UNKNOWN_USER');
    expect(await b.store.get('user:nobody')).toBe(null);
  });

  it('a user with 2SV on but no codes issued: a code is simply not valid, and counts as a failure', async () => {
    const { b } = await signedIn();
    expect(await b.twoStep.useRecoveryCode('u', 'k3f9-x2mq-7t4b')).toEqual({
      ok: false,
      reason: 'invalid',
      attemptsLeft: 9,
    });
    expect((await b.twoStep.status('u')).failures).toBe(1);
  });

  it('refusals name their reason: policy off, no device, 2SV off', async () => {
    const off = makeBench({ policy: definePolicy({ recoveryCodes: { enabled: false } }) });
    await setUpUser(off, 'u');
    await refused(() => off.twoStep.issueRecoveryCodes('u', { proof: off.proof('u') }), 'RECOVERY_CODES_OFF');
    const b = makeBench();
    await b.twoStep.enrollAuthenticator('u', { account: 'u@example.com' });
    await refused(() => b.twoStep.issueRecoveryCodes('u'), 'NOT_ENABLED');
    await refused(() => b.twoStep.useRecoveryCode('u', 'k3f9-x2mq-7t4b'), 'NOT_ENABLED');
  });
});

/** The events emitted, without the user and time every one carries. */
const bodies = (b: ReturnType<typeof makeBench>) => b.events.map(({ userId, at, ...rest }) => rest);

/** The stored version of the user's record (it changes on every write). */
async function version(b: ReturnType<typeof makeBench>, userId = 'u') {
  return (await b.store.get(`user:${userId}`))?.version;
}

/** A code the authenticator does not show now (nor in the window): the right one plus 500 000, mod 10^6. */
const wrongTotp = (b: ReturnType<typeof makeBench>, secret: string) =>
  String((Number(b.totp(secret)) + 500_000) % 1_000_000).padStart(6, '0');

describe('devices: enrolment', () => {
  it('an authenticator enrolment: role checked, lifetime from the policy, kind named in event and result', async () => {
    const b = makeBench({ policy: definePolicy({ enrollmentLifetime: 600 }) });
    await refused(
      () => b.twoStep.enrollAuthenticator('u', { account: 'a', role: 'boss' as 'primary' }),
      'INVALID_OPTION',
    );
    expect(await b.store.get('user:u')).toBe(null);
    const e = await b.twoStep.enrollAuthenticator('u', { account: 'a' });
    expect(e).toMatchObject({ kind: 'authenticator', role: 'primary', expiresAt: b.now() + 600_000 });
    expect(bodies(b)).toEqual([{ type: 'enrollment-started', kind: 'authenticator', role: 'primary' }]);
  });

  it('a wrong code does not confirm an authenticator; the failure is named for the enrolment', async () => {
    const b = makeBench();
    const e = await b.twoStep.enrollAuthenticator('u', { account: 'a' });
    b.clearEvents();
    expect(await b.twoStep.confirmEnrollment('u', wrongTotp(b, e.secret))).toEqual({
      ok: false,
      reason: 'invalid',
      attemptsLeft: 4,
    });
    expect(bodies(b)).toEqual([
      { type: 'verification-failed', purpose: 'enrollment', reason: 'invalid', failures: 1 },
    ]);
    b.clearEvents();
    const ok = await b.twoStep.confirmEnrollment('u', b.totp(e.secret));
    expect(ok).toMatchObject({ ok: true, enabled: false });
    expect(bodies(b)).toEqual([
      { type: 'verification-passed', purpose: 'enrollment', deviceId: e.id },
      {
        type: 'device-added',
        device: { id: e.id, kind: 'authenticator', role: 'primary', confirmed: true, addedAt: b.now() },
      },
    ]);
  });

  it('confirming with no enrolment, an unknown user, or a replacement of an unknown device: typed refusals', async () => {
    const { b, smsId } = await signedIn();
    await refused(() => b.twoStep.confirmEnrollment('nobody', '123456'), 'ENROLLMENT_NOT_FOUND');
    await refused(() => b.twoStep.confirmEnrollment('u', '123456'), 'ENROLLMENT_NOT_FOUND');
    await refused(
      () => b.twoStep.enrollAuthenticator('u', { account: 'a', replaces: 'nope', proof: b.proof('u') }),
      'UNKNOWN_DEVICE',
    );
    // A policy refusal says which rule refused
    await refused(
      () => b.twoStep.enrollAuthenticator('u', { account: 'a', role: 'primary', proof: b.proof('u') }),
      'PRIMARY_EXISTS',
    );
    // An enrolment past its lifetime
    const late = makeBench();
    await late.twoStep.enrollAuthenticator('v', { account: 'a' });
    late.advance(defaultPolicy.enrollmentLifetime * 1000);
    await refused(() => late.twoStep.confirmEnrollment('v', '123456'), 'ENROLLMENT_EXPIRED');
    // Replacing the backup: the new device is a backup, whatever the first device is
    b.advance(31_000);
    const begun = await b.twoStep.enrollPhone('u', { phone: PHONE_2, replaces: smsId, proof: b.proof('u') });
    expect(begun.ok && begun.enrollment.role).toBe('backup');
  });

  it('an enrolment is expired before it started too (a clock that went back), and locked users get the lock', () => {
    const pending: PendingRec = {
      id: 'p1',
      kind: 'authenticator',
      role: 'primary',
      secret: 'S',
      startedAt: T,
      expiresAt: T + 900_000,
      attempts: 0,
    };
    const r = { ...emptyRecord(), pending };
    expect(findEnrollment(defaultPolicy, r, T, T)).toBe(pending);
    expect(() => findEnrollment(defaultPolicy, r, T - 1, T)).toThrow(
      expect.objectContaining({ code: 'ENROLLMENT_EXPIRED' }),
    );
    expect(() => findEnrollment(defaultPolicy, r, T + 900_000, T)).toThrow(
      expect.objectContaining({ code: 'ENROLLMENT_EXPIRED' }),
    );
    expect(findEnrollment(defaultPolicy, { ...r, lockedUntil: T + 5 }, T, T)).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: T + 5,
    });
    // The devices changed since the enrolment began: a second primary is refused at confirmation
    const primary: DeviceRec = { id: 'd0', kind: 'sms', role: 'primary', phone: PHONE_2, addedAt: T };
    expect(() => findEnrollment(defaultPolicy, { ...r, devices: [primary] }, T, T)).toThrow(
      expect.objectContaining({ code: 'PRIMARY_EXISTS' }),
    );
  });

  it('a replacement ends the challenge open on the replaced device, and only that one', async () => {
    for (const on of ['replaced', 'other'] as const) {
      const { b, appId, smsId } = await signedIn();
      b.advance(31_000);
      const challenge = await b.twoStep.beginChallenge('u', { deviceId: on === 'replaced' ? smsId : appId });
      expect(challenge.ok).toBe(true);
      b.advance(31_000);
      const begun = await b.twoStep.enrollPhone('u', {
        phone: PHONE_2,
        replaces: smsId,
        proof: b.proof('u'),
      });
      expect(begun.ok).toBe(true);
      await b.twoStep.rememberBrowser('u', { label: 'laptop', proof: b.proof('u') });
      b.clearEvents();
      expect(await b.twoStep.confirmEnrollment('u', b.lastCode())).toMatchObject({ ok: true });
      const status = await b.twoStep.status('u');
      expect(status.challenge?.deviceId ?? null).toBe(on === 'replaced' ? null : appId);
      const replacedEvent = b.events.find((e) => e.type === 'device-replaced');
      expect(replacedEvent).toMatchObject({
        replaced: { id: smsId, kind: 'sms', role: 'backup', confirmed: true },
        device: { kind: 'sms', role: 'backup', confirmed: true },
      });
      expect(b.eventTypes()).toEqual([
        'verification-passed',
        'device-replaced',
        'remembered-browser-revoked',
      ]);
    }
  });

  it('adding a device without replacing one keeps the remembered browsers; only turning 2SV on gives a proof', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    await setUpUser(b, 'u');
    await b.twoStep.rememberBrowser('u', { label: 'laptop', proof: b.proof('u') });
    b.advance(31_000);
    await b.twoStep.enrollPhone('u', { phone: PHONE_2, proof: b.proof('u') });
    b.clearEvents();
    const added = await b.twoStep.confirmEnrollment('u', b.lastCode());
    expect(added).toMatchObject({ ok: true, enabled: true });
    expect(Object.keys(added).sort()).toEqual(['device', 'enabled', 'ok']);
    expect(b.eventTypes()).toEqual(['verification-passed', 'device-added']);
    expect(await b.twoStep.rememberedBrowsers('u')).toHaveLength(1);
  });
});

describe('devices: swap, remove, disable, re-verification', () => {
  it('swapPrimary without deviceId needs exactly one backup, and says so', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    await addAuthenticator(b, 'u');
    await refused(() => b.twoStep.swapPrimary('u'), 'NOT_A_BACKUP');
    await addPhone(b, 'u', PHONE_1);
    await addPhone(b, 'u', PHONE_2);
    await refused(() => b.twoStep.swapPrimary('u', { proof: b.proof('u') }), 'INVALID_OPTION');
    await refused(() => b.twoStep.swapPrimary('nobody'), 'UNKNOWN_USER');
  });

  it('swapping twice brings the first primary back, wherever it sits among the devices', async () => {
    const { b, appId, smsId } = await signedIn();
    const roles = async () =>
      Object.fromEntries((await b.twoStep.status('u')).devices.map((d) => [d.id, d.role]));
    await b.twoStep.swapPrimary('u', { proof: b.proof('u') });
    expect(await roles()).toEqual({ [appId]: 'backup', [smsId]: 'primary' });
    b.clearEvents();
    await b.twoStep.swapPrimary('u', { proof: b.proof('u') });
    expect(await roles()).toEqual({ [appId]: 'primary', [smsId]: 'backup' });
    expect(b.events).toEqual([
      expect.objectContaining({
        type: 'primary-changed',
        deviceId: appId,
        previousDeviceId: smsId,
        device: expect.objectContaining({ id: appId, role: 'primary', confirmed: true }),
        previous: expect.objectContaining({ id: smsId, role: 'backup', confirmed: true }),
      }),
    ]);
  });

  it('removing a device ends its challenge and the enrolment replacing it, nothing else', async () => {
    const policy = definePolicy({ maxBackups: 2 });
    for (const on of ['removed', 'other'] as const) {
      const b = makeBench({ policy });
      const { appId, smsId } = await setUpUser(b, 'u');
      const sms2 = await addPhone(b, 'u', PHONE_2);
      b.advance(31_000);
      await b.twoStep.beginChallenge('u', { deviceId: on === 'removed' ? smsId : appId });
      b.advance(31_000);
      await b.twoStep.enrollPhone('u', {
        phone: PHONE_3,
        replaces: on === 'removed' ? smsId : sms2,
        proof: b.proof('u'),
      });
      b.clearEvents();
      await refused(() => b.twoStep.removeDevice('u', 'nope', { proof: b.proof('u') }), 'UNKNOWN_DEVICE');
      // An unknown id is named as such before any proof is asked for
      await refused(() => b.twoStep.removeDevice('u', 'nope'), 'UNKNOWN_DEVICE');
      const status = await b.twoStep.removeDevice('u', smsId, { proof: b.proof('u') });
      expect(status.challenge?.deviceId ?? null).toBe(on === 'removed' ? null : appId);
      expect(status.devices.filter((d) => !d.confirmed)).toHaveLength(on === 'removed' ? 0 : 1);
      expect(bodies(b)).toEqual([
        {
          type: 'device-removed',
          device: {
            id: smsId,
            kind: 'sms',
            role: 'backup',
            confirmed: true,
            addedAt: expect.any(Number),
            phone: expect.any(String),
          },
        },
      ]);
    }
  });

  it('disable: nothing to write for a user with nothing on; otherwise everything goes, devices named as confirmed', async () => {
    const b = makeBench();
    await b.twoStep.enrollAuthenticator('u', { account: 'a' });
    await b.twoStep.cancelEnrollment('u');
    const v = await version(b);
    b.clearEvents();
    const off = await b.twoStep.disable('u');
    expect(off).toEqual(await b.twoStep.status('u'));
    expect(off.enabled).toBe(false);
    expect(await version(b)).toBe(v);
    expect(b.events).toEqual([]);
    // Only a pending enrolment: it ends
    await b.twoStep.enrollAuthenticator('u', { account: 'a' });
    expect((await b.twoStep.disable('u')).devices).toEqual([]);
    expect(await version(b)).not.toBe(v);
    // 2SV on
    const { b: on, appId, smsId } = await signedIn();
    on.clearEvents();
    await on.twoStep.disable('u', { proof: on.proof('u') });
    expect(on.events).toEqual([
      expect.objectContaining({
        type: 'two-step-disabled',
        devices: [
          expect.objectContaining({ id: appId, confirmed: true }),
          expect.objectContaining({ id: smsId, confirmed: true }),
        ],
      }),
    ]);
  });

  it('requireReverification: NOT_ENABLED and UNKNOWN_USER said in words; the event has a reason key only when given', async () => {
    const { b } = await signedIn();
    b.clearEvents();
    await b.twoStep.requireReverification('u');
    await b.twoStep.requireReverification('u', { reason: 'password reset' });
    expect(bodies(b)).toStrictEqual([
      { type: 'reverification-required' },
      { type: 'reverification-required', reason: 'password reset' },
    ]);
    await refused(() => b.twoStep.requireReverification('nobody'), 'UNKNOWN_USER');
    const fresh = makeBench();
    await fresh.twoStep.enrollAuthenticator('v', { account: 'a' });
    await refused(() => fresh.twoStep.requireReverification('v'), 'NOT_ENABLED');
    await refused(() => fresh.twoStep.removeDevice('nobody', 'x'), 'UNKNOWN_USER');
    await refused(() => fresh.twoStep.disable('nobody'), 'UNKNOWN_USER');
  });
});

describe('remembered browsers: tokens, rotation, revocation', () => {
  /** A signed-in user with `n` remembered browsers; their tokens, oldest first. */
  async function withBrowsers(n: number) {
    const s = await signedIn();
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await s.b.twoStep.rememberBrowser('u', { label: `browser ${i}`, proof: s.b.proof('u') });
      expect(r.ok).toBe(true);
      tokens.push(r.token);
    }
    return { ...s, tokens };
  }

  it('remembering: the result, and refusals named in words (policy off, unknown user, 2SV off)', async () => {
    const { b } = await signedIn();
    const r = await b.twoStep.rememberBrowser('u', { label: 'laptop', proof: b.proof('u') });
    expect(r).toEqual({
      ok: true,
      token: expect.stringMatching(/^[0-9a-f]{18}\.[0-9a-f]{64}$/),
      browser: expect.any(Object),
    });
    // A browser never used lists without a lastUsedAt key
    expect(Object.keys((await b.twoStep.rememberedBrowsers('u'))[0]!).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'id',
      'label',
    ]);
    const off = makeBench({ policy: definePolicy({ rememberBrowser: { enabled: false } }) });
    await setUpUser(off, 'u');
    await refused(
      () => off.twoStep.rememberBrowser('u', { label: 'x', proof: off.proof('u') }),
      'REMEMBER_BROWSER_OFF',
    );
    await refused(() => b.twoStep.rememberBrowser('nobody', { label: 'x' }), 'UNKNOWN_USER');
    await refused(() => b.twoStep.useRememberToken('nobody', r.token), 'UNKNOWN_USER');
    await refused(() => b.twoStep.revokeRememberedBrowser('nobody', 'x'), 'UNKNOWN_USER');
    await refused(() => b.twoStep.revokeRememberedBrowsers('nobody'), 'UNKNOWN_USER');
    await refused(() => b.twoStep.revokeRememberedBrowser('u', 'nope'), 'UNKNOWN_BROWSER');
    expect(await b.twoStep.rememberedBrowsers('nobody')).toEqual([]);
    const fresh = makeBench();
    await fresh.twoStep.enrollAuthenticator('v', { account: 'a' });
    await refused(() => fresh.twoStep.rememberBrowser('v', { label: 'x' }), 'NOT_ENABLED');
    await refused(() => fresh.twoStep.useRememberToken('v', r.token), 'NOT_ENABLED');
  });

  it('a token is exactly <18 hex>.<64 hex>: anything around or inside it, or not a string, is invalid and changes nothing', async () => {
    const { b, tokens } = await withBrowsers(1);
    const token = tokens[0]!;
    const [id, secret] = token.split('.') as [string, string];
    const v = await version(b);
    for (const bad of [
      `x${token}`,
      `${token}x`,
      ` ${token}`,
      `${token}\n`,
      `${id.slice(1)}.${secret}`,
      `${id}.${secret.slice(1)}`,
      `${id.toUpperCase()}.${secret}`,
      `${id}.${secret.toUpperCase()}`,
      `${'g'.repeat(18)}.${secret}`,
      `${id}.${'g'.repeat(64)}`,
      [token],
      { toString: () => token },
      42,
      null,
    ]) {
      expect(await b.twoStep.useRememberToken('u', bad as string)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await version(b)).toBe(v);
    expect(await b.twoStep.useRememberToken('u', token)).toMatchObject({ ok: true });
  });

  it('using one browser rotates only its token; reusing an old token revokes only that browser', async () => {
    const { b, tokens } = await withBrowsers(2);
    const ids = tokens.map((t) => t.split('.')[0]);
    const used = await b.twoStep.useRememberToken('u', tokens[0]!);
    expect(used.ok).toBe(true);
    expect((await b.twoStep.rememberedBrowsers('u')).map((x) => x.id)).toEqual(ids);
    // The other browser's token still works
    const other = await b.twoStep.useRememberToken('u', tokens[1]!);
    expect(other.ok).toBe(true);
    b.clearEvents();
    // The first browser's old token again: revoked, the second stays
    expect(await b.twoStep.useRememberToken('u', tokens[0]!)).toEqual({ ok: false, reason: 'invalid' });
    expect(b.eventTypes()).toEqual(['remembered-browser-revoked']);
    expect((await b.twoStep.rememberedBrowsers('u')).map((x) => x.id)).toEqual([ids[1]]);
    expect(other.ok && (await b.twoStep.useRememberToken('u', other.token)).ok).toBe(true);
  });

  it('an expired token says so once; the browser is then forgotten (unknown, so invalid)', async () => {
    const { b, tokens } = await withBrowsers(1);
    b.advance(30 * 86_400_000);
    expect(await b.twoStep.useRememberToken('u', tokens[0]!)).toEqual({ ok: false, reason: 'expired' });
    expect(await b.twoStep.useRememberToken('u', tokens[0]!)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('revoking all when there are none writes nothing; revoking the last one leaves nothing to revoke', async () => {
    const { b, tokens } = await withBrowsers(1);
    const id = tokens[0]!.split('.')[0]!;
    expect(await b.twoStep.revokeRememberedBrowser('u', id)).toEqual([]);
    const v = await version(b);
    b.clearEvents();
    expect(await b.twoStep.revokeRememberedBrowsers('u')).toEqual([]);
    expect(await version(b)).toBe(v);
    expect(b.events).toEqual([]);
    // And disable finds nothing of the browsers left to do either
    expect((await b.twoStep.status('u')).rememberedBrowsers).toBe(0);
  });
});

describe('reset: cancelling an enrolment, support reset', () => {
  it('cancelEnrollment: an enrolment at its expiry moment is already gone (nothing to write)', async () => {
    const b = makeBench();
    await b.twoStep.enrollAuthenticator('u', { account: 'a' });
    b.advance(defaultPolicy.enrollmentLifetime * 1000);
    const v = await version(b);
    b.clearEvents();
    await b.twoStep.cancelEnrollment('u');
    expect(await version(b)).toBe(v);
    expect(b.events).toEqual([]);
    // A millisecond before it, the enrolment ends with its event
    const c = makeBench();
    await c.twoStep.enrollAuthenticator('u', { account: 'a' });
    c.advance(defaultPolicy.enrollmentLifetime * 1000 - 1);
    c.clearEvents();
    await c.twoStep.cancelEnrollment('u');
    expect(bodies(c)).toEqual([{ type: 'enrollment-cancelled', kind: 'authenticator', role: 'primary' }]);
  });

  it('adminReset ends a re-verification demand too, names the devices as confirmed, refuses an unknown user', async () => {
    const { b, appId, smsId } = await signedIn();
    await b.twoStep.requireReverification('u');
    b.clearEvents();
    const status = await b.twoStep.adminReset('u', { actor: 'agent-7', reason: 'ticket 1' });
    expect(status.reverificationRequired).toBe(false);
    expect(b.events[0]).toMatchObject({
      type: 'two-step-reset',
      devices: [
        expect.objectContaining({ id: appId, confirmed: true }),
        expect.objectContaining({ id: smsId, confirmed: true }),
      ],
    });
    await refused(() => b.twoStep.adminReset('nobody', { actor: 'a', reason: 'r' }), 'UNKNOWN_USER');
  });
});

describe('activity: context, paging, limit', () => {
  it('checkContext: only ip, userAgent and reason, strings within their limits, no control characters', () => {
    expect(checkContext(undefined)).toBe(undefined);
    expect(checkContext({})).toBe(undefined);
    expect(checkContext({ ip: undefined })).toBe(undefined);
    expect(checkContext({ ip: '198.51.100.7', userAgent: 'UA', reason: 'why' })).toEqual({
      ip: '198.51.100.7',
      userAgent: 'UA',
      reason: 'why',
    });
    expect(checkContext({ ip: 'x', reason: undefined })).toEqual({ ip: 'x' });
    for (const [key, limit] of [
      ['ip', 64],
      ['userAgent', 512],
      ['reason', 200],
    ] as const) {
      expect(checkContext({ [key]: 'x'.repeat(limit) })).toEqual({ [key]: 'x'.repeat(limit) });
      expectInvalid(() => checkContext({ [key]: 'x'.repeat(limit + 1) }));
      expect(CONTEXT_LIMITS[key]).toBe(limit);
    }
    for (const bad of [null, 'ip', 42, [], ['x']]) expectInvalid(() => checkContext(bad));
    for (const bad of [
      { host: 'x' },
      { ip: 42 },
      { ip: null },
      { ip: 'a\nb' },
      { ip: 'a\u007f' },
      { ip: '\u0000' },
    ]) {
      expectInvalid(() => checkContext(bad));
    }
    expect(checkContext({ reason: 'tab-free text, with ~ and é' })).toEqual({
      reason: 'tab-free text, with ~ and é',
    });
  });

  it('checkPageOptions: limit an integer from 1 to 100 (20 by default), before a positive safe integer', () => {
    expect(checkPageOptions({})).toEqual({ limit: 20, before: undefined });
    expect(checkPageOptions({ limit: 1, before: 1 })).toEqual({ limit: 1, before: 1 });
    expect(checkPageOptions({ limit: 100, before: Number.MAX_SAFE_INTEGER })).toEqual({
      limit: 100,
      before: Number.MAX_SAFE_INTEGER,
    });
    for (const bad of [null, 'x', 5]) expectInvalid(() => checkPageOptions(bad));
    for (const limit of [0, 101, 1.5, '5', Number.NaN]) expectInvalid(() => checkPageOptions({ limit }));
    for (const before of [0, -1, 1.5, 2 ** 53, '3', null]) expectInvalid(() => checkPageOptions({ before }));
  });

  it('activityPage walks the log newest first, from before, a page at a time, to the end', () => {
    const log = [1, 2, 3, 4, 5].map((seq) => ({ seq, at: T + seq, type: 'two-step-enabled' }));
    const r = { ...emptyRecord(), activity: log } as UserRecord;
    const seqs = (limit: number, before?: number) => {
      const page = activityPage(r, limit, before);
      return [page.entries.map((e) => e.seq), page.next];
    };
    expect(seqs(2)).toEqual([[5, 4], 4]);
    expect(seqs(2, 4)).toEqual([[3, 2], 2]);
    expect(seqs(2, 2)).toEqual([[1], null]);
    expect(seqs(2, 1)).toEqual([[], null]);
    expect(seqs(5)).toEqual([[5, 4, 3, 2, 1], null]);
    expect(seqs(4)).toEqual([[5, 4, 3, 2], 2]);
    expect(seqs(1, 100)).toEqual([[5], 5]);
    expect(activityPage(null, 5, undefined)).toEqual({ entries: [], next: null });
  });

  it('logActivity keeps the newest activityLimit entries, and folds failures into one entry per burst', () => {
    const policy = definePolicy({ activityLimit: 3 });
    const next = { ...emptyRecord(), activity: [] } as UserRecord;
    const enabled = { type: 'two-step-enabled' } as const;
    const failed = {
      type: 'verification-failed',
      purpose: 'sign-in',
      reason: 'invalid',
      failures: 1,
    } as const;
    logActivity(policy, null, next, [enabled, enabled, enabled], T, undefined);
    expect(next.activity.map((e) => e.seq)).toEqual([1, 2, 3]);
    logActivity(policy, null, next, [enabled], T + 1, undefined);
    expect(next.activity.map((e) => e.seq)).toEqual([2, 3, 4]);
    logActivity(policy, null, next, [failed, { type: 'replay-refused', deviceId: 'd', failures: 2 }], T + 2, {
      ip: '1',
    });
    expect(next.activity.at(-1)).toEqual({
      seq: 5,
      at: T + 2,
      type: 'codes-failed',
      count: 2,
      since: T + 2,
      context: { ip: '1' },
    });
  });

  it('logActivity: no context key without a context; a burst counted before the log began starts an entry', () => {
    const next = { ...emptyRecord(), activity: [] } as UserRecord;
    logActivity(defaultPolicy, null, next, [{ type: 'two-step-enabled' }], T, undefined);
    // Strict: a `context: undefined` key would be a field no JSON store keeps.
    expect(next.activity).toStrictEqual([{ seq: 1, at: T, type: 'two-step-enabled' }]);
    // Failures already counted, but no entry for them (a record written before the log existed).
    const before = { ...emptyRecord(), failures: 2, activity: [] } as UserRecord;
    const after = { ...before, activity: [] } as UserRecord;
    const failed = {
      type: 'verification-failed',
      purpose: 'sign-in',
      reason: 'invalid',
      failures: 3,
    } as const;
    logActivity(defaultPolicy, before, after, [failed], T, undefined);
    expect(after.activity).toStrictEqual([{ seq: 1, at: T, type: 'codes-failed', count: 1, since: T }]);
  });
});

describe('contact checks', () => {
  /** A user with 2SV on and a verified e-mail contact (and, when asked, a phone contact). */
  async function withContacts(phone = false) {
    // Room for the six checks of a test within the hour
    const s = await signedIn(definePolicy({ sendLimits: { contact: { hour: 10, day: 10 } } }));
    const { b } = s;
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { email: 'ann@example.com' }, { proof: b.proof('u') });
    await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') });
    if (phone) {
      b.advance(31_000);
      await b.twoStep.beginContactVerification('u', { phone: PHONE_2 }, { proof: b.proof('u') });
      await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') });
    }
    return s;
  }

  it('beginning and confirming are sensitive changes; the code lives policy.code.lifetime', async () => {
    const { b } = await signedIn();
    b.advance(31_000);
    await refused(
      () => b.twoStep.beginContactVerification('u', { email: 'a@example.com' }),
      'VERIFICATION_REQUIRED',
    );
    const begun = await b.twoStep.beginContactVerification(
      'u',
      { email: 'a@example.com' },
      { proof: b.proof('u') },
    );
    expect(begun).toEqual({ ok: true, to: expect.any(String), expiresAt: b.now() + 600_000 });
    expect(b.sent.at(-1)).toMatchObject({ channel: 'email', to: 'a@example.com', purpose: 'contact' });
    await refused(() => b.twoStep.confirmContact('u', b.lastCode()), 'VERIFICATION_REQUIRED');
    await refused(() => b.twoStep.confirmContact('nobody', '123456'), 'CONTACT_NOT_FOUND');
    b.clearEvents();
    expect(await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') })).toMatchObject({
      ok: true,
    });
    expect(bodies(b)).toEqual([
      { type: 'verification-passed', purpose: 'contact' },
      { type: 'contact-verified', contact: expect.objectContaining({ kind: 'email' }) },
    ]);
    await refused(
      () => b.twoStep.confirmContact('u', '123456', { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
  });

  it('wrong codes count on the check itself: the fifth ends it, and are named for the contact', async () => {
    const { b } = await signedIn();
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { email: 'a@example.com' }, { proof: b.proof('u') });
    const wrong = String((Number(b.lastCode()) + 1) % 1_000_000).padStart(6, '0');
    b.clearEvents();
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push(await b.twoStep.confirmContact('u', wrong, { proof: b.proof('u') }));
    expect(results.map((r) => !r.ok && r.reason)).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'attempts-exhausted',
    ]);
    expect(b.events[0]).toMatchObject({ type: 'verification-failed', purpose: 'contact' });
    await refused(
      () => b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
  });

  it('confirmContact refuses a check from before its start (a clock gone back) and answers a lock with the lock', () => {
    const rules = { policy: defaultPolicy } as Parameters<typeof confirmContact>[0];
    const contact = {
      id: 'c1',
      kind: 'email',
      channel: 'email',
      value: 'a@example.com',
      hash: 'h',
      startedAt: T,
      expiresAt: T + 600_000,
      attempts: 0,
    } as const;
    const r = { ...emptyRecord(), contact };
    expect(() => confirmContact(rules, r, T - 1, T, 'u', '123456', undefined)).toThrow(
      expect.objectContaining({ code: 'CONTACT_EXPIRED', message: expect.stringMatching(/\w+ \w+ \w+/) }),
    );
    expect(confirmContact(rules, { ...r, lockedUntil: T + 9 }, T, T, 'u', '123456', undefined)).toEqual({
      result: { ok: false, reason: 'locked', lockedUntil: T + 9 },
    });
  });

  it('a new contact replaces only the one of its kind; removing one leaves the other and the other kind of check', async () => {
    const { b } = await withContacts(true);
    const kinds = async () => (await b.twoStep.status('u')).contacts.map((c) => `${c.kind}:${c.masked}`);
    const before = await kinds();
    expect(before).toHaveLength(2);
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { email: 'bob@example.com' }, { proof: b.proof('u') });
    await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') });
    const after = await kinds();
    expect(after).toHaveLength(2);
    expect(after.filter((k) => k.startsWith('phone:'))).toEqual(before.filter((k) => k.startsWith('phone:')));
    expect(after.filter((k) => k.startsWith('email:'))).not.toEqual(
      before.filter((k) => k.startsWith('email:')),
    );
    // A pending e-mail check, then the phone contact removed: the e-mail check and contact stay
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { email: 'cy@example.com' }, { proof: b.proof('u') });
    const code = b.lastCode();
    await refused(() => b.twoStep.removeContact('u', 'phone'), 'VERIFICATION_REQUIRED');
    const status = await b.twoStep.removeContact('u', 'phone', { proof: b.proof('u') });
    expect(status.contacts.map((c) => c.kind)).toEqual(['email']);
    expect(await b.twoStep.confirmContact('u', code, { proof: b.proof('u') })).toMatchObject({ ok: true });
    // A pending phone check ends with the removal of the phone contact
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { phone: PHONE_2 }, { proof: b.proof('u') });
    await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') });
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { phone: PHONE_3 }, { proof: b.proof('u') });
    const phoneCode = b.lastCode();
    await b.twoStep.removeContact('u', 'phone', { proof: b.proof('u') });
    await refused(
      () => b.twoStep.confirmContact('u', phoneCode, { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
    await refused(() => b.twoStep.removeContact('u', 'phone', { proof: b.proof('u') }), 'CONTACT_NOT_FOUND');
    await refused(() => b.twoStep.removeContact('nobody', 'email'), 'CONTACT_NOT_FOUND');
  });

  it('parseContactInput: an object, sms by default, voice on request, the engine region for national numbers', () => {
    expect(parseContactInput({ phone: PHONE_1 })).toEqual({ kind: 'phone', channel: 'sms', value: PHONE_1 });
    expect(parseContactInput({ phone: PHONE_1, channel: 'voice' })).toEqual({
      kind: 'phone',
      channel: 'voice',
      value: PHONE_1,
    });
    expect(parseContactInput({ phone: '(201) 555-0101' }, { defaultRegion: 'US' })).toEqual({
      kind: 'phone',
      channel: 'sms',
      value: PHONE_1,
    });
    for (const bad of [null, 'a@example.com', 42]) expectInvalid(() => parseContactInput(bad as never));
    expectInvalid(() => parseContactInput({ phone: PHONE_1, channel: 'fax' as 'sms' }));
    expectInvalid(() => parseContactInput({ phone: PHONE_1, channel: '' as 'sms' }));
  });
});
