/**
 * Emergency contact checks: sending a code to an address or number, and confirming it.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import { equalConstantTime } from './codes.js';
import { maskContact, type ParsedContact } from './contact.js';
import { codeIn, failure, isLocked, lockedResult } from './failures.js';
import { requireProof } from './proofs.js';
import { type ContactPendingRec, type ContactRec, emptyRecord, type UserRecord } from './record.js';
import type { SendDraft, SendPlan } from './sends.js';
import { statusOf } from './status.js';
import type { Rules, Step } from './step.js';
import type { ContactInfo, ContactResult, TwoStepStatus } from './types.js';

/**
 * A contact check: the code's hash stored, the code to be sent to the contact. Changing a contact is a
 * sensitive change once 2SV is on (a contact can take over the account's recovery).
 * @throws `LOCKED`, `VERIFICATION_REQUIRED`.
 */
export function planContactCheck(
  rules: Rules,
  record: UserRecord | null,
  at: number,
  mono: number,
  userId: string,
  draft: SendDraft,
  contact: ParsedContact,
  proof: string | undefined,
): SendPlan<{ readonly ok: true; readonly to: string; readonly expiresAt: number }> {
  if (record) requireProof(rules.policy, record, mono, proof);
  const { kind, channel, value } = contact;
  const pending: ContactPendingRec = {
    id: draft.id,
    kind,
    channel,
    value,
    hash: rules.codeHash('contact', userId, draft.id, draft.code),
    startedAt: at,
    expiresAt: at + rules.policy.code.lifetime * 1000,
    attempts: 0,
  };
  return {
    field: 'contact',
    value: pending,
    base: record ?? emptyRecord(),
    channel,
    to: value,
    purpose: 'contact',
    events: [],
    result: { ok: true, to: maskContact(kind, value), expiresAt: pending.expiresAt },
  };
}

/**
 * Confirms the open contact check with the typed code; the verified contact replaces any of its kind. A
 * sensitive change, like beginning the check.
 * @throws `CONTACT_NOT_FOUND`, `CONTACT_EXPIRED`, `VERIFICATION_REQUIRED`.
 */
export function confirmContact(
  rules: Rules,
  record: UserRecord | null,
  at: number,
  mono: number,
  userId: string,
  typed: string,
  proof: string | undefined,
): Step<ContactResult> {
  const c = record?.contact;
  if (!record || !c) throw new TwoSvError('CONTACT_NOT_FOUND', 'there is no contact verification to confirm');
  if (at >= c.expiresAt || at < c.startedAt) {
    throw new TwoSvError('CONTACT_EXPIRED', 'the contact verification expired: begin it again');
  }
  if (isLocked(record, mono)) return { result: lockedResult(record) };
  requireProof(rules.policy, record, mono, proof);
  if (!equalConstantTime(rules.codeHash('contact', userId, c.id, typed), c.hash)) {
    return failure(rules.policy, record, mono, codeIn('contact', c, 'invalid', 'contact', undefined));
  }
  const verified: ContactRec = { kind: c.kind, value: c.value, verifiedAt: mono };
  const info: ContactInfo = { kind: c.kind, masked: maskContact(c.kind, c.value), verifiedAt: mono };
  return {
    next: {
      ...record,
      contact: null,
      contacts: [...record.contacts.filter((x) => x.kind !== c.kind), verified],
    },
    events: [
      { type: 'verification-passed', purpose: 'contact' },
      { type: 'contact-verified', contact: info },
    ],
    result: { ok: true, contact: { ...info, value: c.value } },
  };
}

/**
 * Removes the verified contact of `kind` (and a pending check of that kind): a sensitive change.
 * @throws `CONTACT_NOT_FOUND`, `LOCKED`, `VERIFICATION_REQUIRED`.
 */
export function removeContact(
  policy: Policy,
  record: UserRecord | null,
  at: number,
  mono: number,
  kind: 'email' | 'phone',
  proof: string | undefined,
): Step<TwoStepStatus> {
  const contact = record?.contacts.find((c) => c.kind === kind);
  if (!record || !contact) throw new TwoSvError('CONTACT_NOT_FOUND', 'the user has no contact of this kind');
  requireProof(policy, record, mono, proof);
  const next: UserRecord = {
    ...record,
    contacts: record.contacts.filter((c) => c !== contact),
    contact: record.contact?.kind === kind ? null : record.contact,
  };
  const info: ContactInfo = {
    kind,
    masked: maskContact(kind, contact.value),
    verifiedAt: contact.verifiedAt,
  };
  return {
    next,
    events: [{ type: 'contact-removed', contact: info }],
    result: statusOf(policy, next, at, mono),
  };
}
