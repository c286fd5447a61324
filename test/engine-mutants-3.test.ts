// Issue #17, third pass: the send protocol (`src/engine/send-flow.ts`) and the engine's transactions
// (`src/engine/io.ts`). Each test pins a behaviour that a mutant left alive by the engine suite showed was
// never checked: the retry budget of the destination's reservation, the expiry the throttling records are
// stored with, the sender's timeout in seconds, and what a failed send puts back. Through `createTwoStep` on
// a `MemoryStore` wrapped to record (and, when told, refuse) its writes. Equivalent mutants are listed in
// test/MUTATION.md.
import { describe, expect, it } from 'vitest';
import { checkPut } from '../src/engine/io.js';
import { createTwoStep } from '../src/index.js';
import { definePolicy } from '../src/policy.js';
import { MemoryStore, type PutOptions, type PutResult, type Store } from '../src/store.js';
import { makeBench, PHONE_1, rejectsWith, START, seededRandom } from './support/two-step.js';

const DAY = 86_400_000;

interface Put {
  key: string;
  options: PutOptions | undefined;
  ok: boolean;
}

/** A MemoryStore that records every put, and answers the next `conflicts` puts on keys with `prefix` as lost races. */
function recordingStore(clock: () => number) {
  const inner = new MemoryStore({ clock });
  const puts: Put[] = [];
  const plan = { prefix: '', conflicts: 0 };
  const store: Store = {
    get: (key) => inner.get(key),
    delete: (key) => inner.delete(key),
    async put(key, record, version, options): Promise<PutResult> {
      if (plan.prefix !== '' && key.startsWith(plan.prefix) && plan.conflicts > 0) {
        plan.conflicts--;
        puts.push({ key, options, ok: false });
        return { ok: false, reason: 'conflict' };
      }
      const result = await inner.put(key, record, version, options);
      puts.push({ key, options, ok: result.ok });
      return result;
    },
  };
  return {
    store,
    puts,
    /** The next `n` puts on keys starting with `prefix` lose their race. */
    conflict(prefix: string, n: number) {
      plan.prefix = prefix;
      plan.conflicts = n;
    },
  };
}

const noBackup = definePolicy({ requireBackup: false });

describe('send-flow: the destination reservation', () => {
  it('is stored to expire one day after the send, and the user record without an expiry', async () => {
    const rec = recordingStore(() => START);
    const b = makeBench({ store: rec.store, policy: noBackup });
    const begun = await b.twoStep.enrollPhone('ann', { phone: PHONE_1 });
    expect(begun.ok).toBe(true);
    const dest = rec.puts.filter((p) => p.key.startsWith('dest:'));
    expect(dest).toHaveLength(1);
    expect(dest[0]?.key).toMatch(/^dest:[0-9a-f]{64}$/);
    expect(dest[0]?.options).toEqual({ expiresAt: START + DAY });
    const user = rec.puts.filter((p) => p.key === 'user:ann');
    expect(user.length).toBeGreaterThan(0);
    for (const p of user) expect(p.options).toBeUndefined();
  });

  it('retries a lost race on the destination record up to `retries` times, then fails closed', async () => {
    for (const [conflicts, expected] of [
      [2, 'sent'],
      [3, 'STORE_CONFLICT'],
    ] as const) {
      const rec = recordingStore(() => START);
      const b = makeBench({ store: rec.store, policy: noBackup, retries: 2 });
      rec.conflict('dest:', conflicts);
      const outcome = await b.twoStep.enrollPhone('ann', { phone: PHONE_1 }).then(
        (r) => (r.ok ? 'sent' : r.reason),
        (err: { code?: string }) => err.code,
      );
      expect(outcome, `${conflicts} conflicts`).toBe(expected);
      expect(b.senderCalls()).toBe(expected === 'sent' ? 1 : 0);
      // Attempts made: 1 + retries, the last one writing when fewer races than that were lost.
      expect(rec.puts.filter((p) => p.key.startsWith('dest:')).map((p) => p.ok)).toEqual(
        expected === 'sent' ? [false, false, true] : [false, false, false],
      );
      if (expected === 'STORE_CONFLICT') {
        // Nothing stored for the user: the send was refused before the user's write.
        expect(await b.store.get('user:ann')).toBeNull();
      }
    }
  });
});

describe('send-flow: the sender timeout', () => {
  it('counts policy.senderTimeout in seconds: a sender that answers in 50 ms with a 1 s timeout succeeds', async () => {
    let calls = 0;
    const twoStep = createTwoStep({
      policy: definePolicy({ requireBackup: false, senderTimeout: 1 }),
      clock: () => START,
      random: seededRandom(),
      sender: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
    });
    const begun = await twoStep.enrollPhone('ann', { phone: PHONE_1 });
    expect(begun.ok).toBe(true);
    expect(calls).toBe(1);
  });
});

describe('send-flow: a failed send is undone', () => {
  it('refunds the destination reservation, stored with the expiry of its record', async () => {
    const rec = recordingStore(() => START);
    const b = makeBench({ store: rec.store, policy: noBackup });
    b.failSends(1);
    await rejectsWith(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'SENDER_FAILED');
    const dest = rec.puts.filter((p) => p.key.startsWith('dest:'));
    // The reservation, then its refund, both expiring a day after the record's last reading.
    expect(dest.map((p) => p.options)).toEqual([{ expiresAt: START + DAY }, { expiresAt: START + DAY }]);
    const stored = await b.store.get(dest[0]!.key);
    expect(stored?.record).toMatchObject({ sends: [] });
  });
});

