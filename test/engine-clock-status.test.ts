// The engine's clock judgement (src/engine/clock.ts) and status view (src/engine/status.ts), first measured by
// StrykerJS in issue #17: each test pins a promised behaviour (docs/security.md, the modules' TSDoc) with known
// answers and exact boundaries, one millisecond either side. Through the engine where it is visible there,
// through the pure functions where it is a documented rule of theirs. Equivalent mutants: test/MUTATION.md.
import { describe, expect, it } from 'vitest';
import {
  CLOCK_TOLERANCE,
  clockSkewError,
  judgeClock,
  judgeDestination,
  rebase,
} from '../src/engine/clock.js';
import { type DeviceRec, emptyRecord, type PendingRec, type UserRecord } from '../src/engine/record.js';
import { deviceInfo, statusOf } from '../src/engine/status.js';
import { TwoSvError } from '../src/errors.js';
import { defaultPolicy, definePolicy } from '../src/policy.js';
import { generateTotp } from '../src/totp.js';
import {
  addPhone,
  type Bench,
  makeBench,
  PHONE_1,
  rejectsWith,
  setUpUser,
  snapshot,
} from './support/two-step.js';

/** The user's record as stored. */
async function stored(b: Bench, userId: string): Promise<UserRecord> {
  const entry = await snapshot(b.store, userId);
  if (!entry) throw new Error(`no record for ${userId}`);
  return entry.record as unknown as UserRecord;
}

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const MIN = 60_000;

describe('CLOCK_TOLERANCE and clockSkewError', () => {
  it('is five minutes, and the error is a TwoSvError CLOCK_SKEW with a message', () => {
    expect(CLOCK_TOLERANCE).toBe(5 * MIN);
    const err = clockSkewError();
    expect(err).toBeInstanceOf(TwoSvError);
    expect(err.code).toBe('CLOCK_SKEW');
    expect(err.message.length).toBeGreaterThan(10);
  });
});

describe('judgeClock', () => {
  const record: UserRecord = { ...emptyRecord(), seen: T };

  it('judges at the reading when there is no record', () => {
    expect(judgeClock(defaultPolicy, null, T)).toStrictEqual({ record: null, mono: T, rebased: false });
  });

  it('judges at max(reading, seen) while the reading is within the tolerance, to the millisecond', () => {
    expect(judgeClock(defaultPolicy, record, T + 1)).toStrictEqual({ record, mono: T + 1, rebased: false });
    expect(judgeClock(defaultPolicy, record, T)).toStrictEqual({ record, mono: T, rebased: false });
    expect(judgeClock(defaultPolicy, record, T - 1)).toStrictEqual({ record, mono: T, rebased: false });
    const edge = judgeClock(defaultPolicy, record, T - CLOCK_TOLERANCE);
    expect(edge).toStrictEqual({ record, mono: T, rebased: false });
    expect((edge as { record: UserRecord }).record).toBe(record); // unchanged, not a copy
  });

  it('refuses a reading one millisecond past the tolerance, marking it as the first skewed reading', () => {
    const at = T - CLOCK_TOLERANCE - 1;
    expect(judgeClock(defaultPolicy, record, at)).toStrictEqual({
      skewed: true,
      mark: { ...record, skew: at },
    });
  });

  it('refuses later skewed readings without a new mark until a tolerance after the first, then rebases', () => {
    const first = T - 3 * CLOCK_TOLERANCE;
    const marked: UserRecord = { ...record, skew: first };
    expect(judgeClock(defaultPolicy, marked, first)).toStrictEqual({ skewed: true, mark: null });
    expect(judgeClock(defaultPolicy, marked, first + 1)).toStrictEqual({ skewed: true, mark: null });
    const last = first + CLOCK_TOLERANCE - 1;
    expect(judgeClock(defaultPolicy, marked, last)).toStrictEqual({ skewed: true, mark: null });
    const at = first + CLOCK_TOLERANCE;
    expect(judgeClock(defaultPolicy, marked, at)).toStrictEqual({
      record: rebase(defaultPolicy, marked, at),
      mono: at,
      rebased: true,
    });
  });

  it('takes a skewed reading earlier than the mark as the new mark', () => {
    const first = T - 3 * CLOCK_TOLERANCE;
    const marked: UserRecord = { ...record, skew: first };
    expect(judgeClock(defaultPolicy, marked, first - 1)).toStrictEqual({
      skewed: true,
      mark: { ...record, skew: first - 1 },
    });
  });
});

