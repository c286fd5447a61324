// Issue #17, the engine's shell (`src/enrollment.ts`): its argument checks and its configuration.
// Each test pins a behaviour that a mutant left alive by the engine suite showed was never checked: every
// method of the engine refuses a bad user id and a non-object options argument with the exact code and
// message, before it touches the store, the sender or the event log (table-driven over every method, so a
// new method must join the table); the bounds of user ids, locales and checked texts; and what
// `createTwoStep` refuses (options, retries, codeKey, secrets, defaultRegion) and uses (a byte key equal to
// its text, the default store on the engine's clock, the policy's TOTP parameters, the secrets hooks' result
// and context).
// Equivalent mutants: test/MUTATION.md.
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { TwoSvError, type TwoSvErrorCode } from '../src/errors.js';
import {
  type CodeMessage,
  createTwoStep,
  type SecretContext,
  type TwoStep,
  type TwoStepEvent,
  type TwoStepOptions,
} from '../src/index.js';
import { definePolicy } from '../src/policy.js';
import type { JsonValue } from '../src/store.js';
import { MemoryStore, type PutOptions, type Version } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import {
  addPhone,
  CODE_KEY,
  makeBench,
  PHONE_1,
  START,
  seededRandom,
  setUpUser,
  snapshot,
} from './support/two-step.js';

/** A MemoryStore that counts every call. */
class CountingStore extends MemoryStore {
  calls: string[] = [];
  override get(key: string) {
    this.calls.push(`get ${key}`);
    return super.get(key);
  }
  override put(key: string, record: JsonValue, expected: Version | null, options?: PutOptions) {
    this.calls.push(`put ${key}`);
    return super.put(key, record, expected, options);
  }
  override delete(key: string) {
    this.calls.push(`delete ${key}`);
    return super.delete(key);
  }
}

/** An engine on a counting store, with a recording sender and event log, at START. */
function counted(extra: Partial<TwoStepOptions> = {}) {
  let time = START;
  const clock = () => time;
  const store = new CountingStore({ clock });
  const sent: CodeMessage[] = [];
  const events: TwoStepEvent[] = [];
  const twoStep = createTwoStep({
    store,
    codeKey: CODE_KEY,
    clock,
    random: seededRandom(),
    sender: (message) => {
      sent.push(message);
    },
    onEvent: (event) => {
      events.push(event);
    },
    ...extra,
  });
  return {
    twoStep,
    store,
    sent,
    events,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/**
 * Calls `call`, which must not throw synchronously, and expects its promise to reject with a TwoSvError of
 * exactly `code` and `message`.
 */
async function refuses(call: () => Promise<unknown>, code: TwoSvErrorCode, message: string) {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = call();
  }).not.toThrow();
  expect(promise).toBeInstanceOf(Promise);
  const err = await promise!.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}: ${message}`).toBeInstanceOf(TwoSvError);
  expect({ code: (err as TwoSvError).code, message: (err as TwoSvError).message }).toEqual({ code, message });
}

/** Expects `fn` to throw synchronously a TwoSvError of exactly `code` and `message`. */
function throwsExactly(fn: () => unknown, code: TwoSvErrorCode, message: string) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}: ${message}`).toBeInstanceOf(TwoSvError);
  expect({ code: (caught as TwoSvError).code, message: (caught as TwoSvError).message }).toEqual({
    code,
    message,
  });
}

type Call = (t: TwoStep, userId: string, options?: unknown) => Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the table passes bad arguments on purpose
const o = (options: unknown) => options as any;

/**
 * Every method of the engine, called with good other arguments (the options argument, when given, in place
 * of the method's own); `options` tells whether the method takes an options argument.
 */
