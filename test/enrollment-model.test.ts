// Model-based test: random sequences of operations run against the engine and against a small model of the
// brief's rules, written independently of src/. After every step the results, the status, the events and
// the activity log must agree with the model. Two sign-in sessions (A and B) keep the step-up proofs their
// verifications earned; sensitive changes come from A, B or a session that never verified, and succeed
// only with that session's own valid proof. No event and no log entry may hold a secret, a code, a proof
// or a full phone number.
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

type Session = 'A' | 'B';
type Caller = Session | 'none';
const SESSIONS: readonly Session[] = ['A', 'B'];
const CALLERS: readonly Caller[] = ['A', 'B', 'none'];
const MAX_PROOFS = 10;
const LOG_LIMIT = 100;

interface LogEntry {
  type: string;
  count?: number;
}

interface Model {
  time: number;
  /** Proofs the engine holds (id, time issued), oldest first. */
  proofs: { n: number; issuedAt: number }[];
  /** The proof each session keeps. */
  held: Record<Session, number | null>;
  issued: number;
  /** The expected activity log, oldest first, and whether its last entry is an open burst of failures. */
  log: LogEntry[];
  burst: boolean;
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
  held: Record<Session, string | undefined>;
  /** Every code and proof ever seen: none may appear in an event or a log entry. */
  seen: Set<string>;
}

const LOGGED = new Set([
  'enrollment-started',
  'device-added',
  'device-replaced',
  'device-removed',
  'primary-changed',
  'two-step-enabled',
  'two-step-disabled',
  'locked',
  'reverification-required',
  'contact-verified',
]);

/** The model's log of one change's events: logged types as they are, failed codes summed per burst. */
function modelLog(m: Model, events: readonly string[]) {
  for (const type of events) {
    if (type === 'verification-failed' || type === 'replay-refused') {
      const last = m.log.at(-1);
      if (m.burst && last?.type === 'codes-failed') last.count!++;
      else m.log.push({ type: 'codes-failed', count: 1 });
      m.burst = true;
    } else if (LOGGED.has(type)) {
      m.log.push({ type });
      m.burst = false;
    }
  }
  if (m.log.length > LOG_LIMIT) m.log.splice(0, m.log.length - LOG_LIMIT);
}

const isRecent = (m: Model, at: number) => m.time - at >= 0 && m.time - at <= RECENT;
/** Whether the session's proof is valid now. */
const proofValid = (m: Model, caller: Caller) => {
  const n = caller === 'none' ? null : m.held[caller];
  return !m.reverify && n !== null && m.proofs.some((p) => p.n === n && isRecent(m, p.issuedAt));
};
/** A proof issued to `caller` (the session that never verified keeps none). */
function issueProof(m: Model, real: Real, caller: Caller, proof: string | undefined) {
  expect(proof).toMatch(/^[0-9a-f]{32}$/);
  m.issued++;
  m.proofs = [...m.proofs.filter((p) => isRecent(m, p.issuedAt)), { n: m.issued, issuedAt: m.time }];
  m.proofs = m.proofs.slice(-MAX_PROOFS);
  real.seen.add(proof!);
  if (caller === 'none') return;
  m.held[caller] = m.issued;
  real.held[caller] = proof;
}
const proofOf = (real: Real, caller: Caller) => (caller === 'none' ? undefined : real.held[caller]);

type Outcome = { ok: true } | { ok: false; reason: string } | { error: string };

const locked = (m: Model) => m.lockedUntil > m.time;
const primaryOf = (m: Model) => m.devices.find((d) => d.role === 'primary');
const backupsOf = (m: Model) => m.devices.filter((d) => d.role === 'backup');
const step = (m: Model) => Math.floor(m.time / 30_000);
/** Why a sensitive change from `caller` is refused now (a lock first, then the session's proof), or null. */
const sensitiveRefusal = (m: Model, caller: Caller) =>
  !m.enabled ? null : locked(m) ? 'LOCKED' : proofValid(m, caller) ? null : 'VERIFICATION_REQUIRED';
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
    m.proofs = [];
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
function modelAddCheck(m: Model, caller: Caller, kind: Kind, phone?: string): string | null {
  const refusal = sensitiveRefusal(m, caller);
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
  // (The caller issues the session's proof when this turned 2SV on: see `turnedOn`.)
  const wasEnabled = m.enabled;
  m.devices.push(device);
  m.pending = false;
  m.enabled = wasEnabled || (primaryOf(m) !== undefined && backupsOf(m).length > 0);
  if (!wasEnabled) m.verifiedAt = m.time;
  const events = ['verification-passed', 'device-added'];
  if (m.enabled && !wasEnabled) events.push('two-step-enabled');
  return events;
}

