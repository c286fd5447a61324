// Issue #17, the record schema and its check (`src/engine/record.ts`): what a store may hand back. Each test
// pins a behaviour that a mutant left alive by the engine suite showed was never checked: the exact words of
// INVALID_RECORD (a record this release does not recognise, another user's record), each kind of malformed
// field the check refuses (a null record, a time or a count of the wrong type, a non-object where an object
// belongs, a context that is not an object, a log entry that is not one, a device or a setup without the
// secret or number its kind needs, a version 1 record holding a field of version 2, a destination record of
// another version), well-formed records that must pass (a log holding every logged type with a full
// context, a sign-in challenge on the authenticator, setups in progress, every optional field), the engine
// handing the store plain JSON (no key holding `undefined`) that keeps every optional field, and records
// the engine wrote itself being checked again at each read unless MemoryStore deep-froze them.
// Through `createTwoStep` on a MemoryStore, on a store that keeps records as text (every read a fresh parse,
// as a database store), or on one that hands back live objects; `copyRecord` also directly.
// Equivalent mutants: test/MUTATION.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { copyRecord, LOGGED_TYPES, type UserRecord } from '../src/engine/record.js';
import { type CodeMessage, createTwoStep } from '../src/enrollment.js';
import { TwoSvError } from '../src/errors.js';
import { type JsonValue, MemoryStore, type PutResult, type Store, type StoredEntry } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import { CODE_KEY } from './support/two-step.js';

const NOT_RECOGNISED = 'the store returned a record this version of twosv does not recognise';
const ANOTHER_USER = "the store returned another user's record for this user id";

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/user-record-v1.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { devices: Record<string, unknown>[] };
const SECRET = 'SFOTCGB6XTJO6UJCTVZE7W6ZN44W5LRL'; // the authenticator's, stored unsealed
const APP = '3aabac26af231a716c';
const SMS = 'c8222f0ce3ed8c687b'; // +12015550123
const SEEN = 1_893_499_320_000; // the fixture's `seen`
const NOW = SEEN + 3_600_000;
/** The fixture as version 2, naming its user. */
const V2 = { ...fixture, v: 2, user: 'alice', proofs: [], activity: [] } as Record<string, unknown>;

/** A store holding records as text: every read is a fresh parse (as a database store). Records each put. */
class TextStore implements Store {
  readonly #rows = new Map<string, { text: string; version: number }>();
  #sequence = 0;
  /** Each put's record as the engine handed it (a structured clone: a key holding `undefined` is kept). */
  readonly puts: { key: string; record: unknown }[] = [];

  async get(key: string): Promise<StoredEntry | null> {
    const row = this.#rows.get(key);
    return row ? { record: JSON.parse(row.text) as JsonValue, version: row.version } : null;
  }

  async put(key: string, record: JsonValue, expected: string | number | null): Promise<PutResult> {
    this.puts.push({ key, record: structuredClone(record) });
    const row = this.#rows.get(key);
    if (row ? row.version !== expected : expected !== null) return { ok: false, reason: 'conflict' };
    const version = ++this.#sequence;
    this.#rows.set(key, { text: JSON.stringify(record), version });
    return { ok: true, version };
  }

  async delete(key: string): Promise<boolean> {
    return this.#rows.delete(key);
  }

  /** The stored record of a key, parsed. */
  record(key: string): unknown {
    const row = this.#rows.get(key);
    return row ? JSON.parse(row.text) : undefined;
  }
}

function engine(store: Store, at = NOW) {
  const sent: CodeMessage[] = [];
  let now = at;
  const twoStep = createTwoStep({
    store,
    codeKey: CODE_KEY,
    clock: () => now,
    sender: (m) => {
      sent.push(m);
    },
  });
  return { twoStep, sent, tick: (ms: number) => (now += ms), at: () => now };
}

/** A MemoryStore holding `record` for alice, and an engine on it. */
async function withRecord(record: unknown, at = NOW) {
  const store = new MemoryStore({ clock: () => at });
  await store.put('user:alice', record as JsonValue, null);
  return { store, ...engine(store, at) };
}

/** A store that hands back `record` itself at each read (not JSON, not a copy) and writes nothing. */
function liveStore(record: unknown): Store {
  return {
    get: async () => ({ record: record as JsonValue, version: 1 }),
    put: async () => ({ ok: false, reason: 'conflict' }),
    delete: async () => false,
  };
}

