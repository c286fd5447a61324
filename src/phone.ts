/**
 * Phone numbers for SMS and voice codes: parsing with each country's rules (libphonenumber-js), E.164
 * normalisation, comparison, line types, national display and masking.
 * @module
 */
// The full ("max") metadata set: the only one that tells a fixed line from a mobile AND still accepts fixed
// lines, which voice codes need. "min" checks only overall lengths (it accepts +86 1380013800, a mainland
// mobile missing a digit); "mobile" refuses every landline, voice ones included. Only the phone helpers and
// the engine import this module, so the core's browser bundle (codes, URIs) does not carry the metadata.
import {
  type CountryCode,
  isSupportedCountry,
  type NumberType,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/max';
import { TwoSvError } from './errors.js';

/** An ISO 3166-1 alpha-2 region code that the phone metadata knows, such as `'CN'`, `'GB'` or `'US'`. */
export type PhoneRegion = string;

/**
 * What kind of line a number is, from its country's numbering plan. `'fixed-line-or-mobile'` is a number the
 * plan cannot tell apart (the US and Canada, for instance); `'unknown'` a valid number of no listed type.
 */
export type PhoneLineType =
  | 'mobile'
  | 'fixed-line'
  | 'fixed-line-or-mobile'
  | 'voip'
  | 'toll-free'
  | 'premium-rate'
  | 'shared-cost'
  | 'personal-number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

/** How a code reaches a phone. */
export type PhoneChannel = 'sms' | 'voice';

/** Options of {@link normalizePhone} and the other phone helpers. */
export interface PhoneOptions {
  /**
   * The region of numbers written nationally, without `+` or `00` (`'138 0013 8000'` with `'CN'`,
   * `'020 7946 0958'` with `'GB'`); the national trunk prefix is handled by the region's rules.
   * **(Optional)** Without it, a number must start with `+` or `00` and its country code.
   */
  defaultRegion?: PhoneRegion;
  /**
   * The channel the number must be able to take codes on. **(Optional)** With `'sms'`, a number that can
   * only be a fixed line (or a toll-free, premium-rate, shared-cost, UAN, pager or voicemail number) is
   * refused with `PHONE_CHANNEL_UNSUPPORTED`; with `'voice'`, premium-rate, shared-cost, pager and voicemail
   * numbers are (a call to a premium-rate number is how toll fraud makes money from voice codes).
   */
  channel?: PhoneChannel;
}

/** A parsed, valid phone number, as {@link parsePhone} returns it. Holds the full number: do not log it. */
export interface PhoneNumberInfo {
  /** The E.164 form, `'+8613800138000'`: store and compare this. */
  readonly e164: string;
  /** The country calling code, without `+` (`'86'`). */
  readonly callingCode: string;
  /** The region the number belongs to (`'CN'`), when the numbering plan tells. */
  readonly region: PhoneRegion | undefined;
  /** The national significant number, without trunk prefix (`'13800138000'`). */
  readonly nationalNumber: string;
  /** The kind of line. */
  readonly type: PhoneLineType;
  /** Whether codes can be sent by SMS to it: see {@link PhoneOptions.channel}. */
  readonly sms: boolean;
  /** Whether codes can be read to it in a voice call: see {@link PhoneOptions.channel}. */
  readonly voice: boolean;
  /** The national format of its own country (`'138 0013 8000'`, `'020 7946 0958'`, `'(201) 555-0123'`). */
  readonly national: string;
  /** The international format (`'+86 138 0013 8000'`). */
  readonly international: string;
  /** The mask for display, logs and events: see {@link maskPhone}. */
  readonly masked: string;
}

const MAX_INPUT = 64;

/** libphonenumber's type names, in twosv's kebab-case. */
const LINE_TYPES: Readonly<Record<NonNullable<NumberType>, PhoneLineType>> = /* @__PURE__ */ Object.freeze({
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed-line',
  FIXED_LINE_OR_MOBILE: 'fixed-line-or-mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll-free',
  PREMIUM_RATE: 'premium-rate',
  SHARED_COST: 'shared-cost',
  PERSONAL_NUMBER: 'personal-number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
});

/** Line types that can receive a text message: mobiles, and the numbers the plan cannot tell from one. */
const SMS_TYPES: ReadonlySet<PhoneLineType> = /* @__PURE__ */ new Set<PhoneLineType>([
  'mobile',
  'fixed-line-or-mobile',
  'voip',
  'personal-number',
  'unknown',
]);

/** Line types a code must not be read to: they cost the sender money or reach no person. */
const NO_VOICE_TYPES: ReadonlySet<PhoneLineType> = /* @__PURE__ */ new Set<PhoneLineType>([
  'premium-rate',
  'shared-cost',
  'pager',
  'voicemail',
]);

function invalid(): never {
  throw new TwoSvError(
    'INVALID_PHONE',
    'phone must be a valid number for its country: + or 00 and the country code (or a default region), ' +
      'digits and separators only, no letters or extension',
  );
}

function checkOptions(options: PhoneOptions | undefined): CountryCode | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TwoSvError('INVALID_OPTION', 'phone options must be an object');
  }
  const { defaultRegion, channel } = options;
  if (channel !== undefined && channel !== 'sms' && channel !== 'voice') {
    throw new TwoSvError('INVALID_OPTION', "channel must be 'sms' or 'voice'");
  }
  if (defaultRegion === undefined) return undefined;
  if (
    typeof defaultRegion !== 'string' ||
    !/^[A-Z]{2}$/.test(defaultRegion) ||
    !isSupportedCountry(defaultRegion)
  ) {
    throw new TwoSvError(
      'INVALID_OPTION',
      'defaultRegion must be an ISO 3166-1 alpha-2 region with phone metadata',
    );
  }
  return defaultRegion;
}

