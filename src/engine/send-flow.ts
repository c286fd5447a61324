/**
 * The send protocol (imperative): decide on the user's record; reserve the send on the destination's
 * record; store the new code and the counted send; then, **outside the user's lock**, call the sender with
 * the policy's timeout; on a sender error or timeout undo both. The lock is not held while the sender
 * runs, so a hanging gateway delays only its own request, and a sender that calls the engine for the same
 * user does not deadlock.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import type { RandomSource } from '../secret.js';
import { logActivity } from './activity.js';
import { clockSkewError, judgeClock, judgeDestination } from './clock.js';
import { randomCode, randomId } from './codes.js';
import { maskDestination } from './contact.js';
import { type Io, userKey } from './io.js';
import { type ContextRec, emptyRecord, parseDestination, parseUser, type UserRecord } from './record.js';
import {
  DAY,
  recordSend,
  refundDestination,
  reserveDestination,
  type SendDraft,
  type SendPlan,
  undoSend,
  userSendRefusal,
} from './sends.js';
import type { CodeChannel, CodeMessage, Sender, SendRefusal } from './types.js';

/** Plans a send on the user's record (may throw to refuse), given the random draft. */
export type PlanSend<T> = (
  record: UserRecord | null,
  at: number,
  mono: number,
  draft: SendDraft,
) => SendPlan<T>;

export function createSendFlow(
  io: Io,
  policy: Policy,
  sender: Sender | undefined,
  random: RandomSource | undefined,
  destinationKey: (channel: CodeChannel, to: string) => string,
): <T>(userId: string, plan: PlanSend<T>, context?: ContextRec, locale?: string) => Promise<T | SendRefusal> {
  const { exclusive, load, save, saveUser, now, emit, retries } = io;

  /** Reserves one send on a destination's record, or says which cap refuses it. */
  function reserve(key: string, sendId: string): Promise<SendRefusal | null> {
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        const { record, mono } = judgeDestination(entry ? parseDestination(entry.record) : null, now());
        const decided = reserveDestination(policy, record, mono, sendId);
        if ('refused' in decided) return decided.refused;
        if (await save(key, decided.next, entry ? entry.version : null, mono + DAY)) return null;
      }
      throw new TwoSvError('STORE_CONFLICT', 'the destination record kept changing; nothing was sent');
    });
  }

  /** Best-effort undo of a reservation: the send did not happen. */
  async function refund(key: string, sendId: string): Promise<void> {
    try {
      await exclusive(key, async () => {
        for (let attempt = 0; attempt <= retries; attempt++) {
          const entry = await load(key);
          if (!entry) return;
          const record = parseDestination(entry.record);
          const next = refundDestination(record, sendId);
          if (!next) return;
          if (await save(key, next, entry.version, record.seen + DAY)) return;
        }
      });
    } catch {
      // The reservation stays: one send too many is counted, which errs on the safe side.
    }
  }

  /** Best-effort undo of a stored send whose sender failed: the previous code is back, the send uncounted. */
  function unsend(
    userId: string,
    draft: SendDraft,
    p: SendPlan<unknown>,
    previous: UserRecord,
    logged: readonly number[],
  ) {
    const key = userKey(userId);
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        if (!entry) return;
        const next = undoSend(parseUser(entry.record, userId), draft, p.field, previous, logged);
        if (await saveUser(userId, next, entry, next.seen, true)) return;
      }
    }).catch(() => {
      // The unsent code stays stored (nobody knows it) and the send stays counted: safe, if stingy.
    });
  }

  /** The sender's call, failed after `policy.senderTimeout` seconds. */
  function send(message: CodeMessage): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the sender did not finish within ${policy.senderTimeout} s`)),
        policy.senderTimeout * 1000,
      );
    });
    const call = new Promise<void>((resolve) => resolve(sender!(message)));
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  /** Nothing is written after the sender returns, so it is never called twice for one request. */
  return function sendFlow<T>(
    userId: string,
    plan: PlanSend<T>,
    context?: ContextRec,
    locale?: string,
  ): Promise<T | SendRefusal> {
    if (!sender) {
      return Promise.reject(new TwoSvError('INVALID_OPTION', 'a sender is required to send codes'));
    }
    const key = userKey(userId);
    const draft: SendDraft = { id: '', code: '', sendId: '' };
    let reserved: string | null = null;
    const stage = exclusive(key, async () => {
      draft.id = randomId(random);
      draft.sendId = randomId(random);
      draft.code = randomCode(policy.code.digits, random);
      let stored: { plan: SendPlan<T>; previous: UserRecord; mono: number; logged: number[] } | null = null;
      try {
        for (let attempt = 0; attempt <= retries && !stored; attempt++) {
          const entry = await load(key);
          const at = now();
          const judged = judgeClock(policy, entry ? parseUser(entry.record, userId) : null, at);
          if ('skewed' in judged) {
            if (judged.mark && !(await saveUser(userId, judged.mark, entry, at, true))) continue;
            throw clockSkewError();
          }
          const { record, mono } = judged;
          if (judged.rebased) {
            if (await saveUser(userId, record!, entry, mono)) attempt--; // not a conflict: read again
            continue;
          }
          const p = plan(record, at, mono, draft);
          const refused = userSendRefusal(policy, record, mono, p.purpose);
          if (refused) {
            if (reserved) await refund(reserved, draft.sendId);
            reserved = null;
            return refused;
          }
          const destination = destinationKey(p.channel, p.to);
          if (reserved !== destination) {
            if (reserved) await refund(reserved, draft.sendId);
            reserved = null;
            const capped = await reserve(destination, draft.sendId);
            if (capped) return capped;
            reserved = destination;
          }
          const next = recordSend(p, mono, draft.sendId);
          // Logged in the same write as the code in flight, from the events reported after the send.
          logActivity(policy, record, next, p.events, mono, context);
          const before = new Set((record?.activity ?? []).map((e) => e.seq));
          const logged = next.activity.filter((e) => !before.has(e.seq)).map((e) => e.seq);
          if (await saveUser(userId, next, entry, mono)) {
            stored = { plan: p, previous: record ?? emptyRecord(), mono, logged };
          }
        }
        if (!stored) throw new TwoSvError('STORE_CONFLICT', 'the record kept changing; nothing was sent');
      } catch (err) {
        if (reserved) await refund(reserved, draft.sendId);
        throw err;
      }
      return stored;
    });
    return stage.then(async (stored) => {
      if ('ok' in stored) return stored;
      const { plan: p, previous, mono, logged } = stored;
      try {
        await send({
          userId,
          channel: p.channel,
          to: p.to,
          code: draft.code,
          purpose: p.purpose,
          expiresAt: p.value.expiresAt,
          ...(locale === undefined ? {} : { locale }),
        });
      } catch (cause) {
        await unsend(userId, draft, p, previous, logged);
        if (reserved) await refund(reserved, draft.sendId);
        throw new TwoSvError('SENDER_FAILED', 'the sender failed; no code was sent', { cause });
      }
      const masked = maskDestination(p.channel, p.to);
      emit(userId, mono, [
        ...p.events,
        { type: 'code-sent', purpose: p.purpose, channel: p.channel, to: masked },
      ]);
      return p.result;
    });
  };
}
