// The engine's pure decision modules checked at their edges: boundaries, orders, shapes and known answers.
// Written against the mutants StrykerJS left alive in `src/engine/` (`MUTATE=engine npm run test:mutation`):
// each test pins a behaviour the rest of the suite only reached through the engine, or not at all.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  equalConstantTime,
  keyedHashes,
  normalizeTypedCode,
  randomCode,
  randomId,
} from '../src/engine/codes.js';
import { type FailedCode, failure, isLocked, lockedResult } from '../src/engine/failures.js';
import { requireProof, withProof } from '../src/engine/proofs.js';
import { type ChallengeRec, emptyRecord, type UserRecord } from '../src/engine/record.js';
import {
  DAY,
  HOUR,
  recordSend,
  refundDestination,
  reserveDestination,
  type SendPlan,
  undoSend,
  userSendRefusal,
  windowRetryAt,
} from '../src/engine/sends.js';
import { defaultPolicy, definePolicy } from '../src/policy.js';

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const user = (changes: Partial<UserRecord> = {}): UserRecord => ({
  ...emptyRecord(),
  enabled: true,
  verifiedAt: T,
  seen: T,
  ...changes,
});
const codeOf = (e: unknown) => (e as { code?: string }).code;
const thrownCode = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return codeOf(e);
  }
  return undefined;
};

describe('codes: typed codes, comparison, keyed hashes', () => {
  it('normalizes what users type, and turns anything else into the empty string', () => {
    expect(normalizeTypedCode('123456')).toBe('123456');
    expect(normalizeTypedCode('123 456')).toBe('123456');
    expect(normalizeTypedCode('123-456')).toBe('123456');
    expect(normalizeTypedCode(' 12\t34-\n56 ')).toBe('123456');
    expect(normalizeTypedCode('１２３４５６')).toBe('123456'); // full-width digits, NFKC
    expect(normalizeTypedCode('12a456')).toBe('12a456'); // left wrong, not forgiven
    expect(normalizeTypedCode(123456)).toBe('');
    expect(normalizeTypedCode(null)).toBe('');
    expect(normalizeTypedCode('1'.repeat(64))).toBe('1'.repeat(64));
    expect(normalizeTypedCode('1'.repeat(65))).toBe('');
  });

  it('compares strings exactly, whichever position differs', () => {
    expect(equalConstantTime('', '')).toBe(true);
    expect(equalConstantTime('123456', '123456')).toBe(true);
    expect(equalConstantTime('023456', '123456')).toBe(false);
    expect(equalConstantTime('123450', '123456')).toBe(false);
    expect(equalConstantTime('12345', '123456')).toBe(false);
    expect(equalConstantTime('1234567', '123456')).toBe(false);
    // Each single-character difference, at each position
    for (let i = 0; i < 6; i++) {
      const other = `${'123456'.slice(0, i)}9${'123456'.slice(i + 1)}`;
      expect(equalConstantTime(other, '123456')).toBe(false);
    }
  });

  it('keyed hashes are HMAC-SHA-256 of the documented inputs (node:crypto as the oracle)', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const oracle = (text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');
    const { codeHash, secretHash, destinationKey } = keyedHashes(key);
    expect(codeHash('sign-in', 'u1', 'c1', '123456')).toBe(
      oracle('twosv-code\x00sign-in\x00u1\x00c1\x00123456'),
    );
    expect(secretHash('recovery', 'u1', 'set1', 'abcd-efgh')).toBe(
      oracle('twosv-recovery\x00u1\x00set1\x00abcd-efgh'),
    );
    expect(secretHash('remember', 'u1', 'b1', 'tok')).toBe(oracle('twosv-remember\x00u1\x00b1\x00tok'));
    expect(destinationKey('email', 'Ann@Example.COM')).toBe(
      `dest:${oracle('twosv-destination\x00email\x00ann@example.com')}`,
    );
    // SMS and voice name the same phone: one record, one set of caps
    expect(destinationKey('sms', '+12015550101')).toBe(
      `dest:${oracle('twosv-destination\x00phone\x00+12015550101')}`,
    );
    expect(destinationKey('voice', '+12015550101')).toBe(destinationKey('sms', '+12015550101'));
  });
});

