/**
 * Ready text for what users read, in English and Simplified Chinese: the code sent by SMS, voice or e-mail,
 * and a sentence for each verification result and send refusal. Optional: the engine never needs it.
 * @module
 */
import type { CodeChannel, CodeMessage, CodePurpose, SendRefusal, VerifyFailure } from './enrollment.js';
import { TwoSvError } from './errors.js';

/** The limits a throttled send can hit (`SendRefusal['limit']`). */
export type ThrottleLimit = Extract<SendRefusal, { reason: 'throttled' }>['limit'];

/** What a code text gets: `brand` is the sender's name for the locale, `minutes` the code's lifetime left. */
export interface CodeTextParams {
  readonly brand: string;
  /** The code, 6 to 10 ASCII digits. */
  readonly code: string;
  readonly purpose: CodePurpose;
  /** Whole minutes until the code expires, at least 1. */
  readonly minutes: number;
}

/**
 * The parameters of each message, by key. Keys follow the engine's result types, so a reason added to
 * {@link VerifyFailure} or a limit added to {@link SendRefusal} adds a key here, and a catalogue without
 * text for it no longer type-checks. Times (`until`, `retryAt`) arrive formatted in the reader's locale and
 * time zone.
 */
export type MessageParams = {
  /** The SMS carrying the code. */
  'code.sms': CodeTextParams;
  /** What a voice call reads out: the code digit by digit. */
  'code.voice': CodeTextParams;
  /** The e-mail body carrying the code. */
  'code.email': CodeTextParams;
  /** Shown after a send: where the code went (`to` is masked). */
  'code.sent': { readonly to: string; readonly channel: CodeChannel };
  /** A code was accepted. */
  'verify.ok': Record<string, never>;
  /** A send or a verification refused while the user is locked out. */
  locked: { readonly until: string };
} & {
  readonly [R in Extract<VerifyFailure, { attemptsLeft: number }>['reason'] as `verify.${R}`]: {
    readonly attemptsLeft: number;
  };
} & {
  readonly [R in Exclude<
    VerifyFailure['reason'],
    'locked' | 'invalid' | 'replayed'
  > as `verify.${R}`]: Record<string, never>;
} & {
  readonly [L in ThrottleLimit as `throttled.${L}`]: { readonly retryAt: string };
};

/** A message's key, such as `'verify.invalid'` or `'throttled.cooldown'`. */
export type MessageKey = keyof MessageParams;

/** The text of every message in one locale: one function per key. */
export type MessageCatalog = { readonly [K in MessageKey]: (params: MessageParams[K]) => string };

const enMinutes = (n: number) => (n === 1 ? '1 minute' : `${n} minutes`);
const enTries = (n: number) => (n === 0 ? 'No tries left.' : n === 1 ? '1 try left.' : `${n} tries left.`);
const enPurpose: Readonly<Record<CodePurpose, string>> = {
  'sign-in': 'sign-in code',
  enrollment: 'code to set up two-step verification',
  contact: 'code to verify this contact',
};

