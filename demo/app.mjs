// The twosv demo: a small web app that runs two-step verification for its own accounts with the enrollment
// engine, the way an app developer would integrate it. Node's own `http`, no framework, no database.
//
// What a real app must do differently is marked "REAL APP".

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { createTwoStep, TwoSvError } from 'twosv';
import * as views from './views.mjs';

const hashPassword = promisify(scrypt);

/**
 * Builds the demo app. `clock` and `random` are passed to the engine so tests can move time.
 * @param {{ clock?: () => number, issuer?: string }} [options]
 */
export function createDemoApp(options = {}) {
  const clock = options.clock ?? Date.now;

  // REAL APP: users live in your database, with a slow salted password hash (scrypt/argon2) as here.
  /** @type {Map<string, { salt: Buffer, hash: Buffer }>} */
  const users = new Map();
  // REAL APP: sessions in a store, cookies with `Secure` over HTTPS; ids from the CSPRNG as here.
  /** @type {Map<string, { user: string, stage: 'signed-in' | 'second-step' | 'step-up', flash?: object, pending?: object, proof?: string }>} */
  const sessions = new Map();
  // Browsers that passed the second step and asked to be remembered: user -> tokens.
  // REAL APP: store a hash of the token with an expiry (say 30 days), and list them on the settings page.
  /** @type {Map<string, Set<string>>} */
  const trusted = new Map();
  // The demo's "phone" and the user's notification inbox.
  /** @type {Map<string, object[]>} */
  const outboxes = new Map();
  /** @type {Map<string, object[]>} */
  const inboxes = new Map();
  const push = (map, key, item) => map.set(key, [...(map.get(key) ?? []), item].slice(-30));

  const twoStep = createTwoStep({
    issuer: options.issuer ?? 'twosv demo',
    clock,
    // REAL APP: an SMS/voice provider here (and an e-mail sender for contacts). The engine calls this only
    // after its send limits allow it; if it throws, the engine undoes the send and reports SENDER_FAILED.
    sender: (message) => push(outboxes, message.userId, { ...message, at: clock() }),
    // REAL APP: e-mail or push the important ones (device added or removed, primary changed, 2SV off, lock).
    onEvent: (event) => push(inboxes, event.userId, event),
    // REAL APP: pass `store` (PostgreSQL, Redis) shared by all servers, `codeKey` from your secret manager,
    // and `secrets: { seal, open }` to encrypt authenticator secrets at rest. The demo keeps all in memory.
  });

  // ----- HTTP plumbing ------------------------------------------------------------------------------

  function session(req) {
    const sid = /(?:^|;\s*)sid=([\w-]{43})/.exec(req.headers.cookie ?? '')?.[1];
    return sid ? { sid, data: sessions.get(sid) } : { sid: undefined, data: undefined };
  }

  // REAL APP: add CSRF tokens to the forms; here SameSite=Strict cookies are the only defence.
  function startSession(res, data) {
    const sid = randomBytes(32).toString('base64url');
    sessions.set(sid, data);
    res.appendHeader('set-cookie', `sid=${sid}; HttpOnly; SameSite=Strict; Path=/`);
  }

  async function readForm(req) {
    let body = '';
    for await (const chunk of req) {
      body += chunk;
      if (body.length > 10_000) throw new Error('form too large');
    }
    return Object.fromEntries(new URLSearchParams(body));
  }

  const redirect = (res, to) => res.writeHead(303, { location: to }).end();
  const html = (res, text, status = 200) =>
    res
      .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(text);

  function side(user) {
    return views.outbox(outboxes.get(user) ?? []) + views.notifications(inboxes.get(user) ?? []);
  }

  /** A TwoSvError is the app sending something the policy refuses: show it as a message. */
  function explain(err) {
    if (!(err instanceof TwoSvError)) throw err;
    const text = {
      VERIFICATION_REQUIRED: 'For your safety, confirm it is you with a fresh code first.',
      LOCKED: 'Too many wrong codes: your devices cannot be changed until the lock ends.',
      INVALID_PHONE:
        'That does not look like a phone number. Use the international form, like +1 201 555 0100.',
      DUPLICATE_PHONE: 'The backup must be a different phone number from the primary.',
      BACKUP_KIND_NOT_ALLOWED: 'That kind of device cannot back up your primary device.',
      PRIMARY_KIND_NOT_ALLOWED: 'That kind of device cannot be the primary device.',
      PRIMARY_NOT_REMOVABLE: 'Make another device primary before removing this one.',
      ENROLLMENT_EXPIRED: 'That enrolment expired. Start again.',
      ENROLLMENT_NOT_FOUND: 'There is no enrolment waiting for a code.',
    }[err.code];
    return { error: true, text: text ?? `Refused (${err.code}).` };
  }

  const REASONS = {
    invalid: (r) => `That code is not right. ${r.attemptsLeft} attempt(s) left.`,
    replayed: () => 'That code was already used. Wait for the next one.',
    'attempts-exhausted': () => 'Too many wrong codes for this one. Ask for a new code.',
    expired: () => 'That code expired. Ask for a new one.',
    'no-challenge': () => 'No code is pending. Ask for a new one.',
    locked: (r) => `Too many wrong codes: locked until ${new Date(r.lockedUntil).toISOString()}.`,
    throttled: (r) =>
      `Please wait before asking for another code (until ${new Date(r.retryAt).toISOString()}).`,
  };
  const failure = (r) => REASONS[r.reason](r);

  // ----- routes ---------------------------------------------------------------------------------------

  async function route(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { sid, data } = session(req);
    const form = req.method === 'POST' ? await readForm(req) : {};
    const flash = data?.flash;
    if (data) data.flash = undefined;

    if (req.method === 'GET' && url.pathname === '/') {
      if (!data) return html(res, views.page({ title: 'Welcome', flash, body: views.welcome() }));
      if (data.stage === 'second-step' || data.stage === 'step-up') return redirect(res, '/challenge');
      const status = await twoStep.status(data.user);
      return html(
        res,
        views.page({
          title: 'Account security',
          user: data.user,
          flash,
          body: views.settings({ status, pending: data.pending }),
          side: side(data.user),
        }),
      );
    }

    if (req.method === 'POST' && url.pathname === '/signup') {
      const username = String(form.username ?? '').trim();
      const password = String(form.password ?? '');
      if (!/^[\w.@+-]{1,64}$/.test(username) || password.length < 8 || users.has(username)) {
        return html(
          res,
          views.page({
            title: 'Welcome',
            flash: {
              error: true,
              text: 'Pick another user name (letters, digits, . @ + -) and 8+ characters of password.',
            },
            body: views.welcome(),
          }),
          400,
        );
      }
      const salt = randomBytes(16);
      users.set(username, { salt, hash: await hashPassword(password, salt, 32) });
      startSession(res, { user: username, stage: 'signed-in' });
      return redirect(res, '/');
    }

    if (req.method === 'POST' && url.pathname === '/signin') {
      const username = String(form.username ?? '');
      const account = users.get(username);
      // REAL APP: rate-limit this step per account and per address; the engine throttles only the codes.
      const hash = await hashPassword(String(form.password ?? ''), account?.salt ?? randomBytes(16), 32);
      if (!account || !timingSafeEqual(hash, account.hash)) {
        return html(
          res,
          views.page({
            title: 'Welcome',
            flash: { error: true, text: 'Wrong user name or password.' },
            body: views.welcome(),
          }),
          401,
        );
      }
      const status = await twoStep.status(username);
      const token = /(?:^|;\s*)trust=([\w-]{43})/.exec(req.headers.cookie ?? '')?.[1];
      const rememberedHere = token !== undefined && (trusted.get(username)?.has(token) ?? false);
      // A remembered browser skips the second step, unless the engine demands a fresh one (after an
      // abnormal sign-in the app reported with requireReverification).
      if (!status.enabled || (rememberedHere && !status.reverificationRequired)) {
        startSession(res, {
          user: username,
          stage: 'signed-in',
          ...(status.enabled ? { flash: { text: 'Signed in: this browser is remembered.' } } : {}),
        });
        return redirect(res, '/');
      }
      // The password was right; the second step decides. One active code: this ends any earlier challenge.
      const started = await twoStep.beginChallenge(username);
      startSession(res, {
        user: username,
        stage: 'second-step',
        ...(started.ok ? {} : { flash: { error: true, text: failure(started) } }),
      });
      return redirect(res, '/challenge');
    }

    if (!data) return redirect(res, '/');
    const user = data.user;

    if (req.method === 'POST' && url.pathname === '/signout') {
      sessions.delete(sid);
      res.setHeader('set-cookie', 'sid=; Max-Age=0; Path=/');
      return redirect(res, '/');
    }

    if (url.pathname === '/challenge') {
      const status = await twoStep.status(user);
      return html(
        res,
        views.page({
          title: data.stage === 'step-up' ? 'Confirm it is you' : 'Sign in',
          user,
          body: views.challenge({ status, message: flash?.text }),
          side: side(user),
        }),
      );
    }

    if (req.method === 'POST' && url.pathname === '/challenge/switch') {
      // "I don't have my phone": a fresh challenge on the chosen device. Failures already counted still
      // count: switching never buys new attempts.
      const deviceId = form.deviceId ? String(form.deviceId) : undefined;
      const started = await twoStep.beginChallenge(user, deviceId ? { deviceId } : {});
      if (!started.ok) data.flash = { error: true, text: failure(started) };
      return redirect(res, '/challenge');
    }

    if (req.method === 'POST' && url.pathname === '/challenge/verify') {
      const result = await twoStep.verify(user, String(form.code ?? ''));
      if (!result.ok) {
        data.flash = { error: true, text: failure(result) };
        return redirect(res, '/challenge');
      }
      if (form.remember === 'on') {
        const token = randomBytes(32).toString('base64url');
        trusted.set(user, (trusted.get(user) ?? new Set()).add(token));
        res.appendHeader('set-cookie', `trust=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000`);
      }
      // A new session id after the second step.
      sessions.delete(sid);
      const text = data.stage === 'step-up' ? 'Confirmed. You can make the change now.' : 'Signed in.';
      // The step-up proof belongs to this session only: sensitive changes from it pass it.
      startSession(res, { user, stage: 'signed-in', flash: { text }, proof: result.proof });
      return redirect(res, '/');
    }

    // Everything below is for signed-in users only.
    if (data.stage !== 'signed-in') return redirect(res, '/challenge');

    try {
      if (req.method === 'POST' && url.pathname === '/enroll/authenticator') {
        const enrollment = await twoStep.enrollAuthenticator(user, {
          account: user,
          role: form.role,
          proof: data.proof,
        });
        // Shown once, on this page; the engine keeps the secret (sealed, in a real app).
        data.pending = { kind: 'authenticator', secret: enrollment.secret, qrSvg: enrollment.qrSvg };
      } else if (req.method === 'POST' && url.pathname === '/enroll/phone') {
        const started = await twoStep.enrollPhone(user, {
          phone: String(form.phone ?? ''),
          kind: form.kind === 'voice' ? 'voice' : 'sms',
          role: form.role,
          proof: data.proof,
        });
        if (started.ok) data.pending = { kind: started.enrollment.kind, phone: started.enrollment.phone };
        else data.flash = { error: true, text: failure(started) };
      } else if (req.method === 'POST' && url.pathname === '/enroll/confirm') {
        const result = await twoStep.confirmEnrollment(user, String(form.code ?? ''));
        if (result.ok) {
          if (result.proof) data.proof = result.proof; // turning 2SV on verifies this session
          data.pending = undefined;
          data.flash = {
            text: result.enabled ? 'Device added. Two-step verification is on.' : 'Device added.',
          };
        } else {
          data.flash = { error: true, text: failure(result) };
        }
      } else if (req.method === 'POST' && url.pathname === '/enroll/cancel') {
        data.pending = undefined;
      } else if (req.method === 'POST' && url.pathname === '/devices/swap') {
        await twoStep.swapPrimary(user, { deviceId: String(form.deviceId), proof: data.proof });
        data.flash = { text: 'Primary device changed.' };
      } else if (req.method === 'POST' && url.pathname === '/devices/remove') {
        await twoStep.removeDevice(user, String(form.deviceId), { proof: data.proof });
        data.flash = { text: 'Device removed.' };
      } else if (req.method === 'POST' && url.pathname === '/disable') {
        await twoStep.disable(user, { proof: data.proof });
        trusted.delete(user);
        data.flash = { text: 'Two-step verification is off.' };
      } else if (req.method === 'POST' && url.pathname === '/simulate-abnormal') {
        // REAL APP: call this when your risk checks flag a sign-in (new country, impossible travel...).
        await twoStep.requireReverification(user, { reason: 'sign-in from a new device' });
        sessions.delete(sid);
        res.setHeader('set-cookie', 'sid=; Max-Age=0; Path=/');
        return redirect(res, '/');
      } else {
        return html(
          res,
          views.page({ title: 'Not found', user, body: '<section>Not found.</section>' }),
          404,
        );
      }
    } catch (err) {
      const explained = explain(err);
      if (err.code === 'VERIFICATION_REQUIRED') {
        // A sensitive change needs a recent second step: challenge the primary, then come back.
        const started = await twoStep.beginChallenge(user);
        data.stage = 'step-up';
        data.flash = started.ok ? explained : { error: true, text: failure(started) };
        return redirect(res, '/challenge');
      }
      data.flash = explained;
    }
    return redirect(res, '/');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err) => {
      // Never show internals (or secrets) to the browser.
      console.error('demo: request failed:', err instanceof TwoSvError ? err.code : err);
      if (!res.headersSent)
        html(res, views.page({ title: 'Error', body: '<section>Something went wrong.</section>' }), 500);
    });
  });

  return { server, twoStep, outboxes, inboxes };
}
