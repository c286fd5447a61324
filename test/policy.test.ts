import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TwoSvError, type TwoSvErrorCode } from '../src/errors.js';
import {
  backupKindsFor,
  checkAddDevice,
  checkRemoveDevice,
  checkReplaceDevice,
  checkSwapPrimary,
  DEVICE_KINDS,
  type DeviceKind,
  defaultPolicy,
  definePolicy,
  isPrimaryKind,
  isRecentVerification,
  isSetupComplete,
  lockDurationMs,
  type Policy,
  type PolicyDevice,
  type PolicyInput,
  type PolicyReason,
  policyErrorCode,
  validatePolicy,
} from '../src/policy.js';

// The brief's device table, written out independently of src/policy.ts.
const BRIEF_TABLE: Record<string, DeviceKind[]> = {
  sms: ['voice', 'sms', 'authenticator'],
  authenticator: ['sms', 'voice'],
};

const PHONE_A = '+12015550100';
const PHONE_B = '+12015550101';
const phoneFor = (kind: DeviceKind, n: string) => (kind === 'authenticator' ? undefined : n);

function device(id: string, kind: DeviceKind, role: 'primary' | 'backup', phone?: string): PolicyDevice {
  return { id, kind, role, phone: kind === 'authenticator' ? undefined : phone };
}

describe('defaultPolicy encodes the brief', () => {
  it('primary kinds are exactly the rows of the table', () => {
    for (const kind of DEVICE_KINDS) expect(isPrimaryKind(defaultPolicy, kind)).toBe(kind in BRIEF_TABLE);
  });

  describe('every pair of kinds: allowed exactly when the table lists it', () => {
    for (const primary of DEVICE_KINDS) {
      for (const backup of DEVICE_KINDS) {
        const allowed = BRIEF_TABLE[primary]?.includes(backup) ?? false;
        it(`${primary} primary, ${backup} backup: ${allowed ? 'allowed' : 'refused'}`, () => {
          const first = checkAddDevice(defaultPolicy, [], {
            kind: primary,
            role: 'primary',
            phone: phoneFor(primary, PHONE_A),
          });
          if (!(primary in BRIEF_TABLE)) {
            expect(first).toEqual({ ok: false, reason: 'primary-kind-not-allowed' });
            return;
          }
          expect(first).toEqual({ ok: true });
          const devices = [device('p', primary, 'primary', PHONE_A)];
          const second = checkAddDevice(defaultPolicy, devices, {
            kind: backup,
            role: 'backup',
            phone: phoneFor(backup, PHONE_B),
          });
          expect(second).toEqual(allowed ? { ok: true } : { ok: false, reason: 'backup-kind-not-allowed' });
        });
      }
    }
  });

  it('the same number is never primary and backup, whatever the kinds', () => {
    const devices = [device('p', 'sms', 'primary', PHONE_A)];
    for (const kind of ['sms', 'voice'] as const) {
      expect(checkAddDevice(defaultPolicy, devices, { kind, role: 'backup', phone: PHONE_A })).toEqual({
        ok: false,
        reason: 'duplicate-phone',
      });
    }
  });

  it('numbers are compared normalised: spaces, dashes, 00 and full-width digits are the same number', () => {
    // An app with its own storage may keep numbers as typed; the rule must hold all the same.
    const devices = [device('p', 'sms', 'primary', '+1 (201) 555-0100')];
    for (const phone of [PHONE_A, '001 201 555 0100', '+1-201-555-0100', '＋１ ２０１ ５５５ ０１００']) {
      expect(checkAddDevice(defaultPolicy, devices, { kind: 'voice', role: 'backup', phone })).toEqual({
        ok: false,
        reason: 'duplicate-phone',
      });
    }
    const phones = [device('p', 'sms', 'primary', PHONE_A), device('b', 'sms', 'backup', PHONE_B)];
    expect(checkReplaceDevice(defaultPolicy, phones, 'b', { kind: 'voice', phone: '0012015550100' })).toEqual(
      {
        ok: false,
        reason: 'duplicate-phone',
      },
    );
    expect(checkAddDevice(defaultPolicy, devices, { kind: 'sms', role: 'backup', phone: PHONE_B })).toEqual({
      ok: true,
    });
  });

  it('numbers are compared parsed: a kept trunk prefix or the national form with its region is one number', () => {
    // The case: +44 07400 ... (trunk 0 kept, as people write it) is +44 7400 ...
    const london = [device('p', 'sms', 'primary', '+44 7400 123456')];
    for (const phone of ['+44 07400 123456', '+44 (0)7400 123456', '0044 7400 123456']) {
      expect(checkAddDevice(defaultPolicy, london, { kind: 'voice', role: 'backup', phone })).toEqual({
        ok: false,
        reason: 'duplicate-phone',
      });
    }
    const mainland = [device('p', 'sms', 'primary', '+86 138 0013 8000')];
    expect(
      checkAddDevice(defaultPolicy, mainland, {
        kind: 'voice',
        role: 'backup',
        phone: '＋８６ １３８－００１３－８０００',
      }),
    ).toEqual({ ok: false, reason: 'duplicate-phone' });
    expect(
      checkAddDevice(defaultPolicy, mainland, { kind: 'voice', role: 'backup', phone: '+86 138 0013 8001' }),
    ).toEqual({ ok: true });
  });

  it('one backup by default', () => {
    const devices = [device('p', 'sms', 'primary', PHONE_A), device('b', 'authenticator', 'backup')];
    expect(checkAddDevice(defaultPolicy, devices, { kind: 'voice', role: 'backup', phone: PHONE_B })).toEqual(
      {
        ok: false,
        reason: 'too-many-backups',
      },
    );
  });

  it('a backup needs a primary, and there is only one primary', () => {
    expect(checkAddDevice(defaultPolicy, [], { kind: 'sms', role: 'backup', phone: PHONE_A })).toEqual({
      ok: false,
      reason: 'primary-required',
    });
    const devices = [device('p', 'authenticator', 'primary')];
    expect(checkAddDevice(defaultPolicy, devices, { kind: 'sms', role: 'primary', phone: PHONE_A })).toEqual({
      ok: false,
      reason: 'primary-exists',
    });
  });

  it('backupKindsFor', () => {
    expect(backupKindsFor(defaultPolicy, 'authenticator')).toEqual(['sms', 'voice']);
    expect(backupKindsFor(defaultPolicy, 'voice')).toEqual([]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(defaultPolicy)).toBe(true);
    expect(Object.isFrozen(defaultPolicy.table.sms)).toBe(true);
    expect(Object.isFrozen(defaultPolicy.sendLimits.perUser)).toBe(true);
  });
});

