/**
 * The SHA-256 and SHA-512 compression functions of src/internal/sha256.ts and sha512.ts, their FIPS 180-4
 * constants, and the HOTP HMAC of src/internal/hmac.ts for all three hashes: checked against published
 * values (FIPS 180-4 examples, RFC 4231), against `@noble/hashes` (the reference the issue names) and
 * against node:crypto (OpenSSL) on thousands of random keys of 0 to 200 bytes and random counters. Only the
 * tests use node:crypto; the core never does.
 */
import { createHash, createHmac } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { H64, K64 } from '../src/internal/fips.js';
import {
  digest,
  HotpHmac,
  type NativeCrypto,
  nodeCrypto,
  SCRATCH,
  type ShaCore,
} from '../src/internal/hmac.js';
import { SHA1 } from '../src/internal/sha1.js';
import { SHA256 } from '../src/internal/sha256.js';
import { SHA512 } from '../src/internal/sha512.js';
import type { Algorithm } from '../src/types.js';

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
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const word = (words: Int32Array, i: number): string => (words[i]! >>> 0).toString(16).padStart(8, '0');
const word64 = (words: Int32Array, i: number): string => word(words, 2 * i) + word(words, 2 * i + 1);

function counterBytes(high: number, low: number): Uint8Array {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, high);
  view.setUint32(4, low);
  return message;
}

/** RFC 4226 §5.3 dynamic truncation of a full HMAC digest. */
function truncate(digestBytes: Uint8Array): number {
  const offset = digestBytes[digestBytes.length - 1]! & 0xf;
  return new DataView(digestBytes.buffer, digestBytes.byteOffset).getUint32(offset) & 0x7fffffff;
}

interface Case {
  algorithm: Algorithm;
  core: ShaCore;
  noble: CHash;
  node: string;
}

const CASES: Case[] = [
  { algorithm: 'SHA1', core: SHA1, noble: nobleSha1, node: 'sha1' },
  { algorithm: 'SHA256', core: SHA256, noble: nobleSha256, node: 'sha256' },
  { algorithm: 'SHA512', core: SHA512, noble: nobleSha512, node: 'sha512' },
];
const SHA2 = CASES.slice(1);
const NODE = nodeCrypto();

describe('FIPS 180-4 constants, computed from their definition', () => {
  it('gives the published SHA-512 K (§4.2.3) and H(0) (§5.3.5)', () => {
    expect(K64.length).toBe(160);
    expect(word64(K64, 0)).toBe('428a2f98d728ae22');
    expect(word64(K64, 1)).toBe('7137449123ef65cd');
    expect(word64(K64, 40)).toBe('a2bfe8a14cf10364');
    expect(word64(K64, 63)).toBe('c67178f2e372532b');
    expect(word64(K64, 79)).toBe('6c44198c4a475817');
    expect(Array.from({ length: 8 }, (_, i) => word64(H64, i))).toEqual([
      '6a09e667f3bcc908',
      'bb67ae8584caa73b',
      '3c6ef372fe94f82b',
      'a54ff53a5f1d36f1',
      '510e527fade682d1',
      '9b05688c2b3e6c1f',
      '1f83d9abfb41bd6b',
      '5be0cd19137e2179',
    ]);
  });

  it('gives the published SHA-256 H(0) (§5.3.3) as the high halves', () => {
    expect(Array.from(SHA256.initial, (w) => (w >>> 0).toString(16).padStart(8, '0'))).toEqual([
      '6a09e667',
      'bb67ae85',
      '3c6ef372',
      'a54ff53a',
      '510e527f',
      '9b05688c',
      '1f83d9ab',
      '5be0cd19',
    ]);
  });
});

