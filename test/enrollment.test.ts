// Scenarios of the product brief, run through the engine with an exact clock.
import { describe, expect, it } from 'vitest';
import { createTwoStep } from '../src/enrollment.js';
import { TwoSvError } from '../src/errors.js';
import { DEVICE_KINDS, type DeviceKind, defaultPolicy, definePolicy } from '../src/policy.js';
import { MemoryStore } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import {
  addAuthenticator,
  addPhone,
  type Bench,
  CODE_KEY,
  makeBench,
  PHONE_1,
  PHONE_2,
  PHONE_3,
  rejectsWith,
  seededRandom,
  setUpUser,
  snapshot,
} from './support/two-step.js';

const BRIEF_TABLE: Record<string, DeviceKind[]> = {
  sms: ['voice', 'sms', 'authenticator'],
  authenticator: ['sms', 'voice'],
};

async function addKind(b: Bench, userId: string, kind: DeviceKind, phone: string) {
  return kind === 'authenticator' ? (await addAuthenticator(b, userId)).id : addPhone(b, userId, phone, kind);
}

describe('the device table', () => {
  for (const primary of DEVICE_KINDS) {
    for (const backup of DEVICE_KINDS) {
      const allowedPrimary = primary in BRIEF_TABLE;
      const allowed = BRIEF_TABLE[primary]?.includes(backup) ?? false;
      it(`${primary} primary + ${backup} backup: ${allowed ? 'enables 2SV' : 'refused'}`, async () => {
        const b = makeBench();
        if (!allowedPrimary) {
          const before = await snapshot(b.store, 'u');
          await rejectsWith(
            () =>
              primary === 'authenticator'
                ? b.twoStep.enrollAuthenticator('u', { proof: b.proof('u'), account: 'u' })
                : b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_1, kind: primary }),
            'PRIMARY_KIND_NOT_ALLOWED',
          );
          expect(await snapshot(b.store, 'u')).toEqual(before);
          expect(b.senderCalls()).toBe(0);
          return;
        }
        await addKind(b, 'u', primary, PHONE_1);
        expect((await b.twoStep.status('u')).setupStep).toBe('enroll-backup');
        if (allowed) {
          await addKind(b, 'u', backup, PHONE_2);
          const status = await b.twoStep.status('u');
          expect(status.enabled).toBe(true);
          expect(status.devices.map((d) => [d.role, d.kind])).toEqual([
            ['primary', primary],
            ['backup', backup],
          ]);
        } else {
          const before = await snapshot(b.store, 'u');
          const calls = b.senderCalls();
          b.advance(31_000);
          await rejectsWith(
            () =>
              backup === 'authenticator'
                ? b.twoStep.enrollAuthenticator('u', { proof: b.proof('u'), account: 'u' })
                : b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, kind: backup }),
            'BACKUP_KIND_NOT_ALLOWED',
          );
          expect(await snapshot(b.store, 'u')).toEqual(before);
          expect(b.senderCalls()).toBe(calls);
        }
      });
    }
  }

  it('the same number is never both primary and backup, however it is written', async () => {
    const b = makeBench();
    await addPhone(b, 'u', '+1 (201) 555-0101');
    const before = await snapshot(b.store, 'u');
    b.advance(31_000);
    for (const spelling of ['+12015550101', '001 201 555 0101', '＋１ ２０１ ５５５ ０１０１']) {
      for (const kind of ['sms', 'voice'] as const) {
        await rejectsWith(
          () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: spelling, kind }),
          'DUPLICATE_PHONE',
        );
      }
    }
    expect(await snapshot(b.store, 'u')).toEqual(before);
  });

  it('one backup by default; a second is refused, the policy can allow more', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, kind: 'voice' }),
      'TOO_MANY_BACKUPS',
    );
    const two = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    await setUpUser(two, 'u');
    await addPhone(two, 'u', PHONE_2, 'voice');
    expect((await two.twoStep.status('u')).devices).toHaveLength(3);
  });

  it('2SV can turn on with the primary alone when the policy says so', async () => {
    const b = makeBench({ policy: definePolicy({ requireBackup: false }) });
    await addAuthenticator(b, 'u');
    expect((await b.twoStep.status('u')).enabled).toBe(true);
    expect(b.eventTypes()).toContain('two-step-enabled');
  });

  it('a policy can forbid phones as primary', async () => {
    const b = makeBench({ policy: definePolicy({ table: { authenticator: ['sms', 'voice'] } }) });
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_1 }),
      'PRIMARY_KIND_NOT_ALLOWED',
    );
  });
});

