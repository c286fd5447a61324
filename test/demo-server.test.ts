// The demo's server-side rules over HTTP, without a browser: user names are one account whatever their case,
// sign-in and sign-up are rate limited, sessions expire, and the language follows Accept-Language or the
// switch. Time is the demo's injected clock (sessions); the limiter counts in real time, so its limits are
// set small here.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
// @ts-expect-error: the demo is plain JavaScript
import { createDemoApp, DEMO_SUPPORT_PASSWORD, SESSION_IDLE_MS, SESSION_MAX_MS } from '../demo/app.mjs';
// @ts-expect-error: the demo is plain JavaScript
import { createMemoryLimits } from '../demo/limits.mjs';
// @ts-expect-error: the demo is plain JavaScript
import { LOCALES, TABLES } from '../demo/text.mjs';
import { generateTotp } from '../src/index.js';

type App = { server: import('node:http').Server };
const running: App[] = [];

async function start(options: Record<string, unknown> = {}) {
  const app: App = createDemoApp(options);
  running.push(app);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const app of running.splice(0)) await new Promise((resolve) => app.server.close(resolve));
});

/** A browser in miniature: a cookie jar, the page's CSRF token, the language it asks for. */
function visitor(origin: string, acceptLanguage = 'en-US,en;q=0.9') {
  const jar = new Map<string, string>();
  let csrf = '';
  async function request(path: string, init: RequestInit = {}) {
    const res = await fetch(origin + path, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        'accept-language': acceptLanguage,
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/Max-Age=0/.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const body = await res.text();
    csrf = /name="csrf" value="([\w-]+)"/.exec(body)?.[1] ?? csrf;
    return { status: res.status, location: res.headers.get('location'), body };
  }
  return {
    get: (path: string) => request(path),
    async post(path: string, form: Record<string, string>) {
      return request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, csrf }).toString(),
      });
    },
    /** Back to a signed-out welcome page (reading the signed-in page first, for its token). */
    async signOut() {
      await request('/');
      await this.post('/signout', {});
      await request('/');
    },
    async follow(path: string) {
      let res = await request(path);
      while (res.location) res = await request(res.location);
      return res;
    },
  };
}

const PASSWORD = 'correct horse battery';

