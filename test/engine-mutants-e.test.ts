// Issue #17, the engine's shell (`src/enrollment.ts`), its methods from `enrollAuthenticator` on. Each test pins
// a behaviour that a mutant left alive by the engine suite showed was never checked: the exact code and words
// of every option a method refuses before it reads the store (and that nothing is stored, sent or reported
// then), the injected random source making the authenticator's secret, the context `secrets.open` is given,
// an asynchronous `secrets.open` at sign-in, a confirmation while the user is locked, the time at which
// `rememberedBrowsers` judges expiry, and `deleteUser`'s store failures. Through `createTwoStep` on a
// `MemoryStore` (wrapped where a store must fail). Equivalent mutants: test/MUTATION.md.
import { describe, expect, it } from 'vitest';
import { decodeBase32 } from '../src/base32.js';
import type { UserRecord } from '../src/engine/record.js';
import { TwoSvError } from '../src/errors.js';
import type { SecretContext } from '../src/index.js';
import { definePolicy } from '../src/policy.js';
import type { RandomSource } from '../src/secret.js';
import { MemoryStore, type Store } from '../src/store.js';
import {
  addAuthenticator,
  type Bench,
  makeBench,
  PHONE_1,
  PHONE_2,
  rejectsWith,
  START,
  seededRandom,
  setUpUser,
  snapshot,
} from './support/two-step.js';

const DAY = 86_400_000;

/** Asserts that `fn` rejects with exactly this code and message, and returns the error. */
async function refuses(fn: () => unknown, code: TwoSvError['code'], message: string): Promise<TwoSvError> {
  const err = await rejectsWith(fn, code);
  expect(err.message).toBe(message);
  return err;
}

/**
 * Runs `refusal` (expected to reject with `code` and `message`) on a user set up with 2SV on, and asserts
 * that nothing changed: the stored record and its version, no event, nothing sent.
 */
async function refusedUnchanged(
  b: Bench,
  refusal: () => unknown,
  code: TwoSvError['code'],
  message: string,
): Promise<void> {
  const before = await snapshot(b.store, 'u');
  const sent = b.sent.length;
  b.clearEvents();
  await refuses(refusal, code, message);
  expect(await snapshot(b.store, 'u')).toEqual(before);
  expect(b.events).toEqual([]);
  expect(b.sent.length).toBe(sent);
}

async function enabledUser() {
  const b = makeBench();
  const ids = await setUpUser(b, 'u');
  return { b, ...ids };
}

describe('enrollAuthenticator', () => {
  it('makes the secret from the injected random source: its bytes are one draw of that source', async () => {
    const draws: Uint8Array[] = [];
    const inner = seededRandom(7);
    const random: RandomSource = (bytes) => {
      inner(bytes);
      draws.push(Uint8Array.from(bytes));
      return bytes;
    };
    const b = makeBench({ random });
    const before = draws.length;
    const enrollment = await b.twoStep.enrollAuthenticator('u', { account: 'u@example.com' });
    const secret = decodeBase32(enrollment.secret);
    expect(secret.length).toBe(20);
    const drawn = draws.slice(before).filter((d) => d.length === 20);
    expect(drawn).toEqual([secret]);
    // And the same seed makes the same secret (nothing from the platform's generator).
    const again = makeBench({ random: seededRandom(7) });
    expect((await again.twoStep.enrollAuthenticator('u', { account: 'u@example.com' })).secret).toBe(
      enrollment.secret,
    );
  });
});

describe('enrollPhone: the kind', () => {
  it("a kind other than 'sms' or 'voice' is INVALID_OPTION in the kind's words, nothing sent or stored", async () => {
    const b = makeBench();
    await addAuthenticator(b, 'u');
    b.advance(31_000);
    for (const kind of ['email', 'SMS', 'call']) {
      await refusedUnchanged(
        b,
        () => b.twoStep.enrollPhone('u', { phone: PHONE_2, kind: kind as 'sms', proof: b.proof('u') }),
        'INVALID_OPTION',
        "kind must be 'sms' or 'voice'",
      );
    }
    // Both kinds are taken (the check lets them through).
    const voice = await b.twoStep.enrollPhone('u', { phone: PHONE_2, kind: 'voice', proof: b.proof('u') });
    expect(voice.ok).toBe(true);
    expect(b.sent.at(-1)!.channel).toBe('voice');
  });
});