describe('the whole walk: sign-up, primary, backup, sign-in, backup sign-in, swap, disable', () => {
  it('reads like the brief', async () => {
    const b = makeBench();
    const u = 'alice';

    // Sign-up: 2SV is off until set up.
    let status = await b.twoStep.status(u);
    expect(status).toMatchObject({ enabled: false, setupStep: 'enroll-primary', devices: [] });

    // Primary: an authenticator app, shown as a QR code, confirmed with the app's current code.
    const enrollment = await b.twoStep.enrollAuthenticator(u, {
      proof: b.proof(u),
      account: 'alice@example.com',
    });
    expect(enrollment.uri).toMatch(
      /^otpauth:\/\/totp\/ACME%20Co:alice%40example\.com\?secret=[A-Z2-7]+&issuer=ACME%20Co$/,
    );
    expect(enrollment.qrSvg).toMatch(/^<svg/);
    status = await b.twoStep.status(u);
    expect(status.devices).toEqual([
      { id: enrollment.id, kind: 'authenticator', role: 'primary', confirmed: false, addedAt: b.now() },
    ]);
    const confirmed = await b.twoStep.confirmEnrollment(u, b.totp(enrollment.secret));
    expect(confirmed).toMatchObject({
      ok: true,
      enabled: false,
      device: { role: 'primary', confirmed: true },
    });
    expect((await b.twoStep.status(u)).setupStep).toBe('enroll-backup');

    // Backup: an SMS phone; the site sends a code and the user types it back.
    b.advance(1000);
    const phone = await b.twoStep.enrollPhone(u, { proof: b.proof(u), phone: '+1 (201) 555-0101' });
    expect(phone).toMatchObject({
      ok: true,
      enrollment: { kind: 'sms', role: 'backup', phone: '+1••••••0101' },
    });
    expect(b.sent.at(-1)).toMatchObject({ channel: 'sms', to: PHONE_1, purpose: 'enrollment', userId: u });
    const backup = await b.twoStep.confirmEnrollment(u, b.lastCode());
    expect(backup).toMatchObject({ ok: true, enabled: true });
    const smsId = (backup as { device: { id: string } }).device.id;
    status = await b.twoStep.status(u);
    expect(status).toMatchObject({
      enabled: true,
      setupStep: null,
      phoneOnly: false,
      recommendAuthenticator: false,
    });

    // Sign-in with the primary.
    b.advance(60_000);
    const challenge = await b.twoStep.beginChallenge(u);
    expect(challenge).toMatchObject({
      ok: true,
      challenge: { deviceId: enrollment.id, kind: 'authenticator' },
    });
    expect(await b.twoStep.verify(u, b.totp(enrollment.secret))).toMatchObject({
      ok: true,
      deviceId: enrollment.id,
    });

    // "I don't have my phone": sign-in with the backup.
    b.advance(60_000);
    const toBackup = await b.twoStep.beginChallenge(u, { deviceId: smsId });
    expect(toBackup).toMatchObject({
      ok: true,
      challenge: { deviceId: smsId, kind: 'sms', phone: '+1••••••0101' },
    });
    expect(b.sent.at(-1)).toMatchObject({ purpose: 'sign-in', to: PHONE_1 });
    expect(await b.twoStep.verify(u, b.lastCode())).toMatchObject({ ok: true, deviceId: smsId, kind: 'sms' });

    // Swap: the SMS phone becomes primary, the app its backup.
    status = await b.twoStep.swapPrimary(u, { proof: b.proof(u) });
    expect(status.devices.map((d) => [d.role, d.kind])).toEqual([
      ['primary', 'sms'],
      ['backup', 'authenticator'],
    ]);
    b.advance(31_000);
    expect(await b.twoStep.beginChallenge(u)).toMatchObject({ ok: true, challenge: { kind: 'sms' } });
    expect(await b.twoStep.verify(u, b.lastCode())).toMatchObject({ ok: true });

    // Disable from the advanced settings.
    status = await b.twoStep.disable(u, { proof: b.proof(u) });
    expect(status).toMatchObject({ enabled: false, devices: [], setupStep: 'enroll-primary' });
    await rejectsWith(() => b.twoStep.beginChallenge(u), 'NOT_ENABLED');

    expect(b.eventTypes()).toEqual([
      'enrollment-started',
      'verification-passed',
      'device-added',
      'enrollment-started',
      'code-sent',
      'verification-passed',
      'device-added',
      'two-step-enabled',
      'challenge-started',
      'verification-passed',
      'challenge-started',
      'code-sent',
      'verification-passed',
      'primary-changed',
      'challenge-started',
      'code-sent',
      'verification-passed',
      'two-step-disabled',
    ]);
  });
});

