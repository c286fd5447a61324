// Messages: known texts in both locales, then every reason of the engine's results in every locale, SMS
// segment lengths for the longest brand, overrides and new locales, then bad input.
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CodeMessage, SendRefusal, VerifyFailure } from '../src/enrollment.js';
import { TwoSvError } from '../src/errors.js';
import {
  createMessages,
  MESSAGE_CATALOGS,
  type MessageKey,
  type MessageResult,
  pickLocale,
  type ThrottleLimit,
} from '../src/messages.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TwoSvError ? err.code : 'not a TwoSvError';
  }
  return undefined;
}

const AT = Date.UTC(2026, 10, 29, 6, 0); // 14:00 in Shanghai
const LOCALES = ['en', 'zh-CN'] as const;
const PURPOSES = ['sign-in', 'enrollment', 'contact'] as const;
const CHANNELS = ['sms', 'voice', 'email'] as const;

// Every reason and limit of the engine's result types. The type assertions fail to compile if the engine
// adds one that is not listed here, so this list (and the results below) cannot silently fall behind.
const VERIFY_REASONS = [
  'invalid',
  'replayed',
  'attempts-exhausted',
  'expired',
  'no-challenge',
  'locked',
] as const;
const LIMITS = [
  'cooldown',
  'user-hour',
  'user-day',
  'contact-hour',
  'contact-day',
  'destination-hour',
  'destination-day',
] as const;
expectTypeOf<(typeof VERIFY_REASONS)[number]>().toEqualTypeOf<VerifyFailure['reason']>();
expectTypeOf<(typeof LIMITS)[number]>().toEqualTypeOf<ThrottleLimit>();
expectTypeOf<SendRefusal['reason']>().toEqualTypeOf<'locked' | 'throttled'>();

const RESULTS: readonly MessageResult[] = [
  { ok: true },
  ...VERIFY_REASONS.map((reason): VerifyFailure => {
    if (reason === 'invalid' || reason === 'replayed') return { ok: false, reason, attemptsLeft: 3 };
    if (reason === 'locked') return { ok: false, reason, lockedUntil: AT + 1_800_000 };
    return { ok: false, reason };
  }),
  ...LIMITS.map((limit): SendRefusal => ({ ok: false, reason: 'throttled', limit, retryAt: AT + 60_000 })),
];

const HAN = /\p{Script=Han}/u;

function message(over: Partial<CodeMessage> = {}): CodeMessage {
  return {
    userId: 'u',
    channel: 'sms',
    to: '+8613800138000',
    code: '123456',
    purpose: 'sign-in',
    expiresAt: AT + 600_000,
    ...over,
  };
}

