/**
 * Devices: enrolling an authenticator or a phone, confirming the enrolment, swapping the primary,
 * removing and replacing devices, disabling 2SV and demanding re-verification. Pure decisions on a user
 * record; the shell seals and opens secrets and sends codes.
 * @module
 */
import { TwoSvError } from '../errors.js';
import { maskPhone } from '../phone.js';
import {
  checkAddDevice,
  checkRemoveDevice,
  checkReplaceDevice,
  checkSwapPrimary,
  type DeviceKind,
  type DeviceRole,
  isSetupComplete,
  type Policy,
  type PolicyCheck,
  policyErrorCode,
} from '../policy.js';
import { verifyTotp } from '../totp.js';
import { equalConstantTime } from './codes.js';
import { codeIn, failure, isLocked, lockedResult } from './failures.js';
import { requireProof, withProof } from './proofs.js';
import { type DeviceRec, emptyRecord, type PendingRec, type UserRecord } from './record.js';
import { revokeAllBrowsers } from './remembered.js';
import type { SendDraft, SendPlan } from './sends.js';
import { deviceInfo, statusOf } from './status.js';
import type { Rules, Step } from './step.js';
import type {
  AuthenticatorEnrollment,
  ConfirmResult,
  EventBody,
  PhoneEnrollment,
  TwoStepStatus,
  VerifyFailure,
} from './types.js';

/** @throws the policy's error code when `check` refuses. */
export function throwRefusal(check: PolicyCheck): void {
  if (!check.ok) {
    throw new TwoSvError(policyErrorCode(check.reason), `policy refuses: ${check.reason}`);
  }
}

const noUser = () => new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');

/** The role a new device gets: the replaced device's, the one asked for, or primary when there is none. */
export function roleFor(
  r: UserRecord,
  role: DeviceRole | undefined,
  replaces: string | undefined,
): DeviceRole {
  if (replaces !== undefined) {
    const old = r.devices.find((d) => d.id === replaces);
    if (!old) throw new TwoSvError('UNKNOWN_DEVICE', 'replaces must be the id of a confirmed device');
    return old.role;
  }
  if (role !== undefined && role !== 'primary' && role !== 'backup') {
    throw new TwoSvError('INVALID_OPTION', "role must be 'primary' or 'backup'");
  }
  return role ?? (r.devices.some((d) => d.role === 'primary') ? 'backup' : 'primary');
}

function checkCandidate(
  policy: Policy,
  r: UserRecord,
  kind: DeviceKind,
  role: DeviceRole,
  phone: string | undefined,
  replaces: string | undefined,
): void {
  throwRefusal(
    replaces !== undefined
      ? checkReplaceDevice(policy, r.devices, replaces, { kind, phone })
      : checkAddDevice(policy, r.devices, { kind, role, phone }),
  );
}

/** What the app asked to enrol. */
export interface Candidate {
  role?: DeviceRole | undefined;
  replaces?: string | undefined;
  proof?: string | undefined;
}

/**
 * First half of enrolling an authenticator, before its secret is sealed: may this user add it now, and in
 * which role? @throws `LOCKED`, `VERIFICATION_REQUIRED`, `UNKNOWN_DEVICE`, `INVALID_OPTION`, policy codes.
 */
export function authenticatorRole(policy: Policy, r: UserRecord, mono: number, c: Candidate): DeviceRole {
  requireProof(policy, r, mono, c.proof);
  const role = roleFor(r, c.role, c.replaces);
  checkCandidate(policy, r, 'authenticator', role, undefined, c.replaces);
  return role;
}

/** Second half: the pending enrolment holding the sealed secret, and what the enrolment page shows. */
export function startAuthenticatorEnrollment(
  policy: Policy,
  r: UserRecord,
  at: number,
  role: DeviceRole,
  c: Candidate,
  shown: { id: string; secret: string; sealed: string; uri: string; qrSvg: string },
): Step<AuthenticatorEnrollment> {
  const { id, secret, uri, qrSvg } = shown;
  const pending: PendingRec = {
    id,
    kind: 'authenticator',
    role,
    ...(c.replaces === undefined ? {} : { replaces: c.replaces }),
    secret: shown.sealed,
    startedAt: at,
    expiresAt: at + policy.enrollmentLifetime * 1000,
    attempts: 0,
  };
  return {
    next: { ...r, pending },
    events: [{ type: 'enrollment-started', kind: 'authenticator', role }],
    result: { id, kind: 'authenticator', role, secret, uri, qrSvg, expiresAt: pending.expiresAt },
  };
}