/** The engine did what the model expects; the model logs the expected events. */
function agree(
  m: Model,
  actual: { result: Outcome; events: string[] },
  expected: { result: Outcome; events: string[] },
) {
  expect(actual.result).toEqual(expected.result);
  expect(actual.events).toEqual(expected.events);
  modelLog(m, expected.events);
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
  for (const session of SESSIONS) {
    const withProof = await real.b.twoStep.status(USER, { proof: real.held[session] });
    expect(withProof.recentlyVerified).toBe(!locked(m) && proofValid(m, session));
  }
  expect(s.recentlyVerified).toBe(false); // no proof, no step-up

  // The log is the sequence of successful changes, newest first, numbered in order.
  const page = await real.b.twoStep.activity(USER, { limit: 100 });
  const entries = [...page.entries].reverse();
  expect(
    entries.map((e) => (e.type === 'codes-failed' ? { type: e.type, count: e.count } : { type: e.type })),
  ).toEqual(m.log);
  for (let i = 1; i < entries.length; i++) expect(entries[i]!.seq).toBeGreaterThan(entries[i - 1]!.seq);
  // No secret, code, proof or full number in any entry or event.
  const text = JSON.stringify([page.entries, real.b.events]);
  for (const value of [
    ...real.secrets.values(),
    ...real.seen,
    ...PHONES,
    ...real.b.sent.map((x) => x.code),
  ]) {
    expect(text.includes(value), 'a secret, code, proof or number was logged').toBe(false);
  }
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
  constructor(readonly caller: Caller = 'A') {}
  check = () => true;
  async run(m: Model, real: Real) {
    const expectedError = modelAddCheck(m, this.caller, 'authenticator');
    let secret = '';
    let id = '';
    const begin = await observe(real, async () => {
      const e = await real.b.twoStep.enrollAuthenticator(USER, {
        account: 'model@example.com',
        proof: proofOf(real, this.caller),
      });
      secret = e.secret;
      id = e.id;
      return { ok: true };
    });
    if (expectedError) {
      agree(m, begin, { result: { error: expectedError }, events: [] });
      return;
    }
    agree(m, begin, { result: { ok: true }, events: ['enrollment-started'] });
    m.exists = true;
    m.pending = true;
    const code = generateTotp(secret, { at: m.time });
    let proof: string | undefined;
    const confirm = await observe(real, async () => {
      const r = await real.b.twoStep.confirmEnrollment(USER, code);
      if (r.ok) proof = r.proof;
      return r;
    });
    if (locked(m)) {
      agree(m, confirm, { result: { ok: false, reason: 'locked' }, events: [] });
      return;
    }
    const role = primaryOf(m) ? 'backup' : 'primary';
    real.secrets.set(id, secret);
    const events = modelConfirm(m, { id, kind: 'authenticator', role, lastStep: step(m) });
    agree(m, confirm, { result: { ok: true }, events });
    if (events.includes('two-step-enabled')) issueProof(m, real, this.caller, proof);
    else expect(proof).toBeUndefined();
    await checkStatus(m, real);
  }
  toString = () => `addAuthenticator(${this.caller})`;
}

