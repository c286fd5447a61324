/**
 * generateSecret: size, encoding, the random source, and its bad inputs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  decodeBase32,
  encodeBase32,
  generateSecret,
  generateTotp,
  SECRET_DEFAULTS,
  type TwoSvErrorCode,
  verifyTotp,
} from '../src/index.js';
import { checkRandomSource, randomBytes } from '../src/secret.js';
import { expectTwoSvError } from './support/errors.js';

function expectError(fn: () => unknown, code: TwoSvErrorCode, names: string): void {
  expectTwoSvError(fn, code, { mentions: names });
}

/** A deterministic source: byte i of call n is (seed + n * 31 + i * 7) & 0xff. */
function counting(seed: number) {
  let calls = 0;
  const source = vi.fn((bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed + calls * 31 + i * 7) & 0xff;
    calls++;
    return bytes;
  });
  return source;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('generateSecret', () => {
  it('by default gives 32 base32 characters (20 bytes), upper case, no padding', () => {
    expect(SECRET_DEFAULTS).toEqual({ bytes: 20 });
    for (let i = 0; i < 20; i++) {
      const secret = generateSecret();
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(decodeBase32(secret)).toHaveLength(20);
    }
    expect(generateSecret({})).toMatch(/^[A-Z2-7]{32}$/);
  });

  it.each([
    [16, 26],
    [17, 28],
    [20, 32],
    [32, 52],
    [64, 103],
    [1024, 1639],
  ])('%i bytes: %i characters, decoding back to %i bytes', (bytes, chars) => {
    const secret = generateSecret({ bytes });
    expect(secret).toHaveLength(chars);
    expect(secret).toMatch(/^[A-Z2-7]+$/);
    expect(secret).not.toContain('=');
    expect(decodeBase32(secret)).toHaveLength(bytes);
  });

  it('uses an injected random source: the same source gives the same secret', () => {
    const a = counting(5);
    const b = counting(5);
    const secretA = generateSecret({ random: a });
    const secretB = generateSecret({ random: b });
    expect(secretA).toBe(secretB);
    expect(a).toHaveBeenCalledTimes(1);
    const given = a.mock.calls[0]![0];
    expect(given).toBeInstanceOf(Uint8Array);
    expect(given).toHaveLength(20);
    const expected = Uint8Array.from({ length: 20 }, (_, i) => (5 + i * 7) & 0xff);
    expect(decodeBase32(secretA)).toEqual(expected);
    expect(secretA).toBe(encodeBase32(expected));
    expect(generateSecret({ bytes: 16, random: counting(0) })).toBe(
      encodeBase32(Uint8Array.from({ length: 16 }, (_, i) => (i * 7) & 0xff)),
    );
  });

  it('an injected source is used as is, not mixed with anything', () => {
    const pattern = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
    const random = (bytes: Uint8Array) => {
      bytes.set(pattern);
      return bytes;
    };
    expect(generateSecret({ random })).toBe(encodeBase32(pattern));
  });

  it('uses globalThis.crypto.getRandomValues when nothing is injected', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    generateSecret({ bytes: 24 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0]![0] as Uint8Array).length).toBe(24);
  });

  it('two secrets from the platform source differ', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateSecret()));
    expect(secrets.size).toBe(100);
    expect(generateSecret({ bytes: 16 })).not.toBe(generateSecret({ bytes: 16 }));
  });

  it('the bytes look random: every value of a byte appears over many secrets', () => {
    const counts = new Uint32Array(256);
    for (let i = 0; i < 200; i++)
      for (const byte of decodeBase32(generateSecret({ bytes: 64 }))) counts[byte]!++;
    // 12,800 bytes: each value is expected 50 times; missing one entirely would be absurd.
    expect(Math.min(...counts)).toBeGreaterThan(10);
  });

  it('its secrets work with generateTotp and verifyTotp', () => {
    const secret = generateSecret();
    const code = generateTotp(secret, { at: 1_700_000_000_000 });
    expect(verifyTotp(code, secret, { at: 1_700_000_000_000 })).toEqual({ step: 56_666_666, delta: 0 });
  });
});