describe('send-flow: with retries 0, each step still makes its one attempt', () => {
  it('sends, and a failed send is undone on both records', async () => {
    const rec = recordingStore(() => START);
    const b = makeBench({ store: rec.store, policy: noBackup, retries: 0 });
    b.failSends(1);
    await rejectsWith(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'SENDER_FAILED');
    const dest = rec.puts.filter((p) => p.key.startsWith('dest:'));
    expect(dest.map((p) => p.ok)).toEqual([true, true]); // reserved, refunded
    expect((await b.store.get(dest[0]!.key))?.record).toMatchObject({ sends: [] });
    // The user's record: written with the code in flight, then undone (no device pending, no send counted).
    expect(rec.puts.filter((p) => p.key === 'user:ann').map((p) => p.ok)).toEqual([true, true]);
    expect((await b.twoStep.status('ann')).devices).toEqual([]);
    expect((await b.store.get('user:ann'))?.record).toMatchObject({ sends: [] });
    // Nothing counted: the next send goes out at once.
    const again = await b.twoStep.enrollPhone('ann', { phone: PHONE_1 });
    expect(again.ok).toBe(true);
    expect(b.sent).toHaveLength(1);
  });
});

describe('send-flow: a user write that keeps losing its race', () => {
  it('fails closed with STORE_CONFLICT after 1 + retries attempts and refunds the reservation', async () => {
    const rec = recordingStore(() => START);
    const b = makeBench({ store: rec.store, policy: noBackup, retries: 1 });
    rec.conflict('user:', 2);
    await rejectsWith(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'STORE_CONFLICT');
    expect(b.senderCalls()).toBe(0);
    expect(rec.puts.filter((p) => p.key === 'user:ann').map((p) => p.ok)).toEqual([false, false]);
    const dest = rec.puts.filter((p) => p.key.startsWith('dest:'));
    expect(dest.map((p) => p.ok)).toEqual([true, true]); // reserved once (same destination), refunded
    expect((await b.store.get(dest[0]!.key))?.record).toMatchObject({ sends: [] });
    expect(await b.store.get('user:ann')).toBeNull();
  });
});

describe('io: checkPut', () => {
  it('trusts a write only with a new version', () => {
    expect(checkPut({ ok: false, reason: 'conflict' }, 'v1')).toBe(false);
    expect(checkPut({ ok: false, reason: 'conflict' }, null)).toBe(false);
    expect(checkPut({ ok: true, version: 'v2' }, 'v1')).toBe(true);
    expect(checkPut({ ok: true, version: 1 }, null)).toBe(true); // a first write: any version
    for (const version of ['v1', undefined]) {
      let caught: unknown;
      try {
        checkPut({ ok: true, version } as PutResult, 'v1');
      } catch (err) {
        caught = err;
      }
      expect(caught, String(version)).toMatchObject({ code: 'STORE_CONTRACT' });
    }
  });
});

describe('io: update retries a lost race up to `retries` times, then fails closed', () => {
  it('writes on the last allowed attempt, and refuses with the record untouched one race later', async () => {
    for (const [conflicts, expected] of [
      [1, 'ok'],
      [2, 'STORE_CONFLICT'],
    ] as const) {
      const rec = recordingStore(() => START);
      const b = makeBench({ store: rec.store, retries: 1 });
      rec.conflict('user:', conflicts);
      const outcome = await b.twoStep.enrollAuthenticator('ann', { account: 'ann' }).then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      );
      expect(outcome, `${conflicts} conflicts`).toBe(expected);
      expect(rec.puts.map((p) => p.ok)).toEqual(expected === 'ok' ? [false, true] : [false, false]);
      if (expected === 'STORE_CONFLICT') {
        expect(await b.store.get('user:ann')).toBeNull();
        expect(b.events).toEqual([]); // events only after a write
      }
    }
  });
});

describe('io: emit', () => {
  it('delivers every event, stamped with the user and time, past listeners that throw or reject', async () => {
    for (const fail of ['throw', 'reject'] as const) {
      const seen: { type: string; userId: string; at: number }[] = [];
      const twoStep = createTwoStep({
        policy: noBackup,
        clock: () => START,
        random: seededRandom(),
        sender: async () => {},
        onEvent: (event) => {
          seen.push({ type: event.type, userId: event.userId, at: event.at });
          if (fail === 'throw') throw new Error('listener bug');
          return Promise.reject(new Error('listener bug')) as unknown as undefined;
        },
      });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const begun = await twoStep.enrollPhone('ann', { phone: PHONE_1 });
        expect(begun.ok, fail).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection surfaces by now
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled, fail).toEqual([]); // the listener's rejected promise was caught
      expect(seen.length, fail).toBeGreaterThanOrEqual(2);
      expect(seen.at(-1), fail).toEqual({ type: 'code-sent', userId: 'ann', at: START });
      for (const e of seen) expect(e, fail).toMatchObject({ userId: 'ann', at: START });
    }
  });
});
