/**
 * The stored records: one per user, one per send destination. Their shapes, and the one place that
 * validates what a store returns and upgrades an older schema to the current one.
 *
 * Schema versions: the user record carries `v`. Version 2 added the activity log and the step-up proofs;
 * {@link parseUser} upgrades a `v: 1` record (both empty) and the engine always writes the current version.
 *
 * Unknown fields are **refused** (`INVALID_RECORD`), not tolerated: a field this release does not know
 * was written by a later one, and tolerating it would mean silently dropping it at the next write, losing
 * security state on a rollback. A later release that adds fields raises `v`, so an older engine refuses its
 * records loudly instead. Version 2 also added the optional `recovery` and `remembered` fields, absent until
 * first used.
 * @module
 */

import { TwoSvError } from '../errors.js';
import { isDeepFrozen } from '../internal/frozen.js';
import type { DeviceKind, DeviceRole } from '../policy.js';
import type { JsonValue } from '../store.js';
import type { CodeChannel } from './types.js';

/** The schema version this release writes. */
export const RECORD_VERSION = 2;

export interface DeviceRec {
  id: string;
  kind: DeviceKind;
  role: DeviceRole;
  phone?: string;
  secret?: string;
  lastStep?: number;
  addedAt: number;
  lastUsedAt?: number;
}

export interface ChallengeRec {
  id: string;
  deviceId: string;
  hash?: string;
  startedAt: number;
  expiresAt: number;
  attempts: number;
}

export interface PendingRec {
  id: string;
  kind: DeviceKind;
  role: DeviceRole;
  replaces?: string;
  phone?: string;
  secret?: string;
  hash?: string;
  startedAt: number;
  expiresAt: number;
  attempts: number;
}

export interface ContactPendingRec {
  id: string;
  kind: 'email' | 'phone';
  channel: CodeChannel;
  value: string;
  hash: string;
  startedAt: number;
  expiresAt: number;
  attempts: number;
}

export interface ContactRec {
  kind: 'email' | 'phone';
  value: string;
  verifiedAt: number;
}

/** A set of recovery codes: the keyed hashes of the codes not used yet, bound to the set's id. */
export interface RecoveryRec {
  id: string;
  issuedAt: number;
  hashes: string[];
}

/** A remembered browser: the keyed hash of its current token (never the token). */
export interface RememberedRec {
  id: string;
  hash: string;
  label: string;
  createdAt: number;
  lastUsedAt?: number;
  expiresAt: number;
}

export interface SendRec {
  at: number;
  id: string;
}

/** A step-up proof: the SHA-256 of the token the app keeps in one sign-in session (hex). */
export interface ProofRec {
  hash: string;
  issuedAt: number;
}

/** What the app told about a call: kept in the activity log. */
export interface ContextRec {
  ip?: string;
  userAgent?: string;
  reason?: string;
}

/** One activity log entry: an event body (see `activity.ts`) with its number, time and context. */
export interface ActivityRec {
  seq: number;
  at: number;
  type: string;
  context?: ContextRec;
  [field: string]: unknown;
}

/** A user's whole 2SV state (schema version 2). Plain JSON; absent optional fields are omitted. */
export interface UserRecord {
  v: 2;
  /**
   * The user id the record belongs to, checked at every read: a store whose keys compare loosely (a
   * case-insensitive SQL collation) must not hand one user's record to another. Always written; absent
   * only from records written before it existed.
   */
  user?: string;
  enabled: boolean;
  devices: DeviceRec[];
  pending: PendingRec | null;
  challenge: ChallengeRec | null;
  contact: ContactPendingRec | null;
  contacts: ContactRec[];
  /** Consecutive failures since the last successful sign-in; a lock starts at each multiple of the limit. */
  failures: number;
  lockedUntil: number;
  /** The highest clock reading stored: locks are judged at max(clock, seen). */
  seen: number;
  verifiedAt: number | null;
  reverify: boolean;
  sends: SendRec[];
  /**
   * Recovery codes, once issued. Optional (absent until first used) so that records without them stay
   * readable by a release that predates them, while one holding them is refused there (unknown field).
   */
  recovery?: RecoveryRec;
  /** Remembered browsers, once any: optional for the same reason as `recovery`. */
  remembered?: RememberedRec[];
  /** Valid step-up proofs, oldest first (at most `policy.maxProofs`). */
  proofs: ProofRec[];
  /** The activity log, oldest first (at most `policy.activityLimit` entries). */
  activity: ActivityRec[];
  /** Codes sent to contacts being checked: counted apart from sign-in sends (`sendLimits.contact`). */
  contactSends?: SendRec[];
  /**
   * The first clock reading seen behind `seen` by more than the tolerance (see `engine/clock.ts`), while
   * such readings are refused; cleared by any write from a clock that agrees with `seen`.
   */
  skew?: number;
}

