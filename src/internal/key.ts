/**
 * Turning a secret into a keyed HOTP function, and tokens into numbers: the shared hot path of HOTP and
 * TOTP.
 * @module
 */
import { base32Bytes } from '../base32.js';
import { TwoSvError } from '../errors.js';
import type { Algorithm, SecretInput } from '../types.js';
import { HotpHmac } from './hmac.js';
import { SHA1 } from './sha1.js';
import { SHA256 } from './sha256.js';
import { SHA512 } from './sha512.js';

/** HMAC keyed once, then applied to many counters: returns the RFC 4226 §5.3 truncated 31-bit value. */
export interface HotpKey {
  truncated(high: number, low: number): number;
}

/** The key bytes of a secret: base32 text or raw bytes. */
export function secretBytes(secret: SecretInput): Uint8Array {
  const key = secret instanceof Uint8Array ? secret : base32Bytes(secret);
  if (key === undefined) throw new TwoSvError('INVALID_SECRET', 'secret must be base32 text or a Uint8Array');
  if (key.length === 0) throw new TwoSvError('EMPTY_SECRET', 'secret must not be empty');
  return key;
}

export function prepareKey(secret: SecretInput, algorithm: Algorithm): HotpKey {
  const key = secretBytes(secret);
  return new HotpHmac(algorithm === 'SHA1' ? SHA1 : algorithm === 'SHA256' ? SHA256 : SHA512, key);
}

const POWERS = /* @__PURE__ */ [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/** The code for a truncated (or any non-negative integer) value, with its leading zeros. */
export function formatCode(truncated: number, digits: number): string {
  return String(codeValue(truncated, digits)).padStart(digits, '0');
}

/** The code value of a truncated value, as a number (no string built: the verify loop compares numbers). */
export function codeValue(truncated: number, digits: number): number {
  return truncated % POWERS[digits]!;
}

/**
 * The numeric value of a token of exactly `digits` ASCII digits, or -1 for anything else (wrong length,
 * spaces, signs, other characters, not a string). Parsing never depends on the secret.
 */
export function tokenValue(token: unknown, digits: number): number {
  if (typeof token !== 'string' || token.length !== digits) return -1;
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const c = token.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}
