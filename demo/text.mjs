// Every word the demo shows a user, in one place, keyed so that another language is one more table.
// A value is a string, or a function of the parameters for text that depends on them (plurals, names).
// Views never build user-facing sentences themselves: they call `t(key, params)`.
//
// Two languages: English and Simplified Chinese. To add one: copy `en` under its BCP 47 tag, translate every
// value, and add it to TABLES (the demo test checks every table has every key). The texts that carry codes
// (what the demo phone receives) are not here: they come from twosv's `createMessages`, as an app's would.

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
  'title.too-many': 'Too many attempts',
  'button.sign-out': 'Sign out',
  'button.cancel': 'Cancel',
  'not-found': 'Not found.',
  error: 'Something went wrong.',
  forbidden:
    'This form expired or did not come from this site, so nothing was changed. Go back, reload the page and try again.',
  'link.phone': 'Open the demo phone',
  'lang.switch': '中文',
  'too-many': (p) => `Too many attempts. For your safety, try again at ${p.at} (${p.wait}).`,
  'session.expired': 'Your session expired. Please sign in again.',

  // Welcome
  'welcome.create': 'Create an account',
  'welcome.sign-in': 'Sign in',
  'field.username': 'user name',
  'field.password': 'password',
  'field.new-password': 'password (8+ characters)',
  'button.create': 'Create account',
  'button.sign-in': 'Sign in',
  'welcome.memory': 'Everything lives in this process’s memory: restart the demo and it is gone.',
  'welcome.stored': (p) =>
    `Accounts and their two-step verification settings are kept in ${p.where}: they survive a restart of the demo.`,
  'welcome.bad-signup':
    'Pick another user name (letters, digits, . @ + - _; case does not matter, and it must not be taken) and 8+ characters of password.',
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

  // Recovery codes, remembered browsers, recent activity, replacing a device
  'title.recovery': 'Recovery codes',
  'title.recovery-codes': 'Your recovery codes',
  'title.replace': 'Replace a device',
  'title.activity': 'Recent activity',
  'challenge.recovery': 'Lost your devices? Use a recovery code',
  'challenge.recovery.prompt':
    'Type one of the recovery codes you saved. Each works once; capitals, spaces and dashes do not matter.',
  'reason.recovery-invalid': (p) =>
    `That is not one of your unused recovery codes. ${p.attemptsLeft} ${plural(p.attemptsLeft, 'attempt', 'attempts')} left.`,
  'flash.recovery-used': (p) =>
    `Signed in with a recovery code: it will not work again. ${p.n} ${plural(p.n, 'code', 'codes')} left. If your devices are lost, replace them below.`,
  'flash.recovery-low': 'Few recovery codes are left: get a new set below.',
  'flash.device-replaced': 'Device replaced. The old one no longer works.',
  'flash.browser-revoked': (p) =>
    `Browser forgotten: it will ask for the second step again. ${p.n} ${plural(p.n, 'browser', 'browsers')} still remembered.`,
  'flash.browsers-revoked': 'Every browser was forgotten: each will ask for the second step again.',
  'error.UNKNOWN_BROWSER': 'That browser is no longer remembered.',
  'error.NOT_ENABLED': 'Two-step verification is not on for this account.',
  'browser.on': (p) => `${p.browser} on ${p.os}`,
  'browser.unknown': 'A web browser',
  'button.replace': 'Replace',
  'settings.activity': 'Recent activity',
  'button.activity': 'Review recent activity',
  'settings.activity.about': '(what changed on your account, when, and from where)',
  'settings.recovery': 'Recovery codes',
  'settings.recovery.left': (p) =>
    `${p.n} unused ${plural(p.n, 'code', 'codes')} left, from the set you got on ${p.at}.`,
  'settings.recovery.none':
    'You have no recovery codes. Get a set and keep it safe: it lets you sign in if you lose your devices.',
  'settings.recovery.low': (p) =>
    `Only ${p.n} ${plural(p.n, 'code is', 'codes are')} left. Get a new set before you run out.`,
  'button.recovery.get': 'Get recovery codes',
  'button.recovery.new': 'Get a new set of recovery codes',
  'settings.browsers': 'Remembered browsers',
  'browsers.about': 'These browsers skip the second step at sign-in. Forget any you do not recognise.',
  'browsers.col.browser': 'Browser',
  'browsers.col.created': 'Remembered',
  'browsers.col.used': 'Last used',
  'browsers.this': 'this browser',
  'browsers.never': 'not yet',
  'button.revoke': 'Forget',
  'button.revoke-all': 'Forget all browsers',
  'settings.replacing': (p) => `This replaces ${p.device} (${p.role}) once confirmed.`,
  'recovery.what':
    'Recovery codes let you sign in when you have none of your devices: each works once, in place of a code.',
  'recovery.voids': (p) =>
    `Getting a new set voids your current one: the ${p.n} unused ${plural(p.n, 'code', 'codes')} you have will stop working.`,
  'recovery.ready':
    'The new codes are shown once. Have a safe place ready: a password manager, or a printout kept away from your devices.',
  'button.recovery.show': 'Show my new recovery codes',
  'button.not-now': 'Not now',
  'recovery.once':
    'Save these codes now: they will not be shown again. Each works once. Getting a new set voids them.',
  'button.copy': 'Copy',
  'button.copied': 'Copied',
  'button.download': 'Download (.txt)',
  'recovery.use':
    'To use one, choose “Lost your devices? Use a recovery code” at the second step of signing in.',
  'button.saved': 'I have saved them',
  'recovery.file.title': (p) => `${p.app}: recovery codes for ${p.name}`,
  'recovery.file.date': (p) => `Issued on ${p.date} (UTC)`,
  'recovery.file.note':
    'Each code works once, in place of a code from your devices. A new set voids these. Keep this file safe.',
  'replace.what': 'The device to replace:',
  'replace.how':
    'Add the new device: it takes this one’s role once its code is confirmed, and the old one stops working. Remembered browsers are forgotten, in case one was with the lost device.',
  'activity.about':
    'What changed on your account, newest first, with the address and browser it came from. If you do not recognise something, change your password and review your devices.',
  'activity.col.when': 'When',
  'activity.col.what': 'What happened',
  'activity.col.device': 'Device',
  'activity.col.ip': 'IP address',
  'activity.col.browser': 'Browser',
  'activity.none': 'Nothing yet.',
  'button.older': 'Older',
  'button.newest': 'Newest',
  'button.back': 'Back to settings',

  // The support page
  'title.support': 'Support: reset two-step verification',
  'support.real-app':
    'REAL APP: this page stands for your staff console, with its own sign-in and the identity checks you trust (an ID document, a call-back to a number on file from before the request, a waiting period). Never a page of the user-facing app behind a shared password, as in this demo.',
  'support.heading': 'Reset a user’s two-step verification',
  'support.what':
    'For a user who lost every device and every recovery code, once you have checked who they are. It removes their devices, recovery codes and remembered browsers, ends any lock, and turns two-step verification off: they set it up afresh at their next sign-in. Who did it and why go into their activity log.',
  'field.support-password': 'support password',
  'field.actor': 'who is resetting (your name)',
  'field.reason': 'why (ticket, identity check done)',
  'button.reset': 'Reset two-step verification',
  'support.bad-password': 'Wrong support password.',
  'support.no-account': 'There is no account with that user name.',
  'support.bad-form': 'Say who is resetting (up to 200 characters) and why (up to 500).',
  'support.no-record': (p) => `${p.name} has never set up two-step verification: there is nothing to reset.`,
  'support.done': (p) =>
    `Reset done for ${p.name}: ${p.devices} ${plural(p.devices, 'device', 'devices')} and ${p.codes} unused recovery ${plural(p.codes, 'code', 'codes')} removed, remembered browsers forgotten. Two-step verification is off; they set it up afresh at their next sign-in.`,

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
  'event.device-replaced': (p) =>
    p.replaced === p.kind ? `${p.replaced} replaced by a new one` : `${p.replaced} replaced by ${p.kind}`,
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
  'event.verification-passed.recovery': 'Signed in with a recovery code',
  'event.verification-failed': (p) => `Wrong code (${p.failures} in a row)`,
  'event.replay-refused': 'A code was used twice and refused',
  'event.locked': (p) => `Too many wrong codes: signing in paused until ${p.until}`,
  'event.reverification-required': (p) =>
    `Next sign-in must pass a fresh check${p.reason ? `: ${p.reason}` : ''}`,
  'event.contact-verified': (p) => `Emergency contact ${p.contact} verified`,
  'event.remembered-browser-added': (p) => `Browser remembered: ${p.label}`,
  'event.remembered-browser-used': (p) => `Signed in on a remembered browser: ${p.label}`,
  'event.remembered-browser-revoked': (p) => `Browser forgotten: ${p.label} (${p.why})`,
  'event.enrollment-cancelled': (p) => `Stopped adding a device: ${p.kind} as ${p.role}`,
  'event.contact-removed': (p) => `Emergency contact ${p.contact} removed`,
  'event.recovery-codes-issued': (p) =>
    `New set of ${p.n} recovery codes${p.voided ? `; the ${p.voided} unused ${plural(p.voided, 'code', 'codes')} of the old set voided` : ''}`,
  'event.recovery-code-used': (p) => `Recovery code used: ${p.n} left`,
  'event.recovery-codes-low': (p) => `Only ${p.n} recovery ${plural(p.n, 'code', 'codes')} left`,
  'event.two-step-reset': (p) =>
    `Two-step verification reset by support (${p.actor}: ${p.reason}); ${p.n} ${plural(p.n, 'device', 'devices')} and ${p.codes} recovery ${plural(p.codes, 'code', 'codes')} removed`,
  'event.codes-failed': (p) => `${p.n} wrong ${plural(p.n, 'code', 'codes')}`,
  'revoked.user': 'by you',
  'revoked.password-changed': 'password changed',
  'revoked.disabled': 'two-step verification turned off',
  'revoked.device-removed': 'a device was removed',
  'revoked.device-replaced': 'a device was replaced',
  'revoked.reset': 'support reset',
  'revoked.limit': 'too many remembered browsers',
  'revoked.reused': 'an old copy of its token was used',
  'event.other': 'Account activity',
  'abnormal.reason': 'sign-in from a new device',

  // The demo phone: a stand-in for the user's real handset, kept apart from the account
  'phone.about':
    'This page stands in for a real phone: texts and calls the demo sends to a number land here instead of at a carrier. It shows only what was sent for the account signed in on this browser. It is not part of your account; in a real app, codes arrive on your own phone.',
  'phone.sign-in':
    'Sign in on this browser first (your user name and password): then this page shows the texts and calls sent for your account.',
  'phone.yours': 'Numbers that got texts or calls for your account:',
  'phone.which': 'Which phone are you holding?',
  'button.open': 'Open',
  'phone.bad-number':
    'That does not look like a phone number. Use the international form, like +1 201 555 0123.',
  'phone.empty': 'No messages on this phone.',
  'phone.sms': 'Text message',
  'phone.voice': 'Call',
};

