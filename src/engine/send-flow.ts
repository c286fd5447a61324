/**
 * The send protocol (imperative): decide on the user's record; reserve the send on the destination's
 * record; store the new code and the counted send; call the sender; on a sender error undo both.
 * @module
 */
import { TwoSvError } from '../errors.js';
import type { Policy } from '../policy.js';
import type { RandomSource } from '../secret.js';
import { logActivity } from './activity.js';
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
import type { CodeChannel, Sender, SendRefusal } from './types.js';

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
): <T>(userId: string, plan: PlanSend<T>, context?: ContextRec) => Promise<T | SendRefusal> {
  const { exclusive, load, save, now, emit, retries } = io;

  /** Reserves one send on a destination's record, or says which cap refuses it. */
  function reserve(key: string, sendId: string): Promise<SendRefusal | null> {
    return exclusive(key, async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        const record = entry ? parseDestination(entry.record) : null;
        const at = now();
        const mono = Math.max(at, record?.seen ?? at);
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
  async function unsend(
    key: string,
    draft: SendDraft,
    p: SendPlan<unknown>,
    previous: UserRecord,
    logged: readonly number[],
  ) {
    try {
      for (let attempt = 0; attempt <= retries; attempt++) {
        const entry = await load(key);
        if (!entry) return;
        const next = undoSend(parseUser(entry.record), draft, p.field, previous, logged);
        if (await save(key, next, entry.version)) return;
      }
    } catch {
      // The unsent code stays stored (nobody knows it) and the send stays counted: safe, if stingy.
    }
  }

  /** Nothing is written after the sender returns, so it is never called twice for one request. */
  return function sendFlow<T>(
    userId: string,
    plan: PlanSend<T>,
    context?: ContextRec,
  ): Promise<T | SendRefusal> {
    if (!sender) {
      return Promise.reject(new TwoSvError('INVALID_OPTION', 'a sender is required to send codes'));
    }
    const key = userKey(userId);
    return exclusive(key, async () => {
      const draft: SendDraft = { id: randomId(random), code: '', sendId: randomId(random) };
      draft.code = randomCode(policy.code.digits, random);
      let reserved: string | null = null;
      let stored: { plan: SendPlan<T>; previous: UserRecord; mono: number; logged: number[] } | null = null;
      try {
        for (let attempt = 0; attempt <= retries && !stored; attempt++) {
          const entry = await load(key);
          const record = entry ? parseUser(entry.record) : null;
          const at = now();
          const mono = Math.max(at, record?.seen ?? at);
          const p = plan(record, at, mono, draft);
          const refused = userSendRefusal(policy, record, mono);
          if (refused) {
            if (reserved) await refund(reserved, draft.sendId);
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
          if (await save(key, next, entry ? entry.version : null)) {
            stored = { plan: p, previous: record ?? emptyRecord(), mono, logged };
          }
        }
        if (!stored) throw new TwoSvError('STORE_CONFLICT', 'the record kept changing; nothing was sent');
      } catch (err) {
        if (reserved) await refund(reserved, draft.sendId);
        throw err;
      }
      const { plan: p, previous, mono, logged } = stored;
      try {
        await sender({
          userId,
          channel: p.channel,
          to: p.to,
          code: draft.code,
          purpose: p.purpose,
          expiresAt: p.value.expiresAt,
        });
      } catch (cause) {
        await unsend(key, draft, p, previous, logged);
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
