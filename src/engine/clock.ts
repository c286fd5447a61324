/**
 * Clocks that disagree: the engine judges time at `max(clock, seen)` (`seen` being the highest reading
 * stored for the user), so a clock that moves back a little never shortens a lock nor revives a code. A
 * reading behind `seen` by more than {@link CLOCK_TOLERANCE} means that two servers disagree: this one runs
 * behind, or the one that wrote the record ran ahead (a server once years in the future froze its users
 * there). Such a reading is refused (`CLOCK_SKEW`), and the record remembers the earliest one (`skew`: a
 * reading further behind than the mark moves it back). A write from a clock that agrees with the record
 * clears it. If, a tolerance after the mark, behind readings still arrive and nothing agreeing has written,
 * the clocks now agree among themselves and not with the record: the record is rebased onto the current
 * clock ({@link rebase}), erring on the safe side.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import type { DestinationRecord, UserRecord } from './record.js';

/** How far (ms) a clock may run behind the highest reading stored before it counts as skewed: 5 minutes. */
export const CLOCK_TOLERANCE = 300_000;

export const clockSkewError = (): TwoSvError =>
  new TwoSvError(
    'CLOCK_SKEW',
    "this server's clock disagrees with the stored record by more than 5 minutes; nothing was changed",
  );

/** How a reading relates to the record. */
export type ClockJudgement =
  /** Agreeing (or ahead, or no record): judge at `mono`. */
  | { readonly record: UserRecord | null; readonly mono: number; readonly rebased: boolean }
  /** Behind by more than the tolerance: refuse; store `mark` first when it is not `null`. */
  | { readonly skewed: true; readonly mark: UserRecord | null };

/**
 * Judges the reading `at` against the record. `rebased` says the record was rebased onto `at` (to be
 * stored even when the operation itself changes nothing).
 */
export function judgeClock(policy: Policy, record: UserRecord | null, at: number): ClockJudgement {
  if (!record || at >= record.seen - CLOCK_TOLERANCE) {
    return { record, mono: record && record.seen > at ? record.seen : at, rebased: false };
  }
  const first = record.skew;
  if (first !== undefined && at >= first + CLOCK_TOLERANCE) {
    return { record: rebase(policy, record, at), mono: at, rebased: true };
  }
  if (first !== undefined && at >= first) return { skewed: true, mark: null };
  return { skewed: true, mark: { ...record, skew: at } };
}

/**
 * The record moved onto the timeline of the clock reading `at`, which is behind `record.seen`. Nothing from
 * the other timeline is trusted to help the user, and nothing from it may block the user for longer than
 * the policy allows from now:
 * - a lock ends at its old end or `lockout.maxDuration` from now, whichever is sooner (a clock running
 *   behind ends no lock early unless it had more than the longest lock to run);
 * - a verification stamped after `at` is no longer recent (the user verifies again);
 * - codes in flight issued after `at` end; sends stamped after `at` count as sent now (cooldown and caps
 *   run from now);
 * - the last TOTP step used is at most the last step the current window accepts, so every code of the
 *   current window stays refused as a replay (the user waits at most one window) and later codes work.
 */
export function rebase(policy: Policy, record: UserRecord, at: number): UserRecord {
  const clamp = (t: number) => (t > at ? at : t);
  const maxLock = at + policy.lockout.maxDuration * 1000;
  const lastAllowedStep = Math.floor(at / 1000 / policy.totp.period) + policy.totp.window;
  const next: UserRecord = {
    ...record,
    devices: record.devices.map((d) => {
      const copy = { ...d, addedAt: clamp(d.addedAt) };
      if (d.lastUsedAt !== undefined) copy.lastUsedAt = clamp(d.lastUsedAt);
      if (d.lastStep !== undefined && d.lastStep > lastAllowedStep) copy.lastStep = lastAllowedStep;
      return copy;
    }),
    pending: record.pending && record.pending.startedAt > at ? null : record.pending,
    challenge: record.challenge && record.challenge.startedAt > at ? null : record.challenge,
    contact: record.contact && record.contact.startedAt > at ? null : record.contact,
    contacts: record.contacts.map((c) => ({ ...c, verifiedAt: clamp(c.verifiedAt) })),
    lockedUntil: record.lockedUntil > maxLock ? maxLock : record.lockedUntil,
    seen: at,
    verifiedAt: record.verifiedAt !== null && record.verifiedAt > at ? null : record.verifiedAt,
    sends: record.sends.map((s) => ({ ...s, at: clamp(s.at) })),
  };
  if (record.contactSends) next.contactSends = record.contactSends.map((s) => ({ ...s, at: clamp(s.at) }));
  delete next.skew;
  return next;
}

/**
 * A destination's record judged at `at`: shared by many users and holding only send times, it is rebased at
 * once when the reading is behind it by more than the tolerance (its sends count as sent now).
 */
export function judgeDestination(
  record: DestinationRecord | null,
  at: number,
): { record: DestinationRecord | null; mono: number } {
  if (!record) return { record, mono: at };
  if (at >= record.seen - CLOCK_TOLERANCE) return { record, mono: Math.max(at, record.seen) };
  return {
    record: { v: 1, seen: at, sends: record.sends.map((s) => ({ ...s, at: Math.min(s.at, at) })) },
    mono: at,
  };
}
