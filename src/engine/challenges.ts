/**
 * Sign-in challenges: which device a challenge goes to, opening one (an authenticator needs no send, a
 * phone gets a code), and verifying the typed code with replay refusal (RFC 6238 §5.2).
 * @module
 */
import { TwoSvError } from '../errors.js';
import { maskPhone } from '../phone.js';
import type { Policy } from '../policy.js';
import { verifyTotp } from '../totp.js';
import { equalConstantTime } from './codes.js';
import { codeIn, failure, isLocked, lockedResult } from './failures.js';
import { withProof } from './proofs.js';
import { type ChallengeRec, copyRecord, type DeviceRec, type UserRecord } from './record.js';
import type { SendDraft, SendPlan } from './sends.js';
import type { Rules, Step } from './step.js';
import type { ChallengeResult, EventBody, VerifyResult } from './types.js';

/**
 * The first device that passes `test`. A loop, not `Array.prototype.find`: the arrays of a record read
 * from `MemoryStore` are frozen, and Node 20 runs `find`, `filter`, `some`, `every` and `slice` on a
 * frozen array through a generic slow path, 20 to 40 times slower than on a plain one (bench/enrollment.mjs).
 */
function findDevice(devices: readonly DeviceRec[], test: (d: DeviceRec) => boolean): DeviceRec | undefined {
  for (let i = 0; i < devices.length; i++) if (test(devices[i]!)) return devices[i];
  return undefined;
}

/**
 * The device a challenge goes to: the primary, or `deviceId`.
 * @throws `UNKNOWN_USER`, `NOT_ENABLED`, `UNKNOWN_DEVICE`.
 */
export function challengeDevice(record: UserRecord | null, deviceId: string | undefined): DeviceRec {
  if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
  if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
  const device =
    deviceId === undefined
      ? findDevice(record.devices, (d) => d.role === 'primary')
      : findDevice(record.devices, (d) => d.id === deviceId);
  if (!device) throw new TwoSvError('UNKNOWN_DEVICE', 'deviceId must be the id of a confirmed device');
  return device;
}

const started = (device: DeviceRec): EventBody => ({
  type: 'challenge-started',
  deviceId: device.id,
  kind: device.kind,
});

/**
 * Opens a challenge on an authenticator (nothing to send), ending any other. The result is `null` when the
 * device is a phone now (it changed since the shell looked): the shell sends a code instead.
 */
export function beginAuthenticatorChallenge(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  id: string,
  deviceId: string | undefined,
): Step<ChallengeResult | null> {
  const device = challengeDevice(record, deviceId);
  if (device.kind !== 'authenticator') return { result: null };
  const r = record!;
  if (isLocked(r, mono)) return { result: lockedResult(r) };
  const challenge: ChallengeRec = {
    id,
    deviceId: device.id,
    startedAt: at,
    expiresAt: at + policy.code.lifetime * 1000,
    attempts: 0,
  };
  const next = copyRecord(r);
  next.challenge = challenge;
  return {
    next,
    events: [started(device)],
    result: {
      ok: true,
      challenge: { deviceId: device.id, kind: device.kind, expiresAt: challenge.expiresAt },
    },
  };
}

/** Opens a challenge on a phone: the challenge with the code's hash, to be sent to the number. */
export function planPhoneChallenge(
  rules: Rules,
  record: UserRecord | null,
  at: number,
  userId: string,
  draft: SendDraft,
  deviceId: string | undefined,
): SendPlan<ChallengeResult> {
  const device = challengeDevice(record, deviceId);
  if (device.kind === 'authenticator') {
    throw new TwoSvError('STORE_CONFLICT', 'the device changed during the challenge; try again');
  }
  const challenge: ChallengeRec = {
    id: draft.id,
    deviceId: device.id,
    hash: rules.codeHash('sign-in', userId, draft.id, draft.code),
    startedAt: at,
    expiresAt: at + rules.policy.code.lifetime * 1000,
    attempts: 0,
  };
  return {
    field: 'challenge',
    value: challenge,
    base: record!,
    channel: device.kind,
    to: device.phone!,
    purpose: 'sign-in',
    events: [started(device)],
    result: {
      ok: true,
      challenge: {
        deviceId: device.id,
        kind: device.kind,
        phone: maskPhone(device.phone!),
        expiresAt: challenge.expiresAt,
      },
    },
  };
}

