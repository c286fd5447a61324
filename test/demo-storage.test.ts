// Where the demo keeps things. `npm run demo` as a user runs it, twice on one data folder: an account with
// two-step verification on, its session and its devices survive a real process restart on the embedded
// PGlite database. Then the same app in process against the real PostgreSQL server (and Redis, for the
// engine's records and the limiter) that the test setup starts, and the SQL accounts and sessions on their
// own (one account whatever the case, the newest 30 notifications, expired sessions gone).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, inject, test } from 'vitest';
// @ts-expect-error: the demo is plain JavaScript
import { createDemoApp, sessionExpiry } from '../demo/app.mjs';
// @ts-expect-error: the demo is plain JavaScript
import { createSqlAccounts, createSqlSessions, openStorage, SCHEMA } from '../demo/storage.mjs';
import { generateTotp } from '../src/index.js';
import { freePort } from './support/servers.js';

const root = new URL('..', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
const PHONE = '+1 201 555 0123';
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A browser in miniature: cookies, the page's CSRF token, redirects followed by hand. */
function visitor(origin: string) {
  const jar = new Map<string, string>();
  let csrf = '';
  async function request(path: string, form?: Record<string, string>): Promise<string> {
    const res = await fetch(origin + path, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams({ ...form, csrf }).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [name = '', value = ''] = (line.split(';')[0] ?? '').split('=');
      if (/Max-Age=0/.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    let body = await res.text();
    const location = res.headers.get('location');
    if (location) body = await request(location);
    csrf = /name="csrf" value="([\w-]+)"/.exec(body)?.[1] ?? csrf;
    return body;
  }
  return { get: (path: string) => request(path), post: request };
}

const text = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
const latestSms = async (v: ReturnType<typeof visitor>) =>
  /class="code-value">(\d{6})</.exec(await v.get(`/phone?number=${encodeURIComponent(PHONE)}`))?.[1] ?? '';

/** Signs up, adds an authenticator app (primary) and a phone (backup): 2SV on. Returns the app's secret. */
async function signUpWithTwoStep(v: ReturnType<typeof visitor>, name: string, at: () => number) {
  await v.get('/');
  const settings = await v.post('/signup', { username: name, password: PASSWORD });
  expect(text(settings, 'status')).toBe('off');
  const pending = await v.post('/enroll/authenticator', { role: 'primary' });
  const secret = text(pending, 'secret') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await v.post('/enroll/confirm', { code: generateTotp(secret, { at: at() }) });
  await v.post('/enroll/phone', { role: 'backup', phone: PHONE, kind: 'sms' });
  const on = await v.post('/enroll/confirm', { code: await latestSms(v) });
  expect(text(on, 'status')).toBe('on');
  return secret;
}

/** Signs in through the second step with the backup phone. Returns the settings page. */
async function signInWithPhone(v: ReturnType<typeof visitor>, name: string) {
  await v.get('/');
  const challenge = await v.post('/signin', { username: name, password: PASSWORD });
  const deviceId = /name="deviceId" value="([^"]+)"><\s*button class="secondary" data-kind="sms"/.exec(
    challenge.replace(/\n\s*/g, ''),
  )?.[1];
  expect(deviceId).toBeDefined();
  await v.post('/challenge/switch', { deviceId: deviceId ?? '' });
  return v.post('/challenge/verify', { code: await latestSms(v) });
}

function startDemo(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['demo/main.mjs'], {
    cwd: root,
    env: { ...process.env, DEMO_DATA: dataDir, PORT: String(port), DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('accounts are kept in')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`demo exited (${code}): ${output}`)));
  });
}