describe('one active code', () => {
  it("a new challenge ends the old one: the old code and the other device's codes are refused", async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    b.advance(60_000);
    await b.twoStep.beginChallenge('u'); // on the app
    await b.twoStep.beginChallenge('u', { deviceId: smsId }); // switch to the phone
    const smsCode = b.lastCode();
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await b.twoStep.verify('u', smsCode)).toMatchObject({ ok: true, deviceId: smsId });
    expect(await b.twoStep.verify('u', smsCode)).toEqual({ ok: false, reason: 'no-challenge' });
  });

  it('a resend invalidates the previous code', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const first = b.lastCode();
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const second = b.lastCode();
    expect(second).not.toBe(first);
    expect(await b.twoStep.verify('u', first)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await b.twoStep.verify('u', second)).toMatchObject({ ok: true });
  });

  it('a code sent for enrolment does not pass a sign-in, nor the other way round', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const signInCode = b.lastCode();
    expect(await b.twoStep.verify('u', signInCode)).toMatchObject({ ok: true });
    b.advance(31_000);
    await b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, kind: 'voice' });
    const enrolCode = b.lastCode();
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    expect(await b.twoStep.verify('u', enrolCode)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await b.twoStep.confirmEnrollment('u', b.lastCode())).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
  });

  it('codes are forgiven spaces, dashes and full-width digits', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const code = b.lastCode();
    const typed = ` ${code.slice(0, 3)} - ${code.slice(3)} `.replace(/\d/g, (d) =>
      String.fromCharCode(d.charCodeAt(0) + 0xfee0),
    );
    expect(await b.twoStep.verify('u', typed)).toMatchObject({ ok: true });
  });

  it('sent codes are uniformly distributed digits of the policy length (chi-square, fixed seed)', async () => {
    const n = 1000;
    const b = makeBench({
      seed: 0x2545f491,
      policy: definePolicy({
        code: { digits: 8 },
        sendLimits: {
          cooldown: 1,
          perUser: { hour: n, day: n },
          perDestination: { hour: n, day: n },
          contact: { hour: n, day: n },
        },
      }),
    });
    for (let i = 0; i < n; i++) {
      b.advance(1_000);
      const sent = await b.twoStep.beginContactVerification(
        'u',
        { email: 'u@example.com' },
        { proof: b.proof('u') },
      );
      expect(sent.ok).toBe(true);
    }
    const codes = b.sent.map((m) => m.code);
    expect(codes).toHaveLength(n);
    for (const code of codes) expect(code).toMatch(/^\d{8}$/);
    // Each of the 8 positions: 10 digits, expected n/10 each; chi-square with 9 degrees of freedom, below its
    // 0.1 % critical value 27.88. A code drawn from fewer bits (24 bits give at most 16777215: the first two
    // digits at most 16) or with a modulo bias on a small range fails by far.
    for (let position = 0; position < 8; position++) {
      const counts = new Array<number>(10).fill(0);
      for (const code of codes) counts[Number(code[position])]!++;
      const chi2 = counts.reduce((sum, c) => sum + (c - n / 10) ** 2 / (n / 10), 0);
      expect(chi2, `digit ${position}: ${counts.join(' ')}`).toBeLessThan(27.88);
    }
    expect(new Set(codes).size).toBeGreaterThan(n - 5); // 10^8 values: collisions are rare
  });

  it('a sent code is the 48 random bits modulo 10^digits, drawing again above the last whole block', async () => {
    // Scripted 6-byte draws (the code's); every other draw (ids, secrets) from the seeded source.
    const draws = [
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // 2^48 - 1: in the incomplete last block of 10^6, drawn again
      [0xff, 0xff, 0xff, 0xf5, 0x28, 0x00], // 2^48 - 710656 = the limit itself: drawn again
      [0xff, 0xff, 0xff, 0xf5, 0x27, 0xff], // limit - 1 = 281474975999999: code 999999
      [0x01, 0x23, 0x45, 0x67, 0x89, 0xab], // 0x0123456789ab = 1250999896491: code 896491
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x2a], // 42: code 000042
    ];
    const seeded = seededRandom(7);
    const random = (bytes: Uint8Array) => {
      if (bytes.length !== 6) return seeded(bytes);
      bytes.set(draws.shift() ?? [0, 0, 0, 0, 0, 1]);
      return bytes;
    };
    const b = makeBench({ random, policy: definePolicy({ requireBackup: false }) });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      b.advance(31_000);
      await b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') });
      codes.push(b.lastCode());
    }
    expect(codes).toEqual(['999999', '896491', '000042']);
    expect(draws).toEqual([]);
  });
});

describe('replay (RFC 6238 §5.2)', () => {
  it('the step that confirmed the enrolment is never accepted again', async () => {
    const b = makeBench({ policy: definePolicy({ requireBackup: false }) });
    const enrollment = await b.twoStep.enrollAuthenticator('u', { proof: b.proof('u'), account: 'u' });
    const code = b.totp(enrollment.secret);
    await b.twoStep.confirmEnrollment('u', code);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', code)).toEqual({ ok: false, reason: 'replayed', attemptsLeft: 4 });
    expect(b.eventTypes().at(-1)).toBe('replay-refused');
    b.advance(30_000);
    expect(await b.twoStep.verify('u', b.totp(enrollment.secret))).toMatchObject({ ok: true });
  });

  it('a used code, and an older one after a newer, are refused', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    b.advance(90_000);
    const older = b.totp(secret, b.now() - 30_000); // still inside the window
    const current = b.totp(secret);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', current)).toMatchObject({ ok: true });
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', current)).toMatchObject({ ok: false, reason: 'replayed' });
    expect(await b.twoStep.verify('u', older)).toMatchObject({ ok: false, reason: 'replayed' });
    expect((await b.twoStep.status('u')).failures).toBe(2);
  });

  it('a sent code works once', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const code = b.lastCode();
    expect(await b.twoStep.verify('u', code)).toMatchObject({ ok: true });
    expect(await b.twoStep.verify('u', code)).toEqual({ ok: false, reason: 'no-challenge' });
  });
});

