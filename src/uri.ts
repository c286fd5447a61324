/**
 * `otpauth://` Key URIs (the Key Uri Format of Google Authenticator): building them for enrollment, parsing
 * them for import, and telling which authenticator apps will show wrong codes for a given URI.
 *
 * Format reference: https://github.com/google/google-authenticator/wiki/Key-Uri-Format (archived 2021).
 * @module
 */
import { normalizeBase32 } from './base32.js';
import { TwoSvError } from './errors.js';
import type { Algorithm } from './hotp.js';
import { checkAlgorithm, checkCounter, checkDigits, checkPeriod } from './internal/options.js';

/**
 * The settings of one authenticator account, as an `otpauth://` URI carries them.
 *
 * {@link parseOtpauthUri} always returns `algorithm` and `digits`, `period` for `'totp'` and `counter` for
 * `'hotp'`; `issuer` only when the URI names one.
 */
export interface OtpauthParams {
  /** `'totp'` (time-based, RFC 6238) or `'hotp'` (counter-based, RFC 4226). */
  type: 'totp' | 'hotp';
  /**
   * The shared secret as RFC 4648 base32. {@link buildOtpauthUri} accepts any case, spaces, dashes and `=`
   * padding; URIs carry (and {@link parseOtpauthUri} returns) it upper case without padding.
   */
  secret: string;
  /** The account at the issuer, usually the user's email address or login. Required and non-empty. */
  account: string;
  /**
   * The provider or service, e.g. `'ACME Co'`. Strongly recommended: apps group and label accounts by it.
   * **(Optional)** Without it the label is the account alone.
   */
  issuer?: string;
  /** HMAC hash. **(Optional)** Defaults to `'SHA1'`, the only one every app honours. */
  algorithm?: Algorithm;
  /** Code length, 6 to 10. **(Optional)** Defaults to `6`; only 6 (and 8) are portable. */
  digits?: number;
  /** TOTP step in seconds, a positive integer. **(Optional)** Defaults to `30`. Ignored for `'hotp'`. */
  period?: number;
  /**
   * HOTP counter of the next code: a safe integer ≥ 0, or a bigint below 2^64. **Required for `'hotp'`**,
   * ignored for `'totp'`. {@link parseOtpauthUri} returns a number when it is a safe integer, a bigint above.
   */
  counter?: number | bigint;
}

/**
 * The defaults of an `otpauth://` URI: what every authenticator app assumes when a parameter is absent
 * (Key Uri Format; FreeOTP's and Aegis's parsers use the same values). {@link buildOtpauthUri} leaves out
 * `algorithm`, `digits` and `period` when they equal these, and `maxLength` is the longest URI either
 * function accepts.
 *
 * @example
 * ```ts
 * OTPAUTH_DEFAULTS.period; // 30
 * buildOtpauthUri({ type: 'totp', secret: 'JBSWY3DPEHPK3PXP', account: 'alice', period: OTPAUTH_DEFAULTS.period });
 * // 'otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP': default settings are left out
 * ```
 */
export const OTPAUTH_DEFAULTS: Readonly<{ algorithm: 'SHA1'; digits: 6; period: 30; maxLength: 2048 }> =
  /* @__PURE__ */ Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30, maxLength: 2048 } as const);

