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
  type PolicyDevice,
  type PolicyInput,
  type PolicyReason,
  policyErrorCode,
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

  it('accepts requireBackup: false with no backups at all', () => {
    const policy = definePolicy({ requireBackup: false, maxBackups: 0 });
    expect(isSetupComplete(policy, [device('p', 'sms', 'primary', PHONE_A)])).toBe(true);
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
