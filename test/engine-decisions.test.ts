// The engine's decisions as pure functions: a record, an input and a time in; the next record, the result
// and the events out. No store, clock, sender or random source.
import { describe, expect, it } from 'vitest';
import { beginAuthenticatorChallenge, verifyChallenge } from '../src/engine/challenges.js';
import { keyedHashes } from '../src/engine/codes.js';
import { swapPrimary } from '../src/engine/devices.js';
import { failure } from '../src/engine/failures.js';
import { proofHash } from '../src/engine/proofs.js';
import { type DeviceRec, emptyRecord, type UserRecord } from '../src/engine/record.js';
import { reserveDestination, userSendRefusal } from '../src/engine/sends.js';
import type { Rules } from '../src/engine/step.js';
import { defaultPolicy, lockDurationMs } from '../src/policy.js';
import { generateTotp } from '../src/totp.js';

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // RFC 6238's SHA-1 key
const rules: Rules = {
  policy: defaultPolicy,
  totp: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
  codeHash: keyedHashes(new Uint8Array(32)).codeHash,
};
const app: DeviceRec = { id: 'app', kind: 'authenticator', role: 'primary', secret: SECRET, addedAt: T };
const sms: DeviceRec = { id: 'sms', kind: 'sms', role: 'backup', phone: '+12015550101', addedAt: T };
const PROOF = 'a'.repeat(64);
const newProof = () => PROOF;
const user = (changes: Partial<UserRecord> = {}): UserRecord => ({
  ...emptyRecord(),
  enabled: true,
  devices: [app, sms],
  verifiedAt: T,
  seen: T,
  proofs: [{ hash: proofHash(PROOF), issuedAt: T }],
  ...changes,
});

describe('verifying a sign-in code', () => {
  const opened = beginAuthenticatorChallenge(defaultPolicy, user(), T, T, 'c1', undefined).next!;

  it('a right code consumes its TOTP step and the challenge; the same code again is a replay', () => {
    const code = generateTotp(SECRET, { at: T });
    const pass = verifyChallenge(rules, opened, app, T, T, 'u', code, SECRET, newProof);
    expect(pass.result).toEqual({
      ok: true,
      deviceId: 'app',
      kind: 'authenticator',
      verifiedAt: T,
      proof: PROOF,
    });
    expect(pass.next!.proofs.map((p) => p.issuedAt)).toEqual([T, T]); // the earlier session's stays
    expect(pass.next!.devices[0]).toMatchObject({ lastStep: T / 30_000, lastUsedAt: T });
    expect(pass.next!.challenge).toBe(null);
    expect(pass.events).toEqual([{ type: 'verification-passed', purpose: 'sign-in', deviceId: 'app' }]);

    const again = beginAuthenticatorChallenge(defaultPolicy, pass.next!, T, T, 'c2', undefined).next!;
    const replay = verifyChallenge(rules, again, again.devices[0]!, T, T, 'u', code, SECRET, newProof);
    expect(replay.result).toEqual({ ok: false, reason: 'replayed', attemptsLeft: 4 });
    expect(replay.next!.failures).toBe(1);
    expect(replay.events).toEqual([{ type: 'replay-refused', deviceId: 'app', failures: 1 }]);
  });

  it('a code from two steps back (outside the window of 1) is invalid, not a replay', () => {
    const old = generateTotp(SECRET, { at: T - 60_000 });
    const step = verifyChallenge(rules, opened, app, T, T, 'u', old, SECRET, newProof);
    expect(step.result).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 4 });
    expect(step.next!.challenge!.attempts).toBe(1);
  });

  it('the input record is never changed', () => {
    const frozen = structuredClone(opened);
    verifyChallenge(rules, opened, app, T, T, 'u', '000000', SECRET, newProof);
    verifyChallenge(rules, opened, app, T, T, 'u', generateTotp(SECRET, { at: T }), SECRET, newProof);
    expect(opened).toEqual(frozen);
  });
});

