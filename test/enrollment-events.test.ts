// Events go to logs and audit trails: every event type the engine has is produced here, and every one is
// scanned for secrets, codes and full phone numbers, and held to the fields its type declares.
import { describe, expect, it } from 'vitest';
import { decodeBase32, definePolicy, type TwoStepEvent } from '../src/index.js';
import {
  addPhone,
  makeBench,
  PHONE_1,
  PHONE_2,
  PHONE_3,
  rejectsWith,
  setUpUser,
} from './support/two-step.js';

/** The fields each event type may carry besides `type`, `userId` and `at`. Exhaustive: the compiler checks it. */
const EVENT_FIELDS: Record<TwoStepEvent['type'], readonly string[]> = {
  'enrollment-started': ['kind', 'role', 'phone'],
  'device-added': ['device'],
  'device-replaced': ['device', 'replaced'],
  'device-removed': ['device'],
  'primary-changed': ['deviceId', 'previousDeviceId', 'device', 'previous'],
  'two-step-enabled': [],
  'two-step-disabled': ['devices'],
  'challenge-started': ['deviceId', 'kind'],
  'code-sent': ['purpose', 'channel', 'to'],
  'verification-passed': ['purpose', 'deviceId'],
  'verification-failed': ['purpose', 'reason', 'deviceId', 'failures'],
  'replay-refused': ['deviceId', 'failures'],
  locked: ['until', 'failures'],
  'reverification-required': ['reason'],
  'contact-verified': ['contact'],
  'contact-removed': ['contact'],
  'enrollment-cancelled': ['kind', 'role'],
  'recovery-codes-issued': ['count', 'voided'],
  'recovery-code-used': ['remaining'],
  'recovery-codes-low': ['remaining'],
  'two-step-reset': ['actor', 'reason', 'devices', 'recoveryCodes'],
  'remembered-browser-added': ['browser'],
  'remembered-browser-used': ['browser'],
  'remembered-browser-revoked': ['browser', 'reason'],
};
const BROWSER_FIELDS = ['id', 'label', 'createdAt', 'lastUsedAt', 'expiresAt'];
const DEVICE_FIELDS = ['id', 'kind', 'role', 'phone', 'confirmed', 'addedAt', 'lastUsedAt'];
const CONTACT_FIELDS = ['kind', 'masked', 'verifiedAt'];

/** Every event type, each produced at least once, with the secret and every code that went by. */
async function everyEvent() {
  const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
  const typed: string[] = []; // codes the user typed (authenticator codes are never "sent")
  const { secret, appId, smsId } = await setUpUser(b, 'u'); // enrollment-started, code-sent, device-added, enabled
  const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');

  b.advance(31_000);
  await b.twoStep.beginChallenge('u', { deviceId: smsId }); // challenge-started, code-sent
  typed.push(wrongFor(b.lastCode()));
  await b.twoStep.verify('u', typed.at(-1)!); // verification-failed
  await b.twoStep.verify('u', b.lastCode()); // verification-passed

  b.advance(30_000);
  const used = b.totp(secret);
  typed.push(used);
  await b.twoStep.beginChallenge('u');
  await b.twoStep.verify('u', used);
  await b.twoStep.beginChallenge('u');
  await b.twoStep.verify('u', used); // replay-refused

  const voiceId = await addPhone(b, 'u', PHONE_2, 'voice'); // device-added
  const newId = await addPhone(b, 'u', PHONE_3, 'sms', { replaces: voiceId }); // device-replaced
  await b.twoStep.removeDevice('u', newId, { proof: b.proof('u') }); // device-removed
  await b.twoStep.swapPrimary('u', { deviceId: smsId, proof: b.proof('u') }); // primary-changed
  b.advance(31_000);
  await b.twoStep.beginContactVerification(
    'u',
    { email: 'alice.liddell@example.com' },
    { proof: b.proof('u') },
  );
  await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') }); // contact-verified
  await b.twoStep.removeContact('u', 'email', { proof: b.proof('u') }); // contact-removed

  // Recovery codes: issued, used down to the warning level.
  const issued = await b.twoStep.issueRecoveryCodes('u', { proof: b.proof('u') }); // recovery-codes-issued
  const recovery = [...issued.codes];
  const warnAt = b.twoStep.policy.recoveryCodes.warnAt;
  for (const code of recovery.slice(0, recovery.length - warnAt)) {
    expect(await b.twoStep.useRecoveryCode('u', code)).toMatchObject({ ok: true }); // recovery-code-used
  } // recovery-codes-low
  // A remembered browser: added, used (its token rotates), revoked.
  const remembered = await b.twoStep.rememberBrowser('u', {
    label: 'Firefox on Windows',
    proof: b.proof('u'),
  });
  const rotated = await b.twoStep.useRememberToken('u', remembered.token); // remembered-browser-used
  expect(rotated).toMatchObject({ ok: true });
  const tokens = [remembered.token, ...(rotated.ok ? [rotated.token] : [])];
  await b.twoStep.revokeRememberedBrowser('u', remembered.browser.id); // remembered-browser-revoked
  // An enrolment begun, then cancelled.
  await b.twoStep.enrollAuthenticator('u', { account: 'alice', proof: b.proof('u') });
  await b.twoStep.cancelEnrollment('u'); // enrollment-cancelled

  await b.twoStep.requireReverification('u', { reason: 'new country' }); // reverification-required

  // Lock the user out with wrong authenticator codes.
  const policy = b.twoStep.policy;
  for (let i = 0; i < policy.lockout.failures; i++) {
    if (i % policy.attemptsPerCode === 0) await b.twoStep.beginChallenge('u', { deviceId: appId });
    typed.push(wrongFor(b.totp(secret)));
    await b.twoStep.verify('u', typed.at(-1)!);
  }
  const locked = await b.twoStep.status('u');
  expect(locked.locked).toBe(true); // locked
  b.advance(locked.lockedUntil! - b.now() + 30_000);
  await b.twoStep.beginChallenge('u', { deviceId: appId });
  typed.push(b.totp(secret));
  expect(await b.twoStep.verify('u', typed.at(-1)!)).toMatchObject({ ok: true });
  await b.twoStep.disable('u', { proof: b.proof('u') }); // two-step-disabled
  // Staff reset a user who has devices again.
  await setUpUser(b, 'u2');
  await b.twoStep.adminReset('u2', { actor: 'support:42', reason: 'lost both phones' }); // two-step-reset
  return { b, secret, typed, secrets: [...recovery, ...tokens] };
}

