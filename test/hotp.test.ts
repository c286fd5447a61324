/**
 * HOTP (RFC 4226): known answers, 64-bit counters against outside implementations, verifyHotp's look-ahead,
 * malformed tokens and every bad input with its error code.
 */
import { createHmac } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { generateHOTP as osloGenerateHotp } from '@oslojs/otp';
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { generateHotp, HOTP_DEFAULTS, type TwoSvErrorCode, verifyHotp } from '../src/index.js';
import { expectTwoSvError } from './support/errors.js';

const ASCII_SECRET = new TextEncoder().encode('12345678901234567890');
const BASE32_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

// RFC 4226 Appendix D: counter, HMAC-SHA1 (hex), truncated value (decimal), 6-digit HOTP.
const APPENDIX_D: ReadonlyArray<[number, string, number, string]> = [
  [0, 'cc93cf18508d94934c64b65d8ba7667fb7cde4b0', 1284755224, '755224'],
  [1, '75a48a19d4cbe100644e8ac1397eea747a2d33ab', 1094287082, '287082'],
  [2, '0bacb7fa082fef30782211938bc1c5e70416ff44', 137359152, '359152'],
  [3, '66c28227d03a2d5529262ff016a1e6ef76557ece', 1726969429, '969429'],
  [4, 'a904c900a64b35909874b33e61c5938a8e15ed1c', 1640338314, '338314'],
  [5, 'a37e783d7b7233c083d4f62926c7a25f238d0316', 868254676, '254676'],
  [6, 'bc9cd28561042c83f219324d3c607256c03272ae', 1918287922, '287922'],
  [7, 'a4fb960c0bc06e1eabb804e5b397cdc4b45596fa', 82162583, '162583'],
  [8, '1b3c89f65e6c9e883012052823443f048b4332db', 673399871, '399871'],
  [9, '1637409809a679dc698207310c8c7fc07290d9e5', 645520489, '520489'],
];

function counterBytes(counter: bigint): Uint8Array {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, counter);
  return message;
}