describe('rebase', () => {
  const A = T - 30 * MIN; // the reading, behind seen = T
  const stepAt = Math.floor(A / 1000 / 30); // the TOTP step of A (default period 30 s, window 1)
  const device = (over: Partial<DeviceRec>): DeviceRec => ({
    id: 'd',
    kind: 'authenticator',
    role: 'primary',
    addedAt: A - 1,
    ...over,
  });
  const base: UserRecord = {
    ...emptyRecord(),
    user: 'u',
    enabled: true,
    devices: [
      device({ id: 'future', addedAt: A + 1, lastUsedAt: A + 1, lastStep: stepAt + 5 }),
      device({ id: 'edge', role: 'backup', addedAt: A, lastUsedAt: A, lastStep: stepAt + 1 }),
      device({ id: 'past', role: 'backup', lastUsedAt: A - 1, lastStep: stepAt - 3 }),
      device({ id: 'bare', role: 'backup', kind: 'sms', phone: '+12015550101' }),
    ],
    contacts: [
      { kind: 'email', value: 'a@example.com', verifiedAt: A + 1 },
      { kind: 'email', value: 'b@example.com', verifiedAt: A - 1 },
    ],
    failures: 3,
    seen: T,
    skew: A - CLOCK_TOLERANCE,
    sends: [
      { at: A + 1, id: 's1' },
      { at: A - 1, id: 's2' },
    ],
    contactSends: [
      { at: A + 1, id: 'c1' },
      { at: A - 1, id: 'c2' },
    ],
  };
  const inFlight = (startedAt: number) => ({ startedAt, expiresAt: startedAt + 10 * MIN, attempts: 0 });

  it('clamps every time after the reading to it, lowers lastStep to the end of the window, drops skew', () => {
    const { skew: _, ...rest } = base;
    expect(rebase(defaultPolicy, base, A)).toStrictEqual({
      ...rest,
      devices: [
        device({ id: 'future', addedAt: A, lastUsedAt: A, lastStep: stepAt + 1 }),
        device({ id: 'edge', role: 'backup', addedAt: A, lastUsedAt: A, lastStep: stepAt + 1 }),
        device({ id: 'past', role: 'backup', lastUsedAt: A - 1, lastStep: stepAt - 3 }),
        device({ id: 'bare', role: 'backup', kind: 'sms', phone: '+12015550101' }),
      ],
      contacts: [
        { kind: 'email', value: 'a@example.com', verifiedAt: A },
        { kind: 'email', value: 'b@example.com', verifiedAt: A - 1 },
      ],
      seen: A,
      sends: [
        { at: A, id: 's1' },
        { at: A - 1, id: 's2' },
      ],
      contactSends: [
        { at: A, id: 'c1' },
        { at: A - 1, id: 'c2' },
      ],
    });
  });

  it('adds no optional field the record lacked', () => {
    const { contactSends: _, ...noContactSends } = base;
    const next = rebase(defaultPolicy, noContactSends, A);
    expect('contactSends' in next).toBe(false);
    expect('skew' in next).toBe(false);
    const bare = next.devices.find((d) => d.id === 'bare')!;
    expect(Object.keys(bare).sort()).toEqual(['addedAt', 'id', 'kind', 'phone', 'role']);
  });

  it('ends codes in flight issued after the reading, keeps those issued at or before it', () => {
    for (const [startedAt, kept] of [
      [A + 1, false],
      [A, true],
      [A - 1, true],
    ] as const) {
      const pending: PendingRec = {
        id: 'p',
        kind: 'authenticator',
        role: 'backup',
        secret: 'S',
        ...inFlight(startedAt),
      };
      const challenge = { id: 'c', deviceId: 'past', hash: 'h', ...inFlight(startedAt) };
      const contact = {
        id: 'k',
        kind: 'email' as const,
        channel: 'email' as const,
        value: 'x@example.com',
        hash: 'h',
        ...inFlight(startedAt),
      };
      const next = rebase(defaultPolicy, { ...base, pending, challenge, contact }, A);
      expect(next.pending).toStrictEqual(kept ? pending : null);
      expect(next.challenge).toStrictEqual(kept ? challenge : null);
      expect(next.contact).toStrictEqual(kept ? contact : null);
    }
  });

  it('ends a lock at its old end or lockout.maxDuration from the reading, whichever is sooner', () => {
    const maxLock = A + defaultPolicy.lockout.maxDuration * 1000;
    for (const [lockedUntil, expected] of [
      [maxLock + 1, maxLock],
      [maxLock, maxLock],
      [maxLock - 1, maxLock - 1],
      [0, 0],
    ] as const) {
      expect(rebase(defaultPolicy, { ...base, lockedUntil }, A).lockedUntil).toBe(expected);
    }
  });

  it('forgets a verification stamped after the reading, keeps one at or before it', () => {
    for (const [verifiedAt, expected] of [
      [A + 1, null],
      [A, A],
      [A - 1, A - 1],
      [null, null],
    ] as const) {
      expect(rebase(defaultPolicy, { ...base, verifiedAt }, A).verifiedAt).toBe(expected);
    }
  });

  it('follows the policy period and window for the last TOTP step', () => {
    const policy = definePolicy({ totp: { period: 60, window: 2 } });
    const last = Math.floor(A / 1000 / 60) + 2;
    const next = rebase(policy, { ...base, devices: [device({ lastStep: last + 1 })] }, A);
    expect(next.devices[0]!.lastStep).toBe(last);
  });
});

