// The activity log (src/engine/activity.ts) and the step-up proofs bound to a sign-in session
// (src/engine/proofs.ts), through the engine: known answers first, then properties, then bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTwoStep } from '../src/enrollment.js';
import { definePolicy } from '../src/policy.js';
import { generateTotp } from '../src/totp.js';
import {
  addPhone,
  makeBench,
  PHONE_1,
  PHONE_2,
  rejectsWith,
  setUpUser,
  snapshot,
} from './support/two-step.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0';

/** Signs `userId` in on the primary app as a new session; returns that session's proof. */
async function signIn(b: ReturnType<typeof makeBench>, userId: string, secret: string) {
  b.advance(30_000);
  await b.twoStep.beginChallenge(userId);
  const result = await b.twoStep.verify(userId, b.totp(secret));
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  return result.proof;
}

describe('the activity log: known answers', () => {
  it('keeps each change with its time, masked device and context, newest first', async () => {
    const b = makeBench();
    const { secret, appId, smsId } = await setUpUser(b, 'u');
    const setup = b.events.filter((e) => e.type !== 'verification-passed' && e.type !== 'code-sent');
    const proof = await signIn(b, 'u', secret);
    const context = { ip: '203.0.113.7', userAgent: UA };
    await b.twoStep.swapPrimary('u', { proof, context });
    const swapAt = b.now();

    const page = await b.twoStep.activity('u');
    expect(page.next).toBe(null);
    expect(page.entries.map((e) => [e.seq, e.type])).toEqual([
      [6, 'primary-changed'],
      [5, 'two-step-enabled'],
      [4, 'device-added'],
      [3, 'enrollment-started'],
      [2, 'device-added'],
      [1, 'enrollment-started'],
    ]);
    expect(page.entries[0]).toEqual({
      seq: 6,
      at: swapAt,
      type: 'primary-changed',
      deviceId: smsId,
      previousDeviceId: appId,
      device: expect.objectContaining({ id: smsId, role: 'primary', phone: '+1••••••0101' }),
      previous: expect.objectContaining({ id: appId, role: 'backup', kind: 'authenticator' }),
      context,
    });
    expect(page.entries[2]).toMatchObject({
      type: 'device-added',
      device: { id: smsId, kind: 'sms', phone: '+1••••••0101' },
    });
    // The log and onEvent come from one place: each entry is its event, numbered, without the user id.
    for (const [i, event] of setup.entries()) {
      const { userId, ...body } = event;
      expect(userId).toBe('u');
      expect(page.entries[5 - i]).toEqual({ seq: i + 1, ...body });
    }
  });

  it('cancelling an enrolment and revoking remembered browsers keep their context too', async () => {
    const b = makeBench();
    const { secret, appId } = await setUpUser(b, 'u');
    const proof = await signIn(b, 'u', secret);
    const first = await b.twoStep.rememberBrowser('u', { label: 'Firefox on Linux', proof });
    await b.twoStep.rememberBrowser('u', { label: 'Chrome on Windows', proof });
    await b.twoStep.enrollAuthenticator('u', { account: 'u@example.com', replaces: appId, proof });
    const contexts = [1, 2, 3].map((i) => ({ ip: `203.0.113.${i}`, userAgent: UA }));
    await b.twoStep.cancelEnrollment('u', { context: contexts[0] });
    await b.twoStep.revokeRememberedBrowser('u', first.browser.id, { context: contexts[1] });
    await b.twoStep.revokeRememberedBrowsers('u', { reason: 'password-changed', context: contexts[2] });
    const { entries } = await b.twoStep.activity('u', { limit: 3 });
    expect(entries.map((e) => [e.type, e.context])).toEqual([
      ['remembered-browser-revoked', contexts[2]],
      ['remembered-browser-revoked', contexts[1]],
      ['enrollment-cancelled', contexts[0]],
    ]);
    for (const call of [
      () => b.twoStep.cancelEnrollment('u', { context: { ip: 7 } } as never),
      () => b.twoStep.revokeRememberedBrowser('u', first.browser.id, { context: 'ip' } as never),
      () => b.twoStep.revokeRememberedBrowsers('u', { context: { country: 'FR' } } as never),
    ]) {
      await rejectsWith(call, 'INVALID_OPTION');
    }
  });

  it('a burst of failed codes is one entry; the lock that ends it is another', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    const wrong = b.totp(secret) === '000000' ? '111111' : '000000';
    await b.twoStep.beginChallenge('u');
    const first = b.now();
    for (let i = 0; i < 3; i++) {
      await b.twoStep.verify('u', wrong, { context: { ip: `198.51.100.${i}` } });
      b.advance(1000);
    }
    let [newest] = (await b.twoStep.activity('u', { limit: 1 })).entries;
    expect(newest).toEqual({
      seq: 6,
      at: first + 2000,
      type: 'codes-failed',
      count: 3,
      since: first,
      context: { ip: '198.51.100.2' },
    });
    // A successful sign-in ends the burst: the next failure starts a new entry.
    await signIn(b, 'u', secret);
    await b.twoStep.beginChallenge('u');
    await b.twoStep.verify('u', wrong);
    [newest] = (await b.twoStep.activity('u', { limit: 1 })).entries;
    expect(newest).toMatchObject({ seq: 7, type: 'codes-failed', count: 1 });
    for (let i = 1; i < 10; i++) {
      if (i % 5 === 0) await b.twoStep.beginChallenge('u');
      await b.twoStep.verify('u', wrong);
    }
    const { entries } = await b.twoStep.activity('u', { limit: 2 });
    const { lockedUntil } = await b.twoStep.status('u');
    expect(entries).toEqual([
      { seq: 8, at: b.now(), type: 'locked', until: lockedUntil, failures: 10 },
      { seq: 7, at: b.now(), type: 'codes-failed', count: 10, since: expect.any(Number) },
    ]);
  });

  it('pages newest first with next/before, and keeps only the newest activityLimit entries', async () => {
    const b = makeBench({ policy: definePolicy({ activityLimit: 5 }) });
    const { secret } = await setUpUser(b, 'u'); // 5 entries
    for (let i = 0; i < 4; i++) {
      await b.twoStep.requireReverification('u', { reason: `check ${i}` });
      await signIn(b, 'u', secret);
    }
    const all = await b.twoStep.activity('u', { limit: 100 });
    expect(all.entries.map((e) => e.seq)).toEqual([9, 8, 7, 6, 5]);
    const one = await b.twoStep.activity('u', { limit: 2 });
    expect(one).toMatchObject({ next: 8 });
    const two = await b.twoStep.activity('u', { limit: 2, before: one.next! });
    expect(two.entries.map((e) => e.seq)).toEqual([7, 6]);
    const three = await b.twoStep.activity('u', { limit: 2, before: two.next! });
    expect(three).toMatchObject({ next: null });
    expect(three.entries.map((e) => e.seq)).toEqual([5]);
    expect(await b.twoStep.activity('nobody')).toEqual({ entries: [], next: null });
  });

  it('a phone enrolment whose sender fails leaves no entry; a failed change leaves the log as it was', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    const { secret } = await setUpUser(b, 'u');
    const proof = await signIn(b, 'u', secret);
    const before = await snapshot(b.store, 'u');
    b.failSends(1);
    b.advance(31_000);
    await rejectsWith(() => b.twoStep.enrollPhone('u', { phone: PHONE_2, proof }), 'SENDER_FAILED');
    expect((await snapshot(b.store, 'u'))!.record).toMatchObject({
      activity: (before!.record as { activity: unknown }).activity,
    });
    await rejectsWith(() => b.twoStep.removeDevice('u', 'nope', { proof }), 'UNKNOWN_DEVICE');
    expect((await b.twoStep.activity('u')).entries).toHaveLength(5);
  });
});

