/**
 * Failures and locks: when a user is locked, and what a failed code does to the record (counted per code
 * and per user, ending the code, starting a lock and ending the step-up proofs).
 * @module
 */
import { lockDurationMs, type Policy } from '../policy.js';
import type { PendingField, UserRecord } from './record.js';
import type { Step } from './step.js';
import type { CodePurpose, EventBody, VerifyFailure } from './types.js';

export const isLocked = (r: UserRecord, mono: number): boolean => r.lockedUntil > mono;

export const lockedResult = (r: UserRecord) =>
  ({ ok: false, reason: 'locked', lockedUntil: r.lockedUntil }) as const;

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
 * The {@link FailedCode} for a code held in one of the record's fields (a challenge, a pending enrolment, a
 * contact check): ending it empties the field, counting an attempt stores a copy with the new count.
 */
export function codeIn<F extends PendingField>(
  field: F,
  code: NonNullable<UserRecord[F]>,
  reason: FailedCode['reason'],
  purpose: CodePurpose,
  deviceId: string | undefined,
): FailedCode {
  return {
    attempts: code.attempts,
    clear: (next) => {
      next[field] = null as UserRecord[F];
    },
    setAttempts: (next, attempts) => {
      next[field] = { ...code, attempts } as UserRecord[F];
    },
    reason,
    purpose,
    deviceId,
  };
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
    next.proofs = []; // and every step-up proof: after the lock, sensitive changes need a fresh verification
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
