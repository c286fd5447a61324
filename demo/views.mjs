// HTML for the demo: small server-rendered pages, no client-side script. Every value that comes from a user
// or from the engine goes through `esc`, except the QR code SVG, which twosv builds from escaped,
// percent-encoded text and which the page shows as an image.

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
`;

const KIND = { authenticator: 'Authenticator app', sms: 'SMS phone', voice: 'Voice phone' };

/** The whole page: header, flash message, main column, and the side column (demo phone, notifications). */
export function page({ title, user, flash, body, side = '' }) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · twosv demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><header><h1>twosv demo · ${esc(title)}</h1>${
    user
      ? `<form class="inline" method="post" action="/signout"><span>${esc(user)}</span> <button class="secondary" id="sign-out">Sign out</button></form>`
      : ''
  }</header>
<main><div>${flash ? `<div class="flash${flash.error ? ' error' : ''}" id="flash">${esc(flash.text)}</div>` : ''}${body}</div>
<aside>${side}</aside></main></body></html>`;
}

export function welcome() {
  return `
<section><h2>Create an account</h2>
<form method="post" action="/signup" id="signup">
  <p><input type="text" name="username" placeholder="user name" required autocomplete="username"></p>
  <p><input type="password" name="password" placeholder="password (8+ characters)" required autocomplete="new-password"></p>
  <button>Create account</button></form></section>
<section><h2>Sign in</h2>
<form method="post" action="/signin" id="signin">
  <p><input type="text" name="username" placeholder="user name" required autocomplete="username"></p>
  <p><input type="password" name="password" placeholder="password" required autocomplete="current-password"></p>
  <button>Sign in</button></form></section>
<p class="muted">Everything lives in this process's memory: restart the demo and it is gone.</p>`;
}

/** The demo's stand-in for a phone: the codes the engine's sender delivered, newest first. */
export function outbox(messages) {
  const items = messages
    .slice()
    .reverse()
    .map(
      (m) =>
        `<li>${m.channel === 'voice' ? 'Call' : 'SMS'} to ${esc(m.to)}: <span class="code-value">${esc(m.code)}</span> <span class="muted">(${esc(m.purpose)})</span></li>`,
    )
    .join('');
  return `<section><h2>Demo phone</h2><p class="muted">Codes the engine sent by SMS or voice land here instead of at a carrier.</p>
<ul id="outbox">${items || '<li class="muted">nothing yet</li>'}</ul></section>`;
}

const EVENT_TEXT = {
  'enrollment-started': (e) =>
    `Enrolment of ${KIND[e.kind]} as ${e.role} started${e.phone ? ` (${e.phone})` : ''}`,
  'device-added': (e) => `${KIND[e.device.kind]} added as ${e.device.role}`,
  'device-replaced': (e) => `${KIND[e.replaced.kind]} replaced by ${KIND[e.device.kind]}`,
  'device-removed': (e) => `${KIND[e.device.kind]} removed`,
  'primary-changed': () => 'Primary device changed',
  'two-step-enabled': () => 'Two-step verification turned on',
  'two-step-disabled': () => 'Two-step verification turned off',
  'challenge-started': (e) => `Sign-in code requested on ${KIND[e.kind]}`,
  'code-sent': (e) => `Code sent by ${e.channel} to ${e.to}`,
  'verification-passed': (e) => `Code accepted (${e.purpose})`,
  'verification-failed': (e) => `Wrong code (${e.failures} in a row)`,
  'replay-refused': () => 'A code was used twice and refused',
  locked: (e) => `Account locked until ${new Date(e.until).toISOString()}`,
  'reverification-required': (e) => `Next sign-in must pass a fresh check${e.reason ? `: ${e.reason}` : ''}`,
  'contact-verified': (e) => `Emergency contact ${e.contact.masked} verified`,
};

/** What the app would e-mail or push to the user: one line per engine event. */
export function notifications(events) {
  const items = events
    .slice()
    .reverse()
    .map((e) => `<li data-type="${esc(e.type)}">${esc((EVENT_TEXT[e.type] ?? (() => e.type))(e))}</li>`)
    .join('');
  return `<section><h2>Notifications</h2><p class="muted">Events the engine emitted; a real app e-mails or pushes the important ones.</p>
<ul id="notifications">${items || '<li class="muted">none yet</li>'}</ul></section>`;
}

/** The sign-in challenge: one code box, and a way to use another device. */
export function challenge({ status, message }) {
  const current = status.challenge;
  const others = status.devices.filter((d) => d.confirmed && d.id !== current?.deviceId);
  const prompt = !current
    ? 'No code is pending. Ask for a new one below.'
    : current.kind === 'authenticator'
      ? 'Enter the 6-digit code your authenticator app shows.'
      : `Enter the code we sent by ${current.kind === 'sms' ? 'text message' : 'voice call'}.`;
  return `
<section><h2>Second step</h2>
<p id="prompt">${esc(prompt)}</p>${message ? `<p class="flash error" id="challenge-error">${esc(message)}</p>` : ''}
<form method="post" action="/challenge/verify" id="verify">
  <input class="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
  <button>Verify</button>
  <p><label><input type="checkbox" name="remember"> Remember this browser for 30 days</label></p></form>
<p class="muted">Don't have it at hand?</p>
${others
  .map(
    (d) => `<form method="post" action="/challenge/switch" class="switch">
  <input type="hidden" name="deviceId" value="${esc(d.id)}">
  <button class="secondary" data-kind="${esc(d.kind)}">Use my ${esc(KIND[d.kind].toLowerCase())}${d.phone ? ` ${esc(d.phone)}` : ''} instead</button></form>`,
  )
  .join('')}
${current ? '' : '<form method="post" action="/challenge/switch"><button class="secondary" id="new-code">Send a new code</button></form>'}
<form method="post" action="/signout"><button class="secondary">Cancel</button></form></section>`;
}