describe('codes: random draws', () => {
  /** A source handing out the given 6-byte draws in turn, counting calls. */
  const draws = (...list: number[][]) => {
    let calls = 0;
    const source = (bytes: Uint8Array) => {
      const next = list[calls++];
      if (!next) throw new Error('no draw left');
      bytes.set(next);
      return bytes;
    };
    return { source, calls: () => calls };
  };
  // 2^48 - (2^48 mod 10^6) = 281474976000000 = 0xFFFFFFF52800: the first rejected value for 6 digits.
  const LIMIT6 = [0xff, 0xff, 0xff, 0xf5, 0x28, 0x00];
  const BELOW6 = [0xff, 0xff, 0xff, 0xf5, 0x27, 0xff]; // LIMIT6 - 1, whose code is 999999

  it('reads 48 bits big-endian and keeps the low digits', () => {
    // 0x010203040506 = 1108152157446
    expect(randomCode(6, draws([1, 2, 3, 4, 5, 6]).source)).toBe('157446');
    expect(randomCode(8, draws([1, 2, 3, 4, 5, 6]).source)).toBe('52157446');
    expect(randomCode(10, draws([1, 2, 3, 4, 5, 6]).source)).toBe('8152157446');
    expect(randomCode(6, draws([0, 0, 0, 0, 1, 2]).source)).toBe('000258');
    expect(randomCode(6, draws([0, 0, 0x80, 0, 0, 0]).source)).toBe(
      String((0x80 * 2 ** 24) % 1e6).padStart(6, '0'),
    );
    expect(randomCode(6, draws([0, 0, 0, 0x80, 0, 0]).source)).toBe(String(0x800000 % 1e6).padStart(6, '0'));
    expect(randomCode(6, draws([0, 0x80, 0, 0, 0, 0]).source)).toBe(
      String((0x80 * 2 ** 32) % 1e6).padStart(6, '0'),
    );
    expect(randomCode(6, draws([0x80, 0, 0, 0, 0, 0]).source)).toBe(
      String((0x80 * 2 ** 40) % 1e6).padStart(6, '0'),
    );
  });

  it('rejects exactly the incomplete last block (no modulo bias) and draws again', () => {
    const below = draws(BELOW6);
    expect(randomCode(6, below.source)).toBe('999999');
    expect(below.calls()).toBe(1);
    const atLimit = draws(LIMIT6, [0, 0, 0, 0, 0, 42]);
    expect(randomCode(6, atLimit.source)).toBe('000042');
    expect(atLimit.calls()).toBe(2);
  });

  it('gives up with INVALID_RANDOM after 64 rejected draws, not before', () => {
    const rejected = Array.from({ length: 64 }, (_, i) => [0xff, 0xff, 0xff, 0xff, 0xff, i]);
    const all = draws(...rejected, [0, 0, 0, 0, 0, 7]);
    expect(thrownCode(() => randomCode(6, all.source))).toBe('INVALID_RANDOM');
    const again = draws(...rejected);
    expect(() => randomCode(6, again.source)).toThrow(/random keeps returning the same bytes/);
    expect(all.calls()).toBe(64);
    const last = draws(...rejected.slice(1), [0, 0, 0, 0, 0, 7]);
    expect(randomCode(6, last.source)).toBe('000007');
    expect(last.calls()).toBe(64);
  });

  it('ids are 9 bytes as 18 hex digits: an injected source exactly, the platform pool never repeating', () => {
    const source = (bytes: Uint8Array) => {
      bytes.set([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88].slice(0, bytes.length));
      return bytes;
    };
    expect(randomId(source)).toBe('001122334455667788');
    // Enough ids to cross several 4 KiB refills of the pool
    const ids = Array.from({ length: 1500 }, () => randomId(undefined));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{18}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // No id made of zeros (a pool read past its end, or served after being wiped)
    expect(ids.filter((id) => id === '0'.repeat(18))).toEqual([]);
  });
});

