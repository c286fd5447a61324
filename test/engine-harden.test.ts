// Issue #18, the engine side: clocks that jump, hand-made policies, degenerate randomness, contacts as
// sensitive changes, senders that hang, stores that break their contract, per-mailbox send caps, phone
// regions and locales. Each case failed before its fix.
import { describe, expect, it } from 'vitest';
import { type CodeMessage, createTwoStep, type TwoStep } from '../src/enrollment.js';
import { defaultPolicy, definePolicy, type Policy } from '../src/policy.js';
import { type JsonValue, MemoryStore, type PutOptions, type Version } from '../src/store.js';
import {
  addAuthenticator,
  makeBench,
  PHONE_1,
  rejectsWith,
  START,
  seededRandom,
  setUpUser,
  snapshot,
} from './support/two-step.js';

const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;

describe('policy and randomness at start-up', () => {
  it('a hand-made policy is validated like definePolicy', () => {
    const broken = [
      { ...defaultPolicy, lockout: { duration: 60 } },
      { ...defaultPolicy, lockout: { ...defaultPolicy.lockout, failures: 0 } },
      { ...defaultPolicy, attemptsPerCode: Number.NaN },
    ];
    for (const policy of broken) {
      expect(() => createTwoStep({ policy: policy as unknown as Policy })).toThrow(
        expect.objectContaining({ code: 'INVALID_POLICY' }),
      );
    }
    const custom = definePolicy({ lockout: { failures: 5 } });
    expect(createTwoStep({ policy: custom }).policy).toBe(custom);
    const spread = { ...defaultPolicy, attemptsPerCode: 3 };
    expect(createTwoStep({ policy: spread }).policy).toEqual(spread);
  });

  it('a random source of zeros, or one that repeats itself, is refused', () => {
    const zeros = (bytes: Uint8Array) => bytes.fill(0);
    const same = (bytes: Uint8Array) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = i;
      return bytes;
    };
    for (const random of [zeros, same]) {
      expect(() => createTwoStep({ random })).toThrow(expect.objectContaining({ code: 'INVALID_RANDOM' }));
    }
    expect(() => createTwoStep({ random: seededRandom() })).not.toThrow();
  });
});

describe('user ids', () => {
  it('NUL and lone surrogates are refused; other text is fine', async () => {
    const b = makeBench();
    for (const id of ['a\u0000b', '\u0000', 'x\uD800', '\uDC00x', '\uDC00\uD800']) {
      await rejectsWith(() => b.twoStep.status(id), 'INVALID_USER_ID');
      await rejectsWith(() => b.twoStep.verify(id, '123456'), 'INVALID_USER_ID');
    }
    expect((await b.twoStep.status('李😀')).enabled).toBe(false);
  });
});

/** A store that breaks one rule of the contract. */
class CaseInsensitiveStore extends MemoryStore {
  override get(key: string) {
    return super.get(key.toLowerCase());
  }
  override put(key: string, record: JsonValue, expected: Version | null, options?: PutOptions) {
    return super.put(key.toLowerCase(), record, expected, options);
  }
}

class StuckVersionStore extends MemoryStore {
  override async put(key: string, record: JsonValue, expected: Version | null, options?: PutOptions) {
    const entry = await super.get(key);
    if (expected !== null && entry && entry.version !== expected)
      return { ok: false, reason: 'conflict' } as const;
    await super.put(key, record, entry ? entry.version : null, options);
    return { ok: true, version: expected ?? 1 } as const; // never a new version
  }
}

describe('stores that break their contract', () => {
  it("a case-insensitive key never hands alice's record to ALICE", async () => {
    const b = makeBench({ store: new CaseInsensitiveStore() });
    const { secret } = await addAuthenticator(b, 'alice');
    await rejectsWith(() => b.twoStep.status('ALICE'), 'INVALID_RECORD');
    await rejectsWith(() => b.twoStep.beginChallenge('ALICE'), 'INVALID_RECORD');
    await rejectsWith(() => b.twoStep.verify('ALICE', b.totp(secret)), 'INVALID_RECORD');
    expect((await b.store.get('user:alice'))!.record).toMatchObject({ user: 'alice' });
  });

  it('a put that keeps the version is refused: one code cannot pass on two servers', async () => {
    const store = new StuckVersionStore();
    const b = makeBench({ store });
    await b.twoStep.enrollPhone('u', { phone: PHONE_1 });
    const before = await snapshot(store, 'u');
    await rejectsWith(() => b.twoStep.confirmEnrollment('u', b.lastCode()), 'STORE_CONTRACT');
    expect(before).not.toBe(null);
  });
});

