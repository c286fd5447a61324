// Issue #17: the survivors of `src/engine/challenges.ts` and `src/engine/codes.ts`. Each test pins a
// behaviour a mutant left alive showed the suite never checked: the words of the challenge refusals, the
// race where the device's kind changes between the engine's peek and its write, a verification of a
// device with no TOTP step used yet (RFC 6238's vector at T = 59 s), the device fields a pass keeps, the
// hex of an empty slice, and the pooled CSPRNG draws of ids and tokens. Through `createTwoStep` where the
// behaviour shows there, through the pure functions where it is a documented rule of theirs. Equivalent
// mutants are listed in test/MUTATION.md.
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  beginAuthenticatorChallenge,
  planPhoneChallenge,
  verifyChallenge,
} from '../src/engine/challenges.js';
import { keyedHashes, randomId, randomToken } from '../src/engine/codes.js';
import { type DeviceRec, emptyRecord, type UserRecord } from '../src/engine/record.js';
import type { Rules } from '../src/engine/step.js';
import { TwoSvError } from '../src/errors.js';
import { defaultPolicy } from '../src/policy.js';
import { MemoryStore, type Store, type StoredEntry } from '../src/store.js';
import {
  addAuthenticator,
  addPhone,
  makeBench,
  PHONE_1,
  rejectsWith,
  setUpUser,
} from './support/two-step.js';

/** A MemoryStore whose next read of `key` can be told to return an older entry (the engine's peek sees it). */
function stalePeekStore(clock: () => number) {
  const inner = new MemoryStore({ clock });
  let stale: { key: string; entry: StoredEntry | null } | null = null;
  const store: Store = {
    get(key) {
      if (stale && stale.key === key) {
        const { entry } = stale;
        stale = null;
        return Promise.resolve(entry);
      }
      return inner.get(key);
    },
    put: (key, record, version, options) => inner.put(key, record, version, options),
    delete: (key) => inner.delete(key),
  };
  return {
    store,
    /** The next read of `key` returns `entry`; the reads after it the stored entry again. */
    serveOnce(key: string, entry: StoredEntry | null) {
      stale = { key, entry };
    },
  };
}

describe('challenges: the refusals say what is wrong', () => {
  it('an unknown user, 2SV not on, and an unknown device, in exact words', async () => {
    const b = makeBench();
    let err = await rejectsWith(() => b.twoStep.beginChallenge('nobody'), 'UNKNOWN_USER');
    expect(err.message).toBe('this user has no 2SV record');
    err = await rejectsWith(() => b.twoStep.verify('nobody', '123456'), 'UNKNOWN_USER');
    expect(err.message).toBe('this user has no 2SV record');

    // An authenticator alone: the default policy wants a backup before 2SV is on.
    await addAuthenticator(b, 'half');
    err = await rejectsWith(() => b.twoStep.beginChallenge('half'), 'NOT_ENABLED');
    expect(err.message).toBe("this user's 2SV is not on");

    await setUpUser(b, 'u');
    err = await rejectsWith(() => b.twoStep.beginChallenge('u', { deviceId: 'nope' }), 'UNKNOWN_DEVICE');
    expect(err.message).toBe('deviceId must be the id of a confirmed device');
    expect(b.sent).toHaveLength(1); // the backup phone's enrolment code only
  });
});