describe('failures: locks and recent verification', () => {
  it('a lock holds until its end, exclusive', () => {
    expect(isLocked(user({ lockedUntil: T + 1 }), T)).toBe(true);
    expect(isLocked(user({ lockedUntil: T }), T)).toBe(false);
    expect(isLocked(user({ lockedUntil: 0 }), T)).toBe(false);
    expect(lockedResult(user({ lockedUntil: T + 5 }))).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: T + 5,
    });
  });

  it('requireProof: LOCKED first, then VERIFICATION_REQUIRED, and neither before 2SV is on', () => {
    const p = defaultPolicy;
    const token = 'a'.repeat(32);
    const held = (changes: Partial<UserRecord> = {}) =>
      user({ proofs: withProof(p, [], token, T), ...changes });
    expect(thrownCode(() => requireProof(p, held(), T + 600_000, token))).toBeUndefined();
    expect(thrownCode(() => requireProof(p, held(), T + 600_001, token))).toBe('VERIFICATION_REQUIRED');
    expect(thrownCode(() => requireProof(p, held(), T, 'b'.repeat(32)))).toBe('VERIFICATION_REQUIRED');
    expect(thrownCode(() => requireProof(p, held(), T, undefined))).toBe('VERIFICATION_REQUIRED');
    expect(thrownCode(() => requireProof(p, held({ reverify: true }), T, token))).toBe(
      'VERIFICATION_REQUIRED',
    );
    expect(thrownCode(() => requireProof(p, held({ lockedUntil: T + 1 }), T, token))).toBe('LOCKED');
    expect(thrownCode(() => requireProof(p, held({ lockedUntil: T + 1, reverify: true }), T, token))).toBe(
      'LOCKED',
    );
    expect(thrownCode(() => requireProof(p, held({ lockedUntil: T }), T, token))).toBeUndefined();
    const off = { enabled: false, lockedUntil: T + 1, reverify: true, verifiedAt: null };
    expect(thrownCode(() => requireProof(p, user(off), T, undefined))).toBeUndefined();
  });

  it('its refusals say why in words', () => {
    const message = (r: UserRecord) => {
      try {
        requireProof(defaultPolicy, r, T, undefined);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(message(user({ lockedUntil: T + 1 }))).toMatch(/locked out/);
    expect(message(user({ reverify: true }))).toMatch(/proof of a recent verification/);
  });
});