/** English. */
const en: MessageCatalog = {
  'code.sms': (p) =>
    `${p.brand}: ${p.code} is your ${enPurpose[p.purpose]}. It expires in ${enMinutes(p.minutes)}. ` +
    `Never share it: ${p.brand} staff never ask for it.`,
  // Digits separated by commas: text-to-speech reads them one by one, with a pause, not as a number.
  'code.voice': (p) => {
    const digits = [...p.code].join(', ');
    return `This is ${p.brand}. Your ${enPurpose[p.purpose]} is: ${digits}. Again: ${digits}.`;
  },
  'code.email': (p) =>
    `Your ${p.brand} ${enPurpose[p.purpose]} is ${p.code}. It expires in ${enMinutes(p.minutes)}. ` +
    `If you did not ask for it, ignore this e-mail; never share the code.`,
  'code.sent': (p) =>
    p.channel === 'voice' ? `We are calling ${p.to} with a code.` : `We sent a code to ${p.to}.`,
  'verify.ok': () => 'Verified.',
  'verify.invalid': (p) => `That code is not right. ${enTries(p.attemptsLeft)}`,
  'verify.replayed': (p) =>
    `That code was already used. Wait for the next code in your app. ${enTries(p.attemptsLeft)}`,
  'verify.attempts-exhausted': () => 'Too many wrong codes. Ask for a new code.',
  'verify.expired': () => 'That code has expired. Ask for a new code.',
  'verify.no-challenge': () => 'There is no code to check. Ask for a new code.',
  locked: (p) => `Too many failed attempts. For your security, try again after ${p.until}.`,
  'throttled.cooldown': (p) => `Please wait a moment before asking for another code (after ${p.retryAt}).`,
  'throttled.user-hour': (p) => `You asked for too many codes this hour. Try again after ${p.retryAt}.`,
  'throttled.user-day': (p) => `You asked for too many codes today. Try again after ${p.retryAt}.`,
  'throttled.contact-hour': (p) =>
    `You asked for too many contact check codes this hour. Try again after ${p.retryAt}.`,
  'throttled.contact-day': (p) =>
    `You asked for too many contact check codes today. Try again after ${p.retryAt}.`,
  'throttled.destination-hour': (p) =>
    `Too many codes were sent to this number or address this hour. Try again after ${p.retryAt}.`,
  'throttled.destination-day': (p) =>
    `Too many codes were sent to this number or address today. Try again after ${p.retryAt}.`,
};

const zhPurpose: Readonly<Record<CodePurpose, string>> = {
  'sign-in': '登录',
  enrollment: '绑定验证设备',
  contact: '验证联系方式',
};
// 幺 for 1, as numbers are read aloud in Chinese, so that 一 (yī) is not heard as 七 (qī).
const zhDigits = ['零', '幺', '二', '三', '四', '五', '六', '七', '八', '九'];

/** Simplified Chinese (mainland). */
const zhCN: MessageCatalog = {
  // Mainland SMS rules: the sender's signature in 【】 first. The longest text (12-character brand, 10-digit
  // code, the longest purpose, 60 minutes) is 59 characters: one 70-character UCS-2 segment.
  'code.sms': (p) =>
    `【${p.brand}】验证码${p.code}，用于${zhPurpose[p.purpose]}，${p.minutes}分钟内有效。请勿泄露，工作人员不会索取。`,
  'code.voice': (p) => {
    const digits = [...p.code].map((d) => zhDigits[Number(d)]).join('，');
    return `您好，这里是${p.brand}。您用于${zhPurpose[p.purpose]}的验证码是：${digits}。重复一遍：${digits}。`;
  },
  'code.email': (p) =>
    `您在${p.brand}用于${zhPurpose[p.purpose]}的验证码是${p.code}，${p.minutes}分钟内有效。` +
    '如非本人操作，请忽略本邮件；请勿将验证码告诉他人。',
  'code.sent': (p) => (p.channel === 'voice' ? `我们将致电${p.to}播报验证码。` : `验证码已发送至${p.to}。`),
  'verify.ok': () => '验证成功。',
  'verify.invalid': (p) => `验证码错误，还可尝试${p.attemptsLeft}次。`,
  'verify.replayed': (p) => `该验证码已使用过，请等待验证器应用显示新的验证码。还可尝试${p.attemptsLeft}次。`,
  'verify.attempts-exhausted': () => '验证码错误次数过多，请重新获取验证码。',
  'verify.expired': () => '验证码已过期，请重新获取。',
  'verify.no-challenge': () => '没有待验证的验证码，请重新获取。',
  locked: (p) => `验证失败次数过多，为保护账号安全，请于${p.until}后再试。`,
  'throttled.cooldown': (p) => `获取验证码过于频繁，请于${p.retryAt}后再试。`,
  'throttled.user-hour': (p) => `本小时获取验证码的次数已达上限，请于${p.retryAt}后再试。`,
  'throttled.user-day': (p) => `今日获取验证码的次数已达上限，请于${p.retryAt}后再试。`,
  'throttled.contact-hour': (p) => `本小时验证联系方式的次数已达上限，请于${p.retryAt}后再试。`,
  'throttled.contact-day': (p) => `今日验证联系方式的次数已达上限，请于${p.retryAt}后再试。`,
  'throttled.destination-hour': (p) => `本小时发往该号码或邮箱的验证码已达上限，请于${p.retryAt}后再试。`,
  'throttled.destination-day': (p) => `今日发往该号码或邮箱的验证码已达上限，请于${p.retryAt}后再试。`,
};

