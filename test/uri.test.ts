/**
 * otpauth:// Key URIs: building, parsing, round trips over arbitrary Unicode, interop with otplib, otpauth
 * and speakeasy, real-world URI shapes, every refusal with its code, hostile parameter names, and the
 * app-compatibility warnings.
 */
import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { generateURI as otplibGenerateUri } from 'otplib';
import speakeasy from 'speakeasy';
import { describe, expect, it } from 'vitest';
import {
  buildOtpauthUri,
  generateSecret,
  OTPAUTH_DEFAULTS,
  type OtpauthParams,
  otpauthCompatibility,
  parseOtpauthUri,
  TwoSvError,
  type TwoSvErrorCode,
} from '../src/index.js';
import { expectTwoSvError } from './support/errors.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const LONG_SECRET = 'HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ';

function codeOf(fn: () => unknown): TwoSvErrorCode | 'no error' {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TwoSvError);
    return (err as TwoSvError).code;
  }
  return 'no error';
}

/** Expects a TwoSvError with `code` whose message repeats neither the URI nor the secret. */
function expectRefusal(fn: () => unknown, code: TwoSvErrorCode, secrets: string[] = []): void {
  const err = expectTwoSvError(fn, code, { secrets: [SECRET, LONG_SECRET, ...secrets] });
  expect(err.message).not.toMatch(/otpauth:\/\/\w|secret=/i);
}

/** The params parse returns for build(p): defaults applied, counter as a number when safe. */
function normalized(p: OtpauthParams): OtpauthParams {
  const out: OtpauthParams = { type: p.type, secret: p.secret, account: p.account };
  if (p.issuer !== undefined) out.issuer = p.issuer;
  out.algorithm = p.algorithm ?? 'SHA1';
  out.digits = p.digits ?? 6;
  if (p.type === 'totp') out.period = p.period ?? 30;
  else {
    const c = BigInt(p.counter ?? 0);
    out.counter = c <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c) : c;
  }
  return out;
}

describe('buildOtpauthUri', () => {
  it('writes issuer in label and parameter, leaves out defaults, percent-encodes', () => {
    expect(
      buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: 'ACME Co', account: 'alice@example.com' }),
    ).toBe('otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co');
    expect(
      buildOtpauthUri({
        type: 'hotp',
        secret: 'jbsw y3dp ehpk 3pxp',
        issuer: '银行',
        account: 'li',
        counter: 5,
        digits: 8,
      }),
    ).toBe(
      'otpauth://hotp/%E9%93%B6%E8%A1%8C:li?secret=JBSWY3DPEHPK3PXP&issuer=%E9%93%B6%E8%A1%8C&digits=8&counter=5',
    );
  });

  it('writes non-default algorithm, digits and period; explicit defaults are left out', () => {
    expect(
      buildOtpauthUri({
        type: 'totp',
        secret: SECRET,
        account: 'a',
        algorithm: 'SHA512',
        digits: 10,
        period: 60,
      }),
    ).toBe('otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=10&period=60');
    expect(
      buildOtpauthUri({
        type: 'totp',
        secret: SECRET,
        account: 'a',
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      }),
    ).toBe('otpauth://totp/a?secret=JBSWY3DPEHPK3PXP');
  });

  it('always writes the HOTP counter, 0 and 64-bit bigints included; ignores counter for TOTP', () => {
    expect(buildOtpauthUri({ type: 'hotp', secret: SECRET, account: 'a', counter: 0 })).toBe(
      'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=0',
    );
    expect(buildOtpauthUri({ type: 'hotp', secret: SECRET, account: 'a', counter: 2n ** 64n - 1n })).toBe(
      'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615',
    );
    expect(buildOtpauthUri({ type: 'totp', secret: SECRET, account: 'a', counter: 7 })).toBe(
      'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP',
    );
  });

  it('encodes every reserved character, non-ASCII as UTF-8, and writes plain ASCII', () => {
    const account = ":/?#[]@!$&'()*+,;=% 中😀~._-";
    const uri = buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: 'I', account });
    expect(uri).toBe(
      'otpauth://totp/I:%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%20%E4%B8%AD%F0%9F%98%80~._-?secret=JBSWY3DPEHPK3PXP&issuer=I',
    );
    expect(uri).toMatch(/^[\x21-\x7e]+$/);
    expect(parseOtpauthUri(uri).account).toBe(account);
  });

  it('canonicalises the secret: upper case, no separators, no padding', () => {
    expect(buildOtpauthUri({ type: 'totp', secret: 'mzxw-6ytb oi======', account: 'a' })).toBe(
      'otpauth://totp/a?secret=MZXW6YTBOI',
    );
  });

  it('refuses bad params, each with its code, never echoing secret, issuer or account', () => {
    const base: OtpauthParams = { type: 'totp', secret: SECRET, issuer: 'ACME', account: 'alice' };
    const cases: Array<[string, unknown, TwoSvErrorCode]> = [
      ['null params', null, 'INVALID_OPTION'],
      ['string params', 'otpauth://totp/a?secret=A', 'INVALID_OPTION'],
      ['type', { ...base, type: 'motp' }, 'INVALID_OTP_TYPE'],
      ['type case', { ...base, type: 'TOTP' }, 'INVALID_OTP_TYPE'],
      ['no secret', { ...base, secret: undefined }, 'MISSING_SECRET'],
      ['secret not base32', { ...base, secret: 'JBSWY3DPEHPK3PX1' }, 'INVALID_SECRET'],
      ['secret bad length', { ...base, secret: 'JBSWY3DPE' }, 'INVALID_SECRET'],
      ['secret not a string', { ...base, secret: new Uint8Array(20) }, 'INVALID_SECRET'],
      ['secret empty', { ...base, secret: '' }, 'EMPTY_SECRET'],
      ['secret padding only', { ...base, secret: '====' }, 'EMPTY_SECRET'],
      ['issuer colon', { ...base, issuer: 'AC:ME' }, 'INVALID_ISSUER'],
      ['issuer empty', { ...base, issuer: '' }, 'INVALID_ISSUER'],
      ['issuer edge space', { ...base, issuer: 'ACME ' }, 'INVALID_ISSUER'],
      ['issuer control', { ...base, issuer: 'AC\nME' }, 'INVALID_ISSUER'],
      ['issuer lone surrogate', { ...base, issuer: 'AC\ud800ME' }, 'INVALID_ISSUER'],
      ['issuer bidi override', { ...base, issuer: 'ACME\u202egnp.exe' }, 'INVALID_ISSUER'],
      ['issuer not a string', { ...base, issuer: 42 }, 'INVALID_ISSUER'],
      ['account missing', { ...base, account: undefined }, 'INVALID_ACCOUNT'],
      ['account empty', { ...base, account: '' }, 'INVALID_ACCOUNT'],
      ['account leading space', { ...base, account: ' alice' }, 'INVALID_ACCOUNT'],
      ['account trailing ideographic space', { ...base, account: 'alice\u3000' }, 'INVALID_ACCOUNT'],
      ['account NUL', { ...base, account: 'al\0ice' }, 'INVALID_ACCOUNT'],
      ['account lone low surrogate', { ...base, account: '\udc00alice' }, 'INVALID_ACCOUNT'],
      ['account colon, no issuer', { type: 'totp', secret: SECRET, account: 'a:b' }, 'INVALID_ACCOUNT'],
      ['algorithm', { ...base, algorithm: 'sha256' }, 'INVALID_ALGORITHM'],
      ['digits 5', { ...base, digits: 5 }, 'INVALID_DIGITS'],
      ['digits 11', { ...base, digits: 11 }, 'INVALID_DIGITS'],
      ['digits 6.5', { ...base, digits: 6.5 }, 'INVALID_DIGITS'],
      ['period 0', { ...base, period: 0 }, 'INVALID_PERIOD'],
      ['period 1.5', { ...base, period: 1.5 }, 'INVALID_PERIOD'],
      ['hotp without counter', { ...base, type: 'hotp' }, 'MISSING_COUNTER'],
      ['counter negative', { ...base, type: 'hotp', counter: -1 }, 'INVALID_COUNTER'],
      ['counter 2^64', { ...base, type: 'hotp', counter: 2n ** 64n }, 'INVALID_COUNTER'],
      ['counter string', { ...base, type: 'hotp', counter: '5' }, 'INVALID_COUNTER'],
      ['too long', { ...base, account: 'a'.repeat(2000) }, 'URI_TOO_LONG'],
    ];
    for (const [name, params, code] of cases) {
      const p = params as OtpauthParams;
      const words =
        p && typeof p === 'object' ? [String(p.issuer), String(p.account)].filter((w) => w.length > 2) : [];
      expect(
        codeOf(() => buildOtpauthUri(p)),
        name,
      ).toBe(code);
      expectRefusal(() => buildOtpauthUri(p), code, words);
    }
  });

  it('allows a colon in the account when there is an issuer', () => {
    const uri = buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: 'ACME', account: 'a:b' });
    expect(uri).toBe('otpauth://totp/ACME:a%3Ab?secret=JBSWY3DPEHPK3PXP&issuer=ACME');
    expect(parseOtpauthUri(uri)).toMatchObject({ issuer: 'ACME', account: 'a:b' });
  });
});

