/**
 * Phone numbers for SMS and voice codes: E.164 normalisation, comparison and masking.
 * @module
 */
import { TwoSvError } from './errors.js';

/**
 * Characters people put between the digits of a phone number: spaces, dashes of every width, dots, slashes
 * are not among them. Applied after NFKC, which already turned full-width forms and no-break spaces into
 * their ASCII counterparts.
 */
const SEPARATORS = /[\s\-.()\u2010-\u2015\u2212]/g;

/**
 * ITU-T E.164 country calling codes are prefix-free and 1 to 3 digits long. The 1- and 2-digit ones are few;
 * every other prefix is 3 digits. Used only to decide how much of a number a mask may show.
 */
const SHORT_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  '1',
  '7',
  '20',
  '27',
  '30',
  '31',
  '32',
  '33',
  '34',
  '36',
  '39',
  '40',
  '41',
  '43',
  '44',
  '45',
  '46',
  '47',
  '48',
  '49',
  '51',
  '52',
  '53',
  '54',
  '55',
  '56',
  '57',
  '58',
  '60',
  '61',
  '62',
  '63',
  '64',
  '65',
  '66',
  '81',
  '82',
  '84',
  '86',
  '90',
  '91',
  '92',
  '93',
  '94',
  '95',
  '98',
]);

/** Bounds of an E.164 number, country code included: ITU-T E.164 §6 allows 15 digits at most. */
const MIN_DIGITS = 7;
const MAX_DIGITS = 15;
const MAX_INPUT = 64;

function invalid(): never {
  throw new TwoSvError(
    'INVALID_PHONE',
    'phone must be an international number: + or 00, then 7 to 15 digits, with no letters or extension',
  );
}

/**
 * Turns a phone number as people type it into its E.164 form: `+` and 7 to 15 digits, the first not `0`.
 *
 * Accepted on the way: spaces, dashes (`-`, `‐`, `–`, `−`, ...), dots and parentheses between digits; `00`
 * for the leading `+`; full-width digits and `＋` (the input is NFKC-normalised first); and the `(0)` that
 * some countries write for the trunk prefix after the country code (`+44 (0)20 7946 0000`), which is not
 * dialled from abroad and is dropped. So every spelling of one number gives one string, and two numbers
 * can be compared with `===`.
 *
 * Refused: letters (vanity numbers, `ext.`), an extension (`x`, `;ext=`, `#`, `,`), a national number
 * without its country code (there is no way to know the country), fewer than 7 or more than 15 digits, a
 * country code starting with `0`, a `+` anywhere but at the start.
 *
 * @param input - what the user typed.
 * @returns the E.164 string, e.g. `'+12015550100'`.
 * @throws {@link TwoSvError} `INVALID_PHONE`; the message never repeats the input.
 *
 * @example
 * ```ts
 * normalizePhone('+1 (201) 555-0100'); // '+12015550100'
 * normalizePhone('0044 20 7946 0000'); // '+442079460000'
 * normalizePhone('+44 (0)20 7946 0000'); // '+442079460000'
 * normalizePhone('＋８１ ３-１２３４-５６７８'); // '+81312345678' (full-width)
 * ```
 * @example Refusals
 * ```ts
 * for (const typed of ['+1 201 555 0100 ext. 12', '(201) 555-0100', '+1 555 FLOWERS']) {
 *   try {
 *     normalizePhone(typed);
 *   } catch (err) {
 *     console.log(err instanceof TwoSvError && err.code); // 'INVALID_PHONE'
 *   }
 * }
 * ```
 */
export function normalizePhone(input: string): string {
  if (typeof input !== 'string' || input.length > MAX_INPUT) invalid();
  let text = input.normalize('NFKC').trim();
  if (text.startsWith('+')) text = text.slice(1);
  else if (text.startsWith('00')) text = text.slice(2);
  else invalid();
  // The trunk prefix in parentheses: "(0)" right after the country code, never dialled internationally.
  text = text.replace(/\(\s*0\s*\)/, '');
  // Parentheses must pair up and not nest; otherwise the text is not a phone number as people write them.
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0 || depth > 1) invalid();
  }
  if (depth !== 0) invalid();
  const digits = text.replace(SEPARATORS, '');
  if (!/^[1-9][0-9]*$/.test(digits) || digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) invalid();
  return `+${digits}`;
}

/**
 * Whether two typed phone numbers are the same number, once both are in E.164 form. An input that is not a
 * valid number is never the same as anything.
 *
 * @example
 * ```ts
 * isSamePhone('+1 (201) 555-0100', '+12015550100'); // true
 * isSamePhone('001.201.555.0100', '+1 201 555 0101'); // false
 * isSamePhone('not a number', 'not a number'); // false
 * ```
 */
export function isSamePhone(a: string, b: string): boolean {
  const x = tryNormalize(a);
  return x !== undefined && x === tryNormalize(b);
}

function tryNormalize(input: string): string | undefined {
  try {
    return normalizePhone(input);
  } catch {
    return undefined;
  }
}

/** The country calling code of an E.164 string (`'+447700900123'` → `'44'`). @internal */
export function callingCode(e164: string): string {
  const digits = e164.slice(1);
  if (SHORT_CODES.has(digits.slice(0, 1))) return digits.slice(0, 1);
  if (SHORT_CODES.has(digits.slice(0, 2))) return digits.slice(0, 2);
  return digits.slice(0, 3);
}

/**
 * Masks a phone number for display, logs and events: the country code and the last four digits stay (the
 * last two for national numbers of six digits or fewer), every other digit becomes `•`. Enough for a user
 * to recognise their phone, not enough to call it.
 *
 * @param phone - any spelling {@link normalizePhone} accepts.
 * @returns the masked E.164 text.
 * @throws {@link TwoSvError} `INVALID_PHONE`.
 *
 * @example
 * ```ts
 * maskPhone('+1 (201) 555-0100'); // '+1••••••0100'
 * maskPhone('+44 7700 900123'); // '+44••••••0123'
 * ```
 */
export function maskPhone(phone: string): string {
  const e164 = normalizePhone(phone);
  const cc = callingCode(e164);
  const national = e164.slice(1 + cc.length);
  const shown = national.length > 6 ? 4 : 2;
  return `+${cc}${'•'.repeat(national.length - shown)}${national.slice(-shown)}`;
}