describe('checkSwapPrimary', () => {
  it('follows the table for every arrangement of two devices', () => {
    for (const [primary, backups] of Object.entries(BRIEF_TABLE)) {
      for (const backup of backups) {
        const devices = [
          device('p', primary as DeviceKind, 'primary', PHONE_A),
          device('b', backup, 'backup', PHONE_B),
        ];
        const allowed = BRIEF_TABLE[backup]?.includes(primary as DeviceKind) ?? false;
        const expected = !(backup in BRIEF_TABLE)
          ? { ok: false, reason: 'primary-kind-not-allowed' }
          : allowed
            ? { ok: true }
            : { ok: false, reason: 'backup-kind-not-allowed' };
        expect(checkSwapPrimary(defaultPolicy, devices, 'b'), `${primary}/${backup}`).toEqual(expected);
      }
    }
  });

  it('refuses a voice phone as the new primary, a non-backup and an unknown device', () => {
    const devices = [device('p', 'sms', 'primary', PHONE_A), device('b', 'voice', 'backup', PHONE_B)];
    expect(checkSwapPrimary(defaultPolicy, devices, 'b')).toEqual({
      ok: false,
      reason: 'primary-kind-not-allowed',
    });
    expect(checkSwapPrimary(defaultPolicy, devices, 'p')).toEqual({ ok: false, reason: 'not-a-backup' });
    expect(checkSwapPrimary(defaultPolicy, devices, 'x')).toEqual({ ok: false, reason: 'unknown-device' });
  });

  it('checks the other backups against the new primary', () => {
    const policy = definePolicy({ maxBackups: 2 });
    const devices = [
      device('p', 'sms', 'primary', PHONE_A),
      device('a', 'authenticator', 'backup'),
      device('s', 'sms', 'backup', PHONE_B),
    ];
    expect(checkSwapPrimary(policy, devices, 'a')).toEqual({ ok: true });
    expect(checkSwapPrimary(policy, devices, 's')).toEqual({ ok: true });
  });
});

describe('checkReplaceDevice', () => {
  const devices = [device('p', 'sms', 'primary', PHONE_A), device('b', 'authenticator', 'backup')];

  it('a replacement takes the old role and must fit the table', () => {
    expect(checkReplaceDevice(defaultPolicy, devices, 'p', { kind: 'sms', phone: PHONE_B })).toEqual({
      ok: true,
    });
    expect(checkReplaceDevice(defaultPolicy, devices, 'p', { kind: 'voice', phone: PHONE_B })).toEqual({
      ok: false,
      reason: 'primary-kind-not-allowed',
    });
    expect(checkReplaceDevice(defaultPolicy, devices, 'p', { kind: 'authenticator' })).toEqual({
      ok: false,
      reason: 'backup-kind-not-allowed',
    });
    expect(checkReplaceDevice(defaultPolicy, devices, 'b', { kind: 'voice', phone: PHONE_B })).toEqual({
      ok: true,
    });
    expect(checkReplaceDevice(defaultPolicy, devices, 'x', { kind: 'voice', phone: PHONE_B })).toEqual({
      ok: false,
      reason: 'unknown-device',
    });
  });

  it("the old device's number is free, another device's is not", () => {
    const phones = [device('p', 'sms', 'primary', PHONE_A), device('b', 'sms', 'backup', PHONE_B)];
    expect(checkReplaceDevice(defaultPolicy, phones, 'b', { kind: 'voice', phone: PHONE_B })).toEqual({
      ok: true,
    });
    expect(checkReplaceDevice(defaultPolicy, phones, 'b', { kind: 'voice', phone: PHONE_A })).toEqual({
      ok: false,
      reason: 'duplicate-phone',
    });
  });
});