const METHODS: Record<string, { call: Call; options: boolean }> = {
  status: { call: (t, u, x) => t.status(u, o(x)), options: true },
  activity: { call: (t, u, x) => t.activity(u, o(x)), options: true },
  enrollAuthenticator: {
    call: (t, u, x = { account: 'alice@example.com' }) => t.enrollAuthenticator(u, o(x)),
    options: true,
  },
  enrollPhone: { call: (t, u, x = { phone: PHONE_1 }) => t.enrollPhone(u, o(x)), options: true },
  confirmEnrollment: { call: (t, u, x) => t.confirmEnrollment(u, '123456', o(x)), options: true },
  beginChallenge: { call: (t, u, x) => t.beginChallenge(u, o(x)), options: true },
  verify: { call: (t, u, x) => t.verify(u, '123456', o(x)), options: true },
  swapPrimary: { call: (t, u, x) => t.swapPrimary(u, o(x)), options: true },
  removeDevice: { call: (t, u, x) => t.removeDevice(u, 'device-1', o(x)), options: true },
  disable: { call: (t, u, x) => t.disable(u, o(x)), options: true },
  requireReverification: { call: (t, u, x) => t.requireReverification(u, o(x)), options: true },
  beginContactVerification: {
    call: (t, u, x) => t.beginContactVerification(u, { email: 'alice@example.com' }, o(x)),
    options: true,
  },
  confirmContact: { call: (t, u, x) => t.confirmContact(u, '123456', o(x)), options: true },
  removeContact: { call: (t, u, x) => t.removeContact(u, 'email', o(x)), options: true },
  cancelEnrollment: { call: (t, u, x) => t.cancelEnrollment(u, o(x)), options: true },
  issueRecoveryCodes: { call: (t, u, x) => t.issueRecoveryCodes(u, o(x)), options: true },
  useRecoveryCode: { call: (t, u, x) => t.useRecoveryCode(u, 'abcd-efgh-jkmn', o(x)), options: true },
  adminReset: {
    call: (t, u, x = { actor: 'admin@acme', reason: 'lost phone' }) => t.adminReset(u, o(x)),
    options: true,
  },
  rememberBrowser: { call: (t, u, x = { label: 'Firefox' }) => t.rememberBrowser(u, o(x)), options: true },
  useRememberToken: { call: (t, u) => t.useRememberToken(u, 'a'.repeat(64)), options: false },
  rememberedBrowsers: { call: (t, u) => t.rememberedBrowsers(u), options: false },
  revokeRememberedBrowser: {
    call: (t, u, x) => t.revokeRememberedBrowser(u, 'browser-1', o(x)),
    options: true,
  },
  revokeRememberedBrowsers: { call: (t, u, x) => t.revokeRememberedBrowsers(u, o(x)), options: true },
  deleteUser: { call: (t, u) => t.deleteUser(u), options: false },
};

const TOO_LONG = 'userId must be a non-empty string of at most 256 characters';
const ILL_FORMED = 'userId must be well-formed text without NUL characters';
const BAD_USER_IDS: [string, unknown, string][] = [
  ['empty', '', TOO_LONG],
  ['257 characters', 'x'.repeat(257), TOO_LONG],
  ['a number', 42, TOO_LONG],
  ['undefined', undefined, TOO_LONG],
  ['null', null, TOO_LONG],
  ['NUL inside', 'a\u0000b', ILL_FORMED],
  ['a lone high surrogate', 'x\uD800', ILL_FORMED],
  ['a lone low surrogate', '\uDC00x', ILL_FORMED],
];

describe('every method checks its arguments before anything else', () => {
  it('the table covers every method of the engine', () => {
    const { twoStep } = counted();
    const methods = Object.keys(twoStep).filter((k) => typeof (twoStep as never)[k] === 'function');
    expect(methods.sort()).toEqual(Object.keys(METHODS).sort());
  });

  for (const [name, { call }] of Object.entries(METHODS)) {
    it(`${name}: a bad user id is INVALID_USER_ID, and nothing is read, written, sent or reported`, async () => {
      const e = counted();
      for (const [, userId, message] of BAD_USER_IDS) {
        await refuses(() => call(e.twoStep, userId as string), 'INVALID_USER_ID', message);
      }
      expect(e.store.calls).toEqual([]);
      expect(e.sent).toEqual([]);
      expect(e.events).toEqual([]);
    });
  }

  for (const [name, { call, options }] of Object.entries(METHODS)) {
    if (!options) continue;
    it(`${name}: options that are not an object are INVALID_OPTION, and nothing is read or written`, async () => {
      const e = counted();
      for (const bad of [null, 'options', 42, true]) {
        const message =
          name === 'swapPrimary' && typeof bad === 'string'
            ? 'swapPrimary takes { deviceId, proof } since 0.x: see CHANGELOG'
            : 'options must be an object';
        await refuses(() => call(e.twoStep, 'alice', bad), 'INVALID_OPTION', message);
      }
      expect(e.store.calls).toEqual([]);
      expect(e.sent).toEqual([]);
      expect(e.events).toEqual([]);
    });
  }

  it('a user id of 256 characters is accepted, and any well-formed text (surrogate pairs too)', async () => {
    const e = counted();
    for (const userId of ['x'.repeat(256), `${'y'.repeat(254)}😀`, '李', 'a b']) {
      const enrollment = await e.twoStep.enrollAuthenticator(userId, { account: 'a@example.com' });
      expect(e.store.calls.at(-1)).toBe(`put user:${userId}`);
      const confirmed = await e.twoStep.confirmEnrollment(
        userId,
        generateTotp(enrollment.secret, { at: START }),
      );
      expect(confirmed).toMatchObject({ ok: true, enabled: false });
      expect((await e.twoStep.status(userId)).devices.map((d) => d.id)).toEqual([enrollment.id]);
    }
  });
});

