/**
 * QR codes of otpauth:// URIs, decoded for real: each SVG is rendered to pixels by resvg and read back by
 * jsQR, and the decoded text must be exactly the URI. Also the SVG shape and size, and every refusal.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import QRCodeSvg from 'qrcode-svg';
import { describe, expect, it } from 'vitest';
import {
  buildOtpauthUri,
  OTPAUTH_QR_DEFAULTS,
  type OtpauthParams,
  otpauthQrSvg,
  parseOtpauthUri,
  TwoSvError,
  type TwoSvErrorCode,
} from '../src/index.js';
import { otpauthQrMatrix } from '../src/qr.js';

// jsqr is CommonJS whose module.exports is the function; its types only describe the default export.
const jsQR: typeof import('jsqr').default = createRequire(import.meta.url)('jsqr');

const SECRET = 'JBSWY3DPEHPK3PXP';
const LONG_SECRET = 'HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ';

/** Renders an SVG to RGBA pixels and decodes it; `null` when no QR code is found. */
function decode(svg: string, width?: number): string | null {
  const image = new Resvg(
    svg,
    width === undefined ? {} : { fitTo: { mode: 'width', value: width } },
  ).render();
  const result = jsQR(new Uint8ClampedArray(image.pixels), image.width, image.height);
  return result === null ? null : result.data;
}

function codeOf(fn: () => unknown): TwoSvErrorCode | 'no error' {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TwoSvError);
    return (err as TwoSvError).code;
  }
  return 'no error';
}

const labels: Array<[string, OtpauthParams]> = [
  ['ASCII', { type: 'totp', secret: SECRET, issuer: 'ACME Co', account: 'alice@example.com' }],
  ['Chinese', { type: 'totp', secret: LONG_SECRET, issuer: '中国银行', account: '李雷@例子.中国' }],
  ['emoji', { type: 'hotp', secret: SECRET, issuer: 'Emoji 😀 Inc', account: '👩‍💻 dev 🇯🇵', counter: 42 }],
  [
    'long issuer',
    {
      type: 'totp',
      secret: LONG_SECRET,
      issuer: 'The Very Long Name of an Example Financial Services Corporation & Partners (Europe) Ltd',
      account: 'alice.smith+security@payments.example-company.com',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    },
  ],
  [
    'reserved characters',
    { type: 'totp', secret: SECRET, issuer: "A&B/C?D#E%F+G=H'", account: 'x:y@z # 100%' },
  ],
];

describe('otpauthQrSvg decodes back to the URI', () => {
  for (const [name, params] of labels) {
    it(`${name} label`, () => {
      const uri = buildOtpauthUri(params);
      for (const input of [params, uri]) {
        const svg = otpauthQrSvg(input);
        expect(decode(svg)).toBe(uri); // at its own size, 256 px
        expect(decode(svg, 600)).toBe(uri);
      }
      expect(parseOtpauthUri(decode(otpauthQrSvg(params)) ?? '')).toStrictEqual(parseOtpauthUri(uri));
    });
  }

  it('every error-correction level and margin decodes', () => {
    const uri = buildOtpauthUri(labels[3]![1]);
    for (const errorCorrection of ['L', 'M', 'Q', 'H'] as const) {
      for (const margin of [1, 4, 10]) {
        expect(
          decode(otpauthQrSvg(uri, { errorCorrection, margin }), 800),
          `${errorCorrection}/${margin}`,
        ).toBe(uri);
      }
    }
  });

  it('percent-encodes a URI given with raw non-ASCII, which qrcode-svg alone would garble', () => {
    const raw = 'otpauth://totp/银行 😀:李雷?secret=JBSWY3DPEHPK3PXP&issuer=银行 😀';
    const decoded = decode(otpauthQrSvg(raw));
    expect(decoded).toBe(
      'otpauth://totp/%E9%93%B6%E8%A1%8C %F0%9F%98%80:%E6%9D%8E%E9%9B%B7?secret=JBSWY3DPEHPK3PXP&issuer=%E9%93%B6%E8%A1%8C %F0%9F%98%80',
    );
    expect(parseOtpauthUri(decoded ?? '')).toStrictEqual(parseOtpauthUri(raw));
    // The bugs this avoids: qrcode-svg prepends a byte-order mark to non-ASCII text and breaks emoji.
    const direct = (text: string) =>
      decode(new QRCodeSvg({ content: text, join: true, swap: true }).svg(), 600);
    expect(direct('otpauth://totp/银行:li?secret=JBSWY3DPEHPK3PXP')).toBe(
      '\ufeffotpauth://totp/银行:li?secret=JBSWY3DPEHPK3PXP',
    );
    expect(direct('otpauth://totp/😀:li?secret=JBSWY3DPEHPK3PXP')).not.toBe(
      'otpauth://totp/😀:li?secret=JBSWY3DPEHPK3PXP',
    );
  });

  it('decodes for arbitrary Unicode labels (fast-check)', () => {
    const text = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 12 })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
      .map((t) => t.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069:]/g, '.'));
    fc.assert(
      fc.property(text, text, (issuer, account) => {
        const params: OtpauthParams = {
          type: 'totp',
          secret: SECRET,
          issuer: `I${issuer}I`,
          account: `a${account}z`,
        };
        const svg = otpauthQrSvg(params);
        expect(decode(svg)).toBe(buildOtpauthUri(params));
      }),
      { numRuns: 40, endOnFailure: true },
    );
  });
});