describe('checkRemoveDevice', () => {
  const devices = [device('p', 'authenticator', 'primary'), device('b', 'sms', 'backup', PHONE_A)];

  it('keeps the primary while others depend on it', () => {
    expect(checkRemoveDevice(defaultPolicy, devices, 'p', true)).toEqual({
      ok: false,
      reason: 'primary-not-removable',
    });
    expect(checkRemoveDevice(defaultPolicy, devices.slice(0, 1), 'p', false)).toEqual({ ok: true });
    expect(checkRemoveDevice(defaultPolicy, devices.slice(0, 1), 'p', true)).toEqual({
      ok: false,
      reason: 'primary-not-removable',
    });
  });

  it('keeps the last backup while 2SV is on and the policy requires one', () => {
    expect(checkRemoveDevice(defaultPolicy, devices, 'b', true)).toEqual({
      ok: false,
      reason: 'backup-required',
    });
    expect(checkRemoveDevice(defaultPolicy, devices, 'b', false)).toEqual({ ok: true });
    expect(checkRemoveDevice(definePolicy({ requireBackup: false }), devices, 'b', true)).toEqual({
      ok: true,
    });
    expect(checkRemoveDevice(defaultPolicy, devices, 'x', true)).toEqual({
      ok: false,
      reason: 'unknown-device',
    });
  });
});

describe('isSetupComplete', () => {
  it('needs a primary and, by default, a backup', () => {
    const p = device('p', 'authenticator', 'primary');
    expect(isSetupComplete(defaultPolicy, [])).toBe(false);
    expect(isSetupComplete(defaultPolicy, [p])).toBe(false);
    expect(isSetupComplete(defaultPolicy, [p, device('b', 'sms', 'backup', PHONE_A)])).toBe(true);
    expect(isSetupComplete(definePolicy({ requireBackup: false }), [p])).toBe(true);
  });
});

describe('lockDurationMs and isRecentVerification', () => {
  it('doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000].map((n) => lockDurationMs(defaultPolicy, n) / 60_000)).toEqual([
      15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440,
    ]);
  });

  it('property: never shorter than the first lock nor longer than the cap, and monotone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        const d = lockDurationMs(defaultPolicy, n);
        expect(d).toBeGreaterThanOrEqual(defaultPolicy.lockout.duration * 1000);
        expect(d).toBeLessThanOrEqual(defaultPolicy.lockout.maxDuration * 1000);
        expect(lockDurationMs(defaultPolicy, n + 1)).toBeGreaterThanOrEqual(d);
      }),
    );
  });

  it('recent means within recentVerification, never in the future', () => {
    expect(isRecentVerification(defaultPolicy, 0, 600_000)).toBe(true);
    expect(isRecentVerification(defaultPolicy, 0, 600_001)).toBe(false);
    expect(isRecentVerification(defaultPolicy, 1000, 999)).toBe(false);
    expect(isRecentVerification(defaultPolicy, undefined, 0)).toBe(false);
  });
});