describe('judgeDestination', () => {
  const dest = {
    v: 1 as const,
    seen: T,
    sends: [
      { at: T - 1, id: 'a' },
      { at: T - 10 * MIN, id: 'b' },
    ],
  };

  it('judges at the reading when there is no record', () => {
    expect(judgeDestination(null, T)).toStrictEqual({ record: null, mono: T });
  });

  it('judges at max(reading, seen) within the tolerance, to the millisecond', () => {
    expect(judgeDestination(dest, T + 1)).toStrictEqual({ record: dest, mono: T + 1 });
    expect(judgeDestination(dest, T - 1)).toStrictEqual({ record: dest, mono: T });
    expect(judgeDestination(dest, T - CLOCK_TOLERANCE)).toStrictEqual({ record: dest, mono: T });
  });

  it('rebases at once one millisecond past the tolerance: later sends count as sent now', () => {
    const at = T - CLOCK_TOLERANCE - 1;
    expect(judgeDestination(dest, at)).toStrictEqual({
      record: {
        v: 1,
        seen: at,
        sends: [
          { at, id: 'a' },
          { at: T - 10 * MIN, id: 'b' },
        ],
      },
      mono: at,
    });
  });
});

describe('clock skew through the engine', () => {
  it('accepts a reading exactly a tolerance behind, refuses one a millisecond more and marks it', async () => {
    const b = makeBench();
    await setUpUser(b, 'ann');
    const seen = await stored(b, 'ann');
    const S = seen.seen;
    expect(S).toBe(b.now());

    b.setTime(S - CLOCK_TOLERANCE); // agrees: judged at S
    expect((await b.twoStep.beginChallenge('ann')).ok).toBe(true);
    expect((await stored(b, 'ann')).seen).toBe(S);

    b.setTime(S - CLOCK_TOLERANCE - 1);
    const before = await stored(b, 'ann');
    await rejectsWith(() => b.twoStep.beginChallenge('ann'), 'CLOCK_SKEW');
    const marked = await stored(b, 'ann');
    expect(marked).toStrictEqual({ ...before, skew: S - CLOCK_TOLERANCE - 1 });
  });

  it('rebases the record onto a clock that stays behind for a tolerance', async () => {
    const b = makeBench();
    await setUpUser(b, 'bo');
    const S = b.now();
    const first = S - 3 * CLOCK_TOLERANCE;
    b.setTime(first);
    await rejectsWith(() => b.twoStep.beginChallenge('bo'), 'CLOCK_SKEW');
    b.setTime(first + CLOCK_TOLERANCE - 1);
    await rejectsWith(() => b.twoStep.beginChallenge('bo'), 'CLOCK_SKEW');
    b.setTime(first + CLOCK_TOLERANCE);
    expect((await b.twoStep.beginChallenge('bo')).ok).toBe(true);
    const after = await stored(b, 'bo');
    expect(after.seen).toBe(first + CLOCK_TOLERANCE);
    expect('skew' in after).toBe(false);
  });

  it('clears the mark on a write from a clock that agrees with the record', async () => {
    const b = makeBench();
    await setUpUser(b, 'cy');
    const S = b.now();
    b.setTime(S - CLOCK_TOLERANCE - 1);
    await rejectsWith(() => b.twoStep.beginChallenge('cy'), 'CLOCK_SKEW');
    b.setTime(S + 1);
    expect((await b.twoStep.beginChallenge('cy')).ok).toBe(true);
    const after = await stored(b, 'cy');
    expect('skew' in after).toBe(false);
    expect(after.seen).toBe(S + 1);
  });
});

