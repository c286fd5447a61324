/**
 * Turning a secret into a keyed HOTP function, and tokens into numbers: the shared hot path of HOTP and
 * TOTP.
 * @module
 */
import { type _HMAC, hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { base32Bytes } from '../base32.js';
import { TwoSvError } from '../errors.js';
import type { Algorithm, SecretInput } from '../hotp.js';
import { HotpSha1 } from './sha1.js';

/** HMAC keyed once, then applied to many counters: returns the RFC 4226 §5.3 truncated 31-bit value. */
export interface HotpKey {
  truncated(high: number, low: number): number;
}

/** HMAC-SHA256/512 through `@noble/hashes`, its pad states prepared once and cloned per counter. */
class HotpNoble implements HotpKey {
  // biome-ignore lint/suspicious/noExplicitAny: noble types the HMAC by its inner hash class
  private readonly base: _HMAC<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  private work: _HMAC<any> | undefined;
  private readonly message = new Uint8Array(8);
  private readonly view = new DataView(this.message.buffer);
  private readonly digest: Uint8Array;

  constructor(hash: CHash, key: Uint8Array) {
    this.base = hmac.create(hash, key);
    this.digest = new Uint8Array(hash.outputLen);
  }

  truncated(high: number, low: number): number {
    this.view.setUint32(0, high);
    this.view.setUint32(4, low);
    // Cloning into the same object reuses its buffers: no allocation per counter.
    const work = this.base._cloneInto(this.work);
    this.work = work;
    work.update(this.message).digestInto(this.digest);
    const d = this.digest;
    const offset = d[d.length - 1]! & 0xf;
    return ((d[offset]! & 0x7f) << 24) | (d[offset + 1]! << 16) | (d[offset + 2]! << 8) | d[offset + 3]!;
  }
}

/** The key bytes of a secret: base32 text or raw bytes. */
export function secretBytes(secret: SecretInput): Uint8Array {
  let key: Uint8Array;
  if (typeof secret === 'string') {
    const bytes = base32Bytes(secret);
    if (bytes === undefined) throw new TwoSvError('INVALID_SECRET', 'secret must be RFC 4648 base32 text');
    key = bytes;
  } else if (secret instanceof Uint8Array) {
    key = secret;
  } else {
    throw new TwoSvError('INVALID_SECRET', 'secret must be a base32 string or a Uint8Array');
  }
  if (key.length === 0) throw new TwoSvError('EMPTY_SECRET', 'secret must not be empty');
  return key;
}

export function prepareKey(secret: SecretInput, algorithm: Algorithm): HotpKey {
  const key = secretBytes(secret);
  if (algorithm === 'SHA1') return new HotpSha1(key);
  return new HotpNoble(algorithm === 'SHA256' ? sha256 : sha512, key);
}

const POWERS = /* @__PURE__ */ [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/** The code for a truncated value, with its leading zeros. */
export function formatCode(truncated: number, digits: number): string {
  return String(truncated % POWERS[digits]!).padStart(digits, '0');
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