describe('definePolicy', () => {
  it('fills defaults field by field and freezes', () => {
    const policy = definePolicy({ lockout: { failures: 5 }, sendLimits: { perUser: { hour: 3 } } });
    expect(policy.lockout).toEqual({ failures: 5, duration: 900, maxDuration: 86_400 });
    expect(policy.sendLimits.perUser).toEqual({ hour: 3, day: 10 });
    expect(policy.table).toEqual(defaultPolicy.table);
    expect(Object.isFrozen(policy.lockout)).toBe(true);
    expect(definePolicy()).toEqual(defaultPolicy);
  });

  it('can forbid phones as primary (NIST restricted authenticators)', () => {
    const policy = definePolicy({ table: { authenticator: ['sms', 'voice'] } });
    expect(checkAddDevice(policy, [], { kind: 'sms', role: 'primary', phone: PHONE_A })).toEqual({
      ok: false,
      reason: 'primary-kind-not-allowed',
    });
  });

  it('builds on another base', () => {
    const strict = definePolicy({ attemptsPerCode: 3 });
    expect(definePolicy({ maxBackups: 2 }, strict).attemptsPerCode).toBe(3);
  });

  it.each<[string, PolicyInput]>([
    ['empty table', { table: {} }],
    ['unknown primary kind', { table: { email: ['sms'] } as never }],
    ['unknown backup kind', { table: { sms: ['email'] } as never }],
    ['repeated backup kind', { table: { sms: ['voice', 'voice'] } }],
    ['backup list not an array', { table: { sms: 'voice' } as never }],
    ['required backup, none allowed', { maxBackups: 0 }],
    ['required backup, primary with no backup kinds', { table: { authenticator: [] } }],
    ['maxBackups too large', { maxBackups: 11 }],
    ['fractional maxBackups', { maxBackups: 1.5 }],
    ['requireBackup not boolean', { requireBackup: 'yes' as never }],
    ['code too short', { code: { digits: 4 } }],
    ['code lifetime too long', { code: { lifetime: 7200 } }],
    ['totp algorithm', { totp: { algorithm: 'MD5' as never } }],
    ['totp window', { totp: { window: 11 } }],
    ['totp period', { totp: { period: 0 } }],
    ['attemptsPerCode zero', { attemptsPerCode: 0 }],
    ['more attempts per code than failures before a lock', { attemptsPerCode: 20 }],
    ['lockout beyond NIST 100', { lockout: { failures: 101 } }],
    ['first lock longer than the longest', { lockout: { duration: 100_000 } }],
    ['hourly cap above daily', { sendLimits: { perUser: { hour: 20 } } }],
    ['destination hourly cap above daily', { sendLimits: { perDestination: { hour: 20 } } }],
    ['negative cooldown', { sendLimits: { cooldown: -1 } }],
    ['recentVerification zero', { recentVerification: 0 }],
    ['nested not an object', { lockout: 5 as never }],
    ['no recovery codes in a set', { recoveryCodes: { count: 0 } }],
    ['too many recovery codes', { recoveryCodes: { count: 51 } }],
    ['recoveryCodes.enabled not boolean', { recoveryCodes: { enabled: 1 as never } }],
    ['negative recovery warning', { recoveryCodes: { warnAt: -1 } }],
    ['remembered browsers for 0 days', { rememberBrowser: { days: 0 } }],
    ['remembered browsers for over 400 days', { rememberBrowser: { days: 401 } }],
    ['no remembered browser allowed', { rememberBrowser: { max: 0 } }],
    ['rememberBrowser.enabled not boolean', { rememberBrowser: { enabled: 'no' as never } }],
    ['rememberBrowser not an object', { rememberBrowser: [] as never }],
  ])('refuses %s', (_, input) => {
    let caught: unknown;
    try {
      definePolicy(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TwoSvError);
    expect((caught as TwoSvError).code).toBe('INVALID_POLICY');
  });

  it('recovery codes and remembered browsers: defaults, and fields changed one by one', () => {
    expect(defaultPolicy.recoveryCodes).toEqual({ enabled: true, count: 10, warnAt: 3 });
    expect(defaultPolicy.rememberBrowser).toEqual({ enabled: true, days: 30, max: 10 });
    const policy = definePolicy({ recoveryCodes: { count: 16 }, rememberBrowser: { enabled: false } });
    expect(policy.recoveryCodes).toEqual({ enabled: true, count: 16, warnAt: 3 });
    expect(policy.rememberBrowser).toEqual({ enabled: false, days: 30, max: 10 });
  });

  it('refuses an unknown field at every depth, with the code and message validatePolicy uses', () => {
    // Every object level of a policy, found by walking defaultPolicy (table is a leaf: its keys are kinds).
    const levels: string[][] = [[]];
    const walk = (value: object, path: string[]) => {
      for (const [key, inner] of Object.entries(value)) {
        if (key !== 'table' && inner !== null && typeof inner === 'object') {
          levels.push([...path, key]);
          walk(inner, [...path, key]);
        }
      }
    };
    walk(defaultPolicy, []);
    expect(levels).toHaveLength(10); // the policy, code, totp, lockout, sendLimits and its 3, recoveryCodes, rememberBrowser
    const refusal = (call: () => unknown): TwoSvError => {
      let caught: unknown;
      try {
        call();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TwoSvError);
      return caught as TwoSvError;
    };
    for (const path of levels) {
      for (const value of [60, undefined]) {
        // A partial input: only the path down to the misspelt field.
        const input: Record<string, unknown> = {};
        let at = input;
        for (const key of path) at = at[key] = {};
        at.durationn = value;
        const name = [...path, 'durationn'].join('.');
        const err = refusal(() => definePolicy(input as PolicyInput));
        expect(err.code).toBe('INVALID_POLICY');
        expect(err.message).toBe(`${name} is not a policy field`);
        // validatePolicy refuses the same field in a complete policy with the same code and message.
        const full = structuredClone(defaultPolicy) as unknown as Record<string, unknown>;
        let into = full;
        for (const key of path) into = into[key] as Record<string, unknown>;
        into.durationn = value;
        const same = refusal(() => validatePolicy(full as unknown as Policy));
        expect([same.code, same.message]).toEqual([err.code, err.message]);
        // On any base.
        expect(
          refusal(() => definePolicy(input as PolicyInput, definePolicy({ maxBackups: 2 }))).message,
        ).toBe(`${name} is not a policy field`);
      }
    }
    // The typo: dropped before, so the default 900 s lock applied.
    expect(refusal(() => definePolicy({ lockout: { durationn: 60 } } as PolicyInput)).message).toBe(
      'lockout.durationn is not a policy field',
    );
  });

  it('still takes every known field, and known fields left undefined, at every depth', () => {
    expect(definePolicy(structuredClone(defaultPolicy) as PolicyInput)).toEqual(defaultPolicy);
    // `undefined` as from JavaScript or a spread of optional values (the types' exactOptionalPropertyTypes
    // refuses it in TypeScript).
    const sparse = {
      table: undefined,
      lockout: undefined,
      code: { digits: undefined, lifetime: 300 },
      sendLimits: { cooldown: undefined, perUser: undefined, contact: { hour: undefined, day: 6 } },
    } as unknown as PolicyInput;
    const policy = definePolicy(sparse);
    expect(policy.code).toEqual({ digits: 6, lifetime: 300 });
    expect(policy.sendLimits.contact).toEqual({ hour: 3, day: 6 });
    expect(policy.lockout).toEqual(defaultPolicy.lockout);
  });

  it('refuses null for every field of the default policy, naming it, instead of taking the default', () => {
    // Every field, found by walking defaultPolicy itself (the device table is one field).
    const leaves = (value: unknown, path: string[]): string[][] =>
      value !== null && typeof value === 'object' && !Array.isArray(value) && path[0] !== 'table'
        ? Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]))
        : [path];
    const all = leaves(defaultPolicy, []);
    expect(all.length).toBeGreaterThan(25);
    for (const path of all) {
      const input: Record<string, unknown> = {};
      let at = input;
      for (const key of path.slice(0, -1)) at = at[key] = {};
      at[path.at(-1)!] = null;
      const name = path.join('.');
      expect(() => definePolicy(input as PolicyInput), name).toThrow(
        expect.objectContaining({
          code: 'INVALID_POLICY',
          message: `${name} must not be null (leave it out for the default)`,
        }),
      );
    }
  });

  it('accepts requireBackup: false with no backups at all', () => {
    const policy = definePolicy({ requireBackup: false, maxBackups: 0 });
    expect(isSetupComplete(policy, [device('p', 'sms', 'primary', PHONE_A)])).toBe(true);
  });
});

