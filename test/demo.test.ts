// The web demo end to end, in Debian's Chromium: a user signs up, enrols an authenticator app (whose codes
// the test computes from the secret the page shows, as the app would) and a backup phone (whose codes it
// reads from the demo's outbox), signs in with each, swaps the primary, is remembered and then re-verified
// after an abnormal sign-in, and turns 2SV off. Time is the demo's injected clock, moved by the test.
// Screenshots of each step are kept in test-artifacts/screenshots/.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: the demo is plain JavaScript
import { createDemoApp } from '../demo/app.mjs';
import { generateTotp, parseOtpauthUri } from '../src/index.js';
import { hasBrowser, launchBrowser } from './support/browser.js';
import { decodeQrSvg } from './support/qr.js';

const shots = new URL('../test-artifacts/screenshots/', import.meta.url).pathname;

describe.runIf(hasBrowser())('the web demo in Chromium', () => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  let browser: Browser;
  let page: Page;
  let origin: string;
  let app: { server: import('node:http').Server };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    app = createDemoApp({ clock: () => now });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
  });

  const shot = (name: string) => page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
  const flash = () => page.locator('#flash').textContent();
  const latestSms = async () => (await page.locator('#outbox .code-value').first().textContent()) ?? '';
  const later = (seconds: number) => {
    now += seconds * 1000;
  };

  async function signIn(password = 'correct horse battery') {
    await page.goto(origin);
    await page.fill('#signin [name=username]', 'alice');
    await page.fill('#signin [name=password]', password);
    await page.click('#signin button');
  }

  async function signOut() {
    await page.click('#sign-out');
    await expect.poll(() => page.locator('#signin').count()).toBe(1);
  }

  let secret = '';

  test('sign up, then enrol an authenticator app as primary by scanning its QR code', async () => {
    await page.goto(origin);
    await shot('01-welcome');
    await page.fill('#signup [name=username]', 'alice');
    await page.fill('#signup [name=password]', 'correct horse battery');
    await page.click('#signup button');
    expect(await page.locator('#status').textContent()).toBe('off');
    expect(await page.locator('#next-step').textContent()).toContain('primary device');

    await page.click('#enroll-authenticator button');
    secret = (await page.locator('#secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // What the user's phone does: scan the QR code on the page.
    const uri = decodeQrSvg(await page.locator('#qr svg').evaluate((svg) => svg.outerHTML));
    expect(parseOtpauthUri(uri ?? '')).toMatchObject({ secret, account: 'alice', issuer: 'twosv demo' });
    await shot('02-enrol-authenticator');

    await page.fill('#confirm [name=code]', generateTotp(secret, { at: now }));
    await page.click('#confirm button');
    expect(await flash()).toBe('Device added.');
    expect(await page.locator('#devices [data-role=primary]').getAttribute('data-kind')).toBe(
      'authenticator',
    );
    expect(await page.locator('#next-step').textContent()).toContain('backup device');
  });

  test('a backup phone, confirmed with the code it received, turns 2SV on', async () => {
    await page.fill('#enroll-phone [name=phone]', '+1 (201) 555-0100');
    await page.click('#enroll-phone button');
    expect(await page.locator('#pending').textContent()).toContain('+1');
    const code = await latestSms();
    expect(code).toMatch(/^\d{6}$/);
    await shot('03-enrol-phone');
    await page.fill('#confirm [name=code]', code);
    await page.click('#confirm button');
    expect(await flash()).toBe('Device added. Two-step verification is on.');
    expect(await page.locator('#status').textContent()).toBe('on');
    expect(await page.locator('#devices [data-role=backup]').getAttribute('data-kind')).toBe('sms');
    await shot('04-two-step-on');
  });

  test('signing in asks for the authenticator code; a wrong one is refused and counted', async () => {
    await signOut();
    later(31);
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('authenticator app');
    const right = generateTotp(secret, { at: now });
    await page.fill('#verify [name=code]', right === '000000' ? '111111' : '000000');
    await page.click('#verify button');
    expect(await page.locator('#challenge-error').textContent()).toMatch(/not right\. \d+ attempt\(s\) left/);
    await shot('05-challenge-wrong-code');
    await page.fill('#verify [name=code]', right);
    await page.click('#verify button');
    expect(await flash()).toBe('Signed in.');
  });

  test('the same authenticator code is never accepted twice', async () => {
    const used = generateTotp(secret, { at: now });
    await signOut();
    await signIn();
    await page.fill('#verify [name=code]', used);
    await page.click('#verify button');
    expect(await page.locator('#challenge-error').textContent()).toContain('already used');
    later(30);
    await page.fill('#verify [name=code]', generateTotp(secret, { at: now }));
    await page.click('#verify button');
    expect(await flash()).toBe('Signed in.');
  });

  test('without the phone at hand, the backup device gets the code instead', async () => {
    await signOut();
    later(31);
    await signIn();
    await page.click('.switch button[data-kind=sms]');
    expect(await page.locator('#prompt').textContent()).toContain('text message');
    await shot('06-challenge-backup');
    await page.fill('#verify [name=code]', await latestSms());
    await page.click('#verify button');
    expect(await flash()).toBe('Signed in.');
  });

  test('the backup phone becomes primary', async () => {
    await page.click('#devices [data-role=backup] button[name=swap]');
    expect(await flash()).toBe('Primary device changed.');
    expect(await page.locator('#devices [data-role=primary]').getAttribute('data-kind')).toBe('sms');
    expect(await page.locator('#devices [data-role=backup]').getAttribute('data-kind')).toBe('authenticator');
    const notices = await page.locator('#notifications li').allTextContents();
    expect(notices).toContain('Primary device changed');
    expect(notices).toContain('Two-step verification turned on');
    expect(notices.join('\n')).not.toMatch(/\d{6}/); // no codes in notifications
    await shot('07-primary-swapped');
  });

  test('a remembered browser skips the second step until an abnormal sign-in demands it again', async () => {
    await signOut();
    later(60);
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('text message');
    await page.fill('#verify [name=code]', await latestSms());
    await page.check('#verify [name=remember]');
    await page.click('#verify button');
    expect(await flash()).toBe('Signed in.');

    await signOut();
    await signIn();
    expect(await flash()).toBe('Signed in: this browser is remembered.');

    await page.click('#abnormal');
    later(31); // past the SMS cooldown
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('text message');
    await shot('08-reverification');
    await page.fill('#verify [name=code]', await latestSms());
    await page.click('#verify button');
    expect(await flash()).toBe('Signed in.');
  });

  test('turning 2SV off needs a recent verification, then works', async () => {
    later(3600);
    await page.goto(origin);
    await page.click('#disable');
    expect(await page.locator('h1').textContent()).toContain('Confirm it is you');
    await shot('09-step-up');
    await page.fill('#verify [name=code]', await latestSms());
    await page.click('#verify button');
    expect(await flash()).toBe('Confirmed. You can make the change now.');
    await page.click('#disable');
    expect(await flash()).toBe('Two-step verification is off.');
    expect(await page.locator('#status').textContent()).toBe('off');
    expect(await page.locator('#notifications li').allTextContents()).toContain(
      'Two-step verification turned off',
    );
    await shot('10-two-step-off');
  });
});
