/**
 * Step-up proofs bound to a sign-in session: a successful sign-in verification issues an opaque token the
 * app keeps in that session; the record keeps only its SHA-256. A sensitive change must present a token
 * whose hash is stored, issued within the recent-verification window. A lock or a re-verification demand
 * ends every proof, so only a verification after it counts.
 * @module
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { TwoSvError } from '../errors.js';
import { digest } from '../internal/hmac.js';
import { SHA256 } from '../internal/sha256.js';
import { isRecentVerification, type Policy } from '../policy.js';
import type { RandomSource } from '../secret.js';
import { equalConstantTime, hexOf, randomToken } from './codes.js';
import { isLocked } from './failures.js';
import type { ProofRec, UserRecord } from './record.js';

/** Tokens are 32 hex digits; anything longer than this is not one of ours. */
const MAX_PROOF = 128;

/**
 * A new token: 128 bits from the CSPRNG (or the injected test source), hex. It is drawn on every successful
 * sign-in, so it comes from the pooled draws of ids (a `getRandomValues` call per token cost more than the
 * TOTP check itself, measured in bench/enrollment.mjs); 32 hex digits hash in one SHA-256 block.
 */
export function newProofToken(random: RandomSource | undefined): string {
  return randomToken(random);
}

/** The hash state and digest of {@link proofHash}'s one-block path: reused, nothing re-enters it. */
const STATE = /* @__PURE__ */ new Int32Array(8);
const DIGEST = /* @__PURE__ */ new Uint8Array(32);

/**
 * What the record keeps of a token: its SHA-256 (of its UTF-8 bytes), hex. A token is a random 128-bit
 * value, so an unkeyed hash is enough. The package's own SHA-256 core (checked against noble and
 * node:crypto in test/sha2.test.ts) costs a fraction of a generic hash on this per-sign-in path.
 *
 * A token of at most 55 ASCII characters (every token this package issues: 32 hex digits) is one padded
 * block (FIPS 180-4 §5.1.1), loaded into the schedule straight from the text: no byte array is encoded,
 * padded or sliced, which on the sign-in path cost more than the compression itself
 * (bench/enrollment.mjs). Anything else takes the generic path.
 */
export function proofHash(token: string): string {
  const length = token.length;
  let ascii = length <= 55;
  for (let i = 0; ascii && i < length; i++) ascii = token.charCodeAt(i) < 0x80;
  if (!ascii) return bytesToHex(digest(SHA256, utf8ToBytes(token)));
  const w = SHA256.schedule;
  w.fill(0, 0, 16);
  for (let i = 0; i < length; i++) w[i >> 2] = w[i >> 2]! | (token.charCodeAt(i) << (24 - 8 * (i & 3)));
  w[length >> 2] = w[length >> 2]! | (0x80 << (24 - 8 * (length & 3)));
  w[15] = length * 8;
  STATE.set(SHA256.initial);
  SHA256.compress(STATE);
  for (let i = 0; i < 8; i++) {
    const word = STATE[i]!;
    DIGEST[4 * i] = word >>> 24;
    DIGEST[4 * i + 1] = word >>> 16;
    DIGEST[4 * i + 2] = word >>> 8;
    DIGEST[4 * i + 3] = word;
  }
  return hexOf(DIGEST, 0, 32);
}

/** @throws `INVALID_OPTION` unless `proof` is absent or a string of at most 128 characters. */
export function checkProofOption(proof: unknown): string | undefined {
  if (proof === undefined) return undefined;
  if (typeof proof !== 'string' || proof.length > MAX_PROOF) {
    throw new TwoSvError('INVALID_OPTION', 'proof must be the string verify returned');
  }
  return proof;
}

/** The stored proofs with `token` added: the expired ones dropped, then the oldest beyond the cap. */
export function withProof(
  policy: Policy,
  proofs: readonly ProofRec[],
  token: string,
  mono: number,
): ProofRec[] {
  // A loop, not `filter`: the stored array is frozen, and Node 20 filters frozen arrays on a slow path.
  const kept: ProofRec[] = [];
  for (let i = 0; i < proofs.length; i++) {
    const p = proofs[i]!;
    if (isRecentVerification(policy, p.issuedAt, mono)) kept.push(p);
  }
  kept.push({ hash: proofHash(token), issuedAt: mono });
  return kept.length > policy.maxProofs ? kept.slice(kept.length - policy.maxProofs) : kept;
}

/** Whether `proof` is one of this record's proofs and still recent; never throws. */
export function isValidProof(
  policy: Policy,
  r: UserRecord,
  mono: number,
  proof: string | undefined,
): boolean {
  if (proof === undefined || r.reverify || proof.length > MAX_PROOF) return false;
  const hash = proofHash(proof);
  let found = false;
  // Every stored hash is compared (a constant number of comparisons for this record).
  for (const p of r.proofs) {
    if (equalConstantTime(p.hash, hash) && isRecentVerification(policy, p.issuedAt, mono)) found = true;
  }
  return found;
}

/**
 * The one check of every sensitive change: with 2SV on, the user must not be locked and `proof` must be
 * a valid proof of this user's record. Sensitive calls added later (recovery codes, support resets) call
 * this the same way.
 * @throws `LOCKED` or `VERIFICATION_REQUIRED`.
 */
export function requireProof(policy: Policy, r: UserRecord, mono: number, proof: string | undefined): void {
  if (!r.enabled) return;
  // A lock means someone is guessing codes: no device changes until it ends, with a proof or without.
  if (isLocked(r, mono)) {
    throw new TwoSvError('LOCKED', 'this change is refused while the user is locked out');
  }
  if (!isValidProof(policy, r, mono, proof)) {
    throw new TwoSvError(
      'VERIFICATION_REQUIRED',
      'this change needs the proof of a recent verification in this session',
    );
  }
}
