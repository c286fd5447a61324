/**
 * Generating shared secrets from the platform's CSPRNG.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
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

/**
 * How a random source is judged degenerate: the health tests every draw of {@link randomBytes} passes.
 *
 * 1. **Uniform draw**: a draw of 16 bytes or more whose bytes are all equal (all zeros, all `0xff`...) is
 *    refused. A true source does this with probability 2^-120 per draw.
 * 2. **Repetition**: a draw that equals the previous draw of the same size from the same source is a
 *    repeat; repeats in a row are counted in bytes, and reaching 16 repeated bytes is refused. So a draw of
 *    16 bytes or more is refused at its first repeat, a 9-byte id at its second, a 6-byte code draw at its
 *    third. A true source does this with probability at most 2^-128; any differing draw resets the count.
 *
 * Short draws are never judged alone: six zero bytes are a possible random outcome (2^-48), so refusing
 * them would fail a healthy source now and then. Sources are told apart by identity (the function object;
 * the platform's CSPRNG is one source), each remembering, per draw size, a SHA-256 digest of its last draw,
 * never the bytes. Limits: a degenerate source is caught only after its first draws (call
 * {@link checkRandomSource} once at start-up to refuse it before any use), a new function object each call
 * starts afresh, and a source that merely repeats with a longer period or is biased passes: these tests
 * catch broken sources, they cannot prove a good one.
 */
const UNIFORM_MIN = 16;
const REPEAT_LIMIT = 16;
const PLATFORM: object = {};
const histories = new WeakMap<object, Map<number, { digest: Uint8Array; repeated: number }>>();

function degenerate(): never {
  throw new TwoSvError('INVALID_RANDOM', 'random returned degenerate bytes (all equal, or a repeat)');
}

/** The health tests described above, on one draw of `source`. */
function checkDraw(source: object, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n >= UNIFORM_MIN) {
    let diff = 0;
    for (let i = 1; i < n; i++) diff |= bytes[i]! ^ bytes[0]!;
    if (diff === 0) degenerate();
  }
  let sizes = histories.get(source);
  if (sizes === undefined) {
    sizes = new Map();
    histories.set(source, sizes);
  }
  const digest = sha256(bytes);
  const last = sizes.get(n);
  if (last?.digest.every((byte, i) => byte === digest[i])) {
    if (last.repeated + n >= REPEAT_LIMIT) degenerate();
    last.repeated += n;
  } else {
    sizes.set(n, { digest, repeated: 0 });
  }
}

/**
 * Fills `size` bytes from `random`, or from the platform's CSPRNG, and refuses a degenerate source (see the
 * rule above) with `INVALID_RANDOM`. @internal
 */
export function randomBytes(size: number, random?: RandomSource): Uint8Array {
  const bytes = new Uint8Array(size);
  const filled = random ? random(bytes) : globalThis.crypto.getRandomValues(bytes);
  if (!(filled instanceof Uint8Array) || filled.length !== size) {
    throw new TwoSvError('INVALID_RANDOM', 'random must fill and return the array it is given');
  }
  checkDraw(random ?? PLATFORM, filled);
  return filled;
}

/**
 * A start-up test of a random source: two 32-byte draws, through the health tests of {@link randomBytes}, so
 * a source of zeros or of the same bytes every call is refused before it makes a secret, code or id. The
 * engine calls it once when it is created.
 * @throws {@link TwoSvError} `INVALID_RANDOM`.
 * @internal
 */
export function checkRandomSource(random?: RandomSource): void {
  if (random !== undefined && typeof random !== 'function') {
    throw new TwoSvError('INVALID_RANDOM', 'random must be a function');
  }
  randomBytes(32, random);
  randomBytes(32, random);
}

/**
 * Generates a new shared secret from the platform's CSPRNG (`crypto.getRandomValues`), as base32 without
 * padding, ready for {@link generateTotp} and an `otpauth://` URI.
 *
 * **Store it (encrypted at rest) with the user's account**: it is the whole of the second factor.
 *
 * @param options - `bytes` (default 20), `random` (tests only).
 * @returns base32 text: 32 characters for 20 bytes.
 * @throws {@link TwoSvError} `INVALID_SECRET_SIZE`, `INVALID_OPTION`, and `INVALID_RANDOM` when `random` is
 *   not a function, does not fill the array it is given, or is degenerate: 16 or more bytes all equal (a
 *   source of zeros), or the same bytes as its previous draw of that size (a chance of 2^-128 or less for
 *   a true source).
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