/** The sends to one phone number or address, across users. */
export interface DestinationRecord {
  v: 1;
  seen: number;
  sends: SendRec[];
}

/**
 * The event types the activity log keeps, plus `codes-failed` (a burst of failed codes, summarised). Adding
 * an action to the log is one line here and one event type in `types.ts`.
 */
export const LOGGED_TYPES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'enrollment-started',
  'device-added',
  'device-replaced',
  'device-removed',
  'primary-changed',
  'two-step-enabled',
  'two-step-disabled',
  'locked',
  'reverification-required',
  'contact-verified',
  'contact-removed',
  'enrollment-cancelled',
  'recovery-codes-issued',
  'recovery-code-used',
  'recovery-codes-low',
  'two-step-reset',
  'remembered-browser-added',
  'remembered-browser-revoked',
  'codes-failed',
]);

/** The three fields of a user record that hold a code in flight. */
export type PendingField = 'challenge' | 'pending' | 'contact';

export function emptyRecord(): UserRecord {
  return {
    v: 2,
    enabled: false,
    devices: [],
    pending: null,
    challenge: null,
    contact: null,
    contacts: [],
    failures: 0,
    lockedUntil: 0,
    seen: 0,
    verifiedAt: null,
    reverify: false,
    sends: [],
    proofs: [],
    activity: [],
  };
}

/**
 * A shallow copy of a record, written out field by field: on the sign-in path this is several times
 * faster than `{ ...record }` (one object literal of a fixed shape instead of a generic property copy).
 */
export function copyRecord(r: UserRecord): UserRecord {
  const copy: UserRecord = {
    v: 2,
    enabled: r.enabled,
    devices: r.devices,
    pending: r.pending,
    challenge: r.challenge,
    contact: r.contact,
    contacts: r.contacts,
    failures: r.failures,
    lockedUntil: r.lockedUntil,
    seen: r.seen,
    verifiedAt: r.verifiedAt,
    reverify: r.reverify,
    sends: r.sends,
    proofs: r.proofs,
    activity: r.activity,
  };
  if (r.recovery !== undefined) copy.recovery = r.recovery;
  if (r.remembered !== undefined) copy.remembered = r.remembered;
  if (r.user !== undefined) copy.user = r.user;
  if (r.contactSends !== undefined) copy.contactSends = r.contactSends;
  if (r.skew !== undefined) copy.skew = r.skew;
  return copy;
}

function invalidRecord(): never {
  throw new TwoSvError(
    'INVALID_RECORD',
    'the store returned a record this version of twosv does not recognise',
  );
}

// ----- validation: a field table per shape; `?` marks an optional field ------------------------------

type Check = (value: unknown) => boolean;

const isString: Check = (x) => typeof x === 'string';
const isTime: Check = (x) => typeof x === 'number' && Number.isFinite(x);
const isCount: Check = (x) => Number.isSafeInteger(x) && (x as number) >= 0;
const isStep: Check = (x) => Number.isSafeInteger(x);
const isBoolean: Check = (x) => typeof x === 'boolean';
const oneOf =
  (...values: readonly string[]): Check =>
  (x) =>
    values.includes(x as string);
const isKind = oneOf('authenticator', 'sms', 'voice');
const isRole = oneOf('primary', 'backup');

interface Field {
  readonly name: string;
  readonly optional: boolean;
  readonly check: Check;
}
type Shape = readonly Field[];