/** Enrolling a phone: the pending enrolment with the code's hash, to be sent to the number. */
export function planPhoneEnrollment(
  rules: Rules,
  record: UserRecord | null,
  at: number,
  mono: number,
  userId: string,
  draft: SendDraft,
  phone: { kind: 'sms' | 'voice'; number: string } & Candidate,
): SendPlan<{ readonly ok: true; readonly enrollment: PhoneEnrollment }> {
  const { policy } = rules;
  const { kind, number, replaces } = phone;
  const r = record ?? emptyRecord();
  requireProof(policy, r, mono, phone.proof);
  const role = roleFor(r, phone.role, replaces);
  checkCandidate(policy, r, kind, role, number, replaces);
  const pending: PendingRec = {
    id: draft.id,
    kind,
    role,
    ...(replaces === undefined ? {} : { replaces }),
    phone: number,
    hash: rules.codeHash('enrollment', userId, draft.id, draft.code),
    startedAt: at,
    expiresAt: at + policy.code.lifetime * 1000,
    attempts: 0,
  };
  const masked = maskPhone(number);
  return {
    field: 'pending',
    value: pending,
    base: r,
    channel: kind,
    to: number,
    purpose: 'enrollment',
    events: [{ type: 'enrollment-started', kind, role, phone: masked }],
    result: {
      ok: true,
      enrollment: { id: draft.id, kind, role, phone: masked, expiresAt: pending.expiresAt },
    },
  };
}

/**
 * First half of confirming an enrolment, before an authenticator's secret is opened: the pending
 * enrolment, or the result when the user is locked.
 * @throws `ENROLLMENT_NOT_FOUND`, `ENROLLMENT_EXPIRED`, policy codes (the devices changed meanwhile).
 */
export function findEnrollment(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
): PendingRec | VerifyFailure {
  const p = record?.pending;
  if (!record || !p) throw new TwoSvError('ENROLLMENT_NOT_FOUND', 'there is no enrolment to confirm');
  if (at >= p.expiresAt || at < p.startedAt) {
    throw new TwoSvError('ENROLLMENT_EXPIRED', 'the enrolment expired: begin it again');
  }
  if (isLocked(record, mono)) return lockedResult(record);
  checkCandidate(policy, record, p.kind, p.role, p.phone, p.replaces);
  return p;
}

/**
 * Second half: checks the typed code (against the opened `secret` of an authenticator, or the stored
 * hash of a sent code) and, if it passes, adds the device (replacing one if asked), turning 2SV on once
 * setup is complete.
 */
export function confirmEnrollment(
  rules: Rules,
  record: UserRecord,
  at: number,
  mono: number,
  userId: string,
  typed: string,
  secret: string | null,
  newProof: () => string,
): Step<ConfirmResult> {
  const { policy } = rules;
  const p = record.pending!;
  let step: number | undefined;
  let ok: boolean;
  if (secret !== null) {
    const match = verifyTotp(typed, secret, { ...rules.totp, at });
    ok = match !== null;
    if (match) step = match.step;
  } else {
    ok = equalConstantTime(rules.codeHash('enrollment', userId, p.id, typed), p.hash!);
  }
  if (!ok) {
    return failure(policy, record, mono, codeIn('pending', p, 'invalid', 'enrollment', undefined));
  }
  const replaced = p.replaces === undefined ? undefined : record.devices.find((d) => d.id === p.replaces);
  const device: DeviceRec = {
    id: p.id,
    kind: p.kind,
    // A replacement takes the role the old device has now: a swap since the enrolment began must not
    // leave two primaries, or none.
    role: replaced ? replaced.role : p.role,
    ...(p.phone === undefined ? {} : { phone: p.phone }),
    ...(p.secret === undefined ? {} : { secret: p.secret }),
    ...(step === undefined ? {} : { lastStep: step }),
    addedAt: mono,
  };
  const devices = [...record.devices.filter((d) => d.id !== p.replaces), device];
  const wasEnabled = record.enabled;
  const enabled = wasEnabled || isSetupComplete(policy, devices);
  const next: UserRecord = {
    ...record,
    devices,
    pending: null,
    enabled,
    challenge: replaced && record.challenge?.deviceId === replaced.id ? null : record.challenge,
    verifiedAt: wasEnabled ? record.verifiedAt : mono,
  };
  // Turning 2SV on verifies this session: it gets a proof to go on with (add another backup, say).
  const proof = enabled && !wasEnabled ? newProof() : undefined;
  if (proof !== undefined) next.proofs = withProof(policy, record.proofs, proof, mono);
  const info = deviceInfo(device, true);
  const events: EventBody[] = [{ type: 'verification-passed', purpose: 'enrollment', deviceId: device.id }];
  events.push(
    replaced
      ? { type: 'device-replaced', device: info, replaced: deviceInfo(replaced, true) }
      : { type: 'device-added', device: info },
  );
  if (enabled && !wasEnabled) events.push({ type: 'two-step-enabled' });
  if (replaced) events.push(...revokeAllBrowsers(next, mono, 'device-replaced'));
  return {
    next,
    events,
    result:
      proof === undefined ? { ok: true, device: info, enabled } : { ok: true, device: info, enabled, proof },
  };
}

