/**
 * The sign-in path's own encodings: the step-up proof hash (one SHA-256 block straight from the text for
 * short ASCII tokens, the generic digest otherwise) against node:crypto, and the pooled hex of ids and
 * tokens against `bytesToHex`.
 */
import { createHash } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexOf, randomId, randomToken } from '../src/engine/codes.js';
import { proofHash } from '../src/engine/proofs.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('proofHash', () => {
  it('is the SHA-256 of the empty string and of "abc" (FIPS 180-4 examples)', () => {
    expect(proofHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(proofHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto at every length around the one-block limit (55 bytes), ASCII or not', () => {
    for (let length = 0; length <= 130; length++) {
      const ascii = Array.from({ length }, (_, i) => String.fromCharCode(32 + ((i * 7 + length) % 95))).join(
        '',
      );
      expect(proofHash(ascii), `ascii ${length}`).toBe(sha256Hex(ascii));
      const wide = `${ascii.slice(1)}é`; // one character of two UTF-8 bytes
      if (length > 0) expect(proofHash(wide), `non-ascii ${length}`).toBe(sha256Hex(wide));
    }
    const edges = ['\u0000', '\u007f'.repeat(55), 'a'.repeat(55), 'a'.repeat(56), '\u0080', 'é'.repeat(20)];
    edges.push('密'.repeat(18), '0123456789abcdef0123456789abcdef'); // CJK; the shape of every issued token
    for (const text of edges) expect(proofHash(text), JSON.stringify(text)).toBe(sha256Hex(text));
  });

  it('matches node:crypto on any string, and on the tokens it is given to hash', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        expect(proofHash(text)).toBe(sha256Hex(text));
      }),
    );
    for (let i = 0; i < 50; i++) {
      const token = randomToken(undefined);
      expect(proofHash(token)).toBe(sha256Hex(token));
    }
  });
});

describe('hexOf, randomToken and randomId', () => {
  it('hexOf is bytesToHex of the slice', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(64), fc.nat(64), (bytes, a, b) => {
        const from = Math.min(a, b, bytes.length);
        const to = Math.min(Math.max(a, b), bytes.length);
        expect(hexOf(bytes, from, to)).toBe(bytesToHex(bytes.slice(from, to)));
      }),
    );
    expect(hexOf(Uint8Array.of(1, 2, 3), 2, 2)).toBe('');
    expect(hexOf(Uint8Array.of(1, 2, 3), 0, 0)).toBe('');
    expect(hexOf(Uint8Array.of(0x00, 0x0f, 0xa5, 0xff), 1, 4)).toBe('0fa5ff');
  });

  it('draws 32 and 18 lower-case hex digits from the pool, never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const token = randomToken(undefined);
      const id = randomId(undefined);
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(id).toMatch(/^[0-9a-f]{18}$/);
      seen.add(token).add(id);
    }
    expect(seen.size).toBe(4000);
  });

  it('takes an injected source byte for byte', () => {
    let next = 0;
    const sizes: number[] = [];
    const random = (bytes: Uint8Array) => {
      sizes.push(bytes.length);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (next++ * 37 + 11) & 0xff;
      return bytes;
    };
    expect(randomToken(random)).toBe('0b30557a9fc4e90e33587da2c7ec1136');
    expect(randomId(random)).toBe('5b80a5caef14395e83');
    expect(sizes).toEqual([16, 9]); // called directly, for exactly the bytes asked (no pool)
  });
});
