/**
 * E-mail destinations: checking and normalising an address, masking it for display, and telling which
 * mailbox it reaches, so that per-destination send caps count mailboxes rather than spellings.
 * @module
 */
import { TwoSvError } from './errors.js';

const LOCAL_BAD = /[\s\p{Cc}<>()[\]\\,;:@"]/u;
const DOMAIN = /^(?=.{1,253}$)([\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;
const ASCII_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;
const DOTS = /\./g;

/** Domains whose mailboxes ignore dots in the local part, each mapped to the one it is an alias of. */
const DOTLESS_DOMAINS: Readonly<Record<string, string>> = /* @__PURE__ */ Object.freeze({
  'gmail.com': 'gmail.com',
  'googlemail.com': 'gmail.com',
});

function invalid(): never {
  throw new TwoSvError('INVALID_EMAIL', 'email must be an address like name@example.com');
}

/**
 * Checks and normalises an e-mail address: trimmed, Unicode NFC, the domain lower-cased. Deliberately
 * permissive in the local part (the part before the last `@`; its mailbox server decides what it means),
 * strict about what can never be an address: no `@`, an empty local part, a local part over 64 characters
 * or with whitespace, controls or any of `<>()[]\,;:@"` (so no quoted local parts), a domain that is not
 * dot-separated labels of letters, digits and inner hyphens ending in a letters-only top-level label, or
 * more than 254 characters in all (checked before any other work).
 *
 * The local part keeps its case: two spellings that differ only there are, by the standard, two
 * mailboxes. For "which mailbox does this reach", see {@link mailboxKey}.
 *
 * @param input - the address as typed.
 * @returns the normalised address.
 * @throws {@link TwoSvError} `INVALID_EMAIL`; the message never contains the address.
 *
 * @example
 * ```ts
 * normalizeEmail('  Alice.Smith@Example.COM '); // 'Alice.Smith@example.com'
 * normalizeEmail('李@例子.中国'); // '李@例子.中国'
 * ```
 */
export function normalizeEmail(input: string): string {
  if (typeof input !== 'string' || input.length > 254) invalid();
  const text = input.trim().normalize('NFC');
  const at = text.lastIndexOf('@');
  if (at < 1) invalid();
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (local.length > 64 || LOCAL_BAD.test(local)) invalid();
  if (!DOMAIN.test(domain)) invalid();
  return `${local}@${domain}`;
}

/**
 * An e-mail address masked for display, as in "we sent a code to a•••@example.com": the first character
 * of the local part and the whole domain. The address is normalised first ({@link normalizeEmail}).
 *
 * @param email - the address.
 * @returns the masked address; it never shows more than one character of the local part.
 * @throws {@link TwoSvError} `INVALID_EMAIL`; the message never contains the address.
 *
 * @example
 * ```ts
 * maskEmail('alice@example.com'); // 'a•••@example.com'
 * maskEmail(' Bob@Example.org'); // 'B•••@example.org'
 * ```
 */
export function maskEmail(email: string): string {
  const normalized = normalizeEmail(email);
  const at = normalized.lastIndexOf('@');
  // The first code point, not the first UTF-16 unit: never half of a surrogate pair.
  const first = String.fromCodePoint(normalized.codePointAt(0)!);
  return `${first}•••@${normalized.slice(at + 1)}`;
}

/**
 * Which mailbox an address reaches, as a key for counting sends per destination: two addresses with the
 * same key deliver to the same inbox at the providers this knows about, so a per-destination send cap
 * keyed by it cannot be dodged by spelling one inbox many ways (`victim+1@example.com`,
 * `victim+2@example.com`, `V.I.C.T.I.M@gmail.com`...). It is a key, not an address to send to.
 *
 * The rule, after {@link normalizeEmail}:
 * 1. The domain is converted to its ASCII (IDNA, Punycode) form, with the WHATWG URL parser's UTS #46
 *    mapping, so `bücher.example`, `BÜCHER.example` and `xn--bcher-kva.example` are one domain.
 * 2. The local part is lower-cased. By the standard (RFC 5321 §2.4) it is case-sensitive, but every large
 *    provider treats it case-insensitively.
 * 3. A sub-address tag, from the first `+` of the local part on, is removed (`alice+news` → `alice`), as
 *    Gmail, Outlook.com, iCloud, Fastmail, Proton and most servers deliver it. A local part that begins
 *    with `+` is kept whole.
 * 4. For `gmail.com` and `googlemail.com` (one mailbox at either) dots in the local part are removed and
 *    the domain is `gmail.com`: Gmail ignores dots.
 *
 * Limits: merging errs towards a stricter cap. A server that treats `a+b` or `Alice` as a mailbox of its
 * own shares its count with `a` or `alice`, which only makes the cap tighter for those rare addresses. What
 * this cannot see: tags with other separators (`-` at Yahoo and qmail, which is too common in real names to
 * strip), Google Workspace domains (they ignore dots like Gmail, but cannot be told from the domain),
 * aliases and forwarding between different domains, catch-all domains (every local part reaches one
 * inbox), and disposable-address services. Pair a per-destination cap with per-user and per-IP limits.
 *
 * @param email - the address.
 * @returns the mailbox key, `local@ascii-domain`.
 * @throws {@link TwoSvError} `INVALID_EMAIL`, as {@link normalizeEmail}; the message never contains the
 *   address.
 *
 * @example
 * ```ts
 * mailboxKey('Victim+1@Example.com'); // 'victim@example.com'
 * mailboxKey('v.i.c.t.i.m+promo@googlemail.com'); // 'victim@gmail.com'
 * mailboxKey('first.last@example.com'); // 'first.last@example.com': dots matter outside Gmail
 * mailboxKey('max@bücher.example'); // 'max@xn--bcher-kva.example'
 * ```
 */
export function mailboxKey(email: string): string {
  const normalized = normalizeEmail(email);
  const at = normalized.lastIndexOf('@');
  let local = normalized.slice(0, at).toLowerCase();
  let domain = asciiDomain(normalized.slice(at + 1));
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const dotless = Object.hasOwn(DOTLESS_DOMAINS, domain) ? DOTLESS_DOMAINS[domain] : undefined;
  if (dotless !== undefined) {
    domain = dotless;
    const undotted = local.replace(DOTS, '');
    if (undotted !== '') local = undotted;
  }
  return `${local}@${domain}`;
}

/** The IDNA ASCII form of a domain that {@link normalizeEmail} accepted. */
function asciiDomain(domain: string): string {
  let host: string;
  try {
    host = new URL(`http://${domain}/`).hostname;
  } catch {
    invalid();
  }
  // UTS #46 may map a name accepted above to one it then refuses or changes shape; stay strict.
  if (!ASCII_DOMAIN.test(host)) invalid();
  return host;
}