describe('locales', () => {
  // Canonical tags, so that the sender gets them as given.
  const LONGEST = 'en-US-u-ca-gregory-co-emoji-nu-latn'; // 35 characters
  const TOO_LONG_TAG = 'en-US-u-ca-buddhist-co-emoji-nu-latn'; // 36, a valid tag all the same
  const MESSAGE = 'locale must be a BCP 47 language tag';

  it('a tag of up to 35 characters reaches the sender canonical; a longer one, or no string, is refused', async () => {
    expect(LONGEST.length).toBe(35);
    expect(TOO_LONG_TAG.length).toBe(36);
    expect(new Intl.Locale(TOO_LONG_TAG).toString()).toBe(TOO_LONG_TAG);
    const e = counted();
    expect(await e.twoStep.enrollPhone('alice', { phone: PHONE_1, locale: LONGEST })).toMatchObject({
      ok: true,
    });
    e.advance(31_000);
    expect(await e.twoStep.enrollPhone('bob', { phone: PHONE_1, locale: 'zh-cn' })).toMatchObject({
      ok: true,
    });
    expect(e.sent.map((m) => [m.userId, m.locale])).toEqual([
      ['alice', LONGEST],
      ['bob', 'zh-CN'],
    ]);
    const before = e.store.calls.length;
    for (const locale of [TOO_LONG_TAG, null, 42, {}, 'not a tag!', '']) {
      await refuses(
        () => e.twoStep.enrollPhone('carol', o({ phone: PHONE_1, locale })),
        'INVALID_OPTION',
        MESSAGE,
      );
      await refuses(() => e.twoStep.beginChallenge('alice', o({ locale })), 'INVALID_OPTION', MESSAGE);
      await refuses(
        () => e.twoStep.beginContactVerification('alice', { email: 'a@example.com' }, o({ locale })),
        'INVALID_OPTION',
        MESSAGE,
      );
    }
    expect(e.store.calls.length).toBe(before);
    expect(e.sent.length).toBe(2);
  });
});

describe('checked texts', () => {
  it('adminReset: actor up to 200 and reason up to 500 characters, exactly; longer or empty are refused', async () => {
    const b = makeBench();
    await setUpUser(b, 'alice');
    const actor = 'a'.repeat(200);
    const reason = 'r'.repeat(500);
    for (const [who, message] of [
      [{ actor: 'a'.repeat(201), reason }, 'actor must be a string of 1 to 200 characters'],
      [{ actor: '', reason }, 'actor must be a string of 1 to 200 characters'],
      [{ actor: 7, reason }, 'actor must be a string of 1 to 200 characters'],
      [{ actor, reason: 'r'.repeat(501) }, 'reason must be a string of 1 to 500 characters'],
      [{ actor, reason: undefined }, 'reason must be a string of 1 to 500 characters'],
    ] as const) {
      await refuses(() => b.twoStep.adminReset('alice', o(who)), 'INVALID_OPTION', message);
    }
    expect((await b.twoStep.status('alice')).enabled).toBe(true);
    b.clearEvents();
    expect((await b.twoStep.adminReset('alice', { actor, reason })).enabled).toBe(false);
    expect(b.events[0]).toMatchObject({ type: 'two-step-reset', userId: 'alice', actor, reason });
  });

  it('rememberBrowser: a label of 1 to 100 characters, exactly', async () => {
    const b = makeBench();
    await setUpUser(b, 'alice');
    for (const label of ['l'.repeat(101), '', undefined, 5]) {
      await refuses(
        () => b.twoStep.rememberBrowser('alice', o({ label, proof: b.proof('alice') })),
        'INVALID_OPTION',
        'label must be a string of 1 to 100 characters',
      );
    }
    const label = 'l'.repeat(100);
    await b.twoStep.rememberBrowser('alice', { label, proof: b.proof('alice') });
    expect((await b.twoStep.rememberedBrowsers('alice')).map((r) => r.label)).toEqual([label]);
  });
});

