/**
 * Remembered browsers ("don't ask again on this computer"): issuing a token after a sign-in verification,
 * skipping the second step with it (rotating it on every use), listing and revoking them, and revoking
 * them all when the account's second step changes.
 *
 * A token is `<browser id>.<64 hex digits>` (256 random bits). The record keeps only HMAC-SHA256 of the
 * random part under the engine's `codeKey`, bound to the user and browser id, so neither a database leak
 * nor a copied record yields a usable token. Every use replaces the token; presenting a replaced one again
 * means a copy is in use (stolen, or a replayed request), and revokes that browser (reuse detection, as
 * for rotated OAuth refresh tokens).
 * @module
 */
import { TwoSvError } from '../errors.js';
import { equalConstantTime, type SecretHasher } from './codes.js';
import { isLocked, lockedResult, requireRecent } from './failures.js';
import { copyRecord, type RememberedRec, type UserRecord } from './record.js';
import type { Rules, Step } from './step.js';
import type {
  BrowserRevokeReason,
  EventBody,
  RememberedBrowser,
  RememberResult,
  RememberToken,
} from './types.js';

const TOKEN = /^([0-9a-f]{18})\.([0-9a-f]{64})$/;

export function browserInfo(b: RememberedRec): RememberedBrowser {
  const info: { -readonly [K in keyof RememberedBrowser]: RememberedBrowser[K] } = {
    id: b.id,
    label: b.label,
    createdAt: b.createdAt,
    expiresAt: b.expiresAt,
  };
  if (b.lastUsedAt !== undefined) info.lastUsedAt = b.lastUsedAt;
  return info;
}

/** The user's browsers that have not expired at `mono`, oldest first. */
export function liveBrowsers(record: UserRecord | null, mono: number): RememberedRec[] {
  return (record?.remembered ?? []).filter((b) => b.expiresAt > mono);
}

/** Sets the browsers of `next` (dropping the field when none are left, as records without any have it). */
function setBrowsers(next: UserRecord, browsers: RememberedRec[]): void {
  if (browsers.length > 0) next.remembered = browsers;
  else delete next.remembered;
}

/**
 * Revokes every remembered browser of `next` (a fresh copy the caller will write), for `reason`; returns
 * the events. Expired ones are dropped silently.
 */
export function revokeAllBrowsers(next: UserRecord, mono: number, reason: BrowserRevokeReason): EventBody[] {
  const events: EventBody[] = liveBrowsers(next, mono).map((b) => ({
    type: 'remembered-browser-revoked',
    browser: browserInfo(b),
    reason,
  }));
  delete next.remembered;
  return events;
}

/**
 * Remembers a browser after a successful sign-in verification (a sensitive step: a recent verification is
 * needed, not a remembered browser's sign-in). Past `policy.rememberBrowser.max`, the oldest is revoked.
 * @throws `REMEMBER_BROWSER_OFF`, `UNKNOWN_USER`, `NOT_ENABLED`, `LOCKED`, `VERIFICATION_REQUIRED`.
 */
export function rememberBrowser(
  rules: Rules,
  secretHash: SecretHasher,
  record: UserRecord | null,
  mono: number,
  userId: string,
  fresh: { id: string; secret: string; label: string },
): Step<RememberToken> {
  const { policy } = rules;
  if (!policy.rememberBrowser.enabled) {
    throw new TwoSvError('REMEMBER_BROWSER_OFF', 'the policy does not let browsers be remembered');
  }
  if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
  if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
  requireRecent(policy, record, mono);
  const added: RememberedRec = {
    id: fresh.id,
    hash: secretHash('remember', userId, fresh.id, fresh.secret),
    label: fresh.label,
    createdAt: mono,
    expiresAt: mono + policy.rememberBrowser.days * 86_400_000,
  };
  const live = liveBrowsers(record, mono);
  const evicted = live.slice(0, Math.max(0, live.length + 1 - policy.rememberBrowser.max));
  const kept = live.slice(evicted.length);
  const next = copyRecord(record);
  setBrowsers(next, [...kept, added]);
  const events: EventBody[] = evicted.map((b) => ({
    type: 'remembered-browser-revoked',
    browser: browserInfo(b),
    reason: 'limit',
  }));
  const info = browserInfo(added);
  events.push({ type: 'remembered-browser-added', browser: info });
  return { next, events, result: { ok: true, token: `${fresh.id}.${fresh.secret}`, browser: info } };
}