describe('expiry', () => {
  it('a sent code expires after the policy lifetime, without counting a failure', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    b.advance(defaultPolicy.code.lifetime * 1000 - 1);
    const code = b.lastCode();
    b.advance(1);
    expect(await b.twoStep.verify('u', code)).toEqual({ ok: false, reason: 'expired' });
    expect((await b.twoStep.status('u')).failures).toBe(0);
    expect((await b.twoStep.status('u')).challenge).toBeNull();
  });

  it('a code checked with the clock before its sending is expired (clock moved backwards)', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    b.advance(-60_000);
    expect(await b.twoStep.verify('u', b.lastCode())).toEqual({ ok: false, reason: 'expired' });
  });

  it('an enrolment expires: confirming it is an error and changes nothing', async () => {
    const b = makeBench();
    const enrollment = await b.twoStep.enrollAuthenticator('u', { proof: b.proof('u'), account: 'u' });
    b.advance(defaultPolicy.enrollmentLifetime * 1000);
    const before = await snapshot(b.store, 'u');
    await rejectsWith(
      () => b.twoStep.confirmEnrollment('u', b.totp(enrollment.secret)),
      'ENROLLMENT_EXPIRED',
    );
    expect(await snapshot(b.store, 'u')).toEqual(before);
    expect((await b.twoStep.status('u')).devices).toEqual([]);
  });
});

describe('lockout', () => {
  it('after 5 wrong codes the code ends; after 10 consecutive failures the user is locked', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    b.advance(60_000);
    await b.twoStep.beginChallenge('u');
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await b.twoStep.verify('u', '000000'));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason === 'invalid' ? r.attemptsLeft : r.reason))).toEqual([
      4,
      3,
      2,
      1,
      'attempts-exhausted',
    ]);
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({ ok: false, reason: 'no-challenge' });
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 4; i++) await b.twoStep.verify('u', '000000');
    const locked = await b.twoStep.verify('u', '000000');
    const until = b.now() + 15 * 60_000;
    expect(locked).toEqual({ ok: false, reason: 'locked', lockedUntil: until });
    expect(b.eventTypes().slice(-2)).toEqual(['verification-failed', 'locked']);
    expect(b.events.at(-1)).toMatchObject({ type: 'locked', until, failures: 10 });

    // Locked: a distinct result even for a correct code; no challenge, no code sent.
    const calls = b.senderCalls();
    expect(await b.twoStep.beginChallenge('u')).toEqual({ ok: false, reason: 'locked', lockedUntil: until });
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: until,
    });
    const smsId = (await b.twoStep.status('u')).devices[1]!.id;
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ reason: 'locked' });
    expect(b.senderCalls()).toBe(calls);
    expect(await b.twoStep.status('u')).toMatchObject({ locked: true, lockedUntil: until, failures: 10 });

    // The lock ends; a correct code works and resets the count.
    b.setTime(until);
    expect(await b.twoStep.beginChallenge('u')).toMatchObject({ ok: true });
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect(await b.twoStep.status('u')).toMatchObject({ locked: false, failures: 0 });
  });

  it('repeated locks grow, doubling up to the cap, and a success resets the growth', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    const lengths: number[] = [];
    for (let lock = 0; lock < 9; lock++) {
      for (let i = 0; i < 2; i++) {
        await b.twoStep.beginChallenge('u');
        for (let j = 0; j < 5; j++) await b.twoStep.verify('u', '000000');
      }
      const status = await b.twoStep.status('u');
      expect(status.locked).toBe(true);
      lengths.push((status.lockedUntil! - b.now()) / 60_000);
      b.setTime(status.lockedUntil!);
    }
    expect(lengths).toEqual([15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
  });

  it('a clock that moves backwards never shortens a lock', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    const { lockedUntil } = await b.twoStep.status('u');
    b.advance(-3_600_000); // an hour back
    expect(await b.twoStep.status('u')).toMatchObject({ locked: true, lockedUntil });
    b.setTime(lockedUntil! - 1);
    expect((await b.twoStep.status('u')).locked).toBe(true);
    b.setTime(lockedUntil!);
    expect((await b.twoStep.status('u')).locked).toBe(false);
  });

  it('no dodging: resending, switching devices and new challenges share one count', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 3; i++) await b.twoStep.verify('u', '000000'); // 3 on the app
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    for (let i = 0; i < 3; i++) await b.twoStep.verify('u', '000000'); // 3 on the phone
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId }); // resend
    for (let i = 0; i < 3; i++) await b.twoStep.verify('u', '000000'); // 3 more
    await b.twoStep.beginChallenge('u'); // back to the app
    expect(await b.twoStep.verify('u', '000000')).toMatchObject({ ok: false, reason: 'locked' }); // the 10th
  });

  it('wrong enrolment and contact codes count too', async () => {
    const b = makeBench();
    await addAuthenticator(b, 'u');
    b.advance(31_000);
    await b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_1 });
    for (let i = 0; i < 4; i++) await b.twoStep.confirmEnrollment('u', '000000');
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { email: 'alice@example.com' }, { proof: b.proof('u') });
    for (let i = 0; i < 5; i++) await b.twoStep.confirmContact('u', '000000', { proof: b.proof('u') });
    expect((await b.twoStep.status('u')).failures).toBe(9);
    expect(await b.twoStep.confirmEnrollment('u', '000000')).toMatchObject({ reason: 'locked' });
  });
});

