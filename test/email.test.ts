/**
 * E-mail destinations: normalizeEmail, maskEmail and mailboxKey. Known answers first (tables), then
 * properties, then bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mailboxKey, maskEmail, normalizeEmail } from '../src/index.js';
import { expectTwoSvError } from './support/errors.js';

describe('normalizeEmail', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['  Alice.Smith@Example.COM ', 'Alice.Smith@example.com'],
    ['\tbob+tag@EXAMPLE.org\n', 'bob+tag@example.org'],
    ['o\u0301scar@example.com', '\u00f3scar@example.com'], // NFC: o + combining acute is ó
    ['李@例子.中国', '李@例子.中国'],
    ['max@BÜCHER.example', 'max@bücher.example'],
    ["o'brien-x_y.z!#$%&*=?^`{|}~@sub.example.co.uk", "o'brien-x_y.z!#$%&*=?^`{|}~@sub.example.co.uk"],
    [`${'a'.repeat(64)}@example.com`, `${'a'.repeat(64)}@example.com`],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
    expect(normalizeEmail(expected)).toBe(expected); // idempotent
  });

  it.each([
    ['no @', 'alice.example.com'],
    ['empty local part', '@example.org'],
    ['no domain', 'alice@'],
    ['no top-level domain', 'alice@localhost'],
    ['numeric top-level domain', 'alice@example.123'],
    ['IP literal', 'alice@[192.0.2.1]'],
    ['space inside', 'ali ce@example.com'],
    ['quoted local part', '"alice"@example.com'],
    ['two @', 'a@b@example.com'],
    ['angle brackets', '<alice@example.com>'],
    ['control character', 'ali\u0000ce@example.com'],
    ['leading hyphen label', 'alice@-example.com'],
    ['empty label', 'alice@example..com'],
    ['trailing dot', 'alice@example.com.'],
    ['local part over 64', `${'a'.repeat(65)}@example.com`],
    ['over 254 characters', `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`],
    ['10 MB', `${'a'.repeat(10_000_000)}@example.com`],
    ['not a string', 42],
    ['null', null],
  ])('refuses %s', (_, input) => {
    const secrets = typeof input === 'string' && input.length < 300 ? [input] : [];
    expectTwoSvError(() => normalizeEmail(input as string), 'INVALID_EMAIL', { mentions: 'email', secrets });
  });
});

describe('maskEmail', () => {
  it.each([
    ['alice@example.com', 'a•••@example.com'],
    [' Bob@Example.org', 'B•••@example.org'],
    ['x@example.com', 'x•••@example.com'],
    ['😀smile@example.com', '😀•••@example.com'], // a whole code point, never half a surrogate pair
    ['李@例子.中国', '李•••@例子.中国'],
  ])('%j → %j', (input, expected) => {
    expect(maskEmail(input)).toBe(expected);
  });

  it('never shows more than the first character of the local part', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9._%+-]{2,20}$/), (local) => {
        const masked = maskEmail(`${local}@example.com`);
        expect(masked).toBe(`${local[0]}•••@example.com`);
      }),
    );
  });

  it('refuses what normalizeEmail refuses', () => {
    expectTwoSvError(() => maskEmail('not an address'), 'INVALID_EMAIL');
  });
});

describe('mailboxKey', () => {
  it.each([
    // case-folded, local part and domain
    ['Alice@Example.COM', 'alice@example.com'],
    // sub-address tags removed, from the first +
    ['victim+1@example.com', 'victim@example.com'],
    ['victim+a+b@example.com', 'victim@example.com'],
    ['victim+@example.com', 'victim@example.com'],
    ['+victim@example.com', '+victim@example.com'], // nothing before the + : kept whole
    // dots matter, except at Gmail
    ['first.last@example.com', 'first.last@example.com'],
    ['First.Last@gmail.com', 'firstlast@gmail.com'],
    ['f.i.r.s.t.l.a.s.t+x@GMAIL.com', 'firstlast@gmail.com'],
    ['firstlast@googlemail.com', 'firstlast@gmail.com'],
    ['...@gmail.com', '...@gmail.com'], // all dots: nothing left to key by, kept
    ['first.last@gmail.com.example', 'first.last@gmail.com.example'], // not Gmail
    ['first.last@mail.gmail.com', 'first.last@mail.gmail.com'], // a subdomain is another domain
    // hyphen tags are not stripped (real names use hyphens)
    ['jean-luc@example.com', 'jean-luc@example.com'],
    // the domain in its ASCII form (RFC 3492's 'bücher' example)
    ['max@bücher.example', 'max@xn--bcher-kva.example'],
    ['max@BÜCHER.example', 'max@xn--bcher-kva.example'],
    ['max@xn--bcher-kva.example', 'max@xn--bcher-kva.example'],
  ])('%j → %j', (input, expected) => {
    expect(mailboxKey(input)).toBe(expected);
  });

  it("the issue's case: 40 tagged spellings of one inbox are one destination", () => {
    const keys = new Set<string>();
    for (let i = 1; i <= 40; i++) keys.add(mailboxKey(`victim+${i}@example.com`));
    for (const spelling of ['VICTIM@example.com', 'Victim+x@EXAMPLE.COM', ' victim@example.com ']) {
      keys.add(mailboxKey(spelling));
    }
    expect([...keys]).toEqual(['victim@example.com']);
  });

  it('properties: idempotent, and blind to case, tags and (at Gmail) dots', () => {
    const local = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
    const tag = fc.stringMatching(/^[a-zA-Z0-9.+_-]{0,10}$/);
    const domain = fc.constantFrom('example.com', 'gmail.com', 'googlemail.com', 'sub.example.org');
    fc.assert(
      fc.property(local, tag, domain, (l, t, d) => {
        const key = mailboxKey(`${l}@${d}`);
        expect(mailboxKey(key)).toBe(key);
        expect(mailboxKey(`${l.toUpperCase()}+${t}@${d.toUpperCase()}`)).toBe(key);
        if (d === 'gmail.com' || d === 'googlemail.com') {
          const dotted = [...l].join('.');
          expect(mailboxKey(`${dotted}@gmail.com`)).toBe(key);
        }
      }),
    );
  });

  it('different mailboxes keep different keys', () => {
    const keys = ['alice@example.com', 'alicia@example.com', 'alice@example.org', 'a.lice@example.com'].map(
      mailboxKey,
    );
    expect(new Set(keys).size).toBe(4);
  });

  it.each([['no-at-sign'], ['alice@localhost'], [`${'a'.repeat(300)}@example.com`]])(
    'refuses %j with INVALID_EMAIL, never echoing it',
    (input) => {
      expectTwoSvError(() => mailboxKey(input), 'INVALID_EMAIL', { secrets: [input.slice(0, 40)] });
    },
  );
});