/** Expects INVALID_RECORD with exactly `message`. */
async function refused(fn: () => unknown, message = NOT_RECOGNISED): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected INVALID_RECORD').toBeInstanceOf(TwoSvError);
  expect((caught as TwoSvError).code).toBe('INVALID_RECORD');
  expect((caught as TwoSvError).message).toBe(message);
}

/** The user's stored entry is still `before`: the same version and the very same (frozen) record. */
async function unchanged(store: MemoryStore, before: StoredEntry | null): Promise<void> {
  const after = await store.get('user:alice');
  expect(after?.version).toBe(before?.version);
  expect(after?.record).toBe(before?.record);
}

const { phone: _, ...smsWithoutPhone } = fixture.devices[1]!;
const pendingApp = {
  id: 'p1',
  kind: 'authenticator',
  role: 'backup',
  secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  startedAt: NOW - 1000,
  expiresAt: NOW + 600_000,
  attempts: 0,
};
const pendingSms = {
  id: 'p2',
  kind: 'voice',
  role: 'backup',
  phone: '+12015550199',
  hash: 'ab'.repeat(32),
  startedAt: NOW - 1000,
  expiresAt: NOW + 600_000,
  attempts: 0,
};
const entry = (changes: Record<string, unknown>) => ({
  ...V2,
  activity: [{ seq: 1, at: SEEN, type: 'two-step-enabled', ...changes }],
});
const recoverySet = { id: 'r1', issuedAt: SEEN, hashes: ['ab'] };
const browser = { id: 'b1', hash: 'cd', label: 'Firefox on Linux', createdAt: SEEN, expiresAt: NOW + 1000 };