describe('challenges: the device changes kind between the peek and the write', () => {
  it('peeked an authenticator, the primary is a phone now: the code is sent to the phone', async () => {
    const s = stalePeekStore(() => b.now());
    const b = makeBench({ store: s.store });
    const { appId, smsId } = await setUpUser(b, 'u');
    const before = await s.store.get('user:u');
    const swapped = await b.twoStep.swapPrimary('u', { deviceId: smsId, proof: b.proof('u') });
    expect(swapped.devices.find((d) => d.role === 'primary')?.id).toBe(smsId);
    b.advance(31_000); // past the send cooldown
    b.clearEvents();
    s.serveOnce('user:u', before); // the peek reads the record from before the swap
    const result = await b.twoStep.beginChallenge('u');
    expect(result).toEqual({
      ok: true,
      challenge: {
        deviceId: smsId,
        kind: 'sms',
        phone: '+1••••••0101',
        expiresAt: b.now() + defaultPolicy.code.lifetime * 1000,
      },
    });
    expect(b.sent.at(-1)).toMatchObject({ to: PHONE_1, channel: 'sms', purpose: 'sign-in' });
    expect(b.eventTypes()).toEqual(['challenge-started', 'code-sent']);
    expect((await b.twoStep.status('u')).challenge).toEqual({
      deviceId: smsId,
      kind: 'sms',
      expiresAt: b.now() + defaultPolicy.code.lifetime * 1000,
    });
    expect(appId).not.toBe(smsId);
  });

  it('peeked a phone, the primary is an authenticator now: STORE_CONFLICT, nothing sent or stored', async () => {
    const s = stalePeekStore(() => b.now());
    const b = makeBench({ store: s.store });
    const smsId = await addPhone(b, 'u', PHONE_1);
    const app = await addAuthenticator(b, 'u');
    const before = await s.store.get('user:u');
    await b.twoStep.swapPrimary('u', { deviceId: app.id, proof: b.proof('u') });
    const after = await s.store.get('user:u');
    b.advance(31_000);
    b.clearEvents();
    const calls = b.senderCalls();
    s.serveOnce('user:u', before);
    const err = await rejectsWith(() => b.twoStep.beginChallenge('u'), 'STORE_CONFLICT');
    expect(err.message).toBe('the device changed during the challenge; try again');
    expect(b.senderCalls()).toBe(calls);
    expect(b.events).toEqual([]);
    expect(await s.store.get('user:u')).toEqual(after);
    expect(smsId).not.toBe(app.id);
  });
});

describe('challenges: verifying through the engine', () => {
  it('a wrong code and then the right one, each reported as a sign-in', async () => {
    const b = makeBench();
    const { secret, appId } = await setUpUser(b, 'u');
    await b.twoStep.beginChallenge('u');
    b.clearEvents();
    const at = b.now();
    expect(await b.twoStep.verify('u', '000000')).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 4 });
    const pass = await b.twoStep.verify('u', b.totp(secret));
    expect(pass).toMatchObject({ ok: true, deviceId: appId, kind: 'authenticator', verifiedAt: at });
    expect(b.events).toEqual([
      {
        userId: 'u',
        at,
        type: 'verification-failed',
        purpose: 'sign-in',
        reason: 'invalid',
        deviceId: appId,
        failures: 1,
      },
      { userId: 'u', at, type: 'verification-passed', purpose: 'sign-in', deviceId: appId },
    ]);
  });

  it('a stored challenge whose device is gone is no-challenge, and nothing is written', async () => {
    const b = makeBench();
    const { secret } = await setUpUser(b, 'u');
    await b.twoStep.beginChallenge('u');
    const entry = (await b.store.get('user:u'))!;
    const record = structuredClone(entry.record) as unknown as UserRecord;
    expect(record.challenge).not.toBeNull();
    record.challenge!.deviceId = 'gone'; // a record no release writes, but one the schema accepts
    const put = await b.store.put('user:u', record as never, entry.version);
    expect(put.ok).toBe(true);
    const stored = await b.store.get('user:u');
    b.clearEvents();
    expect(await b.twoStep.verify('u', b.totp(secret))).toEqual({ ok: false, reason: 'no-challenge' });
    expect(await b.store.get('user:u')).toEqual(stored);
    expect(b.events).toEqual([]);
  });
});

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // RFC 6238's SHA-1 key, "12345678901234567890"
const hashes = keyedHashes(new Uint8Array(32).fill(7));
const rules = (digits = 6): Rules => ({
  policy: defaultPolicy,
  totp: { algorithm: 'SHA1', digits, period: 30, window: 1 },
  codeHash: hashes.codeHash,
});
const app: DeviceRec = { id: 'app', kind: 'authenticator', role: 'primary', secret: SECRET, addedAt: 0 };
const sms: DeviceRec = { id: 'sms', kind: 'sms', role: 'backup', phone: PHONE_1, addedAt: 0 };
const user = (devices: DeviceRec[], at: number): UserRecord => ({
  ...emptyRecord(),
  enabled: true,
  devices,
  verifiedAt: at,
  seen: at,
});
const newProof = () => 'p'.repeat(32);