describe('status: devices', () => {
  it("shows a device's lastUsedAt once it verified (at the judged time), and none before", async () => {
    const b = makeBench();
    const { secret, appId, smsId } = await setUpUser(b, 'dee');
    let status = await b.twoStep.status('dee');
    for (const d of status.devices) expect('lastUsedAt' in d).toBe(false);

    b.advance(5 * MIN);
    const usedAt = b.now();
    await b.twoStep.beginChallenge('dee');
    expect((await b.twoStep.verify('dee', generateTotp(secret, { at: usedAt }))).ok).toBe(true);
    b.advance(MIN);
    b.setTime(b.now() - 2 * MIN); // a clock a minute behind the last write, within the tolerance
    status = await b.twoStep.status('dee');
    expect(status.devices.map((d) => [d.id, d.lastUsedAt])).toStrictEqual([
      [appId, usedAt],
      [smsId, undefined],
    ]);
    expect('lastUsedAt' in status.devices[1]!).toBe(false);
  });

  it('lists the primary first, then backups in enrolment order', async () => {
    const policy = definePolicy({ maxBackups: 2 });
    const b = makeBench({ policy });
    const { appId, smsId } = await setUpUser(b, 'eve');
    const voiceId = await addPhone(b, 'eve', '+12015550109', 'voice', { role: 'backup' });
    await b.twoStep.swapPrimary('eve', { deviceId: smsId, proof: b.proof('eve') });
    const record = await stored(b, 'eve');
    const status = await b.twoStep.status('eve');
    expect(status.devices.map((d) => [d.id, d.role])).toStrictEqual([
      [smsId, 'primary'],
      [appId, 'backup'],
      [voiceId, 'backup'],
    ]);
    // the record keeps them in enrolment order: the view sorts the new primary first
    expect(record.devices.map((d) => d.id)).toStrictEqual([appId, smsId, voiceId]);
  });

  it('sorts the primary first from any stored order and keeps the backups in order (pure)', () => {
    const d = (id: string, role: 'primary' | 'backup'): DeviceRec => ({
      id,
      kind: 'sms',
      role,
      addedAt: T,
      phone: PHONE_1,
    });
    for (const order of [
      ['b1', 'b2', 'p'],
      ['b1', 'p', 'b2'],
      ['p', 'b1', 'b2'],
    ]) {
      const record: UserRecord = {
        ...emptyRecord(),
        devices: order.map((id) => d(id, id === 'p' ? 'primary' : 'backup')),
      };
      const ids = statusOf(defaultPolicy, record, T, T).devices.map((x) => x.id);
      expect(ids).toStrictEqual(['p', 'b1', 'b2']);
    }
  });

  it('deviceInfo omits a lastUsedAt the record holds as undefined, and a pending device has none', () => {
    // A record built in memory may hold the key with no value; the view must still omit it.
    const dev = {
      id: 'x',
      kind: 'authenticator',
      role: 'primary',
      addedAt: T,
      lastUsedAt: undefined,
    } as unknown as DeviceRec;
    expect(deviceInfo(dev, true)).toStrictEqual({
      id: 'x',
      kind: 'authenticator',
      role: 'primary',
      confirmed: true,
      addedAt: T,
    });
    expect(deviceInfo({ ...dev, lastUsedAt: T + 5 }, true).lastUsedAt).toBe(T + 5);
    const pending: PendingRec = {
      id: 'p',
      kind: 'authenticator',
      role: 'backup',
      startedAt: T,
      expiresAt: T + 1,
      attempts: 0,
    };
    expect(deviceInfo(pending, false)).toStrictEqual({
      id: 'p',
      kind: 'authenticator',
      role: 'backup',
      confirmed: false,
      addedAt: T,
    });
  });
});

