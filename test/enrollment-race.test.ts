// Concurrency and failure: racing verifications, guesses and challenges, within one engine and across
// engines ("servers") sharing a store whose timing the test controls; stores and senders that fail.
import { describe, expect, it } from 'vitest';
import { type CodeMessage, createTwoStep, type TwoStep, type TwoStepEvent } from '../src/enrollment.js';
import { TwoSvError } from '../src/errors.js';
import { type JsonValue, MemoryStore, type PutOptions, type Store, type Version } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import {
  CODE_KEY,
  makeBench,
  PHONE_1,
  rejectsWith,
  START,
  seededRandom,
  setUpUser,
} from './support/two-step.js';

/** A store that delays every get and put by a pseudo-random number of macrotask turns. */
class JitterStore implements Store {
  readonly inner: MemoryStore;
  #next: () => number;
  constructor(inner: MemoryStore, seed = 7) {
    this.inner = inner;
    const random = seededRandom(seed);
    this.#next = () => random(new Uint8Array(1))[0]! % 4;
  }
  async #pause() {
    for (let i = this.#next(); i > 0; i--) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  async get(key: string) {
    await this.#pause();
    return this.inner.get(key);
  }
  async put(key: string, record: JsonValue, expected: Version | null, options?: PutOptions) {
    await this.#pause();
    return this.inner.put(key, record, expected, options);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

/** A store whose puts wait for a gate the test opens: forces "both read, then both write". */
class GateStore implements Store {
  readonly inner: MemoryStore;
  #waiting: (() => void)[] = [];
  #held = 0;
  reads = 0;
  constructor(inner: MemoryStore) {
    this.inner = inner;
  }
  /** The next `n` puts wait until `release()`. */
  hold(n: number) {
    this.#held = n;
  }
  release() {
    for (const go of this.#waiting.splice(0)) go();
  }
  /** Puts refused by the version check. */
  conflicts = 0;
  /** Resolves once `n` puts wait at the gate (no sleep: polled on each macrotask turn). */
  async whenWaiting(n: number) {
    for (let turns = 0; this.#waiting.length < n; turns++) {
      if (turns > 10_000) throw new Error(`only ${this.#waiting.length} of ${n} puts reached the gate`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  get(key: string) {
    this.reads++;
    return this.inner.get(key);
  }
  async put(key: string, record: JsonValue, expected: Version | null, options?: PutOptions) {
    if (this.#held > 0) {
      this.#held--;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    const result = await this.inner.put(key, record, expected, options);
    if (!result.ok) this.conflicts++;
    return result;
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

interface Servers {
  engines: TwoStep[];
  events: TwoStepEvent[];
  sent: CodeMessage[];
  time: { now: number };
}

/** Several engines (servers) sharing one store, one key and one clock. */
function servers(store: Store, n: number): Servers {
  const events: TwoStepEvent[] = [];
  const sent: CodeMessage[] = [];
  const time = { now: START };
  const engines = Array.from({ length: n }, (_, i) =>
    createTwoStep({
      store,
      codeKey: CODE_KEY,
      clock: () => time.now,
      random: seededRandom(1000 + i),
      sender: (m) => {
        sent.push(m);
      },
      onEvent: (e) => {
        events.push(e);
      },
      retries: 50,
    }),
  );
  return { engines, events, sent, time };
}

async function setUpShared(s: Servers, userId: string) {
  const [a, b] = s.engines;
  const e = await a!.enrollAuthenticator(userId, { account: userId });
  expect(await b!.confirmEnrollment(userId, generateTotp(e.secret, { at: s.time.now }))).toMatchObject({
    ok: true,
  });
  s.time.now += 31_000;
  await a!.enrollPhone(userId, { phone: PHONE_1 });
  expect(await b!.confirmEnrollment(userId, s.sent.at(-1)!.code)).toMatchObject({ ok: true, enabled: true });
  s.time.now += 60_000;
  return e.secret;
}

async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  return {
    values: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

describe('one valid code, many racing verifications: exactly one success', () => {
  it('in one engine (Promise.all), TOTP', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    b.advance(60_000);
    await b.twoStep.beginChallenge('u');
    const code = b.totp(secret);
    b.clearEvents();
    const results = await Promise.all(Array.from({ length: 50 }, () => b.twoStep.verify('u', code)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'no-challenge')).toBe(true);
    expect(b.eventTypes()).toEqual(['verification-passed']);
  });

  it('in one engine (Promise.all), SMS', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const results = await Promise.all(Array.from({ length: 50 }, () => b.twoStep.verify('u', b.lastCode())));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it.each([1, 2, 3, 4, 5])('across 4 servers with jittered store timing (seed %i)', async (seed) => {
    const s = servers(new JitterStore(new MemoryStore(), seed), 4);
    const secret = await setUpShared(s, 'u');
    await s.engines[0]!.beginChallenge('u');
    const code = generateTotp(secret, { at: s.time.now });
    s.events.length = 0;
    const { values, errors } = await settle(
      Array.from({ length: 40 }, (_, i) => s.engines[i % 4]!.verify('u', code)),
    );
    expect(values.filter((r) => r.ok)).toHaveLength(1);
    // A call may fail closed (STORE_CONFLICT) but never reports a second success.
    for (const e of errors) expect((e as TwoSvError).code).toBe('STORE_CONFLICT');
    expect(s.events.filter((e) => e.type === 'verification-passed')).toHaveLength(1);
  });

  it('forced interleaving: both servers read, one writes, the other conflicts and re-reads', async () => {
    const gate = new GateStore(new MemoryStore());
    const s = servers(gate, 2);
    const secret = await setUpShared(s, 'u');
    await s.engines[0]!.beginChallenge('u');
    const code = generateTotp(secret, { at: s.time.now });
    s.events.length = 0;
    gate.hold(2);
    const reads = gate.reads;
    const a = s.engines[0]!.verify('u', code);
    const b = s.engines[1]!.verify('u', code);
    await gate.whenWaiting(2); // both have read and wait at the put
    expect(gate.reads).toBe(reads + 2);
    gate.release();
    const results = await Promise.all([a, b]);
    expect(gate.conflicts).toBe(1); // the second write was refused by the version check, and re-read
    expect(gate.reads).toBe(reads + 3);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'no-challenge' });
    expect(s.events.map((e) => e.type)).toEqual(['verification-passed']);
  });
});

describe('racing wrong guesses are all counted', () => {
  it('in one engine', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    await b.twoStep.beginChallenge('u');
    const results = await Promise.all(Array.from({ length: 4 }, () => b.twoStep.verify('u', '000000')));
    expect(results.map((r) => !r.ok && r.reason)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    expect((await b.twoStep.status('u')).failures).toBe(4);
    // 30 more racing guesses on a new code: 5 counted, the code ends, the rest find no challenge.
    await b.twoStep.beginChallenge('u');
    const more = await Promise.all(Array.from({ length: 30 }, () => b.twoStep.verify('u', '000000')));
    expect(more.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(4);
    expect(more.filter((r) => !r.ok && r.reason === 'attempts-exhausted')).toHaveLength(1);
    expect(more.filter((r) => !r.ok && r.reason === 'no-challenge')).toHaveLength(25);
    expect((await b.twoStep.status('u')).failures).toBe(9);
    // And 30 more: the 10th failure locks, and no guess is checked past the lock.
    await b.twoStep.beginChallenge('u');
    const last = await Promise.all(Array.from({ length: 30 }, () => b.twoStep.verify('u', '000000')));
    expect(last.every((r) => !r.ok && r.reason === 'locked')).toBe(true);
    expect(await b.twoStep.status('u')).toMatchObject({ failures: 10, locked: true });
  });

  it('two servers, forced interleaving: both guesses counted (no lost update)', async () => {
    const gate = new GateStore(new MemoryStore());
    const s = servers(gate, 2);
    await setUpShared(s, 'u');
    await s.engines[0]!.beginChallenge('u');
    gate.hold(2);
    const guesses = [s.engines[0]!.verify('u', '000000'), s.engines[1]!.verify('u', '000000')];
    await gate.whenWaiting(2);
    gate.release();
    const results = await Promise.all(guesses);
    expect(gate.conflicts).toBe(1);
    expect(results.map((r) => !r.ok && r.reason)).toEqual(['invalid', 'invalid']);
    expect((await s.engines[0]!.status('u')).failures).toBe(2);
  });

  it('across 3 servers: every guess that got an answer was counted, and the lock holds', async () => {
    const s = servers(new JitterStore(new MemoryStore(), 11), 3);
    await setUpShared(s, 'u');
    s.events.length = 0;
    const answers: string[] = [];
    for (let round = 0; round < 2; round++) {
      await s.engines[round]!.beginChallenge('u');
      const { values, errors } = await settle(
        Array.from({ length: 12 }, (_, i) => s.engines[i % 3]!.verify('u', '000000')),
      );
      for (const e of errors) expect((e as TwoSvError).code).toBe('STORE_CONFLICT');
      for (const r of values) answers.push(r.ok ? 'ok' : r.reason);
    }
    const status = await s.engines[2]!.status('u');
    expect(status).toMatchObject({ locked: true, failures: 10 });
    // 4 invalid and 1 exhausted per code; the 10th failure answers 'locked'; the rest found no challenge
    // or the lock, and were not counted.
    expect(answers.filter((a) => a === 'invalid')).toHaveLength(8);
    expect(answers.filter((a) => a === 'attempts-exhausted')).toHaveLength(1);
    expect(answers).not.toContain('ok');
    const failed = s.events.filter((e) => e.type === 'verification-failed');
    expect(failed.map((e) => e.type === 'verification-failed' && e.failures)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(s.events.filter((e) => e.type === 'locked')).toHaveLength(1);
  });
});

describe('racing challenges leave one active', () => {
  it('app and phone challenges begun together: exactly one device is challenged', async () => {
    const b = makeBench();
    const { secret, smsId, appId } = await setUpUser(b, 'u');
    b.advance(60_000);
    const results = await Promise.all([
      b.twoStep.beginChallenge('u'),
      b.twoStep.beginChallenge('u', { deviceId: smsId }),
      b.twoStep.beginChallenge('u'),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const active = (await b.twoStep.status('u')).challenge!;
    expect([appId, smsId]).toContain(active.deviceId);
    const appResult = await b.twoStep.verify('u', b.totp(secret));
    expect(appResult.ok).toBe(active.deviceId === appId);
  });

  it('app and phone challenges begun on two servers at once: one write conflicts, one device is challenged', async () => {
    const gate = new GateStore(new MemoryStore());
    const s = servers(gate, 2);
    const secret = await setUpShared(s, 'u');
    const { devices } = await s.engines[0]!.status('u');
    const [appId, smsId] = devices.map((d) => d.id) as [string, string];
    const sentBefore = s.sent.length;
    gate.hold(2);
    const begun = [s.engines[0]!.beginChallenge('u', { deviceId: smsId }), s.engines[1]!.beginChallenge('u')];
    await gate.whenWaiting(2);
    gate.release();
    const results = await settle(begun);
    expect(gate.conflicts).toBeGreaterThanOrEqual(1);
    expect(results.errors).toEqual([]);
    const active = (await s.engines[1]!.status('u')).challenge!;
    expect([appId, smsId]).toContain(active.deviceId);
    const smsCode = s.sent.at(-1)!.code;
    expect(s.sent.length).toBeGreaterThan(sentBefore);
    // Only the active device's code passes; the other device's code is refused.
    const appCode = generateTotp(secret, { at: s.time.now });
    const first = await s.engines[0]!.verify('u', active.deviceId === appId ? smsCode : appCode);
    expect(first).toMatchObject({ ok: false, reason: 'invalid' });
    const second = await s.engines[1]!.verify('u', active.deviceId === appId ? appCode : smsCode);
    expect(second).toMatchObject({ ok: true });
  });

  it('across servers, racing SMS challenges send one code (cooldown) and leave one active', async () => {
    const s = servers(new JitterStore(new MemoryStore(), 3), 3);
    await setUpShared(s, 'u');
    const smsId = (await s.engines[0]!.status('u')).devices[1]!.id;
    const before = s.sent.length;
    const { values, errors } = await settle(
      s.engines.map((engine) => engine.beginChallenge('u', { deviceId: smsId })),
    );
    expect(errors).toEqual([]);
    expect(values.filter((r) => r.ok)).toHaveLength(1);
    expect(values.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(2);
    expect(s.sent.length - before).toBe(1);
    expect(await s.engines[2]!.verify('u', s.sent.at(-1)!.code)).toMatchObject({ ok: true });
  });

  it('across servers without a cooldown, the last stored challenge is the only active one', async () => {
    const store = new GateStore(new MemoryStore());
    const s = servers(store, 2);
    await setUpShared(s, 'u');
    const smsId = (await s.engines[0]!.status('u')).devices[1]!.id;
    // Engine 0 begins on the phone (code A), then engine 1 on the app: code A must be refused.
    await s.engines[0]!.beginChallenge('u', { deviceId: smsId });
    const codeA = s.sent.at(-1)!.code;
    await s.engines[1]!.beginChallenge('u');
    expect(await s.engines[0]!.verify('u', codeA)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('failures of the store and the sender', () => {
  it('a sender that throws: SENDER_FAILED with the cause, state and counters as before', async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    const oldCode = b.lastCode();
    const statusBefore = await b.twoStep.status('u');
    b.advance(31_000);
    b.clearEvents();
    b.failSends(1);
    const err = await rejectsWith(() => b.twoStep.beginChallenge('u', { deviceId: smsId }), 'SENDER_FAILED');
    expect((err.cause as Error).message).toBe('gateway down');
    expect(b.events).toEqual([]);
    expect(await b.twoStep.status('u')).toEqual(statusBefore);
    // The failed send did not count: no cooldown now, and the old code is the active one again.
    expect(await b.twoStep.verify('u', oldCode)).toMatchObject({ ok: true });
    expect(await b.twoStep.beginChallenge('u', { deviceId: smsId })).toMatchObject({ ok: true });
  });

  it('a sender that throws on enrolment leaves no pending device and no destination count', async () => {
    const b = makeBench();
    await setUpUser(b, 'x', PHONE_1); // one send to PHONE_1 already: 4 left this hour
    const enrollment = await b.twoStep.enrollAuthenticator('u', { account: 'u' });
    await b.twoStep.confirmEnrollment('u', b.totp(enrollment.secret));
    const before = await b.store.get('user:u');
    b.failSends(5);
    for (let i = 0; i < 5; i++)
      await rejectsWith(() => b.twoStep.enrollPhone('u', { phone: PHONE_1 }), 'SENDER_FAILED');
    const after = await b.store.get('user:u');
    expect(after!.record).toEqual(before!.record);
    // Five failed sends were refunded: the number's hourly cap (5) still has room, the user no cooldown.
    expect(await b.twoStep.enrollPhone('u', { phone: PHONE_1 })).toMatchObject({ ok: true });
  });

  it('a store that throws on read: STORE_FAILED, nothing changed', async () => {
    const inner = new MemoryStore();
    let failing = false;
    const store: Store = {
      delete: (key) => inner.delete(key),
      get: (key) => (failing ? Promise.reject(new Error('connection reset')) : inner.get(key)),
      put: (key, record, expected, options) => inner.put(key, record, expected, options),
    };
    const b = makeBench({ store });
    const { secret } = await setUpUser(b, 'u');
    b.advance(60_000);
    await b.twoStep.beginChallenge('u');
    failing = true;
    const err = await rejectsWith(() => b.twoStep.verify('u', b.totp(secret)), 'STORE_FAILED');
    expect((err.cause as Error).message).toBe('connection reset');
    failing = false;
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
  });

  it('a store that throws on write: no success reported, the code still usable once', async () => {
    const inner = new MemoryStore();
    let failing = false;
    const store: Store = {
      delete: (key) => inner.delete(key),
      get: (key) => inner.get(key),
      put: (key, record, expected, options) =>
        failing ? Promise.reject(new Error('disk full')) : inner.put(key, record, expected, options),
    };
    const b = makeBench({ store });
    const { secret } = await setUpUser(b, 'u');
    b.advance(60_000);
    await b.twoStep.beginChallenge('u');
    failing = true;
    b.clearEvents();
    await rejectsWith(() => b.twoStep.verify('u', b.totp(secret)), 'STORE_FAILED');
    await rejectsWith(() => b.twoStep.verify('u', '000000'), 'STORE_FAILED');
    expect(b.events).toEqual([]);
    failing = false;
    expect((await b.twoStep.status('u')).failures).toBe(0);
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({ ok: false, reason: 'no-challenge' });
  });

  it('a store that throws while a code is being sent: the sender is not called', async () => {
    const inner = new MemoryStore();
    let failing = false;
    const store: Store = {
      delete: (key) => inner.delete(key),
      get: (key) => inner.get(key),
      put: (key, record, expected, options) =>
        failing && key.startsWith('user:')
          ? Promise.reject(new Error('disk full'))
          : inner.put(key, record, expected, options),
    };
    const b = makeBench({ store });
    const { smsId } = await setUpUser(b, 'u');
    b.advance(31_000);
    const calls = b.senderCalls();
    failing = true;
    await rejectsWith(() => b.twoStep.beginChallenge('u', { deviceId: smsId }), 'STORE_FAILED');
    expect(b.senderCalls()).toBe(calls);
  });

  it('a store that always conflicts: STORE_CONFLICT after the retries, fail closed', async () => {
    const inner = new MemoryStore();
    let conflicting = false;
    let puts = 0;
    const store: Store = {
      delete: (key) => inner.delete(key),
      get: (key) => inner.get(key),
      put: (key, record, expected, options) => {
        if (!conflicting) return inner.put(key, record, expected, options);
        puts++;
        return Promise.resolve({ ok: false, reason: 'conflict' });
      },
    };
    const b = makeBench({ store, retries: 3 });
    const { secret } = await setUpUser(b, 'u');
    b.advance(60_000);
    await b.twoStep.beginChallenge('u');
    conflicting = true;
    b.clearEvents();
    await rejectsWith(() => b.twoStep.verify('u', b.totp(secret)), 'STORE_CONFLICT');
    expect(puts).toBe(4);
    expect(b.events).toEqual([]);
    conflicting = false;
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
  });
});

describe('TwoSvError', () => {
  it('is what the engine throws', async () => {
    const b = makeBench();
    expect(await rejectsWith(() => b.twoStep.verify('nobody', '1'), 'UNKNOWN_USER')).toBeInstanceOf(
      TwoSvError,
    );
    expect(await rejectsWith(() => b.twoStep.verify('', '1'), 'INVALID_USER_ID')).toBeInstanceOf(TwoSvError);
  });
});