/**
 * The built-in catalogues: `'en'` (English) and `'zh-CN'` (Simplified Chinese). Read them to see every key,
 * or spread one to start a catalogue of your own.
 *
 * @example
 * ```ts
 * Object.keys(MESSAGE_CATALOGS); // ['en', 'zh-CN']
 * MESSAGE_CATALOGS['zh-CN']['verify.invalid']({ attemptsLeft: 2 }); // '验证码错误，还可尝试2次。'
 * ```
 */
export const MESSAGE_CATALOGS: Readonly<Record<'en' | 'zh-CN', MessageCatalog>> =
  /* @__PURE__ */ Object.freeze({
    en: Object.freeze(en),
    'zh-CN': Object.freeze(zhCN),
  });

/** Options of {@link createMessages}. */
export interface MessagesOptions {
  /**
   * The sender's name, in every text: one string, or one per locale (`{ en: 'ACME', 'zh-CN': '极客商城' }`,
   * which must name the default locale). 1 to 12 characters, no brackets, control characters or edge
   * spaces: 12 is the longest a mainland SMS signature may be and still leave the Chinese SMS in one
   * segment.
   */
  brand: string | Readonly<Record<string, string>>;
  /**
   * Catalogues to add or override, by BCP 47 tag. **(Optional)** For `'en'` and `'zh-CN'` a partial
   * catalogue overrides those keys; any other locale must give every key.
   */
  locales?: Readonly<Record<string, Partial<MessageCatalog>>>;
  /** The locale for a reader whose locale is missing or not supported. **(Optional)** Defaults to `'en'`. */
  defaultLocale?: string;
  /** The IANA time zone of the times in texts (`'Asia/Shanghai'`). **(Optional)** Defaults to `'UTC'`. */
  timeZone?: string;
}

/** Per call: the reader's locale (a stored preference or a BCP 47 tag) and time zone. */
export interface MessageContext {
  /** A BCP 47 tag; unsupported ones fall back to the default locale. **(Optional)** */
  locale?: string | undefined;
  /** An IANA time zone, overriding {@link MessagesOptions.timeZone}. **(Optional)** */
  timeZone?: string | undefined;
  /** Now, ms since the epoch, to count a code's minutes left. **(Optional)** Defaults to `Date.now()`. */
  at?: number | undefined;
}

/**
 * What {@link Messages.resultText} reads: a verification result (`{ ok: true }` reads as "Verified."), or a
 * send refusal. For a send that went through, show `text('code.sent', { to, channel })` with the masked `to`.
 */
export type MessageResult = { readonly ok: true } | VerifyFailure | SendRefusal;

