/**
 * TOTP (RFC 6238): known answers, far-future times, the verification window, the replay guard, malformed
 * tokens and every bad input with its error code.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Algorithm,
  generateHotp,
  generateTotp,
  secondsRemaining,
  TOTP_DEFAULTS,
  type TwoSvErrorCode,
  totpStep,
  verifyTotp,
} from '../src/index.js';
import { expectTwoSvError } from './support/errors.js';

const ascii = (s: string) => new TextEncoder().encode(s);

// RFC 6238 Appendix B seeds: the ASCII digits repeated to the hash's output length.
const SEEDS: Record<Algorithm, { bytes: Uint8Array; base32: string; padded: string }> = {
  SHA1: {
    bytes: ascii('12345678901234567890'),
    base32: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    padded: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  },
  SHA256: {
    bytes: ascii('12345678901234567890123456789012'),
    base32: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA',
    padded: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====',
  },
  SHA512: {
    bytes: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
    base32:
      'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA',
    padded:
      'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA=',
  },
};

// RFC 6238 Appendix B: time (s), T (hex), and the 8-digit TOTP for SHA1, SHA256, SHA512.
const APPENDIX_B: ReadonlyArray<[number, number, string, string, string]> = [
  [59, 0x1, '94287082', '46119246', '90693936'],
  [1111111109, 0x23523ec, '07081804', '68084774', '25091201'],
  [1111111111, 0x23523ed, '14050471', '67062674', '99943326'],
  [1234567890, 0x273ef07, '89005924', '91819424', '93441116'],
  [2000000000, 0x3f940aa, '69279037', '90698825', '38618901'],
  [20000000000, 0x27bc86aa, '65353130', '77737706', '47863826'],
];

const NODE_NAMES: Record<Algorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/** TOTP through node:crypto (OpenSSL), with bigint step arithmetic: independent of the code under test. */
function opensslTotp(
  key: Uint8Array,
  atMs: number,
  digits: number,
  algorithm: Algorithm,
  period = 30,
): string {
  const step = BigInt(Math.floor(atMs / 1000)) / BigInt(period);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(step);
  const d = createHmac(NODE_NAMES[algorithm], key).update(message).digest();
  const value = d.readUInt32BE(d[d.length - 1]! & 0xf) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

function expectError(fn: () => unknown, code: TwoSvErrorCode, names: string): void {
  expectTwoSvError(fn, code, { mentions: names, secrets: [SEEDS.SHA1.base32, '12345678901234567890'] });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RFC 6238 Appendix B', () => {
  const cases = APPENDIX_B.flatMap(([time, step, sha1, sha256, sha512]) =>
    (
      [
        ['SHA1', sha1],
        ['SHA256', sha256],
        ['SHA512', sha512],
      ] as const
    ).map(([algorithm, code]) => [time, step, algorithm, code] as const),
  );

  it.each(cases)('T=%i (step %i) %s: %s', (time, step, algorithm, code) => {
    const at = time * 1000;
    const seed = SEEDS[algorithm];
    for (const secret of [seed.bytes, seed.base32, seed.padded, seed.base32.toLowerCase()]) {
      expect(generateTotp(secret, { at, digits: 8, algorithm })).toBe(code);
      expect(generateTotp(secret, { at: new Date(at), digits: 8, algorithm })).toBe(code);
      expect(generateTotp(secret, { at: at + 999, digits: 8, algorithm, period: 30, epoch: 0 })).toBe(code);
      expect(verifyTotp(code, secret, { at, digits: 8, algorithm })).toEqual({ step, delta: 0 });
    }
    expect(totpStep(at)).toBe(step);
    // The 6-digit code is the 8-digit code's last six digits.
    expect(generateTotp(seed.bytes, { at, algorithm })).toBe(code.slice(2));
    // The reference agrees (guards the transcription of the table).
    expect(opensslTotp(seed.bytes, at, 8, algorithm)).toBe(code);
  });

  it('the codes change exactly at the step boundary', () => {
    const { bytes } = SEEDS.SHA1;
    // 1111111109 and 1111111111 straddle a boundary at 1111111110 (a multiple of 30).
    expect(generateTotp(bytes, { at: 1111111109_999, digits: 8 })).toBe('07081804');
    expect(generateTotp(bytes, { at: 1111111110_000, digits: 8 })).toBe('14050471');
  });
});