describe('events', () => {
  it('every event type is produced by the scenario (so the scans below see them all)', async () => {
    const { b } = await everyEvent();
    expect(new Set(b.eventTypes())).toEqual(new Set(Object.keys(EVENT_FIELDS)));
  });

  it('no event carries the secret (in any encoding), a code, a full number or an e-mail address', async () => {
    const { b, secret, typed, secrets } = await everyEvent();
    const key = Buffer.from(decodeBase32(secret));
    const forbidden = [
      secret,
      secret.toLowerCase(),
      secret.replace(/=+$/, ''),
      key.toString('hex'),
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('latin1'),
      '2015550101',
      '2015550102',
      '2015550103',
      'alice.liddell',
      'liddell',
      // Recovery codes (as shown and without dashes) and remember tokens (and their secret half).
      ...secrets,
      ...secrets.map((x) => x.replace(/-/g, '')),
      ...secrets.map((x) => x.split('.')[1] ?? x),
    ];
    for (const event of b.events) {
      const text = JSON.stringify(event);
      for (const item of forbidden) expect(text, `${event.type} event`).not.toContain(item);
      // Codes are digit strings: look for them whole, not inside timestamps.
      for (const code of [...b.sent.map((m) => m.code), ...typed]) {
        expect(text, `${event.type} event`).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
      }
    }
    expect(b.sent.length).toBeGreaterThanOrEqual(5);
  });

  it('every event carries only the fields its type declares, with the user id and an exact time', async () => {
    const start = Date.UTC(2030, 0, 1, 12, 0, 0);
    const { b } = await everyEvent();
    let last = start;
    for (const event of b.events) {
      const { type, userId, at, ...rest } = event;
      expect(['u', 'u2']).toContain(userId);
      expect(at).toBeGreaterThanOrEqual(last); // the bench clock only moves forward
      last = at;
      for (const field of Object.keys(rest)) expect(EVENT_FIELDS[type], `${type}.${field}`).toContain(field);
      const devices = [
        ...('device' in event ? [event.device] : []),
        ...('replaced' in event ? [event.replaced] : []),
        ...('previous' in event ? [event.previous] : []),
        ...('devices' in event ? event.devices : []),
      ];
      for (const device of devices) {
        for (const field of Object.keys(device))
          expect(DEVICE_FIELDS, `${type} device.${field}`).toContain(field);
        if (device.kind === 'authenticator') expect(device.phone).toBeUndefined();
        else expect(device.phone).toMatch(/^\+1•+\d{4}$/);
      }
      if ('browser' in event) {
        for (const field of Object.keys(event.browser)) expect(BROWSER_FIELDS).toContain(field);
      }
      if ('contact' in event) {
        for (const field of Object.keys(event.contact)) expect(CONTACT_FIELDS).toContain(field);
        expect(event.contact.masked).toMatch(/^a•+@example\.com$/);
      }
      if ('to' in event) expect(event.to).toMatch(/^(\+1•+\d{4}|a•+@example\.com)$/);
      if ('phone' in event && event.phone !== undefined) expect(event.phone).toMatch(/^\+1•+\d{4}$/);
    }
    expect(last).toBe(b.now());
  });

  it('a refused change emits no event', async () => {
    const b = makeBench();
    const { appId, smsId } = await setUpUser(b, 'u');
    b.clearEvents();
    const proof = b.proof('u');
    await rejectsWith(() => b.twoStep.removeDevice('u', smsId, { proof }), 'BACKUP_REQUIRED');
    await rejectsWith(() => b.twoStep.removeDevice('u', appId, { proof }), 'PRIMARY_NOT_REMOVABLE');
    await rejectsWith(() => b.twoStep.swapPrimary('u', { deviceId: appId, proof }), 'NOT_A_BACKUP');
    await rejectsWith(
      () => b.twoStep.enrollPhone('u', { phone: PHONE_1, kind: 'voice', proof }),
      'TOO_MANY_BACKUPS',
    );
    await rejectsWith(() => b.twoStep.disable('u'), 'VERIFICATION_REQUIRED'); // no proof: refused
    expect(b.events).toEqual([]);
  });
});
