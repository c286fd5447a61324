// The web demo end to end, in Debian's Chromium, as a first-time user meets it: a user signs up, sets up an
// authenticator app (whose codes the test computes from the secret the page shows, as the app would) and a
// backup phone (whose codes it reads on the demo phone, a page of its own standing in for the handset), signs
// in with each, runs out of attempts and into the lock, asks for codes too fast, swaps the primary, is
// remembered and then re-verified after an abnormal sign-in, and turns 2SV off after confirming what it
// costs. Forms carry a CSRF token. Time is the demo's injected clock, moved by the test; the browser runs in
// a time zone far from UTC, so times on the page must be local. Screenshots of each step are kept in
// test-artifacts/screenshots/.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: the demo is plain JavaScript
import { createDemoApp } from '../demo/app.mjs';
import { generateTotp, parseOtpauthUri } from '../src/index.js';
import { hasBrowser, launchBrowser } from './support/browser.js';
import { decodeQrSvg } from './support/qr.js';

const shots = new URL('../test-artifacts/screenshots/', import.meta.url).pathname;
const PHONE = '+1 201 555 0123'; // fictional (NANP 555-01xx) but valid
const E164 = '+12015550123';
const TIME_ZONE = 'Asia/Shanghai'; // UTC+8, no daylight saving