describe('status: challenge', () => {
  it("shows the challenge with its device's kind, from its start to one millisecond before its end", async () => {
    const b = makeBench();
    const { smsId } = await setUpUser(b, 'fay');
    expect((await b.twoStep.status('fay')).challenge).toBeNull();
    b.advance(31_000);
    const begun = await b.twoStep.beginChallenge('fay', { deviceId: smsId });
    expect(begun.ok).toBe(true);
    const startedAt = b.now();
    const expiresAt = startedAt + defaultPolicy.code.lifetime * 1000;
    const shown = { deviceId: smsId, kind: 'sms', expiresAt };
    expect((await b.twoStep.status('fay')).challenge).toStrictEqual(shown);
    b.setTime(startedAt - 1); // a clock one millisecond behind the challenge's start
    expect((await b.twoStep.status('fay')).challenge).toBeNull();
    b.setTime(expiresAt - 1);
    expect((await b.twoStep.status('fay')).challenge).toStrictEqual(shown);
    b.setTime(expiresAt);
    expect((await b.twoStep.status('fay')).challenge).toBeNull();
  });

  it('shows no challenge for a device no longer in the record (pure)', () => {
    const record: UserRecord = {
      ...emptyRecord(),
      devices: [{ id: 'p', kind: 'authenticator', role: 'primary', addedAt: T }],
      challenge: { id: 'c', deviceId: 'gone', startedAt: T, expiresAt: T + MIN, attempts: 0 },
    };
    expect(statusOf(defaultPolicy, record, T, T).challenge).toBeNull();
  });
});

describe('status: recommendAuthenticator', () => {
  const smsOnly = (backups: number): UserRecord => ({
    ...emptyRecord(),
    devices: [
      { id: 'p', kind: 'sms', role: 'primary', addedAt: T, phone: PHONE_1 },
      ...Array.from(
        { length: backups },
        (_, i): DeviceRec => ({ id: `b${i}`, kind: 'sms', role: 'backup', addedAt: T, phone: PHONE_1 }),
      ),
    ],
  });

  it('when authenticator may not be primary: recommended while a backup slot is free for one', () => {
    const policy = definePolicy({ table: { sms: ['sms', 'authenticator'] }, maxBackups: 1 });
    expect(statusOf(policy, smsOnly(0), T, T).recommendAuthenticator).toBe(true);
    expect(statusOf(policy, smsOnly(1), T, T).recommendAuthenticator).toBe(false);
    const two = definePolicy({ table: { sms: ['sms', 'authenticator'] }, maxBackups: 2 });
    expect(statusOf(two, smsOnly(1), T, T).recommendAuthenticator).toBe(true);
    expect(statusOf(two, smsOnly(2), T, T).recommendAuthenticator).toBe(false);
  });

  it('not recommended when authenticator is neither a primary kind nor a backup kind of the primary', () => {
    const policy = definePolicy({ table: { sms: ['sms', 'voice'] }, maxBackups: 1 });
    expect(statusOf(policy, smsOnly(0), T, T).recommendAuthenticator).toBe(false);
  });

  it('an empty record under such a policy shows nothing to recommend (and does not throw)', async () => {
    const policy = definePolicy({ table: { sms: ['sms', 'authenticator'] } });
    const b = makeBench({ policy });
    const status = await b.twoStep.status('nobody');
    expect(status.devices).toStrictEqual([]);
    expect(status.phoneOnly).toBe(false);
    expect(status.recommendAuthenticator).toBe(false);
  });
});
