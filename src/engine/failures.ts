/**
 * Failures and locks: when a user is locked, when a sensitive change needs a fresh verification, and what
 * a failed code does to the record (counted per code and per user, ending the code, starting a lock).
 * @module
 */
import { TwoSvError } from '../errors.js';
import { isRecentVerification, lockDurationMs, type Policy } from '../policy.js';
import type { UserRecord } from './record.js';
import type { Step } from './step.js';
import type { CodePurpose, EventBody, VerifyFailure } from './types.js';

export const isLocked = (r: UserRecord, mono: number): boolean => r.lockedUntil > mono;

export const lockedResult = (r: UserRecord) =>
  ({ ok: false, reason: 'locked', lockedUntil: r.lockedUntil }) as const;

/** @throws `LOCKED` or `VERIFICATION_REQUIRED` unless a sensitive change is allowed now. */
export function requireRecent(policy: Policy, r: UserRecord, mono: number): void {
  // A lock means someone is guessing codes: no device changes until it ends, recent verification or not.
  if (r.enabled && isLocked(r, mono)) {
    throw new TwoSvError('LOCKED', 'this change is refused while the user is locked out');
  }
  if (r.enabled && (r.reverify || !isRecentVerification(policy, r.verifiedAt, mono))) {
    throw new TwoSvError('VERIFICATION_REQUIRED', 'this change needs a recent successful verification');
  }
}

/** Which code failed: how often it failed before, how to end it, how to count one more attempt. */
export interface FailedCode {
  attempts: number;
  clear: (next: UserRecord) => void;
  setAttempts: (next: UserRecord, attempts: number) => void;
  reason: 'invalid' | 'replayed';
  purpose: CodePurpose | 'recovery';
  deviceId: string | undefined;
}

/**
 * A failed code: counts it for the code and the user, ends the code when its attempts are used up, and
 * locks when the consecutive failures reach a multiple of the limit.
 */
export function failure(policy: Policy, r: UserRecord, mono: number, code: FailedCode): Step<VerifyFailure> {
  const { attempts, clear, setAttempts, reason, purpose, deviceId } = code;
  const next: UserRecord = { ...r, failures: r.failures + 1 };
  const failures = next.failures;
  const events: EventBody[] = [];
  const exhausted = attempts + 1 >= policy.attemptsPerCode;
  const lock = failures % policy.lockout.failures === 0;
  const base = deviceId === undefined ? {} : { deviceId };
  if (reason === 'replayed') events.push({ type: 'replay-refused', deviceId: deviceId!, failures });
  else {
    events.push({
      type: 'verification-failed',
      purpose,
      reason: exhausted ? 'attempts-exhausted' : 'invalid',
      ...base,
      failures,
    });
  }
  if (lock) {
    next.lockedUntil = mono + lockDurationMs(policy, failures / policy.lockout.failures);
    events.push({ type: 'locked', until: next.lockedUntil, failures });
    if (exhausted) clear(next);
    else setAttempts(next, attempts + 1);
    next.challenge = null; // a lock ends the sign-in challenge, whatever code failed
    return { next, events, result: { ok: false, reason: 'locked', lockedUntil: next.lockedUntil } };
  }
  if (exhausted) {
    clear(next);
    return { next, events, result: { ok: false, reason: 'attempts-exhausted' } };
  }
  setAttempts(next, attempts + 1);
  const beforeLock = policy.lockout.failures - (failures % policy.lockout.failures);
  const attemptsLeft = Math.min(policy.attemptsPerCode - attempts - 1, beforeLock);
  return { next, events, result: { ok: false, reason, attemptsLeft } };
}
