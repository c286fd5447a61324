// Every word the demo shows a user, in one place, keyed so that another language is one more table.
// A value is a string, or a function of the parameters for text that depends on them (plurals, names).
// Views never build user-facing sentences themselves: they call `t(key, params)`.
//
// To add a language: copy `en` under its BCP 47 tag (say 'zh-CN'), translate every value, and pick the table
// with `translator(tag)`. A key missing from a table falls back to English, so a missing translation shows
// English text rather than a key.

const plural = (n, one, other) => (n === 1 ? one : other);

/** @type {Record<string, string | ((p: any) => string)>} */
const en = {
  // Page titles and chrome
  'app.name': 'twosv demo',
  'title.welcome': 'Welcome',
  'title.security': 'Account security',
  'title.sign-in': 'Sign in',
  'title.step-up': 'Confirm it is you',
  'title.confirm-disable': 'Turn off two-step verification?',
  'title.confirm-remove': 'Remove this device?',
  'title.phone': 'Demo phone',
  'title.not-found': 'Not found',
  'title.error': 'Error',
  'title.forbidden': 'Form expired',
  'button.sign-out': 'Sign out',
  'button.cancel': 'Cancel',
  'not-found': 'Not found.',
  error: 'Something went wrong.',
  forbidden:
    'This form expired or did not come from this site, so nothing was changed. Go back, reload the page and try again.',
  'link.phone': 'Open the demo phone',

  // Welcome
  'welcome.create': 'Create an account',
  'welcome.sign-in': 'Sign in',
  'field.username': 'user name',
  'field.password': 'password',
  'field.new-password': 'password (8+ characters)',
  'button.create': 'Create account',
  'button.sign-in': 'Sign in',
  'welcome.memory': 'Everything lives in this process’s memory: restart the demo and it is gone.',
  'welcome.bad-signup': 'Pick another user name (letters, digits, . @ + -) and 8+ characters of password.',
  'welcome.bad-signin': 'Wrong user name or password.',
  'welcome.signed-out': 'You are signed out.',

  // Second step
  'challenge.heading': 'Second step',
  'challenge.prompt.authenticator': 'Enter the 6-digit code your authenticator app shows.',
  'challenge.prompt.sms': (p) => `Enter the code we sent by text message to ${p.phone}.`,
  'challenge.prompt.voice': (p) => `Enter the code we read out in a call to ${p.phone}.`,
  'challenge.prompt.none': 'Choose how to get a code.',
  'challenge.remember': 'Remember this browser for 30 days',
  'button.verify': 'Verify',
  'challenge.other': 'Don’t have it at hand?',
  'challenge.use.authenticator': 'Use my authenticator app instead',
  'challenge.use.sms': (p) => `Text a code to ${p.phone} instead`,
  'challenge.use.voice': (p) => `Call me at ${p.phone} instead`,
  'challenge.again.authenticator': 'Try again with my authenticator app',
  'challenge.again.sms': 'Send a new code',
  'challenge.again.voice': 'Call me again',
  'challenge.phone-hint': 'Texts and calls of this demo arrive on the demo phone, not on a real one.',
  'challenge.locked': (p) =>
    `Too many wrong codes. For your safety, signing in is paused until ${p.until} (${p.wait}).`,
  'challenge.locked.after': 'Come back then and sign in again. Nothing else can be done until then.',
  'challenge.locked.step-up': (p) =>
    `Too many wrong codes. For your safety, changes to your devices are paused until ${p.until} (${p.wait}).`,
  'challenge.locked.after.step-up': 'You can still use your account; come back then to make the change.',

  // Why a code was not accepted or not sent (engine reasons), per device kind where it matters
  'reason.invalid': (p) =>
    `That code is not right. ${p.attemptsLeft} ${plural(p.attemptsLeft, 'attempt', 'attempts')} left.`,
  'reason.replayed': (p) =>
    `That code was already used. Wait for your app to show the next one. ${p.attemptsLeft} ${plural(p.attemptsLeft, 'attempt', 'attempts')} left.`,
  'reason.attempts-exhausted.authenticator':
    'Too many wrong codes. Wait for your app to show a new code, then try again.',
  'reason.attempts-exhausted.phone': 'Too many wrong codes for that code. Ask for a new one.',
  'reason.expired.authenticator': 'That took too long. Try again with the code your app shows now.',
  'reason.expired.phone': 'That code expired. Ask for a new one.',
  'reason.no-challenge': 'Choose how to get a code.',
  'reason.throttled': (p) => `We sent a code moments ago. You can ask for another at ${p.at} (${p.wait}).`,
  'reason.throttled.app-hint': 'Your authenticator app needs no wait: you can use it now.',
  'reason.throttled.still-valid': 'The code we already sent still works: enter it.',
  'reason.throttled.daily': (p) =>
    `Too many codes were sent today. You can ask for another at ${p.at} (${p.wait}).`,

  // Relative waits, shown next to a local time
  'wait.seconds': (p) => `in ${p.n} ${plural(p.n, 'second', 'seconds')}`,
  'wait.minutes': (p) => `in ${p.n} ${plural(p.n, 'minute', 'minutes')}`,
  'wait.hours': (p) => `in ${p.n} ${plural(p.n, 'hour', 'hours')}`,

  // Outcomes
  'flash.signed-in': 'Signed in.',
  'flash.remembered': 'Signed in: this browser is remembered.',
  'flash.confirmed': 'Confirmed. You can make the change now.',
  'flash.device-added': 'Device added.',
  'flash.device-added-on': 'Device added. Two-step verification is on.',
  'flash.primary-changed': 'Primary device changed.',
  'flash.device-removed': 'Device removed.',
  'flash.disabled': 'Two-step verification is off.',

  // Refusals (TwoSvError codes from the engine)
  'error.VERIFICATION_REQUIRED': 'For your safety, confirm it is you with a fresh code first.',
  'error.LOCKED': 'Too many wrong codes: your devices cannot be changed until the lock ends.',
  'error.INVALID_PHONE':
    'That does not look like a phone number. Use the international form, like +1 201 555 0123.',
  'error.DUPLICATE_PHONE': 'The backup must be a different phone number from the primary.',
  'error.BACKUP_KIND_NOT_ALLOWED': 'That kind of device cannot back up your primary device.',
  'error.PRIMARY_KIND_NOT_ALLOWED': 'That kind of device cannot be the primary device.',
  'error.PRIMARY_NOT_REMOVABLE': 'Make another device primary before removing this one.',
  'error.BACKUP_REQUIRED':
    'Two-step verification needs a backup device: add another before removing this one.',
  'error.TOO_MANY_BACKUPS': 'You already have as many backup devices as allowed.',
  'error.ENROLLMENT_EXPIRED': 'Setting up that device took too long. Start again.',
  'error.ENROLLMENT_NOT_FOUND': 'No device is waiting for a code. Start again.',
  'error.UNKNOWN_DEVICE': 'That device is no longer on your account.',
  'error.other': 'That change is not possible right now.',

  // Settings
  'settings.heading': 'Two-step verification',
  'settings.on': 'on',
  'settings.off': 'off',
  'settings.next.primary': 'Turn on two-step verification: first add your primary device.',
  'settings.next.backup':
    'Now add a backup device, for when your primary is not at hand. Two-step verification turns on once it is confirmed.',
  'settings.recommend':
    'You rely on a phone alone. An authenticator app is safer than text messages: consider adding one.',
  'settings.locked': (p) =>
    `Too many wrong codes were entered for your account. Your devices cannot be changed until ${p.until} (${p.wait}).`,
  'settings.col.device': 'Device',
  'settings.col.role': 'Role',
  'role.primary': 'primary',
  'role.backup': 'backup',
  'settings.waiting': 'waiting for code',
  'button.make-primary': 'Make primary',
  'button.remove': 'Remove',
  'settings.add': (p) => (p.role === 'primary' ? 'Add a primary device' : 'Add a backup device'),
  'button.use-authenticator': 'Use an authenticator app',
  'settings.apps': 'Google Authenticator, Microsoft Authenticator, Aegis, 1Password…',
  'field.phone': '+1 201 555 0123',
  'kind.sms.option': 'text message',
  'kind.voice.option': 'voice call',
  'button.send-code': 'Send a code',
  'settings.scan': 'Scan this QR code with your authenticator app',
  'settings.cant-scan': 'Can’t scan? Type this key into the app instead:',
  'settings.scan.confirm': 'Then enter the 6-digit code the app shows.',
  'settings.phone.heading': 'Confirm your phone',
  'settings.phone.sent.sms': (p) => `We sent a code by text message to ${p.phone}.`,
  'settings.phone.sent.voice': (p) => `We are calling ${p.phone} to read out a code.`,
  'settings.phone.confirm': 'Enter it here.',
  'button.confirm': 'Confirm',
  'settings.security': 'Security',
  'button.disable': 'Turn off two-step verification',
  'button.abnormal': 'Simulate an abnormal sign-in',
  'settings.abnormal': '(demands a fresh second step and signs you out)',

  // Confirmations of destructive changes
  'confirm-disable.lose': 'If you turn it off:',
  'confirm-disable.devices': (p) =>
    `${p.n} ${plural(p.n, 'device', 'devices')} will be removed from your account, and their codes will stop working:`,
  'confirm-disable.browsers': 'Browsers you asked us to remember will be forgotten.',
  'confirm-disable.password':
    'Signing in will need only your password, which makes your account easier to take over.',
  'confirm-disable.again': 'To turn it on again later, you will have to set up your devices again.',
  'button.confirm-disable': 'Yes, turn it off',
  'confirm-remove.what': 'This device will be removed from your account, and its codes will stop working:',
  'button.confirm-remove': 'Yes, remove it',
  'button.keep': 'No, keep it',

  // Device kinds
  'kind.authenticator': 'Authenticator app',
  'kind.sms': 'Phone (text messages)',
  'kind.voice': 'Phone (voice calls)',

  // Notifications: what the app would e-mail or push (engine events)
  'notifications.heading': 'Notifications',
  'notifications.about': 'Events on your account; a real app e-mails or pushes the important ones.',
  'notifications.none': 'none yet',
  'event.enrollment-started': (p) =>
    `Started adding a device: ${p.kind} as ${p.role}${p.phone ? ` (${p.phone})` : ''}`,
  'event.device-added': (p) => `${p.kind} added as ${p.role}`,
  'event.device-replaced': (p) => `${p.replaced} replaced by ${p.kind}`,
  'event.device-removed': (p) => `${p.kind} removed`,
  'event.primary-changed': 'Primary device changed',
  'event.two-step-enabled': 'Two-step verification turned on',
  'event.two-step-disabled': 'Two-step verification turned off',
  'event.challenge-started': (p) => `Sign-in code asked for: ${p.kind}`,
  'event.code-sent.sms': (p) => `Code sent by text message to ${p.to}`,
  'event.code-sent.voice': (p) => `Code read out in a call to ${p.to}`,
  'event.code-sent.email': (p) => `Code sent by e-mail to ${p.to}`,
  'event.verification-passed.sign-in': 'Signed in with a code',
  'event.verification-passed.enrollment': 'New device confirmed with a code',
  'event.verification-passed.contact': 'Contact confirmed with a code',
  'event.verification-failed': (p) => `Wrong code (${p.failures} in a row)`,
  'event.replay-refused': 'A code was used twice and refused',
  'event.locked': (p) => `Too many wrong codes: signing in paused until ${p.until}`,
  'event.reverification-required': (p) =>
    `Next sign-in must pass a fresh check${p.reason ? `: ${p.reason}` : ''}`,
  'event.contact-verified': (p) => `Emergency contact ${p.contact} verified`,
  'event.other': 'Account activity',
  'abnormal.reason': 'sign-in from a new device',

  // The demo phone: a stand-in for the user's real handset, kept apart from the account
  'phone.about':
    'This page stands in for a real phone: texts and calls the demo sends to a number land here instead of at a carrier. It is not part of your account; in a real app, codes arrive on your own phone.',
  'phone.which': 'Which phone are you holding?',
  'button.open': 'Open',
  'phone.bad-number':
    'That does not look like a phone number. Use the international form, like +1 201 555 0123.',
  'phone.empty': 'No messages on this phone.',
  'phone.sms': (p) => `Your ${p.issuer} ${p.what} code is ${p.code}. We never ask for it: don’t share it.`,
  'phone.voice': (p) => `Missed call from ${p.issuer}, reading out your ${p.what} code: ${p.code}.`,
  'phone.what.sign-in': 'sign-in',
  'phone.what.enrollment': 'set-up',
  'phone.what.contact': 'verification',
};

export const TABLES = { en };

/**
 * The text function for a language: `t('reason.invalid', { attemptsLeft: 3 })`. Unknown keys throw, so a
 * typo fails the tests instead of reaching a page.
 * @param {string} [locale]
 */
export function translator(locale = 'en') {
  const table = TABLES[locale] ?? en;
  const t = (key, params = {}) => {
    const value = table[key] ?? en[key];
    if (value === undefined) throw new Error(`demo text: no text for ${key}`);
    return typeof value === 'function' ? value(params) : value;
  };
  t.locale = TABLES[locale] ? locale : 'en';
  return t;
}
