// Issue #11: recovery codes, support reset, remembered browsers and cancelling an enrolment. Known answers
// first (the stored hashes against node:crypto's HMAC), then scenarios for every rule, then properties
// (fast-check) and races across two engines sharing one store, then bad input.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTwoStep, type TwoStep, type TwoStepEvent } from '../src/enrollment.js';
import { definePolicy } from '../src/policy.js';
import { type JsonValue, MemoryStore, type PutOptions, type Store, type Version } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import {
  addAuthenticator,
  addPhone,
  CODE_KEY,
  makeBench,
  PHONE_2,
  rejectsWith,
  seededRandom,
  setUpUser,
  snapshot,
} from './support/two-step.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const CODE_FORM = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

const hmacHex = (text: string) => createHmac('sha256', CODE_KEY).update(text, 'utf8').digest('hex');

async function stored(store: Store, userId: string) {
  return (await snapshot(store, userId))!.record as Record<string, unknown>;
}

async function withCodes(seed?: number) {
  const b = makeBench(seed === undefined ? {} : { seed });
  const user = await setUpUser(b, 'u');
  const issued = await b.twoStep.issueRecoveryCodes('u');
  return { b, ...user, codes: [...issued.codes] };
}

describe('recovery codes: known answers', () => {
  it('are stored only as HMAC-SHA256(codeKey, "twosv-recovery\\0user\\0set\\0code"), node:crypto agreeing', async () => {
    const { b, codes } = await withCodes();
    const record = await stored(b.store, 'u');
    const set = record.recovery as { id: string; hashes: string[] };
    expect(set.hashes).toEqual(
      codes.map((c) => hmacHex(`twosv-recovery\0u\0${set.id}\0${c.replace(/-/g, '')}`)),
    );
    const text = JSON.stringify(record);
    for (const c of codes) {
      expect(text).not.toContain(c);
      expect(text).not.toContain(c.replace(/-/g, ''));
    }
  });

  it('are 10 distinct codes of 12 characters (60 bits) from the Crockford alphabet, grouped by four', async () => {
    const { codes } = await withCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(CODE_FORM);
  });

  it('draw every letter of the alphabet about equally (no bias over 10 000 codes)', async () => {
    const b = makeBench({ seed: 99, policy: definePolicy({ recoveryCodes: { count: 50 } }) });
    await setUpUser(b, 'u');
    const counts = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      for (const c of (await b.twoStep.issueRecoveryCodes('u')).codes) {
        for (const ch of c.replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
      }
    }
    expect(counts.size).toBe(32);
    // 120 000 letters, 3750 expected each; a fair draw stays within ±6 sigma (about ±360).
    for (const n of counts.values()) expect(Math.abs(n - 3750)).toBeLessThan(360);
  });
});