describe('bad input throws TwoSvError with its code', () => {
  it.each([
    [15],
    [0],
    [-20],
    [1.5],
    [16.5],
    [2000],
    [1025],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['20'],
  ])('bytes %j: INVALID_SECRET_SIZE', (bytes) => {
    expectError(() => generateSecret({ bytes: bytes as number }), 'INVALID_SECRET_SIZE', 'bytes');
  });

  it('bytes is checked before the random source is called', () => {
    const random = counting(0);
    expectError(() => generateSecret({ bytes: 15, random }), 'INVALID_SECRET_SIZE', 'bytes');
    expect(random).not.toHaveBeenCalled();
  });

  it.each([
    ['a shorter array', (bytes: Uint8Array) => new Uint8Array(bytes.length - 1)],
    ['a longer array', (bytes: Uint8Array) => new Uint8Array(bytes.length + 1)],
    ['nothing (fills but returns undefined)', (bytes: Uint8Array) => void bytes.fill(1)],
    ['a plain array', (bytes: Uint8Array) => Array.from(bytes)],
    ['a Uint16Array', (bytes: Uint8Array) => new Uint16Array(bytes.length)],
    ['an ArrayBuffer', (bytes: Uint8Array) => bytes.buffer],
    ['a string', () => 'A'.repeat(20)],
  ])('random returning %s: INVALID_RANDOM', (_name, random) => {
    expectError(() => generateSecret({ random: random as never }), 'INVALID_RANDOM', 'random');
  });

  it.each([['x'], [42], [null], [{}]])('random that is not a function (%j): INVALID_RANDOM', (random) => {
    expectError(() => generateSecret({ random: random as never }), 'INVALID_RANDOM', 'random');
  });

  it('a throwing random source is not swallowed', () => {
    const boom = new Error('no entropy');
    expect(() =>
      generateSecret({
        random: () => {
          throw boom;
        },
      }),
    ).toThrow(boom);
  });

  it.each([[null], ['x'], [20], [true]])('options %j: INVALID_OPTION', (options) => {
    expectError(() => generateSecret(options as never), 'INVALID_OPTION', 'options');
  });
});

describe('a degenerate random source is refused (health tests of every draw)', () => {
  const constant = (value: number) => (bytes: Uint8Array) => bytes.fill(value);
  /** The same non-uniform bytes every call: 0, 1, 2, ... */
  const sameEveryCall = () => (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = i;
    return bytes;
  };

  it.each([[0], [0xff], [0x55]])('a source of bytes all equal to %i makes no secret', (value) => {
    expectError(() => generateSecret({ random: constant(value) }), 'INVALID_RANDOM', 'random');
    expectError(() => generateSecret({ bytes: 16, random: constant(value) }), 'INVALID_RANDOM', 'random');
  });

  it('a source of the same bytes every call makes one secret, then no second', () => {
    const random = sameEveryCall();
    expect(generateSecret({ random })).toBe(encodeBase32(Uint8Array.from({ length: 20 }, (_, i) => i)));
    expectError(() => generateSecret({ random }), 'INVALID_RANDOM', 'random');
    expectError(() => generateSecret({ random }), 'INVALID_RANDOM', 'random');
  });

  it('short draws are judged by their repeats: 16 repeated bytes in a row are refused', () => {
    // 6-byte draws (sent codes): three repeats are 18 bytes; the first three draws pass (2^-48 each alone).
    const zeros = constant(0);
    for (let i = 0; i < 3; i++) expect(randomBytes(6, zeros)).toEqual(new Uint8Array(6));
    expectError(() => randomBytes(6, zeros), 'INVALID_RANDOM', 'random');
    // 9-byte draws (ids): the second repeat reaches 18 bytes.
    const same = sameEveryCall();
    randomBytes(9, same);
    randomBytes(9, same);
    expectError(() => randomBytes(9, same), 'INVALID_RANDOM', 'random');
    // Repeats are counted per draw size, so interleaved sizes (id, id, code, ...) are still caught.
    const mixed = constant(0);
    randomBytes(9, mixed);
    randomBytes(6, mixed);
    randomBytes(9, mixed);
    randomBytes(6, mixed);
    expectError(() => randomBytes(9, mixed), 'INVALID_RANDOM', 'random');
  });

  it('a differing draw resets the count: occasional repeats of short draws pass', () => {
    let call = 0;
    // Pairs of equal 6-byte draws (a repeat each), then a change: never three repeats in a row.
    const pairs = (bytes: Uint8Array) => bytes.fill(Math.floor(call++ / 2) & 0xff);
    expect(() => {
      for (let i = 0; i < 1000; i++) randomBytes(6, pairs);
    }).not.toThrow();
    // A source whose draws all differ passes, short or long.
    const random = counting(3);
    expect(() => {
      for (let i = 0; i < 1000; i++) randomBytes(1 + (i % 40), random);
    }).not.toThrow();
    expect(random).toHaveBeenCalledTimes(1000);
  });

  it('the platform CSPRNG passes many draws of every size the engine uses', () => {
    const drawn = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      drawn.add(Buffer.from(randomBytes(6)).toString('hex'));
      drawn.add(Buffer.from(randomBytes(9)).toString('hex'));
    }
    for (let i = 0; i < 50; i++) drawn.add(Buffer.from(randomBytes(32)).toString('hex'));
    expect(drawn.size).toBe(4050);
    expect(randomBytes(4096)).toHaveLength(4096);
  });

  it('checkRandomSource refuses a degenerate source before its first use, and accepts good ones', () => {
    expectError(() => checkRandomSource(constant(0)), 'INVALID_RANDOM', 'random');
    expectError(() => checkRandomSource(sameEveryCall()), 'INVALID_RANDOM', 'random');
    expectError(() => checkRandomSource('x' as never), 'INVALID_RANDOM', 'random');
    expect(() => checkRandomSource(counting(9))).not.toThrow();
    expect(() => checkRandomSource()).not.toThrow();
  });
});