describe('step-up proofs: known answers', () => {
  it("one session's verification does not authorise another session's change", async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    const owner = await signIn(b, 'u', secret); // the owner's browser
    // The thief's session has the password but never passed the second step: no proof, or a made-up one.
    for (const proof of [undefined, '', 'f'.repeat(64)]) {
      await rejectsWith(() => b.twoStep.removeDevice('u', smsId, { proof }), 'VERIFICATION_REQUIRED');
      await rejectsWith(() => b.twoStep.disable('u', { proof }), 'VERIFICATION_REQUIRED');
    }
    expect((await b.twoStep.status('u', { proof: owner })).recentlyVerified).toBe(true);
    expect((await b.twoStep.disable('u', { proof: owner })).enabled).toBe(false);
  });

  it("another user's proof does not count", async () => {
    const b = makeBench();
    await setUpUser(b, 'alice', PHONE_1);
    const bob = await setUpUser(b, 'bob', PHONE_2);
    const bobProof = await signIn(b, 'bob', bob.secret);
    await rejectsWith(() => b.twoStep.disable('alice', { proof: bobProof }), 'VERIFICATION_REQUIRED');
    expect((await b.twoStep.status('alice', { proof: bobProof })).recentlyVerified).toBe(false);
    expect((await b.twoStep.status('alice')).enabled).toBe(true);
  });

  it('expires with the recent-verification window, and ends at a re-verification demand', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    const proof = await signIn(b, 'u', secret);
    b.advance(600_000);
    expect((await b.twoStep.status('u', { proof })).recentlyVerified).toBe(true); // 600 s: still recent
    b.advance(1);
    await rejectsWith(() => b.twoStep.swapPrimary('u', { proof }), 'VERIFICATION_REQUIRED');
    const fresh = await signIn(b, 'u', secret);
    await b.twoStep.requireReverification('u');
    await rejectsWith(() => b.twoStep.swapPrimary('u', { proof: fresh }), 'VERIFICATION_REQUIRED');
    const after = await signIn(b, 'u', secret);
    expect((await b.twoStep.swapPrimary('u', { proof: after })).devices[0]!.kind).toBe('sms');
  });

  it('a user holds at most maxProofs: the oldest session loses its proof', async () => {
    const b = makeBench({ policy: definePolicy({ maxProofs: 2 }) });
    const { secret } = await setUpUser(b, 'u');
    const [one, two, three] = [
      await signIn(b, 'u', secret),
      await signIn(b, 'u', secret),
      await signIn(b, 'u', secret),
    ];
    const valid = async (proof: string) => (await b.twoStep.status('u', { proof })).recentlyVerified;
    expect([await valid(one), await valid(two), await valid(three)]).toEqual([false, true, true]);
    const stored = (await snapshot(b.store, 'u'))!.record as { proofs: { hash: string }[] };
    expect(stored.proofs).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain(three); // only its hash is kept
  });

  it('adding a device while 2SV is on needs the proof; setting 2SV up needs none', async () => {
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    const { secret } = await setUpUser(b, 'u');
    b.advance(601_000); // the setup session's proof has expired
    await rejectsWith(() => b.twoStep.enrollPhone('u', { phone: PHONE_2 }), 'VERIFICATION_REQUIRED');
    await rejectsWith(() => b.twoStep.enrollAuthenticator('u', { account: 'u' }), 'VERIFICATION_REQUIRED');
    await signIn(b, 'u', secret); // the bench keeps this session's proof for addPhone
    expect(await addPhone(b, 'u', PHONE_2, 'voice')).toMatch(/^[0-9a-f]{18}$/);
  });

  it('proofs are 128-bit tokens from the platform CSPRNG, all different', async () => {
    const twoStep = createTwoStep({ policy: definePolicy({ requireBackup: false }) });
    const enrollment = await twoStep.enrollAuthenticator('p', { account: 'p' });
    const confirmed = await twoStep.confirmEnrollment('p', generateTotp(enrollment.secret));
    expect(confirmed.ok && confirmed.proof).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('properties', () => {
  it('no proof but the session’s own authorises a change, whatever string is tried', async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    const owner = await signIn(b, 'u', secret);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 128 }), async (guess) => {
        fc.pre(guess !== owner);
        await rejectsWith(
          () => b.twoStep.removeDevice('u', smsId, { proof: guess }),
          'VERIFICATION_REQUIRED',
        );
      }),
      { numRuns: 100 },
    );
  });

  it('any context within the limits is kept as given; nothing else is', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    const printable = (s: string) => [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);
    const field = (max: number) => fc.string({ maxLength: max }).filter(printable);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ip: field(64), userAgent: field(512), reason: field(200) }, { requiredKeys: [] }),
        async (context) => {
          await b.twoStep.requireReverification('u', { context });
          const [entry] = (await b.twoStep.activity('u', { limit: 1 })).entries;
          expect(entry!.context ?? {}).toEqual(context);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('bad input', () => {
  it('a malformed context, proof or page is INVALID_OPTION and changes nothing', async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    const proof = await signIn(b, 'u', secret);
    const before = await snapshot(b.store, 'u');
    const contexts: unknown[] = [
      'ip',
      null,
      [],
      { ip: 7 },
      { ip: '1'.repeat(65) },
      { userAgent: 'x'.repeat(513) },
      { reason: 'r'.repeat(201) },
      { reason: 'two\nlines' },
      { country: 'FR' },
    ];
    for (const context of contexts) {
      const opts = { proof, context } as never;
      await rejectsWith(() => b.twoStep.removeDevice('u', smsId, opts), 'INVALID_OPTION');
      await rejectsWith(() => b.twoStep.verify('u', '123456', { context } as never), 'INVALID_OPTION');
      await rejectsWith(() => b.twoStep.requireReverification('u', { context } as never), 'INVALID_OPTION');
    }
    for (const bad of [7, {}, 'p'.repeat(129)]) {
      await rejectsWith(() => b.twoStep.disable('u', { proof: bad } as never), 'INVALID_OPTION');
    }
    await rejectsWith(() => b.twoStep.swapPrimary('u', smsId as never), 'INVALID_OPTION'); // the old signature
    for (const page of [{ limit: 0 }, { limit: 101 }, { limit: 1.5 }, { before: 0 }, { before: '3' }, null]) {
      await rejectsWith(() => b.twoStep.activity('u', page as never), 'INVALID_OPTION');
    }
    expect(await snapshot(b.store, 'u')).toEqual(before);
  });

  it('policy fields are validated', () => {
    for (const bad of [{ maxProofs: 0 }, { maxProofs: 101 }, { activityLimit: 0 }, { activityLimit: 1001 }]) {
      expect(() => definePolicy(bad)).toThrow(expect.objectContaining({ code: 'INVALID_POLICY' }));
    }
    expect(definePolicy({}).activityLimit).toBe(100);
  });
});
