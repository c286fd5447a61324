// Model-based test: random sequences of operations run against the engine and against a small model of the
// brief's rules, written independently of src/. After every step the results, the status and the events
// must agree with the model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TwoStepEvent } from '../src/enrollment.js';
import { TwoSvError } from '../src/errors.js';
import { definePolicy } from '../src/policy.js';
import { generateTotp } from '../src/totp.js';
import { type Bench, makeBench } from './support/two-step.js';

type Kind = 'authenticator' | 'sms' | 'voice';
const TABLE: Partial<Record<Kind, Kind[]>> = {
  sms: ['voice', 'sms', 'authenticator'],
  authenticator: ['sms', 'voice'],
};
const PHONES = ['+12015550101', '+12015550102', '+12015550103'];
const USER = 'model-user';
const MINUTE = 60_000;
const LIFETIME = 10 * MINUTE;
const RECENT = 10 * MINUTE;

// No send throttling in the model: it is tested on its own in enrollment.test.ts.
const policy = definePolicy({
  sendLimits: {
    cooldown: 0,
    perUser: { hour: 1000, day: 10_000 },
    perDestination: { hour: 1000, day: 10_000 },
  },
});

interface ModelDevice {
  id: string;
  kind: Kind;
  role: 'primary' | 'backup';
  phone?: string;
  lastStep?: number;
}

interface Model {
  time: number;
  exists: boolean;
  enabled: boolean;
  devices: ModelDevice[];
  pending: boolean;
  challenge: { deviceId: string; expiresAt: number; attempts: number } | null;
  failures: number;
  lockedUntil: number;
  verifiedAt: number | null;
  reverify: boolean;
}

interface Real {
  b: Bench;
  secrets: Map<string, string>;
  challengeCode: string | null;
}

type Outcome = { ok: true } | { ok: false; reason: string } | { error: string };

const locked = (m: Model) => m.lockedUntil > m.time;
const primaryOf = (m: Model) => m.devices.find((d) => d.role === 'primary');
const backupsOf = (m: Model) => m.devices.filter((d) => d.role === 'backup');
const step = (m: Model) => Math.floor(m.time / 30_000);
const recent = (m: Model) =>
  !m.enabled ||
  (!m.reverify && m.verifiedAt !== null && m.time - m.verifiedAt >= 0 && m.time - m.verifiedAt <= RECENT);
/** Why a sensitive change is refused now (a lock first, then recency), or null. */
const sensitiveRefusal = (m: Model) =>
  m.enabled && locked(m) ? 'LOCKED' : recent(m) ? null : 'VERIFICATION_REQUIRED';
const lockMs = (n: number) => Math.min(900 * 2 ** (n - 1), 86_400) * 1000;

async function outcome(fn: () => Promise<{ ok: boolean; reason?: string }>): Promise<Outcome> {
  try {
    const r = await fn();
    return r.ok ? { ok: true } : { ok: false, reason: r.reason! };
  } catch (err) {
    if (err instanceof TwoSvError) return { error: err.code };
    throw err;
  }
}

/** Runs `fn`, returning its outcome and the types of the events it emitted. */
async function observe(real: Real, fn: () => Promise<{ ok: boolean; reason?: string }>) {
  const from = real.b.events.length;
  const result = await outcome(fn);
  return { result, events: real.b.events.slice(from).map((e: TwoStepEvent) => e.type) };
}

/** The model's side of a failed code. */
function modelFailure(m: Model, replay: boolean): { result: Outcome; events: string[] } {
  const ch = m.challenge!;
  m.failures++;
  ch.attempts++;
  const exhausted = ch.attempts >= 5;
  const lock = m.failures % 10 === 0;
  const events = [replay ? 'replay-refused' : 'verification-failed'];
  if (lock) {
    m.lockedUntil = m.time + lockMs(m.failures / 10);
    m.challenge = null;
    events.push('locked');
    return { result: { ok: false, reason: 'locked' }, events };
  }
  if (exhausted) {
    m.challenge = null;
    return { result: { ok: false, reason: 'attempts-exhausted' }, events };
  }
  return { result: { ok: false, reason: replay ? 'replayed' : 'invalid' }, events };
}

