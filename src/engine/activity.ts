/**
 * The activity log: what changed on a user's 2SV, kept in the user's record and written in the same
 * conditional write as the change itself, so the log never misses or invents one. Log entries are made
 * from the very events the change reports to `onEvent` (one function, {@link logActivity}), so the two
 * cannot disagree. Bursts of failed codes are summarised in one entry.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import { type ActivityRec, type ContextRec, LOGGED_TYPES, type UserRecord } from './record.js';
import type { ActivityEntry, ActivityPage, EventBody } from './types.js';

/** The longest value of each context field, in UTF-16 code units. */
export const CONTEXT_LIMITS = Object.freeze({ ip: 64, userAgent: 512, reason: 200 });

/**
 * The context the app passed with a call, checked: only `ip`, `userAgent` and `reason`, each a string
 * within its limit and without control characters (log lines stay one line).
 * @throws `INVALID_OPTION`.
 */
export function checkContext(value: unknown): ContextRec | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TwoSvError('INVALID_OPTION', 'context must be an object');
  }
  const out: ContextRec = {};
  for (const [key, x] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.hasOwn(CONTEXT_LIMITS, key)) {
      throw new TwoSvError('INVALID_OPTION', 'context may only have ip, userAgent and reason');
    }
    if (x === undefined) continue;
    const limit = CONTEXT_LIMITS[key as keyof ContextRec];
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
    if (typeof x !== 'string' || x.length > limit || /[\u0000-\u001f\u007f]/.test(x)) {
      throw new TwoSvError(
        'INVALID_OPTION',
        `context.${key} must be a string of at most ${limit} characters without control characters`,
      );
    }
    out[key as keyof ContextRec] = x;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

const isFailure = (e: EventBody) => e.type === 'verification-failed' || e.type === 'replay-refused';

/**
 * Adds to `next.activity` the entries for `events`, the events of one change about to be written: every
 * logged type as it is, and failed codes folded into one `codes-failed` entry per burst (the consecutive
 * failures since the last successful sign-in, up to a lock). Keeps the newest `policy.activityLimit`.
 * `before` is the record the change started from (`null` for a new user).
 */
export function logActivity(
  policy: Policy,
  before: UserRecord | null,
  next: UserRecord,
  events: readonly EventBody[] | undefined,
  at: number,
  context: ContextRec | undefined,
): void {
  if (!events) return;
  let log: ActivityRec[] | null = null;
  let burst = (before?.failures ?? 0) > 0;
  const ctx = context === undefined ? {} : { context };
  for (const event of events) {
    const failed = isFailure(event);
    if (!failed && !LOGGED_TYPES.has(event.type)) continue;
    log ??= [...next.activity];
    const last = log[log.length - 1];
    const seq = (last?.seq ?? 0) + 1;
    if (!failed) {
      log.push({ seq, at, ...event, ...ctx });
    } else if (burst && last?.type === 'codes-failed') {
      log[log.length - 1] = { ...last, at, count: (last.count as number) + 1, ...ctx };
    } else {
      log.push({ seq, at, type: 'codes-failed', count: 1, since: at, ...ctx });
    }
    burst = failed;
  }
  if (!log) return;
  const limit = policy.activityLimit;
  next.activity = log.length > limit ? log.slice(log.length - limit) : log;
}

/** Options of the activity page, checked. @throws `INVALID_OPTION`. */
export function checkPageOptions(options: unknown): { limit: number; before: number | undefined } {
  if (options === null || typeof options !== 'object') {
    throw new TwoSvError('INVALID_OPTION', 'options must be an object');
  }
  const { limit = 20, before } = options as { limit?: unknown; before?: unknown };
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 100) {
    throw new TwoSvError('INVALID_OPTION', 'limit must be an integer from 1 to 100');
  }
  if (before !== undefined && (!Number.isSafeInteger(before) || (before as number) < 1)) {
    throw new TwoSvError('INVALID_OPTION', 'before must be the next value of a previous page');
  }
  return { limit: limit as number, before: before as number | undefined };
}

/** One page of the log, newest first: the entries numbered below `before`, and where the next page starts. */
export function activityPage(
  record: UserRecord | null,
  limit: number,
  before: number | undefined,
): ActivityPage {
  const log = record?.activity ?? [];
  const entries: ActivityEntry[] = [];
  let i = log.length - 1;
  while (i >= 0 && before !== undefined && log[i]!.seq >= before) i--;
  for (; i >= 0 && entries.length < limit; i--) entries.push(log[i] as unknown as ActivityEntry);
  return { entries, next: i >= 0 && entries.length > 0 ? entries[entries.length - 1]!.seq : null };
}