describe('digest() (plain SHA-256 / SHA-512, for keys longer than a block)', () => {
  it('matches the FIPS 180-4 example vectors', () => {
    const twoBlock = ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
    expect(hex(digest(SHA256, ascii('')))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hex(digest(SHA256, ascii('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(digest(SHA256, twoBlock))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex(digest(SHA512, ascii('abc')))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
        '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(hex(digest(SHA512, ascii('')))).toBe(
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce' +
        '47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
    expect(
      hex(
        digest(
          SHA512,
          ascii(
            'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
          ),
        ),
      ),
    ).toBe(
      '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018' +
        '501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
    );
  });

  it('agrees with @noble/hashes and node:crypto for every message length 0..300', () => {
    const next = prng(21);
    for (const { algorithm, core, noble, node } of SHA2) {
      for (let length = 0; length <= 300; length++) {
        const message = randomBytes(next, length);
        const ours = hex(digest(core, message));
        expect(ours, `${algorithm} length ${length}`).toBe(hex(noble(message)));
        expect(ours, `${algorithm} length ${length}`).toBe(createHash(node).update(message).digest('hex'));
      }
    }
  });

  it('does not change its input', () => {
    const message = randomBytes(prng(22), 150);
    const copy = message.slice();
    digest(SHA512, message);
    expect(message).toEqual(copy);
  });
});

// Every HotpHmac test runs on both paths: JavaScript only (what browsers, Deno and Bun run) and with Node's
// crypto (SHA-512's native path; SHA-1 and SHA-256 stay on JavaScript there too).
describe.each([
  ['JavaScript', null],
  ['native SHA-512', NODE],
] as const)('HotpHmac (HMAC over 8-byte counters), all three hashes, %s path', (_, native) => {
  const hotpHmac = (core: ShaCore, key: Uint8Array): HotpHmac => new HotpHmac(core, key, native);

  it('gives the RFC 4231 test case 1 HMACs (key 0x0b x 20, data "Hi There", 8 bytes)', () => {
    const key = new Uint8Array(20).fill(0x0b);
    const data = new DataView(ascii('Hi There').buffer);
    const [high, low] = [data.getUint32(0), data.getUint32(4)];
    const published = {
      SHA256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      SHA512:
        '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde' +
        'daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    };
    expect(hotpHmac(SHA256, key).truncated(high, low)).toBe(
      truncate(Uint8Array.from(Buffer.from(published.SHA256, 'hex'))),
    );
    expect(hotpHmac(SHA512, key).truncated(high, low)).toBe(
      truncate(Uint8Array.from(Buffer.from(published.SHA512, 'hex'))),
    );
  });

  it('agrees with noble hmac and node:crypto on 4,000 random keys (0..200 bytes) and counters per hash', () => {
    const next = prng(23);
    for (const { algorithm, core, noble, node } of CASES) {
      for (let i = 0; i < 4000; i++) {
        const key = randomBytes(next, next() % 201);
        // Mostly full 64-bit counters, some small ones (as TOTP steps are).
        const high = i % 4 === 0 ? 0 : next();
        const low = next();
        const ours = hotpHmac(core, key).truncated(high, low);
        const message = counterBytes(high, low);
        const context = `${algorithm} key ${hex(key)} counter ${high}:${low}`;
        expect(ours, context).toBe(truncate(hmac(noble, key, message)));
        expect(ours, context).toBe(truncate(new Uint8Array(createHmac(node, key).update(message).digest())));
      }
    }
  });

  it('handles the block-size edge keys of each hash and all-zero, all-0xff, ipad and opad keys', () => {
    for (const { algorithm, core, noble } of CASES) {
      for (const length of [0, 1, 20, 32, 63, 64, 65, 111, 112, 127, 128, 129, 200]) {
        for (const fill of [0x00, 0xff, 0x36, 0x5c]) {
          const key = new Uint8Array(length).fill(fill);
          for (const [high, low] of [
            [0, 0],
            [0, 0xffffffff],
            [0xffffffff, 0xffffffff],
            [0x80000000, 1],
          ] as const) {
            expect(hotpHmac(core, key).truncated(high, low), `${algorithm} ${length} ${fill}`).toBe(
              truncate(hmac(noble, key, counterBytes(high, low))),
            );
          }
        }
      }
    }
  });

  it('reaches every one of the 16 truncation offsets', () => {
    for (const { core, noble } of SHA2) {
      const key = randomBytes(prng(24), 32);
      const prepared = hotpHmac(core, key);
      const seen = new Set<number>();
      for (let counter = 0; counter < 400; counter++) {
        const full = hmac(noble, key, counterBytes(0, counter));
        seen.add(full[full.length - 1]! & 0xf);
        expect(prepared.truncated(0, counter)).toBe(truncate(full));
      }
      expect(seen.size).toBe(16);
    }
  });

  it('keeps prepared keys of every hash correct when used interleaved, with keying and digests between', () => {
    const next = prng(25);
    const keys = CASES.map((c, i) => ({ ...c, key: randomBytes(next, [20, 64, 150][i]!) }));
    const prepared = keys.map(({ core, key }) => hotpHmac(core, key));
    for (let round = 0; round < 600; round++) {
      const which = round % 3;
      const { core, noble, key } = keys[which]!;
      const [high, low] = round % 5 === 0 ? [next(), next()] : [0, round];
      // Keying another key and hashing a long message reuse the same module buffers.
      if (round % 7 === 0) hotpHmac(keys[(which + 1) % 3]!.core, randomBytes(next, 140)).truncated(1, 2);
      if (round % 11 === 0) digest(core, randomBytes(next, round));
      expect(prepared[which]!.truncated(high, low), `round ${round}`).toBe(
        truncate(hmac(noble, key, counterBytes(high, low))),
      );
    }
  });

  it('reads a key view by its own offset and does not change the key', () => {
    const backing = randomBytes(prng(26), 400);
    for (const { core, noble } of SHA2) {
      for (const [start, end] of [
        [3, 35],
        [100, 229],
        [1, 66],
      ] as const) {
        const view = backing.subarray(start, end);
        const before = backing.slice();
        expect(hotpHmac(core, view).truncated(0, 42)).toBe(
          truncate(hmac(noble, view.slice(), counterBytes(0, 42))),
        );
        expect(backing).toEqual(before);
      }
    }
  });
});

describe('the native SHA-512 path: found at run time in Node only, taken for SHA-512 only', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  /** Node's crypto behind a counter of `hash` calls. */
  function counting(): { native: NativeCrypto; calls: string[] } {
    const calls: string[] = [];
    const real = NODE!;
    return {
      calls,
      native: {
        hash: (algorithm, data, encoding) => {
          calls.push(algorithm);
          return real.hash(algorithm, data, encoding);
        },
      },
    };
  }

  it("finds Node's crypto through process.getBuiltinModule (no node: import in src/)", () => {
    expect(NODE).toBeDefined();
    expect(NODE!.hash).toBe((process.getBuiltinModule('crypto') as unknown as NativeCrypto).hash);
  });

  it('finds nothing without process.getBuiltinModule or crypto.hash (browsers, old or crypto-less Node), nor in Deno or Bun', () => {
    vi.stubGlobal('process', undefined);
    expect(nodeCrypto()).toBeNull();
    vi.stubGlobal('process', { versions: {} });
    expect(nodeCrypto()).toBeNull();
    // A Node built without crypto throws on loading it; a runtime may lack crypto.hash (Node < 20.12).
    vi.stubGlobal('process', {
      getBuiltinModule: () => {
        throw new Error('Node.js is not compiled with OpenSSL crypto support');
      },
    });
    expect(nodeCrypto()).toBeNull();
    vi.stubGlobal('process', { getBuiltinModule: () => ({ createHash: () => undefined }) });
    expect(nodeCrypto()).toBeNull();
    vi.unstubAllGlobals();
    vi.stubGlobal('Deno', {});
    expect(nodeCrypto()).toBeNull();
    vi.unstubAllGlobals();
    vi.stubGlobal('Bun', {});
    expect(nodeCrypto()).toBeNull();
    vi.unstubAllGlobals();
    expect(nodeCrypto()).toBe(NODE);
  });

  it('hashes twice per SHA-512 code natively (three times keying a key longer than a block), never for SHA-1/256', () => {
    const next = prng(27);
    for (const { algorithm, core, noble } of CASES) {
      for (const length of [20, 128, 129]) {
        const { native, calls } = counting();
        const key = randomBytes(next, length);
        const prepared = new HotpHmac(core, key, native);
        const keying = calls.length;
        expect(prepared.truncated(0, 7)).toBe(truncate(hmac(noble, key, counterBytes(0, 7))));
        expect(prepared.truncated(3, 9)).toBe(truncate(hmac(noble, key, counterBytes(3, 9))));
        if (algorithm === 'SHA512') {
          expect(keying).toBe(length > 128 ? 1 : 0);
          expect(calls.length - keying).toBe(4);
          expect(new Set(calls)).toEqual(new Set(['sha512']));
        } else {
          expect(calls).toEqual([]);
        }
      }
    }
  });

  it('is the default for SHA-512 in Node, and the JavaScript path when forced', () => {
    const spy = vi.spyOn(NODE!, 'hash');
    const key = randomBytes(prng(28), 64);
    const expected = truncate(hmac(nobleSha512, key, counterBytes(0, 5)));
    expect(new HotpHmac(SHA512, key).truncated(0, 5)).toBe(expected);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(new HotpHmac(SHA512, key, null).truncated(0, 5)).toBe(expected);
    expect(new HotpHmac(SHA256, key).truncated(0, 5)).toBe(
      truncate(hmac(nobleSha256, key, counterBytes(0, 5))),
    );
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('leaves no key material in the shared buffers after keying and after each code, on every path', () => {
    // Every byte but the native inner message's last 8 (the counter, no secret) is zero.
    const scratchIsClear = () =>
      SCRATCH.every((buffer, n) => buffer.every((v, i) => v === 0 || (n === 2 && i >= 128)));
    expect(SCRATCH.map((b) => b.length)).toEqual([128, 32, 136, 192]);
    const next = prng(31);
    expect(scratchIsClear()).toBe(true);
    for (const native of [null, NODE]) {
      for (const core of [SHA1, SHA256, SHA512]) {
        // A short key, one a block long, and one longer than a block (hashed first).
        for (const length of [20, core.blockWords * 4, 200]) {
          const prepared = new HotpHmac(core, randomBytes(next, length), native);
          expect(scratchIsClear(), `keyed: ${core.blockWords} words, ${length} bytes`).toBe(true);
          prepared.truncated(0, 7);
          expect(scratchIsClear(), `one code: ${core.blockWords} words, ${length} bytes`).toBe(true);
        }
      }
    }
  });

  it('does not change the key on the native path, even when it is hashed first', () => {
    const backing = randomBytes(prng(29), 400);
    const before = backing.slice();
    const view = backing.subarray(5, 205);
    expect(new HotpHmac(SHA512, view, NODE).truncated(0, 1)).toBe(
      truncate(hmac(nobleSha512, view.slice(), counterBytes(0, 1))),
    );
    expect(backing).toEqual(before);
  });
});