class AddPhone implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly kind: 'sms' | 'voice',
    readonly phone: string,
    readonly caller: Caller = 'A',
  ) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const expectedError = modelAddCheck(m, this.caller, this.kind, this.phone);
    let id = '';
    const begin = await observe(real, async () => {
      const r = await real.b.twoStep.enrollPhone(USER, {
        phone: this.phone,
        kind: this.kind,
        proof: proofOf(real, this.caller),
      });
      if (r.ok) id = r.enrollment.id;
      return r;
    });
    if (expectedError) return agree(m, begin, { result: { error: expectedError }, events: [] });
    if (m.exists && locked(m))
      return agree(m, begin, { result: { ok: false, reason: 'locked' }, events: [] });
    agree(m, begin, { result: { ok: true }, events: ['enrollment-started', 'code-sent'] });
    m.exists = true;
    m.pending = true;
    let proof: string | undefined;
    const confirm = await observe(real, async () => {
      const r = await real.b.twoStep.confirmEnrollment(USER, real.b.lastCode());
      if (r.ok) proof = r.proof;
      return r;
    });
    const role = primaryOf(m) ? 'backup' : 'primary';
    const events = modelConfirm(m, { id, kind: this.kind, role, phone: this.phone });
    agree(m, confirm, { result: { ok: true }, events });
    if (events.includes('two-step-enabled')) issueProof(m, real, this.caller, proof);
    else expect(proof).toBeUndefined();
    await checkStatus(m, real);
  }
  toString = () => `addPhone(${this.kind}, ${this.phone}, ${this.caller})`;
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
    if (!m.exists) return agree(m, got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!m.enabled) return agree(m, got, { result: { error: 'NOT_ENABLED' }, events: [] });
    if (!device) return agree(m, got, { result: { error: 'UNKNOWN_DEVICE' }, events: [] });
    if (locked(m)) return agree(m, got, { result: { ok: false, reason: 'locked' }, events: [] });
    const phone = device.kind !== 'authenticator';
    agree(m, got, {
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
  constructor(
    readonly attempt: 'correct' | 'wrong' | 'previous-step',
    readonly session: Session = 'A',
  ) {}
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
    let proof: string | undefined;
    const got = await observe(real, async () => {
      const r = await real.b.twoStep.verify(USER, code);
      if (r.ok) proof = r.proof;
      return r;
    });
    if (!m.exists) return agree(m, got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (locked(m)) return agree(m, got, { result: { ok: false, reason: 'locked' }, events: [] });
    if (!ch || !device) return agree(m, got, { result: { ok: false, reason: 'no-challenge' }, events: [] });
    if (m.time >= ch.expiresAt)
      return agree(m, got, { result: { ok: false, reason: 'expired' }, events: [] });
    if (correct) {
      agree(m, got, { result: { ok: true }, events: ['verification-passed'] });
      if (device.kind === 'authenticator')
        device.lastStep = this.attempt === 'correct' ? step(m) : step(m) - 1;
      m.challenge = null;
      m.failures = 0;
      m.verifiedAt = m.time;
      m.reverify = false;
      m.burst = false; // the consecutive failures are reset
      issueProof(m, real, this.session, proof);
    } else {
      agree(m, got, modelFailure(m, replay));
    }
    await checkStatus(m, real);
  }
  toString = () => `verify(${this.attempt}, ${this.session})`;
}

class Swap implements fc.AsyncCommand<Model, Real> {
  constructor(readonly caller: Caller) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const got = await observe(real, async () => {
      await real.b.twoStep.swapPrimary(USER, { proof: proofOf(real, this.caller) });
      return { ok: true };
    });
    const primary = primaryOf(m);
    const backup = backupsOf(m)[0];
    if (!m.exists) return agree(m, got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!backup || !primary) return agree(m, got, { result: { error: 'NOT_A_BACKUP' }, events: [] });
    const refusal = sensitiveRefusal(m, this.caller);
    if (refusal) return agree(m, got, { result: { error: refusal }, events: [] });
    if (!TABLE[backup.kind])
      return agree(m, got, { result: { error: 'PRIMARY_KIND_NOT_ALLOWED' }, events: [] });
    if (!TABLE[backup.kind]!.includes(primary.kind)) {
      return agree(m, got, { result: { error: 'BACKUP_KIND_NOT_ALLOWED' }, events: [] });
    }
    agree(m, got, { result: { ok: true }, events: ['primary-changed'] });
    primary.role = 'backup';
    backup.role = 'primary';
    await checkStatus(m, real);
  }
  toString = () => `swap(${this.caller})`;
}