/** "h:mm" of a moment in Shanghai, rounded up to the minute as the demo shows it. */
function shanghaiClock(ms: number): string {
  const at = new Date(Math.ceil(ms / 60_000) * 60_000 + 8 * 3600_000);
  return `${at.getUTCHours() % 12 || 12}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
}

describe.runIf(hasBrowser())('the web demo in Chromium', () => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let phone: Page;
  let origin: string;
  let app: {
    server: import('node:http').Server;
    twoStep: { status(user: string): Promise<{ enabled: boolean; lockedUntil: number | null }> };
  };
  /** The text of every page the user saw, for the checks on words that run at the end. */
  const seen: { name: string; text: string }[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    app = createDemoApp({ clock: () => now });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    context = await browser.newContext({
      viewport: { width: 1200, height: 900 },
      timezoneId: TIME_ZONE,
      locale: 'en-US',
    });
    // Fail fast: every page here is served from memory, so a missing element is a failure, not a wait.
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    phone = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
  });

  const shot = async (name: string) => {
    seen.push({ name, text: (await page.locator('body').innerText()) ?? '' });
    await page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
  };
  const flash = () => page.locator('#flash').textContent();
  const error = () => page.locator('#challenge-error').innerText();
  const buttons = () => page.locator('main button').allTextContents();
  /** The newest code on the demo phone, read the way the user would: on the phone, not on the site. */
  const latestSms = async () => {
    await phone.goto(`${origin}/phone?number=${encodeURIComponent(PHONE)}`);
    return (await phone.locator('#messages .code-value').first().textContent()) ?? '';
  };
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

  async function enterCode(code: string) {
    await page.fill('#verify [name=code]', code);
    await page.click('#verify button');
  }

  let secret = '';
  const wrong = () => (generateTotp(secret, { at: now }) === '000000' ? '111111' : '000000');

  test('sign up, then add an authenticator app as primary by scanning its QR code', async () => {
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
    await shot('02-add-authenticator');

    await page.fill('#confirm [name=code]', generateTotp(secret, { at: now }));
    await page.click('#confirm button');
    expect(await flash()).toBe('Device added.');
    expect(await page.locator('#devices [data-role=primary]').getAttribute('data-kind')).toBe(
      'authenticator',
    );
    expect(await page.locator('#next-step').textContent()).toContain('backup device');
  });

  test('a backup phone, confirmed with the code that reached the demo phone, turns 2SV on', async () => {
    await page.fill('#enroll-phone [name=phone]', PHONE);
    await page.click('#enroll-phone button');
    expect(await page.locator('#pending').textContent()).toContain('+1••••••0123');
    const code = await latestSms();
    expect(code).toMatch(/^\d{6}$/);
    // The demo phone is the handset: its own page, full number, the message as a text would read.
    expect(await phone.locator('.handset h2').textContent()).toBe(E164);
    expect(await phone.locator('#messages li').first().textContent()).toContain(
      `twosv demo: ${code} is your code to set up two-step verification.`,
    );
    expect(await phone.locator('#phone-about').textContent()).toContain('not part of your account');
    await phone.screenshot({ path: `${shots}03-demo-phone.png`, fullPage: true });
    // The site's own page shows neither the code nor the full number.
    const settings = await page.locator('body').innerText();
    expect(settings).not.toContain(code);
    expect(settings).not.toMatch(/555.?0123|2015550123/);
    await shot('03-add-phone');
    await page.fill('#confirm [name=code]', code);
    await page.click('#confirm button');
    expect(await flash()).toBe('Device added. Two-step verification is on.');
    expect(await page.locator('#status').textContent()).toBe('on');
    expect(await page.locator('#devices [data-role=backup]').getAttribute('data-kind')).toBe('sms');
    await shot('04-two-step-on');
  });

  test('the second step shows nothing of the account: no notifications, no codes, no full number', async () => {
    await signOut();
    later(31);
    await signIn();
    expect(await page.locator('#prompt').textContent()).toBe(
      'Enter the 6-digit code your authenticator app shows.',
    );
    expect(await page.locator('#notifications').count()).toBe(0);
    expect(await page.locator('#messages, #outbox').count()).toBe(0);
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/555.?0123|2015550123|Notifications|added|turned on/);
    expect(text).toContain('+1••••••0123'); // the backup, masked, as the way out
    await shot('05-second-step');
  });

  test('a wrong authenticator code is refused and counted; the right one signs in', async () => {
    await enterCode(wrong());
    expect(await error()).toBe('That code is not right. 4 attempts left.');
    await shot('06-wrong-code');
    await enterCode(generateTotp(secret, { at: now }));
    expect(await flash()).toBe('Signed in.');
  });

  test('the same authenticator code is never accepted twice', async () => {
    const used = generateTotp(secret, { at: now });
    await signOut();
    await signIn();
    await enterCode(used);
    expect(await error()).toContain('already used');
    later(30);
    await enterCode(generateTotp(secret, { at: now }));
    expect(await flash()).toBe('Signed in.');
  });

  test('out of attempts on the app: nothing is "sent", and the app that failed is not offered as a way out', async () => {
    await signOut();
    later(31);
    await signIn();
    for (let i = 0; i < 5; i++) await enterCode(wrong());
    expect(await error()).toBe('Too many wrong codes. Wait for your app to show a new code, then try again.');
    expect(await page.locator('#verify').count()).toBe(0);
    const offered = await buttons();
    expect(offered).toContain('Try again with my authenticator app');
    expect(offered).toContain('Text a code to +1••••••0123 instead');
    expect(offered.join('\n')).not.toMatch(/Send a new code|Use my authenticator app instead/);
    expect(await page.locator('main').innerText()).not.toMatch(/new code\.|Ask for a new/);
    await shot('07-attempts-exhausted');

    await page.click('#new-code');
    expect(await page.locator('#prompt').textContent()).toContain('authenticator app');
    later(30);
    await enterCode(generateTotp(secret, { at: now }));
    expect(await flash()).toBe('Signed in.');
  });

  test('locked out: the page says until when in local time, and offers only what can work', async () => {
    await signOut();
    later(31);
    await signIn();
    for (let i = 0; i < 5; i++) await enterCode(wrong());
    await page.click('#new-code');
    for (let i = 0; i < 5; i++) await enterCode(wrong());
    const { lockedUntil } = await app.twoStep.status('alice');
    expect(lockedUntil).toBe(now + 15 * 60_000);
    const locked = await page.locator('#locked').innerText();
    expect(locked).toMatch(
      /^Too many wrong codes\. For your safety, signing in is paused until .+ \(in 15 minutes\)\.$/,
    );
    expect(locked).toContain(shanghaiClock(lockedUntil!)); // 8:15 PM in Shanghai, not 12:15 UTC
    expect(locked).not.toMatch(/UTC|Z\b|\d{4}-\d\d-\d\dT/);
    // Nothing that cannot work: no code box, no new code, no device buttons; only leaving.
    expect(await page.locator('#verify').count()).toBe(0);
    expect(await buttons()).toEqual(['Cancel']);
    await shot('08-locked');

    // Leaving and signing in again with the right password lands on the same page, not on a code box.
    await page.click('#cancel');
    await signIn();
    expect(await page.locator('#locked').count()).toBe(1);
    expect(await buttons()).toEqual(['Cancel']);
    await page.click('#cancel');
    later(15 * 60);
    await signIn();
    await enterCode(generateTotp(secret, { at: now }));
    expect(await flash()).toBe('Signed in.');
  });

  test('without the app at hand, the backup phone gets the code instead', async () => {
    await signOut();
    later(31);
    await signIn();
    await page.click('.switch button[data-kind=sms]');
    expect(await page.locator('#prompt').textContent()).toBe(
      'Enter the code we sent by text message to +1••••••0123.',
    );
    expect(await buttons()).toContain('Use my authenticator app instead');
    await shot('09-backup-phone');
    await enterCode(await latestSms());
    expect(await flash()).toBe('Signed in.');
  });

  test('the backup phone becomes primary; the notifications say so, without codes', async () => {
    await page.click('#devices [data-role=backup] button[name=swap]');
    expect(await flash()).toBe('Primary device changed.');
    expect(await page.locator('#devices [data-role=primary]').getAttribute('data-kind')).toBe('sms');
    expect(await page.locator('#devices [data-role=backup]').getAttribute('data-kind')).toBe('authenticator');
    const notices = await page.locator('#notifications li').allInnerTexts();
    expect(notices.some((n) => n.startsWith('Primary device changed'))).toBe(true);
    expect(notices.some((n) => n.startsWith('Code sent by text message to +1••••••0123'))).toBe(true);
    const lock = notices.find((n) => n.startsWith('Too many wrong codes'));
    expect(lock).toMatch(/paused until .*\d:\d\d/);
    expect(notices.join('\n')).not.toMatch(/\b\d{6}\b|\d{4}-\d\d-\d\dT|UTC/); // no codes, no raw UTC
    await shot('10-primary-swapped');
  });

  test('asking for a text again within 30 s says when, and that the app needs no wait', async () => {
    await signOut();
    later(60);
    await signIn(); // texts a code
    expect(await page.locator('#prompt').textContent()).toContain('text message');
    await page.click('#new-code'); // "Send a new code" at once
    const message = await error();
    expect(message).toMatch(
      /^We sent a code moments ago\. You can ask for another at .+\d:\d\d.* \(in 30 seconds\)\./,
    );
    expect(message).not.toMatch(/Please wait|\d{4}-\d\d-\d\dT|UTC/);
    expect(message).toContain('The code we already sent still works: enter it.');
    expect(message).toContain('Your authenticator app needs no wait: you can use it now.');
    await shot('11-throttled');
    await page.click('.switch button[data-kind=authenticator]');
    expect(await page.locator('#prompt').textContent()).toContain('authenticator app');
    later(30);
    await enterCode(generateTotp(secret, { at: now }));
    expect(await flash()).toBe('Signed in.');
  });

  test('a remembered browser skips the second step until an abnormal sign-in, which forgets it', async () => {
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
    later(31); // past the text cooldown
    await signIn();
    expect(await page.locator('#prompt').textContent()).toContain('text message');
    await shot('12-reverification');
    await enterCode(await latestSms());
    expect(await flash()).toBe('Signed in.');
    // The demand ended the remembered browsers too: this one must pass the second step again.
    await signOut();
    later(3600); // past the hour's send cap of texts
    await signIn();
    expect(await page.locator('h1').textContent()).toContain('Sign in');
    expect(await page.locator('#prompt').textContent()).toContain('text message');
    await enterCode(await latestSms());
    expect(await flash()).toBe('Signed in.');
  });

  test('every form carries a CSRF token; a post without it, or with another session’s, changes nothing', async () => {
    const forms = page.locator('form[method=post]');
    const count = await forms.count();
    expect(count).toBeGreaterThanOrEqual(3);
    expect(await page.locator('form[method=post]:has(input[name=csrf])').count()).toBe(count);
    const mine = await page.locator('input[name=csrf]').first().inputValue();
    expect(mine).toMatch(/^[\w-]{43}$/);

    // What a forged cross-site form would send: the browser's cookies, but no token, or a guessed one.
    const bare = await page.request.post(`${origin}/disable`, { form: { confirm: 'yes' }, maxRedirects: 0 });
    expect(bare.status()).toBe(403);
    expect(await bare.text()).toContain('nothing was changed');
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(origin);
    const theirs = await otherPage.locator('#signin input[name=csrf]').inputValue();
    await other.close();
    const forged = await page.request.post(`${origin}/disable`, {
      form: { confirm: 'yes', csrf: theirs },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect((await app.twoStep.status('alice')).enabled).toBe(true);

    // Sign-in forms are protected too (login CSRF): a post with no session is refused.
    const fresh = await browser.newContext();
    const signin = await fresh.request.post(`${origin}/signin`, {
      form: { username: 'alice', password: 'correct horse battery' },
      maxRedirects: 0,
    });
    expect(signin.status()).toBe(403);
    await fresh.close();
  });

  test('removing a device asks first, and naming it', async () => {
    await page.click('#devices [data-role=backup] a.remove');
    expect(await page.locator('#confirm-remove').innerText()).toContain('Authenticator app (backup)');
    await shot('13-confirm-remove');
    await page.click('#confirm-no');
    expect(await page.locator('#devices tr[data-device]').count()).toBe(2);
  });

  test('locked out during a step-up: changes are paused until a local time, and only leaving is offered', async () => {
    later(3600); // past the recent verification, and past the hour's send cap
    await page.goto(origin);
    await page.click('#disable');
    await page.click('#confirm-yes');
    expect(await page.locator('h1').textContent()).toContain('Confirm it is you');
    for (let i = 0; i < 5; i++) await enterCode('000000');
    expect(await error()).toBe('Too many wrong codes for that code. Ask for a new one.');
    expect(await buttons()).toContain('Send a new code');
    later(31); // past the text cooldown
    await page.click('#new-code');
    for (let i = 0; i < 5; i++) await enterCode('000000');
    const { lockedUntil } = await app.twoStep.status('alice');
    const locked = await page.locator('#locked').innerText();
    expect(locked).toMatch(
      /^Too many wrong codes\. For your safety, changes to your devices are paused until /,
    );
    expect(locked).toContain(shanghaiClock(lockedUntil!));
    expect(await buttons()).toEqual(['Cancel']);
    await shot('14-step-up-locked');
    // Cancel returns to the settings, which say the same and offer no change that would be refused.
    await page.click('#cancel');
    expect(await page.locator('#status').textContent()).toBe('on');
    const banner = await page.locator('#locked').innerText();
    expect(banner).toContain(shanghaiClock(lockedUntil!));
    expect(banner).not.toMatch(/UTC|\d{4}-\d\d-\d\dT/);
    expect(
      await page
        .locator('#devices button, #devices a, #disable, #enroll-phone, #enroll-authenticator')
        .count(),
    ).toBe(0);
    await shot('15-settings-locked');
  });

  test('turning 2SV off asks to confirm, says what will be lost, needs a fresh code, then works', async () => {
    later(3600);
    await page.goto(origin);
    await page.click('#disable');
    const costs = await page.locator('#confirm-disable').innerText();
    expect(costs).toContain('2 devices will be removed from your account');
    expect(costs).toContain('Phone (text messages) +1••••••0123 (primary)');
    expect(costs).toContain('Authenticator app (backup)');
    expect(costs).toContain('Browsers you asked us to remember will be forgotten.');
    expect(costs).toContain('Signing in will need only your password');
    await shot('16-confirm-disable');
    await page.click('#confirm-no');
    expect(await page.locator('#status').textContent()).toBe('on');

    await page.click('#disable');
    await page.click('#confirm-yes');
    expect(await page.locator('h1').textContent()).toContain('Confirm it is you');
    expect(await error()).toBe('For your safety, confirm it is you with a fresh code first.');
    await shot('17-step-up');
    await enterCode(await latestSms());
    // Back on the confirmation, not silently done.
    expect(await flash()).toBe('Confirmed. You can make the change now.');
    expect(await page.locator('#confirm-disable').count()).toBe(1);
    await page.click('#confirm-yes');
    expect(await flash()).toBe('Two-step verification is off.');
    expect(await page.locator('#status').textContent()).toBe('off');
    expect((await page.locator('#notifications li').allInnerTexts())[0]).toMatch(
      /^Two-step verification turned off/,
    );
    await shot('18-two-step-off');
  });

  test('the words: one spelling, no lowercase "sms", no raw timestamps, no library codes', () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const { name, text } of seen) {
      expect(text, name).not.toMatch(/enrol/i); // neither "Enrolment" nor "enrollment": "set up", "add"
      expect(text, name).not.toMatch(/\bsms\b/); // "text message", or "SMS" where an acronym is meant
      expect(text, name).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:|[A-Z]{3,}_[A-Z]{3,}/);
      expect(text, name).not.toMatch(/\b2SV\b/);
    }
  });
});

// The same main flow for a reader whose browser asks for Chinese: every page in Chinese, a Chinese issuer and
// account in the QR code (read back by a real decoder), the demo phone receiving the Chinese text twosv's
// messages make, and the switch on every page moving the pages and the account's texts to English.
describe.runIf(hasBrowser())('the web demo in Chinese', () => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  let browser: Browser;
  let page: Page;
  let phone: Page;
  let origin: string;
  let app: { server: import('node:http').Server };
  const PHONE_CN = '+86 138 0013 8000'; // the example mainland mobile used throughout libphonenumber's tests
  const later = (seconds: number) => {
    now += seconds * 1000;
  };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    app = createDemoApp({ clock: () => now, issuer: '淘宝卖家' });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    // Playwright sends the context's locale as Accept-Language: zh-CN.
    const context = await browser.newContext({ timezoneId: TIME_ZONE, locale: 'zh-CN' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    phone = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
  });

  const flash = () => page.locator('#flash').textContent();
  const latest = async () => {
    await phone.goto(`${origin}/phone?number=${encodeURIComponent(PHONE_CN)}`);
    return phone.locator('#messages li .text').first().textContent();
  };
  const latestCode = async () =>
    /验证码(\d{6})|(\d{6}) is your/
      .exec((await latest()) ?? '')
      ?.slice(1)
      .find(Boolean) ?? '';
  let secret = '';

  test('sign up as 张三 and set up an authenticator app: the QR code carries 淘宝卖家 and 张三', async () => {
    await page.goto(origin);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('h1').textContent()).toBe('twosv 演示 · 欢迎');
    expect(await page.locator('#lang').textContent()).toBe('English');
    await page.fill('#signup [name=username]', '张三');
    await page.fill('#signup [name=password]', 'correct horse battery');
    await page.click('#signup button');
    expect(await page.locator('#status').textContent()).toBe('已关闭');
    expect(await page.locator('#next-step').textContent()).toBe('开启两步验证：请先添加主设备。');
    await page.click('#enroll-authenticator button');
    secret = (await page.locator('#secret').textContent()) ?? '';
    const uri = decodeQrSvg(await page.locator('#qr svg').evaluate((svg) => svg.outerHTML)) ?? '';
    expect(parseOtpauthUri(uri)).toMatchObject({ secret, account: '张三', issuer: '淘宝卖家' });
    expect(uri).toContain(encodeURIComponent('淘宝卖家'));
    await page.screenshot({ path: `${shots}zh-01-add-authenticator.png`, fullPage: true });
    await page.fill('#confirm [name=code]', generateTotp(secret, { at: now }));
    await page.click('#confirm button');
    expect(await flash()).toBe('设备已添加。');
  });

  test('a mainland backup phone gets the Chinese text, signed 【twosv演示】, in one SMS segment', async () => {
    await page.fill('#enroll-phone [name=phone]', PHONE_CN);
    await page.click('#enroll-phone button');
    expect(await page.locator('#pending').textContent()).toContain('138****8000');
    const text = (await latest()) ?? '';
    expect(text).toMatch(
      /^【twosv演示】验证码\d{6}，用于绑定验证设备，10分钟内有效。请勿泄露，工作人员不会索取。$/,
    );
    expect(text.length).toBeLessThanOrEqual(70);
    expect(await phone.locator('#phone-about').textContent()).toContain('不属于您的账号');
    await phone.screenshot({ path: `${shots}zh-02-demo-phone.png`, fullPage: true });
    await page.fill('#confirm [name=code]', await latestCode());
    await page.click('#confirm button');
    expect(await flash()).toBe('设备已添加。两步验证已开启。');
    expect(await page.locator('#status').textContent()).toBe('已开启');
  });

  test('signing in: a wrong code, then the backup phone, all in Chinese', async () => {
    await page.click('#sign-out');
    later(31);
    await page.goto(origin);
    await page.fill('#signin [name=username]', '张三');
    await page.fill('#signin [name=password]', 'correct horse battery');
    await page.click('#signin button');
    expect(await page.locator('#prompt').textContent()).toBe('请输入身份验证器应用显示的 6 位验证码。');
    const code = generateTotp(secret, { at: now });
    await page.fill('#verify [name=code]', code === '000000' ? '111111' : '000000');
    await page.click('#verify button');
    expect(await page.locator('#challenge-error').innerText()).toBe('验证码错误，还可尝试 4 次。');
    await page.click('.switch button[data-kind=sms]');
    expect(await page.locator('#prompt').textContent()).toBe(
      '请输入我们通过短信发送到 138****8000 的验证码。',
    );
    expect(await latest()).toMatch(/^【twosv演示】验证码\d{6}，用于登录，/);
    await page.screenshot({ path: `${shots}zh-03-second-step.png`, fullPage: true });
    await page.fill('#verify [name=code]', await latestCode());
    await page.click('#verify button');
    expect(await flash()).toBe('已登录。');
    const notices = await page.locator('#notifications li').allInnerTexts();
    expect(notices.some((n) => n.startsWith('验证码已通过短信发送至 138****8000'))).toBe(true);
  });

  test('the switch: English pages, and the account’s texts in English from then on; and back', async () => {
    await page.click('#lang');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#status').textContent()).toBe('on');
    expect(await page.locator('#lang').textContent()).toBe('中文');
    later(3600); // past the recent verification: removing a device asks for a fresh code
    await page.click('#devices [data-role=backup] a.remove');
    await page.click('#confirm-yes');
    expect(await page.locator('h1').textContent()).toContain('Confirm it is you');
    await page.click('.switch button[data-kind=sms]');
    expect(await latest()).toMatch(/^twosv demo: \d{6} is your sign-in code\./);
    await page.click('#lang');
    expect(await page.locator('h1').textContent()).toBe('twosv 演示 · 确认是您本人');
    await page.fill('#verify [name=code]', await latestCode());
    await page.click('#verify button');
    expect(await flash()).toBe('已确认。现在可以进行更改。');
    await page.screenshot({ path: `${shots}zh-04-switched-back.png`, fullPage: true });
  });
});