/** The model's check of a new device: the error code, or null when allowed. */
function modelAddCheck(m: Model, kind: Kind, phone?: string): string | null {
  const refusal = sensitiveRefusal(m);
  if (refusal) return refusal;
  const primary = primaryOf(m);
  if (!primary) {
    if (!TABLE[kind]) return 'PRIMARY_KIND_NOT_ALLOWED';
  } else {
    if (backupsOf(m).length >= 1) return 'TOO_MANY_BACKUPS';
    if (!TABLE[primary.kind]?.includes(kind)) return 'BACKUP_KIND_NOT_ALLOWED';
  }
  if (phone && m.devices.some((d) => d.phone === phone)) return 'DUPLICATE_PHONE';
  return null;
}

function modelConfirm(m: Model, device: ModelDevice): string[] {
  const wasEnabled = m.enabled;
  m.devices.push(device);
  m.pending = false;
  m.enabled = wasEnabled || (primaryOf(m) !== undefined && backupsOf(m).length > 0);
  if (!wasEnabled) m.verifiedAt = m.time;
  const events = ['verification-passed', 'device-added'];
  if (m.enabled && !wasEnabled) events.push('two-step-enabled');
  return events;
}

function agree(
  actual: { result: Outcome; events: string[] },
  expected: { result: Outcome; events: string[] },
) {
  expect(actual.result).toEqual(expected.result);
  expect(actual.events).toEqual(expected.events);
}

async function checkStatus(m: Model, real: Real) {
  const s = await real.b.twoStep.status(USER);
  const devices = [...m.devices].sort((a, b) => (a.role === b.role ? 0 : a.role === 'primary' ? -1 : 1));
  expect(s.devices.filter((d) => d.confirmed).map((d) => [d.id, d.role, d.kind])).toEqual(
    devices.map((d) => [d.id, d.role, d.kind]),
  );
  expect(s.enabled).toBe(m.enabled);
  expect(s.locked).toBe(locked(m));
  expect(s.lockedUntil).toBe(locked(m) ? m.lockedUntil : null);
  expect(s.failures).toBe(m.failures);
  const active = m.challenge && m.time < m.challenge.expiresAt ? m.challenge.deviceId : null;
  expect(s.challenge?.deviceId ?? null).toBe(active);
  expect(s.reverificationRequired).toBe(m.reverify);
  expect(s.recentlyVerified).toBe(!m.reverify && m.verifiedAt !== null && m.time - m.verifiedAt <= RECENT);
}

class AdvanceTime implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, real: Real) {
    m.time += this.ms;
    real.b.setTime(m.time);
    await checkStatus(m, real);
  }
  toString = () => `advance(${this.ms})`;
}

/**
 * A server whose clock runs behind the stored record by more than the 5-minute tolerance: every operation
 * there is refused with CLOCK_SKEW and stores nothing but the skew mark; then the request lands on a server
 * whose clock is right again and everything is as the model says (the clock jumps back, then forward).
 */
class ClockBehind implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = (m: Readonly<Model>) => m.exists;
  async run(m: Model, real: Real) {
    const before = await real.b.store.get(`user:${USER}`);
    const stored = before!.record as { seen: number; skew?: number };
    // Behind an earlier mark too: behind readings 5 minutes apart would rebase the record (tested apart).
    const at = stored.seen - 5 * MINUTE - this.ms;
    real.b.setTime(stored.skew === undefined ? at : Math.min(at, stored.skew - 1));
    const tries: (() => Promise<unknown>)[] = [
      () => real.b.twoStep.verify(USER, '123456'),
      // (beginChallenge looks at the record first: a user without 2SV gets NOT_ENABLED, whatever the clock.)
      ...(m.enabled ? [() => real.b.twoStep.beginChallenge(USER)] : []),
      () => real.b.twoStep.disable(USER),
      () => real.b.twoStep.requireReverification(USER),
      () => real.b.twoStep.enrollAuthenticator(USER, { account: 'model@example.com' }),
    ];
    const from = real.b.events.length;
    for (const attempt of tries) {
      expect(await outcome(attempt as () => Promise<{ ok: boolean }>)).toEqual({ error: 'CLOCK_SKEW' });
    }
    expect(real.b.events.length).toBe(from);
    const after = await real.b.store.get(`user:${USER}`);
    const { skew, ...rest } = after!.record as { skew?: number };
    expect(skew).toBeTypeOf('number');
    const { skew: _old, ...was } = before!.record as { skew?: number };
    expect(rest).toEqual(was);
    real.b.setTime(m.time);
    await checkStatus(m, real);
  }
  toString = () => `clockBehind(${this.ms})`;
}