describe('failures: one failed code', () => {
  /** A failed code that records what the decision asked of it. */
  const failed = (attempts: number, changes: Partial<FailedCode> = {}) => {
    const calls: string[] = [];
    const code: FailedCode = {
      attempts,
      clear: (next) => {
        calls.push('clear');
        next.pending = null;
      },
      setAttempts: (next, n) => {
        calls.push(`set ${n}`);
        next.seen = -n; // visible in the returned record
      },
      reason: 'invalid',
      purpose: 'enrollment',
      deviceId: 'd1',
      ...changes,
    };
    return { code, calls };
  };
  const challenge: ChallengeRec = { id: 'c', deviceId: 'd1', startedAt: T, expiresAt: T + 1, attempts: 0 };

  it('an invalid code counts once, keeps the code with one attempt more, and says how many are left', () => {
    const { code, calls } = failed(1);
    const step = failure(defaultPolicy, user({ failures: 2, challenge }), T, code);
    expect(calls).toEqual(['set 2']);
    expect(step.result).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 3 });
    expect(step.next).toMatchObject({ failures: 3, lockedUntil: 0, seen: -2, challenge });
    expect(step.events).toEqual([
      { type: 'verification-failed', purpose: 'enrollment', reason: 'invalid', deviceId: 'd1', failures: 3 },
    ]);
  });

  it('without a device, the event has no deviceId key at all', () => {
    const { code } = failed(0, { deviceId: undefined, purpose: 'recovery' });
    const step = failure(defaultPolicy, user(), T, code);
    expect(step.events).toEqual([
      { type: 'verification-failed', purpose: 'recovery', reason: 'invalid', failures: 1 },
    ]);
    expect(Object.keys(step.events![0]!)).not.toContain('deviceId');
  });

  it('a replay is its own event and result, and counts like any failure', () => {
    const { code, calls } = failed(0, { reason: 'replayed' });
    const step = failure(defaultPolicy, user({ failures: 0 }), T, code);
    expect(calls).toEqual(['set 1']);
    expect(step.result).toEqual({ ok: false, reason: 'replayed', attemptsLeft: 4 });
    expect(step.events).toEqual([{ type: 'replay-refused', deviceId: 'd1', failures: 1 }]);
  });

  it('the last attempt ends the code (attempts-exhausted), the one before does not', () => {
    const last = failed(4);
    const ended = failure(defaultPolicy, user({ pending: null }), T, last.code);
    expect(last.calls).toEqual(['clear']);
    expect(ended.result).toEqual({ ok: false, reason: 'attempts-exhausted' });
    expect(ended.events![0]).toMatchObject({ reason: 'attempts-exhausted' });
    const before = failed(3);
    const kept = failure(defaultPolicy, user(), T, before.code);
    expect(before.calls).toEqual(['set 4']);
    expect(kept.result).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 1 });
  });

  it('attemptsLeft is the nearer of the end of the code and the lock, for every count', () => {
    const p = defaultPolicy; // 5 attempts a code, a lock after 10 failures
    for (let prior = 0; prior < 30; prior++) {
      for (let attempts = 0; attempts < 4; attempts++) {
        const failures = prior + 1;
        if (failures % 10 === 0) continue; // a lock, below
        const step = failure(p, user({ failures: prior }), T, failed(attempts).code);
        expect(step.result).toEqual({
          ok: false,
          reason: 'invalid',
          attemptsLeft: Math.min(5 - attempts - 1, 10 - (failures % 10)),
        });
      }
    }
  });

  it('the lock: at every multiple of the limit, longer each time, ending the challenge', () => {
    const p = definePolicy({ attemptsPerCode: 3, lockout: { failures: 3, duration: 60, maxDuration: 600 } });
    const expected = [60, 120, 240, 480, 600, 600];
    for (let n = 1; n <= expected.length; n++) {
      const { code, calls } = failed(0);
      const step = failure(p, user({ failures: 3 * n - 1, challenge }), T, code);
      expect(calls).toEqual(['set 1']);
      expect(step.result).toEqual({ ok: false, reason: 'locked', lockedUntil: T + expected[n - 1]! * 1000 });
      expect(step.next).toMatchObject({ lockedUntil: T + expected[n - 1]! * 1000, challenge: null });
      expect(step.events).toEqual([
        {
          type: 'verification-failed',
          purpose: 'enrollment',
          reason: 'invalid',
          deviceId: 'd1',
          failures: 3 * n,
        },
        { type: 'locked', until: T + expected[n - 1]! * 1000, failures: 3 * n },
      ]);
      // One short of the multiple: no lock
      const short = failure(p, user({ failures: 3 * n - 2 }), T, failed(0).code);
      expect(short.next!.lockedUntil).toBe(0);
    }
    // A lock on the code's last attempt ends the code too
    const { code, calls } = failed(2);
    const step = failure(p, user({ failures: 2 }), T, code);
    expect(calls).toEqual(['clear']);
    expect(step.result).toMatchObject({ reason: 'locked' });
    expect(step.events![0]).toMatchObject({ reason: 'attempts-exhausted' });
  });

  it('never changes the record it is given', () => {
    const r = user({ failures: 9, challenge });
    const frozen = structuredClone(r);
    failure(defaultPolicy, r, T, failed(4).code);
    failure(defaultPolicy, r, T, failed(0).code);
    expect(r).toEqual(frozen);
  });
});

