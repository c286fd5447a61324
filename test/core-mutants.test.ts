/**
 * Core edges found by mutation testing (test/MUTATION.md): the codes 000000 and 000001 (the values a
 * malformed token must never be mistaken for), base32 characters next to the alphabet, the canonical
 * secret text, the repeat limit of the random source, and the expiry option of the stores.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32, normalizeBase32 } from '../src/base32.js';
import { TwoSvError } from '../src/errors.js';
import { generateHotp, verifyHotp } from '../src/hotp.js';
import { expiresAtOf } from '../src/internal/expiry.js';
import { randomBytes } from '../src/secret.js';
import { verifyTotp } from '../src/totp.js';

// RFC 4226's secret, "12345678901234567890".
const KEY = Buffer.from('12345678901234567890');
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** HOTP by node:crypto, the outside oracle. */
function oracle(counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', KEY).update(message).digest();
  const offset = mac[19]! & 15;
  return String((mac.readUInt32BE(offset) & 0x7fff_ffff) % 1_000_000).padStart(6, '0');
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TwoSvError);
    return `${(err as TwoSvError).code}: ${(err as TwoSvError).message}`;
  }
  return 'no error';
}

describe('codes 000000 and 000001', () => {
  // Found by searching counters with node:crypto: the first counters whose codes are 000000 and 000001.
  const ZERO = 349_495;
  const ONE = 855_553;

  it('are real codes: HOTP and TOTP accept them at their counter or step', () => {
    expect([oracle(ZERO), oracle(ONE)]).toEqual(['000000', '000001']);
    expect(generateHotp(SECRET, ZERO)).toBe('000000');
    expect(verifyHotp('000000', SECRET, ZERO)).toEqual({ counter: BigInt(ZERO) });
    expect(verifyHotp('000001', SECRET, ONE)).toEqual({ counter: BigInt(ONE) });
    expect(verifyTotp('000000', SECRET, { at: ZERO * 30_000, window: 0 })).toEqual({ step: ZERO, delta: 0 });
    expect(verifyTotp('000001', SECRET, { at: ONE * 30_000 + 29_999, window: 0 })).toEqual({
      step: ONE,
      delta: 0,
    });
  });

  it('a malformed token is never read as 000001 (or any code)', () => {
    for (const token of ['', '00001', '0000001', 'abcdef', '00000/', '00000:', ' 00001', null, 1]) {
      expect(verifyHotp(token as string, SECRET, ONE), String(token)).toBeNull();
      expect(verifyTotp(token as string, SECRET, { at: ONE * 30_000, window: 0 }), String(token)).toBeNull();
    }
  });

  it('a null window is refused, not crashed on', () => {
    expect(codeOf(() => verifyTotp('000000', SECRET, { at: 0, window: null as never }))).toMatch(
      /^INVALID_WINDOW: window /,
    );
  });
});

describe('base32 edges', () => {
  it('the characters around the alphabet are not base32', () => {
    // '[' and '{' follow Z and z, '@' and '`' precede A and a, '1' and '8' flank 2-7.
    for (const c of ['[', '{', '@', '`', '1', '8', '\u0080', '\u00c0']) {
      expect(
        codeOf(() => decodeBase32(`AAAAAAA${c}`)),
        c,
      ).toBe('INVALID_BASE32: text must be RFC 4648 base32');
    }
    expect(decodeBase32('AAAAAAAZ')).toEqual(new Uint8Array([0, 0, 0, 0, 25]));
  });

  it('encodeBase32 refuses a padding option that is not a boolean, and bytes that are not a Uint8Array', () => {
    expect(codeOf(() => encodeBase32(new Uint8Array(1), { padding: 'yes' as never }))).toBe(
      'INVALID_OPTION: padding must be a boolean',
    );
    expect(codeOf(() => encodeBase32([1, 2] as never))).toBe('INVALID_OPTION: bytes must be a Uint8Array');
  });

  it('normalizeBase32 gives the canonical text (RFC 4648 test vectors), or undefined', () => {
    expect(normalizeBase32('mzxw 6ytb-oi======')).toBe('MZXW6YTBOI');
    expect(normalizeBase32('MZXW6YTBOI======')).toBe('MZXW6YTBOI');
    expect(normalizeBase32('my======')).toBe('MY');
    expect(normalizeBase32('')).toBe('');
    expect(normalizeBase32('MZXW6YTBO')).toBeUndefined();
    expect(normalizeBase32('1')).toBeUndefined();
    expect(normalizeBase32(42)).toBeUndefined();
  });
});

describe('random source', () => {
  it('the repeat limit is reached at exactly 16 repeated bytes', () => {
    const pattern = [1, 2, 3, 4, 5, 6, 7, 8];
    const same = (bytes: Uint8Array) => {
      bytes.set(pattern);
      return bytes;
    };
    randomBytes(8, same); // first draw
    randomBytes(8, same); // 8 repeated bytes
    expect(codeOf(() => randomBytes(8, same))).toMatch(/^INVALID_RANDOM/); // 16
  });

  it('a source returning an array of another length is refused', () => {
    expect(codeOf(() => randomBytes(20, () => new Uint8Array(21).fill(7).map((_, i) => i)))).toBe(
      'INVALID_RANDOM: random must fill and return the array it is given',
    );
  });
});

describe('expiresAtOf (the stores)', () => {
  it('passes a finite time or nothing, and refuses anything else', () => {
    expect(expiresAtOf(undefined)).toBeUndefined();
    expect(expiresAtOf({})).toBeUndefined();
    expect(expiresAtOf({ expiresAt: 1_700_000_000_000 })).toBe(1_700_000_000_000);
    expect(expiresAtOf({ expiresAt: 0 })).toBe(0);
    for (const expiresAt of [Number.NaN, Infinity, -Infinity, '5', null]) {
      expect(
        codeOf(() => expiresAtOf({ expiresAt } as never)),
        String(expiresAt),
      ).toBe('INVALID_OPTION: expiresAt must be a finite number of milliseconds');
    }
  });
});

describe('FIPS 180-4 constants (fips.ts)', () => {
  it('has exactly 80 K words and 8 H(0) words for SHA-512, with the published first and last values', async () => {
    const { H64, K64 } = await import('../src/internal/fips.js');
    const hex = (a: Int32Array, i: number): string =>
      (a[i]! >>> 0).toString(16).padStart(8, '0') + (a[i + 1]! >>> 0).toString(16).padStart(8, '0');
    // A 9th H(0) word (one prime too many) would not fit HotpHmac's 16-half state.
    expect([K64.length, H64.length]).toEqual([160, 16]);
    // FIPS 180-4 §4.2.3 and §5.3.5.
    expect([hex(K64, 0), hex(K64, 158)]).toEqual(['428a2f98d728ae22', '6c44198c4a475817']);
    expect([hex(H64, 0), hex(H64, 14)]).toEqual(['6a09e667f3bcc908', '5be0cd19137e2179']);
  });
});