/** HOTP computed with node:crypto (OpenSSL), independent of the code under test and of noble. */
function opensslHotp(key: Uint8Array, counter: bigint, digits: number, algorithm = 'sha1'): string {
  const d = createHmac(algorithm, key).update(counterBytes(counter)).digest();
  const offset = d[d.length - 1]! & 0xf;
  const value = d.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

function expectError(fn: () => unknown, code: TwoSvErrorCode, names: string, secretText?: string): void {
  expectTwoSvError(fn, code, {
    mentions: names,
    secrets: [BASE32_SECRET, '12345678901234567890', secretText],
  });
}

describe('RFC 4226 Appendix D', () => {
  it('the transcribed HMAC values are right (checked with noble)', () => {
    for (const [counter, digest] of APPENDIX_D) {
      expect(Buffer.from(hmac(sha1, ASCII_SECRET, counterBytes(BigInt(counter)))).toString('hex')).toBe(
        digest,
      );
    }
  });

  it.each(APPENDIX_D)('counter %i gives its HOTP value', (counter, _digest, truncated, code) => {
    expect(generateHotp(ASCII_SECRET, counter)).toBe(code);
    expect(generateHotp(BASE32_SECRET, counter)).toBe(code);
    expect(generateHotp(BASE32_SECRET, BigInt(counter))).toBe(code);
    expect(generateHotp(BASE32_SECRET.toLowerCase(), counter)).toBe(code);
    expect(generateHotp('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ', counter)).toBe(code);
    expect(generateHotp('gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq', counter, { digits: 6 })).toBe(code);
    // Longer codes are the same truncated value modulo a larger power of ten.
    for (let digits = 6; digits <= 10; digits++) {
      expect(generateHotp(ASCII_SECRET, counter, { digits })).toBe(
        String(truncated % 10 ** digits).padStart(digits, '0'),
      );
    }
    expect(verifyHotp(code, ASCII_SECRET, counter)).toEqual({ counter: BigInt(counter) });
  });

  it('keeps leading zeros (counters 2 and 7 have short truncated values)', () => {
    expect(generateHotp(ASCII_SECRET, 2, { digits: 10 })).toBe('0137359152');
    expect(generateHotp(ASCII_SECRET, 7, { digits: 10 })).toBe('0082162583');
    expect(generateHotp(ASCII_SECRET, 7, { digits: 9 })).toBe('082162583');
    expect(generateHotp(ASCII_SECRET, 7, { digits: 8 })).toBe('82162583');
    expect(generateHotp(ASCII_SECRET, 0, { digits: 10 })).toBe('1284755224');
    expect(verifyHotp('0082162583', ASCII_SECRET, 7, { digits: 10 })).toEqual({ counter: 7n });
    expect(verifyHotp('82162583', ASCII_SECRET, 7, { digits: 10 })).toBeNull();
  });

  it('uses the defaults it declares', () => {
    expect(HOTP_DEFAULTS).toEqual({ digits: 6, algorithm: 'SHA1', lookAhead: 0 });
    expect(Object.isFrozen(HOTP_DEFAULTS)).toBe(true);
    expect(generateHotp(ASCII_SECRET, 3, {})).toBe('969429');
    expect(generateHotp(ASCII_SECRET, 3, { algorithm: 'SHA1', digits: 6 })).toBe('969429');
  });
});

describe('64-bit counters', () => {
  const counters = [
    0n,
    2n ** 31n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 32n + 1n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 63n - 1n,
    2n ** 63n,
    2n ** 64n - 2n,
    2n ** 64n - 1n,
  ];
  const key = new Uint8Array(Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff));

  it.each(counters)('counter %s agrees with node:crypto for all algorithms and digits', (counter) => {
    for (const [algorithm, name] of [
      ['SHA1', 'sha1'],
      ['SHA256', 'sha256'],
      ['SHA512', 'sha512'],
    ] as const) {
      for (let digits = 6; digits <= 10; digits++) {
        const expected = opensslHotp(key, counter, digits, name);
        expect(generateHotp(key, counter, { digits, algorithm })).toBe(expected);
        expect(verifyHotp(expected, key, counter, { digits, algorithm })).toEqual({ counter });
        if (counter <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(generateHotp(key, Number(counter), { digits, algorithm })).toBe(expected);
        }
      }
    }
  });

  it.each(counters)('counter %s agrees with @oslojs/otp (bigint counters, SHA1, 6-8 digits)', (counter) => {
    for (const digits of [6, 7, 8]) {
      expect(generateHotp(key, counter, { digits })).toBe(osloGenerateHotp(key, counter, digits));
    }
  });

  // otpauth takes the counter as a JS number, so it reaches exactly the counters a double represents:
  // everything up to 2^53 and powers of two such as 2^63, but not 2^64 - 1 (which rounds to 2^64).
  it.each([2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 63])(
    'counter %d agrees with otpauth',
    (counter) => {
      const secret = new OTPAuth.Secret({ buffer: key.slice().buffer });
      for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
        for (let digits = 6; digits <= 10; digits++) {
          expect(generateHotp(key, BigInt(counter), { digits, algorithm })).toBe(
            OTPAuth.HOTP.generate({ secret, algorithm, digits, counter }),
          );
        }
      }
    },
  );
});