describe('sends: windows and caps', () => {
  it('windowRetryAt: the moment the cap-th newest send in the window leaves it', () => {
    expect(windowRetryAt([], 1000, 100, 1)).toBe(null);
    expect(windowRetryAt([950], 1000, 100, 1)).toBe(1050);
    expect(windowRetryAt([950], 1000, 100, 2)).toBe(null);
    expect(windowRetryAt([900], 1000, 100, 1)).toBe(null); // exactly a span ago: out of the window
    expect(windowRetryAt([901], 1000, 100, 1)).toBe(1001);
    for (const order of [
      [910, 920, 930, 940],
      [940, 930, 920, 910],
      [930, 910, 940, 920],
      [920, 940, 910, 930],
    ]) {
      expect(windowRetryAt(order, 1000, 100, 4)).toBe(1010);
      expect(windowRetryAt(order, 1000, 100, 3)).toBe(1020);
      expect(windowRetryAt(order, 1000, 100, 2)).toBe(1030);
      expect(windowRetryAt(order, 1000, 100, 1)).toBe(1040);
      expect(windowRetryAt(order, 1000, 100, 5)).toBe(null);
    }
    expect(windowRetryAt([800, 850, 950, 960], 1000, 100, 2)).toBe(1050);
    expect(windowRetryAt([800, 850, 950, 960], 1000, 100, 3)).toBe(null);
  });

  const ago = (...ms: number[]) => ms.map((m, i) => ({ at: T - m, id: `s${i}` }));

  it('userSendRefusal: nothing refuses a first send, a missing record, or one after the cooldown', () => {
    expect(userSendRefusal(defaultPolicy, null, T, 'sign-in')).toBe(null);
    expect(userSendRefusal(defaultPolicy, user(), T, 'sign-in')).toBe(null);
    expect(userSendRefusal(defaultPolicy, user({ sends: ago(30_000) }), T, 'sign-in')).toBe(null);
    expect(userSendRefusal(defaultPolicy, user({ sends: ago(29_999) }), T, 'sign-in')).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'cooldown',
      retryAt: T + 1,
    });
    // The cooldown runs from the newest send, whatever the order stored
    expect(
      userSendRefusal(defaultPolicy, user({ sends: ago(40_000, 5_000, 50_000) }), T, 'sign-in'),
    ).toMatchObject({
      limit: 'cooldown',
      retryAt: T + 25_000,
    });
  });

  it('userSendRefusal: the day cap before the hour cap, each with its retry moment', () => {
    const twoHourly = Array.from({ length: 10 }, (_, i) => (i + 1) * 2 * HOUR);
    expect(userSendRefusal(defaultPolicy, user({ sends: ago(...twoHourly) }), T, 'sign-in')).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'user-day',
      retryAt: T - 20 * HOUR + DAY,
    });
    expect(userSendRefusal(defaultPolicy, user({ sends: ago(...twoHourly.slice(1)) }), T, 'sign-in')).toBe(
      null,
    );
    // Ten in the day of which five in the hour: the day cap is named
    const mixed = [
      60_000,
      120_000,
      180_000,
      240_000,
      300_000,
      2 * HOUR,
      3 * HOUR,
      4 * HOUR,
      5 * HOUR,
      6 * HOUR,
    ];
    expect(userSendRefusal(defaultPolicy, user({ sends: ago(...mixed) }), T, 'sign-in')).toMatchObject({
      limit: 'user-day',
      retryAt: T - 6 * HOUR + DAY,
    });
    expect(userSendRefusal(defaultPolicy, user({ sends: ago(...mixed.slice(0, 9)) }), T, 'sign-in')).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'user-hour',
      retryAt: T - 300_000 + HOUR,
    });
    // A lock is named before any cap
    expect(
      userSendRefusal(defaultPolicy, user({ sends: ago(1000), lockedUntil: T + 7 }), T, 'sign-in'),
    ).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: T + 7,
    });
  });

  it('reserveDestination: the day cap, old sends forgotten, the reservation recorded', () => {
    const rec = (...msAgo: number[]) => ({ v: 1 as const, seen: 0, sends: ago(...msAgo) });
    const twoHourly = Array.from({ length: 10 }, (_, i) => (i + 1) * 2 * HOUR);
    expect(reserveDestination(defaultPolicy, rec(...twoHourly), T, 'new')).toEqual({
      refused: { ok: false, reason: 'throttled', limit: 'destination-day', retryAt: T - 20 * HOUR + DAY },
    });
    expect(reserveDestination(defaultPolicy, null, T, 'new')).toEqual({
      next: { v: 1, seen: T, sends: [{ at: T, id: 'new' }] },
    });
    // A send exactly a day old is forgotten, one a millisecond younger is kept
    expect(reserveDestination(defaultPolicy, rec(DAY, DAY - 1), T, 'new')).toEqual({
      next: {
        v: 1,
        seen: T,
        sends: [
          { at: T - DAY + 1, id: 's1' },
          { at: T, id: 'new' },
        ],
      },
    });
    // Five in the last hour: refused with the hour cap
    expect(reserveDestination(defaultPolicy, rec(1, 2, 3, 4, HOUR - 1), T, 'new')).toEqual({
      refused: { ok: false, reason: 'throttled', limit: 'destination-hour', retryAt: T + 1 },
    });
  });

  it('refundDestination takes back exactly its reservation', () => {
    const record = {
      v: 1 as const,
      seen: 5,
      sends: [
        { at: 1, id: 'a' },
        { at: 2, id: 'b' },
      ],
    };
    expect(refundDestination(record, 'b')).toEqual({ v: 1, seen: 5, sends: [{ at: 1, id: 'a' }] });
    expect(refundDestination(record, 'c')).toBe(null);
    expect(record.sends).toHaveLength(2);
  });
});

