// The stored user record. A record written by the engine before the restructure of issue 10 (commit
// 5d28698; test/fixtures/user-record-v1.json: an authenticator primary with a known secret, an SMS backup,
// a verified e-mail contact) still loads and works; corrupt or foreign records give INVALID_RECORD and leave the store as it was.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CodeMessage, createTwoStep } from '../src/enrollment.js';
import { type JsonValue, MemoryStore } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import { CODE_KEY, rejectsWith } from './support/two-step.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/user-record-v1.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { devices: Record<string, unknown>[] };
const SECRET = 'SFOTCGB6XTJO6UJCTVZE7W6ZN44W5LRL'; // device 3aabac26af231a716c's, stored unsealed
const SEEN = 1_893_499_320_000; // the fixture's `seen`: 2030-01-01T12:02:00Z

async function engineWith(record: JsonValue, at = SEEN + 3_600_000) {
  let now = at;
  const store = new MemoryStore({ clock: () => now });
  await store.put('user:alice', record, null);
  const sent: CodeMessage[] = [];
  const twoStep = createTwoStep({
    store,
    codeKey: CODE_KEY,
    clock: () => now,
    sender: (m) => {
      sent.push(m);
    },
  });
  return { twoStep, store, sent, tick: (ms: number) => (now += ms), at: () => now };
}

