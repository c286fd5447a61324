/**
 * Generating shared secrets from the platform's CSPRNG.
 * @module
 */
import { encodeBase32 } from './base32.js';
import { TwoSvError } from './errors.js';
import { checkOptions, option } from './internal/options.js';

/**
 * A source of random bytes with the shape of `crypto.getRandomValues`: fills the array it is given and
 * returns it. Inject one only in tests.
 */
export type RandomSource = (bytes: Uint8Array) => Uint8Array;

/** Options of {@link generateSecret}. */
export interface SecretOptions {
  /**
   * Key length in bytes, 16 to 1024 (RFC 4226 §4 requires at least 128 bits and recommends 160).
   * **(Optional)** Defaults to `20`, the HMAC-SHA1 output length.
   */
  bytes?: number;
  /** **(Optional)** Defaults to `globalThis.crypto.getRandomValues`. Tests may inject their own. */
  random?: RandomSource;
}

/**
 * Defaults for {@link SecretOptions}: 20 bytes (160 bits), the HMAC-SHA1 output length RFC 4226 recommends.
 *
 * @example
 * ```ts
 * generateSecret().length === Math.ceil((SECRET_DEFAULTS.bytes * 8) / 5); // true: 32 base32 characters
 * ```
 */
export const SECRET_DEFAULTS: Readonly<{ bytes: 20 }> = /* @__PURE__ */ Object.freeze({ bytes: 20 } as const);

/** Fills `size` bytes from `random`, or from the platform's CSPRNG. @internal */
export function randomBytes(size: number, random?: RandomSource): Uint8Array {
  const bytes = new Uint8Array(size);
  const filled = random ? random(bytes) : globalThis.crypto.getRandomValues(bytes);
  if (!(filled instanceof Uint8Array) || filled.length !== size) {
    throw new TwoSvError('INVALID_RANDOM', 'random must fill and return the array it is given');
  }
  return filled;
}

/**
 * Generates a new shared secret from the platform's CSPRNG (`crypto.getRandomValues`), as base32 without
 * padding, ready for {@link generateTotp} and an `otpauth://` URI.
 *
 * **Store it (encrypted at rest) with the user's account**: it is the whole of the second factor.
 *
 * @param options - `bytes` (default 20), `random` (tests only).
 * @returns base32 text: 32 characters for 20 bytes.
 * @throws {@link TwoSvError} `INVALID_SECRET_SIZE`, `INVALID_RANDOM`, `INVALID_OPTION`.
 *
 * @example
 * ```ts
 * const secret = generateSecret(); // e.g. 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
 * generateSecret({ bytes: 32 }).length; // 52
 * ```
 */
export function generateSecret(options?: SecretOptions): string {
  checkOptions(options);
  const size = option(options?.bytes, SECRET_DEFAULTS.bytes);
  if (!Number.isInteger(size) || size < 16 || size > 1024) {
    throw new TwoSvError('INVALID_SECRET_SIZE', 'bytes must be an integer from 16 to 1024');
  }
  if (options?.random !== undefined && typeof options.random !== 'function') {
    throw new TwoSvError('INVALID_RANDOM', 'random must be a function');
  }
  return encodeBase32(randomBytes(size, options?.random));
}