/** Makes a backup (the only one, when `deviceId` is absent) the primary, and the primary a backup. */
export function swapPrimary(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  deviceId: string | undefined,
  proof: string | undefined,
): Step<TwoStepStatus> {
  if (!record) throw noUser();
  const backups = record.devices.filter((d) => d.role === 'backup');
  let target = deviceId;
  if (target === undefined) {
    if (backups.length !== 1) {
      throw new TwoSvError(
        backups.length ? 'INVALID_OPTION' : 'NOT_A_BACKUP',
        'deviceId is required unless the user has exactly one backup',
      );
    }
    target = backups[0]!.id;
  }
  requireProof(policy, record, mono, proof);
  throwRefusal(checkSwapPrimary(policy, record.devices, target));
  const previous = record.devices.find((d) => d.role === 'primary')!;
  const devices = record.devices.map((d): DeviceRec => {
    if (d.id === target) return { ...d, role: 'primary' };
    if (d.id === previous.id) return { ...d, role: 'backup' };
    return d;
  });
  const next = { ...record, devices };
  const promoted = devices.find((d) => d.id === target)!;
  const demoted = devices.find((d) => d.id === previous.id)!;
  return {
    next,
    events: [
      {
        type: 'primary-changed',
        deviceId: target,
        previousDeviceId: previous.id,
        device: deviceInfo(promoted, true),
        previous: deviceInfo(demoted, true),
      },
    ],
    result: statusOf(policy, next, at, mono),
  };
}

/** Removes a confirmed device, with its open challenge and any enrolment meant to replace it. */
export function removeDevice(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  deviceId: string,
  proof: string | undefined,
): Step<TwoStepStatus> {
  if (!record) throw noUser();
  const device = record.devices.find((d) => d.id === deviceId);
  if (!device) throw new TwoSvError('UNKNOWN_DEVICE', 'deviceId must be the id of a confirmed device');
  requireProof(policy, record, mono, proof);
  throwRefusal(checkRemoveDevice(policy, record.devices, deviceId, record.enabled));
  const next: UserRecord = {
    ...record,
    devices: record.devices.filter((d) => d.id !== deviceId),
    challenge: record.challenge?.deviceId === deviceId ? null : record.challenge,
    pending: record.pending?.replaces === deviceId ? null : record.pending,
  };
  return {
    next,
    events: [
      { type: 'device-removed', device: deviceInfo(device, true) },
      ...revokeAllBrowsers(next, mono, 'device-removed'),
    ],
    result: statusOf(policy, next, at, mono),
  };
}

/** Turns 2SV off and forgets every device; nothing to do for a user with nothing on. */
export function disable(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  proof: string | undefined,
): Step<TwoStepStatus> {
  if (!record) throw noUser();
  if (
    !record.enabled &&
    record.devices.length === 0 &&
    !record.pending &&
    !record.challenge &&
    !record.recovery &&
    !record.remembered &&
    !record.contact
  ) {
    return { result: statusOf(policy, record, at, mono) };
  }
  requireProof(policy, record, mono, proof);
  const next: UserRecord = {
    ...record,
    enabled: false,
    devices: [],
    pending: null,
    challenge: null,
    contact: null,
    reverify: false,
    proofs: [],
  };
  delete next.recovery; // turning 2SV off voids the recovery codes
  const events: EventBody[] = record.enabled
    ? [{ type: 'two-step-disabled', devices: record.devices.map((d) => deviceInfo(d, true)) }]
    : record.devices.map((d) => ({ type: 'device-removed', device: deviceInfo(d, true) }) as const);
  events.push(...revokeAllBrowsers(next, mono, 'disabled'));
  return { next, events, result: statusOf(policy, next, at, mono) };
}

/**
 * Demands a fresh second step: ends the recent verification, the open challenge, any enrolment and any
 * contact check.
 */
export function requireReverification(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  reason: string | undefined,
): Step<TwoStepStatus> {
  if (!record) throw noUser();
  if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
  // A pending enrolment may be the intruder's device (a replacement begun in the suspect session):
  // it ends too, so it cannot be confirmed once the user has passed the fresh challenge.
  // Every step-up proof ends too: a session that verified before the demand must verify again.
  // So may a pending contact check (a suspect session replacing the recovery address): it ends too.
  const next: UserRecord = {
    ...record,
    reverify: true,
    verifiedAt: null,
    challenge: null,
    pending: null,
    proofs: [],
    contact: null,
  };
  return {
    next,
    events: [{ type: 'reverification-required', ...(reason === undefined ? {} : { reason }) }],
    result: statusOf(policy, next, at, mono),
  };
}