describe('a version 1 record written before the restructure', () => {
  it('shows its devices and contact', async () => {
    const { twoStep } = await engineWith(fixture as unknown as JsonValue);
    const status = await twoStep.status('alice');
    expect(status.enabled).toBe(true);
    expect(status.setupStep).toBe(null);
    expect(status.devices).toEqual([
      {
        id: '3aabac26af231a716c',
        kind: 'authenticator',
        role: 'primary',
        confirmed: true,
        addedAt: 1_893_499_200_000,
      },
      {
        id: 'c8222f0ce3ed8c687b',
        kind: 'sms',
        role: 'backup',
        phone: '+1••••••0123',
        confirmed: true,
        addedAt: 1_893_499_260_000,
      },
    ]);
    expect(status.contacts).toEqual([{ kind: 'email', masked: 'A•••@example.com', verifiedAt: SEEN }]);
    expect(status.locked).toBe(false);
    expect(status.recentlyVerified).toBe(false); // verified at 12:01, read at 13:02
  });

  it('signs in with the authenticator (once per code) and with the SMS backup', async () => {
    const { twoStep, sent, tick, at } = await engineWith(fixture as unknown as JsonValue);
    expect((await twoStep.beginChallenge('alice')).ok).toBe(true);
    const code = generateTotp(SECRET, { at: at() });
    const passed = await twoStep.verify('alice', code);
    expect(passed).toEqual({
      ok: true,
      deviceId: '3aabac26af231a716c',
      kind: 'authenticator',
      verifiedAt: at(),
      proof: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    await twoStep.beginChallenge('alice');
    expect(await twoStep.verify('alice', code)).toEqual({ ok: false, reason: 'replayed', attemptsLeft: 4 });

    tick(30_000);
    const sms = await twoStep.beginChallenge('alice', { deviceId: 'c8222f0ce3ed8c687b' });
    expect(sms).toMatchObject({ ok: true, challenge: { kind: 'sms', phone: '+1••••••0123' } });
    expect(sent.map((m) => [m.to, m.purpose])).toEqual([['+12015550123', 'sign-in']]);
    const bySms = await twoStep.verify('alice', sent[0]!.code);
    expect(bySms.ok).toBe(true);
    const proof = bySms.ok ? bySms.proof : undefined;
    expect((await twoStep.status('alice', { proof })).recentlyVerified).toBe(true);
    expect((await twoStep.status('alice')).recentlyVerified).toBe(false); // no proof, no step-up
  });
});

describe('records this release does not recognise', () => {
  const device = (changes: Record<string, unknown>) => ({
    ...fixture,
    devices: [{ ...fixture.devices[0], ...changes }, fixture.devices[1]],
  });
  const { lastStep: _, ...withoutStep } = fixture.devices[0]!;
  const cases: [string, unknown][] = [
    ['not an object', 'alice'],
    ['an array', [fixture]],
    ['a later schema version', { ...fixture, v: 3, proofs: [], activity: [] }],
    ['version 2 without its log and proofs', { ...fixture, v: 2 }],
    [
      'a log entry of a type this release does not log',
      { ...fixture, v: 2, proofs: [], activity: [{ seq: 1, at: SEEN, type: 'code-sent' }] },
    ],
    [
      'a log entry without its number',
      { ...fixture, v: 2, proofs: [], activity: [{ at: SEEN, type: 'two-step-enabled' }] },
    ],
    [
      'a log entry with an unknown context field',
      {
        ...fixture,
        v: 2,
        proofs: [],
        activity: [{ seq: 1, at: SEEN, type: 'two-step-enabled', context: { country: 'FR' } }],
      },
    ],
    ['a proof without its time', { ...fixture, v: 2, proofs: [{ hash: 'ab' }], activity: [] }],
    ['no version', { ...fixture, v: undefined }],
    ['a field of a later release', { ...fixture, recoveryCodes: [] }],
    ['a device field of a later release', device({ label: 'phone' })],
    ['a missing field', { ...fixture, failures: undefined }],
    ['failures as a string', { ...fixture, failures: '0' }],
    ['a negative failure count', { ...fixture, failures: -1 }],
    ['enabled as a number', { ...fixture, enabled: 1 }],
    ['devices as an object', { ...fixture, devices: {} }],
    ['an unknown device kind', device({ kind: 'email' })],
    ['an unknown role', device({ role: 'spare' })],
    ['an authenticator without its secret', device({ secret: undefined })],
    ['a fractional TOTP step', device({ lastStep: 1.5 })],
    ['two devices with one id', device({ id: 'c8222f0ce3ed8c687b' })],
    [
      'a sign-in challenge on a phone without a code hash',
      {
        ...fixture,
        challenge: {
          id: 'x',
          deviceId: 'c8222f0ce3ed8c687b',
          startedAt: SEEN,
          expiresAt: SEEN + 1,
          attempts: 0,
        },
      },
    ],
    [
      'a contact of an unknown kind',
      { ...fixture, contacts: [{ kind: 'fax', value: '1', verifiedAt: SEEN }] },
    ],
    ['a send without an id', { ...fixture, sends: [{ at: SEEN }] }],
    ['recovery codes without a set id', { ...fixture, recovery: { issuedAt: SEEN, hashes: [] } }],
    [
      'a recovery set with a field of a later release',
      { ...fixture, recovery: { id: 'x', issuedAt: SEEN, hashes: ['ab'], used: [] } },
    ],
    [
      'recovery hashes that are not strings',
      { ...fixture, recovery: { id: 'x', issuedAt: SEEN, hashes: [1] } },
    ],
    [
      'a remembered browser without its hash',
      { ...fixture, remembered: [{ id: 'x', label: 'l', createdAt: SEEN, expiresAt: SEEN + 1 }] },
    ],
    ['remembered browsers as an object', { ...fixture, remembered: {} }],
  ];
  // JSON drops undefined fields: each case is stored as a database would hand it back.
  for (const [name, record] of cases) {
    it(`${name}: INVALID_RECORD, the record left as it was`, async () => {
      const stored = JSON.parse(JSON.stringify(record)) as JsonValue;
      const { twoStep, store } = await engineWith(stored);
      const before = JSON.stringify((await store.get('user:alice'))!.record);
      await rejectsWith(() => twoStep.status('alice'), 'INVALID_RECORD');
      await rejectsWith(() => twoStep.verify('alice', '123456'), 'INVALID_RECORD');
      await rejectsWith(() => twoStep.disable('alice'), 'INVALID_RECORD');
      expect(JSON.stringify((await store.get('user:alice'))!.record)).toBe(before);
    });
  }

  it('the fixture itself, and without its optional lastStep, is accepted', async () => {
    const { twoStep } = await engineWith(JSON.parse(JSON.stringify(device({}))) as JsonValue);
    expect((await twoStep.status('alice')).enabled).toBe(true);
    const second = await engineWith({
      ...fixture,
      devices: [withoutStep, fixture.devices[1]],
    } as unknown as JsonValue);
    expect((await second.twoStep.status('alice')).enabled).toBe(true);
  });

  it('a record frozen only at its top is checked at every read, not trusted once checked', async () => {
    // A store that hands out the same object at each read, frozen at its top but not inside: a part
    // changed after a read is caught at the next one (only MemoryStore's deep-frozen records are cached).
    const { twoStep, store } = await engineWith(fixture as unknown as JsonValue);
    await twoStep.requireReverification('alice'); // a write: upgraded and stored as version 2
    const entry = (await store.get('user:alice'))!;
    const record = Object.freeze(JSON.parse(JSON.stringify(entry.record)) as Record<string, unknown>);
    const shallow = {
      get: async () => ({ record: record as JsonValue, version: entry.version }),
      put: async () => ({ ok: false as const, reason: 'conflict' as const }),
      delete: async () => false,
    };
    const engine = createTwoStep({ store: shallow, codeKey: CODE_KEY, clock: () => SEEN + 3_600_000 });
    expect((await engine.status('alice')).enabled).toBe(true);
    expect((await engine.status('alice')).enabled).toBe(true);
    (record.devices as Record<string, unknown>[])[0]!.secret = 42;
    await rejectsWith(() => engine.status('alice'), 'INVALID_RECORD');
  });

  it('a version 1 record is upgraded: an empty log, no proofs, written back as version 2', async () => {
    const { twoStep, store, tick } = await engineWith(fixture as unknown as JsonValue);
    expect(await twoStep.activity('alice')).toEqual({ entries: [], next: null });
    await rejectsWith(() => twoStep.disable('alice'), 'VERIFICATION_REQUIRED'); // recency does not carry over
    tick(1000);
    await twoStep.requireReverification('alice', { context: { ip: '203.0.113.7' } });
    const stored = (await store.get('user:alice'))!.record as Record<string, unknown>;
    expect(stored).toMatchObject({ v: 2, proofs: [] });
    expect((await twoStep.activity('alice')).entries).toEqual([
      { seq: 1, at: SEEN + 3_601_000, type: 'reverification-required', context: { ip: '203.0.113.7' } },
    ]);
  });
});
