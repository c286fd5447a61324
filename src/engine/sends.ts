/**
 * Sends: whether a code may be sent now (lock, cooldown, per-user and per-destination caps), and how a
 * send is counted on the user's and the destination's records, and undone when the sender fails.
 * @module
 */
import type { Policy } from '../policy.js';
import { isLocked, lockedResult } from './failures.js';
import type {
  ChallengeRec,
  ContactPendingRec,
  DestinationRecord,
  PendingField,
  PendingRec,
  UserRecord,
} from './record.js';
import type { CodeChannel, CodePurpose, EventBody, SendRefusal } from './types.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The random inputs of one send, drawn by the shell before deciding. */
export interface SendDraft {
  /** Id of the challenge, pending enrolment or contact check being created. */
  id: string;
  code: string;
  sendId: string;
}

/** What a send decision wants: a code in flight stored in `field`, sent to `to`. */
export interface SendPlan<T> {
  field: PendingField;
  value: ChallengeRec | PendingRec | ContactPendingRec;
  /** The record the new code goes into (with other changes, such as creating the record). */
  base: UserRecord;
  channel: CodeChannel;
  to: string;
  purpose: CodePurpose;
  result: T;
  events: EventBody[];
}

/** The earliest moment at which fewer than `cap` of `times` fall in the `span` ending then. */
export function windowRetryAt(
  times: readonly number[],
  now: number,
  span: number,
  cap: number,
): number | null {
  const inWindow = times.filter((t) => t > now - span).sort((a, b) => a - b);
  if (inWindow.length < cap) return null;
  return inWindow[inWindow.length - cap]! + span;
}

/**
 * Whether the user may be sent a code now: not while locked, nor within the cooldown (after any send) or
 * the caps (contact checks have their own, `sendLimits.contact`).
 */
export function userSendRefusal(
  policy: Policy,
  r: UserRecord | null,
  mono: number,
  purpose: CodePurpose,
): SendRefusal | null {
  if (r && isLocked(r, mono)) return lockedResult(r);
  const contact = purpose === 'contact';
  const times = (r?.sends ?? []).map((s) => s.at);
  const contactTimes = (r?.contactSends ?? []).map((s) => s.at);
  const { cooldown, perUser, contact: contactCap } = policy.sendLimits;
  const last = Math.max(Number.NEGATIVE_INFINITY, ...times, ...contactTimes);
  if (mono - last < cooldown * 1000) {
    return { ok: false, reason: 'throttled', limit: 'cooldown', retryAt: last + cooldown * 1000 };
  }
  const counted = contact ? contactTimes : times;
  const cap = contact ? contactCap : perUser;
  const dayRetry = windowRetryAt(counted, mono, DAY, cap.day);
  if (dayRetry !== null) {
    return { ok: false, reason: 'throttled', limit: contact ? 'contact-day' : 'user-day', retryAt: dayRetry };
  }
  const hourRetry = windowRetryAt(counted, mono, HOUR, cap.hour);
  if (hourRetry !== null) {
    return {
      ok: false,
      reason: 'throttled',
      limit: contact ? 'contact-hour' : 'user-hour',
      retryAt: hourRetry,
    };
  }
  return null;
}

/** Reserves one send on a destination's record, or says which cap refuses it. */
export function reserveDestination(
  policy: Policy,
  record: DestinationRecord | null,
  mono: number,
  sendId: string,
): { refused: SendRefusal } | { next: DestinationRecord } {
  const sends = (record?.sends ?? []).filter((s) => s.at > mono - DAY);
  const times = sends.map((s) => s.at);
  const { hour, day } = policy.sendLimits.perDestination;
  const dayRetry = windowRetryAt(times, mono, DAY, day);
  if (dayRetry !== null) {
    return { refused: { ok: false, reason: 'throttled', limit: 'destination-day', retryAt: dayRetry } };
  }
  const hourRetry = windowRetryAt(times, mono, HOUR, hour);
  if (hourRetry !== null) {
    return { refused: { ok: false, reason: 'throttled', limit: 'destination-hour', retryAt: hourRetry } };
  }
  return { next: { v: 1, seen: mono, sends: [...sends, { at: mono, id: sendId }] } };
}

/** The destination's record without the reservation `sendId`, or `null` if it holds none. */
export function refundDestination(record: DestinationRecord, sendId: string): DestinationRecord | null {
  if (!record.sends.some((s) => s.id === sendId)) return null;
  return { ...record, sends: record.sends.filter((s) => s.id !== sendId) };
}

/** The user's record with the new code in flight and the send counted (older than a day forgotten). */
export function recordSend(plan: SendPlan<unknown>, mono: number, sendId: string): UserRecord {
  const field = plan.purpose === 'contact' ? 'contactSends' : 'sends';
  const sends = (plan.base[field] ?? []).filter((s) => s.at > mono - DAY);
  return {
    ...plan.base,
    [plan.field]: plan.value,
    [field]: [...sends, { at: mono, id: sendId }],
    seen: mono,
  };
}

/**
 * Undoes a stored send whose sender failed: the send uncounted, the previous code back if still ours, the
 * activity entries it logged (numbered `logged`) removed.
 */
export function undoSend(
  record: UserRecord,
  draft: SendDraft,
  field: PendingField,
  previous: UserRecord,
  logged: readonly number[],
): UserRecord {
  const next: UserRecord = { ...record, sends: record.sends.filter((s) => s.id !== draft.sendId) };
  // The activity entries of the send's events go too: the change they record did not happen.
  if (logged.length > 0) next.activity = record.activity.filter((e) => !logged.includes(e.seq));
  if (record.contactSends) next.contactSends = record.contactSends.filter((s) => s.id !== draft.sendId);
  if (record[field]?.id === draft.id) {
    (next as unknown as Record<PendingField, unknown>)[field] = previous[field];
  }
  return next;
}
