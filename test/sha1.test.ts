/**
 * The SHA-1 compression of src/internal/sha1.ts with the HOTP HMAC of src/internal/hmac.ts, and prepareKey of
 * src/internal/key.ts for all three hashes, checked against `@noble/hashes` (the reference the issue names)
 * and, for a second opinion, node:crypto (OpenSSL). Only the tests use node:crypto; the core never does.
 */
import { createHash, createHmac } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { digest, HotpHmac } from '../src/internal/hmac.js';
import { prepareKey } from '../src/internal/key.js';
import { SHA1 } from '../src/internal/sha1.js';
import type { Algorithm } from '../src/types.js';

const sha1 = (message: Uint8Array): Uint8Array => digest(SHA1, message);

/** A small seeded PRNG (mulberry32), so every run checks the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = next() & 0xff;
  return out;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function counterBytes(high: number, low: number): Uint8Array {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, high);
  view.setUint32(4, low);
  return message;
}

/** RFC 4226 §5.3 dynamic truncation of a full HMAC digest. */
function truncate(digest: Uint8Array): number {
  const offset = digest[digest.length - 1]! & 0xf;
  return (
    (((digest[offset]! & 0x7f) << 24) |
      (digest[offset + 1]! << 16) |
      (digest[offset + 2]! << 8) |
      digest[offset + 3]!) >>>
    0
  );
}

const NOBLE: Record<Algorithm, CHash> = { SHA1: nobleSha1, SHA256: sha256, SHA512: sha512 };

function referenceTruncated(algorithm: Algorithm, key: Uint8Array, high: number, low: number): number {
  return truncate(hmac(NOBLE[algorithm], key, counterBytes(high, low)));
}

// Counters that exercise both words, carries and the extremes.
const COUNTERS: ReadonlyArray<[number, number]> = [
  [0, 0],
  [0, 1],
  [0, 0x7fffffff],
  [0, 0x80000000],
  [0, 0xffffffff],
  [1, 0],
  [0x001fffff, 0xffffffff], // 2^53 - 1
  [0x80000000, 0], // 2^63
  [0xffffffff, 0xfffffffe],
  [0xffffffff, 0xffffffff], // 2^64 - 1
  [0x12345678, 0x9abcdef0],
  [0xdeadbeef, 0x00c0ffee],
];