describe('sends: recording and undoing a send', () => {
  const challenge = (id: string): ChallengeRec => ({
    id,
    deviceId: 'd1',
    hash: 'h',
    startedAt: T,
    expiresAt: T + 600_000,
    attempts: 0,
  });
  const plan = (base: UserRecord): SendPlan<null> => ({
    field: 'challenge',
    value: challenge('new'),
    base,
    channel: 'sms',
    to: '+12015550101',
    purpose: 'sign-in',
    result: null,
    events: [],
  });

  it('recordSend stores the code in flight, counts the send, forgets sends older than a day', () => {
    const base = user({
      seen: 1,
      sends: [
        { at: T - DAY, id: 'old' },
        { at: T - DAY + 1, id: 'kept' },
      ],
    });
    expect(recordSend(plan(base), T, 'now')).toEqual({
      ...base,
      challenge: challenge('new'),
      sends: [
        { at: T - DAY + 1, id: 'kept' },
        { at: T, id: 'now' },
      ],
      seen: T,
    });
  });

  it('undoSend uncounts the send, and brings back the previous code only if the new one is still stored', () => {
    const previous = user({ challenge: challenge('prev') });
    const stored = user({
      challenge: challenge('new'),
      sends: [
        { at: 1, id: 'x' },
        { at: 2, id: 'send' },
      ],
    });
    const draft = { id: 'new', code: '123456', sendId: 'send' };
    expect(undoSend(stored, draft, 'challenge', previous, [])).toEqual({
      ...stored,
      challenge: challenge('prev'),
      sends: [{ at: 1, id: 'x' }],
    });
    // Another request replaced the code meanwhile: that code stays
    const replaced = { ...stored, challenge: challenge('other') };
    expect(undoSend(replaced, draft, 'challenge', previous, [])).toEqual({
      ...replaced,
      sends: [{ at: 1, id: 'x' }],
    });
    // No code in the field at all
    expect(undoSend({ ...stored, challenge: null }, draft, 'challenge', previous, []).challenge).toBe(null);
  });
});