/**
 * A sign-in presenting a remember token. Valid: the token is replaced by `rotated` and the sign-in may skip
 * the second step. It does not count as a verification (no recent-verification window, failures kept): a
 * stolen cookie must not allow sensitive changes. A malformed or unknown token changes nothing; a known
 * browser with a wrong (replaced) token is revoked.
 * @throws `UNKNOWN_USER`, `NOT_ENABLED`.
 */
export function useRememberToken(
  secretHash: SecretHasher,
  record: UserRecord | null,
  mono: number,
  userId: string,
  token: unknown,
  rotated: string,
): Step<RememberResult> {
  if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
  if (!record.enabled) throw new TwoSvError('NOT_ENABLED', "this user's 2SV is not on");
  const match = typeof token === 'string' ? TOKEN.exec(token) : null;
  const browser = match ? record.remembered?.find((b) => b.id === match[1]) : undefined;
  if (!match || !browser) return { result: { ok: false, reason: 'invalid' } };
  if (browser.expiresAt <= mono) {
    const next = copyRecord(record);
    setBrowsers(next, liveBrowsers(record, mono));
    return { next, result: { ok: false, reason: 'expired' } };
  }
  if (!equalConstantTime(secretHash('remember', userId, browser.id, match[2]!), browser.hash)) {
    const next = copyRecord(record);
    setBrowsers(
      next,
      liveBrowsers(record, mono).filter((b) => b !== browser),
    );
    return {
      next,
      events: [{ type: 'remembered-browser-revoked', browser: browserInfo(browser), reason: 'reused' }],
      result: { ok: false, reason: 'invalid' },
    };
  }
  if (isLocked(record, mono)) return { result: lockedResult(record) };
  if (record.reverify) return { result: { ok: false, reason: 'reverification-required' } };
  const used: RememberedRec = {
    ...browser,
    hash: secretHash('remember', userId, browser.id, rotated),
    lastUsedAt: mono,
  };
  const next = copyRecord(record);
  setBrowsers(
    next,
    liveBrowsers(record, mono).map((b) => (b === browser ? used : b)),
  );
  const info = browserInfo(used);
  return {
    next,
    events: [{ type: 'remembered-browser-used', browser: info }],
    result: { ok: true, token: `${browser.id}.${rotated}`, browser: info },
  };
}

/** Revokes one browser, or all (`browserId` undefined). @throws `UNKNOWN_USER`, `UNKNOWN_BROWSER`. */
export function revokeBrowsers(
  record: UserRecord | null,
  mono: number,
  browserId: string | undefined,
  reason: BrowserRevokeReason,
): Step<readonly RememberedBrowser[]> {
  if (!record) throw new TwoSvError('UNKNOWN_USER', 'this user has no 2SV record');
  const live = liveBrowsers(record, mono);
  if (browserId === undefined) {
    if (!record.remembered) return { result: [] };
    const next = copyRecord(record);
    return { next, events: revokeAllBrowsers(next, mono, reason), result: [] };
  }
  const browser = live.find((b) => b.id === browserId);
  if (!browser) throw new TwoSvError('UNKNOWN_BROWSER', 'browserId must be the id of a remembered browser');
  const kept = live.filter((b) => b !== browser);
  const next = copyRecord(record);
  setBrowsers(next, kept);
  return {
    next,
    events: [{ type: 'remembered-browser-revoked', browser: browserInfo(browser), reason }],
    result: kept.map(browserInfo),
  };
}