/** Text in the reader's language, from {@link createMessages}. */
export interface Messages {
  /** The supported locales, the default first. */
  readonly locales: readonly string[];
  /**
   * The supported locale for a tag, or for a list of tags in order of preference: the same language and
   * script (`'zh'`, `'zh-Hans-SG'` → `'zh-CN'`; `'en-GB'` → `'en'`), else the default. `zh-TW` and `zh-HK`
   * are Traditional Chinese: they get the default unless a catalogue for them is added.
   */
  resolveLocale(tags: string | readonly string[] | undefined): string;
  /**
   * The text carrying a code, for the message's channel: what a {@link Sender} sends. In the locale of
   * `context`, else the one the app passed to the engine call that sent the code (`message.locale`).
   */
  codeText(
    message: Pick<CodeMessage, 'channel' | 'code' | 'purpose' | 'expiresAt' | 'locale'>,
    context?: MessageContext,
  ): string;
  /** The sentence for a result an app shows: wrong code with tries left, locked until a time, and so on. */
  resultText(result: MessageResult, context?: MessageContext): string;
  /** One message by key, for a page of your own (`'code.sent'`, say). */
  text<K extends MessageKey>(key: K, params: MessageParams[K], context?: MessageContext): string;
}

const KEYS = Object.keys(en) as MessageKey[];
const MAX_BRAND = 12;

function option(message: string): never {
  throw new TwoSvError('INVALID_OPTION', message);
}

function checkBrand(brand: unknown): string {
  if (
    typeof brand !== 'string' ||
    brand.length < 1 ||
    brand.length > MAX_BRAND ||
    brand.trim() !== brand ||
    /[\p{Cc}\p{Cf}【】[\]]/u.test(brand)
  ) {
    option('brand must be 1 to 12 characters, without brackets, control characters or edge spaces');
  }
  return brand;
}

function canonicalTag(tag: unknown): string {
  if (typeof tag !== 'string') option('locale must be a BCP 47 language tag');
  try {
    return new Intl.Locale(tag).toString();
  } catch {
    return option('locale must be a BCP 47 language tag');
  }
}

function checkTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== 'string') option('timeZone must be an IANA time zone name');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    option('timeZone must be an IANA time zone name');
  }
  return timeZone;
}

/** Language and script of a tag, the script inferred when absent (`zh` → `zh-Hans`, `zh-TW` → `zh-Hant`). */
function languageScript(tag: string): string {
  const max = new Intl.Locale(tag).maximize();
  return `${max.language}-${max.script ?? ''}`;
}

/**
 * Builds the texts users read, in their language. Chosen per call from the user's locale; apps can override
 * any text or add locales.
 *
 * @param options - the brand, added or overridden catalogues, default locale and time zone.
 * @throws {@link TwoSvError} `INVALID_OPTION` for a bad brand, tag, time zone, or an added locale that
 * lacks some keys (the message names them).
 *
 * @example A sender that texts each user in their language
 * ```ts
 * const messages = createMessages({ brand: { en: 'ACME', 'zh-CN': '极客商城' }, timeZone: 'Asia/Shanghai' });
 * const locales = new Map([['li', 'zh-CN'], ['alice', 'en-GB']]); // stored with each user
 * const outbox: string[] = [];
 * const sender: Sender = (message) => {
 *   outbox.push(messages.codeText(message, { locale: locales.get(message.userId) }));
 * };
 * const at = Date.UTC(2026, 10, 29, 6, 0);
 * const message = { userId: 'li', channel: 'sms', to: '+8613800138000', code: '123456', purpose: 'sign-in', expiresAt: at + 600_000 } as const;
 * messages.codeText(message, { locale: 'zh-CN', at }); // '【极客商城】验证码123456，用于登录，10分钟内有效。请勿泄露，工作人员不会索取。'
 * messages.codeText({ ...message, channel: 'voice' }, { locale: 'en', at }); // 'This is ACME. Your sign-in code is: 1, 2, 3, 4, 5, 6. Again: 1, 2, 3, 4, 5, 6.'
 * ```
 * @example Results, in the user's language and time zone
 * ```ts
 * const messages = createMessages({ brand: 'ACME' });
 * messages.resultText({ ok: false, reason: 'invalid', attemptsLeft: 2 }, { locale: 'zh-CN' }); // '验证码错误，还可尝试2次。'
 * const lockedUntil = Date.UTC(2026, 10, 29, 6, 30);
 * const locked = { ok: false, reason: 'locked', lockedUntil } as const;
 * const li = { locale: 'zh', timeZone: 'Asia/Shanghai' };
 * const bob = { locale: 'en-US', timeZone: 'America/New_York' };
 * messages.resultText(locked, li); // '验证失败次数过多，为保护账号安全，请于11月29日 GMT+8 14:30后再试。'
 * messages.resultText(locked, bob); // 'Too many failed attempts. For your security, try again after Nov 29, 01:30 EST.'
 * ```
 * @example Overriding a text, adding a locale
 * ```ts
 * const messages = createMessages({
 *   brand: 'ACME',
 *   locales: {
 *     en: { 'verify.ok': () => 'Welcome back!' },
 *     fr: { ...MESSAGE_CATALOGS.en, 'verify.ok': () => 'Vérifié.' }, // a new locale gives every key
 *   },
 * });
 * messages.resultText({ ok: true }, { locale: 'en' }); // 'Welcome back!'
 * messages.resultText({ ok: true }, { locale: 'fr-CA' }); // 'Vérifié.'
 * messages.locales; // ['en', 'zh-CN', 'fr']
 * ```
 */