/** The modules (as "row,col") a path of unit-wide horizontal strokes covers: M/m moves, H/h draws along a row. */
function strokedModules(d: string): string[] {
  const cells = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, command, args] of d.matchAll(/([MmHhVv])([^MmHhVvz]*)/g)) {
    const n = args!
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (command === 'M' || command === 'm') {
      x = command === 'M' ? n[0]! : x + n[0]!;
      y = command === 'M' ? n[1]! : y + n[1]!;
    } else if (command === 'H' || command === 'h') {
      const to = command === 'H' ? n[0]! : x + n[0]!;
      expect(Number.isInteger(x) && Number.isInteger(to) && y % 1 === 0.5, `stroke at ${x},${y}`).toBe(true);
      for (let col = Math.min(x, to); col < Math.max(x, to); col++) cells.add(`${y - 0.5},${col}`);
      x = to;
    } else throw new Error(`unexpected ${command} in the path`);
  }
  return [...cells].sort();
}

function darkModules(matrix: boolean[][], margin: number): string[] {
  return matrix
    .flatMap((row, r) => row.flatMap((dark, c) => (dark ? [`${r + margin},${c + margin}`] : [])))
    .sort();
}

describe('otpauthQrSvg output', () => {
  // A typical enrollment URI of about 150 characters.
  const typical = buildOtpauthUri({
    type: 'totp',
    secret: LONG_SECRET,
    issuer: 'ACME Corporation',
    account: 'alice.smith@payments.example.com',
    digits: 8,
  });

  it('is one compact path over a white background, at most 6 KB for a ~150-character URI', () => {
    expect(typical.length).toBeGreaterThanOrEqual(140);
    expect(typical.length).toBeLessThanOrEqual(160);
    const svg = otpauthQrSvg(typical);
    expect(svg.length).toBeLessThanOrEqual(6 * 1024);
    const box = otpauthQrMatrix(typical).length + 2 * OTPAUTH_QR_DEFAULTS.margin;
    const d = /<path stroke="#000" d="([^"]+)"\/><\/svg>$/.exec(svg)?.[1] ?? '';
    expect(svg).toBe(
      `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 ${box} ${box}" ` +
        `shape-rendering="crispEdges"><path fill="#fff" d="M0 0h${box}v${box}H0z"/>` +
        `<path stroke="#000" d="${d}"/></svg>`,
    );
    // The path data, read by a small interpreter of its commands, strokes exactly the dark modules.
    expect(strokedModules(d)).toEqual(darkModules(otpauthQrMatrix(typical), OTPAUTH_QR_DEFAULTS.margin));
    expect(svg.match(/<path/g)).toHaveLength(2);
    expect(svg).toMatch(/^[\x20-\x7e]+$/);
  });

  it('draws exactly the modules of the matrix, with the quiet zone', () => {
    const matrix = otpauthQrMatrix(typical);
    const margin = 3;
    const svg = otpauthQrSvg(typical, { margin, size: (matrix.length + 2 * margin) * 4 });
    // Render at 4 px per module and sample module centres.
    const image = new Resvg(svg).render();
    const dark = (row: number, col: number) =>
      image.pixels[((row * 4 + 2) * image.width + col * 4 + 2) * 4]! < 128;
    const side = matrix.length + 2 * margin;
    for (let row = 0; row < side; row++) {
      for (let col = 0; col < side; col++) {
        const inside = row >= margin && row < side - margin && col >= margin && col < side - margin;
        expect(dark(row, col)).toBe(inside ? matrix[row - margin]![col - margin]! : false);
      }
    }
  });

  it('honours size and margin; defaults are 256 px, 4 modules, M', () => {
    expect(OTPAUTH_QR_DEFAULTS).toStrictEqual({ size: 256, margin: 4, errorCorrection: 'M' });
    expect(Object.isFrozen(OTPAUTH_QR_DEFAULTS)).toBe(true);
    const n = otpauthQrMatrix(typical).length;
    expect(otpauthQrSvg(typical, { size: 512, margin: 0 })).toMatch(
      new RegExp(`^<svg [^>]*width="512" height="512" viewBox="0 0 ${n} ${n}"`),
    );
    expect(otpauthQrSvg(typical)).toBe(otpauthQrSvg(typical, { size: 256, margin: 4, errorCorrection: 'M' }));
  });

  it('matrix sizes grow with the error-correction level', () => {
    const sizes = (['L', 'M', 'Q', 'H'] as const).map(
      (e) => otpauthQrMatrix(typical, { errorCorrection: e }).length,
    );
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sizes[0]).toBeLessThan(sizes[3]!);
    expect(otpauthQrMatrix('otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP')).toHaveLength(33);
  });
});