describe('records the check refuses: INVALID_RECORD in words, the record left as it was', () => {
  const cases: [string, unknown][] = [
    ['a null record', null],
    ['a version 1 record holding a recovery set', { ...fixture, recovery: recoverySet }],
    ['a version 1 record holding remembered browsers', { ...fixture, remembered: [browser] }],
    ['a version 1 record with proofs', { ...fixture, proofs: [] }],
    ['a time as a string', { ...V2, lockedUntil: '0' }],
    ['the last clock reading as a string', { ...V2, seen: String(SEEN) }],
    ['a fractional failure count', { ...V2, failures: 1.5 }],
    ['a failure count as a string', { ...V2, failures: '1' }],
    ['a negative failure count', { ...V2, failures: -1 }],
    ['enabled as a string', { ...V2, enabled: 'true' }],
    ['reverify as a number', { ...V2, reverify: 0 }],
    ['a null device', { ...V2, devices: [null] }],
    ['a device that is a string', { ...V2, devices: ['x'] }],
    ['a null send', { ...V2, sends: [null] }],
    ['a send that is a number', { ...V2, sends: [5] }],
    ['a contact that is a string', { ...V2, contacts: ['alice@example.com'] }],
    ['a contact check that is a string', { ...V2, contact: 'x' }],
    ['a contact check without its fields', { ...V2, contact: {} }],
    ['a challenge that is a number', { ...V2, challenge: 5 }],
    ['a verification time as a string', { ...V2, verifiedAt: 'yesterday' }],
    ['a null log entry', { ...V2, activity: [null] }],
    ['a log entry that is a number', { ...V2, activity: [5] }],
    ['a log entry that is an array', { ...V2, activity: [[1, SEEN, 'locked']] }],
    ['a log entry numbered by a string', entry({ seq: '1' })],
    ['a log entry with a negative number', entry({ seq: -1 })],
    ['a log entry with a fractional number', entry({ seq: 1.5 })],
    ['a log entry timed by a string', entry({ at: String(SEEN) })],
    ['a log entry without its time', entry({ at: undefined })],
    ['a log entry of an unknown type', entry({ type: 'code-sent' })],
    ['a log entry with a null context', entry({ context: null })],
    ['a log entry with a context that is a number', entry({ context: 0 })],
    ['a log entry with a context that is false', entry({ context: false })],
    ['a log entry with a context that is an empty string', entry({ context: '' })],
    ['a log entry with a context that is an array', entry({ context: [] })],
    ['a log entry with a context of an unknown field', entry({ context: { country: 'FR' } })],
    ['a log entry with a context ip as a number', entry({ context: { ip: 7 } })],
    ['a phone device without its number', { ...V2, devices: [fixture.devices[0], smsWithoutPhone] }],
    ['an authenticator setup without its secret', { ...V2, pending: { ...pendingApp, secret: undefined } }],
    ['a phone setup without its number', { ...V2, pending: { ...pendingSms, phone: undefined } }],
    ['a phone setup without its code hash', { ...V2, pending: { ...pendingSms, hash: undefined } }],
    ['a phone setup with an empty code hash', { ...V2, pending: { ...pendingSms, hash: '' } }],
    ['a setup that is a string', { ...V2, pending: 'x' }],
    [
      'a sign-in challenge on the phone without its code hash',
      { ...V2, challenge: { id: 'c1', deviceId: SMS, startedAt: NOW, expiresAt: NOW + 1, attempts: 0 } },
    ],
  ];
  for (const [name, record] of cases) {
    it(name, async () => {
      // JSON drops undefined fields: each case is stored as a database would hand it back.
      const stored = JSON.parse(JSON.stringify(record)) as JsonValue;
      const { twoStep, store, sent } = await withRecord(stored);
      const before = await store.get('user:alice');
      await refused(() => twoStep.status('alice'));
      await refused(() => twoStep.beginChallenge('alice', { deviceId: SMS }));
      await refused(() => twoStep.verify('alice', '123456'));
      await refused(() => twoStep.activity('alice'));
      expect(sent).toEqual([]);
      await unchanged(store, before); // nothing written
    });
  }

  it('a time that is not finite, from a store that hands back non-JSON values', async () => {
    for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      for (const field of ['lockedUntil', 'seen', 'verifiedAt']) {
        const { twoStep } = engine(liveStore({ ...V2, [field]: bad }));
        await refused(() => twoStep.status('alice'));
      }
      const { twoStep } = engine(liveStore(entry({ at: bad })));
      await refused(() => twoStep.activity('alice'));
    }
  });

  it('a log entry that is an array carrying the fields of an entry, from a store that hands back non-JSON', async () => {
    const array = Object.assign([], { seq: 1, at: SEEN, type: 'two-step-enabled' });
    const { twoStep } = engine(liveStore({ ...V2, activity: [array] }));
    await refused(() => twoStep.activity('alice'));
  });

  it("another user's record: INVALID_RECORD in its own words, at the first read and once cached", async () => {
    const { twoStep, store } = await withRecord({ ...V2, user: 'bob' });
    const before = await store.get('user:alice');
    await refused(() => twoStep.status('alice'), ANOTHER_USER);
    await refused(() => twoStep.status('alice'), ANOTHER_USER); // the deep-frozen record, already checked
    await refused(() => twoStep.disable('alice'), ANOTHER_USER);
    await unchanged(store, before);
  });

  it('a destination record of another version, or with a malformed send: INVALID_RECORD, nothing sent', async () => {
    for (const corrupt of [
      (r: Record<string, unknown>) => ({ ...r, v: 2 }),
      (r: Record<string, unknown>) => ({ ...r, sends: [{ at: SEEN }] }),
      () => null,
    ]) {
      const { twoStep, store, sent, tick } = await withRecord(V2);
      expect(await twoStep.beginChallenge('alice', { deviceId: SMS })).toMatchObject({ ok: true });
      expect(sent.map((m) => m.to)).toEqual(['+12015550123']);
      const destKey = store.keys().find((k) => k.startsWith('dest:'))!;
      const dest = (await store.get(destKey))!;
      expect(dest.record).toMatchObject({ v: 1, sends: [{ at: NOW }] });
      await store.put(destKey, corrupt(dest.record as Record<string, unknown>) as JsonValue, dest.version);
      tick(60_000); // past the send cooldown
      const user = await store.get('user:alice');
      await refused(() => twoStep.beginChallenge('alice', { deviceId: SMS }));
      expect(sent).toHaveLength(1);
      await unchanged(store, user);
    }
  });

  it('the same destination record left as it was: the second send goes through (the control)', async () => {
    const { twoStep, store, sent, tick } = await withRecord(V2);
    expect(await twoStep.beginChallenge('alice', { deviceId: SMS })).toMatchObject({ ok: true });
    tick(60_000);
    expect(await twoStep.beginChallenge('alice', { deviceId: SMS })).toMatchObject({ ok: true });
    expect(sent.map((m) => m.to)).toEqual(['+12015550123', '+12015550123']);
    const destKey = store.keys().find((k) => k.startsWith('dest:'))!;
    expect((await store.get(destKey))!.record).toMatchObject({
      v: 1,
      sends: [{ at: NOW }, { at: NOW + 60_000 }],
    });
  });
});

