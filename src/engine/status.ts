/**
 * What a user's record shows: the status of a settings page, and devices as events and pages see them
 * (no secret, the number masked).
 * @module
 */

import { maskPhone } from '../phone.js';
import { backupKindsFor, isPrimaryKind, isRecentVerification, type Policy } from '../policy.js';
import { maskContact } from './contact.js';
import { isLocked } from './failures.js';
import { type DeviceRec, emptyRecord, type PendingRec, type UserRecord } from './record.js';
import { liveBrowsers } from './remembered.js';
import type { DeviceInfo, TwoStepStatus } from './types.js';

export function deviceInfo(d: DeviceRec | PendingRec, confirmed: boolean): DeviceInfo {
  const info: { -readonly [K in keyof DeviceInfo]: DeviceInfo[K] } = {
    id: d.id,
    kind: d.kind,
    role: d.role,
    confirmed,
    addedAt: 'addedAt' in d ? d.addedAt : d.startedAt,
  };
  if (d.phone !== undefined) info.phone = maskPhone(d.phone);
  if ('lastUsedAt' in d && d.lastUsedAt !== undefined) info.lastUsedAt = d.lastUsedAt;
  return info;
}

export function statusOf(policy: Policy, r: UserRecord | null, at: number, mono: number): TwoStepStatus {
  const record = r ?? emptyRecord();
  const devices = [...record.devices].sort((a, b) => (a.role === b.role ? 0 : a.role === 'primary' ? -1 : 1));
  const infos = devices.map((d) => deviceInfo(d, true));
  const pending = record.pending && at < record.pending.expiresAt ? record.pending : null;
  if (pending) infos.push(deviceInfo(pending, false));
  const primary = devices.find((d) => d.role === 'primary');
  const challenge = record.challenge;
  const challengeDevice = challenge && devices.find((d) => d.id === challenge.deviceId);
  const phoneOnly = devices.length > 0 && devices.every((d) => d.kind !== 'authenticator');
  const backups = devices.filter((d) => d.role === 'backup').length;
  const authenticatorReachable =
    isPrimaryKind(policy, 'authenticator') ||
    (primary !== undefined &&
      backupKindsFor(policy, primary.kind).includes('authenticator') &&
      backups < policy.maxBackups);
  const locked = isLocked(record, mono);
  return {
    enabled: record.enabled,
    setupStep: record.enabled ? null : primary ? 'enroll-backup' : 'enroll-primary',
    devices: infos,
    challenge:
      challenge && challengeDevice && at >= challenge.startedAt && at < challenge.expiresAt
        ? { deviceId: challenge.deviceId, kind: challengeDevice.kind, expiresAt: challenge.expiresAt }
        : null,
    locked,
    lockedUntil: locked ? record.lockedUntil : null,
    failures: record.failures,
    reverificationRequired: record.reverify,
    verifiedAt: record.verifiedAt,
    recentlyVerified: !record.reverify && isRecentVerification(policy, record.verifiedAt, mono),
    phoneOnly,
    recommendAuthenticator: phoneOnly && authenticatorReachable,
    contacts: record.contacts.map((c) => ({
      kind: c.kind,
      masked: maskContact(c.kind, c.value),
      verifiedAt: c.verifiedAt,
    })),
    recoveryCodes: record.recovery
      ? { remaining: record.recovery.hashes.length, issuedAt: record.recovery.issuedAt }
      : null,
    rememberedBrowsers: liveBrowsers(record, mono).length,
  };
}