describe('buildOtpauthUri: size before work', () => {
  // Each oversized text also breaks a rule only a scan finds (a control character at its end, or a character
  // outside base32): URI_TOO_LONG rather than that rule's code shows the length was checked first.
  const huge = 10_000_000;
  it.each([
    ['account', { type: 'totp', secret: SECRET, account: `${'é'.repeat(huge)}\u0007` }],
    ['issuer', { type: 'totp', secret: SECRET, issuer: `${'x'.repeat(huge)}\u0007`, account: 'a' }],
    ['secret', { type: 'totp', secret: `${'a '.repeat(huge / 2)}!`, account: 'a' }],
    ['hotp account', { type: 'hotp', secret: SECRET, account: `${'a'.repeat(huge)}\u0000`, counter: 0 }],
  ])('a 10 MB %s is refused as too long before it is scanned', (_, params) => {
    expectRefusal(() => buildOtpauthUri(params as OtpauthParams), 'URI_TOO_LONG');
  });

  it('the bound is exact: the longest account or issuer that fits is built, one more unit is refused', () => {
    const secret = 'A'.repeat(8);
    // otpauth://totp/ + account + ?secret=AAAAAAAA = 2048 characters
    const account = 'a'.repeat(2048 - 15 - 8 - secret.length);
    expect(buildOtpauthUri({ type: 'totp', secret, account })).toHaveLength(2048);
    expectRefusal(() => buildOtpauthUri({ type: 'totp', secret, account: `${account}a` }), 'URI_TOO_LONG');
    // otpauth://totp/ + issuer + : + ab + ?secret=AAAAAAAA + &issuer= + issuer = 2048 characters
    const issuer = 'i'.repeat((2048 - 15 - 1 - 2 - 8 - secret.length - 8) / 2);
    expect(buildOtpauthUri({ type: 'totp', secret, issuer, account: 'ab' })).toHaveLength(2048);
    expectRefusal(
      () => buildOtpauthUri({ type: 'totp', secret, issuer: `${issuer}i`, account: 'ab' }),
      'URI_TOO_LONG',
    );
  });

  it('a 1024-byte secret grouped by spaces (2048 characters of text) still fits', () => {
    const secret = generateSecret({ bytes: 1024 });
    const grouped = secret.match(/.{1,4}/g)!.join(' ');
    expect(grouped).toHaveLength(2048);
    expect(parseOtpauthUri(buildOtpauthUri({ type: 'totp', secret: grouped, account: 'a' })).secret).toBe(
      secret,
    );
    expectRefusal(
      () => buildOtpauthUri({ type: 'totp', secret: `${grouped} `.repeat(2), account: 'a' }),
      'URI_TOO_LONG',
    );
  });
});