/**
 * The digits of a typed number, with `+` for an international one: what is left once the separators people
 * type are gone. Refuses what is not a phone number as people write it (letters, extensions, stray `+`,
 * unpaired or nested brackets) before libphonenumber sees it, since libphonenumber would read some of those
 * (vanity letters, `ext.`) as parts of a number.
 */
function cleanInput(input: string): { international: boolean; digits: string } {
  if (typeof input !== 'string' || input.length > MAX_INPUT) invalid();
  // NFKC turns full-width digits, ＋, （）, －, the ideographic space and NBSP into their ASCII forms.
  let text = input.normalize('NFKC').trim();
  let international = false;
  if (text.startsWith('+')) {
    international = true;
    text = text.slice(1);
  } else if (text.startsWith('00')) {
    international = true;
    text = text.slice(2);
  }
  // "(0)" right after the country code is the trunk prefix, written but never dialled from abroad.
  if (international) text = text.replace(/^\s*(\d{1,3})[\s\-.]*\(\s*0\s*\)/, '$1');
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0 || depth > 1) invalid();
  }
  if (depth !== 0) invalid();
  const digits = text.replace(/[\s\-.()\u2010-\u2015\u2212]/g, '');
  if (!/^[0-9]+$/.test(digits)) invalid();
  return { international, digits };
}

function parse(input: string, region: CountryCode | undefined) {
  const { international, digits } = cleanInput(input);
  if (!international && region === undefined) invalid();
  if (international && !/^[1-9]/.test(digits)) invalid();
  let number: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    number = international
      ? parsePhoneNumberWithError(`+${digits}`)
      : parsePhoneNumberWithError(digits, { defaultCountry: region as CountryCode, extract: false });
  } catch {
    invalid();
  }
  if (!number.isValid()) invalid();
  return number;
}

function maskOf(
  region: string | undefined,
  type: PhoneLineType,
  callingCode: string,
  national: string,
): string {
  // Mainland China: the convention of Chinese services, first three and last four of the 11 digits.
  if (region === 'CN' && type === 'mobile' && national.length === 11) {
    return `${national.slice(0, 3)}****${national.slice(-4)}`;
  }
  const shown = national.length > 6 ? 4 : 2;
  return `+${callingCode}${'•'.repeat(national.length - shown)}${national.slice(-shown)}`;
}

