/**
 * The types every code module shares: a leaf module that imports nothing, so `hotp.ts`, `totp.ts`,
 * `base32.ts` and the helpers in `internal/` can all use them without importing one another in a circle.
 * They are re-exported from `hotp.ts` and the package index under the same names.
 * @module
 */

/** The HMAC hash behind a code. Authenticator apps agree only on `'SHA1'`. */
export type Algorithm = 'SHA1' | 'SHA256' | 'SHA512';

/**
 * A shared secret: base32 text (case-insensitive; spaces, dashes and `=` padding ignored) or the raw key
 * bytes.
 */
export type SecretInput = string | Uint8Array;

/** Options shared by HOTP and TOTP codes. */
export interface CodeOptions {
  /** Code length, 6 to 10. **(Optional)** Defaults to `6`. */
  digits?: number;
  /** HMAC hash. **(Optional)** Defaults to `'SHA1'`. */
  algorithm?: Algorithm;
}