class AddAuthenticator implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, real: Real) {
    const expectedError = modelAddCheck(m, 'authenticator');
    let secret = '';
    let id = '';
    const begin = await observe(real, async () => {
      const e = await real.b.twoStep.enrollAuthenticator(USER, { account: 'model@example.com' });
      secret = e.secret;
      id = e.id;
      return { ok: true };
    });
    if (expectedError) {
      agree(begin, { result: { error: expectedError }, events: [] });
      return;
    }
    agree(begin, { result: { ok: true }, events: ['enrollment-started'] });
    m.exists = true;
    m.pending = true;
    const code = generateTotp(secret, { at: m.time });
    const confirm = await observe(real, () => real.b.twoStep.confirmEnrollment(USER, code));
    if (locked(m)) {
      agree(confirm, { result: { ok: false, reason: 'locked' }, events: [] });
      return;
    }
    const role = primaryOf(m) ? 'backup' : 'primary';
    real.secrets.set(id, secret);
    const events = modelConfirm(m, { id, kind: 'authenticator', role, lastStep: step(m) });
    agree(confirm, { result: { ok: true }, events });
    await checkStatus(m, real);
  }
  toString = () => 'addAuthenticator()';
}

class AddPhone implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: 'sms' | 'voice',
    readonly phone: string,
  ) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const expectedError = modelAddCheck(m, this.kind, this.phone);
    let id = '';
    const begin = await observe(real, async () => {
      const r = await real.b.twoStep.enrollPhone(USER, { phone: this.phone, kind: this.kind });
      if (r.ok) id = r.enrollment.id;
      return r;
    });
    if (expectedError) return agree(begin, { result: { error: expectedError }, events: [] });
    if (m.exists && locked(m)) return agree(begin, { result: { ok: false, reason: 'locked' }, events: [] });
    agree(begin, { result: { ok: true }, events: ['enrollment-started', 'code-sent'] });
    m.exists = true;
    m.pending = true;
    const confirm = await observe(real, () => real.b.twoStep.confirmEnrollment(USER, real.b.lastCode()));
    const role = primaryOf(m) ? 'backup' : 'primary';
    agree(confirm, {
      result: { ok: true },
      events: modelConfirm(m, { id, kind: this.kind, role, phone: this.phone }),
    });
    await checkStatus(m, real);
  }
  toString = () => `addPhone(${this.kind}, ${this.phone})`;
}

class BeginChallenge implements fc.AsyncCommand<Model, Real> {
  constructor(readonly target: 'primary' | 'backup') {}
  check = () => true;
  async run(m: Model, real: Real) {
    const device = this.target === 'primary' ? primaryOf(m) : backupsOf(m)[0];
    const got = await observe(real, () =>
      real.b.twoStep.beginChallenge(
        USER,
        this.target === 'primary' ? {} : { deviceId: device?.id ?? 'none' },
      ),
    );
    if (!m.exists) return agree(got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!m.enabled) return agree(got, { result: { error: 'NOT_ENABLED' }, events: [] });
    if (!device) return agree(got, { result: { error: 'UNKNOWN_DEVICE' }, events: [] });
    if (locked(m)) return agree(got, { result: { ok: false, reason: 'locked' }, events: [] });
    const phone = device.kind !== 'authenticator';
    agree(got, {
      result: { ok: true },
      events: phone ? ['challenge-started', 'code-sent'] : ['challenge-started'],
    });
    m.challenge = { deviceId: device.id, expiresAt: m.time + LIFETIME, attempts: 0 };
    real.challengeCode = phone ? real.b.lastCode() : null;
    await checkStatus(m, real);
  }
  toString = () => `beginChallenge(${this.target})`;
}

