/**
 * Agreement with implementations we did not write, on thousands of random cases.
 *
 * - `otpauth` (hectorm): all three algorithms, any digits (it computes `value % 10 ** digits`, so 9 and 10
 *   digits work the same way as ours), secrets as bytes or base32. Its limits, worked around below:
 *   it has no T0 (we shift its timestamp by the epoch instead), its counter is a JS number (so it cannot
 *   reach counters above 2^53 except exact powers of two; those go to node:crypto and @oslojs/otp), and its
 *   validate() looks at counter - i without a floor at 0 (so we keep the window clear of step 0).
 * - `otplib` (v13): all three algorithms, any digits, `t0`. Its guardrails refuse secrets under 16 bytes and
 *   periods over 3600 s, and its verify searches oldest step first (ours nearest first), so deltas are
 *   compared only when the code is unique in the window.
 * - `@oslojs/otp`: its own SHA-1 and bigint counters up to 2^64 - 1, but SHA1 only and 6 to 8 digits.
 * - node:crypto (OpenSSL) HMAC with our own 10-line truncation: the one reference for SHA256/SHA512 codes at
 *   counters above 2^53. Only the tests use node:crypto.
 */
import { createHmac } from 'node:crypto';
import { generateHOTP as osloGenerateHotp, generateTOTP as osloGenerateTotp } from '@oslojs/otp';
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { generateSync as otplibGenerate, verifySync as otplibVerify } from 'otplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Algorithm,
  encodeBase32,
  generateHotp,
  generateTotp,
  totpStep,
  verifyHotp,
  verifyTotp,
} from '../src/index.js';

const YEAR_2500 = Date.UTC(2500, 0, 1);
const NODE_NAMES: Record<Algorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
const LOWER: Record<Algorithm, 'sha1' | 'sha256' | 'sha512'> = {
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA512: 'sha512',
};

function opensslHotp(key: Uint8Array, counter: bigint, digits: number, algorithm: Algorithm): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const d = createHmac(NODE_NAMES[algorithm], key).update(message).digest();
  const value = d.readUInt32BE(d[d.length - 1]! & 0xf) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

const otpauthSecret = (key: Uint8Array) => new OTPAuth.Secret({ buffer: key.slice().buffer });