class Remove implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly target: 'primary' | 'backup',
    readonly caller: Caller,
  ) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const device = this.target === 'primary' ? primaryOf(m) : backupsOf(m)[0];
    const got = await observe(real, async () => {
      await real.b.twoStep.removeDevice(USER, device?.id ?? 'none', { proof: proofOf(real, this.caller) });
      return { ok: true };
    });
    if (!m.exists) return agree(m, got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!device) return agree(m, got, { result: { error: 'UNKNOWN_DEVICE' }, events: [] });
    const refusal = sensitiveRefusal(m, this.caller);
    if (refusal) return agree(m, got, { result: { error: refusal }, events: [] });
    if (device.role === 'primary' && (m.devices.length > 1 || m.enabled)) {
      return agree(m, got, { result: { error: 'PRIMARY_NOT_REMOVABLE' }, events: [] });
    }
    if (device.role === 'backup' && m.enabled && backupsOf(m).length <= 1) {
      return agree(m, got, { result: { error: 'BACKUP_REQUIRED' }, events: [] });
    }
    agree(m, got, { result: { ok: true }, events: ['device-removed'] });
    m.devices = m.devices.filter((d) => d !== device);
    if (m.challenge?.deviceId === device.id) m.challenge = null;
    await checkStatus(m, real);
  }
  toString = () => `remove(${this.target}, ${this.caller})`;
}

class Disable implements fc.AsyncCommand<Model, Real> {
  constructor(readonly caller: Caller) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const got = await observe(real, async () => {
      await real.b.twoStep.disable(USER, { proof: proofOf(real, this.caller) });
      return { ok: true };
    });
    if (!m.exists) return agree(m, got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!m.enabled && m.devices.length === 0 && !m.pending && !m.challenge) {
      return agree(m, got, { result: { ok: true }, events: [] });
    }
    const refusal = sensitiveRefusal(m, this.caller);
    if (refusal) return agree(m, got, { result: { error: refusal }, events: [] });
    agree(m, got, {
      result: { ok: true },
      events: m.enabled ? ['two-step-disabled'] : m.devices.map(() => 'device-removed'),
    });
    Object.assign(m, {
      enabled: false,
      devices: [],
      pending: false,
      challenge: null,
      reverify: false,
      proofs: [],
    });
    await checkStatus(m, real);
  }
  toString = () => `disable(${this.caller})`;
}

class RequireReverification implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, real: Real) {
    const got = await observe(real, async () => {
      await real.b.twoStep.requireReverification(USER);
      return { ok: true };
    });
    if (!m.exists) return agree(m, got, { result: { error: 'UNKNOWN_USER' }, events: [] });
    if (!m.enabled) return agree(m, got, { result: { error: 'NOT_ENABLED' }, events: [] });
    agree(m, got, { result: { ok: true }, events: ['reverification-required'] });
    Object.assign(m, { reverify: true, verifiedAt: null, challenge: null, pending: false, proofs: [] });
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
  fc.constantFrom(...CALLERS).map((c) => new AddAuthenticator(c)),
  fc
    .tuple(
      fc.constantFrom('sms' as const, 'voice' as const),
      fc.constantFrom(...PHONES),
      fc.constantFrom(...CALLERS),
    )
    .map(([k, p, c]) => new AddPhone(k, p, c)),
  fc.constantFrom('primary' as const, 'backup' as const).map((t) => new BeginChallenge(t)),
  fc.constantFrom('primary' as const, 'backup' as const).map((t) => new BeginChallenge(t)),
  fc
    .tuple(
      fc.constantFrom('correct' as const, 'wrong' as const, 'previous-step' as const),
      fc.constantFrom(...SESSIONS),
    )
    .map(([a, s]) => new Verify(a, s)),
  fc
    .tuple(fc.constantFrom('correct' as const, 'previous-step' as const), fc.constantFrom(...SESSIONS))
    .map(([a, s]) => new Verify(a, s)),
  fc.integer({ min: 1, max: 6 }).map((n) => new WrongBurst(n)),
  fc.constantFrom(...CALLERS).map((c) => new Swap(c)),
  fc
    .tuple(fc.constantFrom('primary' as const, 'backup' as const), fc.constantFrom(...CALLERS))
    .map(([t, c]) => new Remove(t, c)),
  fc.constantFrom(...CALLERS).map((c) => new Disable(c)),
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
            proofs: [],
            held: { A: null, B: null },
            issued: 0,
            log: [],
            burst: false,
          };
          const real: Real = {
            b,
            secrets: new Map(),
            challengeCode: null,
            held: { A: undefined, B: undefined },
            seen: new Set(),
          };
          for (const command of setups[setup]) await command.run(model, real);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        },
      ),
      { numRuns: 120 },
    );
  });
});