const stopDemo = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('the demo keeps its data', () => {
  test('npm run demo on PGlite: an account with 2SV on, its session and devices survive a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'twosv-demo-'));
    folders.push(dataDir);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    let demo = await startDemo(dataDir, port);
    let secret = '';
    const alice = visitor(origin);
    try {
      secret = await signUpWithTwoStep(alice, 'Alice', Date.now);
      expect(await visitor(origin).get('/')).toContain(`kept in PGlite (${dataDir})`);
    } finally {
      expect(await stopDemo(demo)).toBe(0);
    }

    demo = await startDemo(dataDir, port);
    try {
      // The session survived: still signed in, 2SV still on, both devices there.
      const settings = await alice.get('/');
      expect(text(settings, 'status')).toBe('on');
      expect(settings.match(/<tr data-device=/g)).toHaveLength(2);
      // A new sign-in needs the second step, which works with the app set up before the restart (the code
      // of the next step: the current one was used to set it up, and the phone's cooldown is still on);
      // the name is one account whatever its case.
      const bob = visitor(origin);
      await bob.get('/');
      const challenge = await bob.post('/signin', { username: 'ALICE', password: PASSWORD });
      expect(text(challenge, 'prompt')).toBe('Enter the 6-digit code your authenticator app shows.');
      const after = await bob.post('/challenge/verify', {
        code: generateTotp(secret, { at: Date.now() + 30_000 }),
      });
      expect(text(after, 'flash')).toBe('Signed in.');
      expect(text(after, 'status')).toBe('on');
      // And the name is still taken.
      const carol = visitor(origin);
      await carol.get('/');
      expect(await carol.post('/signup', { username: 'alice', password: PASSWORD })).toContain(
        'must not be taken',
      );
    } finally {
      expect(await stopDemo(demo)).toBe(0);
    }
  });

  const postgres = inject('postgres');
  const redis = inject('redis');
  for (const [name, env] of [
    ['PostgreSQL (DATABASE_URL)', postgres && { DATABASE_URL: postgres.url }],
    [
      'PostgreSQL with the engine in Redis (REDIS_URL)',
      postgres && redis && { DATABASE_URL: postgres.url, REDIS_URL: redis.url },
    ],
  ] as const) {
    test.runIf(env)(`on the real server: ${name}`, async () => {
      let now = Date.now();
      const open = () => openStorage({ env: env!, clock: () => now, sessionExpiry });
      let storage = await open();
      let app = createDemoApp({ ...storage, clock: () => now });
      await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
      let origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const user = `pg-${name.length}-${now}`;
      const v = visitor(origin);
      try {
        await signUpWithTwoStep(v, user, () => now);
        const welcome = await visitor(origin).get('/');
        expect(welcome).toContain('kept in PostgreSQL');
        if (env!.REDIS_URL) expect(welcome).toContain('and Redis for two-step verification');
      } finally {
        await new Promise((resolve) => app.server.close(resolve));
        await storage.close();
      }
      // A second app on the same server: the same account, its 2SV on, its session valid.
      now += 31_000;
      storage = await open();
      app = createDemoApp({ ...storage, clock: () => now });
      await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      try {
        const w = visitor(origin);
        expect(text(await signInWithPhone(w, user.toUpperCase()), 'status')).toBe('on');
      } finally {
        await new Promise((resolve) => app.server.close(resolve));
        await storage.close();
      }
    });
  }
});

describe('the demo’s SQL records on PGlite', () => {
  test('one account whatever the case; the newest 30 notifications; sessions expire', async () => {
    const db = new PGlite();
    for (const statement of SCHEMA) await db.query(statement);
    const accounts = createSqlAccounts(db);
    const password = { salt: Buffer.alloc(16, 1), hash: Buffer.alloc(32, 2) };
    expect(await accounts.create('Alice', password, 'en')).toBe(true);
    expect(await accounts.create('ALICE', password, 'en')).toBe(false);
    expect(await accounts.get('alice')).toEqual({ name: 'Alice', locale: 'en', ...password });
    await accounts.setLocale('alice', 'zh-CN');
    expect(await accounts.locale('alice')).toBe('zh-CN');
    for (let i = 0; i < 40; i++) await accounts.notify('alice', { type: 'x', n: i });
    const kept = await accounts.notifications('alice');
    expect(kept.map((e: { n: number }) => e.n)).toEqual(Array.from({ length: 30 }, (_, i) => i + 10));

    let now = 1_000_000;
    const sessions = createSqlSessions(db, { expiresAt: sessionExpiry, clock: () => now });
    await sessions.set('s1', { user: 'alice', createdAt: now, seenAt: now });
    expect(await sessions.get('s1')).toEqual({ user: 'alice', createdAt: now, seenAt: now });
    now += 24 * 3600_000;
    await sessions.set('s2', { user: 'alice', createdAt: now, seenAt: now }); // sweeps expired rows
    expect(await sessions.get('s1')).toBeUndefined();
    await sessions.delete('s2');
    expect(await sessions.get('s2')).toBeUndefined();
    await db.close();
  });
});