describe('totpStep and secondsRemaining', () => {
  it('computes T = floor((t - T0) / X)', () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29_999)).toBe(0);
    expect(totpStep(30_000)).toBe(1);
    expect(totpStep(59_000)).toBe(1);
    expect(totpStep(new Date(59_000))).toBe(1);
    expect(totpStep(Date.UTC(2033, 4, 18, 3, 33, 20))).toBe(66666666);
    expect(totpStep(90_000, { period: 60 })).toBe(1);
    expect(totpStep(100_000, { epoch: 40 })).toBe(2);
    expect(totpStep(100_000, { epoch: 40, period: 20 })).toBe(3);
    expect(totpStep(0, { epoch: -60 })).toBe(2);
    expect(totpStep(1000, { epoch: 1 })).toBe(0);
    // Sub-second and fractional milliseconds round down with the second.
    expect(totpStep(59_999.9)).toBe(1);
    expect(totpStep(29_999.999)).toBe(0);
  });

  it('counts whole seconds left in the step, period down to 1', () => {
    expect(secondsRemaining(0)).toBe(30);
    expect(secondsRemaining(59_000)).toBe(1);
    expect(secondsRemaining(59_999)).toBe(1);
    expect(secondsRemaining(60_000)).toBe(30);
    expect(secondsRemaining(60_999)).toBe(30);
    expect(secondsRemaining(61_000)).toBe(29);
    expect(secondsRemaining(90_000, { period: 60 })).toBe(30);
    expect(secondsRemaining(100_000, { epoch: 40 })).toBe(30);
    expect(secondsRemaining(101_000, { epoch: 40 })).toBe(29);
    expect(secondsRemaining(12_345_000, { period: 1 })).toBe(1);
  });

  it('matches the step arithmetic for arbitrary times, periods and epochs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.UTC(2500, 0, 1) }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        (at, period, epoch) => {
          const elapsed = Math.floor(at / 1000) - epoch;
          fc.pre(elapsed >= 0);
          expect(totpStep(at, { period, epoch })).toBe(Math.floor(elapsed / period));
          const remaining = secondsRemaining(at, { period, epoch });
          expect(remaining).toBe(period - (elapsed % period));
          expect(remaining >= 1 && remaining <= period).toBe(true);
          // The step changes exactly `remaining` seconds later (at the start of that second).
          const next = (Math.floor(at / 1000) + remaining) * 1000;
          expect(totpStep(next, { period, epoch })).toBe(totpStep(at, { period, epoch }) + 1);
          expect(totpStep(next - 1, { period, epoch })).toBe(totpStep(at, { period, epoch }));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('defaults `at` to Date.now()', () => {
    vi.spyOn(Date, 'now').mockReturnValue(59_000);
    expect(totpStep()).toBe(1);
    expect(secondsRemaining()).toBe(1);
    expect(generateTotp(SEEDS.SHA1.base32, { digits: 8 })).toBe('94287082');
    expect(generateTotp(SEEDS.SHA1.base32)).toBe('287082');
    expect(verifyTotp('287082', SEEDS.SHA1.base32)).toEqual({ step: 1, delta: 0 });
  });

  it('declares its defaults', () => {
    expect(TOTP_DEFAULTS).toEqual({ digits: 6, algorithm: 'SHA1', period: 30, epoch: 0, window: 1 });
    expect(Object.isFrozen(TOTP_DEFAULTS)).toBe(true);
  });
});