/** Simplified Chinese (mainland). No plurals; numbers stand next to their measure words. */
const zhCN = {
  'app.name': 'twosv 演示',
  'title.welcome': '欢迎',
  'title.security': '账号安全',
  'title.sign-in': '登录',
  'title.step-up': '确认是您本人',
  'title.confirm-disable': '关闭两步验证？',
  'title.confirm-remove': '移除此设备？',
  'title.phone': '演示手机',
  'title.not-found': '未找到',
  'title.error': '出错了',
  'title.forbidden': '表单已失效',
  'title.too-many': '尝试过于频繁',
  'button.sign-out': '退出登录',
  'button.cancel': '取消',
  'not-found': '未找到该页面。',
  error: '出了点问题。',
  forbidden: '此表单已失效或并非来自本站，因此没有做任何更改。请返回、刷新页面后重试。',
  'too-many': (p) => `尝试过于频繁。为保护账号安全，请于${p.at}（${p.wait}）后再试。`,
  'link.phone': '打开演示手机',
  'lang.switch': 'English',
  'session.expired': '您的会话已过期，请重新登录。',

  'welcome.create': '注册账号',
  'welcome.sign-in': '登录',
  'field.username': '用户名',
  'field.password': '密码',
  'field.new-password': '密码（至少 8 个字符）',
  'button.create': '注册',
  'button.sign-in': '登录',
  'welcome.memory': '所有数据只保存在本进程的内存中：重启演示后即全部消失。',
  'welcome.stored': (p) => `账号和两步验证设置保存在${p.where}中，重启演示后依然保留。`,
  'welcome.bad-signup':
    '请换一个用户名（字母、数字、汉字或 . @ + - _，不区分大小写，不能与他人重复），密码至少 8 个字符。',
  'welcome.bad-signin': '用户名或密码错误。',
  'welcome.signed-out': '您已退出登录。',

  'challenge.heading': '第二步验证',
  'challenge.prompt.authenticator': '请输入身份验证器应用显示的 6 位验证码。',
  'challenge.prompt.sms': (p) => `请输入我们通过短信发送到 ${p.phone} 的验证码。`,
  'challenge.prompt.voice': (p) => `请输入我们致电 ${p.phone} 时播报的验证码。`,
  'challenge.prompt.none': '请选择获取验证码的方式。',
  'challenge.remember': '在此浏览器上记住我 30 天',
  'button.verify': '验证',
  'challenge.other': '设备不在手边？',
  'challenge.use.authenticator': '改用身份验证器应用',
  'challenge.use.sms': (p) => `改为发送短信验证码到 ${p.phone}`,
  'challenge.use.voice': (p) => `改为致电 ${p.phone} 播报验证码`,
  'challenge.again.authenticator': '用身份验证器应用重试',
  'challenge.again.sms': '重新发送验证码',
  'challenge.again.voice': '重新致电',
  'challenge.phone-hint': '本演示的短信和来电会发到演示手机上，而不是真实手机。',
  'challenge.locked': (p) => `验证码错误次数过多。为保护账号安全，登录已暂停至${p.until}（${p.wait}）。`,
  'challenge.locked.after': '请届时再重新登录。在此之前无法进行任何操作。',
  'challenge.locked.step-up': (p) =>
    `验证码错误次数过多。为保护账号安全，设备更改已暂停至${p.until}（${p.wait}）。`,
  'challenge.locked.after.step-up': '您仍可使用账号；请届时再来进行更改。',

  'reason.invalid': (p) => `验证码错误，还可尝试 ${p.attemptsLeft} 次。`,
  'reason.replayed': (p) => `该验证码已使用过，请等待应用显示下一个验证码。还可尝试 ${p.attemptsLeft} 次。`,
  'reason.attempts-exhausted.authenticator': '验证码错误次数过多。请等待应用显示新的验证码后重试。',
  'reason.attempts-exhausted.phone': '此验证码错误次数过多，请重新获取。',
  'reason.expired.authenticator': '耗时过长。请用应用当前显示的验证码重试。',
  'reason.expired.phone': '验证码已过期，请重新获取。',
  'reason.no-challenge': '请选择获取验证码的方式。',
  'reason.throttled': (p) => `我们刚刚发送过验证码。您可以在${p.at}（${p.wait}）再次获取。`,
  'reason.throttled.app-hint': '身份验证器应用无需等待：现在就可以使用。',
  'reason.throttled.still-valid': '已发送的验证码仍然有效：请直接输入。',
  'reason.throttled.daily': (p) => `今天发送的验证码过多。您可以在${p.at}（${p.wait}）再次获取。`,

  'wait.seconds': (p) => `${p.n} 秒后`,
  'wait.minutes': (p) => `${p.n} 分钟后`,
  'wait.hours': (p) => `${p.n} 小时后`,

  'flash.signed-in': '已登录。',
  'flash.remembered': '已登录：此浏览器已被记住。',
  'flash.confirmed': '已确认。现在可以进行更改。',
  'flash.device-added': '设备已添加。',
  'flash.device-added-on': '设备已添加。两步验证已开启。',
  'flash.primary-changed': '主设备已更改。',
  'flash.device-removed': '设备已移除。',
  'flash.disabled': '两步验证已关闭。',

  'error.VERIFICATION_REQUIRED': '为保护账号安全，请先用新的验证码确认是您本人。',
  'error.LOCKED': '验证码错误次数过多：锁定结束前无法更改设备。',
  'error.INVALID_PHONE': '这看起来不是有效的手机号码。请使用国际格式，例如 +86 138 0013 8000。',
  'error.DUPLICATE_PHONE': '备用设备的手机号码必须与主设备不同。',
  'error.BACKUP_KIND_NOT_ALLOWED': '这类设备不能作为主设备的备用设备。',
  'error.PRIMARY_KIND_NOT_ALLOWED': '这类设备不能作为主设备。',
  'error.PRIMARY_NOT_REMOVABLE': '请先将另一台设备设为主设备，再移除此设备。',
  'error.BACKUP_REQUIRED': '两步验证需要一台备用设备：请先添加另一台设备，再移除此设备。',
  'error.TOO_MANY_BACKUPS': '备用设备数量已达上限。',
  'error.ENROLLMENT_EXPIRED': '设置此设备耗时过长，请重新开始。',
  'error.ENROLLMENT_NOT_FOUND': '没有等待验证码的设备，请重新开始。',
  'error.UNKNOWN_DEVICE': '该设备已不在您的账号中。',
  'error.other': '目前无法进行此更改。',

  'title.recovery': '恢复码',
  'title.recovery-codes': '您的恢复码',
  'title.replace': '更换设备',
  'title.activity': '近期动态',
  'challenge.recovery': '设备丢失？使用恢复码',
  'challenge.recovery.prompt':
    '请输入您保存的一个恢复码。每个只能使用一次；不区分大小写，空格和连字符可忽略。',
  'reason.recovery-invalid': (p) => `这不是您未使用的恢复码。还可尝试 ${p.attemptsLeft} 次。`,
  'flash.recovery-used': (p) =>
    `已用恢复码登录：该恢复码不能再次使用。还剩 ${p.n} 个。如果您的设备已丢失，请在下方更换。`,
  'flash.recovery-low': '恢复码所剩不多：请在下方获取一组新的恢复码。',
  'flash.device-replaced': '设备已更换。旧设备已失效。',
  'flash.browser-revoked': (p) =>
    `已遗忘该浏览器：它登录时将再次要求第二步验证。仍有 ${p.n} 个浏览器被记住。`,
  'flash.browsers-revoked': '已遗忘所有浏览器：它们登录时都将再次要求第二步验证。',
  'error.UNKNOWN_BROWSER': '该浏览器已不再被记住。',
  'error.NOT_ENABLED': '此账号未开启两步验证。',
  'browser.on': (p) => `${p.os} 上的 ${p.browser}`,
  'browser.unknown': '网页浏览器',
  'button.replace': '更换',
  'settings.activity': '近期动态',
  'button.activity': '查看近期动态',
  'settings.activity.about': '（您账号上的更改：时间和来源）',
  'settings.recovery': '恢复码',
  'settings.recovery.left': (p) => `还剩 ${p.n} 个未使用的恢复码（于${p.at}获取）。`,
  'settings.recovery.none': '您还没有恢复码。请获取一组并妥善保存：设备丢失时可以用它登录。',
  'settings.recovery.low': (p) => `只剩 ${p.n} 个恢复码了。请在用完之前获取一组新的。`,
  'button.recovery.get': '获取恢复码',
  'button.recovery.new': '获取一组新的恢复码',
  'settings.browsers': '已记住的浏览器',
  'browsers.about': '这些浏览器登录时无需第二步验证。如有您不认识的，请遗忘它。',
  'browsers.col.browser': '浏览器',
  'browsers.col.created': '记住时间',
  'browsers.col.used': '上次使用',
  'browsers.this': '当前浏览器',
  'browsers.never': '尚未使用',
  'button.revoke': '遗忘',
  'button.revoke-all': '遗忘所有浏览器',
  'settings.replacing': (p) => `确认后将替换${p.device}（${p.role}）。`,
  'recovery.what': '恢复码可在您手边没有任何设备时用于登录：每个只能使用一次，用来代替验证码。',
  'recovery.voids': (p) => `获取新的一组会作废当前这组：您剩下的 ${p.n} 个未使用的恢复码将失效。`,
  'recovery.ready': '新的恢复码只显示一次。请准备好安全的保存位置：密码管理器，或与设备分开存放的打印件。',
  'button.recovery.show': '显示我的新恢复码',
  'button.not-now': '以后再说',
  'recovery.once': '请立即保存这些恢复码：它们不会再次显示。每个只能使用一次。获取新的一组后它们将作废。',
  'button.copy': '复制',
  'button.copied': '已复制',
  'button.download': '下载（.txt）',
  'recovery.use': '使用时，请在登录的第二步选择“设备丢失？使用恢复码”。',
  'button.saved': '我已保存',
  'recovery.file.title': (p) => `${p.app}：${p.name} 的恢复码`,
  'recovery.file.date': (p) => `获取日期：${p.date}（UTC）`,
  'recovery.file.note':
    '每个恢复码只能使用一次，用来代替设备上的验证码。获取新的一组后这些将作废。请妥善保管此文件。',
  'replace.what': '要更换的设备：',
  'replace.how':
    '请添加新设备：验证码确认后，它将接替此设备的用途，旧设备随即失效。已记住的浏览器将被遗忘，以防其中有一个与丢失的设备在一起。',
  'activity.about':
    '您账号上的更改，最新的在前，附带来源的地址和浏览器。如有您不认识的操作，请修改密码并检查您的设备。',
  'activity.col.when': '时间',
  'activity.col.what': '发生了什么',
  'activity.col.device': '设备',
  'activity.col.ip': 'IP 地址',
  'activity.col.browser': '浏览器',
  'activity.none': '暂无。',
  'button.older': '更早',
  'button.newest': '最新',
  'button.back': '返回设置',

  'title.support': '客服：重置两步验证',
  'support.real-app':
    'REAL APP：此页面代表您的客服后台，它有自己的登录和您信任的身份核验（身份证件、回拨申请前已登记的号码、等待期）。绝不应像本演示这样，作为面向用户的应用中一个用共享密码保护的页面。',
  'support.heading': '重置用户的两步验证',
  'support.what':
    '用于丢失了所有设备和所有恢复码的用户，须先核验其身份。它会移除用户的设备、恢复码和已记住的浏览器，解除锁定，并关闭两步验证：用户下次登录时重新设置。操作人和原因会记入用户的动态。',
  'field.support-password': '客服密码',
  'field.actor': '操作人（您的名字）',
  'field.reason': '原因（工单、已做的身份核验）',
  'button.reset': '重置两步验证',
  'support.bad-password': '客服密码错误。',
  'support.no-account': '没有该用户名的账号。',
  'support.bad-form': '请填写操作人（最多 200 个字符）和原因（最多 500 个字符）。',
  'support.no-record': (p) => `${p.name} 从未设置过两步验证：没有可重置的内容。`,
  'support.done': (p) =>
    `已重置 ${p.name}：移除了 ${p.devices} 台设备和 ${p.codes} 个未使用的恢复码，已遗忘记住的浏览器。两步验证已关闭；用户下次登录时重新设置。`,

  'settings.heading': '两步验证',
  'settings.on': '已开启',
  'settings.off': '已关闭',
  'settings.next.primary': '开启两步验证：请先添加主设备。',
  'settings.next.backup': '现在请添加一台备用设备，以备主设备不在手边时使用。确认后两步验证即开启。',
  'settings.recommend': '您只依靠一部手机。身份验证器应用比短信更安全：建议添加一个。',
  'settings.locked': (p) => `您的账号验证码错误次数过多。${p.until}（${p.wait}）之前无法更改设备。`,
  'settings.col.device': '设备',
  'settings.col.role': '用途',
  'role.primary': '主设备',
  'role.backup': '备用设备',
  'settings.waiting': '等待验证码',
  'button.make-primary': '设为主设备',
  'button.remove': '移除',
  'settings.add': (p) => (p.role === 'primary' ? '添加主设备' : '添加备用设备'),
  'button.use-authenticator': '使用身份验证器应用',
  'settings.apps': 'Google 身份验证器、Microsoft Authenticator、Aegis、1Password……',
  'field.phone': '+86 138 0013 8000',
  'kind.sms.option': '短信',
  'kind.voice.option': '语音电话',
  'button.send-code': '发送验证码',
  'settings.scan': '请用身份验证器应用扫描此二维码',
  'settings.cant-scan': '无法扫描？请在应用中手动输入此密钥：',
  'settings.scan.confirm': '然后输入应用显示的 6 位验证码。',
  'settings.phone.heading': '确认您的手机',
  'settings.phone.sent.sms': (p) => `我们已通过短信向 ${p.phone} 发送验证码。`,
  'settings.phone.sent.voice': (p) => `我们正在致电 ${p.phone} 播报验证码。`,
  'settings.phone.confirm': '请在此输入。',
  'button.confirm': '确认',
  'settings.security': '安全',
  'button.disable': '关闭两步验证',
  'button.abnormal': '模拟一次异常登录',
  'settings.abnormal': '（要求重新进行第二步验证，并让您退出登录）',

  'confirm-disable.lose': '如果关闭：',
  'confirm-disable.devices': (p) => `${p.n} 台设备将从您的账号中移除，其验证码将失效：`,
  'confirm-disable.browsers': '您要求记住的浏览器将被遗忘。',
  'confirm-disable.password': '登录将只需要密码，账号更容易被他人盗用。',
  'confirm-disable.again': '以后如需重新开启，需要重新设置您的设备。',
  'button.confirm-disable': '是的，关闭',
  'confirm-remove.what': '此设备将从您的账号中移除，其验证码将失效：',
  'button.confirm-remove': '是的，移除',
  'button.keep': '不，保留',

  'kind.authenticator': '身份验证器应用',
  'kind.sms': '手机（短信）',
  'kind.voice': '手机（语音电话）',

  'notifications.heading': '通知',
  'notifications.about': '您账号上的事件；真实应用会通过邮件或推送告知重要事件。',
  'notifications.none': '暂无',
  'event.enrollment-started': (p) =>
    `开始添加设备：${p.kind}，用作${p.role}${p.phone ? `（${p.phone}）` : ''}`,
  'event.device-added': (p) => `已添加${p.kind}，用作${p.role}`,
  'event.device-replaced': (p) =>
    p.replaced === p.kind ? `${p.replaced}已更换为新的` : `${p.replaced}已被${p.kind}替换`,
  'event.device-removed': (p) => `已移除${p.kind}`,
  'event.primary-changed': '主设备已更改',
  'event.two-step-enabled': '两步验证已开启',
  'event.two-step-disabled': '两步验证已关闭',
  'event.challenge-started': (p) => `请求登录验证码：${p.kind}`,
  'event.code-sent.sms': (p) => `验证码已通过短信发送至 ${p.to}`,
  'event.code-sent.voice': (p) => `已致电 ${p.to} 播报验证码`,
  'event.code-sent.email': (p) => `验证码已通过邮件发送至 ${p.to}`,
  'event.verification-passed.sign-in': '已用验证码登录',
  'event.verification-passed.enrollment': '已用验证码确认新设备',
  'event.verification-passed.contact': '已用验证码确认联系方式',
  'event.verification-passed.recovery': '已用恢复码登录',
  'event.verification-failed': (p) => `验证码错误（连续 ${p.failures} 次）`,
  'event.replay-refused': '一个验证码被重复使用，已拒绝',
  'event.locked': (p) => `验证码错误次数过多：登录暂停至${p.until}`,
  'event.reverification-required': (p) => `下次登录须重新验证${p.reason ? `：${p.reason}` : ''}`,
  'event.contact-verified': (p) => `紧急联系方式 ${p.contact} 已验证`,
  'event.remembered-browser-added': (p) => `已记住浏览器：${p.label}`,
  'event.remembered-browser-used': (p) => `在已记住的浏览器上登录：${p.label}`,
  'event.remembered-browser-revoked': (p) => `已遗忘浏览器：${p.label}（${p.why}）`,
  'event.enrollment-cancelled': (p) => `已停止添加设备：${p.kind}，用作${p.role}`,
  'event.contact-removed': (p) => `紧急联系方式 ${p.contact} 已移除`,
  'event.recovery-codes-issued': (p) =>
    `新的一组 ${p.n} 个恢复码${p.voided ? `；旧的一组中 ${p.voided} 个未使用的恢复码已作废` : ''}`,
  'event.recovery-code-used': (p) => `已使用一个恢复码：还剩 ${p.n} 个`,
  'event.recovery-codes-low': (p) => `恢复码只剩 ${p.n} 个`,
  'event.two-step-reset': (p) =>
    `客服重置了两步验证（${p.actor}：${p.reason}）；移除了 ${p.n} 台设备和 ${p.codes} 个恢复码`,
  'event.codes-failed': (p) => `${p.n} 次验证码错误`,
  'revoked.user': '由您操作',
  'revoked.password-changed': '密码已修改',
  'revoked.disabled': '两步验证已关闭',
  'revoked.device-removed': '有设备被移除',
  'revoked.device-replaced': '有设备被更换',
  'revoked.reset': '客服重置',
  'revoked.limit': '记住的浏览器过多',
  'revoked.reused': '有人使用了其令牌的旧副本',
  'event.other': '账号动态',
  'abnormal.reason': '新设备登录',

  'phone.about':
    '此页面代替一部真实手机：演示发往某个号码的短信和来电会出现在这里，而不经过运营商。它只显示为本浏览器上登录的账号发送的内容。它不属于您的账号；在真实应用中，验证码会发到您自己的手机上。',
  'phone.sign-in': '请先在此浏览器上登录（用户名和密码）：之后此页面会显示为您的账号发送的短信和来电。',
  'phone.yours': '收到过您账号短信或来电的号码：',
  'phone.which': '您拿着哪部手机？',
  'button.open': '打开',
  'phone.bad-number': '这看起来不是有效的手机号码。请使用国际格式，例如 +86 138 0013 8000。',
  'phone.empty': '这部手机上没有消息。',
  'phone.sms': '短信',
  'phone.voice': '来电播报',
};

export const TABLES = { en, 'zh-CN': zhCN };

/** The demo's languages, the default first. */
export const LOCALES = Object.keys(TABLES);

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