/**
 * Parses a phone number as people type it, with its country's numbering plan (libphonenumber-js, full
 * metadata), and tells everything the engine and a settings page need: E.164 form, region, line type, the
 * channels it can take, national display and mask.
 *
 * Accepted on the way: spaces, dashes (`-`, `‐`, `–`, `−`, ...), dots and parentheses between digits; `00`
 * for the leading `+`; full-width digits, `＋`, `（）` and no-break or ideographic spaces (the input is
 * NFKC-normalised); the trunk prefix after the country code, written `(0)` or not (`+44 020 7946 0958` is
 * `+44 20 7946 0958`); and, with `defaultRegion`, national numbers with their trunk prefix.
 *
 * @param input - what the user typed.
 * @param options - `defaultRegion` and `channel`: see {@link PhoneOptions}.
 * @returns the parsed number; it holds the full number, so keep it out of logs.
 * @throws {@link TwoSvError} `INVALID_PHONE` for a number that is not valid in its country (the message
 * never repeats the input), `PHONE_CHANNEL_UNSUPPORTED` for a number that cannot take codes on `channel`,
 * `INVALID_OPTION` for an unknown region or channel.
 *
 * @example
 * ```ts
 * const phone = parsePhone('138 0013 8000', { defaultRegion: 'CN' });
 * phone.e164; // '+8613800138000'
 * phone.type; // 'mobile'
 * phone.national; // '138 0013 8000'
 * phone.masked; // '138****8000'
 * parsePhone('+44 20 7946 0958').type; // 'fixed-line'
 * parsePhone('+44 20 7946 0958').sms; // false
 * ```
 */
export function parsePhone(input: string, options?: PhoneOptions): PhoneNumberInfo {
  const { number, type, sms, voice } = analyse(input, options);
  const callingCode = String(number.countryCallingCode);
  const nationalNumber = String(number.nationalNumber);
  return Object.freeze({
    e164: String(number.number),
    callingCode,
    region: number.country,
    nationalNumber,
    type,
    sms,
    voice,
    national: number.formatNational(),
    international: number.formatInternational(),
    masked: maskOf(number.country, type, callingCode, nationalNumber),
  });
}

/**
 * Parses, validates and types a number, checking the channel; the formats are left to the callers that need
 * them (formatting costs as much as parsing, and the engine masks numbers in every event and status).
 */
function analyse(input: string, options: PhoneOptions | undefined) {
  const region = checkOptions(options);
  const number = parse(input, region);
  const typeName = number.getType();
  const type: PhoneLineType = typeName === undefined ? 'unknown' : LINE_TYPES[typeName];
  const sms = SMS_TYPES.has(type);
  const voice = !NO_VOICE_TYPES.has(type);
  const channel = options?.channel;
  if ((channel === 'sms' && !sms) || (channel === 'voice' && !voice)) {
    throw new TwoSvError(
      'PHONE_CHANNEL_UNSUPPORTED',
      `phone is a ${type} number, which cannot take ${channel} codes`,
    );
  }
  return { number, type, sms, voice };
}

