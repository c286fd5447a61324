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

  it('an all-zero source gives the all-A secret (it is used, not mixed with anything)', () => {
    expect(generateSecret({ random: (bytes) => bytes.fill(0) })).toBe('A'.repeat(32));
    expect(generateSecret({ random: (bytes) => bytes.fill(0xff) })).toBe('7'.repeat(32));
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
