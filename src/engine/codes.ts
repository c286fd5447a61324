/**
 * Codes: what a typed code normalises to, constant-time comparison, the keyed hash under which sent codes
 * are stored (and destinations named), and the random draws of codes and ids.
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { mailboxKey } from '../email.js';
import { TwoSvError } from '../errors.js';
import { formatCode } from '../internal/key.js';
import { type RandomSource, randomBytes } from '../secret.js';
import type { CodeChannel, CodePurpose } from './types.js';

/** What users type: full-width digits, spaces and dashes ("123 456", "123-456") are forgiven. */
export function normalizeTypedCode(code: unknown): string {
  if (typeof code !== 'string' || code.length > 64) return '';
  if (/^[0-9]+$/.test(code)) return code; // the common case, without NFKC
  return code.normalize('NFKC').replace(/[\s-]/g, '');
}

/** Equal-length strings compared in time that depends only on their length. */
export function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The keyed hash of a sent code, bound to its purpose, user and challenge (or enrolment, or check). */
export type CodeHasher = (purpose: CodePurpose, userId: string, bindingId: string, code: string) => string;

/**
 * The keyed hash of a long-lived secret the user holds (a recovery code, a remember token), bound to its
 * kind, user and set or browser id.
 */
export type SecretHasher = (
  kind: 'recovery' | 'remember',
  userId: string,
  id: string,
  value: string,
) => string;

/** The keyed hashes of one engine: codes as stored, and the store key of a destination's record. */
export function keyedHashes(codeKey: Uint8Array): {
  codeHash: CodeHasher;
  secretHash: SecretHasher;
  destinationKey: (channel: CodeChannel, to: string) => string;
} {
  return {
    secretHash: (kind, userId, id, value) =>
      bytesToHex(hmac(sha256, codeKey, utf8ToBytes(`twosv-${kind}\0${userId}\0${id}\0${value}`))),
    codeHash: (purpose, userId, bindingId, code) =>
      bytesToHex(
        hmac(sha256, codeKey, utf8ToBytes(`twosv-code\0${purpose}\0${userId}\0${bindingId}\0${code}`)),
      ),
    destinationKey(channel, to) {
      // The mailbox an address reaches (`victim+1@…` and `victim+2@…` are one), or the E.164 number the
      // engine parsed (every spelling of a number is one).
      const kind = channel === 'email' ? 'email' : 'phone';
      const name = utf8ToBytes(`twosv-destination\0${kind}\0${kind === 'email' ? mailboxKey(to) : to}`);
      return `dest:${bytesToHex(hmac(sha256, codeKey, name))}`;
    },
  };
}

const TWO_48 = 2 ** 48;

/**
 * A uniformly random code of `digits` digits: 48 random bits, rejected when they fall in the incomplete
 * last block of 10^digits values (rejection sampling: no modulo bias).
 */
export function randomCode(digits: number, random: RandomSource | undefined): string {
  const range = 10 ** digits;
  const limit = TWO_48 - (TWO_48 % range);
  for (let i = 0; i < 64; i++) {
    const b = randomBytes(6, random);
    const value = ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 16_777_216 + ((b[3]! << 16) | (b[4]! << 8) | b[5]!);
    if (value < limit) return formatCode(value, digits);
  }
  throw new TwoSvError('INVALID_RANDOM', 'random keeps returning the same bytes');
}

const HEX_DIGITS = /* @__PURE__ */ new TextEncoder().encode('0123456789abcdef');
const HEX_TEXT = /* @__PURE__ */ new Uint8Array(128);
/** Views of `HEX_TEXT` by length, made once each (a view per call was most of this function's garbage). */
const HEX_VIEWS: Uint8Array[] = [];
const ASCII = /* @__PURE__ */ new TextDecoder();

/**
 * Lower-case hex of `bytes[from..to)` (at most 64 bytes), the same text as `bytesToHex` of that slice. The
 * digits are written into a shared buffer and decoded in one call: on the sign-in path (an id, a proof
 * token and its hash per sign-in) a slice and a string built digit by digit cost more than the hashing.
 */
export function hexOf(bytes: Uint8Array, from: number, to: number): string {
  let at = 0;
  for (let i = from; i < to; i++) {
    HEX_TEXT[at++] = HEX_DIGITS[bytes[i]! >> 4]!;
    HEX_TEXT[at++] = HEX_DIGITS[bytes[i]! & 15]!;
  }
  HEX_VIEWS[at] ??= HEX_TEXT.subarray(0, at);
  return ASCII.decode(HEX_VIEWS[at]);
}

/**
 * Random hex for ids and tokens from the platform CSPRNG, drawn 4 KiB at a time: one `getRandomValues`
 * call costs about as much as a whole TOTP check, and a sign-in needs an id per challenge and a proof
 * token. The bytes used are zeroed in the pool. An injected source (tests) is called directly, so tests
 * stay exact.
 */
const pool: { bytes: Uint8Array; offset: number } = { bytes: new Uint8Array(0), offset: 0 };
function randomHex(size: number, random: RandomSource | undefined): string {
  if (random) return bytesToHex(randomBytes(size, random));
  if (pool.offset + size > pool.bytes.length) {
    pool.bytes = randomBytes(4096);
    pool.offset = 0;
  }
  const { bytes, offset } = pool;
  const hex = hexOf(bytes, offset, offset + size);
  bytes.fill(0, offset, offset + size);
  pool.offset += size;
  return hex;
}

/** A step-up proof token: 32 hex digits (128 bits), from the same pooled CSPRNG draws as ids. */
export function randomToken(random: RandomSource | undefined): string {
  return randomHex(16, random);
}

/** A random id of 18 hex digits (72 bits). */
export function randomId(random: RandomSource | undefined): string {
  return randomHex(9, random);
}