describe('well-formed records pass', () => {
  it('a log holding every logged type, with every context field, reads back as stored', async () => {
    const types = [...LOGGED_TYPES];
    expect(types).toEqual([
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
      'contact-removed',
      'enrollment-cancelled',
      'recovery-codes-issued',
      'recovery-code-used',
      'recovery-codes-low',
      'two-step-reset',
      'remembered-browser-added',
      'remembered-browser-revoked',
      'codes-failed',
    ]);
    const context = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', reason: 'support ticket 12' };
    const activity = types.map((type, i) => ({ seq: i + 1, at: SEEN + i, type, context }));
    for (const store of [new MemoryStore(), new TextStore()]) {
      await store.put('user:alice', { ...V2, activity } as JsonValue, null);
      const { twoStep } = engine(store);
      const page = await twoStep.activity('alice', { limit: 100 });
      expect(page).toEqual({ entries: [...activity].reverse(), next: null });
    }
  });

  it('a sign-in challenge open on the authenticator (no code hash) is accepted and answered', async () => {
    const challenge = {
      id: 'c1',
      deviceId: APP,
      startedAt: NOW - 1000,
      expiresAt: NOW + 60_000,
      attempts: 0,
    };
    const { twoStep, at } = await withRecord({ ...V2, challenge });
    expect((await twoStep.status('alice')).enabled).toBe(true);
    const code = generateTotp(SECRET, { at: at() });
    expect(await twoStep.verify('alice', code)).toMatchObject({
      ok: true,
      deviceId: APP,
      kind: 'authenticator',
    });
  });

  it('setups in progress (an authenticator with its secret, a phone with its number and hash) are accepted', async () => {
    for (const pending of [pendingApp, pendingSms]) {
      const { twoStep } = await withRecord({ ...V2, pending });
      const status = await twoStep.status('alice');
      expect(status.devices.map((d) => [d.id, d.kind, d.confirmed])).toEqual([
        [APP, 'authenticator', true],
        [SMS, 'sms', true],
        [pending.id, pending.kind, false],
      ]);
    }
  });

  it('every optional field present is accepted: user, recovery, remembered, contact sends, skew', async () => {
    const full = {
      ...V2,
      recovery: recoverySet,
      remembered: [browser],
      contactSends: [{ at: SEEN, id: 's1' }],
      skew: SEEN - 600_000,
      devices: [{ ...fixture.devices[0], lastUsedAt: SEEN }, fixture.devices[1]],
    };
    const store = new TextStore();
    await store.put('user:alice', full as JsonValue, null);
    const { twoStep } = engine(store);
    const status = await twoStep.status('alice');
    expect(status.enabled).toBe(true);
    expect(status.devices.map((d) => d.id)).toEqual([APP, SMS]);
  });
});

describe('the engine hands the store plain JSON and keeps every optional field', () => {
  /** Every put of the engine is plain JSON: no key holds `undefined` (a structured-clone store keeps it). */
  function plainJson(store: TextStore) {
    expect(store.puts.length).toBeGreaterThan(0);
    for (const { record } of store.puts) expect(record).toStrictEqual(JSON.parse(JSON.stringify(record)));
  }

  it('a record without the optional fields gets none holding undefined (challenge, sign-in)', async () => {
    const store = new TextStore();
    const { user: _u, ...bare } = V2;
    await store.put('user:alice', bare as JsonValue, null);
    store.puts.length = 0;
    const { twoStep, at } = engine(store);
    expect(await twoStep.beginChallenge('alice')).toMatchObject({ ok: true });
    expect(await twoStep.verify('alice', generateTotp(SECRET, { at: at() }))).toMatchObject({ ok: true });
    plainJson(store);
    const stored = store.record('user:alice') as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(
      [
        'activity',
        'challenge',
        'contact',
        'contacts',
        'devices',
        'enabled',
        'failures',
        'lockedUntil',
        'pending',
        'proofs',
        'reverify',
        'seen',
        'sends',
        'user',
        'v',
        'verifiedAt',
      ].sort(),
    );
    expect(stored.user).toBe('alice');
  });

  it('recovery, remembered browsers and contact sends are kept by a sign-in', async () => {
    const full = {
      ...V2,
      recovery: recoverySet,
      remembered: [browser],
      contactSends: [{ at: SEEN, id: 's1' }],
    };
    const store = new TextStore();
    await store.put('user:alice', full as JsonValue, null);
    store.puts.length = 0;
    const { twoStep, at } = engine(store);
    expect(await twoStep.beginChallenge('alice')).toMatchObject({ ok: true });
    expect(store.record('user:alice')).toMatchObject({
      recovery: recoverySet,
      remembered: [browser],
      contactSends: [{ at: SEEN, id: 's1' }],
      challenge: { deviceId: APP },
    });
    expect(await twoStep.verify('alice', generateTotp(SECRET, { at: at() }))).toMatchObject({ ok: true });
    expect(store.record('user:alice')).toMatchObject({
      recovery: recoverySet,
      remembered: [browser],
      contactSends: [{ at: SEEN, id: 's1' }],
      challenge: null,
    });
    plainJson(store);
  });

  it('copyRecord is a shallow copy of exactly the fields present, for every mix of the optional ones', () => {
    const optional: Record<string, unknown> = {
      recovery: recoverySet,
      remembered: [browser],
      user: 'alice',
      contactSends: [{ at: SEEN, id: 's1' }],
      skew: SEEN - 600_000,
    };
    const names = Object.keys(optional);
    const { user: _u, ...base } = V2;
    for (let mask = 0; mask < 1 << names.length; mask++) {
      const r = { ...base } as Record<string, unknown>;
      names.forEach((name, i) => {
        if (mask & (1 << i)) r[name] = optional[name];
      });
      const copy = copyRecord(r as unknown as UserRecord);
      expect(copy).not.toBe(r);
      expect(copy).toStrictEqual(r);
      for (const key of Object.keys(r))
        expect((copy as unknown as Record<string, unknown>)[key]).toBe(r[key]);
    }
  });
});