describe('known texts', () => {
  const messages = createMessages({ brand: { en: 'ACME', 'zh-CN': '淘宝卖家' }, timeZone: 'Asia/Shanghai' });

  it.each([
    [
      'en',
      'sms',
      'ACME: 123456 is your sign-in code. It expires in 10 minutes. Never share it: ACME staff never ask for it.',
    ],
    ['zh-CN', 'sms', '【淘宝卖家】验证码123456，用于登录，10分钟内有效。请勿泄露，工作人员不会索取。'],
    ['en', 'voice', 'This is ACME. Your sign-in code is: 1, 2, 3, 4, 5, 6. Again: 1, 2, 3, 4, 5, 6.'],
    [
      'zh-CN',
      'voice',
      '您好，这里是淘宝卖家。您用于登录的验证码是：幺，二，三，四，五，六。重复一遍：幺，二，三，四，五，六。',
    ],
  ] as const)('%s %s', (locale, channel, text) => {
    expect(messages.codeText(message({ channel }), { locale, at: AT })).toBe(text);
  });

  it.each([
    [
      { ok: false, reason: 'invalid', attemptsLeft: 2 },
      'That code is not right. 2 tries left.',
      '验证码错误，还可尝试2次。',
    ],
    [
      { ok: false, reason: 'invalid', attemptsLeft: 1 },
      'That code is not right. 1 try left.',
      '验证码错误，还可尝试1次。',
    ],
    [
      { ok: false, reason: 'expired' },
      'That code has expired. Ask for a new code.',
      '验证码已过期，请重新获取。',
    ],
    [
      { ok: false, reason: 'locked', lockedUntil: Date.UTC(2026, 10, 29, 6, 30) },
      'Too many failed attempts. For your security, try again after Nov 29, 14:30 GMT+8.',
      '验证失败次数过多，为保护账号安全，请于11月29日 GMT+8 14:30后再试。',
    ],
    [
      { ok: false, reason: 'throttled', limit: 'user-day', retryAt: Date.UTC(2026, 10, 30, 0, 0) },
      'You asked for too many codes today. Try again after Nov 30, 08:00 GMT+8.',
      '今日获取验证码的次数已达上限，请于11月30日 GMT+8 08:00后再试。',
    ],
  ] as const)('%o', (result, english, chinese) => {
    expect(messages.resultText(result, { locale: 'en' })).toBe(english);
    expect(messages.resultText(result, { locale: 'zh-CN' })).toBe(chinese);
  });

  it('the time zone comes from the call, then the options', () => {
    const result = { ok: false, reason: 'locked', lockedUntil: Date.UTC(2026, 10, 29, 6, 30) } as const;
    expect(messages.resultText(result, { locale: 'en', timeZone: 'Europe/London' })).toContain('06:30 GMT');
    expect(messages.resultText(result, { locale: 'en', timeZone: 'America/New_York' })).toContain(
      '01:30 EST',
    );
    expect(createMessages({ brand: 'ACME' }).resultText(result)).toContain('06:30 UTC');
  });

  it('minutes left are counted from `at`, rounded up, at least 1', () => {
    const text = (expiresAt: number) =>
      messages.codeText(message({ expiresAt }), { locale: 'zh-CN', at: AT });
    expect(text(AT + 299_000)).toContain('5分钟');
    expect(text(AT + 1)).toContain('1分钟');
    expect(text(AT - 5_000)).toContain('1分钟');
  });
});

describe('every reason has text in every locale', () => {
  const messages = createMessages({ brand: 'ACME' });

  it('the built-in catalogues have the same keys', () => {
    expect(Object.keys(MESSAGE_CATALOGS['zh-CN']).sort()).toEqual(Object.keys(MESSAGE_CATALOGS.en).sort());
  });

  it.each(LOCALES)('%s: each result has its own sentence', (locale) => {
    const texts = RESULTS.map((r) => messages.resultText(r, { locale }));
    for (const t of texts) {
      expect(t.length).toBeGreaterThan(3);
      expect(t).not.toMatch(/undefined|NaN|\[object|\$\{/);
      expect(HAN.test(t)).toBe(locale === 'zh-CN');
    }
    expect(new Set(texts).size).toBe(texts.length);
  });

  it.each(LOCALES)('%s: each code text carries the code and its purpose', (locale) => {
    const texts = new Set<string>();
    for (const channel of CHANNELS)
      for (const purpose of PURPOSES) {
        const t = messages.codeText(message({ channel, purpose, code: '907153' }), { locale, at: AT });
        texts.add(t);
        if (channel === 'voice') expect(t).not.toContain('907153');
        else expect(t).toContain('907153');
        expect(HAN.test(t)).toBe(locale === 'zh-CN');
      }
    expect(texts.size).toBe(CHANNELS.length * PURPOSES.length);
  });

  it('voice reads each digit on its own, in order, twice', () => {
    const zhDigits = '零幺二三四五六七八九';
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{6,10}$/), (digits) => {
        const en = messages.codeText(message({ channel: 'voice', code: digits }), { locale: 'en', at: AT });
        expect(en).toContain(`: ${[...digits].join(', ')}. Again: ${[...digits].join(', ')}.`);
        const zh = messages.codeText(message({ channel: 'voice', code: digits }), {
          locale: 'zh-CN',
          at: AT,
        });
        const spoken = [...digits].map((d) => zhDigits[Number(d)]).join('，');
        expect(zh).toContain(`：${spoken}。重复一遍：${spoken}。`);
        expect(zh).not.toMatch(/[0-9]/);
      }),
    );
  });
});