/**
 * First half of a verification, before an authenticator's secret is opened: the open challenge's device,
 * or the result when there is nothing to check (locked, no challenge, expired).
 * @throws `UNKNOWN_USER`.
 */
export function challengedDevice(
  record: UserRecord | null,
  at: number,
  mono: number,
): DeviceRec | VerifyResult {
  if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
  if (isLocked(record, mono)) return lockedResult(record);
  const challenge = record.challenge;
  const device = challenge && findDevice(record.devices, (d) => d.id === challenge.deviceId);
  if (!challenge || !device) return { ok: false, reason: 'no-challenge' };
  if (at >= challenge.expiresAt || at < challenge.startedAt) return { ok: false, reason: 'expired' };
  return device;
}

/**
 * Second half: checks the typed code against the opened `secret` (an authenticator; `null` for a phone,
 * checked against the stored hash). A pass consumes the challenge and the TOTP step, and resets the
 * failures, and issues a step-up proof (`newProof` draws its token); a fail counts (see {@link failure}).
 */
export function verifyChallenge(
  rules: Rules,
  record: UserRecord,
  device: DeviceRec,
  at: number,
  mono: number,
  userId: string,
  typed: string,
  secret: string | null,
  newProof: () => string,
): Step<VerifyResult> {
  const challenge = record.challenge!;
  const totp = rules.totp;
  let step: number | undefined;
  let failed: 'invalid' | 'replayed' | null = null;
  if (secret !== null) {
    const afterStep = device.lastStep ?? -1;
    const match = verifyTotp(typed, secret, {
      algorithm: totp.algorithm,
      digits: totp.digits,
      period: totp.period,
      window: totp.window,
      at,
      afterStep,
    });
    if (match) step = match.step;
    else {
      // Only on failure: was it a correct code already used (or older than the last one used)?
      const any = device.lastStep === undefined ? null : verifyTotp(typed, secret, { ...totp, at });
      failed = any && any.step <= afterStep ? 'replayed' : 'invalid';
    }
  } else if (!equalConstantTime(rules.codeHash('sign-in', userId, challenge.id, typed), challenge.hash!)) {
    failed = 'invalid';
  }
  if (failed) {
    return failure(rules.policy, record, mono, codeIn('challenge', challenge, failed, 'sign-in', device.id));
  }
  // Field by field, as copyRecord: spreading a frozen store record is slow.
  const used: DeviceRec = { id: device.id, kind: device.kind, role: device.role, addedAt: device.addedAt };
  if (device.phone !== undefined) used.phone = device.phone;
  if (device.secret !== undefined) used.secret = device.secret;
  if (step !== undefined) used.lastStep = step;
  else if (device.lastStep !== undefined) used.lastStep = device.lastStep;
  used.lastUsedAt = mono;
  const next = copyRecord(record);
  const devices: DeviceRec[] = [];
  for (let i = 0; i < record.devices.length; i++) {
    const d = record.devices[i]!;
    devices.push(d === device ? used : d); // no `map`: see findDevice
  }
  next.devices = devices;
  next.challenge = null;
  next.failures = 0;
  next.verifiedAt = mono;
  next.reverify = false;
  const proof = newProof();
  next.proofs = withProof(rules.policy, record.proofs, proof, mono);
  return {
    next,
    events: [{ type: 'verification-passed', purpose: 'sign-in', deviceId: device.id }],
    result: { ok: true, deviceId: device.id, kind: device.kind, verifiedAt: mono, proof },
  };
}