describe('otpauthQrSvg refusals', () => {
  const uri = 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME';
  const table: Array<[string, () => unknown, TwoSvErrorCode]> = [
    ['size 0', () => otpauthQrSvg(uri, { size: 0 }), 'INVALID_QR_SIZE'],
    ['size 1.5', () => otpauthQrSvg(uri, { size: 1.5 }), 'INVALID_QR_SIZE'],
    ['size 10001', () => otpauthQrSvg(uri, { size: 10_001 }), 'INVALID_QR_SIZE'],
    ['size string', () => otpauthQrSvg(uri, { size: '256' as unknown as number }), 'INVALID_QR_SIZE'],
    ['size NaN', () => otpauthQrSvg(uri, { size: Number.NaN }), 'INVALID_QR_SIZE'],
    ['margin -1', () => otpauthQrSvg(uri, { margin: -1 }), 'INVALID_QR_MARGIN'],
    ['margin 101', () => otpauthQrSvg(uri, { margin: 101 }), 'INVALID_QR_MARGIN'],
    ['margin 0.5', () => otpauthQrSvg(uri, { margin: 0.5 }), 'INVALID_QR_MARGIN'],
    ['level X', () => otpauthQrSvg(uri, { errorCorrection: 'X' as 'L' }), 'INVALID_ERROR_CORRECTION'],
    ['level m', () => otpauthQrSvg(uri, { errorCorrection: 'm' as 'M' }), 'INVALID_ERROR_CORRECTION'],
    ['options not an object', () => otpauthQrSvg(uri, 'M' as never), 'INVALID_OPTION'],
    ['not an otpauth URI', () => otpauthQrSvg('https://example.com/'), 'INVALID_URI_SCHEME'],
    [
      'issuer spoofing URI',
      () => otpauthQrSvg('otpauth://totp/Evil:a?secret=JBSWY3DPEHPK3PXP&issuer=Bank'),
      'ISSUER_MISMATCH',
    ],
    ['invalid params', () => otpauthQrSvg({ type: 'hotp', secret: SECRET, account: 'a' }), 'MISSING_COUNTER'],
    ['params not an object', () => otpauthQrSvg(42 as never), 'INVALID_OPTION'],
    [
      'too long for level H',
      () =>
        otpauthQrSvg({ type: 'totp', secret: SECRET, account: 'a'.repeat(1300) }, { errorCorrection: 'H' }),
      'QR_CAPACITY_EXCEEDED',
    ],
    [
      'raw non-ASCII expanding past level M',
      () => otpauthQrSvg(`otpauth://totp/${'中'.repeat(1000)}?secret=JBSWY3DPEHPK3PXP`),
      'QR_CAPACITY_EXCEEDED',
    ],
  ];
  for (const [name, fn, code] of table) {
    it(`${name}: ${code}`, () => {
      expect(codeOf(fn)).toBe(code);
    });
  }

  it('a 2048-character URI fits at L and M', () => {
    const base = 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&image=';
    const longest = base + 'x'.repeat(2048 - base.length);
    expect(otpauthQrMatrix(longest, { errorCorrection: 'L' }).length).toBeLessThan(177);
    expect(otpauthQrMatrix(longest, { errorCorrection: 'M' }).length).toBeLessThanOrEqual(177);
    const svg = otpauthQrSvg(longest);
    expect(svg).toMatch(/width="(\d+)"/);
    expect(decode(svg)).toBe(longest); // the default size gives it 4 px per module
  });

  it('the default size is 256 px, or 4 px per module for bigger codes', () => {
    const small = otpauthQrSvg('otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP');
    expect(small).toContain('width="256" height="256" viewBox="0 0 41 41"');
    const big = buildOtpauthUri({ type: 'totp', secret: SECRET, account: 'a'.repeat(400) });
    const box = otpauthQrMatrix(big).length + 8;
    expect(otpauthQrSvg(big)).toContain(`width="${box * 4}" height="${box * 4}" viewBox="0 0 ${box} ${box}"`);
  });
});