describe('an epoch T0 shifts the steps', () => {
  it('a code with epoch E at time t is the code without epoch at t - E', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 10, maxLength: 40 }),
        fc.integer({ min: 0, max: Date.UTC(2500, 0, 1) }),
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        (key, at, epoch) => {
          fc.pre(Math.floor(at / 1000) - epoch >= 0);
          const shifted = at - epoch * 1000;
          expect(generateTotp(key, { at, epoch })).toBe(generateTotp(key, { at: shifted }));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('times after 2038, after 2106 and far beyond', () => {
  const times: Array<[string, number]> = [
    ['2038-01-19 (2^31 s)', 2 ** 31 * 1000],
    ['2038 + 1 s', (2 ** 31 + 1) * 1000],
    ['2106-02-07 (2^32 s)', 2 ** 32 * 1000],
    ['2106 + 1 s', (2 ** 32 + 1) * 1000],
    ['year 2500', Date.UTC(2500, 0, 1)],
    ['year 2500, later', Date.UTC(2500, 11, 31, 23, 59, 59)],
    ['step 2^32 with period 30 (year 6053)', 2 ** 32 * 30 * 1000],
    ['the last valid Date', 8.64e15],
  ];

  it.each(times)('%s agrees with node:crypto and otpauth, all algorithms, 6-10 digits', (_name, at) => {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const { bytes } = SEEDS[algorithm];
      const secret = new OTPAuth.Secret({ buffer: bytes.slice().buffer });
      for (const period of [1, 30, 60]) {
        for (let digits = 6; digits <= 10; digits++) {
          const code = generateTotp(bytes, { at, digits, algorithm, period });
          expect(code, `${algorithm} period ${period} digits ${digits}`).toBe(
            opensslTotp(bytes, at, digits, algorithm, period),
          );
          expect(code).toBe(OTPAuth.TOTP.generate({ secret, algorithm, digits, period, timestamp: at }));
          const step = Math.floor(Math.floor(at / 1000) / period);
          expect(verifyTotp(code, bytes, { at, digits, algorithm, period, window: 0 })).toEqual({
            step,
            delta: 0,
          });
        }
      }
    }
  });

  it('with period 1, steps past 2^32 use the high counter word (year 2106 onwards)', () => {
    const { bytes } = SEEDS.SHA1;
    expect(totpStep(2 ** 32 * 1000, { period: 1 })).toBe(2 ** 32);
    expect(totpStep(Date.UTC(2500, 0, 1), { period: 1 })).toBe(Date.UTC(2500, 0, 1) / 1000);
    // Step 2^32 and step 0 differ only in the high word; their codes must differ from each other.
    const zero = generateTotp(bytes, { at: 0, period: 1, digits: 8 });
    const high = generateTotp(bytes, { at: 2 ** 32 * 1000, period: 1, digits: 8 });
    expect(high).toBe(opensslTotp(bytes, 2 ** 32 * 1000, 8, 'SHA1', 1));
    expect(high).not.toBe(zero);
    // The window crosses the 2^32 boundary in both directions.
    const before = generateTotp(bytes, { at: (2 ** 32 - 1) * 1000, period: 1 });
    expect(verifyTotp(before, bytes, { at: 2 ** 32 * 1000, period: 1 })).toEqual({
      step: 2 ** 32 - 1,
      delta: -1,
    });
    const after = generateTotp(bytes, { at: 2 ** 32 * 1000, period: 1 });
    expect(verifyTotp(after, bytes, { at: (2 ** 32 - 1) * 1000, period: 1 })).toEqual({
      step: 2 ** 32,
      delta: 1,
    });
  });
});

describe('verifyTotp', () => {
  const secret = SEEDS.SHA1.base32;

  it('behaves as documented', () => {
    expect(verifyTotp('287082', secret, { at: 59_000 })).toEqual({ step: 1, delta: 0 });
    expect(verifyTotp('287082', secret, { at: 89_000 })).toEqual({ step: 1, delta: -1 });
    expect(verifyTotp('287082', secret, { at: 29_000 })).toEqual({ step: 1, delta: 1 });
    expect(verifyTotp('287082', secret, { at: 119_000 })).toBeNull();
    expect(verifyTotp('287082', secret, { at: 119_000, window: 2 })).toEqual({ step: 1, delta: -2 });
    expect(verifyTotp('287082', secret, { at: 59_000, afterStep: 1 })).toBeNull();
    expect(verifyTotp('287082', secret, { at: 59_000, afterStep: 0 })).toEqual({ step: 1, delta: 0 });
    expect(verifyTotp('28708x', secret, { at: 59_000 })).toBeNull();
    expect(verifyTotp('287082', secret, { at: 89_000, window: { past: 0, future: 1 } })).toBeNull();
    expect(verifyTotp('287082', secret, { at: 29_000, window: { past: 0, future: 1 } })).toEqual({
      step: 1,
      delta: 1,
    });
    expect(verifyTotp('287082', secret, { at: 29_000, window: { past: 1, future: 0 } })).toBeNull();
  });

  it('never looks at steps before 0', () => {
    const code0 = generateTotp(secret, { at: 0 });
    expect(verifyTotp(code0, secret, { at: 0, window: 5 })).toEqual({ step: 0, delta: 0 });
    expect(verifyTotp(code0, secret, { at: 5 * 30_000, window: 5 })).toEqual({ step: 0, delta: -5 });
    expect(verifyTotp(code0, secret, { at: 6 * 30_000, window: 5 })).toBeNull();
    // Step -1 as a 64-bit counter would wrap to 2^64 - 1 (and -k to 2^64 - k): those codes must not verify.
    for (let k = 1; k <= 5; k++) {
      const wrapped = generateHotp(secret, 2n ** 64n - BigInt(k), { digits: 10 });
      const inWindow = [0, 1, 2, 3, 4, 5].map((step) =>
        generateTotp(secret, { at: step * 30_000, digits: 10 }),
      );
      expect(inWindow).not.toContain(wrapped);
      expect(verifyTotp(wrapped, secret, { at: 0, window: 5, digits: 10 })).toBeNull();
      expect(verifyTotp(wrapped, secret, { at: 0, window: { past: 5, future: 0 }, digits: 10 })).toBeNull();
      // Also when a negative afterStep lets negative steps past the replay guard.
      expect(verifyTotp(wrapped, secret, { at: 0, window: 5, digits: 10, afterStep: -10 })).toBeNull();
    }
  });

  it('reaches both ends of a 100-step window', () => {
    const at = 1_700_000_000_000;
    const step = totpStep(at);
    const past = generateTotp(secret, { at: at - 100 * 30_000, digits: 10 });
    const future = generateTotp(secret, { at: at + 100 * 30_000, digits: 10 });
    expect(verifyTotp(past, secret, { at, window: 100, digits: 10 })).toEqual({
      step: step - 100,
      delta: -100,
    });
    expect(verifyTotp(future, secret, { at, window: 100, digits: 10 })).toEqual({
      step: step + 100,
      delta: 100,
    });
    expect(verifyTotp(past, secret, { at, window: { past: 100, future: 0 }, digits: 10 })).toEqual({
      step: step - 100,
      delta: -100,
    });
    expect(verifyTotp(future, secret, { at, window: { past: 0, future: 100 }, digits: 10 })).toEqual({
      step: step + 100,
      delta: 100,
    });
    expect(verifyTotp(past, secret, { at, window: 99, digits: 10 })).toBeNull();
    expect(verifyTotp(future, secret, { at, window: { past: 100, future: 99 }, digits: 10 })).toBeNull();
  });

  it('prefers the nearest step when two steps in the window share a code, past before future', () => {
    // Two steps 48 apart with the same 6-digit code: the first such pair of this key, found once by a search
    // over steps from 0 (too slow to repeat under mutation testing); the expectation below checks it.
    const key = ascii('collision-hunting-key');
    const [a, b] = [32_398, 32_446];
    const code = generateTotp(key, { at: a * 30_000 });
    expect(generateTotp(key, { at: b * 30_000 })).toBe(code);
    for (let step = a + 1; step < b; step++) expect(generateTotp(key, { at: step * 30_000 })).not.toBe(code);
    const span = b - a;
    // From a point nearer to a, a wins; nearer to b, b wins.
    const nearA = a + Math.floor((span - 1) / 2);
    expect(verifyTotp(code, key, { at: nearA * 30_000, window: 100 })?.step).toBe(a);
    const nearB = b - Math.floor((span - 1) / 2);
    expect(verifyTotp(code, key, { at: nearB * 30_000, window: 100 })?.step).toBe(b);
    // With the replay guard past a, only b is left.
    expect(verifyTotp(code, key, { at: a * 30_000, window: 100, afterStep: a })).toEqual({
      step: b,
      delta: span,
    });
    // Equidistant: the past step comes first.
    expect(verifyTotp(code, key, { at: (a + span / 2) * 30_000, window: 100 })).toEqual({
      step: a,
      delta: -span / 2,
    });
  });

  /** Arbitrary verification settings with a small window (to keep the property fast). */
  const settings = fc.record({
    key: fc.uint8Array({ minLength: 10, maxLength: 64 }),
    at: fc.integer({ min: 0, max: Date.UTC(2500, 0, 1) }),
    period: fc.oneof(fc.constant(30), fc.integer({ min: 1, max: 600 })),
    epoch: fc.oneof(fc.constant(0), fc.integer({ min: -1_000_000_000, max: 1_000_000_000 })),
    digits: fc.integer({ min: 6, max: 10 }),
    algorithm: fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512'),
    window: fc.oneof(
      fc.integer({ min: 0, max: 4 }),
      fc.record({ past: fc.integer({ min: 0, max: 4 }), future: fc.integer({ min: 0, max: 4 }) }),
    ),
  });

  type Settings = typeof settings extends fc.Arbitrary<infer T> ? T : never;

  function spans(window: Settings['window']): [number, number] {
    return typeof window === 'number' ? [window, window] : [window.past, window.future];
  }

  /** The code settings of `s` at the moment `at`. */
  function optionsAt(s: Settings, at: number) {
    return { at, digits: s.digits, algorithm: s.algorithm, period: s.period, epoch: s.epoch };
  }

  /** The code of a step, through the moment at the start of it. */
  function codeAt(s: Settings, step: number): string {
    return generateTotp(s.key, optionsAt(s, (s.epoch + step * s.period) * 1000));
  }

  /** The steps a verification may match, nearest first, past first on ties. */
  function searchOrder(current: number, past: number, future: number, afterStep: number): number[] {
    const steps: number[] = [];
    for (let distance = 0; distance <= Math.max(past, future); distance++) {
      for (const delta of distance === 0 ? [0] : [-distance, distance]) {
        const step = current + delta;
        if (delta >= -past && delta <= future && step >= 0 && step > afterStep) steps.push(step);
      }
    }
    return steps;
  }

  it('round trip: a code of every step inside the window verifies, with its step and delta', () => {
    fc.assert(
      fc.property(settings, (s) => {
        fc.pre(Math.floor(s.at / 1000) >= s.epoch);
        const options = optionsAt(s, s.at);
        const current = totpStep(s.at, options);
        const [past, future] = spans(s.window);
        const order = searchOrder(current, past, future, -1);
        const codes = order.map((step) => codeAt(s, step));
        for (let delta = 0 - past; delta <= future; delta++) {
          const step = current + delta;
          if (step < 0) continue;
          const token = codeAt(s, step);
          if (delta === 0) expect(token).toBe(generateTotp(s.key, options));
          const result = verifyTotp(token, s.key, { ...options, window: s.window });
          // The first step in search order with this code: the step itself unless a nearer one collides.
          const expected = order[codes.indexOf(token)]!;
          expect(result).toEqual({ step: expected, delta: expected - current });
          if (codes.indexOf(token) === codes.lastIndexOf(token)) expect(result).toEqual({ step, delta });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nothing outside the window verifies', () => {
    fc.assert(
      fc.property(settings, fc.integer({ min: 1, max: 3 }), (s, beyond) => {
        fc.pre(Math.floor(s.at / 1000) >= s.epoch);
        const options = optionsAt(s, s.at);
        const current = totpStep(s.at, options);
        const [past, future] = spans(s.window);
        const inWindow = new Set(searchOrder(current, past, future, -1).map((step) => codeAt(s, step)));
        for (const step of [current - past - beyond, current + future + beyond]) {
          if (step < 0) continue;
          const token = codeAt(s, step);
          if (inWindow.has(token)) continue; // the same digits as an in-window code: rightly valid
          expect(verifyTotp(token, s.key, { ...options, window: s.window })).toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('afterStep refuses the step it names and every earlier one, and still accepts later ones', () => {
    fc.assert(
      fc.property(settings, fc.integer({ min: -6, max: 6 }), (s, shift) => {
        fc.pre(Math.floor(s.at / 1000) >= s.epoch);
        const options = optionsAt(s, s.at);
        const current = totpStep(s.at, options);
        const afterStep = current + shift;
        const [past, future] = spans(s.window);
        const order = searchOrder(current, past, future, afterStep);
        const codes = order.map((step) => codeAt(s, step));
        for (let delta = 0 - past; delta <= future; delta++) {
          const step = current + delta;
          if (step < 0) continue;
          const token = codeAt(s, step);
          const result = verifyTotp(token, s.key, { ...options, window: s.window, afterStep });
          if (step > afterStep) {
            const expected = order[codes.indexOf(token)]!;
            expect(result).toEqual({ step: expected, delta: expected - current });
          } else if (codes.includes(token)) {
            // A refused step's digits equal those of an allowed later step: that later step is the match.
            expect(result!.step).toBeGreaterThan(afterStep);
          } else {
            expect(result).toBeNull();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a returned step fed back as afterStep refuses the same code (replay)', () => {
    const at = 1_700_000_000_000;
    const token = generateTotp(secret, { at });
    const first = verifyTotp(token, secret, { at });
    expect(first).toEqual({ step: totpStep(at), delta: 0 });
    expect(verifyTotp(token, secret, { at, afterStep: first!.step })).toBeNull();
    expect(verifyTotp(token, secret, { at: at + 30_000, afterStep: first!.step })).toBeNull();
    // An older code after a newer one is refused too.
    const older = generateTotp(secret, { at: at - 30_000 });
    expect(verifyTotp(older, secret, { at, afterStep: first!.step })).toBeNull();
    // A large negative afterStep refuses nothing.
    expect(verifyTotp(token, secret, { at, afterStep: -1e15 })).toEqual(first);
  });
});

describe('malformed tokens are not valid: null, never an error', () => {
  // With the RFC secret at 59 s the code is 287082 (94287082 with 8 digits): the tokens resemble it.
  const secret = SEEDS.SHA1.base32;
  const malformed: unknown[] = [
    '',
    '28708',
    '2870822',
    '12345',
    '1234567',
    ' 12345',
    '12345 ',
    ' 28708',
    '28708 ',
    ' 287082',
    '287082 ',
    '287 082',
    '287-082',
    '+12345',
    '-12345',
    '+28708',
    '-28708',
    '12a456',
    '28708a',
    '１２３４５６',
    '２８７０８２',
    '1e5000',
    '287082\n',
    '\t287082',
    null,
    undefined,
    287082,
    287082n,
    ['287082'],
    { toString: () => '287082', length: 6 },
    new String('287082'),
  ];
  const label = (token: unknown): string =>
    typeof token === 'string'
      ? JSON.stringify(token)
      : typeof token === 'bigint'
        ? `${token}n`
        : String(token);

  it.each(malformed.map((token) => [label(token), token]))('verifyTotp(%s) is null', (_label, token) => {
    expect(verifyTotp(token as string, secret, { at: 59_000 })).toBeNull();
    expect(verifyTotp(token as string, secret, { at: 59_000, window: 100 })).toBeNull();
    expect(verifyTotp(token as string, secret, { at: 59_000, digits: 8 })).toBeNull();
    expect(verifyTotp(token as string, SEEDS.SHA512.bytes, { at: 59_000, algorithm: 'SHA512' })).toBeNull();
  });

  it('a non-digit is never read as a digit value, whatever its char code adds up to', () => {
    // '94287082' at 59 s: for each UTF-16 unit x in the last place, a prefix that makes the char-code sum
    // equal the code (e.g. '9428709(' as '(' is '0' - 8).
    const value = 94287082;
    let tried = 0;
    for (let x = 0; x <= 0xffff; x++) {
      if (x >= 48 && x <= 57) continue;
      const prefix = (value - (x - 48)) / 10;
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > 9_999_999) continue;
      const token = String(prefix).padStart(7, '0') + String.fromCharCode(x);
      tried++;
      expect(verifyTotp(token, secret, { at: 59_000, digits: 8 }), JSON.stringify(token)).toBeNull();
    }
    expect(tried).toBeGreaterThan(6000);
  });

  it('the right code of the wrong length is refused', () => {
    expect(verifyTotp('94287082', secret, { at: 59_000 })).toBeNull();
    expect(verifyTotp('287082', secret, { at: 59_000, digits: 8 })).toBeNull();
    expect(verifyTotp('94287082', secret, { at: 59_000, digits: 8 })).toEqual({ step: 1, delta: 0 });
    expect(verifyTotp('0094287082', secret, { at: 59_000, digits: 10 })).toBeNull();
    expect(
      verifyTotp(generateTotp(secret, { at: 59_000, digits: 10 }), secret, { at: 59_000, digits: 10 }),
    ).toEqual({ step: 1, delta: 0 });
  });
});

describe('bad input throws TwoSvError with its code', () => {
  const secret = SEEDS.SHA1.base32;
  const at = 59_000;

  /** Every public TOTP function that takes this option, with the option set. */
  function allTotp(
    options: Record<string, unknown>,
    code: TwoSvErrorCode,
    names: string,
    stepToo = true,
  ): void {
    expectError(() => generateTotp(secret, { at, ...options } as never), code, names);
    expectError(() => verifyTotp('287082', secret, { at, ...options } as never), code, names);
    // A malformed token does not hide bad options.
    expectError(() => verifyTotp('x', secret, { at, ...options } as never), code, names);
    if (stepToo) {
      const at2 = 'at' in options ? options.at : at;
      expectError(() => totpStep(at2 as never, options as never), code, names);
      expectError(() => secondsRemaining(at2 as never, options as never), code, names);
    }
  }

  it.each([[0], [-30], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], ['30'], [2 ** 53]])(
    'period %j: INVALID_PERIOD',
    (period) => allTotp({ period }, 'INVALID_PERIOD', 'period'),
  );

  it.each([[Number.NaN], [1.5], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY], ['0'], [2 ** 53]])(
    'epoch %j: INVALID_EPOCH',
    (epoch) => allTotp({ epoch }, 'INVALID_EPOCH', 'epoch'),
  );

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['invalid Date', new Date('x')],
    ['string', '59000'],
    ['null', null],
    ['-1 ms (before the epoch)', -1],
    ['-1000 ms', -1000],
  ])('at %s: INVALID_TIME', (_name, badAt) => allTotp({ at: badAt }, 'INVALID_TIME', 'at'));

  // A moment whose step is no safe integer (let alone a 64-bit counter) cannot be honoured: the step would
  // be rounded, `step + delta` would stop counting, and past 2^64 the counter wraps to a small one, so the
  // code of 1970 verifies. Such a moment must be refused, not silently wrapped.
  it.each([
    ['2^53 s with period 1', 2 ** 53 * 1000],
    ['2^64 s with period 1 (wraps to step 0)', 2 ** 64 * 1000],
    ['1e300 ms', 1e300],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
  ])('at %s, whose step does not fit: INVALID_TIME', (_name, far) => {
    expectError(() => totpStep(far, { period: 1 }), 'INVALID_TIME', 'at');
    expectError(() => generateTotp(secret, { at: far, period: 1 }), 'INVALID_TIME', 'at');
    expectError(
      () => verifyTotp(generateTotp(secret, { at: 0, period: 1 }), secret, { at: far, period: 1 }),
      'INVALID_TIME',
      'at',
    );
  });

  it('a time before a custom epoch: INVALID_TIME', () => {
    allTotp({ at: 1_000_000, epoch: 1001 }, 'INVALID_TIME', 'at');
    allTotp({ at: new Date(0), epoch: 1 }, 'INVALID_TIME', 'at');
    // The first moment of the epoch is fine.
    expect(totpStep(1_001_000, { epoch: 1001 })).toBe(0);
    expect(totpStep(1_000_999, { epoch: 1000 })).toBe(0);
  });

  it.each([[5], [11], [6.5], [Number.NaN], ['6'], [0]])('digits %j: INVALID_DIGITS', (digits) =>
    allTotp({ digits }, 'INVALID_DIGITS', 'digits', false),
  );

  it.each([['MD5'], ['sha1'], ['sha256'], ['SHA-256'], ['']])(
    'algorithm %j: INVALID_ALGORITHM',
    (algorithm) => allTotp({ algorithm }, 'INVALID_ALGORITHM', 'algorithm', false),
  );

  it.each([
    ['-1', -1],
    ['101', 101],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ["'1'", '1'],
    ['{past:-1,future:0}', { past: -1, future: 0 }],
    ['{past:0,future:-1}', { past: 0, future: -1 }],
    ['{past:101,future:0}', { past: 101, future: 0 }],
    ['{past:0,future:1.5}', { past: 0, future: 1.5 }],
    ['{past:1}', { past: 1 }],
    ['{}', {}],
  ])('window %s: INVALID_WINDOW', (_name, window) => {
    expectError(
      () => verifyTotp('287082', secret, { at, window: window as never }),
      'INVALID_WINDOW',
      'window',
    );
    expectError(() => verifyTotp('', secret, { at, window: window as never }), 'INVALID_WINDOW', 'window');
  });

  it.each([[Number.NaN], [1.5], [Number.POSITIVE_INFINITY], [2 ** 53], ['1']])(
    'afterStep %j: INVALID_AFTER_STEP',
    (afterStep) => {
      expectError(
        () => verifyTotp('287082', secret, { at, afterStep: afterStep as never }),
        'INVALID_AFTER_STEP',
        'afterStep',
      );
    },
  );

  it.each([
    ['1', 'INVALID_SECRET'],
    ['0', 'INVALID_SECRET'],
    ['!', 'INVALID_SECRET'],
    ['ABC', 'INVALID_SECRET'],
    ['AB=CD', 'INVALID_SECRET'],
    ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ8', 'INVALID_SECRET'],
    ['', 'EMPTY_SECRET'],
  ] as const)('secret %j: %s', (bad, code) => {
    expectError(() => generateTotp(bad, { at }), code, 'secret');
    expectError(() => verifyTotp('287082', bad, { at }), code, 'secret');
    expectError(() => verifyTotp('', bad, { at }), code, 'secret');
    expectTwoSvError(() => generateTotp(bad, { at }), code, { secrets: [bad] }); // texts under 4 characters skipped
  });

  it('an empty byte secret: EMPTY_SECRET', () => {
    expectError(() => generateTotp(new Uint8Array(), { at }), 'EMPTY_SECRET', 'secret');
    expectError(() => verifyTotp('287082', new Uint8Array(0), { at }), 'EMPTY_SECRET', 'secret');
  });

  it.each([[null], ['x'], [30], [true]])('options %j: INVALID_OPTION', (options) => {
    expectError(() => generateTotp(secret, options as never), 'INVALID_OPTION', 'options');
    expectError(() => verifyTotp('287082', secret, options as never), 'INVALID_OPTION', 'options');
    expectError(() => totpStep(at, options as never), 'INVALID_OPTION', 'options');
    expectError(() => secondsRemaining(at, options as never), 'INVALID_OPTION', 'options');
  });

  it('the edge values are accepted', () => {
    expect(generateTotp(secret, { at, period: 1 })).toHaveLength(6);
    expect(generateTotp(secret, { at, period: 2 ** 53 - 1 })).toBe(generateTotp(secret, { at: 0 }));
    expect(generateTotp(secret, { at, epoch: -(2 ** 52) })).toHaveLength(6);
    // An epoch so far back that the elapsed seconds are no longer exact is refused, not rounded.
    expectError(() => generateTotp(secret, { at, epoch: -(2 ** 53 - 1) }), 'INVALID_EPOCH', 'epoch');
    expect(verifyTotp('287082', secret, { at, window: 0 })).toEqual({ step: 1, delta: 0 });
    expect(verifyTotp('287082', secret, { at, window: 100 })).toEqual({ step: 1, delta: 0 });
    expect(verifyTotp('287082', secret, { at, window: { past: 0, future: 0 } })).toEqual({
      step: 1,
      delta: 0,
    });
    expect(verifyTotp('287082', secret, { at, window: { past: 100, future: 100 } })).toEqual({
      step: 1,
      delta: 0,
    });
    expect(verifyTotp('287082', secret, { at, afterStep: -(2 ** 53 - 1) })).toEqual({ step: 1, delta: 0 });
    expect(verifyTotp('287082', secret, { at, afterStep: 2 ** 53 - 1 })).toBeNull();
  });
});