const algorithm = fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512');
const digits = fc.integer({ min: 6, max: 10 });
const period = fc.oneof(
  fc.constantFrom(30, 60),
  fc.integer({ min: 1, max: 120 }),
  fc.integer({ min: 1, max: 3600 }),
  fc.integer({ min: 1, max: 1_000_000 }),
);
const at = fc.oneof(
  fc.integer({ min: 0, max: YEAR_2500 }),
  fc.integer({ min: Date.UTC(2038, 0, 1), max: YEAR_2500 }),
  fc.integer({ min: 2 ** 32 * 1000 - 1e9, max: 2 ** 32 * 1000 + 1e9 }), // around 2106
);
const key = fc.uint8Array({ minLength: 10, maxLength: 64 });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('otpauth', () => {
  it('generateTotp agrees on 3000 random cases (secret as bytes and as base32)', () => {
    fc.assert(
      fc.property(key, at, period, digits, algorithm, (key, at, period, digits, algorithm) => {
        const secret = otpauthSecret(key);
        const theirs = OTPAuth.TOTP.generate({ secret, algorithm, digits, period, timestamp: at });
        expect(generateTotp(key, { at, period, digits, algorithm })).toBe(theirs);
        expect(generateTotp(secret.base32, { at, period, digits, algorithm })).toBe(theirs);
        expect(totpStep(at, { period })).toBe(OTPAuth.TOTP.counter({ period, timestamp: at }));
      }),
      { numRuns: 3000 },
    );
  });

  it('generateTotp with an epoch T0 agrees with otpauth given a timestamp shifted by T0', () => {
    fc.assert(
      fc.property(
        key,
        at,
        period,
        digits,
        algorithm,
        fc.integer({ min: -2e9, max: 2e9 }),
        (key, at, period, digits, algorithm, epoch) => {
          const shifted = at - epoch * 1000;
          fc.pre(shifted >= 0);
          const secret = otpauthSecret(key);
          expect(generateTotp(key, { at, period, digits, algorithm, epoch })).toBe(
            OTPAuth.TOTP.generate({ secret, algorithm, digits, period, timestamp: shifted }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('generateHotp agrees on 2000 random counters up to 2^53 - 1', () => {
    fc.assert(
      fc.property(
        key,
        fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat()),
        digits,
        algorithm,
        (key, counter, digits, algorithm) => {
          const theirs = OTPAuth.HOTP.generate({ secret: otpauthSecret(key), algorithm, digits, counter });
          expect(generateHotp(key, counter, { digits, algorithm })).toBe(theirs);
          expect(generateHotp(key, BigInt(counter), { digits, algorithm })).toBe(theirs);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('our verifyTotp accepts the codes otpauth generates at every step of the window, and vice versa', () => {
    fc.assert(
      fc.property(
        key,
        fc.integer({ min: 10 * 3_600_000, max: YEAR_2500 }),
        fc.integer({ min: 1, max: 3600 }),
        digits,
        algorithm,
        fc.integer({ min: 0, max: 3 }),
        (key, at, period, digits, algorithm, window) => {
          const secret = otpauthSecret(key);
          const current = totpStep(at, { period });
          fc.pre(current > window); // otpauth has no floor at step 0
          for (let delta = 0 - window; delta <= window; delta++) {
            const timestamp = at + delta * period * 1000;
            // otpauth -> ours.
            const theirs = OTPAuth.TOTP.generate({ secret, algorithm, digits, period, timestamp });
            const ours = verifyTotp(theirs, key, { at, period, digits, algorithm, window });
            // Both search nearest first, past before future, so even a collision gives the same delta.
            const theirDelta = OTPAuth.TOTP.validate({
              token: theirs,
              secret,
              algorithm,
              digits,
              period,
              timestamp: at,
              window,
            });
            expect(ours).toEqual({ step: current + theirDelta!, delta: theirDelta });
            // ours -> otpauth.
            const code = generateTotp(key, { at: timestamp, period, digits, algorithm });
            expect(code).toBe(theirs);
            expect(
              OTPAuth.TOTP.validate({
                token: code,
                secret,
                algorithm,
                digits,
                period,
                timestamp: at,
                window,
              }),
            ).toBe(ours!.delta);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('our verifyHotp accepts otpauth codes ahead of the counter, and otpauth accepts ours', () => {
    fc.assert(
      fc.property(
        key,
        fc.integer({ min: 100, max: 2 ** 53 - 200 }),
        fc.integer({ min: 0, max: 20 }),
        digits,
        algorithm,
        (key, counter, ahead, digits, algorithm) => {
          const secret = otpauthSecret(key);
          const theirs = OTPAuth.HOTP.generate({ secret, algorithm, digits, counter: counter + ahead });
          const ours = verifyHotp(theirs, key, counter, { lookAhead: 20, digits, algorithm });
          expect(ours).not.toBeNull();
          expect(generateHotp(key, ours!.counter, { digits, algorithm })).toBe(theirs);
          const code = generateHotp(key, counter + ahead, { digits, algorithm });
          const delta = OTPAuth.HOTP.validate({
            token: code,
            secret,
            algorithm,
            digits,
            counter,
            window: 20,
          });
          expect(delta).not.toBeNull();
          expect(generateHotp(key, counter + delta!, { digits, algorithm })).toBe(code);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('otplib', () => {
  const otplibKey = fc.uint8Array({ minLength: 16, maxLength: 64 }); // its guardrail: at least 16 bytes
  const otplibPeriod = fc.oneof(fc.constant(30), fc.integer({ min: 1, max: 3600 })); // at most 3600 s

  it('TOTP with t0 agrees on 1000 random cases', () => {
    fc.assert(
      fc.property(
        otplibKey,
        fc.integer({ min: 0, max: YEAR_2500 / 1000 }),
        otplibPeriod,
        digits,
        algorithm,
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2e9 })),
        (key, seconds, period, digits, algorithm, t0) => {
          fc.pre(seconds >= t0);
          const theirs = otplibGenerate({
            secret: key,
            epoch: seconds,
            t0,
            period,
            digits,
            algorithm: LOWER[algorithm],
          });
          expect(generateTotp(key, { at: seconds * 1000, epoch: t0, period, digits, algorithm })).toBe(
            theirs,
          );
          expect(
            generateTotp(encodeBase32(key), {
              at: seconds * 1000 + 999,
              epoch: t0,
              period,
              digits,
              algorithm,
            }),
          ).toBe(theirs);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('HOTP agrees on 500 random counters up to 2^53 - 1', () => {
    fc.assert(
      fc.property(otplibKey, fc.maxSafeNat(), digits, algorithm, (key, counter, digits, algorithm) => {
        expect(generateHotp(key, counter, { digits, algorithm })).toBe(
          otplibGenerate({ secret: key, strategy: 'hotp', counter, digits, algorithm: LOWER[algorithm] }),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('otplib verifies our TOTP codes inside its tolerance, with the same step', () => {
    fc.assert(
      fc.property(
        otplibKey,
        fc.integer({ min: 1e6, max: YEAR_2500 / 1000 }),
        fc.integer({ min: 1, max: 600 }),
        digits,
        algorithm,
        fc.integer({ min: -2, max: 2 }),
        (key, seconds, period, digits, algorithm, delta) => {
          const at = (seconds + delta * period) * 1000;
          const code = generateTotp(key, { at, period, digits, algorithm });
          const result = otplibVerify({
            secret: key,
            token: code,
            epoch: seconds,
            period,
            digits,
            algorithm: LOWER[algorithm],
            epochTolerance: 2 * period,
          });
          expect(result.valid).toBe(true);
          const ours = verifyTotp(code, key, { at: seconds * 1000, period, digits, algorithm, window: 2 });
          expect(ours).not.toBeNull();
          // Deltas agree whenever no other step of the window has the same code (otplib looks oldest first).
          const window = [-2, -1, 0, 1, 2].map((d) =>
            generateTotp(key, { at: (seconds + d * period) * 1000, period, digits, algorithm }),
          );
          if (window.filter((c) => c === code).length === 1) {
            expect(ours!.delta).toBe(delta);
            expect(result.valid && result.delta).toBe(delta);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('@oslojs/otp (SHA1, 6-8 digits, bigint counters)', () => {
  it('HOTP agrees on 1000 random 64-bit counters', () => {
    fc.assert(
      fc.property(
        key,
        fc.oneof(
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          fc.constantFrom(0n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n),
        ),
        fc.integer({ min: 6, max: 8 }),
        (key, counter, digits) => {
          const theirs = osloGenerateHotp(key, counter, digits);
          expect(generateHotp(key, counter, { digits })).toBe(theirs);
          expect(verifyHotp(theirs, key, counter, { digits })).toEqual({ counter });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('TOTP agrees at random moments (their clock is Date.now)', () => {
    const now = vi.spyOn(Date, 'now');
    fc.assert(
      fc.property(
        key,
        at,
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 6, max: 8 }),
        (key, at, period, digits) => {
          now.mockReturnValue(at);
          const theirs = osloGenerateTotp(key, period, digits);
          expect(generateTotp(key, { period, digits })).toBe(theirs);
          expect(generateTotp(key, { at, period, digits })).toBe(theirs);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('node:crypto (OpenSSL) HMAC', () => {
  it('HOTP agrees for all algorithms, 6-10 digits and 2000 random 64-bit counters', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.oneof(
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          fc.bigInt({ min: 2n ** 53n - 100n, max: 2n ** 53n + 100n }),
          fc.bigInt({ min: 2n ** 64n - 100n, max: 2n ** 64n - 1n }),
        ),
        digits,
        algorithm,
        (key, counter, digits, algorithm) => {
          const theirs = opensslHotp(key, counter, digits, algorithm);
          expect(generateHotp(key, counter, { digits, algorithm })).toBe(theirs);
          if (counter <= BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(generateHotp(key, Number(counter), { digits, algorithm })).toBe(theirs);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