// Found by mutation testing (test/MUTATION.md): edges the tests above did not reach.
describe('otpauthQrSvg and otpauthQrMatrix: edges', () => {
  const uri = 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME';

  it('the margin bounds 0 and 100 modules are accepted', () => {
    const n = otpauthQrMatrix(uri).length;
    expect(otpauthQrSvg(uri, { margin: 100 })).toContain(`viewBox="0 0 ${n + 200} ${n + 200}"`);
    expect(otpauthQrSvg(uri, { margin: 0 })).toContain(`viewBox="0 0 ${n} ${n}"`);
  });

  it('the size bounds 1 and 10000 px are accepted', () => {
    expect(otpauthQrSvg(uri, { size: 1 })).toMatch(/^<svg [^>]*width="1" height="1" /);
    const big = otpauthQrSvg(uri, { size: 10_000 });
    expect(big).toMatch(/^<svg [^>]*width="10000" height="10000" /);
  });

  it('otpauthQrMatrix refuses options that are not an object', () => {
    for (const options of [null, 'M', 5, true]) {
      expect(
        codeOf(() => otpauthQrMatrix(uri, options as never)),
        String(options),
      ).toBe('INVALID_OPTION');
    }
  });

  it('messages name the option and its range; a capacity error keeps its cause', () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as TwoSvError;
      }
      throw new Error('expected a refusal');
    };
    expect(message(() => otpauthQrSvg(uri, { size: 0 })).message).toMatch(/size .*1 to 10000/);
    expect(message(() => otpauthQrSvg(uri, { margin: -1 })).message).toMatch(/margin .*0 to 100/);
    expect(message(() => otpauthQrMatrix(uri, { errorCorrection: 'X' as 'L' })).message).toMatch(
      /errorCorrection .*'L', 'M', 'Q' or 'H'/,
    );
    const tooLong = message(() =>
      otpauthQrSvg({ type: 'totp', secret: SECRET, account: 'a'.repeat(1300) }, { errorCorrection: 'H' }),
    );
    expect(tooLong.code).toBe('QR_CAPACITY_EXCEEDED');
    expect(tooLong.message).toMatch(/too long for a QR code/);
    expect(tooLong.cause).toBeInstanceOf(Error);
  });

  it('the path moves absolutely once, then relatively from run to run, as documented', () => {
    const svg = otpauthQrSvg(uri);
    const d = /<path stroke="#000" d="([^"]+)"\/>/.exec(svg)![1]!;
    expect(d.startsWith('M')).toBe(true);
    expect(d.match(/M/g)).toHaveLength(1);
    expect(decode(svg)).toBe(uri);
  });
});