describe('round trips (fast-check)', () => {
  // Characters that break naive encoders, plus CJK, emoji (surrogate pairs, ZWJ sequences), combining marks.
  const tricky = fc.constantFrom(
    ':',
    '%',
    '&',
    '+',
    '#',
    '?',
    '/',
    '@',
    ' ',
    '=',
    "'",
    '(',
    ')',
    '*',
    '!',
    '~',
    '"',
    '<',
    '>',
    '\\',
    '中',
    '文',
    '银',
    '😀',
    '👩‍💻',
    '🇯🇵',
    'é',
    'e\u0301',
    'ß',
    'İ',
    '\u00a0',
    '%20',
    '%3A',
    '+%2B',
  );
  // Any code point but the refused ones (controls, bidirectional overrides), which get their own tests.
  const piece = fc.oneof(
    fc
      .string({ unit: 'binary', minLength: 1, maxLength: 4 })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
      .map((t) => t.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '.')),
    tricky,
  );
  const text = fc.array(piece, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));
  // Valid by construction: a letter at each end, no colon in the issuer.
  const issuer = text.map((t) => `I${t.replaceAll(':', '.')}I`);
  const account = text.map((t) => `a${t}z`);
  const params = fc
    .record(
      {
        type: fc.constantFrom('totp' as const, 'hotp' as const),
        secret: fc.constantFrom(SECRET, LONG_SECRET, 'MZXW6YTBOI', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'),
        issuer,
        account,
        algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
        digits: fc.integer({ min: 6, max: 10 }),
        period: fc.integer({ min: 1, max: 86_400 }),
        counter: fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      },
      { requiredKeys: ['type', 'secret', 'account', 'counter'] },
    )
    .map((p) => (p.issuer === undefined ? { ...p, account: p.account.replaceAll(':', '.') } : p));

  it('build→parse returns the same params for arbitrary Unicode issuers and accounts', () => {
    fc.assert(
      fc.property(params, (p) => {
        const uri = buildOtpauthUri(p);
        expect(uri).toMatch(/^[\x21-\x7e]+$/);
        expect(parseOtpauthUri(uri)).toStrictEqual(normalized(p));
      }),
      { numRuns: 1000 },
    );
  });

  it('any string is refused as issuer/account exactly when it breaks the documented rules, else round-trips', () => {
    // The rules of buildOtpauthUri's documentation, written out independently.
    const wellFormed = (t: string) =>
      !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t);
    const validText = (t: string) =>
      t.length > 0 &&
      wellFormed(t) &&
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
      !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(t) &&
      t.trim() === t;
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ maxLength: 12 }),
      fc.string({
        unit: fc.constantFrom(' ', ':', '\u3000', '\t', '\u202e', '\ud800', '\udc00', 'a', '中'),
        maxLength: 5,
      }),
      text,
    );
    fc.assert(
      fc.property(anyText, anyText, (i, a) => {
        const issuerOk = validText(i) && !i.includes(':');
        const accountOk = validText(a);
        const code = codeOf(() => buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: i, account: a }));
        expect(code).toBe(!issuerOk ? 'INVALID_ISSUER' : !accountOk ? 'INVALID_ACCOUNT' : 'no error');
        if (code === 'no error') {
          const uri = buildOtpauthUri({ type: 'totp', secret: SECRET, issuer: i, account: a });
          expect(parseOtpauthUri(uri)).toMatchObject({ issuer: i, account: a });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('lone surrogates are refused, never encoded', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0xd800, max: 0xdfff }), (t, unit) => {
        const bad = `a${String.fromCharCode(unit)}${t.replace(/[\ud800-\udfff]/g, '')}`;
        expect(codeOf(() => buildOtpauthUri({ type: 'totp', secret: SECRET, account: bad }))).toBe(
          'INVALID_ACCOUNT',
        );
      }),
    );
  });

  it("otpauth's URI.parse reads every URI we build with the same fields", () => {
    fc.assert(
      fc.property(params, (p) => {
        const otp = OTPAuth.URI.parse(buildOtpauthUri(p));
        const n = normalized(p);
        expect(otp.issuer).toBe(n.issuer ?? '');
        expect(otp.label).toBe(n.account);
        expect(otp.secret.base32.replace(/=+$/, '')).toBe(n.secret);
        expect(otp.algorithm).toBe(n.algorithm);
        expect(otp.digits).toBe(n.digits);
        if (otp instanceof OTPAuth.TOTP) expect(otp.period).toBe(n.period);
        // otpauth keeps counters as JS numbers: compare where they are exact.
        else if (typeof n.counter === 'number') expect(otp.counter).toBe(n.counter);
      }),
      { numRuns: 500 },
    );
  });
});