export function createMessages(options: MessagesOptions): Messages {
  if (typeof options !== 'object' || options === null) option('messages options must be an object');
  const defaultLocale = canonicalTag(options.defaultLocale ?? 'en');
  const zone = checkTimeZone(options.timeZone ?? 'UTC');

  const catalogs = new Map<string, MessageCatalog>(Object.entries(MESSAGE_CATALOGS));
  for (const [tag, partial] of Object.entries(options.locales ?? {})) {
    const locale = canonicalTag(tag);
    if (typeof partial !== 'object' || partial === null) option('each locale must be a catalogue object');
    const base = catalogs.get(locale);
    for (const [key, fn] of Object.entries(partial)) {
      if (!KEYS.includes(key as MessageKey) || typeof fn !== 'function') {
        option(`locale ${locale}: unknown message key or not a function: ${key}`);
      }
    }
    const missing = base ? [] : KEYS.filter((k) => typeof partial[k] !== 'function');
    if (missing.length) option(`locale ${locale} lacks messages: ${missing.join(', ')}`);
    catalogs.set(locale, Object.freeze({ ...base, ...partial }) as MessageCatalog);
  }
  if (!catalogs.has(defaultLocale)) option('defaultLocale must be a locale with a catalogue');

  const brands = new Map<string, string>();
  if (typeof options.brand === 'string') brands.set(defaultLocale, checkBrand(options.brand));
  else if (typeof options.brand === 'object' && options.brand !== null) {
    for (const [tag, brand] of Object.entries(options.brand))
      brands.set(canonicalTag(tag), checkBrand(brand));
    if (!brands.has(defaultLocale)) option('brand must name the default locale');
  } else option('brand must be a string or an object of strings by locale');

  const locales = [defaultLocale, ...[...catalogs.keys()].filter((l) => l !== defaultLocale)];
  const scripts = new Map<string, string>();
  for (const l of locales) if (!scripts.has(languageScript(l))) scripts.set(languageScript(l), l);

  function resolveOne(tag: string): string | undefined {
    const canonical = canonicalTag(tag);
    if (catalogs.has(canonical)) return canonical;
    return scripts.get(languageScript(canonical));
  }

  function resolveLocale(tags: string | readonly string[] | undefined): string {
    if (tags === undefined) return defaultLocale;
    for (const tag of typeof tags === 'string' ? [tags] : tags) {
      const found = resolveOne(tag);
      if (found) return found;
    }
    return defaultLocale;
  }

  function text<K extends MessageKey>(key: K, params: MessageParams[K], context?: MessageContext): string {
    const locale = resolveLocale(context?.locale);
    const catalog = catalogs.get(locale)!;
    return (catalog[key] as (p: MessageParams[K]) => string)(params);
  }

  function time(ms: number, context: MessageContext | undefined): string {
    if (!Number.isFinite(ms)) option('a time in a result must be a finite number of ms');
    const timeZone = context?.timeZone === undefined ? zone : checkTimeZone(context.timeZone);
    return new Intl.DateTimeFormat(resolveLocale(context?.locale), {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    }).format(ms);
  }

  return Object.freeze({
    locales: Object.freeze(locales),
    resolveLocale,
    text,
    codeText(message, context) {
      const { channel, code, purpose, expiresAt } = message;
      if (typeof code !== 'string' || !/^[0-9]{6,10}$/.test(code))
        option('code must be 6 to 10 ASCII digits');
      if (!(purpose in enPurpose)) option("purpose must be 'sign-in', 'enrollment' or 'contact'");
      if (channel !== 'sms' && channel !== 'voice' && channel !== 'email') {
        option("channel must be 'sms', 'voice' or 'email'");
      }
      const at = context?.at ?? Date.now();
      if (!Number.isFinite(at) || !Number.isFinite(expiresAt)) option('at and expiresAt must be finite ms');
      const tags = context?.locale ?? message.locale;
      const locale = resolveLocale(tags);
      const brand = brands.get(locale) ?? brands.get(defaultLocale)!;
      const minutes = Math.max(1, Math.ceil((expiresAt - at) / 60_000));
      return text(`code.${channel}`, { brand, code, purpose, minutes }, { ...context, locale });
    },
    resultText(result, context) {
      if (result.ok) return text('verify.ok', {}, context);
      switch (result.reason) {
        case 'locked':
          return text('locked', { until: time(result.lockedUntil, context) }, context);
        case 'throttled':
          return text(`throttled.${result.limit}`, { retryAt: time(result.retryAt, context) }, context);
        case 'invalid':
        case 'replayed':
          return text(`verify.${result.reason}`, { attemptsLeft: result.attemptsLeft }, context);
        default:
          return text(`verify.${result.reason}`, {}, context);
      }
    },
  } satisfies Messages);
}