describe('contacts are sensitive once 2SV is on', () => {
  async function enabledUser() {
    const b = makeBench({ policy: definePolicy({ sendLimits: { cooldown: 0 } }) });
    const user = await setUpUser(b, 'u');
    return { b, ...user };
  }

  it('beginning and confirming need a recent verification, and are refused during a re-verification demand', async () => {
    const { b, secret } = await enabledUser();
    b.advance(11 * MINUTE); // the setup verification is no longer recent
    await rejectsWith(
      () => b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') }),
      'VERIFICATION_REQUIRED',
    );
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect(
      await b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') }),
    ).toMatchObject({
      ok: true,
    });
    const code = b.lastCode();
    // An abnormal sign-in: the pending check ends with the demand.
    await b.twoStep.requireReverification('u');
    await rejectsWith(
      () =>
        b.twoStep.beginContactVerification('u', { email: 'intruder@example.com' }, { proof: b.proof('u') }),
      'VERIFICATION_REQUIRED',
    );
    await rejectsWith(
      () => b.twoStep.confirmContact('u', code, { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
    b.advance(2 * MINUTE);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    await rejectsWith(
      () => b.twoStep.confirmContact('u', code, { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
    expect((await b.twoStep.status('u')).contacts).toEqual([]);
  });

  it('confirming is refused once the verification is no longer recent', async () => {
    const { b } = await enabledUser();
    b.advance(8 * MINUTE);
    await b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') });
    b.advance(3 * MINUTE); // the code still lives (10 minutes), the verification is 11 minutes old
    await rejectsWith(
      () => b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') }),
      'VERIFICATION_REQUIRED',
    );
  });

  it('refused while locked', async () => {
    const { b } = await enabledUser();
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    expect((await b.twoStep.status('u')).locked).toBe(true);
    await rejectsWith(
      () => b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') }),
      'LOCKED',
    );
  });

  it('disabling ends a pending contact check', async () => {
    const { b } = await enabledUser();
    await b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') });
    const code = b.lastCode();
    await b.twoStep.disable('u', { proof: b.proof('u') });
    await rejectsWith(
      () => b.twoStep.confirmContact('u', code, { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
  });

  it('removeContact: a sensitive change that reports an event', async () => {
    const { b, secret } = await enabledUser();
    await b.twoStep.beginContactVerification('u', { email: 'u@example.com' }, { proof: b.proof('u') });
    expect(await b.twoStep.confirmContact('u', b.lastCode(), { proof: b.proof('u') })).toMatchObject({
      ok: true,
    });
    await rejectsWith(
      () => b.twoStep.removeContact('u', 'phone', { proof: b.proof('u') }),
      'CONTACT_NOT_FOUND',
    );
    await rejectsWith(
      () => b.twoStep.removeContact('u', 'fax' as 'phone', { proof: b.proof('u') }),
      'INVALID_OPTION',
    );
    b.advance(11 * MINUTE);
    await rejectsWith(
      () => b.twoStep.removeContact('u', 'email', { proof: b.proof('u') }),
      'VERIFICATION_REQUIRED',
    );
    await b.twoStep.beginChallenge('u');
    await b.twoStep.verify('u', b.totp(secret));
    const status = await b.twoStep.removeContact('u', 'email', { proof: b.proof('u') });
    expect(status.contacts).toEqual([]);
    expect(b.events.at(-1)).toMatchObject({
      type: 'contact-removed',
      contact: { kind: 'email', masked: 'u•••@example.com' },
    });
    expect(JSON.stringify(b.events)).not.toContain('u@example.com');
  });

  it('contact checks have their own cap and leave the sign-in sends alone', async () => {
    const { b, smsId } = await enabledUser();
    b.advance(MINUTE);
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 3; i++) {
      expect(
        await b.twoStep.beginContactVerification(
          'u',
          { email: `u${i}@example.com` },
          { proof: b.proof('u') },
        ),
      ).toMatchObject({
        ok: true,
      });
    }
    expect(
      await b.twoStep.beginContactVerification('u', { email: 'u9@example.com' }, { proof: b.proof('u') }),
    ).toMatchObject({
      ok: false,
      reason: 'throttled',
      limit: 'contact-hour',
    });
    // The setup sent one SMS; four more sign-in sends fit the hourly cap of 5.
    for (let i = 0; i < 4; i++) {
      expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
    }
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ limit: 'user-hour' });
  });
});

describe('per-destination caps count mailboxes and numbers', () => {
  it('victim+1@, victim+2@, VICTIM@ are one mailbox', async () => {
    const b = makeBench({ policy: definePolicy({ sendLimits: { perDestination: { hour: 5, day: 10 } } }) });
    const results = [];
    for (let i = 0; i < 7; i++) {
      const email = i === 6 ? 'VICTIM@Example.com' : `victim+${i}@example.com`;
      results.push(
        await b.twoStep.beginContactVerification(`user${i}`, { email }, { proof: b.proof(`user${i}`) }),
      );
    }
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false, false]);
    expect(results[5]).toMatchObject({ reason: 'throttled', limit: 'destination-hour' });
    expect(b.sent.map((m) => m.to)).toContain('victim+0@example.com'); // sent where the user asked
  });

  it('every spelling of a number is one number', async () => {
    const b = makeBench({ policy: definePolicy({ sendLimits: { perDestination: { hour: 2, day: 2 } } }) });
    const spellings = ['+1 201 555 0101', '+1 (201) 555-0101', '001 201 555 0101'];
    const results = [];
    for (const [i, phone] of spellings.entries()) {
      results.push(await b.twoStep.beginContactVerification(`p${i}`, { phone }, { proof: b.proof(`p${i}`) }));
    }
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });
});

describe('a sender that hangs or calls back', () => {
  it('a hanging sender times out, is undone, and never blocks the user meanwhile', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const policy = definePolicy({ requireBackup: false, senderTimeout: 1 });
    const clockStart = START;
    const twoStep = createTwoStep({
      policy,
      clock: () => clockStart,
      random: seededRandom(),
      sender: () => {
        calls++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const pending = twoStep.enrollPhone('h', { phone: PHONE_1 });
    const outcome = pending.then(
      () => 'sent',
      (err: { code?: string }) => err.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
    // The user's other operations run while the sender hangs.
    const status = await twoStep.status('h');
    expect(status.devices).toHaveLength(1);
    const enrollment = await twoStep.enrollAuthenticator('h', { account: 'h' });
    expect(enrollment.kind).toBe('authenticator');
    expect(await outcome).toBe('SENDER_FAILED');
    release?.();
    // Undone like a failed send: the authenticator enrolment begun meanwhile stays, nothing is counted.
    const after = await twoStep.status('h');
    expect(after.devices.map((d) => d.kind)).toEqual(['authenticator']);
    expect(await twoStep.enrollPhone('h', { phone: PHONE_1 }).catch((e: { code: string }) => e.code)).toBe(
      'SENDER_FAILED',
    );
    expect(calls).toBe(2); // no cooldown: the timed-out send was not counted
  }, 5000);

  it('a sender that calls the engine for the same user does not deadlock', async () => {
    let seen: boolean | undefined;
    let inner: unknown;
    let twoStep: TwoStep | undefined;
    twoStep = createTwoStep({
      random: seededRandom(),
      sender: async (message: CodeMessage) => {
        seen = (await twoStep!.status(message.userId)).devices.some((d) => !d.confirmed);
        // An operation that takes the user's lock: it deadlocked when the sender ran inside the lock.
        inner = await twoStep!.verify(message.userId, '000000');
      },
    });
    const result = await twoStep.enrollPhone('d', { phone: PHONE_1 });
    expect(result.ok).toBe(true);
    expect(seen).toBe(true);
    expect(inner).toEqual({ ok: false, reason: 'no-challenge' });
  }, 5000);

  it('senderTimeout is part of the policy', () => {
    expect(defaultPolicy.senderTimeout).toBe(30);
    expect(() => definePolicy({ senderTimeout: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_POLICY' }),
    );
    expect(() => definePolicy({ senderTimeout: 301 })).toThrow(
      expect.objectContaining({ code: 'INVALID_POLICY' }),
    );
  });
});

describe('clocks that jump', () => {
  it('a server once years ahead does not freeze the user: refused, then rebased once clocks agree', async () => {
    const b = makeBench();
    const { secret, smsId } = await setUpUser(b, 'u');
    // A server whose clock runs ten years ahead signs the user in and sends an SMS.
    b.setTime(START + 10 * YEAR);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
    // The clock is fixed: readings behind the record by more than 5 minutes are refused, and change nothing
    // but the skew mark.
    b.setTime(START + 2 * MINUTE);
    const before = (await snapshot(b.store, 'u'))!.record as Record<string, unknown>;
    await rejectsWith(() => b.twoStep.beginChallenge('u'), 'CLOCK_SKEW');
    await rejectsWith(() => b.twoStep.verify('u', b.totp(secret)), 'CLOCK_SKEW');
    const marked = (await snapshot(b.store, 'u'))!.record as Record<string, unknown>;
    expect(marked).toEqual({ ...before, skew: START + 2 * MINUTE });
    b.advance(4 * MINUTE);
    await rejectsWith(() => b.twoStep.disable('u'), 'CLOCK_SKEW');
    // Five minutes of agreeing readings later, the record is rebased onto the present.
    b.advance(MINUTE + 1);
    const status = await b.twoStep.status('u');
    expect(status).toMatchObject({ locked: false, recentlyVerified: false, verifiedAt: null });
    // The verification from the future does not count as recent: disabling needs a new one.
    await rejectsWith(() => b.twoStep.disable('u'), 'VERIFICATION_REQUIRED');
    // The future step is not a replay guard for ever: after one window, codes work.
    b.advance(90_000);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    // The cooldown of the future send ended; SMS works.
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
    expect(await b.twoStep.verify('u', b.lastCode())).toMatchObject({ ok: true });
    expect((await snapshot(b.store, 'u'))!.record).not.toHaveProperty('skew');
  });

  it('a lock from the future lasts at most the longest lock from now', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    b.setTime(START + YEAR);
    for (let lock = 0; lock < 2; lock++) {
      await b.twoStep.beginChallenge('u');
      for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    }
    expect((await b.twoStep.status('u')).lockedUntil).toBe(START + YEAR + 15 * MINUTE);
    b.setTime(START + MINUTE);
    await rejectsWith(() => b.twoStep.beginChallenge('u'), 'CLOCK_SKEW');
    b.advance(5 * MINUTE);
    const status = await b.twoStep.status('u');
    expect(status.locked).toBe(true);
    expect(status.lockedUntil).toBe(b.now() + 24 * 60 * MINUTE);
  });

  it('a server running behind is refused and never shortens a lock or reuses a code', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 5; i++) await b.twoStep.verify('u', '000000');
    const lockedAt = b.now();
    const until = lockedAt + 15 * MINUTE;
    expect((await b.twoStep.status('u')).lockedUntil).toBe(until);
    b.setTime(lockedAt - 60 * MINUTE); // an hour behind
    await rejectsWith(() => b.twoStep.beginChallenge('u'), 'CLOCK_SKEW');
    await rejectsWith(() => b.twoStep.verify('u', b.totp(secret)), 'CLOCK_SKEW');
    // Within the tolerance the engine judges at the stored time, as before.
    b.setTime(lockedAt - 4 * MINUTE);
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: until,
    });
    // Behind readings agreeing for 5 minutes rebase the record, but the lock keeps its end.
    b.setTime(lockedAt - 54 * MINUTE);
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: until,
    });
  });

  it('small steps back (within 5 minutes) are judged at the stored time, as before', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    b.advance(-4 * MINUTE);
    expect(await b.twoStep.beginChallenge('u')).toMatchObject({ ok: true });
    expect((await b.twoStep.status('u')).challenge).not.toBe(null);
  });
});

describe('phones: region and line type', () => {
  function engine(options: { defaultRegion?: string } = {}) {
    const sent: CodeMessage[] = [];
    const twoStep = createTwoStep({
      ...options,
      random: seededRandom(),
      policy: definePolicy({ requireBackup: false, table: { sms: [], voice: [] } }),
      sender: (message) => {
        sent.push(message);
      },
    });
    return { twoStep, sent };
  }

  it('defaultRegion reads national numbers', async () => {
    const { twoStep, sent } = engine({ defaultRegion: 'CN' });
    const result = await twoStep.enrollPhone('li', { phone: '138 0013 8000' });
    expect(result).toMatchObject({ ok: true, enrollment: { phone: '138****8000' } });
    expect(sent[0]?.to).toBe('+8613800138000');
    await rejectsWith(() => engine().twoStep.enrollPhone('li', { phone: '138 0013 8000' }), 'INVALID_PHONE');
    expect(() => engine({ defaultRegion: 'XX' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => engine({ defaultRegion: 'cn' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });

  it('a fixed line is refused as an SMS device and as an SMS contact, accepted for voice', async () => {
    const { twoStep, sent } = engine();
    const landline = '+86 10 6552 9988';
    await rejectsWith(() => twoStep.enrollPhone('li', { phone: landline }), 'PHONE_CHANNEL_UNSUPPORTED');
    await rejectsWith(
      () => twoStep.beginContactVerification('wang', { phone: landline }),
      'PHONE_CHANNEL_UNSUPPORTED',
    );
    expect(sent).toHaveLength(0);
    expect(await twoStep.enrollPhone('li', { phone: landline, kind: 'voice' })).toMatchObject({ ok: true });
  });

  it('the locale passed with a call travels on the CodeMessage', async () => {
    const { twoStep, sent } = engine();
    await twoStep.enrollPhone('li', { phone: '+8613800138000', locale: 'zh-cn' });
    expect(sent[0]?.locale).toBe('zh-CN');
    await twoStep.beginContactVerification('bob', { email: 'bob@example.com' });
    expect(sent[1]).not.toHaveProperty('locale');
    await rejectsWith(
      () => twoStep.beginContactVerification('bob', { email: 'bob@example.com' }, { locale: 'not a tag' }),
      'INVALID_OPTION',
    );
    await rejectsWith(() => twoStep.beginChallenge('li', { locale: '' }), 'INVALID_OPTION');
  });
});