describe('challenges: the pure decisions', () => {
  it('beginAuthenticatorChallenge on a phone: the result is null and nothing is written', () => {
    const record = user([{ ...sms, role: 'primary' }], T);
    expect(beginAuthenticatorChallenge(defaultPolicy, record, T, T, 'c1', undefined)).toStrictEqual({
      result: null,
    });
  });

  it('planPhoneChallenge on an authenticator: STORE_CONFLICT in words', () => {
    const record = user([app, sms], T);
    const draft = { id: 'c1', code: '123456', sendId: 's1' };
    let caught: unknown;
    try {
      planPhoneChallenge(rules(), record, T, 'u', draft, undefined);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TwoSvError);
    expect((caught as TwoSvError).code).toBe('STORE_CONFLICT');
    expect((caught as TwoSvError).message).toBe('the device changed during the challenge; try again');
  });

  it('an authenticator with no step used yet accepts RFC 6238 step 1 (T = 59 s, 94287082)', () => {
    const at = 59_000;
    const opened = beginAuthenticatorChallenge(defaultPolicy, user([app, sms], at), at, at, 'c1', undefined);
    const record = opened.next!;
    const pass = verifyChallenge(rules(8), record, app, at, at, 'u', '94287082', SECRET, newProof);
    expect(pass.result).toEqual({
      ok: true,
      deviceId: 'app',
      kind: 'authenticator',
      verifiedAt: at,
      proof: newProof(),
    });
    expect(pass.next!.devices[0]).toStrictEqual({ ...app, lastStep: 1, lastUsedAt: at });
  });

  it('a pass on a phone keeps every stored field of the device but lastUsedAt, and adds none', () => {
    const stored: DeviceRec = { ...sms, role: 'primary', lastStep: 7, lastUsedAt: 1 };
    const r = rules();
    const record: UserRecord = {
      ...user([stored], T),
      challenge: {
        id: 'c1',
        deviceId: 'sms',
        hash: r.codeHash('sign-in', 'u', 'c1', '123456'),
        startedAt: T,
        expiresAt: T + 300_000,
        attempts: 0,
      },
    };
    // A wrong code (its hash as long as the stored one) counts as a failure.
    const wrong = verifyChallenge(r, record, stored, T + 1000, T + 1000, 'u', '654321', null, newProof);
    expect(wrong.result).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 4 });
    const pass = verifyChallenge(r, record, stored, T + 1000, T + 1000, 'u', '123456', null, newProof);
    expect(pass.result).toMatchObject({ ok: true, deviceId: 'sms', kind: 'sms' });
    expect(pass.next!.devices).toStrictEqual([{ ...stored, lastUsedAt: T + 1000 }]);
    // And a phone as the engine writes it (no lastStep): no field is added, not even one holding undefined.
    const plain = { ...record, devices: [sms] };
    const again = verifyChallenge(r, plain, sms, T + 1000, T + 1000, 'u', '123456', null, newProof);
    expect(again.next!.devices).toStrictEqual([{ ...sms, lastUsedAt: T + 1000 }]);
  });
});

describe('codes: ids and tokens from the platform CSPRNG', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('are drawn 4096 bytes at a time and used in order, each used byte zeroed in the pool', () => {
    // A stand-in CSPRNG: a known stream (an LCG's high bytes, never repeating a 4096-byte draw).
    const stream: number[] = [];
    const pools: Uint8Array[] = [];
    let x = 12345;
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(
      <T extends ArrayBufferView | null>(array: T): T => {
        const bytes = array as unknown as Uint8Array;
        pools.push(bytes);
        for (let i = 0; i < bytes.length; i++) {
          x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
          bytes[i] = x >>> 24;
          stream.push(bytes[i]!);
        }
        return array;
      },
    );
    const hex = (from: number, to: number) => bytesToHex(Uint8Array.from(stream.slice(from, to)));

    // Use up what earlier draws left in the pool: the first token after a draw starts the new stream.
    let first = '';
    for (let i = 0; i < 300 && pools.length === 0; i++) first = randomToken(undefined);
    expect(pools.map((p) => p.length)).toEqual([4096]);
    expect(first).toBe(hex(0, 16));

    // 255 more tokens fill the 4096 bytes exactly, with no second draw.
    const tokens: string[] = [];
    for (let i = 1; i < 256; i++) tokens.push(randomToken(undefined));
    expect(pools).toHaveLength(1);
    expect(tokens).toEqual(Array.from({ length: 255 }, (_, i) => hex(16 * (i + 1), 16 * (i + 2))));
    expect(pools[0]!.every((byte) => byte === 0)).toBe(true); // what was handed out is not kept

    // The next id needs a new draw, and is its first 9 bytes; the token after it the next 16.
    expect(randomId(undefined)).toBe(hex(4096, 4105));
    expect(randomToken(undefined)).toBe(hex(4105, 4121));
    expect(pools.map((p) => p.length)).toEqual([4096, 4096]);
    expect(Array.from(pools[1]!.subarray(0, 25))).toEqual(new Array(25).fill(0));
    expect(Array.from(pools[1]!.subarray(25, 41))).toEqual(stream.slice(4121, 4137));
  });
});