describe('send throttling', () => {
  it('a cooldown between sends: refused without calling the sender', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
    const calls = b.senderCalls();
    const sentAt = b.now();
    b.advance(10_000);
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'cooldown',
      retryAt: sentAt + 30_000,
    });
    expect(b.senderCalls()).toBe(calls);
  });

  it('caps per user per hour and per day', async () => {
    const b = makeBench({
      policy: definePolicy({ sendLimits: { perDestination: { hour: 100, day: 100 } } }),
    });
    const { smsId } = await setUpUser(b, 'u'); // 1 send
    const first = b.sent[0]!;
    const times = [first.expiresAt - 600_000];
    for (let i = 0; i < 4; i++) {
      b.advance(31_000);
      expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
      times.push(b.now());
    }
    b.advance(31_000);
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'user-hour',
      retryAt: times[0]! + 3_600_000,
    });
    // Five more in the next hours reach the day cap of 10.
    for (let i = 0; i < 5; i++) {
      b.advance(3_600_000);
      expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
    }
    b.advance(3_600_000);
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({
      ok: false,
      limit: 'user-day',
      retryAt: times[0]! + 86_400_000,
    });
    b.setTime(times[0]! + 86_400_000);
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
  });

  it('caps per phone number across users (SMS pumping)', async () => {
    const b = makeBench();
    const calls: number[] = [];
    for (let i = 0; i < 7; i++) {
      const user = `user-${i}`;
      await addAuthenticator(b, user);
      const result = await b.twoStep.enrollPhone(user, { proof: b.proof(user), phone: '+44 7400 123456' });
      calls.push(b.senderCalls());
      if (i < 5) expect(result).toMatchObject({ ok: true });
      else expect(result).toMatchObject({ ok: false, reason: 'throttled', limit: 'destination-hour' });
    }
    expect(calls).toEqual([1, 2, 3, 4, 5, 5, 5]);
    // Another number is not affected.
    expect(await b.twoStep.enrollPhone('user-6', { proof: b.proof('user-6'), phone: PHONE_3 })).toMatchObject(
      { ok: true },
    );
  });

  it('a refused destination send leaves the user able to send elsewhere (no user send counted)', async () => {
    const b = makeBench({ policy: definePolicy({ sendLimits: { perDestination: { hour: 1, day: 1 } } }) });
    await addAuthenticator(b, 'a');
    await addAuthenticator(b, 'b');
    expect(await b.twoStep.enrollPhone('a', { proof: b.proof('a'), phone: PHONE_1 })).toMatchObject({
      ok: true,
    });
    expect(await b.twoStep.enrollPhone('b', { proof: b.proof('b'), phone: PHONE_1 })).toMatchObject({
      limit: 'destination-day',
    });
    expect(await b.twoStep.enrollPhone('b', { proof: b.proof('b'), phone: PHONE_2 })).toMatchObject({
      ok: true,
    }); // no cooldown hit
  });
});

