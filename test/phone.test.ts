import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TwoSvError } from '../src/errors.js';
import { callingCode, isSamePhone, maskPhone, normalizePhone } from '../src/phone.js';
import { expectTwoSvError } from './support/errors.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TwoSvError ? err.code : 'not a TwoSvError';
  }
  return undefined;
}

describe('normalizePhone', () => {
  it.each([
    ['+12015550100', '+12015550100'],
    ['+1 (201) 555-0100', '+12015550100'],
    ['+1 201-555-0100', '+12015550100'],
    ['+1.201.555.0100', '+12015550100'],
    ['001 201 555 0100', '+12015550100'],
    ['  +1 201 555 0100  ', '+12015550100'],
    ['＋１ ２０１ ５５５ ０１００', '+12015550100'], // full-width plus and digits
    ['+1\u00a0201\u00a0555\u00a00100', '+12015550100'], // no-break spaces
    ['+1 201 – 555 – 0100', '+12015550100'], // en dashes
    ['+1 201\u2011555\u20110100', '+12015550100'], // non-breaking hyphens
    ['+44 (0)20 7946 0000', '+442079460000'], // trunk prefix in parentheses
    ['0044 20 7946 0000', '+442079460000'],
    ['+81 3-1234-5678', '+81312345678'],
    ['+683 4002', '+6834002'], // Niue: 7 digits, the shortest
    ['+123456789012345', '+123456789012345'], // 15 digits, the longest
  ])('%s → %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([
    ['letters', '+1 555 FLOWERS'],
    ['extension x', '+1 201 555 0100 x12'],
    ['extension ext.', '+1 201 555 0100 ext. 12'],
    ['extension ;ext=', '+12015550100;ext=12'],
    ['extension #', '+12015550100#12'],
    ['pause comma', '+12015550100,12'],
    ['no country code', '(201) 555-0100'],
    ['national with trunk 0', '020 7946 0000'],
    ['too many digits', '+1234567890123456'],
    ['too few digits', '+123456'],
    ['empty', ''],
    ['plus only', '+'],
    ['country code 0', '+0 201 555 0100'],
    ['two plus signs', '++12015550100'],
    ['plus in the middle', '+1201+5550100'],
    ['unbalanced parenthesis', '+1 (201 555 0100'],
    ['nested parentheses', '+1 ((201)) 555 0100'],
    ['slash', '+1 201/555/0100'],
    ['Arabic-Indic digits', '+١٥٥٥٠١٠٠٠٠٠'],
    ['very long input', `+1${' '.repeat(100)}2015550100`],
  ])('refuses %s', (_, input) => {
    expect(code(() => normalizePhone(input))).toBe('INVALID_PHONE');
  });

  it('refuses a non-string', () => {
    expect(code(() => normalizePhone(12015550100 as unknown as string))).toBe('INVALID_PHONE');
  });

  it('never repeats the input in its message', () => {
    for (const typed of ['+1 201 555 0100 ext. 4242', '+1 555 FLOWERS', '+12015550100999999999']) {
      expectTwoSvError(() => normalizePhone(typed), 'INVALID_PHONE', {
        secrets: [typed, '4242', '2015550100', 'FLOWERS'],
      });
    }
  });

  it('property: every spelling with separators normalises to the same number', () => {
    const digits = fc.stringMatching(/^[1-9][0-9]{6,14}$/);
    const sep = fc.constantFrom('', ' ', '-', '.', '\u2013', '\u00a0');
    fc.assert(
      fc.property(digits, fc.array(sep, { minLength: 15, maxLength: 15 }), fc.boolean(), (d, seps, zeros) => {
        const spelled = (zeros ? '00' : '+') + [...d].map((c, i) => c + seps[i]).join('');
        expect(normalizePhone(spelled)).toBe(`+${d}`);
        const fullWidth = spelled.replace(/[0-9+]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
        expect(normalizePhone(fullWidth)).toBe(`+${d}`);
      }),
    );
  });
});

describe('isSamePhone', () => {
  it('compares normalised forms', () => {
    expect(isSamePhone('+1 (201) 555-0100', '+12015550100')).toBe(true);
    expect(isSamePhone('0012015550100', '＋１２０１５５５０１００')).toBe(true);
    expect(isSamePhone('+12015550100', '+12015550101')).toBe(false);
    expect(isSamePhone('nope', 'nope')).toBe(false);
  });
});

describe('callingCode and maskPhone', () => {
  it.each([
    ['+12015550100', '1'],
    ['+79161234567', '7'],
    ['+442079460000', '44'],
    ['+8613812345678', '86'],
    ['+35312345678', '353'],
    ['+6834002', '683'],
  ])('calling code of %s is %s', (e164, cc) => {
    expect(callingCode(e164)).toBe(cc);
  });

  it.each([
    ['+1 (201) 555-0100', '+1••••••0100'],
    ['+44 7700 900123', '+44••••••0123'],
    ['+353 1 234 5678', '+353••••5678'],
    ['+683 4002', '+683••02'],
  ])('masks %s as %s', (input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });

  it('property: a mask keeps the length and hides at least a third of the national digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{6,14}$/), (d) => {
        const masked = maskPhone(`+${d}`);
        expect(masked.length).toBe(d.length + 1);
        const hidden = [...masked].filter((c) => c === '•').length;
        const national = d.length - callingCode(`+${d}`).length;
        expect(hidden).toBeGreaterThanOrEqual(Math.ceil(national / 3));
      }),
    );
  });

  it('refuses an invalid number', () => {
    expect(code(() => maskPhone('555'))).toBe('INVALID_PHONE');
  });
});