describe('confirmEnrollment', () => {
  it('while the user is locked: the locked result, the pending enrolment kept, nothing written', async () => {
    // Two attempts per code, a lock of a minute at every third failure.
    const b = makeBench({
      policy: definePolicy({ attemptsPerCode: 2, lockout: { failures: 3, duration: 60 } }),
    });
    await b.twoStep.enrollAuthenticator('u', { account: 'u@example.com' });
    expect(await b.twoStep.confirmEnrollment('u', '000000')).toEqual({
      ok: false,
      reason: 'invalid',
      attemptsLeft: 1,
    });
    expect(await b.twoStep.confirmEnrollment('u', '000000')).toEqual({
      ok: false,
      reason: 'attempts-exhausted',
    });
    const enrollment = await b.twoStep.enrollAuthenticator('u', { account: 'u@example.com' });
    const lockedUntil = START + 60_000;
    expect(await b.twoStep.confirmEnrollment('u', '000000')).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil,
    });
    const before = await snapshot(b.store, 'u');
    expect((before!.record as unknown as UserRecord).pending!.id).toBe(enrollment.id);
    b.clearEvents();
    // Even the right code: the lock answers, and the code is not checked (nor counted).
    b.advance(1_000);
    expect(await b.twoStep.confirmEnrollment('u', b.totp(enrollment.secret))).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil,
    });
    expect(await b.twoStep.confirmEnrollment('u', '000000')).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil,
    });
    expect(await snapshot(b.store, 'u')).toEqual(before);
    expect(b.events).toEqual([]);
    // After the lock the same enrolment confirms.
    b.setTime(lockedUntil);
    expect(await b.twoStep.confirmEnrollment('u', b.totp(enrollment.secret))).toMatchObject({ ok: true });
  });
});

describe('secrets.open', () => {
  function sealedBench(asyncOpen: boolean) {
    const opened: [string, SecretContext][] = [];
    const b = makeBench({
      secrets: {
        seal: (secret) => `sealed:${[...secret].reverse().join('')}`,
        open: (sealed, context) => {
          opened.push([sealed, context]);
          const secret = [...sealed.slice('sealed:'.length)].reverse().join('');
          return asyncOpen ? Promise.resolve(secret) : secret;
        },
      },
    });
    return { b, opened };
  }

  it('is given the user and the device (or pending enrolment) it opens the secret of', async () => {
    const { b, opened } = sealedBench(false);
    const { secret, appId } = await setUpUser(b, 'u');
    const sealed = `sealed:${[...secret].reverse().join('')}`;
    expect(opened).toEqual([[sealed, { userId: 'u', deviceId: appId }]]);
    b.advance(30_000);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect(opened).toEqual([
      [sealed, { userId: 'u', deviceId: appId }],
      [sealed, { userId: 'u', deviceId: appId }],
    ]);
  });

  it('may answer with a promise: sign-in waits for it, a right code passes and a wrong one fails', async () => {
    const { b, opened } = sealedBench(true);
    const { secret, appId } = await setUpUser(b, 'u');
    b.advance(30_000);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', '000000')).toEqual({ ok: false, reason: 'invalid', attemptsLeft: 4 });
    const result = await b.twoStep.verify('u', b.totp(secret));
    expect(result).toMatchObject({ ok: true, deviceId: appId });
    expect(opened.map(([, context]) => context)).toEqual([
      { userId: 'u', deviceId: appId },
      { userId: 'u', deviceId: appId },
      { userId: 'u', deviceId: appId },
    ]);
    // A phone has no secret to open: the code sent to it passes without a call to open.
    const { smsId } = { smsId: (await b.twoStep.status('u')).devices.find((d) => d.kind === 'sms')!.id };
    b.advance(31_000);
    await b.twoStep.beginChallenge('u', { deviceId: smsId });
    expect(await b.twoStep.verify('u', b.lastCode())).toMatchObject({ ok: true, deviceId: smsId });
    expect(opened).toHaveLength(3);
  });
});

