/**
 * Recovery codes: drawing a set, the form users type them in, issuing a set (voiding the old one) and
 * signing in with one in place of a device code.
 *
 * Storage: each code is kept only as HMAC-SHA256 under the engine's `codeKey`, over the user id, the set's
 * id and the normalised code. Why a keyed hash: a code has 60 bits, too few for a fast unkeyed hash to
 * protect it from a GPU once the database leaks (2^60 SHA-256 is within reach of a determined attacker),
 * and a slow password hash (bcrypt, scrypt, Argon2) would cost every sign-in attempt tens of milliseconds
 * per stored code, or need a lookup id shown to the user. With the key kept out of the store, a leaked
 * database alone gives nothing to brute-force at all, and checking a code costs one HMAC. Binding the user
 * and set id means a hash copied into another user's record, or kept from a voided set, matches nothing.
 * @module
 */
import { TwoSvError } from '../errors.js';
import { type RandomSource, randomBytes } from '../secret.js';
import { equalConstantTime, type SecretHasher } from './codes.js';
import { failure, isLocked, lockedResult, requireRecent } from './failures.js';
import { copyRecord, type UserRecord } from './record.js';
import type { Rules, Step } from './step.js';
import type { EventBody, RecoveryCodes, RecoveryResult } from './types.js';

/** Crockford's base32 alphabet in lower case: no i, l, o or u, so nothing reads as another letter. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Characters of a code: 12 × 5 bits = 60 bits. */
export const RECOVERY_CODE_LENGTH = 12;

/** One code from the CSPRNG, grouped by four: `'k3f9-x2mq-7t4b'`. 32 divides 256, so no bias. */
export function randomRecoveryCode(random: RandomSource | undefined): string {
  const bytes = randomBytes(RECOVERY_CODE_LENGTH, random);
  let out = '';
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += ALPHABET[bytes[i]! & 31];
  }
  return out;
}

/** `count` distinct codes. @throws `INVALID_RANDOM` when the source keeps repeating itself. */
export function drawRecoveryCodes(count: number, random: RandomSource | undefined): string[] {
  const codes = new Set<string>();
  for (let draws = 0; codes.size < count; draws++) {
    if (draws > count * 4) throw new TwoSvError('INVALID_RANDOM', 'random keeps returning the same bytes');
    codes.add(randomRecoveryCode(random));
  }
  return [...codes];
}

/**
 * What a typed recovery code normalises to: case, spaces and dashes forgiven, and Crockford's look-alikes
 * read as digits (`o` as 0, `i` and `l` as 1). `''` for anything that cannot be a code.
 */
export function normalizeRecoveryCode(code: unknown): string {
  if (typeof code !== 'string' || code.length > 64) return '';
  const plain = code
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  if (plain.length !== RECOVERY_CODE_LENGTH) return '';
  for (const c of plain) if (!ALPHABET.includes(c)) return '';
  return plain;
}

const noUser = () => new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');

/**
 * Issues a new set: the hashes of `codes` under a new set id, replacing any old set. A sensitive change.
 * @throws `UNKNOWN_USER`, `NOT_ENABLED` (no confirmed device), `RECOVERY_CODES_OFF`, `LOCKED`,
 *   `VERIFICATION_REQUIRED`.
 */
export function issueRecoveryCodes(
  rules: Rules,
  secretHash: SecretHasher,
  record: UserRecord | null,
  mono: number,
  userId: string,
  setId: string,
  codes: readonly string[],
): Step<RecoveryCodes> {
  if (!rules.policy.recoveryCodes.enabled) {
    throw new TwoSvError('RECOVERY_CODES_OFF', 'the policy does not offer recovery codes');
  }
  if (!record) throw noUser();
  if (record.devices.length === 0) {
    throw new TwoSvError('NOT_ENABLED', 'recovery codes need a confirmed device first');
  }
  requireRecent(rules.policy, record, mono);
  const hashes = codes.map((code) => secretHash('recovery', userId, setId, normalizeRecoveryCode(code)));
  const next = copyRecord(record);
  next.recovery = { id: setId, issuedAt: mono, hashes };
  const voided = record.recovery?.hashes.length ?? 0;
  return {
    next,
    events: [{ type: 'recovery-codes-issued', count: codes.length, voided }],
    result: { codes, issuedAt: mono },
  };
}

/**
 * A sign-in with a recovery code. A locked user is refused even with a right code (nothing is used up);
 * a wrong or malformed code counts as a failure toward the lock; a right one is removed from the set and
 * counts as a successful verification (failures reset, the recent-verification window starts, an open
 * challenge ends).
 * @throws `UNKNOWN_USER`, `NOT_ENABLED`.
 */
export function useRecoveryCode(
  rules: Rules,
  secretHash: SecretHasher,
  record: UserRecord | null,
  mono: number,
  userId: string,
  typed: string,
): Step<RecoveryResult> {
  if (!record) throw noUser();
  if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
  if (isLocked(record, mono)) return { result: lockedResult(record) };
  const set = record.recovery;
  let index = -1;
  if (set && typed !== '') {
    const hash = secretHash('recovery', userId, set.id, typed);
    // Compare with every stored hash, without stopping early.
    for (let i = 0; i < set.hashes.length; i++) {
      if (equalConstantTime(hash, set.hashes[i]!) && index < 0) index = i;
    }
  }
  if (index < 0) return recoveryFailure(rules, record, mono);
  const hashes = set!.hashes.filter((_, i) => i !== index);
  const next = copyRecord(record);
  next.recovery = { id: set!.id, issuedAt: set!.issuedAt, hashes };
  next.challenge = null;
  next.failures = 0;
  next.verifiedAt = mono;
  next.reverify = false;
  const remaining = hashes.length;
  const events: EventBody[] = [
    { type: 'verification-passed', purpose: 'recovery' },
    { type: 'recovery-code-used', remaining },
  ];
  if (remaining <= rules.policy.recoveryCodes.warnAt) events.push({ type: 'recovery-codes-low', remaining });
  return { next, events, result: { ok: true, remaining, verifiedAt: mono } };
}

/**
 * A wrong recovery code: counted toward the lock like any code. It has no per-code attempt count (there
 * is no challenge to end), so a failure short of a lock is `'invalid'` with the attempts left before it.
 */
function recoveryFailure(rules: Rules, record: UserRecord, mono: number): Step<RecoveryResult> {
  // attemptsPerCode is never reached: each try is the first attempt of a code that does not end.
  const step = failure({ ...rules.policy, attemptsPerCode: Number.POSITIVE_INFINITY }, record, mono, {
    attempts: 0,
    clear: () => {},
    setAttempts: () => {},
    reason: 'invalid',
    purpose: 'recovery',
    deviceId: undefined,
  });
  return step; // 'invalid' with the attempts left before the lock, or 'locked'
}