/**
 * Turns a phone number as people type it into its E.164 form (`+`, country code, national number), after
 * checking it against its country's numbering plan: every spelling of one number gives one string, so two
 * numbers can be compared with `===`. See {@link parsePhone} for what is accepted.
 *
 * @param input - what the user typed.
 * @param options - `defaultRegion` for national numbers, `channel` to refuse a number that cannot take
 * codes that way: see {@link PhoneOptions}.
 * @returns the E.164 string, e.g. `'+12015550123'`.
 * @throws {@link TwoSvError} `INVALID_PHONE` (the message never repeats the input),
 * `PHONE_CHANNEL_UNSUPPORTED`, `INVALID_OPTION`.
 *
 * @example
 * ```ts
 * normalizePhone('+1 (201) 555-0123'); // '+12015550123'
 * normalizePhone('0044 20 7946 0958'); // '+442079460958'
 * normalizePhone('+44 (0)20 7946 0958'); // '+442079460958'
 * normalizePhone('+44 020 7946 0958'); // '+442079460958' (the trunk 0 kept, as people write it)
 * normalizePhone('＋８６ １３８-００１３-８０００'); // '+8613800138000' (full-width)
 * normalizePhone('138 0013 8000', { defaultRegion: 'CN' }); // '+8613800138000'
 * normalizePhone('020 7946 0958', { defaultRegion: 'GB' }); // '+442079460958'
 * ```
 * @example Refusals
 * ```ts
 * const typed = [
 *   '+86 1380013800', // a mainland mobile missing a digit
 *   '+1 555 010 0000', // no such area code
 *   '+1 201 555 0123 ext. 12',
 *   '(201) 555-0123', // national, and no default region
 *   '+1 555 FLOWERS',
 * ];
 * for (const phone of typed) {
 *   try {
 *     normalizePhone(phone);
 *   } catch (err) {
 *     console.log(err instanceof TwoSvError && err.code); // 'INVALID_PHONE'
 *   }
 * }
 * try {
 *   normalizePhone('+44 20 7946 0958', { channel: 'sms' }); // a London landline
 * } catch (err) {
 *   console.log(err instanceof TwoSvError && err.code); // 'PHONE_CHANNEL_UNSUPPORTED'
 * }
 * ```
 */
export function normalizePhone(input: string, options?: PhoneOptions): string {
  return String(analyse(input, options).number.number);
}

/**
 * Whether two typed phone numbers are the same number: both are parsed and their E.164 forms compared, so
 * every way of writing one number is one number. An input that is not a valid number is never the same as
 * anything.
 *
 * @param options - `defaultRegion` for numbers written nationally (`channel` is ignored).
 * @throws {@link TwoSvError} `INVALID_OPTION` for bad options (never for bad numbers).
 *
 * @example
 * ```ts
 * isSamePhone('+1 (201) 555-0123', '+12015550123'); // true
 * isSamePhone('+44 020 7946 0958', '+44 20 7946 0958'); // true
 * isSamePhone('138 0013 8000', '+86 138 0013 8000', { defaultRegion: 'CN' }); // true
 * isSamePhone('001.201.555.0123', '+1 201 555 0124'); // false
 * isSamePhone('not a number', 'not a number'); // false
 * ```
 */
export function isSamePhone(a: string, b: string, options?: PhoneOptions): boolean {
  const region = regionOnly(options);
  checkOptions(region); // bad options throw; only bad numbers are "not the same"
  const x = tryNormalize(a, region);
  return x !== undefined && x === tryNormalize(b, region);
}

/** The options without `channel`, for the helpers that ignore it. */
function regionOnly(options: PhoneOptions | undefined): PhoneOptions | undefined {
  if (options === undefined || typeof options !== 'object' || options === null) return options;
  return options.defaultRegion === undefined ? {} : { defaultRegion: options.defaultRegion };
}

function tryNormalize(input: string, options: PhoneOptions | undefined): string | undefined {
  try {
    return normalizePhone(input, options);
  } catch (err) {
    if (err instanceof TwoSvError && err.code === 'INVALID_PHONE') return undefined;
    throw err;
  }
}

/**
 * Whether codes can be sent to a number on a channel: `false` for an SMS to a number that can only be a
 * fixed line (where the metadata can tell), or a call to a premium-rate number; see
 * {@link PhoneOptions.channel}. Invalid numbers throw, as in {@link parsePhone}.
 *
 * @example
 * ```ts
 * canReceiveCodes('+86 138 0013 8000', 'sms'); // true
 * canReceiveCodes('+86 10 6552 9988', 'sms'); // false: a Beijing landline
 * canReceiveCodes('+86 10 6552 9988', 'voice'); // true
 * canReceiveCodes('+1 201 555 0123', 'sms'); // true: US numbers may be either
 * ```
 */
