// The demo's answers to "I lost my devices", end to end in Debian's Chromium: recovery codes shown once (with
// copy and download), signing in with one (once only, counted toward the lock like any code), the lost-devices
// path (sign in with a recovery code, replace the primary and the backup, sign in with the new primary),
// remembered browsers listed and revoked, a support reset, and the "Recent activity" page that shows all of
// it with the address and browser each change came from. Authenticator codes are computed here from the
// secret the page shows (as the app would); texts are read on the demo phone. Time is the demo's injected
// clock. Screenshots go to test-artifacts/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: the demo is plain JavaScript
import { createDemoApp, DEMO_SUPPORT_PASSWORD } from '../demo/app.mjs';
import { generateTotp } from '../src/index.js';
import { hasBrowser, launchBrowser } from './support/browser.js';

const shots = new URL('../test-artifacts/screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
const PHONE = '+1 201 555 0123'; // fictional (NANP 555-01xx) but valid
const NEW_PHONE = '+1 201 555 0199';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CODE_FORM = /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/;

describe.runIf(hasBrowser())('the demo when devices are lost', () => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  let browser: Browser;
  let laptop: BrowserContext;
  let page: Page;
  let phone: Page;
  let origin: string;
  let app: { server: import('node:http').Server };
  let secret = '';
  let codes: string[] = [];
  let oldCodes: string[] = [];
  const later = (seconds: number) => {
    now += seconds * 1000;
  };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    app = createDemoApp({ clock: () => now });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    laptop = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    laptop.setDefaultTimeout(10_000);
    page = await laptop.newPage();
    phone = await laptop.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
  });

  const shot = (name: string, p = page) => p.screenshot({ path: `${shots}${name}.png`, fullPage: true });
  const flash = (p = page) => p.locator('#flash').innerText();
  const error = (p = page) => p.locator('#challenge-error').innerText();
  const totp = (key = secret) => generateTotp(key, { at: now });
  const wrongTotp = (key = secret) => (totp(key) === '000000' ? '111111' : '000000');
  /** The newest code on the demo phone for `number`, read on the phone as the user would. */
  const latestSms = async (number = PHONE) => {
    await phone.goto(`${origin}/phone?number=${encodeURIComponent(number)}`);
    return (await phone.locator('#messages .code-value').first().textContent()) ?? '';
  };

  async function signIn(p = page) {
    await p.goto(origin);
    await p.fill('#signin [name=username]', 'bob');
    await p.fill('#signin [name=password]', PASSWORD);
    await p.click('#signin button');
  }

  async function signOut(p = page) {
    await p.click('#sign-out');
    await expect.poll(() => p.locator('#signin').count()).toBe(1);
  }

  async function enterCode(code: string, p = page, remember = false) {
    await p.fill('#verify [name=code]', code);
    if (remember) await p.check('#verify [name=remember]');
    await p.click('#verify button');
  }

  async function useRecoveryCode(code: string) {
    if ((await page.locator('#use-recovery[open]').count()) === 0) await page.click('#use-recovery summary');
    await page.fill('#recovery [name=code]', code);
    await page.click('#recovery button');
  }

  test('set-up: an authenticator app and a backup phone turn two-step verification on', async () => {
    await page.goto(origin);
    await page.fill('#signup [name=username]', 'bob');
    await page.fill('#signup [name=password]', PASSWORD);
    await page.click('#signup button');
    await page.click('#enroll-authenticator button');
    secret = (await page.locator('#secret').textContent()) ?? '';
    await page.fill('#confirm [name=code]', totp());
    await page.click('#confirm button');
    await page.fill('#enroll-phone [name=phone]', PHONE);
    await page.click('#enroll-phone button');
    await page.fill('#confirm [name=code]', await latestSms());
    await page.click('#confirm button');
    expect(await page.locator('#status').textContent()).toBe('on');
    // No codes yet: the settings say what they are for, and offer a set.
    expect(await page.locator('#recovery-left').innerText()).toContain('You have no recovery codes.');
    expect(await page.locator('#recovery-link').textContent()).toBe('Get recovery codes');
  });

  test('recovery codes: shown once, grouped, with copy and a .txt download; the settings count them', async () => {
    await page.click('#recovery-link');
    expect(await page.locator('#voids').count()).toBe(0); // nothing to void yet
    await page.click('#issue-codes');
    codes = await page.locator('#recovery-codes li').allInnerTexts();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(CODE_FORM);
    expect(new Set(codes).size).toBe(10);
    expect(await page.locator('#once').innerText()).toContain('they will not be shown again');
    await shot('recovery-01-codes');

    // The download: a .txt with every code, made in the page (the server keeps no copy to serve).
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-codes')]);
    expect(download.suggestedFilename()).toBe('twosv-demo-recovery-codes.txt');
    const file = readFileSync((await download.path()) ?? '', 'utf8');
    expect(file).toContain('recovery codes for bob');
    for (const code of codes) expect(file).toContain(`\n${code}\n`);
    // The copy button puts the codes, one a line, on the clipboard.
    await laptop.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await page.click('#copy-codes');
    // The label changes once the clipboard write resolves: wait for it (it raced the check under load).
    await page.waitForFunction(() => document.querySelector('#copy-codes')?.textContent === 'Copied', null, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));

    // Never shown again: the settings count them, and no page carries them.
    await page.click('#saved');
    expect(await page.locator('#recovery-left').innerText()).toMatch(/^10 unused codes left, from the set/);
    expect(await page.locator('#recovery-low').count()).toBe(0);
    const html = await page.content();
    for (const code of codes) expect(html).not.toContain(code);

    // A new set voids the old one, and the page says so before.
    await page.click('#recovery-link');
    expect(await page.locator('#voids').innerText()).toBe(
      'Getting a new set voids your current one: the 10 unused codes you have will stop working.',
    );
    await shot('recovery-02-new-set');
    await page.click('#issue-codes');
    oldCodes = codes;
    codes = await page.locator('#recovery-codes li').allInnerTexts();
    expect(codes).toHaveLength(10);
    expect(codes.filter((c) => oldCodes.includes(c))).toEqual([]);
    await page.click('#saved');
  });

  test('signing in with a recovery code: a voided one is refused and counted, a right one works once', async () => {
    await signOut();
    later(31);
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('authenticator app');
    await useRecoveryCode(oldCodes[0]!);
    const refused = await error();
    expect(refused).toMatch(/^That is not one of your unused recovery codes\. (\d+) attempts left\.$/);
    expect(await page.locator('#use-recovery[open]').count()).toBe(1); // the box stays open to try again
    await shot('recovery-03-refused');
    // Capitals, spaces for dashes: the engine forgives them.
    await useRecoveryCode(codes[0]!.toUpperCase().replaceAll('-', ' '));
    expect(await flash()).toMatch(/^Signed in with a recovery code: it will not work again\. 9 codes left\./);
    expect(await page.locator('#recovery-left').innerText()).toMatch(/^9 unused codes left/);

    // The same code a second time: refused, and counted like any wrong code.
    await signOut();
    later(31);
    await signIn();
    await useRecoveryCode(codes[0]!);
    const [, left] = /(\d+) attempts left/.exec(await error()) ?? [];
    expect(Number(left)).toBeGreaterThan(1);
    // The rest of the attempts, with well-formed wrong codes: the lock, and only leaving is offered.
    for (let i = Number(left); i > 0; i--) await useRecoveryCode('aaaa-bbbb-cccc');
    expect(await page.locator('#locked').innerText()).toMatch(
      /^Too many wrong codes\. For your safety, signing in is paused until .+ \(in 15 minutes\)\.$/,
    );
    expect(await page.locator('#recovery').count()).toBe(0);
    expect(await page.locator('main button').allTextContents()).toEqual(['Cancel']);
    await shot('recovery-04-locked');
    await page.click('#cancel');
  });

  test('lost devices: a recovery code, then a new primary and a new backup, then the new primary signs in', async () => {
    later(15 * 60);
    await signIn();
    await useRecoveryCode(codes[1]!);
    expect(await flash()).toContain('8 codes left');
    await shot('recovery-05-signed-in-with-code');

    // The primary: a new authenticator app in place of the lost one (the recovery code's proof allows it).
    await page.click('#devices [data-role=primary] a.replace');
    expect(await page.locator('#replace').innerText()).toContain('Authenticator app (primary)');
    await page.click('#enroll-authenticator button');
    expect(await page.locator('#replacing').innerText()).toBe(
      'This replaces Authenticator app (primary) once confirmed.',
    );
    const oldSecret = secret;
    secret = (await page.locator('#secret').textContent()) ?? '';
    expect(secret).not.toBe(oldSecret);
    await page.fill('#confirm [name=code]', totp());
    await page.click('#confirm button');
    expect(await flash()).toBe('Device replaced. The old one no longer works.');

    // The backup: a new phone number in place of the lost phone.
    await page.click('#devices [data-role=backup] a.replace');
    await page.fill('#enroll-phone [name=phone]', NEW_PHONE);
    await page.click('#enroll-phone button');
    expect(await page.locator('#replacing').innerText()).toBe(
      'This replaces Phone (text messages) +1••••••0123 (backup) once confirmed.',
    );
    await page.fill('#confirm [name=code]', await latestSms(NEW_PHONE));
    await page.click('#confirm button');
    expect(await flash()).toBe('Device replaced. The old one no longer works.');
    const rows = await page.locator('#devices tr[data-device]').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^Authenticator app\s+primary/);
    expect(rows[1]).toMatch(/^Phone \(text messages\) \+1••••••0199\s+backup/);
    await shot('recovery-06-devices-replaced');

    // Signing out and in: the old app's code is refused, the new one's works.
    await signOut();
    later(31);
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('authenticator app');
    expect(await page.locator('.switch button[data-kind=sms]').textContent()).toContain('+1••••••0199');
    await enterCode(totp(oldSecret) === totp() ? wrongTotp() : totp(oldSecret));
    expect(await error()).toMatch(/^That code is not right\./);
    await enterCode(totp());
    expect(await flash()).toBe('Signed in.');
  });

  test('remembered browsers: listed by name and time, never the token; revoking one asks it again', async () => {
    await signOut();
    later(30);
    await signIn();
    await enterCode(totp(), page, true);
    expect(await flash()).toBe('Signed in.');
    // Another computer, with Firefox on Windows.
    const other = await browser.newContext({ userAgent: FIREFOX, locale: 'en-US' });
    other.setDefaultTimeout(10_000);
    const otherPage = await other.newPage();
    later(30);
    await signIn(otherPage);
    await enterCode(totp(), otherPage, true);
    expect(await flash(otherPage)).toBe('Signed in.');

    await page.goto(origin);
    const listed = await page.locator('#browser-list tr[data-browser]').allInnerTexts();
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(/^Chrome on Linux this browser\s/);
    expect(listed[1]).toMatch(/^Firefox on Windows\s.+\snot yet\s/);
    const trust = (await laptop.cookies()).find((c) => c.name === 'trust')?.value ?? '';
    expect(trust).toMatch(/^[0-9a-f]+\.[0-9a-f]{64}$/);
    expect(await page.content()).not.toContain(trust.split('.')[1]);
    await shot('recovery-07-browsers');

    // Forget the Firefox: it must pass the second step again; this browser still skips it.
    await page.click('#browser-list tr:has-text("Firefox on Windows") button[name=revoke]');
    expect(await flash()).toBe(
      'Browser forgotten: it will ask for the second step again. 1 browser still remembered.',
    );
    await signOut(otherPage);
    await signIn(otherPage);
    expect(await otherPage.locator('h1').textContent()).toContain('Sign in');
    expect(await otherPage.locator('#prompt').textContent()).toContain('authenticator app');
    await otherPage.click('#cancel');
    await other.close();

    await signOut();
    await signIn();
    expect(await flash()).toBe('Signed in: this browser is remembered.');
    expect(await page.locator('#browser-list tr[data-browser]').allInnerTexts()).toEqual([
      expect.not.stringContaining('not yet'),
    ]);
    // Forget them all: this one asks again too.
    await page.click('#revoke-all');
    expect(await flash()).toBe('Every browser was forgotten: each will ask for the second step again.');
    expect(await page.locator('#browsers').count()).toBe(0);
    await signOut();
    later(30);
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('authenticator app');
    await enterCode(totp());
    expect(await flash()).toBe('Signed in.');
  });

  test('the demo phone shows only what was sent for the account signed in on that browser', async () => {
    // Signed in as bob, the phone shows bob's texts to his new number.
    await phone.goto(`${origin}/phone?number=${encodeURIComponent(NEW_PHONE)}`);
    expect(await phone.locator('#messages .code-value').count()).toBeGreaterThan(0);
    expect(await phone.locator('#numbers').innerText()).toContain('+12015550199');
    // A visitor who is not signed in sees nothing, whatever number they type.
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(`${origin}/phone?number=${encodeURIComponent(NEW_PHONE)}`);
    expect(await strangerPage.locator('#phone-sign-in').innerText()).toContain(
      'Sign in on this browser first',
    );
    expect(await strangerPage.locator('#messages, .code-value').count()).toBe(0);
    // Another account's phone page shows none of bob's texts either.
    await strangerPage.goto(origin);
    await strangerPage.fill('#signup [name=username]', 'eve');
    await strangerPage.fill('#signup [name=password]', PASSWORD);
    await strangerPage.click('#signup button');
    await strangerPage.goto(`${origin}/phone?number=${encodeURIComponent(NEW_PHONE)}`);
    expect(await strangerPage.locator('#messages').innerText()).toBe('No messages on this phone.');
    await stranger.close();
  });

  test('support reset: a wrong support password does nothing; the right one resets, and bob sets up afresh', async () => {
    const staff = await browser.newContext({ locale: 'en-US' });
    const desk = await staff.newPage();
    await desk.goto(`${origin}/support`);
    expect(await desk.locator('#real-app').innerText()).toMatch(/^REAL APP: .*your staff console/);
    const reset = async (password: string) => {
      await desk.fill('#support-form [name=password]', password);
      await desk.fill('#support-form [name=username]', 'Bob');
      await desk.fill('#support-form [name=actor]', 'jo (support)');
      await desk.fill('#support-form [name=reason]', 'ticket 4711: passport checked on a video call');
      return desk.click('#support-form button');
    };
    await reset('not the password');
    expect(await flash(desk)).toBe('Wrong support password.');
    expect(await desk.locator('#support-form [name=username]').inputValue()).toBe('Bob'); // kept to retry
    await reset(DEMO_SUPPORT_PASSWORD);
    expect(await flash(desk)).toBe(
      'Reset done for bob: 2 devices and 8 unused recovery codes removed, remembered browsers forgotten. Two-step verification is off; they set it up afresh at their next sign-in.',
    );
    await shot('recovery-08-support', desk);
    await staff.close();

    // Bob signs in with his password only, and is asked to set up two-step verification again.
    await signOut();
    await signIn();
    expect(await page.locator('#status').textContent()).toBe('off');
    expect(await page.locator('#next-step').textContent()).toContain('primary device');
    expect(await page.locator('#devices').count()).toBe(0);
    expect(await page.locator('#recovery-codes-status').count()).toBe(0);
  });

  test('recent activity: newest first, paged, each change with its device, address and browser', async () => {
    const userAgent = await page.evaluate(() => navigator.userAgent);
    await page.click('#activity-link');
    await shot('recovery-09-activity');
    type Row = { type: string; what: string; device: string; ip: string; browser: string; ua: string };
    const rows: Row[] = [];
    for (let pages = 1; ; pages++) {
      expect(pages).toBeLessThan(10);
      const here = await page.locator('#activity-log tr[data-type]').evaluateAll((trs) =>
        trs.map((tr) => {
          const td = Array.from(tr.querySelectorAll('td')).map((c) => (c as HTMLElement).innerText.trim());
          return {
            type: tr.getAttribute('data-type') ?? '',
            what: td[1] ?? '',
            device: td[2] ?? '',
            ip: td[3] ?? '',
            browser: td[4] ?? '',
            ua: tr.querySelector('td.browser')?.getAttribute('title') ?? '',
          };
        }),
      );
      expect(here.length).toBeLessThanOrEqual(10);
      rows.push(...here);
      if ((await page.locator('#older').count()) === 0) break;
      expect(here).toHaveLength(10);
      await page.click('#older');
    }
    expect(rows.length).toBeGreaterThan(10); // more than one page

    // Newest first: the support reset, with who and why; the first thing bob did is last.
    expect(rows[0]).toMatchObject({ type: 'two-step-reset', ip: '127.0.0.1' });
    expect(rows[0]!.what).toBe(
      'Two-step verification reset by support (jo (support): ticket 4711: passport checked on a video call); 2 devices and 8 recovery codes removed',
    );
    expect(rows.at(-1)).toMatchObject({ type: 'enrollment-started', device: 'Authenticator app' });
    const order = (what: string) => rows.findIndex((r) => r.what === what);
    const story = [
      'Two-step verification reset by support (jo (support): ticket 4711: passport checked on a video call); 2 devices and 8 recovery codes removed',
      'Browser forgotten: Chrome on Linux (by you)',
      'Browser forgotten: Firefox on Windows (by you)',
      'Browser remembered: Firefox on Windows',
      'Browser remembered: Chrome on Linux',
      'Phone (text messages) +1••••••0123 replaced by Phone (text messages) +1••••••0199',
      'Authenticator app replaced by a new one',
      'Recovery code used: 8 left',
      'Recovery code used: 9 left',
      'New set of 10 recovery codes; the 10 unused codes of the old set voided',
      'New set of 10 recovery codes',
      'Two-step verification turned on',
    ];
    for (const what of story) expect(order(what), what).toBeGreaterThanOrEqual(0);
    expect(story.map(order)).toEqual(
      story
        .map(order)
        .slice()
        .sort((a, b) => a - b),
    );
    // Replacing the primary: the new device's masked label, from this browser and address.
    const replaced = rows.filter((r) => r.type === 'device-replaced');
    expect(replaced.map((r) => r.device)).toEqual([
      'Phone (text messages) +1••••••0199',
      'Authenticator app',
    ]);
    const forgotten = rows.filter((r) => r.what.startsWith('Browser forgotten'));
    expect(forgotten).toHaveLength(2);
    for (const r of [...replaced, ...forgotten, rows[order('Recovery code used: 8 left')]!]) {
      expect(r).toMatchObject({ ip: '127.0.0.1', browser: 'Chrome on Linux', ua: userAgent });
    }
    // The Firefox's own remembering came from the Firefox.
    expect(rows[order('Browser remembered: Firefox on Windows')]).toMatchObject({
      browser: 'Firefox on Windows',
      ua: FIREFOX,
    });
    // Wrong codes are summarised, the lock is there, and nothing secret is shown.
    expect(rows.some((r) => /^\d+ wrong codes$/.test(r.what))).toBe(true);
    expect(rows.some((r) => r.type === 'locked')).toBe(true);
    const text = rows.map((r) => Object.values(r).join(' ')).join('\n');
    expect(text).not.toMatch(/\b\d{6}\b|555.?01(23|99)|20155501/);
    for (const code of [...codes, ...oldCodes]) expect(text).not.toContain(code);

    // The same page in Chinese.
    await page.goto(`${origin}/activity`);
    await page.click('#lang');
    expect(await page.locator('h1').textContent()).toBe('twosv 演示 · 近期动态');
    expect(await page.locator('#activity-log tr[data-type]').first().innerText()).toContain(
      '客服重置了两步验证（jo (support)：ticket 4711: passport checked on a video call）',
    );
    expect(await page.locator('#activity-log th').allInnerTexts()).toEqual([
      '时间',
      '发生了什么',
      '设备',
      'IP 地址',
      '浏览器',
    ]);
    await shot('recovery-10-activity-zh');
    await page.click('#lang');
  });
});
