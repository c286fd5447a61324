// Defects found in an audit of the engine, each pinned by a scenario that failed before its fix.
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../src/policy.js';
import { makeBench, PHONE_2, rejectsWith, setUpUser } from './support/two-step.js';

describe('a replacement takes the role its device has when the replacement is confirmed', () => {
  it('replacing the primary, then swapping before confirming: one primary, never two', async () => {
    const b = makeBench();
    const { appId, smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    const begun = await b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, replaces: appId });
    expect(begun).toMatchObject({ ok: true, enrollment: { role: 'primary' } });
    await b.twoStep.swapPrimary('u', { deviceId: smsId, proof: b.proof('u') }); // the app is now the backup
    const confirmed = await b.twoStep.confirmEnrollment('u', b.lastCode());
    expect(confirmed).toMatchObject({ ok: true, device: { role: 'backup', kind: 'sms' } });
    const status = await b.twoStep.status('u');
    expect(status.devices.map((d) => [d.id, d.role])).toEqual([
      [smsId, 'primary'],
      [begun.ok && begun.enrollment.id, 'backup'],
    ]);
  });

  it('replacing the backup, then swapping before confirming: never left without a primary', async () => {
    const b = makeBench();
    const { appId, smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    const begun = await b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, replaces: smsId });
    await b.twoStep.swapPrimary('u', { deviceId: smsId, proof: b.proof('u') }); // the phone being replaced is now the primary
    const confirmed = await b.twoStep.confirmEnrollment('u', b.lastCode());
    expect(confirmed).toMatchObject({ ok: true, device: { role: 'primary', kind: 'sms' } });
    const status = await b.twoStep.status('u');
    expect(status.devices.map((d) => [d.id, d.role])).toEqual([
      [begun.ok && begun.enrollment.id, 'primary'],
      [appId, 'backup'],
    ]);
  });
});

describe('re-verification after an abnormal sign-in', () => {
  it('ends a pending enrolment: a device begun in the suspect session cannot be confirmed later', async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, replaces: smsId }); // e.g. the intruder's number
    const code = b.lastCode();
    const status = await b.twoStep.requireReverification('u');
    expect(status.devices.every((d) => d.confirmed)).toBe(true);
    await rejectsWith(() => b.twoStep.confirmEnrollment('u', code), 'ENROLLMENT_NOT_FOUND');
    // Not even once the real user has passed the fresh challenge.
    b.advance(30_000);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    await rejectsWith(() => b.twoStep.confirmEnrollment('u', code), 'ENROLLMENT_NOT_FOUND');
    expect((await b.twoStep.status('u')).devices.map((d) => d.id)).toContain(smsId);
  });
});

describe('a lock freezes the devices', () => {
  it('refuses swap, remove, replace and disable while locked, even right after a verification', async () => {
    const b = makeBench({ policy: definePolicy({ lockout: { duration: 60 } }) });
    const { secret, appId, smsId } = await setUpUser(b, 'u'); // confirming the backup counts as recent
    const wrong = b.totp(secret) === '000000' ? '111111' : '000000';
    const before = b.proof('u'); // from turning 2SV on, moments before the lock
    expect((await b.twoStep.status('u', { proof: before })).locked).toBe(false);
    for (let i = 0; i < b.twoStep.policy.lockout.failures; i++) {
      if (i % b.twoStep.policy.attemptsPerCode === 0) await b.twoStep.beginChallenge('u');
      await b.twoStep.verify('u', wrong);
    }
    const locked = await b.twoStep.status('u', { proof: before });
    expect(locked).toMatchObject({ locked: true, recentlyVerified: false });
    await rejectsWith(() => b.twoStep.swapPrimary('u', { deviceId: smsId, proof: b.proof('u') }), 'LOCKED');
    await rejectsWith(() => b.twoStep.removeDevice('u', smsId, { proof: b.proof('u') }), 'LOCKED');
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { proof: b.proof('u'), phone: PHONE_2, replaces: smsId }),
      'LOCKED',
    );
    await rejectsWith(() => b.twoStep.disable('u', { proof: b.proof('u') }), 'LOCKED');
    expect((await b.twoStep.status('u')).devices.map((d) => [d.id, d.role])).toEqual([
      [appId, 'primary'],
      [smsId, 'backup'],
    ]);
    // Once the lock is over and the user has verified again, changes are allowed.
    b.advance(locked.lockedUntil! - b.now() + 30_000);
    // The proof from before the lock ended with it, even inside its ten minutes (a short test lock).
    await rejectsWith(() => b.twoStep.disable('u', { proof: before }), 'VERIFICATION_REQUIRED');
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect((await b.twoStep.swapPrimary('u', { deviceId: smsId, proof: b.proof('u') })).devices[0]?.id).toBe(
      smsId,
    );
  });
});
