// HTML for the demo: small server-rendered pages. Every word comes from `text.mjs` through `t`; every value
// that comes from a user or from the engine goes through `esc`, except the QR code SVG, which twosv builds
// from escaped, percent-encoded text. The only script turns <time> elements into the reader's local time
// (the server does not know the reader's time zone; without it they read in UTC), and makes "copy" buttons
// copy their text.

/** Escapes text for HTML element content and attribute values. */
export function esc(value) {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f3f5f8; }
  header { background: #1d2430; color: #fff; padding: 10px 24px; display: flex; justify-content: space-between; align-items: center; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 20px; padding: 20px 24px; max-width: 1100px; }
  section { background: #fff; border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; box-shadow: 0 1px 2px #0002; }
  h2 { font-size: 16px; margin: 0 0 10px; }
  form { margin: 8px 0; }
  form.inline { display: inline; }
  input[type=text], input[type=password], input[type=tel] { padding: 6px 8px; border: 1px solid #b8c0cc; border-radius: 4px; }
  input.code { font: 20px monospace; width: 8ch; letter-spacing: 2px; }
  button { padding: 6px 12px; border: 0; border-radius: 4px; background: #2f6fde; color: #fff; cursor: pointer; }
  button.secondary { background: #e3e8ef; color: #1d2430; }
  button.danger { background: #c93b3b; }
  .flash { padding: 8px 12px; border-radius: 4px; background: #e8f1ff; margin-bottom: 12px; }
  .flash.error { background: #fde8e8; }
  .muted { color: #667085; font-size: 13px; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #e3e8ef; font-size: 12px; }
  .badge.on { background: #d3f5df; }
  .secret { font: 14px monospace; word-break: break-all; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 6px 4px; border-bottom: 1px solid #eef1f5; }
  #outbox li, #notifications li { margin-bottom: 6px; }
  .code-value { font: bold 16px monospace; }
  nav a { color: #fff; margin-left: 16px; }
  .handset { max-width: 380px; border: 10px solid #1d2430; border-radius: 28px; }
  .handset li { background: #e3e8ef; border-radius: 12px; padding: 8px 10px; list-style: none; margin: 0 0 8px -30px; }
  ol.codes { columns: 2; font: 17px monospace; padding-left: 2.2em; }
  ol.codes li { margin-bottom: 6px; }
  .real-app { border-left: 4px solid #c93b3b; }
`;

const LOCAL_TIME_SCRIPT = `for (const el of document.querySelectorAll('time[data-local]'))
  el.textContent = new Date(el.dateTime).toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' });
for (const b of document.querySelectorAll('button[data-copy]'))
  b.addEventListener('click', () => navigator.clipboard.writeText(b.dataset.copy).then(() => { b.textContent = b.dataset.done; }));`;

/**
 * A moment for people: a <time> element the script shows in the reader's time zone, rounded up to the
 * minute (a lock that ends at 11:54:48 reads 11:55, so trying at the time shown works).
 */
export function localTime(ms) {
  const at = new Date(Math.ceil(ms / 60_000) * 60_000);
  const utc = `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 16)} UTC`;
  return `<time datetime="${at.toISOString()}" data-local>${utc}</time>`;
}

/** How long until `ms`, in words: "in 40 seconds", "in 15 minutes", "in 2 hours". */
export function waitText(t, ms, now) {
  const seconds = Math.max(1, Math.ceil((ms - now) / 1000));
  if (seconds < 60) return t('wait.seconds', { n: seconds });
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return t('wait.minutes', { n: minutes });
  return t('wait.hours', { n: Math.ceil(minutes / 60) });
}

/** Text with HTML pieces: the text is escaped, then each `html` parameter is put in as is. */
export function rich(t, key, params = {}, html = {}) {
  const marks = Object.fromEntries(Object.keys(html).map((k, i) => [k, `\u0001${i}\u0001`]));
  let out = esc(t(key, { ...params, ...marks }));
  Object.entries(html).forEach(([k, value]) => {
    out = out.replace(marks[k], value);
  });
  return out;
}

/** A POST form with the session's anti-CSRF token. */
function form(action, csrf, inner, attrs = '') {
  return `<form method="post" action="${esc(action)}"${attrs}><input type="hidden" name="csrf" value="${esc(csrf)}">${inner}</form>`;
}

const deviceName = (t, d) => `${t(`kind.${d.kind}`)}${d.phone ? ` ${d.phone}` : ''}`;

const BROWSERS = [
  [/Edg(?:e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\/|Chromium\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS = [
  [/Windows/, 'Windows'],
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/**
 * A browser's name for people, from its user agent: "Chrome on Linux", "Firefox on Windows". Kept simple
 * (the first match of a short list, in this order since Edge and Opera say "Chrome" too, and Android
 * "Linux"); the label of a remembered browser and the "Browser" column of the activity page.
 */
export function browserLabel(t, userAgent) {
  const ua = String(userAgent ?? '');
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && os) return t('browser.on', { browser, os });
  return browser ?? os ?? t('browser.unknown');
}

/** The whole page: header, flash message (HTML lines from `rich`), main column, optional side column. */
export function page({ t, title, user, csrf, flash, body, side = '', here = '/' }) {
  const switchTo = t.locale === 'en' ? 'zh-CN' : 'en';
  const lang = `<a href="/lang?to=${encodeURIComponent(switchTo)}&amp;back=${encodeURIComponent(here)}" id="lang" lang="${esc(switchTo)}" hreflang="${esc(switchTo)}">${esc(t('lang.switch'))}</a>`;
  return `<!doctype html>
<html lang="${esc(t.locale)}"><head><meta charset="utf-8"><title>${esc(title)} · ${esc(t('app.name'))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><header><h1>${esc(t('app.name'))} · ${esc(title)}</h1><nav>${
    user
      ? form(
          '/signout',
          csrf,
          `<span>${esc(user)}</span> <button class="secondary" id="sign-out">${esc(t('button.sign-out'))}</button>`,
          ' class="inline"',
        )
      : ''
  }<a href="/phone" target="_blank" id="phone-link">${esc(t('link.phone'))}</a>${lang}</nav></header>
<main><div>${flash ? `<div class="flash${flash.error ? ' error' : ''}" id="flash">${flash.html.join(' ')}</div>` : ''}${body}</div>
<aside>${side}</aside></main><script>${LOCAL_TIME_SCRIPT}</script></body></html>`;
}

export function welcome({ t, csrf, where }) {
  return `
<section><h2>${esc(t('welcome.create'))}</h2>
${form(
  '/signup',
  csrf,
  `
  <p><input type="text" name="username" placeholder="${esc(t('field.username'))}" required autocomplete="username"></p>
  <p><input type="password" name="password" placeholder="${esc(t('field.new-password'))}" required autocomplete="new-password"></p>
  <button>${esc(t('button.create'))}</button>`,
  ' id="signup"',
)}</section>
<section><h2>${esc(t('welcome.sign-in'))}</h2>
${form(
  '/signin',
  csrf,
  `
  <p><input type="text" name="username" placeholder="${esc(t('field.username'))}" required autocomplete="username"></p>
  <p><input type="password" name="password" placeholder="${esc(t('field.password'))}" required autocomplete="current-password"></p>
  <button>${esc(t('button.sign-in'))}</button>`,
  ' id="signin"',
)}</section>
<p class="muted" id="kept">${esc(where ? t('welcome.stored', { where }) : t('welcome.memory'))}</p>`;
}

/**
 * The second step. Shows only what can work now: locked, no code box and no device buttons; an open
 * challenge, the code box; after a failed or ended one, a way to start again on the same device (worded for
 * it: an app is never "sent" anything) and the user's other devices. Nothing of the account's history.
 * @param {{ t: any, csrf: string, now: number, stepUp?: boolean, locked: number | null, current: object | null,
 *   last: object | null, others: object[], notice?: string[] }} state (`notice`: HTML lines from `rich`)
 */
export function challenge({
  t,
  csrf,
  now,
  stepUp = false,
  locked,
  current,
  last,
  others,
  recovery = false,
  recoveryOpen = false,
  notice,
}) {
  // Cancel leaves a sign-in (signing out), or a step-up (back to the settings).
  const cancel = form(
    '/challenge/cancel',
    csrf,
    `<button class="secondary" id="cancel">${esc(t('button.cancel'))}</button>`,
  );
  if (locked !== null) {
    return `
<section><h2>${esc(t('challenge.heading'))}</h2>
<p class="flash error" id="locked">${rich(t, stepUp ? 'challenge.locked.step-up' : 'challenge.locked', { wait: waitText(t, locked, now) }, { until: localTime(locked) })}</p>
<p>${esc(t(stepUp ? 'challenge.locked.after.step-up' : 'challenge.locked.after'))}</p>
${cancel}</section>`;
  }
  const prompt = current
    ? t(`challenge.prompt.${current.kind}`, { phone: current.phone })
    : t('challenge.prompt.none');
  const device = current ?? last;
  const again = device
    ? form(
        '/challenge/switch',
        csrf,
        `<input type="hidden" name="deviceId" value="${esc(device.id)}"><button class="secondary" id="new-code">${esc(t(`challenge.again.${device.kind}`))}</button>`,
      )
    : '';
  // An open authenticator challenge needs no "again": the app shows a new code by itself.
  const showAgain = device && !(current && current.kind === 'authenticator');
  return `
<section><h2>${esc(t('challenge.heading'))}</h2>
<p id="prompt">${esc(prompt)}</p>${
    notice
      ? `<div class="flash error" id="challenge-error">${notice.map((line) => `<p>${line}</p>`).join('')}</div>`
      : ''
  }
${
  current
    ? form(
        '/challenge/verify',
        csrf,
        `
  <input class="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
  <button>${esc(t('button.verify'))}</button>
  <p><label><input type="checkbox" name="remember"> ${esc(t('challenge.remember'))}</label></p>`,
        ' id="verify"',
      )
    : ''
}
${showAgain ? again : ''}
${others.length ? `<p class="muted">${esc(t('challenge.other'))}</p>` : ''}
${others
  .map((d) =>
    form(
      '/challenge/switch',
      csrf,
      `<input type="hidden" name="deviceId" value="${esc(d.id)}">
  <button class="secondary" data-kind="${esc(d.kind)}">${esc(t(`challenge.use.${d.kind}`, { phone: d.phone }))}</button>`,
      ' class="switch"',
    ),
  )
  .join('')}
${device && device.kind !== 'authenticator' ? `<p class="muted">${esc(t('challenge.phone-hint'))}</p>` : ''}
${
  recovery
    ? `<details id="use-recovery"${recoveryOpen ? ' open' : ''}><summary>${esc(t('challenge.recovery'))}</summary>
${form(
  '/challenge/recovery',
  csrf,
  `<p>${esc(t('challenge.recovery.prompt'))}</p>
  <input type="text" name="code" autocomplete="off" autocapitalize="off" spellcheck="false" placeholder="xxxx-xxxx-xxxx" required>
  <button>${esc(t('button.sign-in'))}</button>`,
  ' id="recovery"',
)}</details>`
    : ''
}
${cancel}</section>`;
}

/** Settings: 2SV state, devices, adding a device, and the sensitive actions. */
export function settings({ t, csrf, now, status, pending, browsers = [], thisBrowser, warnAt = 3 }) {
  const locked = status.locked && status.lockedUntil !== null;
  const rows = status.devices
    .map(
      (d) => `<tr data-device="${esc(d.id)}" data-role="${esc(d.role)}" data-kind="${esc(d.kind)}">
  <td>${esc(t(`kind.${d.kind}`))}${d.phone ? ` <span class="muted">${esc(d.phone)}</span>` : ''}</td>
  <td><span class="badge${d.role === 'primary' ? ' on' : ''}">${esc(t(`role.${d.role}`))}</span>${d.confirmed ? '' : ` <span class="badge">${esc(t('settings.waiting'))}</span>`}</td>
  <td>${
    locked || !d.confirmed
      ? ''
      : `${
          d.role !== 'primary'
            ? `${form('/devices/swap', csrf, `<input type="hidden" name="deviceId" value="${esc(d.id)}"><button class="secondary" name="swap">${esc(t('button.make-primary'))}</button>`, ' class="inline"')} `
            : ''
        }<a class="replace" href="/devices/replace?deviceId=${encodeURIComponent(d.id)}">${esc(t('button.replace'))}</a> <a class="remove" href="/devices/remove?deviceId=${encodeURIComponent(d.id)}">${esc(t('button.remove'))}</a>`
  }</td></tr>`,
    )
    .join('');
  const next =
    status.setupStep === 'enroll-primary'
      ? t('settings.next.primary')
      : status.setupStep === 'enroll-backup'
        ? t('settings.next.backup')
        : null;
  return `
<section><h2>${esc(t('settings.heading'))} <span class="badge${status.enabled ? ' on' : ''}" id="status">${esc(t(status.enabled ? 'settings.on' : 'settings.off'))}</span></h2>
${locked ? `<p class="flash error" id="locked">${rich(t, 'settings.locked', { wait: waitText(t, status.lockedUntil, now) }, { until: localTime(status.lockedUntil) })}</p>` : ''}
${next ? `<p id="next-step">${esc(next)}</p>` : ''}
${status.recommendAuthenticator ? `<p class="flash" id="recommend">${esc(t('settings.recommend'))}</p>` : ''}
${rows ? `<table id="devices"><tr><th>${esc(t('settings.col.device'))}</th><th>${esc(t('settings.col.role'))}</th><th></th></tr>${rows}</table>` : ''}
</section>
${locked ? '' : pending ? pendingEnrollment(t, csrf, pending, status) : enrollForms(t, csrf, status)}
${status.enabled ? recoverySection(t, status, locked, warnAt) : ''}
${browsers.length ? browserSection(t, csrf, browsers, thisBrowser) : ''}
${
  status.enabled && !locked
    ? `<section><h2>${esc(t('settings.security'))}</h2>
<p><a href="/disable" id="disable">${esc(t('button.disable'))}</a></p>
${form('/simulate-abnormal', csrf, `<button class="secondary" id="abnormal">${esc(t('button.abnormal'))}</button> <span class="muted">${esc(t('settings.abnormal'))}</span>`)}</section>`
    : ''
}
<section><h2>${esc(t('settings.activity'))}</h2><p><a href="/activity" id="activity-link">${esc(t('button.activity'))}</a> <span class="muted">${esc(t('settings.activity.about'))}</span></p></section>`;
}

/** Recovery codes: how many are left (a warning when few), and the way to a new set. */
function recoverySection(t, status, locked, warnAt) {
  const codes = status.recoveryCodes;
  const low = codes && codes.remaining <= warnAt;
  return `<section id="recovery-codes-status"><h2>${esc(t('settings.recovery'))}</h2>
<p id="recovery-left">${
    codes
      ? rich(t, 'settings.recovery.left', { n: codes.remaining }, { at: localTime(codes.issuedAt) })
      : esc(t('settings.recovery.none'))
  }</p>
${low ? `<p class="flash error" id="recovery-low">${esc(t('settings.recovery.low', { n: codes.remaining }))}</p>` : ''}
${locked ? '' : `<p><a href="/recovery" id="recovery-link">${esc(t(codes ? 'button.recovery.new' : 'button.recovery.get'))}</a></p>`}
</section>`;
}

/** Remembered browsers: label, when remembered, last used; never the token. Revoke one, or all. */
function browserSection(t, csrf, browsers, thisBrowser) {
  const rows = browsers
    .map(
      (
        b,
      ) => `<tr data-browser="${esc(b.id)}"><td>${esc(b.label)}${b.id === thisBrowser ? ` <span class="badge on">${esc(t('browsers.this'))}</span>` : ''}</td>
  <td>${localTime(b.createdAt)}</td><td>${b.lastUsedAt ? localTime(b.lastUsedAt) : esc(t('browsers.never'))}</td>
  <td>${form('/browsers/revoke', csrf, `<input type="hidden" name="browserId" value="${esc(b.id)}"><button class="secondary" name="revoke">${esc(t('button.revoke'))}</button>`, ' class="inline"')}</td></tr>`,
    )
    .join('');
  return `<section id="browsers"><h2>${esc(t('settings.browsers'))}</h2>
<p class="muted">${esc(t('browsers.about'))}</p>
<table id="browser-list"><tr><th>${esc(t('browsers.col.browser'))}</th><th>${esc(t('browsers.col.created'))}</th><th>${esc(t('browsers.col.used'))}</th><th></th></tr>${rows}</table>
${form('/browsers/revoke-all', csrf, `<button class="secondary" id="revoke-all">${esc(t('button.revoke-all'))}</button>`)}</section>`;
}

function enrollForms(t, csrf, status) {
  if (status.setupStep === null && status.devices.filter((d) => d.confirmed).length >= 2) return '';
  const role = status.setupStep === 'enroll-backup' ? 'backup' : 'primary';
  return `<section><h2>${esc(t('settings.add', { role }))}</h2>
${addForms(t, csrf, `<input type="hidden" name="role" value="${role}">`)}</section>`;
}

/** The two ways to add a device (an app, a phone), each form carrying `hidden` (the role, or what it replaces). */
function addForms(t, csrf, hidden) {
  return `${form(
    '/enroll/authenticator',
    csrf,
    `${hidden}
  <button>${esc(t('button.use-authenticator'))}</button> <span class="muted">${esc(t('settings.apps'))}</span>`,
    ' id="enroll-authenticator"',
  )}
${form(
  '/enroll/phone',
  csrf,
  `${hidden}
  <input type="tel" name="phone" placeholder="${esc(t('field.phone'))}" required>
  <label><input type="radio" name="kind" value="sms" checked> ${esc(t('kind.sms.option'))}</label>
  <label><input type="radio" name="kind" value="voice"> ${esc(t('kind.voice.option'))}</label>
  <button>${esc(t('button.send-code'))}</button>`,
  ' id="enroll-phone"',
)}`;
}

function pendingEnrollment(t, csrf, pending, status) {
  const old = pending.replaces && status.devices.find((d) => d.id === pending.replaces);
  const replacing = old
    ? `<p id="replacing">${esc(t('settings.replacing', { device: deviceName(t, old), role: t(`role.${old.role}`) }))}</p>`
    : '';
  if (pending.kind === 'authenticator') {
    return `<section id="pending"><h2>${esc(t('settings.scan'))}</h2>${replacing}
<div id="qr" style="width:220px">${pending.qrSvg}</div>
<p class="muted">${esc(t('settings.cant-scan'))}</p><p class="secret" id="secret">${esc(pending.secret)}</p>
${confirmForm(t, csrf, t('settings.scan.confirm'))}</section>`;
  }
  return `<section id="pending"><h2>${esc(t('settings.phone.heading'))}</h2>${replacing}
<p>${esc(t(`settings.phone.sent.${pending.kind}`, { phone: pending.phone }))}</p>
${confirmForm(t, csrf, t('settings.phone.confirm'))}</section>`;
}

function confirmForm(t, csrf, text) {
  return `<p>${esc(text)}</p>${form(
    '/enroll/confirm',
    csrf,
    `
  <input class="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <button>${esc(t('button.confirm'))}</button>`,
    ' id="confirm"',
  )}
${form('/enroll/cancel', csrf, `<button class="secondary">${esc(t('button.cancel'))}</button>`)}`;
}

/** Before turning 2SV off: what will be lost, and an explicit yes. */
export function confirmDisable({ t, csrf, devices }) {
  const confirmed = devices.filter((d) => d.confirmed);
  return `<section id="confirm-disable"><h2>${esc(t('title.confirm-disable'))}</h2>
<p>${esc(t('confirm-disable.lose'))}</p>
<ul id="loses">
  <li>${esc(t('confirm-disable.devices', { n: confirmed.length }))}
    <ul>${confirmed.map((d) => `<li>${esc(deviceName(t, d))} (${esc(t(`role.${d.role}`))})</li>`).join('')}</ul></li>
  <li>${esc(t('confirm-disable.browsers'))}</li>
  <li>${esc(t('confirm-disable.password'))}</li>
  <li>${esc(t('confirm-disable.again'))}</li>
</ul>
${form('/disable', csrf, `<input type="hidden" name="confirm" value="yes"><button class="danger" id="confirm-yes">${esc(t('button.confirm-disable'))}</button>`)}
<p><a href="/" id="confirm-no">${esc(t('button.keep'))}</a></p></section>`;
}

/** Before removing a device: which one, and an explicit yes. */
export function confirmRemove({ t, csrf, device }) {
  return `<section id="confirm-remove"><h2>${esc(t('title.confirm-remove'))}</h2>
<p>${esc(t('confirm-remove.what'))} <strong>${esc(deviceName(t, device))}</strong> (${esc(t(`role.${device.role}`))})</p>
${form('/devices/remove', csrf, `<input type="hidden" name="deviceId" value="${esc(device.id)}"><input type="hidden" name="confirm" value="yes"><button class="danger" id="confirm-yes">${esc(t('button.confirm-remove'))}</button>`)}
<p><a href="/" id="confirm-no">${esc(t('button.keep'))}</a></p></section>`;
}

/** Before a new set of recovery codes: what they are, that the old set stops working, and an explicit go. */
export function confirmRecovery({ t, csrf, codes }) {
  return `<section id="confirm-recovery"><h2>${esc(t('title.recovery'))}</h2>
<p>${esc(t('recovery.what'))}</p>
${codes ? `<p class="flash error" id="voids">${esc(t('recovery.voids', { n: codes.remaining }))}</p>` : ''}
<p>${esc(t('recovery.ready'))}</p>
${form('/recovery/issue', csrf, `<button id="issue-codes">${esc(t('button.recovery.show'))}</button>`)}
<p><a href="/" id="confirm-no">${esc(t('button.not-now'))}</a></p></section>`;
}

/**
 * The new recovery codes, shown once (this response is the only place they exist outside the user's hands):
 * grouped as the engine made them, with a copy button and a .txt download built in the page.
 */
export function recoveryCodes({ t, codes, name, at }) {
  const file = [
    t('recovery.file.title', { app: t('app.name'), name }),
    t('recovery.file.date', { date: new Date(at).toISOString().slice(0, 10) }),
    '',
    ...codes,
    '',
    t('recovery.file.note'),
    '',
  ].join('\n');
  return `<section id="new-codes"><h2>${esc(t('title.recovery-codes'))}</h2>
<p class="flash error" id="once">${esc(t('recovery.once'))}</p>
<ol class="codes" id="recovery-codes">${codes.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ol>
<p><button type="button" class="secondary" id="copy-codes" data-copy="${esc(codes.join('\n'))}" data-done="${esc(t('button.copied'))}">${esc(t('button.copy'))}</button>
<a id="download-codes" download="twosv-demo-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(file)}">${esc(t('button.download'))}</a></p>
<p>${esc(t('recovery.use'))}</p>
<p><a href="/" id="saved">${esc(t('button.saved'))}</a></p></section>`;
}

/** Replacing a lost or changed device: the new one, an app or a phone, takes its role once confirmed. */
export function replaceDevice({ t, csrf, device }) {
  return `<section id="replace"><h2>${esc(t('title.replace'))}</h2>
<p>${esc(t('replace.what'))} <strong>${esc(deviceName(t, device))}</strong> (${esc(t(`role.${device.role}`))})</p>
<p class="muted">${esc(t('replace.how'))}</p>
${addForms(t, csrf, `<input type="hidden" name="replaces" value="${esc(device.id)}">`)}
<p><a href="/" id="confirm-no">${esc(t('button.keep'))}</a></p></section>`;
}

/** The device an activity entry is about, masked as the engine gives it, or nothing. */
function entryDevice(t, e) {
  if (e.device) return deviceName(t, e.device);
  if (e.type === 'enrollment-started' || e.type === 'enrollment-cancelled') return deviceName(t, e);
  return '';
}

/**
 * "Recent activity": one page of the engine's log, newest first, with the time, the action in words, the
 * device (masked), and the address and browser the change came from.
 */
export function activity({ t, entries, next, first }) {
  const rows = entries
    .map((e) => {
      const ua = e.context?.userAgent;
      return `<tr data-type="${esc(e.type)}"><td>${localTime(e.at)}</td><td>${eventLine(t, e)}</td>
  <td>${esc(entryDevice(t, e))}</td><td class="ip">${esc(e.context?.ip ?? '')}</td>
  <td class="browser"${ua ? ` title="${esc(ua)}"` : ''}>${ua ? esc(browserLabel(t, ua)) : ''}</td></tr>`;
    })
    .join('');
  return `<section id="activity"><h2>${esc(t('title.activity'))}</h2>
<p class="muted">${esc(t('activity.about'))}</p>
${
  rows
    ? `<table id="activity-log"><tr><th>${esc(t('activity.col.when'))}</th><th>${esc(t('activity.col.what'))}</th><th>${esc(t('activity.col.device'))}</th><th>${esc(t('activity.col.ip'))}</th><th>${esc(t('activity.col.browser'))}</th></tr>${rows}</table>`
    : `<p class="muted" id="activity-none">${esc(t('activity.none'))}</p>`
}
<p>${next !== null ? `<a href="/activity?before=${next}" id="older">${esc(t('button.older'))}</a> ` : ''}${first ? '' : `<a href="/activity" id="newest">${esc(t('button.newest'))}</a> `}<a href="/" id="back">${esc(t('button.back'))}</a></p></section>`;
}

/** The support page: what it stands for in a real app, and the reset form. */
export function support({ t, csrf, values = {} }) {
  return `<section class="real-app" id="real-app"><p>${esc(t('support.real-app'))}</p></section>
<section><h2>${esc(t('support.heading'))}</h2>
<p>${esc(t('support.what'))}</p>
${form(
  '/support',
  csrf,
  `
  <p><input type="password" name="password" placeholder="${esc(t('field.support-password'))}" required autocomplete="off"></p>
  <p><input type="text" name="username" placeholder="${esc(t('field.username'))}" value="${esc(values.username ?? '')}" required></p>
  <p><input type="text" name="actor" placeholder="${esc(t('field.actor'))}" value="${esc(values.actor ?? '')}" required maxlength="200" size="40"></p>
  <p><input type="text" name="reason" placeholder="${esc(t('field.reason'))}" value="${esc(values.reason ?? '')}" required maxlength="500" size="60"></p>
  <button class="danger">${esc(t('button.reset'))}</button>`,
  ' id="support-form"',
)}</section>`;
}

const EVENT_PARAMS = {
  'enrollment-started': (t, e) => ({ kind: t(`kind.${e.kind}`), role: t(`role.${e.role}`), phone: e.phone }),
  'device-added': (t, e) => ({ kind: t(`kind.${e.device.kind}`), role: t(`role.${e.device.role}`) }),
  'device-replaced': (t, e) => ({ kind: deviceName(t, e.device), replaced: deviceName(t, e.replaced) }),
  'device-removed': (t, e) => ({ kind: t(`kind.${e.device.kind}`) }),
  'enrollment-cancelled': (t, e) => ({ kind: t(`kind.${e.kind}`), role: t(`role.${e.role}`) }),
  'two-step-disabled': (_t, e) => ({ n: e.devices.length }),
  'challenge-started': (t, e) => ({ kind: t(`kind.${e.kind}`) }),
  'verification-failed': (_t, e) => ({ failures: e.failures }),
  'reverification-required': (_t, e) => ({ reason: e.reason }),
  'contact-verified': (_t, e) => ({ contact: e.contact.masked }),
  'contact-removed': (_t, e) => ({ contact: e.contact.masked }),
  'remembered-browser-added': (_t, e) => ({ label: e.browser.label }),
  'remembered-browser-used': (_t, e) => ({ label: e.browser.label }),
  'remembered-browser-revoked': (t, e) => ({ label: e.browser.label, why: t(`revoked.${e.reason}`) }),
  'recovery-codes-issued': (_t, e) => ({ n: e.count, voided: e.voided }),
  'recovery-code-used': (_t, e) => ({ n: e.remaining }),
  'recovery-codes-low': (_t, e) => ({ n: e.remaining }),
  'two-step-reset': (_t, e) => ({
    actor: e.actor,
    reason: e.reason,
    n: e.devices.length,
    codes: e.recoveryCodes,
  }),
  'codes-failed': (_t, e) => ({ n: e.count }),
};

/** One event (a notification, or an activity entry), in words, HTML. */
function eventLine(t, e) {
  if (e.type === 'locked') return rich(t, 'event.locked', {}, { until: localTime(e.until) });
  if (e.type === 'code-sent') return esc(t(`event.code-sent.${e.channel}`, { to: e.to }));
  if (e.type === 'verification-passed') return esc(t(`event.verification-passed.${e.purpose}`));
  const params = EVENT_PARAMS[e.type];
  try {
    return esc(t(`event.${e.type}`, params ? params(t, e) : {}));
  } catch {
    return esc(t('event.other'));
  }
}

/** What the app would e-mail or push to the user: one line per engine event, newest first, with its time. */
export function notifications({ t, events }) {
  const items = events
    .slice()
    .reverse()
    .map(
      (e) =>
        `<li data-type="${esc(e.type)}">${eventLine(t, e)} <span class="muted">${localTime(e.at)}</span></li>`,
    )
    .join('');
  return `<section><h2>${esc(t('notifications.heading'))}</h2><p class="muted">${esc(t('notifications.about'))}</p>
<ul id="notifications">${items || `<li class="muted">${esc(t('notifications.none'))}</li>`}</ul></section>`;
}

/** The demo phone: the messages one number received, newest first, as the handset would show them. */
export function phone({ t, owner, number, numbers, messages, error }) {
  if (!owner) {
    return `<section><p class="muted" id="phone-about">${esc(t('phone.about'))}</p>
<p class="flash" id="phone-sign-in">${esc(t('phone.sign-in'))}</p></section>`;
  }
  const items = messages
    .slice()
    .reverse()
    .map((m) => {
      // The text exactly as sent; in a text message the code itself stands out, as phones show it.
      const at = m.channel === 'voice' ? -1 : m.text.indexOf(m.code);
      const body =
        at < 0
          ? esc(m.text)
          : `${esc(m.text.slice(0, at))}<span class="code-value">${esc(m.code)}</span>${esc(m.text.slice(at + m.code.length))}`;
      return `<li data-channel="${esc(m.channel)}"><span class="muted">${esc(t(`phone.${m.channel === 'voice' ? 'voice' : 'sms'}`))}</span> <span class="text">${body}</span> <span class="muted">${localTime(m.at)}</span></li>`;
    })
    .join('');
  return `<section><p class="muted" id="phone-about">${esc(t('phone.about'))}</p>
<form method="get" action="/phone" id="which-phone"><label>${esc(t('phone.which'))}
  <input type="tel" name="number" value="${esc(number ?? '')}" placeholder="${esc(t('field.phone'))}" required></label>
  <button>${esc(t('button.open'))}</button></form>
${numbers.length ? `<p id="numbers">${esc(t('phone.yours'))} ${numbers.map((n) => `<a href="/phone?number=${encodeURIComponent(n)}">${esc(n)}</a>`).join(' ')}</p>` : ''}
${error ? `<p class="flash error" id="flash">${esc(error)}</p>` : ''}</section>
${
  number && !error
    ? `<section class="handset"><h2>${esc(number)}</h2><ul id="messages">${items || `<li class="muted">${esc(t('phone.empty'))}</li>`}</ul></section>`
    : ''
}`;
}