describe('failures and locks', () => {
  const clearChallenge = {
    clear: (next: UserRecord) => {
      next.challenge = null;
    },
    setAttempts: () => {},
    reason: 'invalid' as const,
    purpose: 'sign-in' as const,
    deviceId: 'app',
  };

  it('the 10th consecutive failure locks for the lockout duration, the 20th for twice as long', () => {
    const tenth = failure(defaultPolicy, user({ failures: 9 }), T, { ...clearChallenge, attempts: 0 });
    expect(tenth.result).toEqual({ ok: false, reason: 'locked', lockedUntil: T + 900_000 });
    expect(tenth.events!.at(-1)).toEqual({ type: 'locked', until: T + 900_000, failures: 10 });
    const twentieth = failure(defaultPolicy, user({ failures: 19 }), T, { ...clearChallenge, attempts: 0 });
    expect(twentieth.next!.lockedUntil).toBe(T + lockDurationMs(defaultPolicy, 2));
    expect(lockDurationMs(defaultPolicy, 2)).toBe(1_800_000);
  });

  it("a code's 5th wrong attempt ends it; attemptsLeft is the nearer of the code's end and the lock", () => {
    const fifth = failure(defaultPolicy, user({ failures: 4 }), T, { ...clearChallenge, attempts: 4 });
    expect(fifth.result).toEqual({ ok: false, reason: 'attempts-exhausted' });
    const nearLock = failure(defaultPolicy, user({ failures: 7 }), T, { ...clearChallenge, attempts: 0 });
    expect(nearLock.result).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 2 });
  });
});

describe('send limits', () => {
  it('cooldown first, then the per-user hour cap, each with the moment of the next allowed send', () => {
    const sends = (...ago: number[]) => ago.map((s, i) => ({ at: T - s * 1000, id: `s${i}` }));
    expect(userSendRefusal(defaultPolicy, user({ sends: sends(10) }), T, 'sign-in')).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'cooldown',
      retryAt: T + 20_000,
    });
    expect(
      userSendRefusal(defaultPolicy, user({ sends: sends(3000, 2000, 1000, 500, 100) }), T, 'sign-in'),
    ).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'user-hour',
      retryAt: T - 3_000_000 + 3_600_000,
    });
    expect(userSendRefusal(defaultPolicy, user({ sends: sends(3000, 2000, 1000, 500) }), T, 'sign-in')).toBe(
      null,
    );
    expect(userSendRefusal(defaultPolicy, user({ lockedUntil: T + 1 }), T, 'sign-in')).toMatchObject({
      reason: 'locked',
    });
  });

  it('a destination takes 5 sends an hour from all users together', () => {
    let record = null;
    for (let i = 0; i < 5; i++) {
      const decided = reserveDestination(defaultPolicy, record, T + i, `s${i}`);
      if (!('next' in decided)) throw new Error(`send ${i} refused`);
      record = decided.next;
    }
    expect(reserveDestination(defaultPolicy, record, T + 5, 's5')).toEqual({
      refused: { ok: false, reason: 'throttled', limit: 'destination-hour', retryAt: T + 3_600_000 },
    });
  });
});

describe('devices', () => {
  it('swapping makes the backup primary and the primary a backup, and needs a recent proof', () => {
    const swapped = swapPrimary(defaultPolicy, user(), T, T + 1000, undefined, PROOF);
    expect(swapped.next!.devices.map((d) => [d.id, d.role])).toEqual([
      ['app', 'backup'],
      ['sms', 'primary'],
    ]);
    expect(swapped.events).toEqual([
      {
        type: 'primary-changed',
        deviceId: 'sms',
        previousDeviceId: 'app',
        device: {
          id: 'sms',
          kind: 'sms',
          role: 'primary',
          phone: '+1••••••0101',
          confirmed: true,
          addedAt: T,
        },
        previous: { id: 'app', kind: 'authenticator', role: 'backup', confirmed: true, addedAt: T },
      },
    ]);
    for (const [mono, proof] of [
      [T + 601_000, PROOF], // too old
      [T + 1000, 'b'.repeat(64)], // not one of this record's
      [T + 1000, undefined], // none
    ] as const) {
      expect(() => swapPrimary(defaultPolicy, user(), T, mono, undefined, proof)).toThrow(
        expect.objectContaining({ code: 'VERIFICATION_REQUIRED' }),
      );
    }
  });
});