/** Settings: 2SV state, devices, enrolment, and the sensitive actions. */
export function settings({ status, pending }) {
  const rows = status.devices
    .map(
      (d) => `<tr data-device="${esc(d.id)}" data-role="${esc(d.role)}" data-kind="${esc(d.kind)}">
  <td>${esc(KIND[d.kind])}${d.phone ? ` <span class="muted">${esc(d.phone)}</span>` : ''}</td>
  <td><span class="badge${d.role === 'primary' ? ' on' : ''}">${esc(d.role)}</span>${d.confirmed ? '' : ' <span class="badge">waiting for code</span>'}</td>
  <td>${
    d.confirmed && d.role !== 'primary'
      ? `<form class="inline" method="post" action="/devices/swap"><input type="hidden" name="deviceId" value="${esc(d.id)}"><button class="secondary" name="swap">Make primary</button></form> `
      : ''
  }${
    d.confirmed
      ? `<form class="inline" method="post" action="/devices/remove"><input type="hidden" name="deviceId" value="${esc(d.id)}"><button class="secondary">Remove</button></form>`
      : ''
  }</td></tr>`,
    )
    .join('');
  const next =
    status.setupStep === 'enroll-primary'
      ? 'Turn on two-step verification: first add your primary device.'
      : status.setupStep === 'enroll-backup'
        ? 'Now add a backup device, for when your primary is not at hand. 2SV turns on once it is confirmed.'
        : null;
  return `
<section><h2>Two-step verification <span class="badge${status.enabled ? ' on' : ''}" id="status">${status.enabled ? 'on' : 'off'}</span></h2>
${next ? `<p id="next-step">${esc(next)}</p>` : ''}
${status.recommendAuthenticator ? '<p class="flash" id="recommend">You rely on a phone alone. An authenticator app is safer than SMS: consider adding one.</p>' : ''}
${rows ? `<table id="devices"><tr><th>Device</th><th>Role</th><th></th></tr>${rows}</table>` : ''}
</section>
${pending ? pendingEnrollment(pending) : enrollForms(status)}
${
  status.enabled
    ? `<section><h2>Security</h2>
<form method="post" action="/disable"><button class="danger" id="disable">Turn off two-step verification</button></form>
<form method="post" action="/simulate-abnormal"><button class="secondary" id="abnormal">Simulate an abnormal sign-in</button>
<span class="muted">(demands a fresh second step and signs you out)</span></form></section>`
    : ''
}`;
}

function enrollForms(status) {
  if (status.setupStep === null && status.devices.filter((d) => d.confirmed).length >= 2) return '';
  const role = status.setupStep === 'enroll-backup' ? 'backup' : 'primary';
  return `<section><h2>Add a ${role} device</h2>
<form method="post" action="/enroll/authenticator" id="enroll-authenticator">
  <input type="hidden" name="role" value="${role}">
  <button>Use an authenticator app</button> <span class="muted">Google Authenticator, Microsoft Authenticator, Aegis, 1Password…</span></form>
<form method="post" action="/enroll/phone" id="enroll-phone">
  <input type="hidden" name="role" value="${role}">
  <input type="tel" name="phone" placeholder="+1 201 555 0100" required>
  <label><input type="radio" name="kind" value="sms" checked> SMS</label>
  <label><input type="radio" name="kind" value="voice"> voice call</label>
  <button>Send a code</button></form></section>`;
}

function pendingEnrollment(pending) {
  if (pending.kind === 'authenticator') {
    return `<section id="pending"><h2>Scan this QR code with your authenticator app</h2>
<div id="qr" style="width:220px">${pending.qrSvg}</div>
<p class="muted">Can't scan? Type this key into the app instead:</p><p class="secret" id="secret">${esc(pending.secret)}</p>
${confirmForm('Then enter the 6-digit code the app shows.')}</section>`;
  }
  return `<section id="pending"><h2>Confirm your phone</h2>
<p>We sent a code by ${pending.kind === 'sms' ? 'text message' : 'voice call'} to ${esc(pending.phone)}.</p>
${confirmForm('Enter it here.')}</section>`;
}

function confirmForm(text) {
  return `<p>${esc(text)}</p><form method="post" action="/enroll/confirm" id="confirm">
  <input class="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <button>Confirm</button></form>
<form method="post" action="/enroll/cancel"><button class="secondary">Cancel</button></form>`;
}