const MAX_LENGTH = 2048;
// The longest secret text looked at: twice the URI limit leaves room for any grouping of a secret that fits
// (a 1024-byte secret, 1639 characters, spaced in groups of four is 2048).
const MAX_SECRET_TEXT = 2 * MAX_LENGTH;
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const SUB_DELIMS = /[!'()*]/g;
const SUB_DELIM = /[!'()*]/;
// Printable ASCII, not empty, no space at either end: the common label, valid without further checks.
const PLAIN_TEXT = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const CANONICAL_BASE32 = /^[A-Z2-7]+$/;
// Text no label may hold: C0 and C1 controls, DEL, bidirectional embeddings/overrides/isolates (they make
// a label render unlike its characters) and lone UTF-16 surrogates (not text; no UTF-8 form).
const BAD_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Raw characters a URI may not hold: controls, lone surrogates, and `#` (it would start a fragment).
const BAD_URI =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
  /[\u0000-\u001f\u007f#]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const EDGE_SPACE = /^\s|\s$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const DIGITS_VALUE = /^[0-9]{1,2}$/;
const PERIOD_VALUE = /^[0-9]{1,15}$/;
const COUNTER_VALUE = /^[0-9]{1,20}$/;
const PLUS = /\+/g;
const ALGORITHM_VALUE = /^sha(?:1|256|512)$/i;

/** Percent-encodes everything but RFC 3986 unreserved characters; non-ASCII as UTF-8 escapes. */
function encodeComponent(text: string): string {
  if (UNRESERVED.test(text)) return text;
  const encoded = encodeURIComponent(text);
  // encodeURIComponent leaves the sub-delimiters !'()* alone; RFC 3986 reserves them.
  return SUB_DELIM.test(encoded)
    ? encoded.replace(SUB_DELIMS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : encoded;
}

/**
 * Decodes UTF-8 percent-escapes, and `+` as a space in parameter values (form encoding, as Android's
 * `Uri.getQueryParameter` reads them); refuses malformed escapes and invalid UTF-8.
 */
function decodeComponent(raw: string, name: string, plusIsSpace = true): string {
  const plus = plusIsSpace && raw.indexOf('+') >= 0;
  if (!plus && raw.indexOf('%') < 0) return raw;
  try {
    return decodeURIComponent(plus ? raw.replace(PLUS, ' ') : raw);
  } catch {
    throw new TwoSvError('INVALID_PERCENT_ENCODING', `${name} holds a malformed percent-escape`);
  }
}

/** The label rules shared by issuer and account; returns why the text is refused, or undefined. */
function textProblem(text: string): string | undefined {
  if (PLAIN_TEXT.test(text)) return undefined;
  if (text.length === 0) return 'must not be empty';
  if (BAD_TEXT.test(text))
    return 'must not contain control or bidirectional-override characters or lone surrogates';
  if (EDGE_SPACE.test(text)) return 'must not begin or end with whitespace';
  return undefined;
}

function checkIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string') throw new TwoSvError('INVALID_ISSUER', 'issuer must be a string');
  const problem = textProblem(issuer) ?? (issuer.includes(':') ? 'must not contain a colon' : undefined);
  if (problem !== undefined) throw new TwoSvError('INVALID_ISSUER', `issuer ${problem}`);
  return issuer;
}

function checkAccount(account: unknown, hasIssuer: boolean): string {
  if (typeof account !== 'string') throw new TwoSvError('INVALID_ACCOUNT', 'account must be a string');
  const problem =
    textProblem(account) ??
    (!hasIssuer && account.includes(':') ? 'must not contain a colon when there is no issuer' : undefined);
  if (problem !== undefined) throw new TwoSvError('INVALID_ACCOUNT', `account ${problem}`);
  return account;
}

/** Canonical base32 of a secret given as text: upper case, no separators or padding. */
function checkSecret(secret: unknown): string {
  if (secret === undefined) throw new TwoSvError('MISSING_SECRET', 'secret is required');
  if (typeof secret === 'string' && CANONICAL_BASE32.test(secret)) {
    // Already canonical (as generateSecret writes it) unless its length leaves a partial byte.
    const rest = secret.length % 8;
    if (rest !== 1 && rest !== 3 && rest !== 6) return secret;
  }
  const clean = typeof secret === 'string' ? normalizeBase32(secret) : undefined;
  if (clean === undefined) throw new TwoSvError('INVALID_SECRET', 'secret must be RFC 4648 base32 text');
  if (clean.length === 0) throw new TwoSvError('EMPTY_SECRET', 'secret must not be empty');
  return clean;
}

/**
 * Refuses, before any validation or encoding, text params that cannot fit in a URI of 2048 characters, so a
 * 10 MB label costs a length check, not a scan. Percent-encoding never shortens text (each UTF-16 unit
 * becomes at least one character), so the URI is at least as long as its fixed parts plus the raw account
 * and twice the raw issuer (label prefix and parameter): past that bound it is surely too long. A secret may
 * carry separators that the URI drops (`jbsw y3dp`), so its raw text is only bounded by 4096 characters; its
 * canonical form is counted in the final length check.
 */
function checkSizes(type: 'totp' | 'hotp', params: OtpauthParams): void {
  const { account, issuer, secret } = params as { account: unknown; issuer: unknown; secret: unknown };
  const accountLength = typeof account === 'string' ? account.length : 0;
  const issuerLength = typeof issuer === 'string' ? issuer.length : 0;
  const secretLength = typeof secret === 'string' ? secret.length : 0;
  // `otpauth://totp/` + [issuer `:`] + account + `?secret=` + >= 1 character + [`&issuer=` issuer]
  const fixed = 10 + type.length + 1 + 8 + 1 + (typeof issuer === 'string' ? 1 + 8 : 0);
  if (fixed + accountLength + 2 * issuerLength > MAX_LENGTH || secretLength > MAX_SECRET_TEXT) {
    throw new TwoSvError('URI_TOO_LONG', `the URI would be longer than ${MAX_LENGTH} characters`);
  }
}

/**
 * Builds the `otpauth://` Key URI of an account, for an authenticator app to scan (see
 * `otpauthQrSvg`) or open.
 *
 * What it writes, and why:
 * - the label `Issuer:account` **and** the `issuer` parameter, as the Key Uri Format recommends (apps read
 *   either; older Google Authenticator versions read only the label prefix);
 * - the secret in upper-case base32 without padding;
 * - `algorithm`, `digits` and `period` only when they differ from {@link OTPAUTH_DEFAULTS} (SHA1, 6, 30):
 *   every app assumes those when absent, and a shorter URI makes a coarser, easier-to-scan QR code;
 * - `counter` always for HOTP (required by the format, even when 0);
 * - every character but RFC 3986 unreserved ones (`A–Z a–z 0–9 - . _ ~`) percent-encoded, non-ASCII as
 *   UTF-8 escapes, so the URI is plain ASCII. The separator colon is literal.
 *
 * Label rules (the Key Uri Format splits the label at its first colon, and apps trim spaces):
 * the issuer must not contain `:`; the account may contain `:` only when there is an issuer (the prefix
 * takes the first colon); neither may be empty, begin or end with whitespace, or contain control
 * characters, bidirectional-override characters or lone surrogates. With these rules
 * `parseOtpauthUri(buildOtpauthUri(p))` gives back `p`.
 *
 * Call {@link otpauthCompatibility} to learn which apps will show wrong codes for non-default settings.
 *
 * @param params - the account; `algorithm` (default `'SHA1'`), `digits` (6), `period` (30, TOTP only) and
 *   `counter` (required for HOTP) as in {@link OtpauthParams}.
 * Size comes first: an account or issuer too long for any URI of 2048 characters (the account plus twice
 * the issuer, which the URI holds twice), or a secret text over 4096 characters, is refused with
 * `URI_TOO_LONG` before any other check, so oversized input costs no scan or encoding.
 *
 * @returns the URI, plain ASCII, at most 2048 characters.
 * @throws {@link TwoSvError} `INVALID_OPTION` (params not an object), `INVALID_OTP_TYPE`, `MISSING_SECRET`,
 *   `INVALID_SECRET`, `EMPTY_SECRET`, `INVALID_ISSUER`, `INVALID_ACCOUNT`, `INVALID_ALGORITHM`,
 *   `INVALID_DIGITS`, `INVALID_PERIOD`, `MISSING_COUNTER`, `INVALID_COUNTER`, `URI_TOO_LONG`. Messages
 *   never contain the secret, issuer or account.
 *
 * @example
 * ```ts
 * const uri = buildOtpauthUri({ type: 'totp', secret: 'JBSWY3DPEHPK3PXP', issuer: 'ACME Co', account: 'alice@example.com' });
 * uri; // 'otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co'
 * ```
 * @example HOTP, non-default settings, non-ASCII
 * ```ts
 * const uri = buildOtpauthUri({ type: 'hotp', secret: 'jbsw y3dp ehpk 3pxp', issuer: '银行', account: 'li', counter: 5, digits: 8 });
 * uri; // 'otpauth://hotp/%E9%93%B6%E8%A1%8C:li?secret=JBSWY3DPEHPK3PXP&issuer=%E9%93%B6%E8%A1%8C&digits=8&counter=5'
 * ```
 */
export function buildOtpauthUri(params: OtpauthParams): string {
  if (params === null || typeof params !== 'object') {
    throw new TwoSvError('INVALID_OPTION', 'params must be an object');
  }
  const type = params.type;
  if (type !== 'totp' && type !== 'hotp') {
    throw new TwoSvError('INVALID_OTP_TYPE', "type must be 'totp' or 'hotp'");
  }
  checkSizes(type, params);
  const secret = checkSecret(params.secret);
  const issuer = params.issuer === undefined ? undefined : checkIssuer(params.issuer);
  const account = encodeComponent(checkAccount(params.account, issuer !== undefined));
  const algorithm = checkAlgorithm(params.algorithm ?? OTPAUTH_DEFAULTS.algorithm);
  const digits = checkDigits(params.digits ?? OTPAUTH_DEFAULTS.digits);
  let uri: string;
  if (issuer === undefined) {
    uri = `otpauth://${type}/${account}?secret=${secret}`;
  } else {
    const encoded = encodeComponent(issuer);
    uri = `otpauth://${type}/${encoded}:${account}?secret=${secret}&issuer=${encoded}`;
  }
  if (algorithm !== OTPAUTH_DEFAULTS.algorithm) uri += `&algorithm=${algorithm}`;
  if (digits !== OTPAUTH_DEFAULTS.digits) uri += `&digits=${digits}`;
  if (type === 'totp') {
    const period = checkPeriod(params.period ?? OTPAUTH_DEFAULTS.period);
    if (period !== OTPAUTH_DEFAULTS.period) uri += `&period=${period}`;
  } else {
    const counter = params.counter;
    if (counter === undefined) throw new TwoSvError('MISSING_COUNTER', 'counter is required for hotp');
    checkCounter(counter);
    uri += `&counter=${counter}`;
  }
  if (uri.length > MAX_LENGTH) {
    throw new TwoSvError('URI_TOO_LONG', `the URI would be longer than ${MAX_LENGTH} characters`);
  }
  return uri;
}

/**
 * Parses an `otpauth://` Key URI, as scanned from a QR code or found in an export, strictly where safety
 * needs it and forgivingly where real URIs are messy.
 *
 * Accepted: any case in the scheme, type and parameter names; lowercase, spaced or padded secrets; `%20` for
 * spaces, and `+` too in parameter values (form encoding, as Android's `Uri.getQueryParameter` reads them;
 * in the label a `+` is a plus, as in `alice+tag@example.com`, and a label prefix `ACME+Co` still matches
 * `issuer=ACME+Co`); a literal or `%3A` colon after the issuer prefix, with optional spaces; the issuer
 * only in the label prefix, only in the `issuer` parameter, or in both; raw spaces and raw non-ASCII
 * (speakeasy writes labels unencoded); empty `&&` segments; unknown parameters such as `image=` (ignored,
 * and never decoded). Whitespace around the issuer and account is trimmed; an empty `issuer=` counts as
 * absent. Parameter names are matched without percent-decoding.
 *
 * Refused, each with its own code: see below. The whole URI is checked against the 2048-character limit
 * before anything else. Parameters are matched against a fixed list and stored in local variables, never as
 * keys of an object, so names like `__proto__` cannot reach a prototype.
 *
 * @param uri - the URI.
 * @returns the settings with every default applied: `type`, `secret` (canonical base32), `account`,
 *   `issuer` (when named), `algorithm`, `digits`, and `period` (TOTP) or `counter` (HOTP; a number when
 *   safe, else a bigint). A `counter` in a TOTP URI and a `period` in a HOTP URI are ignored, unchecked, as
 *   apps ignore them.
 * @throws {@link TwoSvError} with a code per refusal; messages never repeat the URI or any part of it:
 * - `URI_TOO_LONG`: over 2048 characters.
 * - `INVALID_URI`: not a string, no scheme, no `//` after `otpauth:`, or a raw control character, lone
 *   surrogate or `#`.
 * - `INVALID_URI_SCHEME`: a scheme other than `otpauth` (e.g. `https:`, `otpauth-migration:`).
 * - `INVALID_OTP_TYPE`: a type other than `totp` or `hotp`.
 * - `INVALID_PERCENT_ENCODING`: a malformed `%` escape or escapes that are not UTF-8, in the label or a
 *   known parameter.
 * - `DUPLICATE_PARAMETER`: a known parameter given twice (`secret=A&secret=B`), whatever the case of its name.
 * - `MISSING_SECRET`, `INVALID_SECRET` (not base32), `EMPTY_SECRET` (`secret=`).
 * - `INVALID_ALGORITHM`, `INVALID_DIGITS` (not 6–10), `INVALID_PERIOD` (not a positive integer).
 * - `MISSING_COUNTER`, `INVALID_COUNTER` (HOTP; not an integer from 0 to 2^64 − 1).
 * - `ISSUER_MISMATCH`: the label prefix and the `issuer` parameter differ (issuer spoofing).
 * - `INVALID_ISSUER`, `INVALID_ACCOUNT`: empty account, or text breaking the label rules of
 *   {@link buildOtpauthUri}.
 *
 * @example
 * ```ts
 * const uri = 'otpauth://totp/ACME%20Co:alice@example.com?secret=jbswy3dpehpk3pxp&issuer=ACME+Co&image=x';
 * parseOtpauthUri(uri); // { type: 'totp', secret: 'JBSWY3DPEHPK3PXP', account: 'alice@example.com', issuer: 'ACME Co', algorithm: 'SHA1', digits: 6, period: 30 }
 * ```
 * @example Issuer spoofing is refused
 * ```ts
 * try {
 *   parseOtpauthUri('otpauth://totp/Evil:bob?secret=JBSWY3DPEHPK3PXP&issuer=Bank');
 * } catch (err) {
 *   if (err instanceof TwoSvError) console.log(err.code); // 'ISSUER_MISMATCH'
 * }
 * ```
 */
export function parseOtpauthUri(uri: string): OtpauthParams {
  if (typeof uri !== 'string') throw new TwoSvError('INVALID_URI', 'uri must be a string');
  if (uri.length > MAX_LENGTH) {
    throw new TwoSvError('URI_TOO_LONG', `uri must be at most ${MAX_LENGTH} characters`);
  }
  const scheme = SCHEME.exec(uri);
  if (scheme === null) throw new TwoSvError('INVALID_URI', 'uri must start with otpauth://');
  const schemeEnd = scheme[0].length;
  if (schemeEnd !== 8 || scheme[0].toLowerCase() !== 'otpauth:') {
    throw new TwoSvError('INVALID_URI_SCHEME', 'uri scheme must be otpauth');
  }
  if (uri.charCodeAt(8) !== 47 || uri.charCodeAt(9) !== 47) {
    throw new TwoSvError('INVALID_URI', 'uri must start with otpauth://');
  }
  if (BAD_URI.test(uri)) {
    throw new TwoSvError('INVALID_URI', 'uri must not contain control characters, lone surrogates or #');
  }

  // otpauth://TYPE/LABEL?PARAMETERS
  let query = uri.indexOf('?', 10);
  if (query < 0) query = uri.length;
  let slash = uri.indexOf('/', 10);
  if (slash < 0 || slash > query) slash = query;
  const type = uri.slice(10, slash).toLowerCase();
  if (type !== 'totp' && type !== 'hotp') {
    throw new TwoSvError('INVALID_OTP_TYPE', "type must be 'totp' or 'hotp'");
  }
  // A `+` in the path is a plus (RFC 3986; Google Authenticator's `Uri.getPath`), as in alice+tag@example.com.
  const label = decodeComponent(uri.slice(slash + 1, query), 'label', false);

  let secretRaw: string | undefined;
  let issuerRaw: string | undefined;
  let algorithmRaw: string | undefined;
  let digitsRaw: string | undefined;
  let periodRaw: string | undefined;
  let counterRaw: string | undefined;
  let start = query + 1;
  while (start < uri.length) {
    let end = uri.indexOf('&', start);
    if (end < 0) end = uri.length;
    if (end > start) {
      let eq = uri.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      const value = uri.slice(Math.min(eq + 1, end), end);
      const name = uri.slice(start, eq);
      // Known names only, each into its own variable: no object is ever keyed by a parameter name.
      switch (name.length <= 9 ? name.toLowerCase() : '') {
        case 'secret':
          if (secretRaw !== undefined) duplicate('secret');
          secretRaw = value;
          break;
        case 'issuer':
          if (issuerRaw !== undefined) duplicate('issuer');
          issuerRaw = value;
          break;
        case 'algorithm':
          if (algorithmRaw !== undefined) duplicate('algorithm');
          algorithmRaw = value;
          break;
        case 'digits':
          if (digitsRaw !== undefined) duplicate('digits');
          digitsRaw = value;
          break;
        case 'period':
          if (periodRaw !== undefined) duplicate('period');
          periodRaw = value;
          break;
        case 'counter':
          if (counterRaw !== undefined) duplicate('counter');
          counterRaw = value;
          break;
      }
    }
    start = end + 1;
  }

  // Label: `issuer:account` or `account`; the first colon (literal or %3A) separates.
  const colon = label.indexOf(':');
  const prefix = colon < 0 ? '' : label.slice(0, colon).trim();
  const account = (colon < 0 ? label : label.slice(colon + 1)).trim();
  const param = issuerRaw === undefined ? '' : decodeComponent(issuerRaw, 'issuer').trim();
  // `ACME+Co:alice?issuer=ACME+Co` (form-encoded by its writer) names one issuer, not two.
  if (prefix !== '' && param !== '' && prefix !== param && prefix.replace(PLUS, ' ') !== param) {
    throw new TwoSvError('ISSUER_MISMATCH', 'the label prefix and the issuer parameter must be equal');
  }
  const issuerText = param || prefix;
  const issuer = issuerText === '' ? undefined : checkIssuer(issuerText);
  checkAccount(account, issuer !== undefined);

  if (secretRaw === undefined) throw new TwoSvError('MISSING_SECRET', 'the secret parameter is required');
  const secret = checkSecret(decodeComponent(secretRaw, 'secret'));

  let algorithm: Algorithm = OTPAUTH_DEFAULTS.algorithm;
  if (algorithmRaw !== undefined) {
    const text = decodeComponent(algorithmRaw, 'algorithm');
    algorithm = checkAlgorithm(ALGORITHM_VALUE.test(text) ? text.toUpperCase() : text);
  }
  let digits: number = OTPAUTH_DEFAULTS.digits;
  if (digitsRaw !== undefined) {
    const text = decodeComponent(digitsRaw, 'digits');
    digits = checkDigits(DIGITS_VALUE.test(text) ? Number(text) : Number.NaN);
  }

  const result: OtpauthParams = { type, secret, account };
  if (issuer !== undefined) result.issuer = issuer;
  result.algorithm = algorithm;
  result.digits = digits;
  if (type === 'totp') {
    let period: number = OTPAUTH_DEFAULTS.period;
    if (periodRaw !== undefined) {
      const text = decodeComponent(periodRaw, 'period');
      period = checkPeriod(PERIOD_VALUE.test(text) ? Number(text) : Number.NaN);
    }
    result.period = period;
  } else {
    if (counterRaw === undefined)
      throw new TwoSvError('MISSING_COUNTER', 'hotp requires a counter parameter');
    const text = decodeComponent(counterRaw, 'counter');
    if (!COUNTER_VALUE.test(text)) checkCounter(Number.NaN);
    const counter = text.length < 16 ? Number(text) : BigInt(text);
    checkCounter(counter);
    result.counter =
      typeof counter === 'bigint' && counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter;
  }
  return result;
}

function duplicate(name: string): never {
  throw new TwoSvError('DUPLICATE_PARAMETER', `the ${name} parameter must appear at most once`);
}

/** An authenticator app that {@link otpauthCompatibility} knows about. */
export type AuthenticatorApp = 'Google Authenticator' | 'Microsoft Authenticator' | 'Authy' | 'FreeOTP';

/** One app that will not work as the URI intends, from {@link otpauthCompatibility}. */
export interface OtpauthCompatibilityWarning {
  /** The app. */
  app: AuthenticatorApp;
  /** The URI parameter it mishandles. */
  parameter: 'algorithm' | 'digits' | 'period';
  /**
   * `'wrong-codes'`: the app accepts the URI and silently shows codes the server will refuse.
   * `'refused'`: the app will not add the account.
   */
  effect: 'wrong-codes' | 'refused';
  /** One English sentence for a log or a warning shown before the QR code. */
  problem: string;
}

/**
 * Which well-known authenticator apps will not work with an account's settings, so an enrollment page can
 * warn (or pick defaults) before a user scans a QR code that silently fails. With the defaults (SHA1,
 * 6 digits, 30 s) the list is empty.
 *
 * What it knows, and from where:
 * - **Google Authenticator** ignores `algorithm` and `period`, and `digits` on Android (BlackBerry too);
 *   the iOS app honours `digits` 6 or 8 only. Source: the Key Uri Format wiki
 *   (https://github.com/google/google-authenticator/wiki/Key-Uri-Format), "Currently, this parameter is
 *   ignored by the Google Authenticator implementations"; confirmed for SHA256 on Android in
 *   https://github.com/samdjstevens/java-totp/issues/30.
 * - **Microsoft Authenticator** and **Authy** show SHA1, 6-digit, 30-second codes whatever the URI says.
 *   Sources: https://github.com/RobThree/TwoFactorAuth/issues/54 (SHA256 fails in both),
 *   https://github.com/samdjstevens/java-totp/issues/30 (no SHA256 in either),
 *   https://github.com/privacyidea/privacyidea/issues/1156 (Authy: a 60 s period fails), and Authelia's
 *   advice to keep SHA1 and 6 digits for compatibility
 *   (https://www.authelia.com/configuration/second-factor/time-based-one-time-password/).
 * - **FreeOTP** (Android) honours every parameter but refuses `digits` other than 6 or 8 (its `Token.java`
 *   URI parser throws `TokenUriInvalidException`).
 * - **Aegis** honours every parameter (SHA1/256/512, 1–10 digits, any period): never listed.
 *
 * App behaviour changes between versions; treat the list as "known to fail", not "known to work".
 *
 * @param uriOrParams - a URI (parsed with {@link parseOtpauthUri}) or params (checked as by
 *   {@link buildOtpauthUri}).
 * @returns the warnings, grouped by parameter (algorithm, digits, period), empty when every listed app
 *   works.
 * @throws {@link TwoSvError} whatever {@link parseOtpauthUri} or {@link buildOtpauthUri} throws for it.
 *
 * @example
 * ```ts
 * otpauthCompatibility({ type: 'totp', secret: 'JBSWY3DPEHPK3PXP', account: 'alice' }); // []
 * const warnings = otpauthCompatibility('otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256');
 * warnings.map((w) => w.app); // ['Google Authenticator', 'Microsoft Authenticator', 'Authy']
 * warnings[0]; // { app: 'Google Authenticator', parameter: 'algorithm', effect: 'wrong-codes', problem: 'ignores algorithm=SHA256 and shows SHA1 codes' }
 * ```
 */
export function otpauthCompatibility(uriOrParams: string | OtpauthParams): OtpauthCompatibilityWarning[] {
  const p = parseOtpauthUri(typeof uriOrParams === 'string' ? uriOrParams : buildOtpauthUri(uriOrParams));
  const warnings: OtpauthCompatibilityWarning[] = [];
  const add = (
    app: AuthenticatorApp,
    parameter: OtpauthCompatibilityWarning['parameter'],
    effect: OtpauthCompatibilityWarning['effect'],
    problem: string,
  ) => warnings.push({ app, parameter, effect, problem });

  if (p.algorithm !== 'SHA1') {
    const problem = `ignores algorithm=${p.algorithm} and shows SHA1 codes`;
    add('Google Authenticator', 'algorithm', 'wrong-codes', problem);
    add('Microsoft Authenticator', 'algorithm', 'wrong-codes', problem);
    add('Authy', 'algorithm', 'wrong-codes', problem);
  }
  if (p.digits !== 6) {
    add(
      'Google Authenticator',
      'digits',
      'wrong-codes',
      p.digits === 8
        ? 'ignores digits=8 on Android and shows 6-digit codes'
        : `ignores digits=${p.digits} on Android and shows 6-digit codes; iOS supports only 6 or 8`,
    );
    const problem = `ignores digits=${p.digits} and shows 6-digit codes`;
    add('Microsoft Authenticator', 'digits', 'wrong-codes', problem);
    add('Authy', 'digits', 'wrong-codes', problem);
    if (p.digits !== 8) add('FreeOTP', 'digits', 'refused', `refuses digits=${p.digits}: only 6 or 8`);
  }
  if (p.type === 'totp' && p.period !== 30) {
    const problem = `ignores period=${p.period} and shows codes for 30-second steps`;
    add('Google Authenticator', 'period', 'wrong-codes', problem);
    add('Microsoft Authenticator', 'period', 'wrong-codes', problem);
    add('Authy', 'period', 'wrong-codes', problem);
  }
  return warnings;
}