describe('beginChallenge: a refused option', () => {
  it('a bad locale is INVALID_OPTION before anything is read, sent or stored', async () => {
    const { b } = await enabledUser();
    b.advance(31_000);
    const { smsId } = { smsId: (await b.twoStep.status('u')).devices.find((d) => d.kind === 'sms')!.id };
    for (const locale of ['not a tag!', 'x'.repeat(36), 42]) {
      await refusedUnchanged(
        b,
        () => b.twoStep.beginChallenge('u', { deviceId: smsId, locale: locale as string }),
        'INVALID_OPTION',
        'locale must be a BCP 47 language tag',
      );
    }
  });
});

describe('swapPrimary: refused options', () => {
  it('the old string form is INVALID_OPTION pointing to the change, nothing stored', async () => {
    const { b, smsId } = await enabledUser();
    await refusedUnchanged(
      b,
      () => b.twoStep.swapPrimary('u', smsId as never),
      'INVALID_OPTION',
      'swapPrimary takes { deviceId, proof } since 0.x: see CHANGELOG',
    );
  });

  it('a deviceId that is not a string is INVALID_OPTION, nothing stored', async () => {
    const { b } = await enabledUser();
    for (const deviceId of [42, null, { id: 'x' }]) {
      await refusedUnchanged(
        b,
        () => b.twoStep.swapPrimary('u', { deviceId: deviceId as unknown as string, proof: b.proof('u') }),
        'INVALID_OPTION',
        'deviceId must be a string',
      );
    }
    // An absent deviceId is taken (the one backup).
    const swapped = await b.twoStep.swapPrimary('u', { proof: b.proof('u') });
    expect(swapped.devices[0]!.kind).toBe('sms');
  });
});

describe('requireReverification: the reason', () => {
  const words = 'reason must be a string of at most 200 characters';

  it('a reason that is not a string, or longer than 200 characters, is INVALID_OPTION, nothing stored', async () => {
    const { b } = await enabledUser();
    for (const reason of [42, null, ['x'], 'r'.repeat(201)]) {
      await refusedUnchanged(
        b,
        () => b.twoStep.requireReverification('u', { reason: reason as string }),
        'INVALID_OPTION',
        words,
      );
    }
  });

  it('a reason of 200 characters is taken and reported in the event', async () => {
    const { b } = await enabledUser();
    b.clearEvents();
    const reason = 'r'.repeat(200);
    await b.twoStep.requireReverification('u', { reason });
    expect(b.events).toMatchObject([{ type: 'reverification-required', reason }]);
  });
});

describe('adminReset, rememberBrowser: the texts, named', () => {
  it('adminReset names the actor or the reason it refuses, nothing stored', async () => {
    const { b } = await enabledUser();
    await refusedUnchanged(
      b,
      () => b.twoStep.adminReset('u', { actor: '', reason: 'lost phone' }),
      'INVALID_OPTION',
      'actor must be a string of 1 to 200 characters',
    );
    await refusedUnchanged(
      b,
      () => b.twoStep.adminReset('u', { actor: 'support', reason: 'x'.repeat(501) }),
      'INVALID_OPTION',
      'reason must be a string of 1 to 500 characters',
    );
  });

  it('rememberBrowser names the label it refuses, nothing stored', async () => {
    const { b } = await enabledUser();
    await refusedUnchanged(
      b,
      () => b.twoStep.rememberBrowser('u', { label: 'l'.repeat(101), proof: b.proof('u') }),
      'INVALID_OPTION',
      'label must be a string of 1 to 100 characters',
    );
  });
});