class Verify implements fc.AsyncCommand<Model, Real> {
  constructor(readonly attempt: 'correct' | 'wrong' | 'previous-step') {}
  check = () => true;
  async run(m: Model, real: Real) {
    const ch = m.challenge;
    const device = ch && m.devices.find((d) => d.id === ch.deviceId);
    let code = '000000';
    let correct = false;
    let replay = false;
    if (device?.kind === 'authenticator') {
      const secret = real.secrets.get(device.id)!;
      const window = [-1, 0, 1].map((d) => generateTotp(secret, { at: m.time + d * 30_000 }));
      if (this.attempt === 'wrong') {
        code = '000000';
        while (window.includes(code)) code = String(Number(code) + 1).padStart(6, '0');
      } else {
        const s = this.attempt === 'correct' ? step(m) : step(m) - 1;
        code = generateTotp(secret, { at: s * 30_000 });
        correct = s > (device.lastStep ?? -1);
        replay = !correct;
      }
    } else if (device && real.challengeCode) {
      code =
        this.attempt === 'correct'
          ? real.challengeCode
          : String((Number(real.challengeCode) + 1) % 1e6).padStart(6, '0');
      correct = this.attempt === 'correct';
    }
    const got = await observe(real, () => real.b.twoStep.verify(USER, code));
    if (!m.exists) return agree(got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (locked(m)) return agree(got, { result: { ok: false, reason: 'locked' }, events: [] });
    if (!ch || !device) return agree(got, { result: { ok: false, reason: 'no-challenge' }, events: [] });
    if (m.time >= ch.expiresAt) return agree(got, { result: { ok: false, reason: 'expired' }, events: [] });
    if (correct) {
      agree(got, { result: { ok: true }, events: ['verification-passed'] });
      if (device.kind === 'authenticator')
        device.lastStep = this.attempt === 'correct' ? step(m) : step(m) - 1;
      m.challenge = null;
      m.failures = 0;
      m.verifiedAt = m.time;
      m.reverify = false;
    } else {
      agree(got, modelFailure(m, replay));
    }
    await checkStatus(m, real);
  }
  toString = () => `verify(${this.attempt})`;
}

class Swap implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, real: Real) {
    const got = await observe(real, async () => {
      await real.b.twoStep.swapPrimary(USER);
      return { ok: true };
    });
    const primary = primaryOf(m);
    const backup = backupsOf(m)[0];
    if (!m.exists) return agree(got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!backup || !primary) return agree(got, { result: { error: 'NOT_A_BACKUP' }, events: [] });
    const refusal = sensitiveRefusal(m);
    if (refusal) return agree(got, { result: { error: refusal }, events: [] });
    if (!TABLE[backup.kind]) return agree(got, { result: { error: 'PRIMARY_KIND_NOT_ALLOWED' }, events: [] });
    if (!TABLE[backup.kind]!.includes(primary.kind)) {
      return agree(got, { result: { error: 'BACKUP_KIND_NOT_ALLOWED' }, events: [] });
    }
    agree(got, { result: { ok: true }, events: ['primary-changed'] });
    primary.role = 'backup';
    backup.role = 'primary';
    await checkStatus(m, real);
  }
  toString = () => 'swap()';
}

class Remove implements fc.AsyncCommand<Model, Real> {
  constructor(readonly target: 'primary' | 'backup') {}
  check = () => true;
  async run(m: Model, real: Real) {
    const device = this.target === 'primary' ? primaryOf(m) : backupsOf(m)[0];
    const got = await observe(real, async () => {
      await real.b.twoStep.removeDevice(USER, device?.id ?? 'none');
      return { ok: true };
    });
    if (!m.exists) return agree(got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!device) return agree(got, { result: { error: 'UNKNOWN_DEVICE' }, events: [] });
    const refusal = sensitiveRefusal(m);
    if (refusal) return agree(got, { result: { error: refusal }, events: [] });
    if (device.role === 'primary' && (m.devices.length > 1 || m.enabled)) {
      return agree(got, { result: { error: 'PRIMARY_NOT_REMOVABLE' }, events: [] });
    }
    if (device.role === 'backup' && m.enabled && backupsOf(m).length <= 1) {
      return agree(got, { result: { error: 'BACKUP_REQUIRED' }, events: [] });
    }
    agree(got, { result: { ok: true }, events: ['device-removed'] });
    m.devices = m.devices.filter((d) => d !== device);
    if (m.challenge?.deviceId === device.id) m.challenge = null;
    await checkStatus(m, real);
  }
  toString = () => `remove(${this.target})`;
}

