/**
 * RFC 4648 base32: the §10 vectors, round trips, the forgiving input forms (case, spaces, dashes, padding),
 * and the refused ones.
 */
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32, type TwoSvErrorCode } from '../src/index.js';
import { expectTwoSvError } from './support/errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ascii = (s: string) => new TextEncoder().encode(s);

/** A bit-by-bit reference encoder, as slow and plain as possible. */
function referenceEncode(bytes: Uint8Array, padding: boolean): string {
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5)
    out += ALPHABET[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  if (padding) while (out.length % 8 !== 0) out += '=';
  return out;
}

/** A bit-by-bit reference decoder of canonical upper-case text without padding. */
function referenceDecode(text: string): Uint8Array {
  let bits = '';
  for (const char of text) bits += ALPHABET.indexOf(char).toString(2).padStart(5, '0');
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Uint8Array.from(out);
}

function expectError(fn: () => unknown, code: TwoSvErrorCode, text?: string): void {
  expectTwoSvError(fn, code, { secrets: [text] });
}

// RFC 4648 §10.
const VECTORS: ReadonlyArray<[string, string]> = [
  ['', ''],
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

describe('RFC 4648 §10 vectors', () => {
  it.each(VECTORS)('%j <-> %j', (plain, encoded) => {
    const bytes = ascii(plain);
    const unpadded = encoded.replace(/=+$/, '');
    expect(encodeBase32(bytes)).toBe(unpadded);
    expect(encodeBase32(bytes, {})).toBe(unpadded);
    expect(encodeBase32(bytes, { padding: false })).toBe(unpadded);
    expect(encodeBase32(bytes, { padding: true })).toBe(encoded);
    expect(decodeBase32(encoded)).toEqual(bytes);
    expect(decodeBase32(unpadded)).toEqual(bytes);
    expect(decodeBase32(encoded.toLowerCase())).toEqual(bytes);
    expect(decodeBase32(unpadded.toLowerCase())).toEqual(bytes);
  });

  it('decodes to a plain Uint8Array of the exact length', () => {
    const bytes = decodeBase32('MZXW6YTBOI======');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(6);
    expect(bytes.byteLength).toBe(6);
    expect(new TextDecoder().decode(bytes)).toBe('foobar');
  });

  it('covers the whole alphabet', () => {
    // 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567' is the 5-bit values 0..31 in order: 20 bytes.
    const bytes = decodeBase32(ALPHABET);
    expect(Buffer.from(bytes).toString('hex')).toBe('00443214c74254b635cf84653a56d7c675be77df');
    expect(encodeBase32(bytes)).toBe(ALPHABET);
    expect(decodeBase32(ALPHABET.toLowerCase())).toEqual(bytes);
  });
});

describe('the forms an OTP secret is written in', () => {
  it('ignores case, spaces, dashes and trailing padding', () => {
    const expected = ascii('foobar');
    for (const text of [
      'MZXW6YTBOI',
      'mzxw6ytboi',
      'MzXw6YtBoI',
      'MZXW 6YTB OI',
      'mzxw 6ytb oi======',
      'MZXW-6YTB-OI',
      ' MZXW6YTBOI ',
      'MZXW6YTBOI=',
      'M Z X W 6 Y T B O I',
      'MZXW\t6YTB\nOI\r\n',
    ]) {
      expect(decodeBase32(text), JSON.stringify(text)).toEqual(expected);
    }
  });

  it('decodes whitespace- and padding-only text to no bytes', () => {
    expect(decodeBase32('')).toEqual(new Uint8Array());
    expect(decodeBase32('   ')).toEqual(new Uint8Array());
    expect(decodeBase32('--')).toEqual(new Uint8Array());
  });
});

describe('malformed base32 is refused: INVALID_BASE32', () => {
  it.each([
    ['1'],
    ['0'],
    ['8'],
    ['9'],
    ['!'],
    ['ABC'], // 3 characters past a multiple of 8
    ['A'], // 1
    ['ABCDEF'], // 6
    ['ABCDEFGHA'], // 9 = 8 + 1
    ['ABCDEFGHABC'], // 11 = 8 + 3
    ['AB=CD'], // padding inside
    ['=AB'],
    ['MY======MY======'],
    ['MZXW6YTB+OI'],
    ['MZXW6YTB/OI'],
    ['MZXW6YTB_OI'],
    ['MZXW6YTB.OI'],
    ['MZXW6YTBO\u0130'], // dotted capital I
    ['MZXW6YTBO\u0131'], // dotless i: toUpperCase() would make it 'I'
    ['MZXW6YTB\u00a0OI'], // no-break space
    ['ＭＺＸＷ６ＹＴＢ'], // full-width
    ['MZXW6YTB\u0000'],
    ['MZXW6YTBOI\u{1F600}'],
  ])('%j', (text) => {
    expectError(() => decodeBase32(text), 'INVALID_BASE32', text);
  });

  it.each([[null], [undefined], [42], [new Uint8Array(4)], [{ toString: () => 'MZXW6YTB' }]])(
    'a non-string %j',
    (text) => {
      expectError(() => decodeBase32(text as never), 'INVALID_BASE32');
    },
  );

  it('the message never repeats the text', () => {
    const text = 'JBSWY3DPEHPK3PXP!';
    expectError(() => decodeBase32(text), 'INVALID_BASE32', text);
    expectError(() => decodeBase32(text), 'INVALID_BASE32', 'JBSWY3DPEHPK3PXP');
  });

  it('only the lengths no encoder writes are refused', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 100 }), (text) => {
        const rest = text.length % 8;
        if (rest === 1 || rest === 3 || rest === 6) {
          expectError(() => decodeBase32(text), 'INVALID_BASE32');
        } else {
          // Any other length decodes to floor(5n / 8) bytes, as a bit-by-bit decoder does.
          const bytes = decodeBase32(text);
          expect(bytes.length).toBe(Math.floor((text.length * 5) / 8));
          expect(bytes).toEqual(referenceDecode(text));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('encodeBase32 refuses what is not bytes: INVALID_OPTION', () => {
  it.each([['MZXW6YTB'], [null], [undefined], [[1, 2, 3]], [new ArrayBuffer(4)]])('%j', (bytes) => {
    expectError(() => encodeBase32(bytes as never), 'INVALID_OPTION');
  });
});

describe('round trips (fast-check)', () => {
  it('encode agrees with a bit-by-bit encoder, with and without padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const plain = encodeBase32(bytes);
        expect(plain).toBe(referenceEncode(bytes, false));
        expect(plain).toMatch(/^[A-Z2-7]*$/);
        expect(plain.length).toBe(Math.ceil((bytes.length * 8) / 5));
        const padded = encodeBase32(bytes, { padding: true });
        expect(padded).toBe(referenceEncode(bytes, true));
        expect(padded.length % 8).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('decode(encode(bytes)) gives the bytes back, also lower-cased, spaced, dashed and padded', () => {
    const decorated = fc.uint8Array({ maxLength: 100 }).chain((bytes) =>
      fc.record({
        bytes: fc.constant(bytes),
        lower: fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
        separators: fc.array(fc.constantFrom('', '', '', ' ', '-', '  '), { minLength: 200, maxLength: 200 }),
        padding: fc.boolean(),
        extraPadding: fc.integer({ min: 0, max: 3 }),
      }),
    );
    fc.assert(
      fc.property(decorated, ({ bytes, lower, separators, padding, extraPadding }) => {
        expect(decodeBase32(encodeBase32(bytes))).toEqual(bytes);
        const encoded = encodeBase32(bytes, { padding });
        expect(decodeBase32(encoded)).toEqual(bytes);
        expect(decodeBase32(encoded.toLowerCase())).toEqual(bytes);
        let text = '';
        const body = encoded.replace(/=+$/, '');
        for (let i = 0; i < body.length; i++) {
          text += separators[i]! + (lower[i] ? body[i]!.toLowerCase() : body[i]!);
        }
        text += encoded.slice(body.length) + '='.repeat(extraPadding);
        expect(decodeBase32(text)).toEqual(bytes);
        // And it agrees with another implementation's decoder (otpauth strips only spaces, so give it those).
        expect(new Uint8Array(OTPAuth.Secret.fromBase32(text.replace(/-/g, '')).bytes)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('encode(decode(text)) gives canonical text back for any canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const canonical = encodeBase32(bytes);
        expect(encodeBase32(decodeBase32(canonical))).toBe(canonical);
        expect(encodeBase32(decodeBase32(canonical.toLowerCase()))).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('does not change its input and returns fresh bytes', () => {
    const bytes = ascii('foobar');
    const view = new Uint8Array(new ArrayBuffer(16), 5, 6);
    view.set(bytes);
    expect(encodeBase32(view)).toBe('MZXW6YTBOI');
    expect(view).toEqual(bytes);
    const a = decodeBase32('MZXW6YTBOI');
    const b = decodeBase32('MZXW6YTBOI');
    a[0] = 0;
    expect(b).toEqual(bytes);
  });
});