describe('createTwoStep refuses a bad configuration', () => {
  it('options that are not an object', () => {
    for (const bad of [null, 'options', 42, true]) {
      throwsExactly(() => createTwoStep(o(bad)), 'INVALID_OPTION', 'options must be an object');
    }
  });

  it('retries: an integer from 0 to 100', async () => {
    for (const retries of [-1, 101, 1.5, Number.NaN, '3', Number.POSITIVE_INFINITY]) {
      throwsExactly(
        () => createTwoStep(o({ retries })),
        'INVALID_OPTION',
        'retries must be an integer from 0 to 100',
      );
    }
    for (const retries of [0, 100]) {
      const t = createTwoStep({ retries, random: seededRandom() });
      expect((await t.status('alice')).enabled).toBe(false);
    }
  });

  it('a store without codeKey', () => {
    throwsExactly(
      () => createTwoStep({ store: new MemoryStore() }),
      'INVALID_OPTION',
      'codeKey is required with a store: the same secret on every server',
    );
  });

  it('codeKey: at least 32 bytes, as UTF-8 text or bytes', () => {
    const store = new MemoryStore();
    for (const codeKey of [
      'k'.repeat(31),
      new Uint8Array(31),
      'é'.repeat(15),
      42,
      null,
      [...new Uint8Array(32)],
    ]) {
      throwsExactly(
        () => createTwoStep(o({ store, codeKey })),
        'INVALID_OPTION',
        'codeKey must be at least 32 bytes',
      );
    }
    // 16 characters, 32 bytes in UTF-8.
    for (const codeKey of ['k'.repeat(32), 'é'.repeat(16), new Uint8Array(32).fill(7)]) {
      expect(() => createTwoStep({ store, codeKey })).not.toThrow();
    }
  });

  it('secrets: an object with seal and open functions', () => {
    const fn = (s: string) => s;
    for (const secrets of [null, 'secrets', 42, {}, { seal: fn }, { open: fn }, { seal: fn, open: 'open' }]) {
      throwsExactly(
        () => createTwoStep(o({ secrets })),
        'INVALID_OPTION',
        'secrets must have seal and open functions',
      );
    }
    expect(() => createTwoStep({ secrets: { seal: fn, open: fn } })).not.toThrow();
  });

  it('defaultRegion: two capital letters the phone metadata knows', async () => {
    const message = "defaultRegion must be a two-letter region code such as 'CN'";
    for (const defaultRegion of ['cn', 'Cn', 'CNX', 'XCN', 'C', '', 42, null, ['CN']]) {
      throwsExactly(() => createTwoStep(o({ defaultRegion })), 'INVALID_OPTION', message);
    }
    const e = counted({ defaultRegion: 'CN' });
    expect(await e.twoStep.enrollPhone('li', { phone: '138 0013 8000' })).toMatchObject({ ok: true });
    expect(e.sent.map((m) => m.to)).toEqual(['+8613800138000']);
  });
});

