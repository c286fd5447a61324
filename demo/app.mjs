// The twosv demo: a small web app that runs two-step verification for its own accounts with the enrollment
// engine, the way an app developer would integrate it. Node's own `http`, no framework.
//
// Layout: `text.mjs` holds every word a user reads, in English and Chinese; `accounts.mjs` the app's
// accounts and sessions (behind async interfaces, in memory there); `limits.mjs` the sign-in and sign-up rate
// limits; `storage.mjs` all of it (and the engine's records) in PGlite, PostgreSQL or Redis; `handset.mjs` the
// demo phone, a stand-in for real handsets, apart from the accounts; `views.mjs` the HTML. What a real app must
// do differently is marked "REAL APP".

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { createMessages, createTwoStep, normalizePhone, pickLocale, TwoSvError } from 'twosv';
import { accountId, createMemoryAccounts, createMemorySessions } from './accounts.mjs';
import { createHandsets } from './handset.mjs';
import { createMemoryLimits } from './limits.mjs';
import { LOCALES, translator } from './text.mjs';
import * as views from './views.mjs';

const hashPassword = promisify(scrypt);
// Sessions end after this long without a request, and this long after sign-in whatever happens.
export const SESSION_IDLE_MS = 2 * 3600 * 1000;
export const SESSION_MAX_MS = 12 * 3600 * 1000;
/** When a session record expires: the earlier of its idle and its longest life. */
export const sessionExpiry = (data) =>
  Math.min(data.seenAt + SESSION_IDLE_MS, data.createdAt + SESSION_MAX_MS);
const token = () => randomBytes(32).toString('base64url');
/**
 * The demo's support password, when neither the `supportPassword` option nor `DEMO_SUPPORT_PASSWORD` is set.
 * REAL APP: no shared password: support resets belong in your staff console, behind its own sign-in.
 */
export const DEMO_SUPPORT_PASSWORD = 'demo-support';
/** Activity entries per page of "Recent activity". */
export const ACTIVITY_PAGE = 10;