describe('swap, replace, remove, disable', () => {
  it('swapping to a voice phone is refused: a voice phone may not be primary', async () => {
    const b = makeBench();
    await addPhone(b, 'u', PHONE_1, 'sms');
    const voice = await addPhone(b, 'u', PHONE_2, 'voice');
    const before = await snapshot(b.store, 'u');
    await rejectsWith(
      () => b.twoStep.swapPrimary('u', { deviceId: voice, proof: b.proof('u') }),
      'PRIMARY_KIND_NOT_ALLOWED',
    );
    expect(await snapshot(b.store, 'u')).toEqual(before);
  });

  it('swapping with the primary itself or an unknown device is refused', async () => {
    const b = makeBench();
    const { appId } = await setUpUser(b, 'u');
    await rejectsWith(
      () => b.twoStep.swapPrimary('u', { deviceId: appId, proof: b.proof('u') }),
      'NOT_A_BACKUP',
    );
    await rejectsWith(
      () => b.twoStep.swapPrimary('u', { deviceId: 'nope', proof: b.proof('u') }),
      'UNKNOWN_DEVICE',
    );
  });

  it('sensitive changes need a recent verification', async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    b.advance(defaultPolicy.recentVerification * 1000 + 1);
    const before = await snapshot(b.store, 'u');
    await rejectsWith(() => b.twoStep.swapPrimary('u', { proof: b.proof('u') }), 'VERIFICATION_REQUIRED');
    await rejectsWith(() => b.twoStep.disable('u', { proof: b.proof('u') }), 'VERIFICATION_REQUIRED');
    await rejectsWith(
      () => b.twoStep.removeDevice('u', smsId, { proof: b.proof('u') }),
      'VERIFICATION_REQUIRED',
    );
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, replaces: smsId }),
      'VERIFICATION_REQUIRED',
    );
    await rejectsWith(
      () => b.twoStep.enrollAuthenticator('u', { proof: b.proof('u'), account: 'u', replaces: smsId }),
      'VERIFICATION_REQUIRED',
    );
    expect(await snapshot(b.store, 'u')).toEqual(before);
    expect((await b.twoStep.status('u', { proof: b.proof('u') })).recentlyVerified).toBe(false);
    await b.twoStep.beginChallenge('u');
    await b.twoStep.verify('u', b.totp(secret));
    expect((await b.twoStep.status('u', { proof: b.proof('u') })).recentlyVerified).toBe(true);
    expect((await b.twoStep.swapPrimary('u', { proof: b.proof('u') })).devices[0]!.kind).toBe('sms');
  });

  it('replacing a device: the new one takes its role once confirmed', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.clearEvents();
    const voiceId = await addPhone(b, 'u', PHONE_2, 'voice', { replaces: smsId });
    const status = await b.twoStep.status('u');
    expect(status.devices.map((d) => [d.id, d.role, d.kind])).toEqual([
      [status.devices[0]!.id, 'primary', 'authenticator'],
      [voiceId, 'backup', 'voice'],
    ]);
    expect(b.events.find((e) => e.type === 'device-replaced')).toMatchObject({
      device: { id: voiceId, kind: 'voice' },
      replaced: { id: smsId, kind: 'sms', phone: '+1••••••0101' },
    });
  });

  it('replacing the primary with an app that cannot be backed up by the app backup is refused', async () => {
    const b = makeBench();
    const p = await addPhone(b, 'u', PHONE_1);
    await addAuthenticator(b, 'u');
    await rejectsWith(
      () => b.twoStep.enrollAuthenticator('u', { proof: b.proof('u'), account: 'u', replaces: p }),
      'BACKUP_KIND_NOT_ALLOWED',
    );
  });

  it('the last required backup and the primary cannot be removed; an extra backup can', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    const { appId, smsId } = await setUpUser(b, 'u');
    await rejectsWith(() => b.twoStep.removeDevice('u', smsId, { proof: b.proof('u') }), 'BACKUP_REQUIRED');
    await rejectsWith(
      () => b.twoStep.removeDevice('u', appId, { proof: b.proof('u') }),
      'PRIMARY_NOT_REMOVABLE',
    );
    await rejectsWith(() => b.twoStep.removeDevice('u', 'nope', { proof: b.proof('u') }), 'UNKNOWN_DEVICE');
    const voice = await addPhone(b, 'u', PHONE_2, 'voice');
    const status = await b.twoStep.removeDevice('u', smsId, { proof: b.proof('u') });
    expect(status.devices.map((d) => d.id)).toEqual([appId, voice]);
    expect(b.events.at(-1)).toMatchObject({ type: 'device-removed', device: { id: smsId } });
  });

  it('removing the device of the open challenge ends the challenge', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    const { smsId } = await setUpUser(b, 'u');
    await addPhone(b, 'u', PHONE_2, 'voice');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const code = b.lastCode();
    await b.twoStep.removeDevice('u', smsId, { proof: b.proof('u') });
    expect(await b.twoStep.verify('u', code)).toEqual({ ok: false, reason: 'no-challenge' });
  });

  it('disabling keeps the lockout count (it is no way around a lock)', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    await b.twoStep.beginChallenge('u');
    await b.twoStep.verify('u', '000000');
    await b.twoStep.disable('u', { proof: b.proof('u') });
    expect(await b.twoStep.status('u')).toMatchObject({ enabled: false, failures: 1 });
    expect(b.events.at(-1)).toMatchObject({
      type: 'two-step-disabled',
      devices: [{ kind: 'authenticator' }, { kind: 'sms' }],
    });
  });
});

describe('re-verification after an abnormal sign-in', () => {
  it('demands a fresh challenge and blocks sensitive changes until it passes', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    b.advance(30_000);
    await b.twoStep.beginChallenge('u');
    const status = await b.twoStep.requireReverification('u', { reason: 'new country' });
    expect(status).toMatchObject({ reverificationRequired: true, recentlyVerified: false, challenge: null });
    expect(b.events.at(-1)).toMatchObject({ type: 'reverification-required', reason: 'new country' });
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({ ok: false, reason: 'no-challenge' });
    await rejectsWith(() => b.twoStep.disable('u', { proof: b.proof('u') }), 'VERIFICATION_REQUIRED');
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect((await b.twoStep.status('u')).reverificationRequired).toBe(false);
    expect((await b.twoStep.disable('u', { proof: b.proof('u') })).enabled).toBe(false);
  });

  it('needs 2SV to be on', async () => {
    const b = makeBench();
    await addAuthenticator(b, 'u');
    await rejectsWith(() => b.twoStep.requireReverification('u'), 'NOT_ENABLED');
  });
});