class Disable implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, real: Real) {
    const got = await observe(real, async () => {
      await real.b.twoStep.disable(USER);
      return { ok: true };
    });
    if (!m.exists) return agree(got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!m.enabled && m.devices.length === 0 && !m.pending && !m.challenge) {
      return agree(got, { result: { ok: true }, events: [] });
    }
    const refusal = sensitiveRefusal(m);
    if (refusal) return agree(got, { result: { error: refusal }, events: [] });
    agree(got, {
      result: { ok: true },
      events: m.enabled ? ['two-step-disabled'] : m.devices.map(() => 'device-removed'),
    });
    Object.assign(m, { enabled: false, devices: [], pending: false, challenge: null, reverify: false });
    await checkStatus(m, real);
  }
  toString = () => 'disable()';
}

class RequireReverification implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, real: Real) {
    const got = await observe(real, async () => {
      await real.b.twoStep.requireReverification(USER);
      return { ok: true };
    });
    if (!m.exists) return agree(got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!m.enabled) return agree(got, { result: { error: 'NOT_ENABLED' }, events: [] });
    agree(got, { result: { ok: true }, events: ['reverification-required'] });
    Object.assign(m, { reverify: true, verifiedAt: null, challenge: null });
    await checkStatus(m, real);
  }
  toString = () => 'requireReverification()';
}

class WrongBurst implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number) {}
  check = () => true;
  async run(m: Model, real: Real) {
    for (let i = 0; i < this.n; i++) await new Verify('wrong').run(m, real);
  }
  toString = () => `wrongBurst(${this.n})`;
}

const commands = [
  fc.integer({ min: 1000, max: 29_000 }).map((ms) => new AdvanceTime(ms)),
  fc.integer({ min: 30_000, max: 5 * MINUTE }).map((ms) => new AdvanceTime(ms)),
  fc.integer({ min: 5 * MINUTE, max: 26 * 60 * MINUTE }).map((ms) => new AdvanceTime(ms)),
  fc.constant(new AddAuthenticator()),
  fc
    .tuple(fc.constantFrom('sms' as const, 'voice' as const), fc.constantFrom(...PHONES))
    .map(([k, p]) => new AddPhone(k, p)),
  fc.constantFrom('primary' as const, 'backup' as const).map((t) => new BeginChallenge(t)),
  fc.constantFrom('primary' as const, 'backup' as const).map((t) => new BeginChallenge(t)),
  fc.constantFrom('correct' as const, 'wrong' as const, 'previous-step' as const).map((a) => new Verify(a)),
  fc.constantFrom('correct' as const, 'previous-step' as const).map((a) => new Verify(a)),
  fc.integer({ min: 1, max: 6 }).map((n) => new WrongBurst(n)),
  fc.constant(new Swap()),
  fc.constantFrom('primary' as const, 'backup' as const).map((t) => new Remove(t)),
  fc.constant(new Disable()),
  fc.constant(new RequireReverification()),
  fc.integer({ min: 1, max: 2 * 24 * 60 * MINUTE }).map((ms) => new ClockBehind(ms)),
];

const setups = {
  none: [],
  'app+sms': [new AddAuthenticator(), new AddPhone('sms', PHONES[0]!)],
  'app+voice': [new AddAuthenticator(), new AddPhone('voice', PHONES[1]!)],
  'sms+voice': [new AddPhone('sms', PHONES[0]!), new AddPhone('voice', PHONES[1]!)],
  'sms+app': [new AddPhone('sms', PHONES[2]!), new AddAuthenticator()],
  'sms+sms': [new AddPhone('sms', PHONES[2]!), new AddPhone('sms', PHONES[1]!)],
};

describe('the engine agrees with a model of the rules', () => {
  it('over random sequences of operations, from every starting arrangement', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(setups) as (keyof typeof setups)[])),
        fc.commands(commands, { size: 'large', maxCommands: 120 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        async (setup, cmds, seed) => {
          const b = makeBench({ policy, seed });
          const model: Model = {
            time: b.now(),
            exists: false,
            enabled: false,
            devices: [],
            pending: false,
            challenge: null,
            failures: 0,
            lockedUntil: 0,
            verifiedAt: null,
            reverify: false,
          };
          const real: Real = { b, secrets: new Map(), challengeCode: null };
          for (const command of setups[setup]) await command.run(model, real);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        },
      ),
      { numRuns: 120 },
    );
  });
});