describe('recovery codes: scenarios', () => {
  it('a code signs in once, ignoring case, spaces and dashes; status and events follow', async () => {
    const { b, codes } = await withCodes();
    expect((await b.twoStep.status('u')).recoveryCodes).toEqual({ remaining: 10, issuedAt: b.now() });
    b.advance(20 * MINUTE);
    b.clearEvents();
    const typed = ` ${codes[0]!.toUpperCase().replace(/-/g, ' ')} `;
    const first = await b.twoStep.useRecoveryCode('u', typed);
    expect(first).toEqual({ ok: true, remaining: 9, verifiedAt: b.now() });
    expect(b.events).toEqual([
      { userId: 'u', at: b.now(), type: 'verification-passed', purpose: 'recovery' },
      { userId: 'u', at: b.now(), type: 'recovery-code-used', remaining: 9 },
    ]);
    const status = await b.twoStep.status('u');
    expect(status.recoveryCodes?.remaining).toBe(9);
    expect(status.recentlyVerified).toBe(true);
    expect(await b.twoStep.useRecoveryCode('u', codes[0]!)).toEqual({
      ok: false,
      reason: 'invalid',
      attemptsLeft: 9,
    });
  });

  it("Crockford look-alikes are forgiven: 'o' reads as 0, 'i' and 'l' as 1", async () => {
    const { b, codes } = await withCodes(5);
    const code = codes.find((c) => /[01]/.test(c))!;
    const typed = code.replace(/0/g, 'O').replace(/1/g, 'l');
    expect(await b.twoStep.useRecoveryCode('u', typed)).toMatchObject({ ok: true });
  });

  it('warns when few are left (policy.recoveryCodes.warnAt, default 3)', async () => {
    const { b, codes } = await withCodes();
    for (const c of codes.slice(0, 6)) await b.twoStep.useRecoveryCode('u', c);
    expect(b.events.filter((e) => e.type === 'recovery-codes-low')).toEqual([]);
    b.clearEvents();
    expect(await b.twoStep.useRecoveryCode('u', codes[6]!)).toMatchObject({ ok: true, remaining: 3 });
    expect(b.events.at(-1)).toMatchObject({ type: 'recovery-codes-low', remaining: 3 });
    for (const c of codes.slice(7)) await b.twoStep.useRecoveryCode('u', c);
    expect((await b.twoStep.status('u')).recoveryCodes?.remaining).toBe(0);
    expect(b.events.filter((e) => e.type === 'recovery-codes-low').map((e) => e.type)).toHaveLength(4);
  });

  it('wrong codes count toward the lock; a locked user is refused even with a right code, which stays unused', async () => {
    const { b, codes } = await withCodes();
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await b.twoStep.useRecoveryCode('u', 'zzzz-zzzz-zzzz'));
    expect(results.slice(0, 9).map((r) => !r.ok && r.reason === 'invalid' && r.attemptsLeft)).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]);
    expect(results[9]).toEqual({ ok: false, reason: 'locked', lockedUntil: b.now() + 900_000 });
    expect(b.events.filter((e) => e.type === 'verification-failed').at(-1)).toMatchObject({
      purpose: 'recovery',
      failures: 10,
    });
    expect(await b.twoStep.useRecoveryCode('u', codes[0]!)).toMatchObject({ ok: false, reason: 'locked' });
    expect((await b.twoStep.status('u')).recoveryCodes?.remaining).toBe(10);
    b.advance(900_000);
    expect(await b.twoStep.useRecoveryCode('u', codes[0]!)).toMatchObject({ ok: true, remaining: 9 });
    expect((await b.twoStep.status('u')).failures).toBe(0);
  });

  it('wrong device codes and wrong recovery codes share one failure count', async () => {
    const { b } = await withCodes();
    await b.twoStep.beginChallenge('u');
    for (let i = 0; i < 4; i++) await b.twoStep.verify('u', '000000');
    expect(await b.twoStep.useRecoveryCode('u', '0000-0000-0000')).toMatchObject({ attemptsLeft: 5 });
    expect((await b.twoStep.status('u')).failures).toBe(5);
  });

  it('malformed input is simply not valid (counted), never an exception', async () => {
    const { b } = await withCodes();
    for (const bad of ['', '123456', 'k3f9-x2mq', 'x'.repeat(500), null, 42, {}] as unknown[]) {
      expect(await b.twoStep.useRecoveryCode('u', bad as string)).toMatchObject({
        ok: false,
        reason: 'invalid',
      });
    }
    expect((await b.twoStep.status('u')).failures).toBe(7);
  });

  it('a normal sign-in keeps the codes (the sign-in path copies the record field by field)', async () => {
    const { b, secret } = await withCodes();
    b.advance(MINUTE);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(secret))).toMatchObject({ ok: true });
    expect((await b.twoStep.status('u')).recoveryCodes?.remaining).toBe(10);
  });

  it('issuing needs a recent verification, voids the old set entirely, and says how many were voided', async () => {
    const { b, codes, secret } = await withCodes();
    b.advance(11 * MINUTE);
    await rejectsWith(() => b.twoStep.issueRecoveryCodes('u'), 'VERIFICATION_REQUIRED');
    await b.twoStep.useRecoveryCode('u', codes[0]!);
    b.clearEvents();
    const fresh = await b.twoStep.issueRecoveryCodes('u');
    expect(b.events).toEqual([
      { userId: 'u', at: b.now(), type: 'recovery-codes-issued', count: 10, voided: 9 },
    ]);
    for (const c of codes.slice(1)) {
      expect(await b.twoStep.useRecoveryCode('u', c)).toMatchObject({ ok: false });
      b.advance(900_000); // past any lock
    }
    b.advance(MINUTE);
    await b.twoStep.beginChallenge('u');
    await b.twoStep.verify('u', b.totp(secret));
    expect(await b.twoStep.useRecoveryCode('u', fresh.codes[9]!)).toMatchObject({ ok: true, remaining: 9 });
  });

  it('issuing is refused while locked, without a device, and when the policy does not offer codes', async () => {
    const { b } = await withCodes();
    for (let i = 0; i < 10; i++) await b.twoStep.useRecoveryCode('u', '0000-0000-0000');
    await rejectsWith(() => b.twoStep.issueRecoveryCodes('u'), 'LOCKED');
    await rejectsWith(() => b.twoStep.issueRecoveryCodes('nobody'), 'UNKNOWN_USER');
    await b.twoStep.enrollAuthenticator('new', { account: 'new' });
    await rejectsWith(() => b.twoStep.issueRecoveryCodes('new'), 'NOT_ENABLED');
    await rejectsWith(() => b.twoStep.useRecoveryCode('new', '0000-0000-0000'), 'NOT_ENABLED');
    const off = makeBench({ policy: definePolicy({ recoveryCodes: { enabled: false } }) });
    await setUpUser(off, 'u');
    await rejectsWith(() => off.twoStep.issueRecoveryCodes('u'), 'RECOVERY_CODES_OFF');
  });

  it('the policy sets how many', async () => {
    const b = makeBench({ policy: definePolicy({ recoveryCodes: { count: 16 } }) });
    await setUpUser(b, 'u');
    expect((await b.twoStep.issueRecoveryCodes('u')).codes).toHaveLength(16);
  });

  it('turning 2SV off removes them', async () => {
    const { b, codes } = await withCodes();
    await b.twoStep.disable('u');
    expect((await b.twoStep.status('u')).recoveryCodes).toBeNull();
    expect('recovery' in (await stored(b.store, 'u'))).toBe(false);
    await rejectsWith(() => b.twoStep.useRecoveryCode('u', codes[0]!), 'NOT_ENABLED');
  });

  it('lost devices, end to end: recovery code → replace primary and backup → sign in with the new primary', async () => {
    const { b, codes, appId, smsId } = await withCodes();
    b.advance(3 * DAY); // both devices lost; the old verification is long past
    await rejectsWith(() => b.twoStep.disable('u'), 'VERIFICATION_REQUIRED');
    expect(await b.twoStep.useRecoveryCode('u', codes[4]!)).toMatchObject({ ok: true, remaining: 9 });
    const app = await addAuthenticator(b, 'u', { replaces: appId });
    const phone = await addPhone(b, 'u', PHONE_2, 'sms', { replaces: smsId });
    const status = await b.twoStep.status('u');
    expect(status.devices.map((d) => [d.id, d.role])).toEqual([
      [app.id, 'primary'],
      [phone, 'backup'],
    ]);
    b.advance(MINUTE);
    await b.twoStep.beginChallenge('u');
    expect(await b.twoStep.verify('u', b.totp(app.secret))).toMatchObject({ ok: true, deviceId: app.id });
  });
});