describe('validatePolicy: any policy object, checked like definePolicy', () => {
  const d = defaultPolicy;
  function refusal(policy: unknown): string {
    let caught: unknown;
    try {
      validatePolicy(policy as Policy);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TwoSvError);
    expect((caught as TwoSvError).code).toBe('INVALID_POLICY');
    return (caught as TwoSvError).message;
  }

  it('returns an equal, frozen copy of a valid policy', () => {
    const custom = { ...d, maxBackups: 2, lockout: { ...d.lockout, failures: 5 } };
    const policy = validatePolicy(custom);
    expect(policy).toEqual(custom);
    expect(policy).not.toBe(custom);
    expect(Object.isFrozen(policy.lockout)).toBe(true);
    custom.lockout.failures = 0; // the copy does not follow later changes
    expect(policy.lockout.failures).toBe(5);
    // Already checked and frozen: returned as they are.
    expect(validatePolicy(d)).toBe(d);
    const built = definePolicy({ maxBackups: 2 });
    expect(validatePolicy(built)).toBe(built);
    expect(validatePolicy(policy)).toBe(policy);
    expect(validatePolicy(definePolicy({ table: { authenticator: ['sms'] } })).table).toEqual({
      authenticator: ['sms'],
    });
  });

  it.each<[string, unknown, string]>([
    // The cases: missing fields and a zero failure count made the lock arithmetic NaN.
    ['lockout missing fields', { ...d, lockout: { duration: 60 } }, 'lockout.failures is required'],
    ['lockout.failures 0', { ...d, lockout: { ...d.lockout, failures: 0 } }, 'lockout.failures'],
    ['lockout.failures NaN', { ...d, lockout: { ...d.lockout, failures: Number.NaN } }, 'lockout.failures'],
    ['lockout.duration negative', { ...d, lockout: { ...d.lockout, duration: -60 } }, 'lockout.duration'],
    [
      'lockout.duration Infinity',
      { ...d, lockout: { ...d.lockout, duration: Infinity } },
      'lockout.duration',
    ],
    ['lockout.failures a string', { ...d, lockout: { ...d.lockout, failures: '10' } }, 'lockout.failures'],
    [
      'lockout.maxDuration undefined',
      { ...d, lockout: { ...d.lockout, maxDuration: undefined } },
      'required',
    ],
    ['code.lifetime fractional', { ...d, code: { ...d.code, lifetime: 60.5 } }, 'code.lifetime'],
    ['totp.window negative', { ...d, totp: { ...d.totp, window: -1 } }, 'totp.window'],
    ['totp.algorithm unknown', { ...d, totp: { ...d.totp, algorithm: 'MD5' } }, 'totp.algorithm'],
    ['attemptsPerCode 0', { ...d, attemptsPerCode: 0 }, 'attemptsPerCode'],
    ['attemptsPerCode above lockout.failures', { ...d, attemptsPerCode: 11 }, 'attemptsPerCode'],
    ['an unknown device kind as primary', { ...d, table: { ...d.table, email: ['sms'] } }, 'table'],
    ['an unknown device kind as backup', { ...d, table: { sms: ['pager'] } }, 'table.sms'],
    ['an empty table', { ...d, table: {} }, 'table'],
    ['requireBackup missing', { ...d, requireBackup: undefined }, 'requireBackup is required'],
    ['requireBackup a string', { ...d, requireBackup: 'true' }, 'requireBackup'],
    ['sendLimits.perUser missing', { ...d, sendLimits: { ...d.sendLimits, perUser: undefined } }, 'required'],
    [
      'sendLimits.perDestination.day missing',
      { ...d, sendLimits: { ...d.sendLimits, perDestination: { hour: 5 } } },
      'sendLimits.perDestination.day is required',
    ],
    [
      'hourly cap above daily',
      { ...d, sendLimits: { ...d.sendLimits, perUser: { hour: 9, day: 3 } } },
      'hour',
    ],
    ['a misspelt field', { ...d, lockOut: d.lockout }, 'lockOut is not a policy field'],
    [
      'a misspelt nested field',
      { ...d, code: { ...d.code, lifeTime: 60 } },
      'code.lifeTime is not a policy field',
    ],
    ['a nested field not an object', { ...d, lockout: 5 }, 'lockout must be an object'],
    ['an array', [d], 'policy must be an object'],
    ['null', null, 'policy must be an object'],
    ['undefined', undefined, 'policy must be an object'],
    ['a partial policy (definePolicy input)', { lockout: { failures: 5 } }, 'table is required'],
  ])('refuses %s', (_, policy, message) => {
    expect(refusal(policy)).toContain(message);
  });

  it('refuses each of the 31 leaf fields removed or set to NaN', () => {
    const leaves: string[][] = [];
    const walk = (value: object, path: string[]) => {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'table') leaves.push([...path, key]);
        else if (inner !== null && typeof inner === 'object') walk(inner, [...path, key]);
        else leaves.push([...path, key]);
      }
    };
    walk(d, []);
    expect(leaves).toHaveLength(31);
    const edited = (path: string[], value: unknown): unknown => {
      const copy = structuredClone(d) as unknown as Record<string, unknown>;
      let at = copy;
      for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
      if (value === undefined) delete at[path.at(-1)!];
      else at[path.at(-1)!] = value;
      return copy;
    };
    for (const path of leaves) {
      expect(refusal(edited(path, undefined))).toBe(`${path.join('.')} is required`);
      expect(refusal(edited(path, Number.NaN))).toContain(path.join('.'));
    }
  });

  it('property: validatePolicy accepts exactly what definePolicy builds, and returns it unchanged', () => {
    const int = (min: number, max: number) => fc.integer({ min: min - 2, max: max + 2 });
    fc.assert(
      fc.property(
        fc.record({
          maxBackups: int(0, 10),
          attemptsPerCode: int(1, 100),
          lockout: fc.record({ failures: int(1, 100), duration: int(1, 3600), maxDuration: int(1, 7200) }),
          sendLimits: fc.record({ perUser: fc.record({ hour: int(1, 20), day: int(1, 20) }) }),
        }),
        (input) => {
          let built: Policy | undefined;
          try {
            built = definePolicy(input);
          } catch {
            built = undefined;
          }
          const handMade = {
            ...d,
            ...input,
            sendLimits: { ...d.sendLimits, perUser: input.sendLimits.perUser },
          };
          if (built === undefined) refusal(handMade);
          else expect(validatePolicy(handMade)).toEqual(built);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('definePolicy refuses an incomplete base instead of crashing on it', () => {
    const base = { ...d, lockout: undefined } as unknown as Policy;
    let caught: unknown;
    try {
      definePolicy({}, base);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TwoSvError);
    expect((caught as TwoSvError).message).toBe('base.lockout is required');
  });
});

describe('policyErrorCode', () => {
  it('maps every reason to its own code', () => {
    // Written out: every reason (the compiler checks the list is complete) and the code the engine throws.
    const expected: Record<PolicyReason, TwoSvErrorCode> = {
      'primary-kind-not-allowed': 'PRIMARY_KIND_NOT_ALLOWED',
      'backup-kind-not-allowed': 'BACKUP_KIND_NOT_ALLOWED',
      'too-many-backups': 'TOO_MANY_BACKUPS',
      'duplicate-phone': 'DUPLICATE_PHONE',
      'primary-required': 'PRIMARY_REQUIRED',
      'primary-exists': 'PRIMARY_EXISTS',
      'unknown-device': 'UNKNOWN_DEVICE',
      'not-a-backup': 'NOT_A_BACKUP',
      'primary-not-removable': 'PRIMARY_NOT_REMOVABLE',
      'backup-required': 'BACKUP_REQUIRED',
    };
    for (const [reason, code] of Object.entries(expected)) {
      expect(policyErrorCode(reason as PolicyReason), reason).toBe(code);
    }
    expect(new Set(Object.values(expected)).size).toBe(Object.keys(expected).length);
  });
});

// Found by mutation testing (test/MUTATION.md): edges the tests above did not reach.
describe('definePolicy: edges', () => {
  function message(input: unknown): string {
    let caught: unknown;
    try {
      definePolicy(input as PolicyInput);
    } catch (err) {
      caught = err;
    }
    expect(caught, JSON.stringify(input)).toBeInstanceOf(TwoSvError);
    expect((caught as TwoSvError).code).toBe('INVALID_POLICY');
    return (caught as TwoSvError).message;
  }

  it('accepts every range bound its Policy doc states, and refuses one past it, naming the field', () => {
    // [field path, min, max], written out from the Policy docs.
    const ranges: Array<[string, number, number]> = [
      ['maxBackups', 1, 10],
      ['code.digits', 6, 10],
      ['code.lifetime', 30, 3600],
      ['totp.digits', 6, 10],
      ['totp.period', 15, 300],
      ['totp.window', 0, 10],
      ['enrollmentLifetime', 60, 86_400],
      ['attemptsPerCode', 1, 10],
      ['lockout.failures', 5, 100],
      ['lockout.maxDuration', 900, 31_536_000],
      ['recentVerification', 30, 86_400],
      ['maxProofs', 1, 100],
      ['activityLimit', 1, 1000],
      ['sendLimits.cooldown', 0, 3600],
      ['sendLimits.perUser.day', 5, 10_000],
      ['sendLimits.perDestination.day', 5, 10_000],
      ['sendLimits.contact.day', 3, 10_000],
      ['recoveryCodes.count', 1, 50],
      ['recoveryCodes.warnAt', 0, 50],
      ['rememberBrowser.days', 1, 400],
      ['rememberBrowser.max', 1, 100],
      ['senderTimeout', 1, 300],
    ];
    const at = (path: string, value: number): PolicyInput => {
      const keys = path.split('.');
      let out: Record<string, unknown> = { [keys.at(-1)!]: value };
      for (const key of keys.slice(0, -1).reverse()) out = { [key]: out };
      return out as PolicyInput;
    };
    const read = (policy: Policy, path: string) =>
      path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], policy);
    for (const [path, min, max] of ranges) {
      // min and max where a contradiction does not bind first (attempts <= failures, hour <= day).
      expect(read(definePolicy(at(path, max)), path), path).toBe(max);
      expect(read(definePolicy(at(path, min)), path), path).toBe(min);
    }
    // The documented extremes, where contradictions allow.
    expect(definePolicy({ lockout: { failures: 1 }, attemptsPerCode: 1 }).lockout.failures).toBe(1);
    expect(definePolicy({ lockout: { duration: 1 } }).lockout.duration).toBe(1);
    expect(definePolicy({ requireBackup: false, maxBackups: 0 }).maxBackups).toBe(0);
    expect(definePolicy({ attemptsPerCode: 100, lockout: { failures: 100 } }).attemptsPerCode).toBe(100);
    expect(message(at('maxBackups', 11))).toBe('maxBackups must be an integer from 0 to 10');
    expect(message(at('totp.window', 11))).toBe('totp.window must be an integer from 0 to 10');
  });

  it('allows a bound equal to its partner, refuses it above: lock durations and every hourly cap', () => {
    expect(definePolicy({ lockout: { duration: 900, maxDuration: 900 } }).lockout.duration).toBe(900);
    expect(definePolicy({ attemptsPerCode: 10 }).attemptsPerCode).toBe(10);
    for (const cap of ['perUser', 'perDestination', 'contact'] as const) {
      const equal = definePolicy({ sendLimits: { [cap]: { hour: 7, day: 7 } } });
      expect(equal.sendLimits[cap]).toEqual({ hour: 7, day: 7 });
      expect(message({ sendLimits: { [cap]: { hour: 8, day: 7 } } })).toBe(
        `sendLimits.${cap}.hour must not exceed sendLimits.${cap}.day`,
      );
    }
    expect(message({ lockout: { duration: 901, maxDuration: 900 } })).toBe(
      'lockout.duration must not exceed lockout.maxDuration',
    );
    expect(message({ attemptsPerCode: 11 })).toBe('attemptsPerCode must not exceed lockout.failures');
  });

  it('takes each TOTP algorithm an authenticator may use', () => {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      expect(definePolicy({ totp: { algorithm } }).totp.algorithm).toBe(algorithm);
    }
    expect(message({ totp: { algorithm: 'sha256' } })).toBe(
      "totp.algorithm must be 'SHA1', 'SHA256' or 'SHA512'",
    );
  });

  it('the table: an object of kinds to lists of distinct kinds; an undefined row is no row', () => {
    expect(definePolicy({ table: { authenticator: ['sms'], sms: undefined } as never }).table).toEqual({
      authenticator: ['sms'],
    });
    for (const table of ['sms', 5, [], [['sms', ['voice']]]]) {
      expect(message({ table }), JSON.stringify(table)).toBe('table must be an object');
    }
    expect(message({ table: { sms: ['voice', 'email'] } })).toBe(
      'table.sms must be an array of device kinds',
    );
    expect(message({ table: { sms: ['voice', 'voice'] } })).toBe('table.sms must not repeat a kind');
    expect(message({ maxBackups: 0 })).toBe('requireBackup needs maxBackups >= 1');
    expect(message({ table: { sms: ['voice'], authenticator: [] } })).toBe(
      'requireBackup needs at least one backup kind for table.authenticator',
    );
  });

  it('a group that is not an object is refused, naming it, at every depth', () => {
    for (const [input, name] of [
      [{ lockout: 5 }, 'lockout'],
      [{ code: null }, 'code'],
      [{ totp: [] }, 'totp'],
      [{ sendLimits: 'x' }, 'sendLimits'],
      [{ sendLimits: { perUser: 1 } }, 'sendLimits.perUser'],
      [{ sendLimits: { perDestination: [] } }, 'sendLimits.perDestination'],
      [{ sendLimits: { contact: null } }, 'sendLimits.contact'],
      [{ recoveryCodes: true }, 'recoveryCodes'],
      [{ rememberBrowser: 0 }, 'rememberBrowser'],
      [null, 'policy'],
      [[], 'policy'],
    ] as Array<[unknown, string]>) {
      expect(message(input)).toBe(`${name} must be an object`);
    }
  });
});