/** Constant-time equality of two strings (the CSRF token check). */
function sameToken(a, b) {
  const x = Buffer.from(String(a ?? ''));
  const y = Buffer.from(String(b ?? ''));
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Builds the demo app. `clock` is passed to the engine so tests can move time; `accounts`, `sessions` and
 * `limits` replace the in-memory records and counters (see `accounts.mjs`, `limits.mjs`, `storage.mjs`),
 * `store` the engine's `MemoryStore`; `where` says on the welcome page where accounts are kept;
 * `supportPassword` guards the `/support` page (default {@link DEMO_SUPPORT_PASSWORD}).
 * @param {{ clock?: () => number, issuer?: string, accounts?: object, sessions?: object, limits?: object,
 *   store?: import('twosv').Store, codeKey?: string, where?: string, supportPassword?: string }} [options]
 */
export function createDemoApp(options = {}) {
  const clock = options.clock ?? Date.now;
  const issuer = options.issuer ?? 'twosv demo';
  // REAL APP: accounts in your database, with a slow salted password hash (scrypt/argon2) as here.
  const accounts = options.accounts ?? createMemoryAccounts();
  // REAL APP: sessions in a store shared by your servers, cookies with `Secure` over HTTPS.
  const sessions = options.sessions ?? createMemorySessions();
  // Sign-in and sign-up attempts, counted where the rest is kept (rate-limiter-flexible).
  const limits = options.limits ?? createMemoryLimits();
  const handsets = createHandsets();
  const supportPassword = options.supportPassword ?? DEMO_SUPPORT_PASSWORD;
  // The texts that carry codes, in each user's language: twosv's ready-made ones, as a real sender would use.
  const messages = createMessages({ brand: { en: 'twosv demo', 'zh-CN': 'twosv演示' } });

  const twoStep = createTwoStep({
    issuer,
    clock,
    // REAL APP: an SMS/voice provider here (and an e-mail sender for contacts). The engine calls this only
    // after its send limits allow it; if it throws, the engine undoes the send and reports SENDER_FAILED.
    sender: async (message) => {
      const locale = await accounts.locale(message.userId);
      handsets.deliver({ ...message, text: messages.codeText(message, { locale, at: clock() }) }, clock());
    },
    // REAL APP: e-mail or push the important ones (device added or removed, primary changed, 2SV off, lock).
    onEvent: (event) => accounts.notify(event.userId, event),
    // REAL APP: a `store` shared by all servers (the demo's is PGlite, PostgreSQL or Redis, see storage.mjs),
    // `codeKey` from your secret manager, and `secrets: { seal, open }` to encrypt authenticator secrets at rest.
    ...(options.store ? { store: options.store, codeKey: options.codeKey } : {}),
  });

  // ----- HTTP plumbing ------------------------------------------------------------------------------

  const cookie = (req, name) =>
    new RegExp(`(?:^|;\\s*)${name}=([\\w-]{43})(?:;|$)`).exec(req.headers.cookie ?? '')?.[1];
  // A remembered browser's token, from the engine (`<id>.<secret>`, rotated at each use).
  const trustCookie = (req) =>
    /(?:^|;\s*)trust=([0-9a-f]{18}\.[0-9a-f]{64})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1];
  const setTrust = (res, token, expiresAt) =>
    res.appendHeader(
      'set-cookie',
      `trust=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor((expiresAt - clock()) / 1000))}`,
    );

  /** A new session (new id, new CSRF token): on first visit, and again after each sign-in step. */
  async function startSession(ctx, data) {
    if (ctx.sid) await sessions.delete(ctx.sid);
    ctx.sid = token();
    ctx.data = { ...data, csrf: token(), createdAt: clock() };
    ctx.res.appendHeader('set-cookie', `sid=${ctx.sid}; HttpOnly; SameSite=Strict; Path=/`);
  }

  async function endSession(ctx) {
    if (ctx.sid) await sessions.delete(ctx.sid);
    ctx.sid = undefined;
    ctx.data = undefined;
    ctx.res.appendHeader('set-cookie', 'sid=; Max-Age=0; Path=/');
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
      .writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      })
      .end(text);

  /**
   * A message for the next page: a text key with parameters, and moments (ms) shown in the reader's local
   * time, each with a `wait` ("in 40 seconds"). Kept as keys in the session, rendered in the reader's
   * language when shown.
   */
  const notice = (key, { params = {}, times = {}, error = false, extra = [] } = {}) => ({
    key,
    params,
    times,
    error,
    extra,
  });
  function render(t, n) {
    const now = clock();
    const lines = [n.key, ...n.extra].map((key) => {
      const html = Object.fromEntries(Object.entries(n.times).map(([k, ms]) => [k, views.localTime(ms)]));
      const waits = Object.values(n.times).map((ms) => views.waitText(t, ms, now));
      return views.rich(t, key, { ...n.params, ...(waits.length ? { wait: waits[0] } : {}) }, html);
    });
    return { error: n.error, html: lines };
  }

  /** A TwoSvError is the app asking for something the policy refuses: say so in the user's words. */
  function explain(err) {
    if (!(err instanceof TwoSvError)) throw err;
    const key = `error.${err.code}`;
    try {
      translator('en')(key);
      return notice(key, { error: true });
    } catch {
      return notice('error.other', { error: true });
    }
  }

  /** Why a code was not accepted or not sent, for the device it was about (or the kind being set up). */
  async function failure(user, r, deviceId, kind) {
    const status = await twoStep.status(user);
    const device = status.devices.find((d) => d.id === deviceId);
    const family = (kind ?? device?.kind) === 'authenticator' ? 'authenticator' : 'phone';
    switch (r.reason) {
      case 'invalid':
      case 'replayed':
        return notice(`reason.${r.reason}`, { params: { attemptsLeft: r.attemptsLeft }, error: true });
      case 'attempts-exhausted':
      case 'expired':
        return notice(`reason.${r.reason}.${family}`, { error: true });
      case 'throttled': {
        const extra = [];
        if (status.challenge && status.challenge.deviceId === deviceId)
          extra.push('reason.throttled.still-valid');
        if (status.devices.some((d) => d.confirmed && d.kind === 'authenticator' && d.id !== deviceId)) {
          extra.push('reason.throttled.app-hint');
        }
        const key = r.limit === 'cooldown' ? 'reason.throttled' : 'reason.throttled.daily';
        return notice(key, { times: { at: r.retryAt }, error: true, extra });
      }
      case 'locked':
        // The challenge page says it from the status; elsewhere (setting up a device) say it here.
        return deviceId === undefined ? notice('error.LOCKED', { error: true }) : undefined;
      default:
        return notice('reason.no-challenge', { error: true });
    }
  }

  /** Starts a challenge on a device (the primary when none is given) and remembers which, for the page. */
  async function challenge(ctx, deviceId) {
    const user = ctx.data.user;
    const started = await twoStep.beginChallenge(user, deviceId ? { deviceId } : {});
    const primary = (await twoStep.status(user)).devices.find((d) => d.role === 'primary')?.id;
    ctx.data.challengeDevice = started.ok ? started.challenge.deviceId : (deviceId ?? primary);
    ctx.data.notice = started.ok ? undefined : await failure(user, started, ctx.data.challengeDevice);
  }

  /** A sensitive change needs a recent second step: challenge the primary, then come back to `returnTo`. */
  async function stepUp(ctx, returnTo, reason) {
    await challenge(ctx, undefined);
    ctx.data.stage = 'step-up';
    ctx.data.returnTo = returnTo;
    ctx.data.notice ??= reason;
    return redirect(ctx.res, '/challenge');
  }

  const page = (ctx, { title, body, side, status = 200, flash }) => {
    const shown = flash ?? ctx.data?.flash;
    if (ctx.data) ctx.data.flash = undefined;
    return html(
      ctx.res,
      views.page({
        t: ctx.t,
        here: ctx.here,
        title,
        body,
        side,
        user: ctx.data && ctx.data.stage !== 'anonymous' ? ctx.data.name : undefined,
        csrf: ctx.data?.csrf ?? '',
        flash: shown && render(ctx.t, shown),
      }),
      status,
    );
  };

  /** Counts an attempt against each `[limiter, key]`; the wait (ms) when one is used up, else undefined. */
  async function overLimit(checks) {
    for (const [limiter, key] of checks) {
      try {
        await limiter.consume(key);
      } catch (refused) {
        if (refused instanceof Error) throw refused; // the limiter's store failed: a 500, not a pass
        return refused.msBeforeNext;
      }
    }
    return undefined;
  }

  const tooMany = (ctx, wait) =>
    page(ctx, {
      title: ctx.t('title.too-many'),
      body: views.welcome({ t: ctx.t, csrf: ctx.data.csrf, where: options.where }),
      flash: notice('too-many', { times: { at: clock() + wait }, error: true }),
      status: 429,
    });

  /**
   * The support page: its form, and with the right support password, the reset of the named user
   * (`adminReset`, with who did it and why, which go into the user's activity log).
   */
  async function support(ctx, form, context) {
    const { t } = ctx;
    const values = {
      username: String(form.username ?? '').slice(0, 100),
      actor: String(form.actor ?? '')
        .normalize('NFKC')
        .trim(),
      reason: String(form.reason ?? '')
        .normalize('NFKC')
        .trim(),
    };
    const show = (flash, status = 200) =>
      page(ctx, {
        title: t('title.support'),
        body: views.support({ t, csrf: ctx.data.csrf, values: flash?.error ? values : {} }),
        flash,
        status,
      });
    if (ctx.req.method === 'GET') return show(undefined);
    // Guessing the support password is limited like guessing a user's.
    const key = `support|${context.ip}`;
    const wait = await overLimit([[limits.signInFailures, key]]);
    if (wait !== undefined)
      return show(notice('too-many', { times: { at: clock() + wait }, error: true }), 429);
    if (!sameToken(form.password, supportPassword)) {
      return show(notice('support.bad-password', { error: true }), 401);
    }
    await limits.signInFailures.delete(key);
    const id = accountId(values.username);
    const account = await accounts.get(id);
    if (!account) return show(notice('support.no-account', { error: true }), 404);
    const { actor, reason } = values;
    if (actor.length < 1 || actor.length > 200 || reason.length < 1 || reason.length > 500) {
      return show(notice('support.bad-form', { error: true }), 400);
    }
    try {
      await twoStep.adminReset(id, { actor, reason, context });
    } catch (err) {
      if (err instanceof TwoSvError && err.code === 'UNKNOWN_USER') {
        return show(notice('support.no-record', { params: { name: account.name }, error: true }), 404);
      }
      return show(explain(err), 400);
    }
    // REAL APP: also end the user's signed-in sessions (the demo's are not indexed by user), and tell the
    // user through every channel you have. What was removed, from the reset's own entry in the user's log:
    const log = await twoStep.activity(id, { limit: 20 });
    const entry = log.entries.find((e) => e.type === 'two-step-reset');
    return show(
      notice('support.done', {
        params: { name: account.name, devices: entry?.devices.length ?? 0, codes: entry?.recoveryCodes ?? 0 },
      }),
    );
  }

  // ----- routes ---------------------------------------------------------------------------------------

  async function route(ctx) {
    const { req, res, t } = ctx;
    const url = new URL(req.url ?? '/', 'http://localhost');

    // The language switch, on every page: a cookie for this browser, and the account's language (the one
    // its texts and calls use) when signed in.
    if (req.method === 'GET' && url.pathname === '/lang') {
      const to = LOCALES.find((l) => l === url.searchParams.get('to')) ?? 'en';
      res.appendHeader('set-cookie', `lang=${to}; SameSite=Lax; Path=/; Max-Age=31536000`);
      if (ctx.data?.user && ctx.data.stage !== 'anonymous') await accounts.setLocale(ctx.data.user, to);
      const back = url.searchParams.get('back') ?? '/';
      return redirect(res, /^\/(?![/\\])/.test(back) ? back : '/');
    }

    // The demo phone stands in for the user's handsets. It shows only what was sent for the account signed
    // in on this browser (past its password, so during the second step too), to the number asked for: a
    // visitor cannot read another account's codes by typing its number.
    if (req.method === 'GET' && url.pathname === '/phone') {
      const owner = ctx.data && ctx.data.stage !== 'anonymous' ? ctx.data.user : undefined;
      const raw = url.searchParams.get('number');
      let number;
      let error;
      if (raw && owner) {
        try {
          number = normalizePhone(raw);
        } catch {
          error = t('phone.bad-number');
        }
      }
      const body = views.phone({
        t,
        owner: owner !== undefined,
        number: number ?? raw,
        numbers: owner ? handsets.numbers(owner) : [],
        messages: number ? handsets.messages(number, owner) : [],
        error,
      });
      return html(res, views.page({ t, here: ctx.here, title: t('title.phone'), body }));
    }

    const form = req.method === 'POST' ? await readForm(req) : {};
    if (req.method === 'POST' && !(ctx.data && sameToken(form.csrf, ctx.data.csrf))) {
      // The synchronizer token: every form carries the session's token, which another site cannot read.
      return html(
        res,
        views.page({
          t,
          here: ctx.here,
          title: t('title.forbidden'),
          body: `<section id="forbidden">${views.esc(t('forbidden'))}</section>`,
        }),
        403,
      );
    }

    // The address attempts come from, and what the activity log keeps of each request (shown to the user on
    // "Recent activity"). REAL APP: behind a proxy, the client address it reports.
    const address = req.socket.remoteAddress ?? 'unknown';
    const context = {
      ip: address.slice(0, 64),
      userAgent: String(req.headers['user-agent'] ?? '')
        .replace(/[^\x20-\x7e]/g, '')
        .slice(0, 512),
    };

    // Support's reset of a user who lost every device and every recovery code. REAL APP: this is your staff
    // console, with its own sign-in and the identity checks it takes to trust a caller; never a page of the
    // user-facing app behind a shared password, as here.
    if (url.pathname === '/support' && (req.method === 'GET' || req.method === 'POST')) {
      if (!ctx.data) await startSession(ctx, { stage: 'anonymous' });
      return support(ctx, form, context);
    }

    if (!ctx.data || ctx.data.stage === 'anonymous') {
      if (req.method === 'GET' && url.pathname === '/') {
        // A session from the first visit, so that the sign-in and sign-up forms carry a token too.
        if (!ctx.data) await startSession(ctx, { stage: 'anonymous' });
        return page(ctx, {
          title: t('title.welcome'),
          body: views.welcome({ t, csrf: ctx.data.csrf, where: options.where }),
          ...(ctx.expired ? { flash: notice('session.expired', { error: true }) } : {}),
        });
      }
      if (!ctx.data) return redirect(res, '/');
    }
    const data = ctx.data;

    if (req.method === 'POST' && url.pathname === '/signup' && data.stage === 'anonymous') {
      const wait = await overLimit([[limits.signUpAddress, address]]);
      if (wait !== undefined) return tooMany(ctx, wait);
      // One name whatever its case or width: `Alice`, `alice` and `ａｌｉｃｅ` are one account.
      const name = String(form.username ?? '')
        .normalize('NFKC')
        .trim();
      const password = String(form.password ?? '');
      const salt = randomBytes(16);
      const ok =
        /^[\p{L}\p{N}_.@+-]{1,64}$/u.test(name) &&
        password.length >= 8 &&
        (await accounts.create(name, { salt, hash: await hashPassword(password, salt, 32) }, t.locale));
      if (!ok) {
        return page(ctx, {
          title: t('title.welcome'),
          body: views.welcome({ t, csrf: data.csrf, where: options.where }),
          flash: notice('welcome.bad-signup', { error: true }),
          status: 400,
        });
      }
      await startSession(ctx, { user: accountId(name), name, stage: 'signed-in' });
      return redirect(res, '/');
    }

    if (req.method === 'POST' && url.pathname === '/signin' && data.stage === 'anonymous') {
      const id = accountId(String(form.username ?? ''));
      // Password guessing: failures per account name from one address, and all attempts per address.
      const pair = `${id.slice(0, 200)}|${address}`;
      const wait = await overLimit([
        [limits.signInAddress, address],
        [limits.signInFailures, pair],
      ]);
      if (wait !== undefined) return tooMany(ctx, wait);
      const account = await accounts.get(id);
      const hash = await hashPassword(String(form.password ?? ''), account?.salt ?? randomBytes(16), 32);
      if (!account || !timingSafeEqual(hash, account.hash)) {
        return page(ctx, {
          title: t('title.welcome'),
          body: views.welcome({ t, csrf: data.csrf, where: options.where }),
          flash: notice('welcome.bad-signin', { error: true }),
          status: 401,
        });
      }
      // The password was right: its failures from this address start again from zero.
      await limits.signInFailures.delete(pair);
      const username = id;
      const status = await twoStep.status(username);
      // A remembered browser skips the second step, unless the engine demands a fresh one (after an
      // abnormal sign-in the app reported with requireReverification), or the token is old, revoked or
      // expired. Each use rotates the token: the cookie gets the new one.
      const trust = trustCookie(req);
      let remembered = false;
      if (status.enabled && trust !== undefined) {
        const used = await twoStep.useRememberToken(username, trust);
        if (used.ok) {
          remembered = true;
          setTrust(res, used.token, used.browser.expiresAt);
        }
      }
      if (!status.enabled || remembered) {
        await startSession(ctx, {
          user: username,
          name: account.name,
          stage: 'signed-in',
          ...(status.enabled ? { flash: notice('flash.remembered') } : {}),
        });
        return redirect(res, '/');
      }
      // The password was right; the second step decides. One active code: this ends any earlier challenge.
      await startSession(ctx, { user: username, name: account.name, stage: 'second-step' });
      await challenge(ctx, undefined);
      return redirect(res, '/challenge');
    }

    if (data.stage === 'anonymous') return redirect(res, '/');
    const user = data.user;

    if (req.method === 'POST' && url.pathname === '/signout') {
      await endSession(ctx);
      return redirect(res, '/');
    }

    if (req.method === 'GET' && url.pathname === '/') {
      if (data.stage !== 'signed-in') return redirect(res, '/challenge');
      const status = await twoStep.status(user);
      const browsers = await twoStep.rememberedBrowsers(user);
      return page(ctx, {
        title: t('title.security'),
        body: views.settings({
          t,
          csrf: data.csrf,
          now: clock(),
          status,
          pending: data.pending,
          browsers,
          thisBrowser: trustCookie(req)?.split('.')[0],
          warnAt: twoStep.policy.recoveryCodes.warnAt,
        }),
        side: views.notifications({ t, events: await accounts.notifications(user) }),
      });
    }

    if (url.pathname.startsWith('/challenge') && data.stage === 'signed-in') return redirect(res, '/');

    if (req.method === 'GET' && url.pathname === '/challenge') {
      // Only what the second step needs: nothing of the account's history before it is passed.
      const status = await twoStep.status(user);
      const confirmed = status.devices.filter((d) => d.confirmed);
      const byId = (id) => confirmed.find((d) => d.id === id);
      const current = status.challenge ? byId(status.challenge.deviceId) : undefined;
      const last = byId(data.challengeDevice);
      const shown = data.notice;
      data.notice = undefined;
      data.flash = undefined;
      return page(ctx, {
        title: t(data.stage === 'step-up' ? 'title.step-up' : 'title.sign-in'),
        body: views.challenge({
          t,
          csrf: data.csrf,
          now: clock(),
          stepUp: data.stage === 'step-up',
          locked: status.locked ? status.lockedUntil : null,
          current: current ?? null,
          last: last ?? null,
          others: confirmed.filter((d) => d.id !== (current ?? last)?.id),
          // A recovery code replaces a device code at sign-in (where lost devices are met), not in a step-up.
          recovery: data.stage === 'second-step',
          recoveryOpen: shown?.key === 'reason.recovery-invalid',
          notice: shown ? render(t, shown).html : undefined,
        }),
      });
    }

    if (req.method === 'POST' && url.pathname === '/challenge/switch') {
      // "I don't have my phone", or "send a new code": a fresh challenge on the chosen device. Failures
      // already counted still count: switching never buys new attempts.
      await challenge(ctx, form.deviceId ? String(form.deviceId) : undefined);
      return redirect(res, '/challenge');
    }

    if (req.method === 'POST' && url.pathname === '/challenge/cancel') {
      // Leaving a step-up returns to the settings; leaving the sign-in signs out.
      if (data.stage === 'step-up') {
        Object.assign(data, { stage: 'signed-in', returnTo: undefined, notice: undefined });
        return redirect(res, '/');
      }
      await endSession(ctx);
      return redirect(res, '/');
    }

    if (req.method === 'POST' && url.pathname === '/challenge/verify') {
      const result = await twoStep.verify(user, String(form.code ?? ''), { context });
      if (!result.ok) {
        data.notice = await failure(user, result, data.challengeDevice);
        return redirect(res, '/challenge');
      }
      if (form.remember === 'on') {
        // Listed on the settings page (rememberedBrowsers) under this label, where the user can revoke it.
        // REAL APP: also revokeRememberedBrowsers(user, { reason: 'password-changed', context }) on a password change.
        const remembered = await twoStep.rememberBrowser(user, {
          label: views.browserLabel(t, context.userAgent),
          proof: result.proof,
          context,
        });
        setTrust(res, remembered.token, remembered.browser.expiresAt);
      }
      const stepUp = data.stage === 'step-up';
      await startSession(ctx, {
        user,
        name: data.name,
        stage: 'signed-in',
        flash: notice(stepUp ? 'flash.confirmed' : 'flash.signed-in'),
        // The step-up proof belongs to this session only: sensitive changes from it pass it.
        proof: result.proof,
      });
      return redirect(res, stepUp && data.returnTo ? data.returnTo : '/');
    }

    if (req.method === 'POST' && url.pathname === '/challenge/recovery' && data.stage === 'second-step') {
      // A recovery code in place of a device code: each works once; a wrong one counts toward the same lock.
      let result;
      try {
        result = await twoStep.useRecoveryCode(user, String(form.code ?? ''), { context });
      } catch (err) {
        data.notice = explain(err); // 2SV was turned off or reset meanwhile
        return redirect(res, '/challenge');
      }
      if (!result.ok) {
        data.notice =
          result.reason === 'locked'
            ? undefined // the challenge page says it, from the status
            : notice('reason.recovery-invalid', {
                params: { attemptsLeft: result.attemptsLeft },
                error: true,
              });
        return redirect(res, '/challenge');
      }
      const low = result.remaining <= twoStep.policy.recoveryCodes.warnAt;
      await startSession(ctx, {
        user,
        name: data.name,
        stage: 'signed-in',
        flash: notice('flash.recovery-used', {
          params: { n: result.remaining },
          extra: low ? ['flash.recovery-low'] : [],
          error: low,
        }),
        // The proof lets this session replace the lost devices at once.
        proof: result.proof,
      });
      return redirect(res, '/');
    }

    // Everything below is for signed-in users only.
    if (data.stage !== 'signed-in') return redirect(res, '/challenge');

    if (req.method === 'GET' && url.pathname === '/disable') {
      const status = await twoStep.status(user);
      if (!status.enabled) return redirect(res, '/');
      return page(ctx, {
        title: t('title.confirm-disable'),
        body: views.confirmDisable({ t, csrf: data.csrf, devices: status.devices }),
      });
    }

    if (req.method === 'GET' && url.pathname === '/recovery') {
      const status = await twoStep.status(user);
      if (!status.enabled) return redirect(res, '/');
      return page(ctx, {
        title: t('title.recovery'),
        body: views.confirmRecovery({ t, csrf: data.csrf, codes: status.recoveryCodes }),
      });
    }

    if (req.method === 'GET' && url.pathname === '/devices/replace') {
      const status = await twoStep.status(user);
      const device = status.devices.find((d) => d.confirmed && d.id === url.searchParams.get('deviceId'));
      if (!device || status.locked) return redirect(res, '/');
      return page(ctx, {
        title: t('title.replace'),
        body: views.replaceDevice({ t, csrf: data.csrf, device }),
      });
    }

    if (req.method === 'GET' && url.pathname === '/activity') {
      // The engine's log, newest first: written with each change, so it shows exactly what happened.
      const before = Number(url.searchParams.get('before'));
      const log = await twoStep.activity(user, {
        limit: ACTIVITY_PAGE,
        ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}),
      });
      return page(ctx, {
        title: t('title.activity'),
        body: views.activity({
          t,
          entries: log.entries,
          next: log.next,
          first: !url.searchParams.has('before'),
        }),
      });
    }

    if (req.method === 'GET' && url.pathname === '/devices/remove') {
      const status = await twoStep.status(user);
      const device = status.devices.find((d) => d.confirmed && d.id === url.searchParams.get('deviceId'));
      if (!device) return redirect(res, '/');
      return page(ctx, {
        title: t('title.confirm-remove'),
        body: views.confirmRemove({ t, csrf: data.csrf, device }),
      });
    }

    // Where to come back to after a step-up, for each change.
    let returnTo = '/';
    try {
      if (req.method === 'POST' && url.pathname === '/enroll/authenticator') {
        const replaces = form.replaces ? String(form.replaces) : undefined;
        if (replaces) returnTo = `/devices/replace?deviceId=${encodeURIComponent(replaces)}`;
        const enrollment = await twoStep.enrollAuthenticator(user, {
          account: data.name,
          ...(replaces ? { replaces } : { role: form.role }),
          proof: data.proof,
          context,
        });
        // Shown once, on this page; the engine keeps the secret (sealed, in a real app).
        data.pending = {
          kind: 'authenticator',
          secret: enrollment.secret,
          qrSvg: enrollment.qrSvg,
          replaces: replaces ?? null,
        };
      } else if (req.method === 'POST' && url.pathname === '/enroll/phone') {
        const replaces = form.replaces ? String(form.replaces) : undefined;
        if (replaces) returnTo = `/devices/replace?deviceId=${encodeURIComponent(replaces)}`;
        const started = await twoStep.enrollPhone(user, {
          phone: String(form.phone ?? ''),
          kind: form.kind === 'voice' ? 'voice' : 'sms',
          ...(replaces ? { replaces } : { role: form.role }),
          proof: data.proof,
          context,
        });
        if (started.ok) {
          const { kind, phone } = started.enrollment;
          data.pending = { kind, phone, replaces: replaces ?? null };
        } else data.flash = await failure(user, started, undefined, 'sms');
      } else if (req.method === 'POST' && url.pathname === '/enroll/confirm') {
        const result = await twoStep.confirmEnrollment(user, String(form.code ?? ''), { context });
        if (result.ok) {
          if (result.proof) data.proof = result.proof; // turning 2SV on verifies this session
          const replaced = data.pending?.replaces;
          data.pending = undefined;
          data.flash = notice(
            replaced
              ? 'flash.device-replaced'
              : result.enabled
                ? 'flash.device-added-on'
                : 'flash.device-added',
          );
        } else {
          data.flash = await failure(user, result, undefined, data.pending?.kind);
        }
      } else if (req.method === 'POST' && url.pathname === '/enroll/cancel') {
        await twoStep.cancelEnrollment(user, { context }); // the QR code or the sent code stops working
        data.pending = undefined;
      } else if (req.method === 'POST' && url.pathname === '/devices/swap') {
        await twoStep.swapPrimary(user, { deviceId: String(form.deviceId), proof: data.proof, context });
        data.flash = notice('flash.primary-changed');
      } else if (req.method === 'POST' && url.pathname === '/devices/remove') {
        returnTo = `/devices/remove?deviceId=${encodeURIComponent(String(form.deviceId))}`;
        if (form.confirm !== 'yes') return redirect(res, returnTo);
        await twoStep.removeDevice(user, String(form.deviceId), { proof: data.proof, context });
        data.flash = notice('flash.device-removed');
      } else if (req.method === 'POST' && url.pathname === '/disable') {
        returnTo = '/disable';
        if (form.confirm !== 'yes') return redirect(res, returnTo);
        // Which forgets the remembered browsers and the recovery codes too.
        await twoStep.disable(user, { proof: data.proof, context });
        data.flash = notice('flash.disabled');
      } else if (req.method === 'POST' && url.pathname === '/simulate-abnormal') {
        // REAL APP: call this when your risk checks flag a sign-in (new country, impossible travel...).
        await twoStep.requireReverification(user, { reason: t('abnormal.reason'), context });
        // A demand for a fresh second step ends every remembered browser too: one of them may be the
        // abnormal one.
        await twoStep.revokeRememberedBrowsers(user, { context });
        await endSession(ctx);
        return redirect(res, '/');
      } else if (req.method === 'POST' && url.pathname === '/recovery/issue') {
        returnTo = '/recovery';
        const issued = await twoStep.issueRecoveryCodes(user, { proof: data.proof, context });
        // Shown in this response only: never kept in the session, never shown again.
        return page(ctx, {
          title: t('title.recovery-codes'),
          body: views.recoveryCodes({ t, codes: issued.codes, name: data.name, at: issued.issuedAt }),
        });
      } else if (req.method === 'POST' && url.pathname === '/browsers/revoke') {
        const left = await twoStep.revokeRememberedBrowser(user, String(form.browserId ?? ''), { context });
        data.flash = notice('flash.browser-revoked', { params: { n: left.length } });
      } else if (req.method === 'POST' && url.pathname === '/browsers/revoke-all') {
        await twoStep.revokeRememberedBrowsers(user, { context });
        data.flash = notice('flash.browsers-revoked');
      } else {
        return page(ctx, {
          title: t('title.not-found'),
          body: `<section>${views.esc(t('not-found'))}</section>`,
          status: 404,
        });
      }
    } catch (err) {
      const explained = explain(err);
      if (err.code === 'VERIFICATION_REQUIRED') return stepUp(ctx, returnTo, explained);
      data.flash = explained;
    }
    return redirect(res, '/');
  }

  /** The response, held until the session is saved: the browser must not follow a redirect before that. */
  function reply() {
    return {
      status: 200,
      headers: {},
      cookies: [],
      body: '',
      appendHeader(_name, value) {
        this.cookies.push(value);
      },
      writeHead(status, headers) {
        Object.assign(this, { status, headers });
        return this;
      },
      end(body = '') {
        this.body = body;
      },
    };
  }

  const server = createServer((req, res) => {
    (async () => {
      const sid = cookie(req, 'sid');
      let data = sid ? await sessions.get(sid) : undefined;
      const now = clock();
      // Sessions expire: idle too long, or too long since sign-in. A signed-in user whose session ended
      // is told so on the sign-in page.
      let expired = false;
      if (data && !(now <= sessionExpiry(data))) {
        await sessions.delete(sid);
        expired = data.stage !== 'anonymous';
        data = undefined;
      }
      if (data) data.seenAt = now;
      // The reader's language: the switch's cookie, else the browser's Accept-Language, else English.
      const chosen = /(?:^|;\s*)lang=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
      const locale = LOCALES.includes(chosen)
        ? chosen
        : (pickLocale(req.headers['accept-language'], LOCALES) ?? 'en');
      const here = new URL(req.url ?? '/', 'http://localhost');
      const ctx = {
        req,
        res: reply(),
        sid: data ? sid : undefined,
        data,
        expired,
        t: translator(locale),
        here: req.method === 'GET' && here.pathname !== '/lang' ? `${here.pathname}${here.search}` : '/',
      };
      await route(ctx);
      if (ctx.data) ctx.data.seenAt = now;
      // Sessions are records: whatever the route changed is saved once, at the end, before the response.
      if (ctx.sid && ctx.data) await sessions.set(ctx.sid, ctx.data);
      for (const value of ctx.res.cookies) res.appendHeader('set-cookie', value);
      res.writeHead(ctx.res.status, ctx.res.headers).end(ctx.res.body);
    })().catch((err) => {
      // Never show internals (or secrets) to the browser.
      console.error('demo: request failed:', err instanceof TwoSvError ? err.code : err);
      if (!res.headersSent) {
        const t = translator(pickLocale(req.headers['accept-language'], LOCALES) ?? 'en');
        html(
          res,
          views.page({ t, title: t('title.error'), body: `<section>${views.esc(t('error'))}</section>` }),
          500,
        );
      }
    });
  });

  return { server, twoStep, handsets, accounts, limits };
}