describe('support reset', () => {
  it('needs no verification, even while locked: removes devices, codes, browsers, challenge and lock', async () => {
    const { b } = await withCodes();
    await b.twoStep.rememberBrowser('u', { label: 'Firefox on Windows' });
    b.advance(DAY);
    for (let i = 0; i < 10; i++) await b.twoStep.useRecoveryCode('u', '0000-0000-0000');
    expect((await b.twoStep.status('u')).locked).toBe(true);
    b.clearEvents();
    const status = await b.twoStep.adminReset('u', {
      actor: 'support:jo',
      reason: 'ticket 4711, ID checked',
    });
    expect(status).toMatchObject({
      enabled: false,
      setupStep: 'enroll-primary',
      devices: [],
      challenge: null,
      locked: false,
      failures: 0,
      recoveryCodes: null,
      rememberedBrowsers: 0,
      verifiedAt: null,
    });
    expect(b.eventTypes()).toEqual(['two-step-reset', 'remembered-browser-revoked']);
    expect(b.events[0]).toMatchObject({
      actor: 'support:jo',
      reason: 'ticket 4711, ID checked',
      recoveryCodes: 10,
      devices: [{ kind: 'authenticator' }, { kind: 'sms', phone: '+1••••••0101' }],
    });
    expect(b.events[1]).toMatchObject({ reason: 'reset', browser: { label: 'Firefox on Windows' } });
    // The user enrols afresh, no verification needed.
    await setUpUser(b, 'u', PHONE_2);
    expect((await b.twoStep.status('u')).enabled).toBe(true);
  });

  it('keeps the send counters, so a reset does not reopen SMS throttling', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    const before = (await stored(b.store, 'u')).sends;
    await b.twoStep.adminReset('u', { actor: 'a', reason: 'r' });
    expect((await stored(b.store, 'u')).sends).toEqual(before);
  });

  it('is distinct from disable, which needs a recent verification', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    b.advance(DAY);
    await rejectsWith(() => b.twoStep.disable('u'), 'VERIFICATION_REQUIRED');
    expect((await b.twoStep.adminReset('u', { actor: 'a', reason: 'r' })).enabled).toBe(false);
  });

  it('refuses a missing actor or reason, and an unknown user, changing nothing', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    const before = await snapshot(b.store, 'u');
    for (const bad of [
      { actor: '', reason: 'r' },
      { actor: 'a' },
      { actor: 'a', reason: 'x'.repeat(501) },
      null,
    ]) {
      await rejectsWith(() => b.twoStep.adminReset('u', bad as never), 'INVALID_OPTION');
    }
    await rejectsWith(() => b.twoStep.adminReset('nobody', { actor: 'a', reason: 'r' }), 'UNKNOWN_USER');
    expect(await snapshot(b.store, 'u')).toEqual(before);
  });
});