describe('createTwoStep uses its configuration', () => {
  it('a codeKey given as bytes is the key its UTF-8 text is: two servers share one store', async () => {
    const store = new MemoryStore({ clock: () => START });
    const sent: CodeMessage[] = [];
    const common = {
      store,
      clock: () => START,
      random: seededRandom(),
      sender: (m: CodeMessage) => void sent.push(m),
    };
    const text = createTwoStep({ ...common, codeKey: CODE_KEY });
    const bytes = createTwoStep({ ...common, codeKey: new TextEncoder().encode(CODE_KEY) });
    const other = createTwoStep({ ...common, codeKey: `${CODE_KEY}?` });
    await text.enrollPhone('alice', { phone: PHONE_1 });
    // A server with another key cannot match the code (attempts count), the one with the same bytes does.
    expect(await other.confirmEnrollment('alice', sent[0]!.code)).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(await bytes.confirmEnrollment('alice', sent[0]!.code)).toMatchObject({ ok: true });
  });

  it('the default store expires records on the engine clock, not the wall clock', async () => {
    // At a clock long past, a destination record (kept a day) must still count: 5 sends an hour to a number.
    let time = Date.UTC(2001, 0, 1, 12);
    const sent: CodeMessage[] = [];
    const t = createTwoStep({ clock: () => time, random: seededRandom(), sender: (m) => void sent.push(m) });
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      expect(await t.enrollPhone(user, { phone: PHONE_1 })).toMatchObject({ ok: true });
      time += 60_000;
    }
    expect(await t.enrollPhone('u6', { phone: PHONE_1 })).toMatchObject({
      ok: false,
      reason: 'throttled',
      limit: 'destination-hour',
    });
    expect(sent.length).toBe(5);
  });

  it("the policy's TOTP parameters: SHA-256, 8 digits, 60 s, no window (codes from the otpauth library)", async () => {
    const policy = definePolicy({ totp: { algorithm: 'SHA256', digits: 8, period: 60, window: 0 } });
    const b = makeBench({ policy });
    const enrollment = await b.twoStep.enrollAuthenticator('alice', { account: 'alice@example.com' });
    const secret = OTPAuth.Secret.fromBase32(enrollment.secret);
    const peer = (timestamp: number) =>
      OTPAuth.TOTP.generate({ secret, algorithm: 'SHA256', digits: 8, period: 60, timestamp });
    expect(peer(START)).toMatch(/^\d{8}$/);
    expect(await b.twoStep.confirmEnrollment('alice', peer(START))).toMatchObject({ ok: true });
    await addPhone(b, 'alice', PHONE_1);
    expect((await b.twoStep.status('alice')).enabled).toBe(true);
    b.setTime(START + 180_000);
    await b.twoStep.beginChallenge('alice');
    // The previous step's code (unused) is outside a window of 0; the current one passes.
    expect(await b.twoStep.verify('alice', peer(START + 120_000))).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(await b.twoStep.verify('alice', peer(START + 180_000))).toMatchObject({ ok: true });
  });

  it("secrets: seal's result is stored, open gets the same context, and a seal that returns no string is refused", async () => {
    const sealed: [string, SecretContext][] = [];
    const opened: [string, SecretContext][] = [];
    const secrets = {
      seal: (secret: string, context: SecretContext) => {
        sealed.push([secret, context]);
        return `sealed:${[...secret].reverse().join('')}`;
      },
      open: async (text: string, context: SecretContext) => {
        opened.push([text, context]);
        return [...text.slice('sealed:'.length)].reverse().join('');
      },
    };
    const b = makeBench({ secrets });
    const enrollment = await b.twoStep.enrollAuthenticator('alice', { account: 'alice@example.com' });
    const context = { userId: 'alice', deviceId: enrollment.id };
    const stored = `sealed:${[...enrollment.secret].reverse().join('')}`;
    expect(sealed).toEqual([[enrollment.secret, context]]);
    expect(JSON.stringify((await snapshot(b.store, 'alice'))!.record)).toContain(stored);
    expect(JSON.stringify((await snapshot(b.store, 'alice'))!.record)).not.toContain(enrollment.secret);
    expect(await b.twoStep.confirmEnrollment('alice', b.totp(enrollment.secret))).toMatchObject({ ok: true });
    expect(opened).toEqual([[stored, context]]);
    await addPhone(b, 'alice', PHONE_1);
    b.advance(60_000);
    await b.twoStep.beginChallenge('alice');
    expect(await b.twoStep.verify('alice', b.totp(enrollment.secret))).toMatchObject({ ok: true });
    expect(opened).toEqual([
      [stored, context],
      [stored, context],
    ]);

    for (const result of [42, undefined, null, Promise.resolve(7), { sealed: 'x' }]) {
      const e = counted({ secrets: { seal: () => result as unknown as string, open: (s) => s } });
      await refuses(
        () => e.twoStep.enrollAuthenticator('bob', { account: 'bob@example.com' }),
        'INVALID_OPTION',
        'secrets.seal must return a string',
      );
      expect(e.store.calls).toEqual(['get user:bob']);
      expect(e.events).toEqual([]);
    }
  });
});