/** A shape from a field table; a name ending in `?` is optional. */
function shape(fields: Readonly<Record<string, Check>>): Shape {
  return Object.entries(fields).map(([key, check]) => {
    const optional = key.endsWith('?');
    return { name: optional ? key.slice(0, -1) : key, optional, check };
  });
}

/** Whether `value` is a plain object whose fields are exactly those of `shape` (optional ones may lack). */
function fits(value: unknown, fields: Shape): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const object = value as Record<string, unknown>;
  let present = 0;
  for (const field of fields) {
    const x = object[field.name];
    if (x === undefined && field.optional) continue;
    if (!field.check(x)) return false;
    present++;
  }
  // No other field: count the object's own (JSON data has no inherited enumerable ones).
  let count = 0;
  for (const _ in object) count++;
  return count === present;
}

/**
 * Whether `x` is an array whose every item passes `check`. A loop, not `every`: a record's arrays from
 * `MemoryStore` are frozen, and Node 20 runs `every` (and `find`, `filter`, `some`, `slice`) on a frozen
 * array through a slow generic path, 20 to 40 times slower than on a plain one.
 */
function allOf(x: unknown, check: Check): boolean {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) if (!check(x[i])) return false;
  return true;
}

const listOf =
  (shape: Shape): Check =>
  (x) =>
    allOf(x, (item) => fits(item, shape));
const orNull =
  (shape: Shape): Check =>
  (x) =>
    x === null || fits(x, shape);

const DEVICE: Shape = /* @__PURE__ */ shape({
  id: isString,
  kind: isKind,
  role: isRole,
  'phone?': isString,
  'secret?': isString,
  'lastStep?': isStep,
  addedAt: isTime,
  'lastUsedAt?': isTime,
});
const CHALLENGE: Shape = /* @__PURE__ */ shape({
  id: isString,
  deviceId: isString,
  'hash?': isString,
  startedAt: isTime,
  expiresAt: isTime,
  attempts: isCount,
});
const PENDING: Shape = /* @__PURE__ */ shape({
  id: isString,
  kind: isKind,
  role: isRole,
  'replaces?': isString,
  'phone?': isString,
  'secret?': isString,
  'hash?': isString,
  startedAt: isTime,
  expiresAt: isTime,
  attempts: isCount,
});
const CONTACT_PENDING: Shape = /* @__PURE__ */ shape({
  id: isString,
  kind: oneOf('email', 'phone'),
  channel: oneOf('sms', 'voice', 'email'),
  value: isString,
  hash: isString,
  startedAt: isTime,
  expiresAt: isTime,
  attempts: isCount,
});
const CONTACT: Shape = /* @__PURE__ */ shape({
  kind: oneOf('email', 'phone'),
  value: isString,
  verifiedAt: isTime,
});
const SEND: Shape = /* @__PURE__ */ shape({ at: isTime, id: isString });
const RECOVERY: Shape = /* @__PURE__ */ shape({
  id: isString,
  issuedAt: isTime,
  hashes: (x) => allOf(x, isString),
});
const REMEMBERED: Shape = /* @__PURE__ */ shape({
  id: isString,
  hash: isString,
  label: isString,
  createdAt: isTime,
  'lastUsedAt?': isTime,
  expiresAt: isTime,
});

const PROOF: Shape = /* @__PURE__ */ shape({ hash: isString, issuedAt: isTime });
const CONTEXT: Shape = /* @__PURE__ */ shape({
  'ip?': isString,
  'userAgent?': isString,
  'reason?': isString,
});

/** An entry: its number, time, a type this release logs, a context; the event's own fields are JSON. */
const isEntry: Check = (x) => {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const e = x as Record<string, unknown>;
  return (
    isCount(e.seq) &&
    isTime(e.at) &&
    LOGGED_TYPES.has(e.type as string) &&
    (e.context === undefined || fits(e.context, CONTEXT))
  );
};