describe('policy checks: edges', () => {
  const auth = (id: string, role: 'primary' | 'backup') => device(id, 'authenticator', role);

  it('checkAddDevice finds the primary wherever it is in the list', () => {
    const policy = definePolicy({ maxBackups: 3 });
    // A backup listed before the primary: an app may back up an SMS primary, not an app primary.
    const devices = [auth('b', 'backup'), device('p', 'sms', 'primary', PHONE_A)];
    expect(checkAddDevice(policy, devices, { kind: 'authenticator', role: 'backup' })).toEqual({ ok: true });
    const reversed = [device('b', 'sms', 'backup', PHONE_A), auth('p', 'primary')];
    expect(checkAddDevice(policy, reversed, { kind: 'authenticator', role: 'backup' })).toEqual({
      ok: false,
      reason: 'backup-kind-not-allowed',
    });
  });

  it('numbers that are not phone numbers are compared as given', () => {
    const devices = [device('p', 'sms', 'primary', 'not a number')];
    expect(
      checkAddDevice(defaultPolicy, devices, { kind: 'voice', role: 'backup', phone: 'another' }),
    ).toEqual({
      ok: true,
    });
    expect(
      checkAddDevice(defaultPolicy, devices, { kind: 'voice', role: 'backup', phone: 'not a number' }),
    ).toEqual({ ok: false, reason: 'duplicate-phone' });
  });

  it('checkReplaceDevice: a backup must fit the primary, wherever it is listed; a primary must fit every backup', () => {
    const policy = definePolicy({ maxBackups: 2 });
    // Authenticator primary: only phones may back it up.
    const appPrimary = [auth('p', 'primary'), device('b', 'sms', 'backup', PHONE_A)];
    expect(checkReplaceDevice(policy, appPrimary, 'b', { kind: 'authenticator' })).toEqual({
      ok: false,
      reason: 'backup-kind-not-allowed',
    });
    expect(checkReplaceDevice(policy, appPrimary, 'b', { kind: 'voice', phone: PHONE_B })).toEqual({
      ok: true,
    });
    // The other backup listed first, the primary second.
    const listed = [
      auth('a', 'backup'),
      device('p', 'sms', 'primary', PHONE_A),
      device('v', 'voice', 'backup', PHONE_B),
    ];
    expect(checkReplaceDevice(policy, listed, 'v', { kind: 'authenticator' })).toEqual({ ok: true });
    // No primary among the others (an inconsistent list): refused, not a crash.
    expect(
      checkReplaceDevice(policy, [device('b', 'sms', 'backup', PHONE_A)], 'b', {
        kind: 'voice',
        phone: PHONE_B,
      }),
    ).toEqual({
      ok: false,
      reason: 'primary-required',
    });
    // Replacing an SMS primary by an app: the SMS backup may stay, the app backup may not.
    const twoBackups = [
      device('p', 'sms', 'primary', PHONE_A),
      device('s', 'sms', 'backup', PHONE_B),
      auth('a', 'backup'),
    ];
    expect(checkReplaceDevice(policy, twoBackups, 'p', { kind: 'authenticator' })).toEqual({
      ok: false,
      reason: 'backup-kind-not-allowed',
    });
  });

  it('checkSwapPrimary checks every other device, the old primary included, against the new primary', () => {
    // Exhaustive over a table where each kind backs up a different set: a model of the documented rule.
    const table = { sms: ['authenticator', 'voice'], authenticator: ['sms'] } as const;
    const policy = definePolicy({ table, maxBackups: 2 });
    const kinds: DeviceKind[] = ['authenticator', 'sms', 'voice'];
    let refusedForBackup = 0;
    for (const primary of ['sms', 'authenticator'] as const) {
      for (const next of kinds) {
        for (const other of [undefined, ...kinds]) {
          const devices = [device('p', primary, 'primary', PHONE_A), device('n', next, 'backup', PHONE_B)];
          if (other) devices.push(device('o', other, 'backup', '+12015550102'));
          const rows = table as Record<string, readonly DeviceKind[]>;
          const expected = !(next in rows)
            ? { ok: false, reason: 'primary-kind-not-allowed' }
            : [primary, ...(other ? [other] : [])].every((k) => rows[next]!.includes(k))
              ? { ok: true }
              : { ok: false, reason: 'backup-kind-not-allowed' };
          if (expected.reason === 'backup-kind-not-allowed') refusedForBackup++;
          expect(checkSwapPrimary(policy, devices, 'n'), `${primary} ${next} ${other}`).toEqual(expected);
        }
      }
    }
    expect(refusedForBackup).toBeGreaterThan(3);
  });

  it('checkRemoveDevice: the primary stays while any device depends on it, even with 2SV off', () => {
    const devices = [auth('p', 'primary'), device('b', 'sms', 'backup', PHONE_A)];
    expect(checkRemoveDevice(defaultPolicy, devices, 'p', false)).toEqual({
      ok: false,
      reason: 'primary-not-removable',
    });
    // Two backups: either may go while 2SV is on, the last may not.
    const policy = definePolicy({ maxBackups: 2 });
    const two = [...devices, device('c', 'voice', 'backup', PHONE_B)];
    expect(checkRemoveDevice(policy, two, 'b', true)).toEqual({ ok: true });
    expect(checkRemoveDevice(policy, two, 'c', true)).toEqual({ ok: true });
    expect(checkRemoveDevice(policy, devices, 'b', true)).toEqual({ ok: false, reason: 'backup-required' });
  });

  it('isSetupComplete needs a primary: backups alone are not enough', () => {
    expect(isSetupComplete(defaultPolicy, [device('b', 'sms', 'backup', PHONE_A)])).toBe(false);
    expect(
      isSetupComplete(definePolicy({ requireBackup: false }), [device('b', 'sms', 'backup', PHONE_A)]),
    ).toBe(false);
  });

  it('isRecentVerification: no verification is never recent, one at this very moment is', () => {
    expect(isRecentVerification(defaultPolicy, null, 1000)).toBe(false);
    expect(isRecentVerification(defaultPolicy, undefined, 1000)).toBe(false);
    expect(isRecentVerification(defaultPolicy, 1000, 1000)).toBe(true);
    expect(isRecentVerification(defaultPolicy, 0, 0)).toBe(true);
  });
});