describe('verifyHotp', () => {
  it('finds the matched counter with lookAhead (RFC 4226 §7.4) and returns it as a bigint', () => {
    expect(verifyHotp('287082', BASE32_SECRET, 0, { lookAhead: 5 })).toEqual({ counter: 1n });
    expect(verifyHotp('969429', BASE32_SECRET, 0, { lookAhead: 5 })).toEqual({ counter: 3n });
    expect(verifyHotp('520489', BASE32_SECRET, 0, { lookAhead: 9 })).toEqual({ counter: 9n });
    expect(verifyHotp('520489', BASE32_SECRET, 0, { lookAhead: 8 })).toBeNull();
    expect(verifyHotp('520489', BASE32_SECRET, 9n, { lookAhead: 0 })).toEqual({ counter: 9n });
    // Never looks behind.
    expect(verifyHotp('287082', BASE32_SECRET, 2, { lookAhead: 100 })).toBeNull();
    expect(verifyHotp('287082', BASE32_SECRET, 4)).toBeNull();
    // Default lookAhead is 0.
    expect(verifyHotp('287082', BASE32_SECRET, 0)).toBeNull();
  });

  it('returns the first matching counter when a later one in the look-ahead has the same code', () => {
    // Find two counters at most 100 apart (the largest look-ahead) with equal 6-digit codes: about one in
    // 10^4 counters starts such a pair, so a search of this fixed secret finds one deterministically.
    const last = new Map<string, number>();
    let pair: [number, number] | undefined;
    for (let counter = 0; pair === undefined && counter < 1_000_000; counter++) {
      const code = generateHotp(ASCII_SECRET, counter);
      const earlier = last.get(code);
      if (earlier !== undefined && counter - earlier <= 100) pair = [earlier, counter];
      last.set(code, counter);
    }
    expect(pair).toBeDefined();
    const [first, second] = pair!;
    const code = generateHotp(ASCII_SECRET, first);
    expect(generateHotp(ASCII_SECRET, second)).toBe(code);
    // Both matches lie inside the window: the first one wins, from any start that reaches both.
    for (const start of [first, first - 1, second - 100]) {
      if (start < 0) continue;
      expect(verifyHotp(code, ASCII_SECRET, start, { lookAhead: 100 }), `from ${start}`).toEqual({
        counter: BigInt(first),
      });
    }
    expect(verifyHotp(code, ASCII_SECRET, first, { lookAhead: second - first })).toEqual({
      counter: BigInt(first),
    });
    // Past the first, the second is found.
    expect(verifyHotp(code, ASCII_SECRET, first + 1, { lookAhead: second - first - 1 })).toEqual({
      counter: BigInt(second),
    });
    expect(verifyHotp(code, ASCII_SECRET, first + 1, { lookAhead: second - first - 2 })).toBeNull();
  });

  it('carries the look-ahead across the 32-bit boundary and stops at 2^64 - 1 without wrapping', () => {
    const key = ASCII_SECRET;
    const after = generateHotp(key, 2n ** 32n + 1n);
    expect(verifyHotp(after, key, 2n ** 32n - 2n, { lookAhead: 3 })).toEqual({ counter: 2n ** 32n + 1n });
    expect(verifyHotp(after, key, 2 ** 32 - 2, { lookAhead: 3 })).toEqual({ counter: 2n ** 32n + 1n });
    const last = 2n ** 64n - 1n;
    expect(verifyHotp(generateHotp(key, last), key, last - 2n, { lookAhead: 100 })).toEqual({
      counter: last,
    });
    // Counter 0's code must not be found by wrapping around past 2^64 - 1 (unless it coincides).
    const zero = generateHotp(key, 0);
    const coincides = [last - 1n, last].some((c) => generateHotp(key, c) === zero);
    if (!coincides) expect(verifyHotp(zero, key, last - 1n, { lookAhead: 100 })).toBeNull();
  });

  it('lookAhead property: a code from counter c+k verifies from c with lookAhead >= k, at c+k or earlier', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 10, maxLength: 64 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 200n }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom('SHA1', 'SHA256', 'SHA512'),
        fc.integer({ min: 6, max: 10 }),
        (key, counter, k, extra, algorithm, digits) => {
          const lookAhead = Math.min(100, k + extra);
          const code = generateHotp(key, counter + BigInt(k), { algorithm, digits });
          const result = verifyHotp(code, key, counter, { lookAhead, algorithm, digits });
          expect(result).not.toBeNull();
          expect(typeof result!.counter).toBe('bigint');
          expect(result!.counter >= counter && result!.counter <= counter + BigInt(k)).toBe(true);
          // Whatever it returned, that counter's code is the token.
          expect(generateHotp(key, result!.counter, { algorithm, digits })).toBe(code);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('codes always have exactly `digits` ASCII digits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 6, max: 10 }),
        fc.constantFrom('SHA1', 'SHA256', 'SHA512'),
        (key, counter, digits, algorithm) => {
          const code = generateHotp(key, counter, { digits, algorithm });
          expect(code).toMatch(new RegExp(`^[0-9]{${digits}}$`));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('malformed tokens are not valid: null, never an error', () => {
  // Tokens shaped to be the right code but malformed: with the RFC secret at counter 1 the code is 287082.
  const malformed: unknown[] = [
    '',
    '12345',
    '1234567',
    ' 12345',
    '12345 ',
    '+12345',
    '-12345',
    '12a456',
    '１２３４５６',
    '28708',
    '2870822',
    ' 28708',
    '28708 ',
    ' 287082',
    '287082 ',
    '287 082',
    '+28708',
    '-28708',
    '+287082',
    '28708a',
    '2870 2',
    '２８７０８２', // full-width digits
    '٢٨٧٠٨٢', // Arabic-Indic digits
    '1e5000',
    '0x1234',
    '287082\n',
    '287082\0',
    '28708.',
    '2.8708',
    null,
    undefined,
    287082,
    287082n,
    ['287082'],
    { toString: () => '287082' },
    new String('287082'),
  ];

  const label = (token: unknown): string =>
    typeof token === 'string'
      ? JSON.stringify(token)
      : typeof token === 'bigint'
        ? `${token}n`
        : String(token);
  it.each(malformed.map((token) => [label(token), token]))('verifyHotp(%s) is null', (_label, token) => {
    expect(verifyHotp(token as string, BASE32_SECRET, 1)).toBeNull();
    expect(verifyHotp(token as string, BASE32_SECRET, 0, { lookAhead: 100 })).toBeNull();
    expect(verifyHotp(token as string, BASE32_SECRET, 1, { digits: 8 })).toBeNull();
  });

  it('a non-digit is never read as a digit value, whatever its char code adds up to', () => {
    // For each UTF-16 unit x in the last place, a 9-digit prefix P with P * 10 + (x - 48) equal to the code's
    // value: a parser that subtracted '0' without checking the range would take these tokens for the code.
    const code = generateHotp(ASCII_SECRET, 0, { digits: 10 }); // '1284755224'
    const value = Number(code);
    let tried = 0;
    for (let x = 0; x <= 0xffff; x++) {
      if (x >= 48 && x <= 57) continue;
      const prefix = (value - (x - 48)) / 10;
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > 999_999_999) continue;
      const token = String(prefix).padStart(9, '0') + String.fromCharCode(x);
      tried++;
      expect(verifyHotp(token, ASCII_SECRET, 0, { digits: 10 }), JSON.stringify(token)).toBeNull();
    }
    expect(tried).toBeGreaterThan(6000);
    expect(verifyHotp(code, ASCII_SECRET, 0, { digits: 10 })).toEqual({ counter: 0n });
  });

  it('a correct code of other length is refused', () => {
    expect(verifyHotp('94287082', BASE32_SECRET, 1)).toBeNull();
    expect(verifyHotp('94287082', BASE32_SECRET, 1, { digits: 8 })).toEqual({ counter: 1n });
    expect(verifyHotp('287082', BASE32_SECRET, 1, { digits: 8 })).toBeNull();
  });
});

describe('bad input throws TwoSvError with its code', () => {
  const ok = BASE32_SECRET;

  it.each([
    ['1', 'INVALID_SECRET'],
    ['0', 'INVALID_SECRET'],
    ['!', 'INVALID_SECRET'],
    ['GEZDGNBVGY3TQOJ!', 'INVALID_SECRET'],
    ['ABC', 'INVALID_SECRET'], // 3 characters past a multiple of 8: no encoder writes that
    ['A', 'INVALID_SECRET'],
    ['ABCDEF', 'INVALID_SECRET'],
    ['GEZDGNBVGY3TQOJQA', 'INVALID_SECRET'],
    ['AB=CD', 'INVALID_SECRET'],
    ['MY======MY======', 'INVALID_SECRET'],
    ['GEZDGNBVGY3TQOJQ\u00a0GEZDGNBVGY3TQOJQ', 'INVALID_SECRET'], // no-break space
    ['ＧＥＺＤＧＮＢＶ', 'INVALID_SECRET'], // full-width letters
    ['', 'EMPTY_SECRET'],
    ['   ', 'EMPTY_SECRET'],
    ['========', 'EMPTY_SECRET'],
  ] as const)('secret %j: %s', (secret, code) => {
    expectError(() => generateHotp(secret, 0), code, 'secret', secret || undefined);
    expectError(() => verifyHotp('123456', secret, 0), code, 'secret', secret || undefined);
    // Even a malformed token does not hide a bad secret.
    expectError(() => verifyHotp('x', secret, 0), code, 'secret', secret || undefined);
  });

  it('a secret with a long invalid base32 text never appears in the message', () => {
    const secret = 'JBSWY3DPEHPK3PXP1JBSWY3DPEHPK3PXP';
    expectError(() => generateHotp(secret, 0), 'INVALID_SECRET', 'secret', secret);
    expectError(() => generateHotp(secret, 0), 'INVALID_SECRET', 'secret', 'JBSWY3DPEHPK3PXP');
  });

  it('an empty byte secret is EMPTY_SECRET', () => {
    expectError(() => generateHotp(new Uint8Array(), 0), 'EMPTY_SECRET', 'secret');
    expectError(() => verifyHotp('123456', new Uint8Array(0), 0), 'EMPTY_SECRET', 'secret');
  });

  it.each([[null], [undefined], [42], [{}], [[1, 2, 3]], [new ArrayBuffer(20)], [new Uint16Array(10)]])(
    'secret of the wrong type %j: INVALID_SECRET',
    (secret) => {
      expectError(() => generateHotp(secret as never, 0), 'INVALID_SECRET', 'secret');
      expectError(() => verifyHotp('123456', secret as never, 0), 'INVALID_SECRET', 'secret');
    },
  );

  it.each([[5], [11], [0], [-6], [6.5], [Number.NaN], [Number.POSITIVE_INFINITY], ['6'], [true]])(
    'digits %j: INVALID_DIGITS',
    (digits) => {
      expectError(() => generateHotp(ok, 0, { digits: digits as number }), 'INVALID_DIGITS', 'digits');
      expectError(
        () => verifyHotp('123456', ok, 0, { digits: digits as number }),
        'INVALID_DIGITS',
        'digits',
      );
    },
  );

  it.each([['MD5'], ['sha1'], ['SHA-1'], ['sha256'], ['SHA384'], [''], [1]])(
    'algorithm %j: INVALID_ALGORITHM',
    (algorithm) => {
      expectError(
        () => generateHotp(ok, 0, { algorithm: algorithm as never }),
        'INVALID_ALGORITHM',
        'algorithm',
      );
      expectError(
        () => verifyHotp('123456', ok, 0, { algorithm: algorithm as never }),
        'INVALID_ALGORITHM',
        'algorithm',
      );
    },
  );

  it.each([
    [-1],
    [1.5],
    [2 ** 53],
    [2 ** 64],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [-1n],
    [2n ** 64n],
    [2n ** 100n],
    ['1'],
    [null],
    [undefined],
  ])('counter %s: INVALID_COUNTER', (counter) => {
    expectError(() => generateHotp(ok, counter as number), 'INVALID_COUNTER', 'counter');
    expectError(() => verifyHotp('123456', ok, counter as number), 'INVALID_COUNTER', 'counter');
  });

  it.each([[-1], [101], [1.5], [Number.NaN], ['1'], [Number.POSITIVE_INFINITY]])(
    'lookAhead %j: INVALID_LOOK_AHEAD',
    (lookAhead) => {
      expectError(
        () => verifyHotp('123456', ok, 0, { lookAhead: lookAhead as number }),
        'INVALID_LOOK_AHEAD',
        'lookAhead',
      );
    },
  );

  it('the edge values are accepted', () => {
    expect(generateHotp(ok, 0, { digits: 6 })).toHaveLength(6);
    expect(generateHotp(ok, 0, { digits: 10 })).toHaveLength(10);
    expect(generateHotp(ok, 2 ** 53 - 1)).toHaveLength(6);
    expect(generateHotp(ok, 2n ** 64n - 1n)).toHaveLength(6);
    expect(verifyHotp('000000', ok, 0, { lookAhead: 100 })).toBeNull();
    expect(verifyHotp('000000', ok, 0, { lookAhead: 0 })).toBeNull();
  });

  it.each([[null], ['x'], [42], [true]])('options %j: INVALID_OPTION', (options) => {
    expectError(() => generateHotp(ok, 0, options as never), 'INVALID_OPTION', 'options');
    expectError(() => verifyHotp('123456', ok, 0, options as never), 'INVALID_OPTION', 'options');
  });
});