describe('records the engine wrote are checked again at each read, unless deep-frozen by MemoryStore', () => {
  it('a store handing back the very object the engine wrote: a change made to it later is refused', async () => {
    // A store keeping the engine's objects as they are (not frozen, not serialised): the engine must not
    // trust a record it wrote there, since nothing stops the object from changing afterwards.
    const rows = new Map<string, { record: JsonValue; version: number }>();
    let sequence = 0;
    const store: Store = {
      get: async (key) => rows.get(key) ?? null,
      put: async (key, record, expected) => {
        const row = rows.get(key);
        if (row ? row.version !== expected : expected !== null) return { ok: false, reason: 'conflict' };
        rows.set(key, { record, version: ++sequence });
        return { ok: true, version: sequence };
      },
      delete: async (key) => rows.delete(key),
    };
    await store.put('user:alice', JSON.parse(JSON.stringify(V2)) as JsonValue, null);
    const { twoStep } = engine(store);
    expect(await twoStep.beginChallenge('alice')).toMatchObject({ ok: true }); // the engine writes
    const written = rows.get('user:alice')!.record as Record<string, unknown>;
    expect(written.challenge).toMatchObject({ deviceId: APP });
    expect((await twoStep.status('alice')).enabled).toBe(true);
    written.failures = -1;
    await refused(() => twoStep.status('alice'));
  });

  it('a record MemoryStore deep-froze is walked once, and one the engine wrote there not at all', async () => {
    // The contact is a Proxy that counts how often its keys are listed: the check's count of fields does,
    // nothing else on these paths does. MemoryStore freezes and keeps that very object, and the engine's
    // later write shares it (a shallow copy of the record).
    let listed = 0;
    const contact = new Proxy(
      { ...(fixture.contacts as object[])[0] },
      {
        ownKeys(target) {
          listed++;
          return Reflect.ownKeys(target);
        },
      },
    );
    const store = new MemoryStore({ clock: () => NOW });
    await store.put('user:alice', { ...V2, contacts: [contact] } as JsonValue, null);
    const { twoStep } = engine(store);
    listed = 0;
    expect((await twoStep.status('alice')).contacts).toHaveLength(1);
    expect(listed).toBe(1); // checked at the first read
    expect((await twoStep.status('alice')).contacts).toHaveLength(1);
    expect((await twoStep.activity('alice')).entries).toEqual([]);
    expect(listed).toBe(1); // then trusted
    const written = (await store.get('user:alice'))!.record;
    expect(await twoStep.beginChallenge('alice')).toMatchObject({ ok: true });
    const after = (await store.get('user:alice'))!.record as Record<string, unknown>;
    expect(after).not.toBe(written); // a new record, holding the same contact
    expect((after.contacts as unknown[])[0]).toBe(contact);
    expect((await twoStep.status('alice')).contacts).toHaveLength(1);
    expect(listed).toBe(1); // the engine's own write, deep-frozen by MemoryStore, is not checked again
  });
});