/**
 * The best of `supported` locales for an HTTP `Accept-Language` header, by its q-values, matching language
 * and script (`zh-Hans` and `zh` pick `zh-CN`); `undefined` when none fits. For a demo or a sign-in page
 * that has no stored preference yet.
 *
 * @param header - the header's value, such as `'zh-CN,zh;q=0.9,en;q=0.8'`.
 * @param supported - the locales to choose from, such as {@link Messages.locales}.
 *
 * @example
 * ```ts
 * const chinese = 'zh-CN,zh;q=0.9,en;q=0.8';
 * const british = 'en-GB,en;q=0.9';
 * const french = 'fr;q=0.9, zh;q=0.5';
 * pickLocale(chinese, ['en', 'zh-CN']); // 'zh-CN'
 * pickLocale(british, ['en', 'zh-CN']); // 'en'
 * pickLocale(french, ['en', 'zh-CN']); // 'zh-CN': French is not there, Chinese is
 * pickLocale('fr, de', ['en', 'zh-CN']) ?? 'en'; // 'en': none fits, so the app's default
 * ```
 */
export function pickLocale(header: string | undefined, supported: readonly string[]): string | undefined {
  if (typeof header !== 'string' || header.length > 1000) return undefined;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.tag !== '' && r.tag !== '*' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const canonical = supported.map((s) => ({ s, c: safeTag(s) }));
  for (const { tag } of ranked) {
    const wanted = safeTag(tag);
    if (wanted === undefined) continue;
    const exact = canonical.find((x) => x.c === wanted);
    if (exact) return exact.s;
    const script = languageScript(wanted);
    const near = canonical.find((x) => x.c !== undefined && languageScript(x.c) === script);
    if (near) return near.s;
  }
  return undefined;
}

function safeTag(tag: string): string | undefined {
  try {
    return new Intl.Locale(tag).toString();
  } catch {
    return undefined;
  }
}