describe('interop: URIs written by other libraries', () => {
  it('otplib generateURI', () => {
    expect(
      parseOtpauthUri(
        otplibGenerateUri({
          issuer: 'ACME Co',
          label: 'alice+tag@example.com',
          secret: SECRET,
          algorithm: 'sha256',
          digits: 8,
          period: 60,
        }),
      ),
    ).toStrictEqual({
      type: 'totp',
      secret: SECRET,
      account: 'alice+tag@example.com',
      issuer: 'ACME Co',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    });
    expect(
      parseOtpauthUri(
        otplibGenerateUri({ strategy: 'hotp', issuer: '银行 😀', label: '李雷', secret: SECRET, counter: 5 }),
      ),
    ).toStrictEqual({
      type: 'hotp',
      secret: SECRET,
      account: '李雷',
      issuer: '银行 😀',
      algorithm: 'SHA1',
      digits: 6,
      counter: 5,
    });
  });

  it('otpauth TOTP/HOTP toString, with and without the issuer in the label', () => {
    const totp = new OTPAuth.TOTP({
      issuer: 'ACME Co',
      label: 'alice+tag@example.com',
      secret: SECRET,
      algorithm: 'SHA512',
      digits: 7,
      period: 45,
    });
    expect(parseOtpauthUri(totp.toString())).toStrictEqual({
      type: 'totp',
      secret: SECRET,
      account: 'alice+tag@example.com',
      issuer: 'ACME Co',
      algorithm: 'SHA512',
      digits: 7,
      period: 45,
    });
    const hotp = new OTPAuth.HOTP({ label: 'bob', secret: LONG_SECRET, counter: 3 });
    expect(parseOtpauthUri(hotp.toString())).toStrictEqual({
      type: 'hotp',
      secret: LONG_SECRET,
      account: 'bob',
      algorithm: 'SHA1',
      digits: 6,
      counter: 3,
    });
    const paramOnly = new OTPAuth.TOTP({
      issuer: 'Zoë & Co',
      issuerInLabel: false,
      label: 'zoë',
      secret: SECRET,
    });
    expect(parseOtpauthUri(paramOnly.toString())).toMatchObject({ issuer: 'Zoë & Co', account: 'zoë' });
  });

  it('speakeasy otpauthURL: raw spaces, plus signs and non-ASCII in the label', () => {
    const uri = speakeasy.otpauthURL({
      secret: SECRET,
      encoding: 'base32',
      label: 'ACME Co:alice+tag@example.com',
      issuer: 'ACME Co',
      algorithm: 'sha256',
      digits: 8,
      period: 60,
    });
    expect(uri).toContain('/ACME Co:alice+tag@'); // speakeasy 2 leaves the label unencoded
    expect(parseOtpauthUri(uri)).toStrictEqual({
      type: 'totp',
      secret: SECRET,
      account: 'alice+tag@example.com',
      issuer: 'ACME Co',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    });
    const ascii = speakeasy.otpauthURL({
      secret: '12345678901234567890',
      label: '银行:李雷',
      issuer: '银行',
    });
    expect(parseOtpauthUri(ascii)).toStrictEqual({
      type: 'totp',
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      account: '李雷',
      issuer: '银行',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
  });

  it('speakeasy HOTP URIs lack the required counter and are refused', () => {
    // speakeasy 2.0.0 checks options.counter but never writes it into the URI.
    const uri = speakeasy.otpauthURL({
      secret: SECRET,
      encoding: 'base32',
      label: 'bob',
      type: 'hotp' as 'htop', // @types/speakeasy misspells the type
      counter: 7,
    });
    expect(uri).not.toContain('counter');
    expectRefusal(() => parseOtpauthUri(uri), 'MISSING_COUNTER');
  });
});

describe('parseOtpauthUri: real-world URI shapes', () => {
  const totp = (extra: Partial<OtpauthParams>): OtpauthParams => ({
    type: 'totp',
    secret: SECRET,
    account: 'alice@google.com',
    issuer: 'Example',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    ...extra,
  });
  const table: Array<[string, string, OtpauthParams]> = [
    [
      'Key Uri Format example: issuer in both',
      'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
      totp({}),
    ],
    ['issuer only in the label', 'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP', totp({})],
    [
      'issuer only in the parameter',
      'otpauth://totp/alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
      totp({}),
    ],
    [
      'no issuer at all',
      'otpauth://totp/alice@google.com?secret=JBSWY3DPEHPK3PXP',
      (() => {
        const p = totp({});
        delete p.issuer;
        return p;
      })(),
    ],
    [
      'lowercase, spaced and padded secret',
      'otpauth://totp/Example:alice@google.com?secret=jbsw%20y3dp+ehpk-3pxp&issuer=Example',
      totp({}),
    ],
    [
      'padded secret, raw =',
      'otpauth://totp/Example:alice@google.com?secret=MZXW6YTBOI======&issuer=Example',
      totp({ secret: 'MZXW6YTBOI' }),
    ],
    [
      'image parameter and other unknown parameters',
      'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&image=https%3A%2F%2Fexample.com%2Flogo.png&color=%ZZ&foo',
      totp({}),
    ],
    [
      'SHA256, 8 digits, 60 s',
      'otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60',
      totp({
        secret: LONG_SECRET,
        issuer: 'ACME Co',
        account: 'john.doe@email.com',
        algorithm: 'SHA256',
        digits: 8,
        period: 60,
      }),
    ],
    [
      'every optional parameter at its default (Key Uri Format example)',
      'otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30',
      totp({ secret: LONG_SECRET, issuer: 'ACME Co', account: 'john.doe@email.com' }),
    ],
    [
      'encoded colon and spaces after it (Key Uri Format example)',
      'otpauth://totp/Big%20Corporation%3A%20alice%40bigco.com?secret=JBSWY3DPEHPK3PXP',
      totp({ issuer: 'Big Corporation', account: 'alice@bigco.com' }),
    ],
    [
      'literal colon and a literal space',
      'otpauth://totp/Provider1: Alice%20Smith?secret=JBSWY3DPEHPK3PXP',
      totp({ issuer: 'Provider1', account: 'Alice Smith' }),
    ],
    [
      'upper-case scheme, type and parameter names; lowercase algorithm',
      'OTPAUTH://TOTP/Example:alice@google.com?SECRET=JBSWY3DPEHPK3PXP&Issuer=Example&Algorithm=sha512&DIGITS=8',
      totp({ algorithm: 'SHA512', digits: 8 }),
    ],
    [
      'form-encoded issuer (+ for spaces) in label and parameter',
      'otpauth://totp/ACME+Co:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co',
      totp({ issuer: 'ACME Co' }),
    ],
    [
      'plus-addressed email in the label',
      'otpauth://totp/Example:alice+2fa@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
      totp({ account: 'alice+2fa@google.com' }),
    ],
    [
      'empty issuer parameter, trailing and doubled &',
      'otpauth://totp/Example:alice@google.com?&secret=JBSWY3DPEHPK3PXP&&issuer=&',
      totp({}),
    ],
    [
      'AWS-style account',
      'otpauth://totp/Amazon%20Web%20Services:root-account-mfa-device@123456789012?secret=JBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services',
      totp({ issuer: 'Amazon Web Services', account: 'root-account-mfa-device@123456789012' }),
    ],
    [
      'raw UTF-8 label (IRI)',
      'otpauth://totp/银行:李雷@例子.中国?secret=JBSWY3DPEHPK3PXP&issuer=%E9%93%B6%E8%A1%8C',
      totp({ issuer: '银行', account: '李雷@例子.中国' }),
    ],
    [
      // A raw emoji is a well-formed surrogate pair: not the lone surrogate the parser refuses.
      'raw emoji (surrogate pair) in the label',
      'otpauth://totp/Shop\u{1F6D2}:ann?secret=JBSWY3DPEHPK3PXP&issuer=Shop%F0%9F%9B%92',
      totp({ issuer: 'Shop\u{1F6D2}', account: 'ann' }),
    ],
    [
      'HOTP, counter 0',
      'otpauth://hotp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&counter=0',
      (() => {
        const p = totp({ type: 'hotp', counter: 0 });
        delete p.period;
        return p;
      })(),
    ],
    [
      'HOTP, counter above 2^53 (bigint)',
      'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615&period=abc',
      { type: 'hotp', secret: SECRET, account: 'a', algorithm: 'SHA1', digits: 6, counter: 2n ** 64n - 1n },
    ],
    [
      'TOTP ignores a counter parameter',
      'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&counter=-1',
      { type: 'totp', secret: SECRET, account: 'a', algorithm: 'SHA1', digits: 6, period: 30 },
    ],
  ];
  for (const [name, uri, expected] of table) {
    it(name, () => {
      expect(parseOtpauthUri(uri)).toStrictEqual(expected);
    });
  }

  it('returns plain objects with defaults applied', () => {
    const p = parseOtpauthUri('otpauth://totp/a?secret=JBSWY3DPEHPK3PXP');
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(Object.keys(p)).toEqual(['type', 'secret', 'account', 'algorithm', 'digits', 'period']);
    expect(OTPAUTH_DEFAULTS).toStrictEqual({ algorithm: 'SHA1', digits: 6, period: 30, maxLength: 2048 });
    expect(Object.isFrozen(OTPAUTH_DEFAULTS)).toBe(true);
  });
});

describe('parseOtpauthUri: refusals', () => {
  const ok = 'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example';
  const table: Array<[string, unknown, TwoSvErrorCode]> = [
    ['not a string', 42, 'INVALID_URI'],
    ['no scheme', 'Example:alice?secret=JBSWY3DPEHPK3PXP'.replace(':', ''), 'INVALID_URI'],
    ['empty', '', 'INVALID_URI'],
    ['no // after the scheme', 'otpauth:totp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    ['raw control character', 'otpauth://totp/a\n?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    ['raw NUL in a value', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&image=\0', 'INVALID_URI'],
    ['raw #', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP#&issuer=Evil', 'INVALID_URI'],
    ['raw lone surrogate', 'otpauth://totp/a\ud800?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    ['raw lone low surrogate', 'otpauth://totp/a\udc00?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    // Not a scheme at the start, though one follows: not a URI at all, rather than a wrong scheme.
    ['digit before the scheme', '1https://totp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    ['space before the scheme', ' otpauth://totp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    ['colon first', ':otpauth://totp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI'],
    ['https scheme', 'https://totp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI_SCHEME'],
    ['Google export scheme', 'otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8', 'INVALID_URI_SCHEME'],
    ['otpauth without the t', 'otpath://totp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_URI_SCHEME'],
    ['type motp', 'otpauth://motp/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_OTP_TYPE'],
    ['type steam', 'otpauth://steam/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_OTP_TYPE'],
    ['type missing', 'otpauth:///a?secret=JBSWY3DPEHPK3PXP', 'INVALID_OTP_TYPE'],
    ['type with a port', 'otpauth://totp:80/a?secret=JBSWY3DPEHPK3PXP', 'INVALID_OTP_TYPE'],
    [
      'malformed escape in the label',
      'otpauth://totp/a%ZZ?secret=JBSWY3DPEHPK3PXP',
      'INVALID_PERCENT_ENCODING',
    ],
    [
      'truncated escape in the label',
      'otpauth://totp/a%4?secret=JBSWY3DPEHPK3PXP',
      'INVALID_PERCENT_ENCODING',
    ],
    ['invalid UTF-8 in the label', 'otpauth://totp/a%E9?secret=JBSWY3DPEHPK3PXP', 'INVALID_PERCENT_ENCODING'],
    ['encoded surrogate', 'otpauth://totp/a%ED%A0%80?secret=JBSWY3DPEHPK3PXP', 'INVALID_PERCENT_ENCODING'],
    ['malformed escape in the issuer', `${ok}x%`, 'INVALID_PERCENT_ENCODING'],
    [
      'malformed escape in the secret',
      'otpauth://totp/a?secret=JBSW%G3DPEHPK3PXP',
      'INVALID_PERCENT_ENCODING',
    ],
    ['secret twice', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&secret=GEZDGNBV', 'DUPLICATE_PARAMETER'],
    [
      'secret twice, other case',
      'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&SECRET=GEZDGNBV',
      'DUPLICATE_PARAMETER',
    ],
    ['issuer twice', `${ok}&issuer=Example`, 'DUPLICATE_PARAMETER'],
    ['digits twice', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=6&digits=8', 'DUPLICATE_PARAMETER'],
    ['counter twice', 'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=1&counter=2', 'DUPLICATE_PARAMETER'],
    ['no secret', 'otpauth://totp/a?issuer=Example', 'MISSING_SECRET'],
    ['no query', 'otpauth://totp/a', 'MISSING_SECRET'],
    ['secret not base32', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PX1', 'INVALID_SECRET'],
    ['secret impossible length', 'otpauth://totp/a?secret=JBS', 'INVALID_SECRET'],
    ['secret padding in the middle', 'otpauth://totp/a?secret=JBSW=Y3DP', 'INVALID_SECRET'],
    ['secret empty', 'otpauth://totp/a?secret=', 'EMPTY_SECRET'],
    ['secret without =', 'otpauth://totp/a?secret', 'EMPTY_SECRET'],
    ['algorithm MD5', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5', 'INVALID_ALGORITHM'],
    ['algorithm SHA-256', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA-256', 'INVALID_ALGORITHM'],
    ['algorithm empty', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=', 'INVALID_ALGORITHM'],
    ['digits 5', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=5', 'INVALID_DIGITS'],
    ['digits 11', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=11', 'INVALID_DIGITS'],
    ['digits six', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=six', 'INVALID_DIGITS'],
    ['digits +6', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=%2B6', 'INVALID_DIGITS'],
    ['digits 6.0', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=6.0', 'INVALID_DIGITS'],
    ['digits empty', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=', 'INVALID_DIGITS'],
    ['period 0', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0', 'INVALID_PERIOD'],
    ['period -30', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=-30', 'INVALID_PERIOD'],
    ['period 1e3', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=1e3', 'INVALID_PERIOD'],
    ['period huge', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=99999999999999999', 'INVALID_PERIOD'],
    ['hotp without counter', 'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP', 'MISSING_COUNTER'],
    ['counter -1', 'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=-1', 'INVALID_COUNTER'],
    [
      'counter 2^64',
      'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551616',
      'INVALID_COUNTER',
    ],
    ['counter empty', 'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=', 'INVALID_COUNTER'],
    ['counter hex', 'otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=0x10', 'INVALID_COUNTER'],
    ['issuer spoofing', 'otpauth://totp/Evil:bob?secret=JBSWY3DPEHPK3PXP&issuer=Bank', 'ISSUER_MISMATCH'],
    [
      'issuer differs in case',
      'otpauth://totp/example:bob?secret=JBSWY3DPEHPK3PXP&issuer=Example',
      'ISSUER_MISMATCH',
    ],
    [
      'issuer colon in parameter',
      'otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&issuer=Ev%3Ail',
      'INVALID_ISSUER',
    ],
    [
      'issuer control character',
      'otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&issuer=Ev%0Ail',
      'INVALID_ISSUER',
    ],
    [
      'issuer bidi override',
      'otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&issuer=%E2%80%AEknaB',
      'INVALID_ISSUER',
    ],
    ['empty label', 'otpauth://totp/?secret=JBSWY3DPEHPK3PXP', 'INVALID_ACCOUNT'],
    ['no label', 'otpauth://totp?secret=JBSWY3DPEHPK3PXP', 'INVALID_ACCOUNT'],
    [
      'empty account after the prefix',
      'otpauth://totp/Example:%20?secret=JBSWY3DPEHPK3PXP',
      'INVALID_ACCOUNT',
    ],
    ['account with NUL', 'otpauth://totp/al%00ice?secret=JBSWY3DPEHPK3PXP', 'INVALID_ACCOUNT'],
  ];
  for (const [name, uri, code] of table) {
    it(`${name}: ${code}`, () => {
      expectRefusal(() => parseOtpauthUri(uri as string), code);
    });
  }

  it('refuses a URI over 2048 characters before any other check', () => {
    expectRefusal(() => parseOtpauthUri(`${ok}&image=${'x'.repeat(2048)}`), 'URI_TOO_LONG');
    expectRefusal(() => parseOtpauthUri(`https://${'\0'.repeat(3000)}`), 'URI_TOO_LONG');
    const exactly = `${ok}&image=`;
    expect(parseOtpauthUri(exactly + 'x'.repeat(2048 - exactly.length)).account).toBe('alice');
  });

  it('never puts the URI or the secret in a message', () => {
    const secret = 'GEZDGNBVGY3TQOJQ';
    for (const uri of [
      `otpauth://totp/Evil:bob?secret=${secret}&issuer=Bank`,
      `otpauth://totp/bob?secret=${secret}&secret=${secret}`,
      `otpauth://totp/bob?secret=${secret}1`,
      `otpauth://totp/bob?secret=${secret}%`,
    ]) {
      expectRefusal(() => parseOtpauthUri(uri), codeOf(() => parseOtpauthUri(uri)) as TwoSvErrorCode, [
        secret,
        'Evil',
        'Bank',
        'bob',
      ]);
    }
  });
});

describe('parseOtpauthUri: hostile parameter names', () => {
  const snapshot = () => ({
    names: Object.getOwnPropertyNames(Object.prototype).sort(),
    toString: Object.prototype.toString,
    valueOf: Object.prototype.valueOf,
    hasOwnProperty: Object.prototype.hasOwnProperty,
    constructor: Object.prototype.constructor,
  });

  it('never reach a prototype, and are ignored as unknown parameters', () => {
    const before = snapshot();
    const names = [
      '__proto__',
      '__PROTO__',
      'constructor',
      'prototype',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__defineGetter__',
      '__proto__[polluted]',
      'constructor.prototype.polluted',
      '__proto__%5Bpolluted%5D',
      'polluted',
    ];
    for (const name of names) {
      for (const uri of [
        `otpauth://totp/Example:alice?${name}=x&secret=JBSWY3DPEHPK3PXP&issuer=Example`,
        `otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&${name}=%7B%22polluted%22%3A1%7D&${name}=again`,
        `otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&${name}`,
      ]) {
        const p = parseOtpauthUri(uri);
        expect(p).toStrictEqual({
          type: 'totp',
          secret: SECRET,
          account: 'alice',
          issuer: 'Example',
          algorithm: 'SHA1',
          digits: 6,
          period: 30,
        });
        expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
      }
    }
    expect(snapshot()).toStrictEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(String({})).toBe('[object Object]');
  });

  it('labels and values named like prototype members are plain text', () => {
    const p = parseOtpauthUri(
      'otpauth://totp/__proto__:constructor?secret=JBSWY3DPEHPK3PXP&issuer=__proto__',
    );
    expect(p).toMatchObject({ issuer: '__proto__', account: 'constructor' });
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });
});

describe('otpauthCompatibility', () => {
  const base: OtpauthParams = { type: 'totp', secret: SECRET, issuer: 'ACME', account: 'alice' };
  const summary = (p: OtpauthParams | string) =>
    otpauthCompatibility(p).map((w) => `${w.app}/${w.parameter}/${w.effect}`);

  it('has nothing to say about the defaults', () => {
    expect(otpauthCompatibility(base)).toEqual([]);
    expect(otpauthCompatibility({ ...base, type: 'hotp', counter: 1 })).toEqual([]);
    expect(otpauthCompatibility(buildOtpauthUri(base))).toEqual([]);
  });

  it('flags SHA256/SHA512 for Google Authenticator, Microsoft Authenticator and Authy', () => {
    expect(summary({ ...base, algorithm: 'SHA256' })).toEqual([
      'Google Authenticator/algorithm/wrong-codes',
      'Microsoft Authenticator/algorithm/wrong-codes',
      'Authy/algorithm/wrong-codes',
    ]);
    expect(otpauthCompatibility({ ...base, algorithm: 'SHA512' })[0]?.problem).toBe(
      'ignores algorithm=SHA512 and shows SHA1 codes',
    );
  });

  it('flags 8 digits for Google (Android), Microsoft and Authy; 7, 9, 10 also for FreeOTP', () => {
    expect(summary({ ...base, digits: 8 })).toEqual([
      'Google Authenticator/digits/wrong-codes',
      'Microsoft Authenticator/digits/wrong-codes',
      'Authy/digits/wrong-codes',
    ]);
    for (const digits of [7, 9, 10]) {
      expect(summary({ ...base, digits })).toEqual([
        'Google Authenticator/digits/wrong-codes',
        'Microsoft Authenticator/digits/wrong-codes',
        'Authy/digits/wrong-codes',
        'FreeOTP/digits/refused',
      ]);
    }
  });

  it('flags a non-30 s period for TOTP only', () => {
    expect(summary({ ...base, period: 60 })).toEqual([
      'Google Authenticator/period/wrong-codes',
      'Microsoft Authenticator/period/wrong-codes',
      'Authy/period/wrong-codes',
    ]);
    expect(summary({ ...base, type: 'hotp', counter: 0, period: 60 })).toEqual([]);
  });

  it('accepts URIs, groups by parameter, and refuses what build or parse refuse', () => {
    const uri = 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=15&algorithm=SHA256&digits=9';
    expect(otpauthCompatibility(uri).map((w) => w.parameter)).toEqual([
      ...Array(3).fill('algorithm'),
      ...Array(4).fill('digits'),
      ...Array(3).fill('period'),
    ]);
    expect(codeOf(() => otpauthCompatibility({ ...base, digits: 11 }))).toBe('INVALID_DIGITS');
    expect(codeOf(() => otpauthCompatibility('https://example.com'))).toBe('INVALID_URI_SCHEME');
  });
});

// Found by mutation testing (test/MUTATION.md): edges the tests above did not reach.
describe('buildOtpauthUri and parseOtpauthUri: edges', () => {
  it('checks sizes before anything else, at the exact bound, with and without an issuer', () => {
    // An invalid secret shows which check ran first: URI_TOO_LONG only past the documented bound
    // (otpauth://totp/ + [issuer :] + account + ?secret= + 1 character + [&issuer= issuer] > 2048).
    const bad = '!!!!';
    for (const type of ['totp', 'hotp'] as const) {
      const extra = type === 'hotp' ? { counter: 0 } : {};
      const fits = 'a'.repeat(2048 - 15 - 8 - 1);
      expect(codeOf(() => buildOtpauthUri({ type, secret: bad, account: fits, ...extra }))).toBe(
        'INVALID_SECRET',
      );
      expect(codeOf(() => buildOtpauthUri({ type, secret: bad, account: `${fits}a`, ...extra }))).toBe(
        'URI_TOO_LONG',
      );
      // With an issuer of 2 characters: 15 + 2 + 1 + account + 8 + 1 + 8 + 2 = 2048.
      const withIssuer = 'a'.repeat(2048 - 15 - 2 - 1 - 8 - 1 - 8 - 2);
      const p = { type, secret: bad, issuer: 'IS', ...extra };
      expect(codeOf(() => buildOtpauthUri({ ...p, account: withIssuer }))).toBe('INVALID_SECRET');
      expect(codeOf(() => buildOtpauthUri({ ...p, account: `${withIssuer}a` }))).toBe('URI_TOO_LONG');
    }
    // The secret text: up to 4096 characters (separators included) are looked at, one more is refused.
    const spaced = `${SECRET}${' '.repeat(4096 - SECRET.length)}`;
    expect(buildOtpauthUri({ type: 'totp', secret: spaced, account: 'a' })).toBe(
      `otpauth://totp/a?secret=${SECRET}`,
    );
    expect(codeOf(() => buildOtpauthUri({ type: 'totp', secret: `${spaced} `, account: 'a' }))).toBe(
      'URI_TOO_LONG',
    );
  });

  it('refuses canonical-looking secrets that leave a partial byte, and secrets that are not strings', () => {
    // 6 characters past a multiple of 8 (like 1 and 3) hold bits that make no whole byte.
    for (const secret of ['JBSWY3', 'JBSWY3DPEHPK3P', 'J', 'JBS']) {
      expect(
        codeOf(() => buildOtpauthUri({ type: 'totp', secret, account: 'a' })),
        secret,
      ).toBe('INVALID_SECRET');
    }
    // Objects whose text is valid base32 are still not strings.
    for (const secret of [[SECRET], new String(SECRET), { toString: () => SECRET }]) {
      expect(codeOf(() => buildOtpauthUri({ type: 'totp', secret: secret as never, account: 'a' }))).toBe(
        'INVALID_SECRET',
      );
    }
  });

  it('parse refuses a String object, schemes of otpauth length, and a single slash', () => {
    expect(codeOf(() => parseOtpauthUri(new String(`otpauth://totp/a?secret=${SECRET}`) as never))).toBe(
      'INVALID_URI',
    );
    for (const scheme of ['otpauty', 'OTPAUTX', 'httpsxx']) {
      expect(
        codeOf(() => parseOtpauthUri(`${scheme}://totp/a?secret=${SECRET}`)),
        scheme,
      ).toBe('INVALID_URI_SCHEME');
    }
    expect(codeOf(() => parseOtpauthUri(`otpauth:/totp/a?secret=${SECRET}`))).toBe('INVALID_URI');
    expect(codeOf(() => parseOtpauthUri(`otpauth:x/totp/a?secret=${SECRET}`))).toBe('INVALID_URI');
  });

  it('the label ends at the query, even when a parameter value holds a slash', () => {
    // No label at all: the account is missing, whatever the image URL after it holds.
    expect(codeOf(() => parseOtpauthUri(`otpauth://totp?secret=${SECRET}&image=https://x.test/a.png`))).toBe(
      'INVALID_ACCOUNT',
    );
    expect(parseOtpauthUri(`otpauth://totp/alice?secret=${SECRET}&image=https://x.test/a.png`).account).toBe(
      'alice',
    );
  });

  it('a parameter without `=` has an empty value and ends at its `&`', () => {
    expect(codeOf(() => parseOtpauthUri(`otpauth://totp/a?digits&secret=${SECRET}`))).toBe('INVALID_DIGITS');
    expect(codeOf(() => parseOtpauthUri(`otpauth://totp/a?period&secret=${SECRET}`))).toBe('INVALID_PERIOD');
    expect(codeOf(() => parseOtpauthUri(`otpauth://totp/a?secret&secret=${SECRET}`))).toBe(
      'DUPLICATE_PARAMETER',
    );
    expect(parseOtpauthUri(`otpauth://totp/a?image&secret=${SECRET}`).secret).toBe(SECRET);
  });

  it('refuses every known parameter given twice, naming it', () => {
    for (const [name, value] of <Array<[string, string]>>[
      ['secret', SECRET],
      ['issuer', 'ACME'],
      ['algorithm', 'SHA1'],
      ['digits', '6'],
      ['period', '30'],
      ['counter', '1'],
    ]) {
      const uri = `otpauth://hotp/a?secret=${SECRET}&counter=0&${name}=${value}&${name.toUpperCase()}=${value}`;
      const once = `otpauth://hotp/a?secret=${SECRET}&counter=0&${name}=${value}`;
      if (name !== 'secret' && name !== 'counter') expect(() => parseOtpauthUri(once)).not.toThrow();
      expect(
        expectTwoSvError(() => parseOtpauthUri(uri), 'DUPLICATE_PARAMETER', { mentions: name }).message,
      ).toMatch(/at most once/);
    }
  });

  it('the label prefix and the issuer parameter are trimmed; an empty prefix names no issuer', () => {
    const a = parseOtpauthUri(`otpauth://totp/ACME%20:alice?secret=${SECRET}&issuer=ACME`);
    expect([a.issuer, a.account]).toEqual(['ACME', 'alice']);
    expect(parseOtpauthUri(`otpauth://totp/ACME%20:alice?secret=${SECRET}`).issuer).toBe('ACME');
    const b = parseOtpauthUri(`otpauth://totp/ACME:alice?secret=${SECRET}&issuer=%20ACME%20`);
    expect(b.issuer).toBe('ACME');
    expect(parseOtpauthUri(`otpauth://totp/alice?secret=${SECRET}&issuer=%20ACME%20`).issuer).toBe('ACME');
    // A leading `+` in a value is a space too (form encoding), then trimmed.
    expect(parseOtpauthUri(`otpauth://totp/alice?secret=${SECRET}&issuer=+ACME`).issuer).toBe('ACME');
    // `:alice`: the prefix is empty, so there is no issuer, and the account is what follows the colon.
    const c = parseOtpauthUri(`otpauth://totp/:alice?secret=${SECRET}`);
    expect(c).toEqual({
      type: 'totp',
      secret: SECRET,
      account: 'alice',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
    // With no issuer, the account may not hold a colon.
    expect(codeOf(() => parseOtpauthUri(`otpauth://totp/:a:b?secret=${SECRET}`))).toBe('INVALID_ACCOUNT');
    expect(parseOtpauthUri(`otpauth://totp/I:a:b?secret=${SECRET}`).account).toBe('a:b');
  });

  it('HOTP counters: a number up to 2^53 - 1 whatever its zeros, a bigint above', () => {
    const counter = (text: string) =>
      parseOtpauthUri(`otpauth://hotp/a?secret=${SECRET}&counter=${text}`).counter;
    expect(counter('00000000000000000005')).toBe(5);
    expect(counter('0000000000000005')).toBe(5);
    expect(counter('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(counter('009007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(counter('9007199254740992')).toBe(9007199254740992n);
    expect(counter('9007199254740993')).toBe(9007199254740993n);
    expect(counter('18446744073709551615')).toBe(2n ** 64n - 1n);
    expect(codeOf(() => counter('18446744073709551616'))).toBe('INVALID_COUNTER');
  });

  it('messages name the parameter and the rule broken', () => {
    const base: OtpauthParams = { type: 'totp', secret: SECRET, account: 'alice' };
    const cases: Array<[() => unknown, TwoSvErrorCode, RegExp]> = [
      [() => buildOtpauthUri(null as never), 'INVALID_OPTION', /params must be an object/],
      [
        () => buildOtpauthUri({ ...base, type: 'x' as never }),
        'INVALID_OTP_TYPE',
        /type must be 'totp' or 'hotp'/,
      ],
      [
        () => buildOtpauthUri({ ...base, secret: undefined as never }),
        'MISSING_SECRET',
        /secret is required/,
      ],
      [() => buildOtpauthUri({ ...base, secret: '1' }), 'INVALID_SECRET', /secret must be .*base32/],
      [() => buildOtpauthUri({ ...base, secret: '==' }), 'EMPTY_SECRET', /secret must not be empty/],
      [() => buildOtpauthUri({ ...base, issuer: 1 as never }), 'INVALID_ISSUER', /issuer must be a string/],
      [() => buildOtpauthUri({ ...base, issuer: '' }), 'INVALID_ISSUER', /issuer must not be empty/],
      [() => buildOtpauthUri({ ...base, issuer: 'a\u202eb' }), 'INVALID_ISSUER', /issuer .*bidirectional/],
      [() => buildOtpauthUri({ ...base, issuer: 'a\0b' }), 'INVALID_ISSUER', /issuer .*control/],
      [() => buildOtpauthUri({ ...base, issuer: ' a' }), 'INVALID_ISSUER', /issuer .*whitespace/],
      [() => buildOtpauthUri({ ...base, issuer: 'a:b' }), 'INVALID_ISSUER', /issuer .*colon/],
      [
        () => buildOtpauthUri({ ...base, account: 1 as never }),
        'INVALID_ACCOUNT',
        /account must be a string/,
      ],
      [() => buildOtpauthUri({ ...base, account: '' }), 'INVALID_ACCOUNT', /account must not be empty/],
      [() => buildOtpauthUri({ ...base, account: 'a:b' }), 'INVALID_ACCOUNT', /account .*colon .*no issuer/],
      [() => buildOtpauthUri({ ...base, type: 'hotp' }), 'MISSING_COUNTER', /counter is required/],
      [() => buildOtpauthUri({ ...base, account: 'a'.repeat(3000) }), 'URI_TOO_LONG', /longer than 2048/],
      // Past the size check, but too long once the issuer is percent-encoded.
      [() => buildOtpauthUri({ ...base, issuer: 'é'.repeat(300) }), 'URI_TOO_LONG', /longer than 2048/],
      [() => parseOtpauthUri(1 as never), 'INVALID_URI', /uri must be a string/],
      [() => parseOtpauthUri('x'.repeat(2049)), 'URI_TOO_LONG', /at most 2048/],
      [() => parseOtpauthUri('1x'), 'INVALID_URI', /must start with otpauth:\/\//],
      [() => parseOtpauthUri('https://x'), 'INVALID_URI_SCHEME', /scheme must be otpauth/],
      [() => parseOtpauthUri('otpauth:x'), 'INVALID_URI', /must start with otpauth:\/\//],
      [() => parseOtpauthUri('otpauth://totp/\0'), 'INVALID_URI', /control characters/],
      [() => parseOtpauthUri('otpauth://motp/a'), 'INVALID_OTP_TYPE', /type must be 'totp' or 'hotp'/],
      [() => parseOtpauthUri('otpauth://totp/%E9?secret=A'), 'INVALID_PERCENT_ENCODING', /label .*percent/],
      [() => parseOtpauthUri('otpauth://totp/a?issuer=%E9'), 'INVALID_PERCENT_ENCODING', /issuer .*percent/],
      [() => parseOtpauthUri('otpauth://totp/a?secret=%E9'), 'INVALID_PERCENT_ENCODING', /secret .*percent/],
      [
        () => parseOtpauthUri(`otpauth://totp/a?secret=${SECRET}&algorithm=%E9`),
        'INVALID_PERCENT_ENCODING',
        /algorithm .*percent/,
      ],
      [
        () => parseOtpauthUri(`otpauth://totp/a?secret=${SECRET}&digits=%E9`),
        'INVALID_PERCENT_ENCODING',
        /digits .*percent/,
      ],
      [
        () => parseOtpauthUri(`otpauth://totp/a?secret=${SECRET}&period=%E9`),
        'INVALID_PERCENT_ENCODING',
        /period .*percent/,
      ],
      [
        () => parseOtpauthUri(`otpauth://hotp/a?secret=${SECRET}&counter=%E9`),
        'INVALID_PERCENT_ENCODING',
        /counter .*percent/,
      ],
      [
        () => parseOtpauthUri('otpauth://totp/A:a?issuer=B'),
        'ISSUER_MISMATCH',
        /label prefix and the issuer parameter/,
      ],
      [() => parseOtpauthUri('otpauth://totp/a?issuer=B'), 'MISSING_SECRET', /secret parameter is required/],
      [() => parseOtpauthUri(`otpauth://hotp/a?secret=${SECRET}`), 'MISSING_COUNTER', /counter parameter/],
    ];
    for (const [call, code, words] of cases) {
      expect(expectTwoSvError(call, code).message, String(words)).toMatch(words);
    }
  });
});

describe('otpauthCompatibility: the problems', () => {
  const base: OtpauthParams = { type: 'totp', secret: SECRET, account: 'alice' };
  it('each problem names the parameter and its value; iOS is mentioned only for digits other than 8', () => {
    for (const params of [
      { ...base, algorithm: 'SHA256' as const },
      { ...base, digits: 7 },
      { ...base, digits: 8 },
      { ...base, digits: 10 },
      { ...base, period: 60 },
    ]) {
      const warnings = otpauthCompatibility(params);
      expect(warnings.length).toBeGreaterThan(0);
      for (const w of warnings) {
        const value = params[w.parameter as keyof typeof params];
        expect(w.problem, `${w.app} ${w.parameter}`).toContain(`${w.parameter}=${String(value)}`);
      }
      const google = warnings.find((w) => w.app === 'Google Authenticator' && w.parameter === 'digits');
      if (params.digits !== undefined) {
        expect(google?.problem).toContain('Android');
        if (params.digits === 8) expect(google?.problem).not.toContain('iOS');
        else expect(google?.problem).toContain('iOS supports only 6 or 8');
      }
      const freeOtp = warnings.find((w) => w.app === 'FreeOTP');
      if (freeOtp) expect(freeOtp.problem).toContain('only 6 or 8');
      const period = warnings.find((w) => w.parameter === 'period');
      if (period) expect(period.problem).toContain('30-second');
    }
  });
});
