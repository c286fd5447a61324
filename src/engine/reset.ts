/**
 * Ending things without a verification: cancelling a pending enrolment (the user's own), and support
 * staff's reset of a user's whole 2SV (audited: who and why go into the event).
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import type { UserRecord } from './record.js';
import { revokeAllBrowsers } from './remembered.js';
import { deviceInfo, statusOf } from './status.js';
import type { Step } from './step.js';
import type { EventBody, ResetOptions, TwoStepStatus } from './types.js';

/** Ends the pending enrolment; nothing to write when there is none (or it has expired). */
export function cancelEnrollment(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
): Step<TwoStepStatus> {
  const p = record?.pending;
  if (!record || !p || at >= p.expiresAt) return { result: statusOf(policy, record, at, mono) };
  const next: UserRecord = { ...record, pending: null };
  return {
    next,
    events: [{ type: 'enrollment-cancelled', kind: p.kind, role: p.role }],
    result: statusOf(policy, next, at, mono),
  };
}

/**
 * Support's reset: no devices, recovery codes, challenge, enrolment, contact check, remembered browsers,
 * failures or lock are left, and 2SV is off, so the user enrols afresh. Verified contacts stay (they may be
 * how support reached the user), and so do the send counters (a reset must not reopen SMS throttling).
 * @throws `UNKNOWN_USER`.
 */
export function adminReset(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  who: ResetOptions,
): Step<TwoStepStatus> {
  if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
  const next: UserRecord = {
    ...record,
    enabled: false,
    devices: [],
    pending: null,
    challenge: null,
    contact: null,
    failures: 0,
    lockedUntil: 0,
    verifiedAt: null,
    reverify: false,
  };
  delete next.recovery;
  const events: EventBody[] = revokeAllBrowsers(next, mono, 'reset');
  events.unshift({
    type: 'two-step-reset',
    actor: who.actor,
    reason: who.reason,
    devices: record.devices.map((d) => deviceInfo(d, true)),
    recoveryCodes: record.recovery?.hashes.length ?? 0,
  });
  return { next, events, result: statusOf(policy, next, at, mono) };
}