const USER_FIELDS: Readonly<Record<string, Check>> = {
  'user?': isString,
  enabled: isBoolean,
  devices: listOf(DEVICE),
  pending: orNull(PENDING),
  challenge: orNull(CHALLENGE),
  contact: orNull(CONTACT_PENDING),
  contacts: listOf(CONTACT),
  failures: isCount,
  lockedUntil: isTime,
  seen: isTime,
  verifiedAt: (x) => x === null || isTime(x),
  reverify: isBoolean,
  sends: listOf(SEND),
  'contactSends?': listOf(SEND),
  'skew?': isTime,
};
const USER_V1: Shape = /* @__PURE__ */ shape({ v: (x) => x === 1, ...USER_FIELDS });
const USER_V2: Shape = /* @__PURE__ */ shape({
  v: (x) => x === 2,
  ...USER_FIELDS,
  proofs: listOf(PROOF),
  activity: (x) => allOf(x, isEntry),
  'recovery?': (x) => fits(x, RECOVERY),
  'remembered?': listOf(REMEMBERED),
});
const DESTINATION_V1: Shape = /* @__PURE__ */ shape({ v: (x) => x === 1, seen: isTime, sends: listOf(SEND) });

/** What the fields alone cannot say: a device's kind decides which of phone and secret it has. */
function consistent(r: UserRecord): boolean {
  const ids = new Set<string>();
  for (const d of r.devices) {
    if (ids.has(d.id)) return false;
    ids.add(d.id);
    if (d.kind === 'authenticator' ? d.secret === undefined : d.phone === undefined) return false;
  }
  const p = r.pending;
  if (p && (p.kind === 'authenticator' ? p.secret === undefined : p.phone === undefined || !p.hash)) {
    return false;
  }
  const c = r.challenge;
  if (c) {
    for (const d of r.devices) if (d.id === c.deviceId && d.kind !== 'authenticator' && !c.hash) return false;
  }
  return true;
}

/**
 * Records already validated. {@link MemoryStore} hands out the same deep-frozen object until the next
 * write, so the sign-in path validates a record once, not at every read. Only records that store deep-froze
 * ({@link isDeepFrozen}) are remembered: a record frozen only at its top, as another store might hand out,
 * could still change inside after the check.
 */
const validated = /* @__PURE__ */ new WeakSet<object>();

/**
 * Validates a user record from the store and upgrades it to the current schema: the one place that knows
 * older schemas. Anything else (another version, a missing, extra or ill-typed field, a device without
 * its secret or number, two devices with one id, a record naming another user) throws `INVALID_RECORD`.
 */
export function parseUser(value: JsonValue, userId: string): UserRecord {
  if (value !== null && typeof value === 'object' && validated.has(value)) {
    return ownedBy(value as unknown as UserRecord, userId);
  }
  const version = value !== null && typeof value === 'object' ? (value as { v?: unknown }).v : undefined;
  switch (version) {
    case 1: {
      if (!fits(value, USER_V1)) invalidRecord();
      // Version 1 had no proofs (recency was per user: it does not carry over) and no activity log.
      return parseUser({ ...(value as object), v: 2, proofs: [], activity: [] } as JsonValue, userId);
    }
    case 2: {
      if (!fits(value, USER_V2) || !consistent(value as unknown as UserRecord)) invalidRecord();
      if (isDeepFrozen(value)) validated.add(value as object);
      return ownedBy(value as unknown as UserRecord, userId);
    }
    // A later schema adds its upgrade here: case 2 becomes `return parseUser(upgrade2to3(value))`.
    default:
      return invalidRecord();
  }
}

/** The record, if it names `userId` (or no one: written before records named their user). */
function ownedBy(record: UserRecord, userId: string): UserRecord {
  if (record.user !== undefined && record.user !== userId) {
    throw new TwoSvError('INVALID_RECORD', "the store returned another user's record for this user id");
  }
  return record;
}

/**
 * Marks a record the engine itself wrote as valid, if the store keeps that very object deep-frozen (as
 * {@link MemoryStore} does): the next read of it skips the check. A store that serialises never hands the
 * same object back, so this costs it nothing.
 */
export function markValid(record: UserRecord): void {
  if (isDeepFrozen(record)) validated.add(record);
}

/** Validates a destination record from the store (schema version 1). */
export function parseDestination(value: JsonValue): DestinationRecord {
  if (!fits(value, DESTINATION_V1)) invalidRecord();
  return value as unknown as DestinationRecord;
}