describe('remembered browsers', () => {
  async function remembering() {
    const { b } = await enabledUser();
    const r = await b.twoStep.rememberBrowser('u', { label: 'laptop', proof: b.proof('u') });
    const expiresAt = b.now() + 30 * DAY;
    const info = { id: r.browser.id, label: 'laptop', createdAt: b.now(), expiresAt };
    return { b, info, expiresAt };
  }

  it('are listed until they expire at the current time, though nothing was written since', async () => {
    const { b, info, expiresAt } = await remembering();
    b.setTime(expiresAt - 1);
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([info]);
    b.setTime(expiresAt);
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([]);
  });

  it("on a clock a little behind the record, expiry is judged at the record's time", async () => {
    const { b, info, expiresAt } = await remembering();
    // A write after the expiry (the browser stays in the record), then a reading 2 s behind it.
    b.setTime(expiresAt + 1_000);
    await b.twoStep.requireReverification('u');
    expect((await snapshot(b.store, 'u'))!.record).toMatchObject({ remembered: [{ id: info.id }] });
    b.setTime(expiresAt - 1_000);
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([]);
  });

  it('revokeRememberedBrowser: a browserId that is not a string (or is missing) is UNKNOWN_BROWSER, nothing stored', async () => {
    const { b, info } = await remembering();
    // Not even `undefined`, which would name every browser to the decision below (revoking them all).
    for (const browserId of [undefined, 42, null, { id: info.id }, [info.id]]) {
      await refusedUnchanged(
        b,
        () => b.twoStep.revokeRememberedBrowser('u', browserId as unknown as string),
        'UNKNOWN_BROWSER',
        'browserId must be the id of a remembered browser',
      );
    }
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([info]);
  });

  it("revokeRememberedBrowsers: a reason other than 'user' or 'password-changed' is refused in words", async () => {
    const { b, info } = await remembering();
    await refusedUnchanged(
      b,
      () => b.twoStep.revokeRememberedBrowsers('u', { reason: 'stolen' as 'user' }),
      'INVALID_OPTION',
      "reason must be 'user' or 'password-changed'",
    );
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([info]);
  });
});

describe('removeContact: the kind', () => {
  it("a kind other than 'email' or 'phone' is INVALID_OPTION in words, nothing stored", async () => {
    const { b } = await enabledUser();
    for (const kind of ['sms', 'fax', 'Email']) {
      await refusedUnchanged(
        b,
        () => b.twoStep.removeContact('u', kind as 'phone', { proof: b.proof('u') }),
        'INVALID_OPTION',
        "kind must be 'email' or 'phone'",
      );
    }
  });
});

describe('deleteUser: a store that fails', () => {
  function failingDelete(error: unknown): Store {
    const inner = new MemoryStore({ clock: () => START });
    return {
      get: (key) => inner.get(key),
      put: (key, record, version, options) => inner.put(key, record, version, options),
      delete: async () => {
        throw error;
      },
    };
  }

  it("a store's own error becomes STORE_FAILED in words, with the error as cause", async () => {
    const cause = new Error('connection reset (delete)');
    const b = makeBench({ store: failingDelete(cause) });
    await setUpUser(b, 'u', PHONE_1);
    const err = await refuses(() => b.twoStep.deleteUser('u'), 'STORE_FAILED', 'the store failed to delete');
    expect(err.cause).toBe(cause);
    expect((await b.twoStep.status('u')).enabled).toBe(true);
  });

  it('a TwoSvError from the store passes through as it is', async () => {
    const thrown = new TwoSvError('INVALID_KEY', 'the key is not one this store takes');
    const b = makeBench({ store: failingDelete(thrown) });
    await setUpUser(b, 'u', PHONE_1);
    let caught: unknown;
    try {
      await b.twoStep.deleteUser('u');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBe(thrown);
  });
});