describe('remembered browsers', () => {
  async function remembered() {
    const b = makeBench();
    const user = await setUpUser(b, 'u');
    const remember = await b.twoStep.rememberBrowser('u', { label: 'Firefox on Windows' });
    return { b, ...user, token: remember.token, browser: remember.browser };
  }

  it('the token is random, shown once, stored only as HMAC(codeKey, "twosv-remember\\0user\\0id\\0secret")', async () => {
    const { b, token, browser } = await remembered();
    expect(token).toMatch(/^[0-9a-f]{18}\.[0-9a-f]{64}$/);
    const [id, secret] = token.split('.') as [string, string];
    expect(browser).toEqual({
      id,
      label: 'Firefox on Windows',
      createdAt: b.now(),
      expiresAt: b.now() + 30 * DAY,
    });
    const record = await stored(b.store, 'u');
    expect(record.remembered).toEqual([
      {
        id,
        hash: hmacHex(`twosv-remember\0u\0${id}\0${secret}`),
        label: 'Firefox on Windows',
        createdAt: b.now(),
        expiresAt: b.now() + 30 * DAY,
      },
    ]);
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(await b.twoStep.rememberedBrowsers('u'))).not.toContain(secret);
    expect(b.events.at(-1)).toEqual({ userId: 'u', at: b.now(), type: 'remembered-browser-added', browser });
  });

  it('a valid token skips the second step and is rotated; the old one then revokes the browser (reuse)', async () => {
    const { b, token, browser } = await remembered();
    b.advance(DAY);
    const used = await b.twoStep.useRememberToken('u', token);
    expect(used).toMatchObject({ ok: true, browser: { id: browser.id, lastUsedAt: b.now() } });
    const next = used.ok ? used.token : '';
    expect(next).not.toBe(token);
    expect(next.split('.')[0]).toBe(browser.id);
    // Skipping the second step is not a verification: no sensitive change on a remembered browser alone.
    expect((await b.twoStep.status('u')).recentlyVerified).toBe(false);
    // A thief replays the old token: refused, and the browser is revoked, so the rotated token dies too.
    b.clearEvents();
    expect(await b.twoStep.useRememberToken('u', token)).toEqual({ ok: false, reason: 'invalid' });
    expect(b.events).toMatchObject([{ type: 'remembered-browser-revoked', reason: 'reused' }]);
    expect(await b.twoStep.useRememberToken('u', next)).toEqual({ ok: false, reason: 'invalid' });
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([]);
  });

  it('expires after policy.rememberBrowser.days, however often it was rotated', async () => {
    const { b } = await remembered();
    let { token } = await b.twoStep.rememberBrowser('u', { label: 'x' });
    for (let day = 1; day < 30; day++) {
      b.advance(DAY);
      const used = await b.twoStep.useRememberToken('u', token);
      expect(used.ok).toBe(true);
      if (used.ok) token = used.token;
    }
    b.advance(DAY - 1);
    const last = await b.twoStep.useRememberToken('u', token);
    expect(last.ok).toBe(true);
    if (last.ok) token = last.token;
    b.advance(1);
    expect(await b.twoStep.useRememberToken('u', token)).toEqual({ ok: false, reason: 'expired' });
    expect(await b.twoStep.rememberedBrowsers('u')).toEqual([]);
  });

  it('listing shows label, created, last used and expiry, never the token; revoking one or all', async () => {
    const { b, browser } = await remembered();
    b.advance(MINUTE);
    const second = await b.twoStep.rememberBrowser('u', { label: 'Safari on iPhone' });
    expect((await b.twoStep.rememberedBrowsers('u')).map((x) => x.label)).toEqual([
      'Firefox on Windows',
      'Safari on iPhone',
    ]);
    expect(await b.twoStep.revokeRememberedBrowser('u', browser.id)).toEqual([second.browser]);
    expect(b.events.at(-1)).toMatchObject({ type: 'remembered-browser-revoked', reason: 'user' });
    await rejectsWith(() => b.twoStep.revokeRememberedBrowser('u', browser.id), 'UNKNOWN_BROWSER');
    expect(await b.twoStep.useRememberToken('u', second.token)).toMatchObject({ ok: true });
    expect(await b.twoStep.revokeRememberedBrowsers('u', { reason: 'password-changed' })).toEqual([]);
    expect(b.events.at(-1)).toMatchObject({ type: 'remembered-browser-revoked', reason: 'password-changed' });
    expect((await b.twoStep.status('u')).rememberedBrowsers).toBe(0);
  });

  it('a bounded number per user: the oldest goes first', async () => {
    const b = makeBench({ policy: definePolicy({ rememberBrowser: { max: 3 } }) });
    await setUpUser(b, 'u');
    const tokens = [];
    for (let i = 0; i < 5; i++) {
      b.advance(1000);
      tokens.push((await b.twoStep.rememberBrowser('u', { label: `browser ${i}` })).token);
    }
    expect((await b.twoStep.rememberedBrowsers('u')).map((x) => x.label)).toEqual([
      'browser 2',
      'browser 3',
      'browser 4',
    ]);
    expect(b.events.filter((e) => e.type === 'remembered-browser-revoked')).toMatchObject([
      { reason: 'limit', browser: { label: 'browser 0' } },
      { reason: 'limit', browser: { label: 'browser 1' } },
    ]);
    expect(await b.twoStep.useRememberToken('u', tokens[0]!)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('all are revoked when 2SV is turned off, a device is removed or replaced', async () => {
    const cases: [
      string,
      (b: ReturnType<typeof makeBench>, ids: { appId: string; smsId: string }) => Promise<unknown>,
    ][] = [
      ['disabled', (b) => b.twoStep.disable('u')],
      ['device-replaced', (b, ids) => addPhone(b, 'u', PHONE_2, 'sms', { replaces: ids.smsId })],
    ];
    for (const [reason, act] of cases) {
      const b = makeBench();
      const ids = await setUpUser(b, 'u');
      const { token } = await b.twoStep.rememberBrowser('u', { label: 'x' });
      await act(b, ids);
      expect(b.events.filter((e) => e.type === 'remembered-browser-revoked')).toMatchObject([{ reason }]);
      expect((await b.twoStep.status('u')).rememberedBrowsers).toBe(0);
      if (reason !== 'disabled')
        expect(await b.twoStep.useRememberToken('u', token)).toMatchObject({ ok: false });
    }
    // Removing a device: a policy that allows a second backup, so one can go.
    const b = makeBench({ policy: definePolicy({ maxBackups: 2 }) });
    await setUpUser(b, 'u');
    const extra = await addPhone(b, 'u', PHONE_2, 'voice');
    const { token } = await b.twoStep.rememberBrowser('u', { label: 'x' });
    await b.twoStep.removeDevice('u', extra);
    expect(b.events.at(-1)).toMatchObject({ type: 'remembered-browser-revoked', reason: 'device-removed' });
    expect(await b.twoStep.useRememberToken('u', token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('is refused while locked and after requireReverification, without using the token up', async () => {
    const { b, token, secret } = await remembered();
    for (let i = 0; i < 10; i++) await b.twoStep.useRecoveryCode('u', '0000-0000-0000');
    expect(await b.twoStep.useRememberToken('u', token)).toMatchObject({ ok: false, reason: 'locked' });
    b.advance(900_000);
    await b.twoStep.requireReverification('u', { reason: 'new country' });
    expect(await b.twoStep.useRememberToken('u', token)).toEqual({
      ok: false,
      reason: 'reverification-required',
    });
    await b.twoStep.beginChallenge('u');
    await b.twoStep.verify('u', b.totp(secret));
    expect(await b.twoStep.useRememberToken('u', token)).toMatchObject({ ok: true });
  });

  it('remembering needs a recent verification, 2SV on, and the policy', async () => {
    const { b } = await remembered();
    b.advance(11 * MINUTE);
    await rejectsWith(() => b.twoStep.rememberBrowser('u', { label: 'x' }), 'VERIFICATION_REQUIRED');
    await b.twoStep.enrollAuthenticator('new', { account: 'new' });
    await rejectsWith(() => b.twoStep.rememberBrowser('new', { label: 'x' }), 'NOT_ENABLED');
    await rejectsWith(() => b.twoStep.rememberBrowser('nobody', { label: 'x' }), 'UNKNOWN_USER');
    const off = makeBench({ policy: definePolicy({ rememberBrowser: { enabled: false } }) });
    await setUpUser(off, 'u');
    await rejectsWith(() => off.twoStep.rememberBrowser('u', { label: 'x' }), 'REMEMBER_BROWSER_OFF');
  });

  it('bad input: labels are checked, malformed tokens are simply invalid and change nothing', async () => {
    const { b, token } = await remembered();
    for (const label of ['', 'x'.repeat(101), 7, undefined]) {
      await rejectsWith(() => b.twoStep.rememberBrowser('u', { label } as never), 'INVALID_OPTION');
    }
    const before = await snapshot(b.store, 'u');
    for (const bad of [
      '',
      'abc',
      `${token}0`,
      token.toUpperCase(),
      `000000000000000000.${'0'.repeat(64)}`,
      null,
      5,
    ]) {
      expect(await b.twoStep.useRememberToken('u', bad as string)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await snapshot(b.store, 'u')).toEqual(before);
    await rejectsWith(
      () => b.twoStep.revokeRememberedBrowsers('u', { reason: 'because' as never }),
      'INVALID_OPTION',
    );
  });
});

describe('cancelEnrollment', () => {
  it('ends the pending enrolment, whose code then no longer confirms', async () => {
    const b = makeBench();
    const e = await b.twoStep.enrollAuthenticator('u', { account: 'u' });
    b.clearEvents();
    const status = await b.twoStep.cancelEnrollment('u');
    expect(status.devices).toEqual([]);
    expect(b.events).toEqual([
      { userId: 'u', at: b.now(), type: 'enrollment-cancelled', kind: 'authenticator', role: 'primary' },
    ]);
    await rejectsWith(() => b.twoStep.confirmEnrollment('u', b.totp(e.secret)), 'ENROLLMENT_NOT_FOUND');
  });

  it('with nothing pending it writes nothing and reports nothing', async () => {
    const b = makeBench();
    await setUpUser(b, 'u');
    const before = await snapshot(b.store, 'u');
    b.clearEvents();
    expect((await b.twoStep.cancelEnrollment('u')).enabled).toBe(true);
    expect((await b.twoStep.cancelEnrollment('nobody')).enabled).toBe(false);
    expect(b.events).toEqual([]);
    expect(await snapshot(b.store, 'u')).toEqual(before);
  });
});

// ----- properties ----------------------------------------------------------------------------------------

/** Ways a user may type a code: case, spaces and dashes anywhere. */
const typedForm = (code: string) =>
  fc.array(fc.constantFrom('', ' ', '-', '  '), { minLength: 13, maxLength: 13 }).chain((gaps) =>
    fc.boolean().map((upper) => {
      const plain = code.replace(/-/g, '');
      const text = [...plain].map((ch, i) => gaps[i] + ch).join('') + gaps[12];
      return upper ? text.toUpperCase() : text;
    }),
  );

describe('properties', () => {
  const lenient = definePolicy({ lockout: { failures: 100 } });

  it('a recovery code works exactly once, however it is typed and whatever else is tried', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
        async (seed, uses, upper) => {
          const b = makeBench({ seed, policy: lenient });
          await setUpUser(b, 'u');
          const { codes } = await b.twoStep.issueRecoveryCodes('u');
          const used = new Set<number>();
          for (const [n, i] of uses.entries()) {
            const typed = upper[n] ? codes[i]!.toUpperCase() : codes[i]!.replace(/-/g, ' ');
            const result = await b.twoStep.useRecoveryCode('u', typed);
            expect(result.ok).toBe(!used.has(i));
            used.add(i);
            if (result.ok) expect(result.remaining).toBe(10 - used.size);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a voided set never works', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 9 }),
        async (seed, reissues, i) => {
          const b = makeBench({ seed, policy: lenient });
          await setUpUser(b, 'u');
          const old = (await b.twoStep.issueRecoveryCodes('u')).codes;
          for (let k = 0; k < reissues; k++) await b.twoStep.issueRecoveryCodes('u');
          await fc.assert(
            fc.asyncProperty(typedForm(old[i]!), async (typed) => {
              expect(await b.twoStep.useRecoveryCode('u', typed)).toMatchObject({
                ok: false,
                reason: 'invalid',
              });
            }),
            { numRuns: 5 },
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it('a rotated remember token never works again (and the current one works until then)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 15 }),
        async (seed, replays) => {
          const b = makeBench({ seed });
          await setUpUser(b, 'u');
          const tokens = [(await b.twoStep.rememberBrowser('u', { label: 'x' })).token];
          for (const r of replays) {
            const old = tokens[r % tokens.length]!;
            const current = tokens.at(-1)!;
            const result = await b.twoStep.useRememberToken('u', old);
            if (old === current) {
              expect(result.ok).toBe(true);
              if (result.ok) tokens.push(result.token);
            } else {
              // An old token: refused, and the browser is revoked (no token of it works any more).
              expect(result).toEqual({ ok: false, reason: 'invalid' });
              expect(await b.twoStep.useRememberToken('u', current)).toEqual({
                ok: false,
                reason: 'invalid',
              });
              return;
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

// ----- races ---------------------------------------------------------------------------------------------

/** A store that delays every get and put by a pseudo-random number of macrotask turns. */
class JitterStore implements Store {
  readonly inner = new MemoryStore();
  #random: () => number;
  constructor(seed: number) {
    const random = seededRandom(seed);
    this.#random = () => random(new Uint8Array(1))[0]! % 4;
  }
  async #pause() {
    for (let i = this.#random(); i > 0; i--) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  async get(key: string) {
    await this.#pause();
    return this.inner.get(key);
  }
  async put(key: string, record: JsonValue, expected: Version | null, options?: PutOptions) {
    await this.#pause();
    return this.inner.put(key, record, expected, options);
  }
  async delete(key: string) {
    await this.#pause();
    return this.inner.delete(key);
  }
}

/** Two engines (servers) sharing one store, key and clock; a user with 2SV on, just verified. */
async function twoServers(seed: number) {
  const store = new JitterStore(seed);
  const clock = { now: Date.UTC(2030, 0, 1, 12) };
  const events: TwoStepEvent[] = [];
  const sent: string[] = [];
  const engines: TwoStep[] = [0, 1].map((n) =>
    createTwoStep({
      store,
      codeKey: CODE_KEY,
      clock: () => clock.now,
      random: seededRandom(seed * 2 + n),
      retries: 100,
      sender: ({ code }) => {
        sent.push(code);
      },
      onEvent: (e) => {
        events.push(e);
      },
    }),
  );
  const [a, b] = engines as [TwoStep, TwoStep];
  const e = await a.enrollAuthenticator('u', { account: 'u' });
  await b.confirmEnrollment('u', generateTotp(e.secret, { at: clock.now }));
  await a.enrollPhone('u', { phone: '+12015550101' });
  await b.confirmEnrollment('u', sent.at(-1)!);
  return { a, b, events };
}

describe('races: many uses of one secret across two engines sharing a store succeed exactly once', () => {
  it.each([1, 2, 3])('one recovery code, 30 racing uses (seed %i)', async (seed) => {
    const { a, b, events } = await twoServers(seed);
    const { codes } = await a.issueRecoveryCodes('u');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).useRecoveryCode('u', codes[3]!)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recovery-code-used')).toHaveLength(1);
    expect((await a.status('u')).recoveryCodes?.remaining).toBe(9);
  });

  it.each([1, 2, 3])('one remember token, 30 racing uses (seed %i)', async (seed) => {
    const { a, b, events } = await twoServers(seed);
    const { token } = await b.rememberBrowser('u', { label: 'x' });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).useRememberToken('u', token)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'remembered-browser-used')).toHaveLength(1);
  });
});

describe('the stored record', () => {
  it('with recovery codes and remembered browsers survives a JSON round trip (as a database hands it back)', async () => {
    const { b, codes } = await withCodes();
    const { token } = await b.twoStep.rememberBrowser('u', { label: 'Firefox' });
    const copy = JSON.parse(JSON.stringify((await snapshot(b.store, 'u'))!.record)) as JsonValue;
    const store = new MemoryStore();
    await store.put('user:u', copy, null);
    const other = createTwoStep({ store, codeKey: CODE_KEY, clock: () => b.now() });
    expect(await other.status('u')).toMatchObject({
      recoveryCodes: { remaining: 10 },
      rememberedBrowsers: 1,
    });
    expect(await other.useRecoveryCode('u', codes[0]!)).toMatchObject({ ok: true, remaining: 9 });
    expect(await other.useRememberToken('u', token)).toMatchObject({ ok: true });
    // Another engine key matches nothing: the hashes are useless without codeKey.
    const store2 = new MemoryStore();
    await store2.put('user:u', copy, null);
    const wrongKey = createTwoStep({
      store: store2,
      codeKey: 'another-key-of-at-least-32-characters!!',
      clock: () => b.now(),
    });
    expect(await wrongKey.useRecoveryCode('u', codes[1]!)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await wrongKey.useRememberToken('u', token)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