describe('contact verification', () => {
  it('verifies an e-mail address by a code through the sender', async () => {
    const b = makeBench();
    const begun = await b.twoStep.beginContactVerification(
      'u',
      { email: '  Alice@Example.COM ' },
      { proof: b.proof('u') },
    );
    expect(begun).toMatchObject({ ok: true, to: 'A•••@example.com' });
    expect(b.sent.at(-1)).toMatchObject({ channel: 'email', to: 'Alice@example.com', purpose: 'contact' });
    expect(await b.twoStep.confirmContact('u', '000000', { proof: b.proof('u') })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    const result = await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') });
    expect(result).toEqual({
      ok: true,
      contact: { kind: 'email', masked: 'A•••@example.com', value: 'Alice@example.com', verifiedAt: b.now() },
    });
    expect((await b.twoStep.status('u')).contacts).toEqual([
      { kind: 'email', masked: 'A•••@example.com', verifiedAt: b.now() },
    ]);
    expect(b.eventTypes().slice(-2)).toEqual(['verification-passed', 'contact-verified']);
    await rejectsWith(
      () => b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
  });

  it('verifies a phone by voice, and expires', async () => {
    const b = makeBench();
    await b.twoStep.beginContactVerification(
      'u',
      { phone: '+1 201 555 0103', channel: 'voice' },
      { proof: b.proof('u') },
    );
    expect(b.sent.at(-1)).toMatchObject({ channel: 'voice', to: PHONE_3 });
    b.advance(600_000);
    await rejectsWith(
      () => b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') }),
      'CONTACT_EXPIRED',
    );
  });

  it.each([
    ['no at', 'alice.example.com'],
    ['no domain dot', 'alice@localhost'],
    ['space', 'al ice@example.com'],
    ['empty local', '@example.com'],
    ['bad domain', 'alice@-example.com'],
  ])('refuses an e-mail address with %s', async (_, email) => {
    const b = makeBench();
    await rejectsWith(
      () => b.twoStep.beginContactVerification('u', { email }, { proof: b.proof('u') }),
      'INVALID_EMAIL',
    );
    expect(b.senderCalls()).toBe(0);
  });
});

describe('status', () => {
  it('tells when a user relies on phones alone, and suggests an app', async () => {
    const b = makeBench();
    await addPhone(b, 'u', PHONE_1, 'sms');
    await addPhone(b, 'u', PHONE_2, 'voice');
    expect(await b.twoStep.status('u')).toMatchObject({
      enabled: true,
      phoneOnly: true,
      recommendAuthenticator: true,
    });
    const strict = makeBench({ policy: definePolicy({ table: { sms: ['voice', 'sms'] } }) });
    await addPhone(strict, 'u', PHONE_1, 'sms');
    await addPhone(strict, 'u', PHONE_2, 'voice');
    expect(await strict.twoStep.status('u')).toMatchObject({
      phoneOnly: true,
      recommendAuthenticator: false,
    });
  });

  it('of an unknown user is simply off', async () => {
    const b = makeBench();
    expect(await b.twoStep.status('nobody')).toEqual({
      enabled: false,
      setupStep: 'enroll-primary',
      devices: [],
      challenge: null,
      locked: false,
      lockedUntil: null,
      failures: 0,
      reverificationRequired: false,
      verifiedAt: null,
      recentlyVerified: false,
      phoneOnly: false,
      recommendAuthenticator: false,
      contacts: [],
      recoveryCodes: null,
      rememberedBrowsers: 0,
    });
  });
});

describe('events', () => {
  it('never carry secrets, codes or full numbers', async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    await b.twoStep.verify('u', '111111');
    await b.twoStep.verify('u', b.lastCode());
    b.advance(31_000);
    await b.twoStep.beginContactVerification('u', { email: 'alice@example.com' }, { proof: b.proof('u') });
    await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') });
    const text = JSON.stringify(b.events);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('2015550101');
    expect(text).not.toContain('alice@');
    for (const message of b.sent) expect(text).not.toContain(`"${message.code}"`);
    expect(b.events.every((e) => e.userId === 'u' && typeof e.at === 'number')).toBe(true);
  });

  it('a throwing listener never turns a stored change into a failure', async () => {
    const b = makeBench({
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const { secret } = await setUpUser(b, 'u');
    b.advance(30_000);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
  });
});

describe('storage', () => {
  it('stores sent codes only as a keyed hash, and secrets through seal/open', async () => {
    const sealedWith: unknown[] = [];
    const b = makeBench({
      secrets: {
        seal: async (secret, context) => {
          sealedWith.push(context);
          return `sealed:${[...secret].reverse().join('')}`;
        },
        open: (sealed) => [...sealed.slice('sealed:'.length)].reverse().join(''),
      },
    });
    const { secret, appId, smsId } = await setUpUser(b, 'u');
    expect(sealedWith).toEqual([{ userId: 'u', deviceId: appId }]);
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const raw = JSON.stringify(await snapshot(b.store, 'u'));
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(`"${b.lastCode()}"`);
    expect(raw).toContain('sealed:');
    // And the sealed secret still verifies.
    b.advance(30_000);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
  });

  it('user ids are opaque: __proto__, a:b, a and constructor never share state', async () => {
    const b = makeBench();
    await setUpUser(b, '__proto__', PHONE_1);
    await addAuthenticator(b, 'a:b');
    await setUpUser(b, 'constructor', PHONE_2);
    expect((await b.twoStep.status('__proto__')).enabled).toBe(true);
    expect((await b.twoStep.status('a:b')).enabled).toBe(false);
    expect((await b.twoStep.status('a')).devices).toEqual([]);
    expect((await b.twoStep.status('constructor')).devices).toHaveLength(2);
    expect(({} as Record<string, unknown>).devices).toBeUndefined();
  });

  it('a record from another version of the schema is refused, not misread', async () => {
    const b = makeBench();
    await b.store.put('user:u', { v: 99 }, null);
    await rejectsWith(() => b.twoStep.status('u'), 'INVALID_RECORD');
  });

  it('a shared store needs a code key, and a long one', () => {
    expect(() => createTwoStep({ store: new MemoryStore() })).toThrow(TwoSvError);
    expect(() => createTwoStep({ store: new MemoryStore(), codeKey: 'short' })).toThrow(/32 bytes/);
    expect(() => createTwoStep({ store: new MemoryStore(), codeKey: CODE_KEY })).not.toThrow();
    expect(() => createTwoStep({ retries: -1 })).toThrow(TwoSvError);
  });

  it('two engines on one store with one key agree (two servers)', async () => {
    const store = new MemoryStore();
    const time = Date.UTC(2030, 0, 1);
    const sent: string[] = [];
    const make = () =>
      createTwoStep({ store, codeKey: CODE_KEY, clock: () => time, sender: (m) => void sent.push(m.code) });
    const [one, two] = [make(), make()];
    const e = await one.enrollAuthenticator('u', { account: 'u' });
    expect(await two.confirmEnrollment('u', generateTotp(e.secret, { at: time }))).toMatchObject({
      ok: true,
    });
    await two.enrollPhone('u', { phone: PHONE_1 });
    expect(await one.confirmEnrollment('u', sent[0]!)).toMatchObject({ ok: true, enabled: true });
  });
});

describe('bad input', () => {
  it.each([
    ['beginChallenge', (b: Bench) => b.twoStep.beginChallenge('nobody')],
    ['verify', (b: Bench) => b.twoStep.verify('nobody', '123456')],
    ['swapPrimary', (b: Bench) => b.twoStep.swapPrimary('nobody', { proof: b.proof('nobody') })],
    ['removeDevice', (b: Bench) => b.twoStep.removeDevice('nobody', 'x', { proof: b.proof('nobody') })],
    ['disable', (b: Bench) => b.twoStep.disable('nobody', { proof: b.proof('nobody') })],
    ['requireReverification', (b: Bench) => b.twoStep.requireReverification('nobody')],
  ])('%s of an unknown user: UNKNOWN_USER, nothing stored', async (_, call) => {
    const b = makeBench();
    await rejectsWith(() => call(b), 'UNKNOWN_USER');
    expect(await snapshot(b.store, 'nobody')).toBeNull();
  });

  it('each refusal has its own code and leaves the record unchanged', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    const before = await snapshot(b.store, 'u');
    const cases: [() => Promise<unknown>, string][] = [
      [() => b.twoStep.beginChallenge('u', { deviceId: 'nope' }), 'UNKNOWN_DEVICE'],
      [() => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: '+1 555 FLOWERS' }), 'INVALID_PHONE'],
      [
        () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: '+1 201 555 0109 x12' }),
        'INVALID_PHONE',
      ],
      [
        () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: '+1234567890123456' }),
        'INVALID_PHONE',
      ],
      [
        () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, kind: 'voice' }),
        'TOO_MANY_BACKUPS',
      ],
      [
        () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, role: 'primary' }),
        'PRIMARY_EXISTS',
      ],
      [() => b.twoStep.confirmEnrollment('u', '123456'), 'ENROLLMENT_NOT_FOUND'],
      [() => b.twoStep.confirmContact('u', '123456', { proof: b.proof('u') }), 'CONTACT_NOT_FOUND'],
      [() => b.twoStep.removeDevice('u', 'nope', { proof: b.proof('u') }), 'UNKNOWN_DEVICE'],
      [() => b.twoStep.verify('', '123456'), 'INVALID_USER_ID'],
      [() => b.twoStep.status('x'.repeat(257)), 'INVALID_USER_ID'],
      [
        () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, kind: 'email' as never }),
        'INVALID_OPTION',
      ],
    ];
    for (const [call, code] of cases) await rejectsWith(call, code as never);
    b.advance(defaultPolicy.recentVerification * 1000);
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, replaces: smsId }),
      'VERIFICATION_REQUIRED',
    );
    await rejectsWith(() => b.twoStep.disable('u', { proof: b.proof('u') }), 'VERIFICATION_REQUIRED');
    expect(await snapshot(b.store, 'u')).toEqual(before);
    expect(b.sent).toHaveLength(1);
  });

  it('a backup before any primary is refused', async () => {
    const b = makeBench();
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_1, role: 'backup' }),
      'PRIMARY_REQUIRED',
    );
  });

  it('sending without a sender is an option error', async () => {
    const twoStep = createTwoStep();
    await twoStep.enrollAuthenticator('u', { account: 'u' });
    await rejectsWith(() => twoStep.enrollPhone('u', { phone: PHONE_1 }), 'INVALID_OPTION');
  });
});