describe('SMS segments', () => {
  // The longest brand allowed (12 characters), the longest code (10 digits), the longest lifetime (60 min).
  const longest = { code: '1234567890', expiresAt: AT + 3_600_000 };

  it('the Chinese SMS starts with the signature in 【】 and fits one 70-character UCS-2 segment', () => {
    for (const brand of ['淘宝卖家', '极客商城跨境电商服务中心', '𠀀𠀀𠀀𠀀𠀀𠀀']) {
      // 12 UTF-16 code units each (the astral one counts two per character, as a segment does)
      const messages = createMessages({ brand: { en: 'ACME', 'zh-CN': brand } });
      for (const purpose of PURPOSES) {
        const text = messages.codeText(message({ ...longest, purpose }), { locale: 'zh-CN', at: AT });
        expect(text.startsWith(`【${brand}】`)).toBe(true);
        expect(text.length).toBeLessThanOrEqual(70); // UTF-16 code units: what UCS-2 segments count
        expect(text).toContain('60分钟');
      }
    }
  });

  it('the English SMS fits one 160-character GSM-7 segment with a 12-letter brand', () => {
    const gsm7 = /^[A-Za-z0-9 @£$¥èéùìòÇØøÅå_ÆæßÉ!"#%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà]*$/;
    const messages = createMessages({ brand: 'ACME Sellers' });
    for (const purpose of PURPOSES) {
      const text = messages.codeText(message({ ...longest, purpose }), { locale: 'en', at: AT });
      expect(text).toMatch(gsm7);
      expect(text.length).toBeLessThanOrEqual(160);
    }
  });

  it('a brand longer than 12 characters is refused', () => {
    expect(code(() => createMessages({ brand: '极客商城跨境电商服务中心店' }))).toBe('INVALID_OPTION');
  });
});

describe('locales', () => {
  it.each([
    ['zh-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-SG', 'zh-CN'],
    ['zh-cn', 'zh-CN'],
    ['en-GB', 'en'],
    ['en', 'en'],
    ['zh-TW', 'en'], // Traditional: the default, until an app adds it
    ['zh-Hant-HK', 'en'],
    ['fr', 'en'],
  ])('%s → %s', (tag, locale) => {
    expect(createMessages({ brand: 'ACME' }).resolveLocale(tag)).toBe(locale);
  });

  it('a list of tags is tried in order; nothing gives the default', () => {
    const messages = createMessages({ brand: 'ACME', defaultLocale: 'zh-CN' });
    expect(messages.resolveLocale(['fr', 'en-US'])).toBe('en');
    expect(messages.resolveLocale(undefined)).toBe('zh-CN');
    expect(messages.resolveLocale([])).toBe('zh-CN');
    expect(messages.locales).toEqual(['zh-CN', 'en']);
  });

  it.each([
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['zh-TW,zh;q=0.8,en;q=0.5', 'zh-CN'], // zh (Simplified by default) is the best fit
    ['fr;q=0.9, zh;q=0.5', 'zh-CN'],
    ['de, en;q=0', undefined], // q=0: not acceptable
    ['*', undefined],
    ['', undefined],
    ['not a tag!!, en', 'en'],
  ])('Accept-Language %j → %s', (header, locale) => {
    expect(pickLocale(header, ['en', 'zh-CN'])).toBe(locale);
  });
});

describe('overrides and added locales', () => {
  it('overrides one key of a built-in locale and keeps the rest', () => {
    const messages = createMessages({
      brand: 'ACME',
      locales: { 'zh-CN': { 'verify.ok': () => '欢迎回来！' } },
    });
    expect(messages.resultText({ ok: true }, { locale: 'zh' })).toBe('欢迎回来！');
    expect(messages.resultText({ ok: false, reason: 'expired' }, { locale: 'zh' })).toBe(
      '验证码已过期，请重新获取。',
    );
    expect(MESSAGE_CATALOGS['zh-CN']['verify.ok']({})).toBe('验证成功。'); // the built-in is untouched
  });

  it('adds a locale with every key, and resolves tags to it', () => {
    const ja = Object.fromEntries(
      Object.keys(MESSAGE_CATALOGS.en).map((k) => [k, () => `ja:${k}`]),
    ) as unknown as typeof MESSAGE_CATALOGS.en;
    const messages = createMessages({ brand: 'ACME', locales: { ja } });
    expect(messages.locales).toEqual(['en', 'zh-CN', 'ja']);
    for (const r of RESULTS) expect(messages.resultText(r, { locale: 'ja-JP' })).toMatch(/^ja:/);
    expect(messages.text('code.sent', { to: '138****8000', channel: 'sms' }, { locale: 'ja' })).toBe(
      'ja:code.sent',
    );
  });

  it('refuses an added locale that lacks keys, naming them', () => {
    try {
      createMessages({ brand: 'ACME', locales: { fr: { 'verify.ok': () => 'Vérifié.' } } });
      expect.unreachable();
    } catch (err) {
      expect((err as TwoSvError).code).toBe('INVALID_OPTION');
      expect((err as Error).message).toContain('verify.invalid');
    }
  });

  it('refuses unknown keys and non-functions', () => {
    expect(code(() => createMessages({ brand: 'A', locales: { en: { nope: () => '' } as never } }))).toBe(
      'INVALID_OPTION',
    );
    expect(code(() => createMessages({ brand: 'A', locales: { en: { 'verify.ok': 'x' } as never } }))).toBe(
      'INVALID_OPTION',
    );
  });

  it('the message keys are exactly the catalogue keys', () => {
    const keys: MessageKey[] = Object.keys(MESSAGE_CATALOGS.en) as MessageKey[];
    expect(keys).toContain('throttled.destination-day');
    expect(keys).toContain('verify.no-challenge');
    expect(keys.length).toBe(3 + 1 + 1 + 1 + (VERIFY_REASONS.length - 1) + LIMITS.length);
  });
});

describe('bad input', () => {
  it.each([
    ['empty brand', { brand: '' }],
    ['brackets in brand', { brand: '【ACME】' }],
    ['edge space', { brand: ' ACME' }],
    ['control character', { brand: 'AC\u0000ME' }],
    ['bidi override', { brand: 'AC\u202eME' }],
    ['brand not naming the default locale', { brand: { 'zh-CN': '淘宝' } }],
    ['brand of another type', { brand: 42 }],
    ['bad time zone', { brand: 'ACME', timeZone: 'Mars/Olympus' }],
    ['malformed default locale', { brand: 'ACME', defaultLocale: 'not a tag!!' }],
    ['default locale without catalogue', { brand: 'ACME', defaultLocale: 'fr' }],
    ['not an object', 'ACME'],
  ])('createMessages refuses %s', (_, options) => {
    expect(code(() => createMessages(options as never))).toBe('INVALID_OPTION');
  });

  const messages = createMessages({ brand: 'ACME' });

  it.each([
    ['short code', { code: '12345' }],
    ['letters', { code: '12345a' }],
    ['full-width digits', { code: '１２３４５６' }],
    ['unknown purpose', { purpose: 'marketing' }],
    ['unknown channel', { channel: 'fax' }],
    ['NaN expiry', { expiresAt: Number.NaN }],
  ])('codeText refuses %s, without repeating the code', (_, over) => {
    try {
      messages.codeText(message(over as Partial<CodeMessage>), { at: AT });
      expect.unreachable();
    } catch (err) {
      expect((err as TwoSvError).code).toBe('INVALID_OPTION');
      expect((err as Error).message).not.toMatch(/12345/);
    }
  });

  it('refuses a malformed locale or time zone per call', () => {
    expect(code(() => messages.resultText({ ok: true }, { locale: 'not a tag!!' }))).toBe('INVALID_OPTION');
    const locked = { ok: false, reason: 'locked', lockedUntil: AT } as const;
    expect(code(() => messages.resultText(locked, { timeZone: 'Nowhere' }))).toBe('INVALID_OPTION');
    expect(code(() => messages.resultText({ ...locked, lockedUntil: Number.NaN }))).toBe('INVALID_OPTION');
  });
});

describe('the locale on a CodeMessage', () => {
  const messages = createMessages({ brand: { en: 'ACME', 'zh-CN': '淘宝卖家' } });
  const at = Date.UTC(2026, 10, 29, 6, 0);
  const base = { channel: 'sms', code: '123456', purpose: 'sign-in', expiresAt: at + 600_000 } as const;
  it('picks the text when the call gives none, and yields to the call', () => {
    expect(messages.codeText({ ...base, locale: 'zh-CN' }, { at })).toMatch(/^【淘宝卖家】验证码123456/);
    expect(messages.codeText({ ...base, locale: 'zh-CN' }, { at, locale: 'en' })).toMatch(/^ACME: /);
    expect(messages.codeText(base, { at })).toBe(messages.codeText({ ...base, locale: 'en' }, { at }));
  });
});