export function canReceiveCodes(phone: string, channel: PhoneChannel, options?: PhoneOptions): boolean {
  if (channel !== 'sms' && channel !== 'voice') {
    throw new TwoSvError('INVALID_OPTION', "channel must be 'sms' or 'voice'");
  }
  return analyse(phone, regionOnly(options))[channel];
}

/**
 * Formats a number for display, in the national format of its own country (what its owner is used to
 * reading), or the international one.
 *
 * @param phone - any spelling {@link parsePhone} accepts.
 * @param options - `format`: `'national'` (the default) or `'international'`; and {@link PhoneOptions}.
 * @throws {@link TwoSvError} as {@link parsePhone}.
 *
 * @example
 * ```ts
 * formatPhone('+8613800138000'); // '138 0013 8000'
 * formatPhone('+442079460958'); // '020 7946 0958'
 * formatPhone('+12015550123'); // '(201) 555-0123'
 * formatPhone('+12015550123', { format: 'international' }); // '+1 201 555 0123'
 * ```
 */
export function formatPhone(
  phone: string,
  options?: PhoneOptions & { format?: 'national' | 'international' },
): string {
  const format = options?.format ?? 'national';
  if (format !== 'national' && format !== 'international') {
    throw new TwoSvError('INVALID_OPTION', "format must be 'national' or 'international'");
  }
  const { number } = analyse(phone, regionOnly(options));
  return format === 'national' ? number.formatNational() : number.formatInternational();
}

/**
 * Masks a phone number for display, logs, events and sent messages, in the local convention: a mainland
 * Chinese mobile shows its first three and last four digits (`138****8000`, as Chinese services show it);
 * every other number its country code and last four digits (the last two for national numbers of six
 * digits or fewer), every other digit a `•`. Enough for a user to recognise their phone, not enough to call
 * it.
 *
 * A number already in strict E.164 form (`+` and 7 to 15 digits, nothing else) is masked even when the
 * metadata does not call it valid: numbers stored before a metadata update (or under the older, length-only
 * rules) must stay displayable in settings pages and events. Anything else must be valid.
 *
 * @param phone - any spelling {@link parsePhone} accepts, or a stored E.164 string.
 * @param options - `defaultRegion` for numbers written nationally (`channel` is ignored).
 * @returns the masked text.
 * @throws {@link TwoSvError} `INVALID_PHONE`.
 *
 * @example
 * ```ts
 * maskPhone('+1 (201) 555-0100'); // '+1••••••0100'
 * maskPhone('+44 20 7946 0958'); // '+44••••••0958'
 * maskPhone('+86 138 0013 8000'); // '138****8000'
 * maskPhone('+86 10 6552 9988'); // '+86••••••9988': a landline
 * maskPhone('+447700900123'); // '+44••••••0123': stored, though Ofcom's drama range is not a valid number
 * ```
 */
export function maskPhone(phone: string, options?: PhoneOptions): string {
  try {
    const { number, type } = analyse(phone, regionOnly(options));
    return maskOf(number.country, type, String(number.countryCallingCode), String(number.nationalNumber));
  } catch (err) {
    if (!(err instanceof TwoSvError && err.code === 'INVALID_PHONE' && /^\+[1-9][0-9]{6,14}$/.test(phone)))
      throw err;
    return maskStored(phone);
  }
}

/** The generic mask of a stored E.164 string the metadata does not validate: country code when known. */
function maskStored(e164: string): string {
  let callingCode = '';
  try {
    callingCode = String(parsePhoneNumberWithError(e164).countryCallingCode);
  } catch {
    // An unassigned country code: show none of the leading digits.
  }
  return maskOf(undefined, 'unknown', callingCode, e164.slice(1 + callingCode.length)).replace(
    /^\+(?=•)/,
    '+',
  );
}