describe('the demo server', () => {
  test('every text table has every key of the English one, and no other', () => {
    expect(LOCALES).toEqual(['en', 'zh-CN']);
    const keys = Object.keys(TABLES.en).sort();
    for (const locale of LOCALES) expect(Object.keys(TABLES[locale]).sort(), locale).toEqual(keys);
  });

  test('user names are one account whatever their case or width', async () => {
    const origin = await start();
    const a = visitor(origin);
    await a.get('/');
    expect((await a.post('/signup', { username: 'Alice', password: PASSWORD })).status).toBe(303);
    for (const name of ['alice', 'ALICE', 'ａｌｉｃｅ', ' Alice ']) {
      const b = visitor(origin);
      await b.get('/');
      const refused = await b.post('/signup', { username: name, password: 'another password' });
      expect(refused.status, name).toBe(400);
      expect(refused.body).toContain('must not be taken');
    }
    // Any case signs in to the one account, shown as first typed.
    const c = visitor(origin);
    await c.get('/');
    const signedIn = await c.post('/signin', { username: 'ALICE', password: PASSWORD });
    expect(signedIn.status).toBe(303);
    const home = await c.follow('/');
    expect(home.body).toContain('<span>Alice</span>');
    // Names in other scripts are fine; control characters and spaces inside are not.
    const d = visitor(origin);
    await d.get('/');
    expect((await d.post('/signup', { username: '张三', password: PASSWORD })).status).toBe(303);
    const e = visitor(origin);
    await e.get('/');
    expect((await e.post('/signup', { username: 'bad name', password: PASSWORD })).status).toBe(400);
  });

  test('wrong passwords for one account are limited; a right one is refused too once limited', async () => {
    const origin = await start({
      limits: createMemoryLimits({ signInFailures: { points: 3, duration: 600 } }),
    });
    const owner = visitor(origin);
    await owner.get('/');
    await owner.post('/signup', { username: 'bob', password: PASSWORD });
    const attacker = visitor(origin);
    await attacker.get('/');
    for (let i = 0; i < 3; i++) {
      expect((await attacker.post('/signin', { username: 'bob', password: `guess ${i}!` })).status).toBe(401);
    }
    const limited = await attacker.post('/signin', { username: 'BOB', password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body).toContain('Too many attempts');
    expect(limited.body).toMatch(/in (10 minutes|\d+ seconds)/);
    // Another account from the same address is not held by bob's limit.
    const carol = visitor(origin);
    await carol.get('/');
    await carol.post('/signup', { username: 'carol', password: PASSWORD });
    expect((await attacker.post('/signin', { username: 'carol', password: PASSWORD })).status).toBe(303);
  });

  test('a right password resets the failures of that account from that address', async () => {
    const origin = await start({
      limits: createMemoryLimits({ signInFailures: { points: 3, duration: 600 } }),
    });
    const v = visitor(origin);
    await v.get('/');
    await v.post('/signup', { username: 'dan', password: PASSWORD });
    await v.signOut();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++)
        expect((await v.post('/signin', { username: 'dan', password: 'wrong!!!' })).status).toBe(401);
      expect((await v.post('/signin', { username: 'dan', password: PASSWORD })).status).toBe(303);
      await v.signOut();
    }
  });

  test('all sign-in attempts from one address are limited, and so are sign-ups', async () => {
    const origin = await start({
      limits: createMemoryLimits({
        signInAddress: { points: 4, duration: 600 },
        signUpAddress: { points: 2, duration: 600 },
      }),
    });
    const v = visitor(origin);
    await v.get('/');
    for (let i = 0; i < 4; i++)
      expect((await v.post('/signin', { username: `user${i}`, password: PASSWORD })).status).toBe(401);
    expect((await v.post('/signin', { username: 'user9', password: PASSWORD })).status).toBe(429);
    expect((await v.post('/signup', { username: 'one', password: PASSWORD })).status).toBe(303);
    await v.signOut();
    expect((await v.post('/signup', { username: 'two', password: PASSWORD })).status).toBe(303);
    await v.signOut();
    const third = await v.post('/signup', { username: 'three', password: PASSWORD });
    expect(third.status).toBe(429);
    // Nothing was created by the refused sign-up.
    const w = visitor(origin);
    await w.get('/');
    expect((await w.post('/signup', { username: 'three', password: PASSWORD })).status).toBe(429);
  });

  test('sessions expire when idle and after their longest life', async () => {
    let now = Date.UTC(2026, 10, 29, 8, 0);
    const origin = await start({ clock: () => now });
    const v = visitor(origin);
    await v.get('/');
    await v.post('/signup', { username: 'erin', password: PASSWORD });
    now += SESSION_IDLE_MS - 1000;
    expect((await v.get('/')).body).toContain('id="status"'); // still signed in, and the idle time restarts
    now += SESSION_IDLE_MS - 1000;
    expect((await v.get('/')).body).toContain('id="status"');
    now += SESSION_IDLE_MS + 1;
    const expired = await v.follow('/');
    expect(expired.body).not.toContain('id="status"');
    expect(expired.body).toContain('Your session expired. Please sign in again.');

    // Active all along, a session still ends SESSION_MAX_MS after sign-in.
    await v.post('/signin', { username: 'erin', password: PASSWORD });
    const signedInAt = now;
    while (now + SESSION_IDLE_MS / 2 < signedInAt + SESSION_MAX_MS) {
      now += SESSION_IDLE_MS / 2;
      expect((await v.get('/')).body).toContain('id="status"');
    }
    now = signedInAt + SESSION_MAX_MS + 1;
    expect((await v.follow('/')).body).toContain('Your session expired.');
  });

  test('the language follows Accept-Language, then the switch, which also sets the account’s', async () => {
    const origin = await start();
    const zh = visitor(origin, 'zh-CN,zh;q=0.9,en;q=0.8');
    const welcome = await zh.get('/');
    expect(welcome.body).toContain('<html lang="zh-CN">');
    expect(welcome.body).toContain('注册账号');
    expect(welcome.body).toMatch(/id="lang"[^>]*>English</);
    const en = visitor(origin, 'fr-FR,fr;q=0.9');
    expect((await en.get('/')).body).toContain('Create an account'); // none fits: English
    // The switch returns to the same page, in the other language, and sticks.
    const switched = await en.get('/lang?to=zh-CN&back=%2Fphone%3Fnumber%3D1');
    expect(switched.status).toBe(303);
    expect(switched.location).toBe('/phone?number=1');
    expect((await en.get('/')).body).toContain('注册账号');
    // Only local paths: never a redirect to another site.
    expect((await en.get('/lang?to=en&back=%2F%2Fevil.example')).location).toBe('/');
    expect((await en.get('/lang?to=en&back=https%3A%2F%2Fevil.example')).location).toBe('/');
    expect((await en.get('/lang?to=xx')).location).toBe('/');
    expect((await en.get('/')).body).toContain('Create an account');
  });

  test('recovery codes: the settings warn once warnAt (3) or fewer are left, not before', async () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    const origin = await start({ clock: () => now });
    const v = visitor(origin);
    await v.get('/');
    await v.post('/signup', { username: 'rita', password: PASSWORD });
    await v.follow('/'); // the new session's token
    await v.post('/enroll/authenticator', { role: 'primary' });
    const secret = /id="secret">([A-Z2-7]+)</.exec((await v.get('/')).body)?.[1] ?? '';
    await v.post('/enroll/confirm', { code: generateTotp(secret, { at: now }) });
    await v.post('/enroll/phone', { role: 'backup', phone: '+1 201 555 0123', kind: 'sms' });
    const sms = (await v.get('/phone?number=%2B12015550123')).body;
    await v.post('/enroll/confirm', { code: /class="code-value">(\d{6})</.exec(sms)?.[1] ?? '' });
    const issued = (await v.post('/recovery/issue', {})).body;
    const codes = [...issued.matchAll(/<li><code>([0-9a-z-]{14})<\/code><\/li>/g)].map((m) => m[1] ?? '');
    expect(codes).toHaveLength(10);
    for (const [i, code] of codes.slice(0, 7).entries()) {
      await v.signOut();
      await v.post('/signin', { username: 'rita', password: PASSWORD });
      expect((await v.follow('/challenge')).body).toContain('Use a recovery code');
      await v.post('/challenge/recovery', { code });
      const settings = (await v.follow('/')).body;
      const left = 10 - (i + 1);
      expect(settings).toContain(`${left} unused codes left`);
      expect(settings.includes('id="recovery-low"'), `${left} left`).toBe(left <= 3);
      if (left <= 3) expect(settings).toContain('Few recovery codes are left: get a new set below.');
    }
  });

  test('the support page: its password guessing is limited, and a user without 2SV has nothing to reset', async () => {
    const origin = await start({
      limits: createMemoryLimits({ signInFailures: { points: 3, duration: 60 } }),
    });
    const user = visitor(origin);
    await user.get('/');
    await user.post('/signup', { username: 'sam', password: PASSWORD });
    const staff = visitor(origin);
    expect((await staff.get('/support')).body).toContain('REAL APP');
    const reset = (password: string) =>
      staff.post('/support', { password, username: 'sam', actor: 'jo', reason: 'ticket 1' });
    const nothing = await reset(DEMO_SUPPORT_PASSWORD);
    expect(nothing.status).toBe(404);
    expect(nothing.body).toContain('sam has never set up two-step verification: there is nothing to reset.');
    expect((await reset('guess 1')).status).toBe(401);
    expect((await reset('guess 2')).status).toBe(401);
    expect((await reset('guess 3')).status).toBe(401);
    const limited = await reset(DEMO_SUPPORT_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body).toContain('Too many attempts.');
    // A form from no session at all is refused (CSRF), whatever it says.
    const forged = await fetch(`${origin}/support`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        password: DEMO_SUPPORT_PASSWORD,
        username: 'sam',
        actor: 'x',
        reason: 'y',
      }),
    });
    expect(forged.status).toBe(403);
  });
});