describe('sha1()', () => {
  it('matches the FIPS 180-2 / RFC 3174 test vectors', () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    expect(hex(sha1(ascii('')))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(hex(sha1(ascii('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(sha1(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
    expect(hex(sha1(ascii('The quick brown fox jumps over the lazy dog')))).toBe(
      '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
    );
    // One million 'a' (RFC 3174 TEST3).
    expect(hex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });

  it('agrees with @noble/hashes and node:crypto for every message length 0..300', () => {
    const next = prng(1);
    for (let length = 0; length <= 300; length++) {
      const message = randomBytes(next, length);
      const ours = hex(sha1(message));
      expect(ours, `length ${length}`).toBe(hex(nobleSha1(message)));
      expect(ours, `length ${length}`).toBe(createHash('sha1').update(message).digest('hex'));
    }
  });

  it('agrees for messages of all zero and all 0xff bytes around the padding boundaries', () => {
    for (const length of [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
      for (const fill of [0x00, 0xff, 0x80]) {
        const message = new Uint8Array(length).fill(fill);
        expect(hex(sha1(message)), `length ${length} fill ${fill}`).toBe(hex(nobleSha1(message)));
      }
    }
  });

  it('reads a view by its own offset, not its buffer', () => {
    const next = prng(2);
    const backing = randomBytes(next, 200);
    const view = backing.subarray(13, 113);
    expect(hex(sha1(view))).toBe(hex(nobleSha1(view.slice())));
  });

  it('does not change its input', () => {
    const message = randomBytes(prng(3), 77);
    const copy = message.slice();
    sha1(message);
    expect(message).toEqual(copy);
  });
});

describe('HotpSha1 (HMAC-SHA1 over 8-byte counters)', () => {
  it('gives the RFC 4226 Appendix D intermediate values', () => {
    const key = new TextEncoder().encode('12345678901234567890');
    const expected = [
      1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922, 82162583, 673399871,
      645520489,
    ];
    const hotp = new HotpHmac(SHA1, key);
    expected.forEach((value, counter) => {
      expect(hotp.truncated(0, counter), `counter ${counter}`).toBe(value);
    });
  });

  it('agrees with noble hmac for every key length 1..200 (keys > 64 bytes hashed first) and many counters', () => {
    const next = prng(4);
    for (let length = 1; length <= 200; length++) {
      const key = randomBytes(next, length);
      const hotp = new HotpHmac(SHA1, key);
      const counters: Array<[number, number]> = [...COUNTERS, [next(), next()], [next() & 0xff, next()]];
      for (const [high, low] of counters) {
        expect(hotp.truncated(high, low), `key length ${length}, counter ${high}:${low}`).toBe(
          referenceTruncated('SHA1', key, high, low),
        );
      }
    }
  });

  it('agrees with node:crypto HMAC-SHA1 for keys of 1..200 bytes', () => {
    const next = prng(5);
    for (let length = 1; length <= 200; length++) {
      const key = randomBytes(next, length);
      const [high, low] = [next(), next()];
      const digest = createHmac('sha1', key).update(counterBytes(high, low)).digest();
      expect(new HotpHmac(SHA1, key).truncated(high, low), `key length ${length}`).toBe(
        truncate(new Uint8Array(digest)),
      );
    }
  });

  it('handles the block-size edge keys: 63, 64, 65 bytes, all-zero and all-0xff keys', () => {
    for (const length of [1, 20, 63, 64, 65, 128, 129]) {
      for (const fill of [0x00, 0xff, 0x36, 0x5c]) {
        const key = new Uint8Array(length).fill(fill);
        for (const [high, low] of COUNTERS) {
          expect(new HotpHmac(SHA1, key).truncated(high, low), `length ${length} fill ${fill}`).toBe(
            referenceTruncated('SHA1', key, high, low),
          );
        }
      }
    }
  });

  it('reaches every one of the 16 truncation offsets', () => {
    const key = randomBytes(prng(6), 20);
    const hotp = new HotpHmac(SHA1, key);
    const seen = new Set<number>();
    for (let counter = 0; counter < 400; counter++) {
      const digest = hmac(nobleSha1, key, counterBytes(0, counter));
      seen.add(digest[19]! & 0xf);
      expect(hotp.truncated(0, counter)).toBe(truncate(digest));
    }
    expect(seen.size).toBe(16);
  });

  it('keeps giving correct results when one prepared key is reused, interleaved with others and with sha1()', () => {
    const next = prng(7);
    const keys = [randomBytes(next, 20), randomBytes(next, 64), randomBytes(next, 100)];
    const prepared = keys.map((key) => new HotpHmac(SHA1, key));
    for (let round = 0; round < 300; round++) {
      const which = round % 3;
      const [high, low] = round % 5 === 0 ? [next(), next()] : [0, round];
      // sha1() and the other instances share the module's message schedule: interleave them.
      if (round % 7 === 0) {
        const message = randomBytes(next, round);
        expect(hex(sha1(message)), `sha1 round ${round}`).toBe(
          createHash('sha1').update(message).digest('hex'),
        );
      }
      const expected = referenceTruncated('SHA1', keys[which]!, high, low);
      expect(prepared[which]!.truncated(high, low), `round ${round}`).toBe(expected);
      // The same call again: still right (no state carried from the previous call).
      expect(prepared[which]!.truncated(high, low), `round ${round} again`).toBe(expected);
    }
  });

  it('reads a key view by its own offset and does not change the key', () => {
    const backing = randomBytes(prng(8), 300);
    for (const [start, end] of [
      [3, 23],
      [100, 200],
      [1, 66],
    ] as const) {
      const view = backing.subarray(start, end);
      const before = backing.slice();
      expect(new HotpHmac(SHA1, view).truncated(0, 42)).toBe(referenceTruncated('SHA1', view.slice(), 0, 42));
      expect(backing).toEqual(before);
    }
  });
});

describe('prepareKey (all three algorithms)', () => {
  const algorithms: Algorithm[] = ['SHA1', 'SHA256', 'SHA512'];

  it('agrees with noble hmac for key lengths 1..200 and counters across both words', () => {
    const next = prng(9);
    for (const algorithm of algorithms) {
      for (let length = 1; length <= 200; length++) {
        const key = randomBytes(next, length);
        const prepared = prepareKey(key, algorithm);
        const counters: Array<[number, number]> = [...COUNTERS, [next(), next()]];
        for (const [high, low] of counters) {
          expect(prepared.truncated(high, low), `${algorithm} key ${length} counter ${high}:${low}`).toBe(
            referenceTruncated(algorithm, key, high, low),
          );
        }
      }
    }
  });

  it('agrees with node:crypto for SHA256/SHA512 keys around their block sizes (64 / 128 bytes)', () => {
    const next = prng(10);
    for (const [algorithm, name] of [
      ['SHA256', 'sha256'],
      ['SHA512', 'sha512'],
    ] as const) {
      for (const length of [1, 32, 63, 64, 65, 127, 128, 129, 200]) {
        const key = randomBytes(next, length);
        const [high, low] = [next(), next()];
        const digest = new Uint8Array(createHmac(name, key).update(counterBytes(high, low)).digest());
        expect(prepareKey(key, algorithm).truncated(high, low), `${algorithm} ${length}`).toBe(
          truncate(digest),
        );
      }
    }
  });

  it('reuses one prepared SHA256/SHA512 key for a thousand counters without corrupting its state', () => {
    const next = prng(11);
    for (const algorithm of algorithms) {
      const keyA = randomBytes(next, 32);
      const keyB = randomBytes(next, 64);
      const a = prepareKey(keyA, algorithm);
      const b = prepareKey(keyB, algorithm);
      for (let i = 0; i < 1000; i++) {
        const high = i % 10 === 0 ? next() : 0;
        const low = i % 10 === 0 ? next() : i;
        const [key, prepared] = i % 3 === 0 ? [keyB, b] : [keyA, a];
        expect(prepared.truncated(high, low), `${algorithm} #${i}`).toBe(
          referenceTruncated(algorithm, key, high, low),
        );
      }
      // Going back to the first counter after many calls gives the first answer again.
      expect(a.truncated(0, 0)).toBe(referenceTruncated(algorithm, keyA, 0, 0));
    }
  });

  it('accepts base32 text and raw bytes for the same key alike', () => {
    const key = new TextEncoder().encode('12345678901234567890');
    for (const algorithm of algorithms) {
      const expected = referenceTruncated(algorithm, key, 0, 1);
      expect(prepareKey('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', algorithm).truncated(0, 1)).toBe(expected);
      expect(prepareKey(key, algorithm).truncated(0, 1)).toBe(expected);
    }
  });
});
