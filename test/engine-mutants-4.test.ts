// Issue #17, fourth pass: the send protocol's (`src/engine/send-flow.ts`) branches that only a clock behind
// the record, a rival writer or a store that keeps refusing reach. Each test pins a behaviour that a mutant
// left alive by `test/engine-mutants-3.test.ts` showed was never checked: a send from a clock behind the
// record (the skew mark, and the rebase stored on its own), a send that loses the user's write to a rival
// request (refused next pass, or sent to a new destination, the reservation refunded either way), a refund
// or an undo that meets a record changed meanwhile, and the messages of the send's errors. Through
// `createTwoStep` on a `MemoryStore` wrapped to record every call, to lose chosen races, and to let a rival
// engine (another process on the same store) write just before a put. Equivalent mutants: test/MUTATION.md.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_TOLERANCE } from '../src/engine/clock.js';
import type { DestinationRecord, UserRecord } from '../src/engine/record.js';
import type { TwoSvError } from '../src/errors.js';
import { type CodeMessage, createTwoStep, type TwoStep } from '../src/index.js';
import { definePolicy, type Policy } from '../src/policy.js';
import { MemoryStore, type PutOptions, type PutResult, type Store } from '../src/store.js';
import { CODE_KEY, caught, PHONE_1, PHONE_2, rejectsWith, START, seededRandom } from './support/two-step.js';

const COOLDOWN = 30_000; // the default policy's sendLimits.cooldown, in ms

interface Call {
  op: 'get' | 'put' | 'delete';
  key: unknown;
  ok?: boolean;
  options?: PutOptions | undefined;
}

/** Store calls past this many in one test mean a retry loop that does not end. */
const RUNAWAY = 400;

/**
 * A MemoryStore that records every call; loses the next `n` puts on keys starting with a prefix (`lose`);
 * runs `rival` once just before the next put on a `user:` key (the put then meets whatever it wrote); and
 * fails every call past {@link RUNAWAY}, so that a retry loop that never ends fails the test instead of
 * hanging it.
 */
function watchedStore(clock: () => number) {
  const inner = new MemoryStore({ clock });
  const calls: Call[] = [];
  const losing = { prefix: '', n: 0 };
  let rival: (() => Promise<void>) | undefined;
  const count = (call: Call) => {
    calls.push(call);
    if (calls.length > RUNAWAY) throw new Error(`runaway: more than ${RUNAWAY} store calls`);
  };
  const store: Store = {
    async get(key) {
      count({ op: 'get', key });
      return inner.get(key);
    },
    async delete(key) {
      count({ op: 'delete', key });
      return inner.delete(key);
    },
    async put(key, record, version, options): Promise<PutResult> {
      const call: Call = { op: 'put', key, options };
      count(call);
      if (rival && typeof key === 'string' && key.startsWith('user:')) {
        const run = rival;
        rival = undefined;
        await run();
      }
      if (losing.n > 0 && typeof key === 'string' && key.startsWith(losing.prefix)) {
        losing.n--;
        call.ok = false;
        return { ok: false, reason: 'conflict' };
      }
      const result = await inner.put(key, record, version, options);
      call.ok = result.ok;
      return result;
    },
  };
  return {
    store,
    inner,
    calls,
    /** The next `n` puts on keys starting with `prefix` lose their race (nothing is written). */
    lose(prefix: string, n: number) {
      losing.prefix = prefix;
      losing.n = n;
    },
    /** Runs `fn` just before the next put on a user's record: a rival request that writes first. */
    rivalBeforeNextUserPut(fn: () => Promise<void>) {
      rival = fn;
    },
    /** The puts recorded so far on keys starting with `prefix`: `true` written, `false` lost. */
    puts(prefix: string, from = 0): boolean[] {
      return calls
        .slice(from)
        .filter((c) => c.op === 'put' && String(c.key).startsWith(prefix))
        .map((c) => c.ok === true);
    },
    /** The destination keys put so far, in order of their first put. */
    destinations(): string[] {
      const keys = calls.filter((c) => c.op === 'put' && String(c.key).startsWith('dest:')).map((c) => c.key);
      return [...new Set(keys as string[])];
    },
  };
}

type Watched = ReturnType<typeof watchedStore>;

interface Rig {
  twoStep: TwoStep;
  w: Watched;
  sent: CodeMessage[];
  senderCalls: () => number;
  setTime(ms: number): void;
  now(): number;
  /** The sender's next call runs `fn` first (outside the user's lock), then fails when `fn` returns `'fail'`. */
  onNextSend(fn: () => Promise<'fail' | 'send'>): void;
  user(userId: string): Promise<UserRecord>;
  destination(key: string): Promise<DestinationRecord | undefined>;
  /** A second engine on the same store (another process), with its own sender and randomness. */
  rival(): { twoStep: TwoStep; sent: CodeMessage[] };
}

let rigs: Rig[] = [];

function rig(options: { policy?: Policy; retries?: number } = {}): Rig {
  let time = START;
  const clock = () => time;
  const w = watchedStore(clock);
  const sent: CodeMessage[] = [];
  let calls = 0;
  let hook: (() => Promise<'fail' | 'send'>) | undefined;
  const policy = options.policy ?? definePolicy({ requireBackup: false });
  const twoStep = createTwoStep({
    codeKey: CODE_KEY,
    clock,
    random: seededRandom(),
    policy,
    store: w.store,
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    sender: async (message) => {
      calls++;
      const run = hook;
      hook = undefined;
      if (run && (await run()) === 'fail') throw new Error('gateway down');
      sent.push(message);
    },
  });
  const r: Rig = {
    twoStep,
    w,
    sent,
    senderCalls: () => calls,
    setTime: (ms) => {
      time = ms;
    },
    now: () => time,
    onNextSend: (fn) => {
      hook = fn;
    },
    user: async (userId) => (await w.inner.get(`user:${userId}`))!.record as unknown as UserRecord,
    destination: async (key) => (await w.inner.get(key))?.record as unknown as DestinationRecord | undefined,
    rival: () => {
      const rivalSent: CodeMessage[] = [];
      const other = createTwoStep({
        codeKey: CODE_KEY,
        clock,
        random: seededRandom(0x51f15eed),
        policy,
        store: w.inner, // straight to the store: the rival is not watched, and writes before the put
        sender: async (message) => {
          rivalSent.push(message);
        },
      });
      return { twoStep: other, sent: rivalSent };
    },
  };
  rigs.push(r);
  return r;
}

// Every test: the store was only ever asked about a user's record or a destination's (a refund of no
// reservation must not reach the store with a key of `null`, which a store answers with `INVALID_KEY`).
afterEach(() => {
  const checked = rigs;
  rigs = []; // reset first: a failure here must not carry over to the next test
  for (const r of checked) {
    for (const c of r.w.calls) expect(String(c.key), `${c.op} ${String(c.key)}`).toMatch(/^(user|dest):./);
  }
});

describe('send-flow: a send from a clock behind the record', () => {
  it('is refused with CLOCK_SKEW, storing only the skew mark (seen kept), at every retry budget', async () => {
    for (const retries of [0, 2]) {
      const r = rig({ retries });
      await r.twoStep.enrollAuthenticator('ann', { account: 'ann' });
      const before = await r.user('ann');
      expect(before.seen).toBe(START);
      const at = START - 2 * CLOCK_TOLERANCE;
      r.setTime(at);
      const from = r.w.calls.length;
      await rejectsWith(() => r.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'CLOCK_SKEW');
      // One write, the mark, stored as a mark: `seen` is not moved back to the skewed reading.
      expect(r.w.puts('', from), `retries ${retries}`).toEqual([true]);
      expect(await r.user('ann')).toStrictEqual({ ...before, skew: at });
      expect(r.senderCalls()).toBe(0);

      // A later reading, not behind the mark and not yet a tolerance after it: refused, nothing written.
      r.setTime(at + 1000);
      const again = r.w.calls.length;
      await rejectsWith(() => r.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'CLOCK_SKEW');
      expect(r.w.puts('', again)).toEqual([]);
      expect(await r.user('ann')).toStrictEqual({ ...before, skew: at });
    }
  });

  it('retries a lost race on the mark, then refuses with the mark stored', async () => {
    const r = rig({ retries: 1 });
    await r.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    const before = await r.user('ann');
    const at = START - 2 * CLOCK_TOLERANCE;
    r.setTime(at);
    const from = r.w.calls.length;
    r.w.lose('user:', 1);
    await rejectsWith(() => r.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'CLOCK_SKEW');
    expect(r.w.puts('', from)).toEqual([false, true]);
    expect(await r.user('ann')).toStrictEqual({ ...before, skew: at });
  });
});

describe('send-flow: a send that rebases the record', () => {
  /** A user whose record was last written at START (no send), then a skewed reading marked at `first`. */
  async function marked(r: Rig, first: number) {
    await r.twoStep.enrollAuthenticator('bo', { account: 'bo' });
    r.setTime(first);
    await rejectsWith(() => r.twoStep.enrollPhone('bo', { phone: PHONE_1 }), 'CLOCK_SKEW');
    expect((await r.user('bo')).skew).toBe(first);
  }

  it('stores the rebase on its own, reads again without spending a retry, then sends', async () => {
    for (const retries of [0, 1]) {
      const r = rig({ retries });
      const first = START - 3 * CLOCK_TOLERANCE;
      await marked(r, first);
      const at = first + CLOCK_TOLERANCE; // still far behind START: rebased, not judged at START
      r.setTime(at);
      const from = r.w.calls.length;
      const begun = await r.twoStep.enrollPhone('bo', { phone: PHONE_1 });
      expect(begun.ok, `retries ${retries}`).toBe(true);
      expect(r.sent).toHaveLength(1);
      // The rebase, the reservation, the send: two writes of the user's record.
      expect(r.w.puts('user:', from)).toEqual([true, true]);
      expect(r.w.puts('dest:', from)).toEqual([true]);
      const after = await r.user('bo');
      expect(after.seen).toBe(at);
      expect('skew' in after).toBe(false);
      expect(after.sends.map((s) => s.at)).toEqual([at]);
    }
  });

  it('counts a lost race on the rebase write against the retry budget', async () => {
    for (const [retries, expected] of [
      [1, 'sent'],
      [0, 'STORE_CONFLICT'],
    ] as const) {
      const r = rig({ retries });
      const first = START - 3 * CLOCK_TOLERANCE;
      await marked(r, first);
      r.setTime(first + CLOCK_TOLERANCE);
      const from = r.w.calls.length;
      r.w.lose('user:', 1);
      const outcome = await r.twoStep.enrollPhone('bo', { phone: PHONE_1 }).then(
        (res) => (res.ok ? 'sent' : res.reason),
        (err: { code?: string }) => err.code,
      );
      expect(outcome, `retries ${retries}`).toBe(expected);
      expect(r.w.puts('user:', from)).toEqual(expected === 'sent' ? [false, true, true] : [false]);
    }
  });

  it('stores the rebase even when the send is then refused (its sends now count from the reading)', async () => {
    const r = rig();
    const begun = await r.twoStep.enrollPhone('cy', { phone: PHONE_1 }); // a send at START
    expect(begun.ok).toBe(true);
    const first = START - 3 * CLOCK_TOLERANCE;
    r.setTime(first);
    await rejectsWith(() => r.twoStep.enrollPhone('cy', { phone: PHONE_1 }), 'CLOCK_SKEW');
    const at = first + CLOCK_TOLERANCE;
    r.setTime(at);
    const from = r.w.calls.length;
    // Rebased, the send made at START counts as made at `at`: the cooldown refuses.
    const refused = await r.twoStep.enrollPhone('cy', { phone: PHONE_1 });
    expect(refused).toStrictEqual({
      ok: false,
      reason: 'throttled',
      limit: 'cooldown',
      retryAt: at + COOLDOWN,
    });
    expect(r.w.puts('user:', from)).toEqual([true]);
    expect(r.w.puts('dest:', from)).toEqual([]);
    const after = await r.user('cy');
    expect(after.seen).toBe(at);
    expect('skew' in after).toBe(false);
    expect(after.sends.map((s) => s.at)).toEqual([at]);
    expect(r.sent).toHaveLength(1);
  });
});

describe('send-flow: a rival request wins the user write', () => {
  it('refuses on the next pass (the rival sent first) and refunds the reservation', async () => {
    const r = rig();
    const rival = r.rival();
    r.w.rivalBeforeNextUserPut(async () => {
      const theirs = await rival.twoStep.enrollPhone('dee', { phone: PHONE_1 });
      expect(theirs.ok).toBe(true);
    });
    const ours = await r.twoStep.enrollPhone('dee', { phone: PHONE_1 });
    expect(ours).toStrictEqual({
      ok: false,
      reason: 'throttled',
      limit: 'cooldown',
      retryAt: START + COOLDOWN,
    });
    expect(r.senderCalls()).toBe(0);
    expect(rival.sent).toHaveLength(1);
    // Our reservation, then its refund; the rival's reservation stays, alone.
    const [dest] = r.w.destinations();
    expect(r.w.puts('dest:')).toEqual([true, true]);
    const record = await r.destination(dest!);
    expect(record?.sends).toHaveLength(1);
    expect(r.w.puts('user:')).toEqual([false]);
    expect((await r.user('dee')).sends).toHaveLength(1);
  });

  it('sends to the new primary on the next pass and refunds the old destination', async () => {
    const r = rig();
    // A user with an SMS primary on PHONE_1 and an SMS backup on PHONE_2.
    const first = await r.twoStep.enrollPhone('eve', { phone: PHONE_1 });
    expect(first.ok).toBe(true);
    const enabled = await r.twoStep.confirmEnrollment('eve', r.sent.at(-1)!.code);
    expect(enabled.ok && enabled.proof !== undefined).toBe(true);
    const proof = enabled.ok ? enabled.proof : undefined;
    r.setTime(START + 31_000);
    const second = await r.twoStep.enrollPhone('eve', { phone: PHONE_2, role: 'backup', proof });
    expect(second.ok).toBe(true);
    expect((await r.twoStep.confirmEnrollment('eve', r.sent.at(-1)!.code)).ok).toBe(true);
    const [dest1, dest2] = r.w.destinations();
    const before1 = (await r.destination(dest1!))!.sends;
    const before2 = (await r.destination(dest2!))!.sends;
    expect([before1.length, before2.length]).toEqual([1, 1]);

    r.setTime(START + 62_000);
    const from = r.w.calls.length;
    const rival = r.rival();
    r.w.rivalBeforeNextUserPut(async () => {
      await rival.twoStep.swapPrimary('eve', { proof });
    });
    const challenge = await r.twoStep.beginChallenge('eve');
    expect(challenge.ok).toBe(true);
    expect(r.sent.at(-1)?.to).toBe(PHONE_2);
    // Reserved on PHONE_1, the user write lost; refunded on PHONE_1, reserved on PHONE_2, written.
    expect(r.w.puts('user:', from)).toEqual([false, true]);
    const dests = r.w.calls
      .slice(from)
      .filter((c) => c.op === 'put' && String(c.key).startsWith('dest:'))
      .map((c) => [c.key, c.ok]);
    expect(dests).toEqual([
      [dest1, true],
      [dest1, true],
      [dest2, true],
    ]);
    expect((await r.destination(dest1!))!.sends).toStrictEqual(before1);
    expect((await r.destination(dest2!))!.sends).toHaveLength(2);
  });
});

describe('send-flow: undoing a failed send meets a record changed meanwhile', () => {
  it('writes no refund when the reservation is gone (the destination record expired and was rewritten)', async () => {
    const r = rig();
    const rival = r.rival();
    let dest = '';
    let rivals: DestinationRecord | undefined;
    r.onNextSend(async () => {
      // While the sender runs: the destination record is gone, and another user's send made a new one.
      dest = r.w.destinations()[0]!;
      await r.w.inner.delete(dest);
      expect((await rival.twoStep.enrollPhone('fay', { phone: PHONE_1 })).ok).toBe(true);
      rivals = await r.destination(dest);
      expect(rivals?.sends).toHaveLength(1);
      return 'fail';
    });
    const from = r.w.calls.length;
    await rejectsWith(() => r.twoStep.enrollPhone('gus', { phone: PHONE_1 }), 'SENDER_FAILED');
    expect(r.w.puts('dest:', from)).toEqual([true]); // the reservation; no refund write
    expect(await r.destination(dest)).toStrictEqual(rivals);
  });

  it('keeps a skew mark stored while the sender ran (the undo is no clock reading)', async () => {
    const r = rig();
    const at = START - CLOCK_TOLERANCE - 1;
    r.onNextSend(async () => {
      // While the sender runs, a request from a clock behind the record is refused and marks it.
      r.setTime(at);
      await rejectsWith(() => r.twoStep.requireReverification('hal'), 'CLOCK_SKEW');
      expect((await r.user('hal')).skew).toBe(at);
      return 'fail';
    });
    await rejectsWith(() => r.twoStep.enrollPhone('hal', { phone: PHONE_1 }), 'SENDER_FAILED');
    const after = await r.user('hal');
    expect(after.skew).toBe(at);
    expect(after.seen).toBe(START);
    expect(after.sends).toEqual([]); // the send was undone all the same
  });

  it('gives up the refund and the undo after 1 + retries lost races (the send stays counted)', async () => {
    for (const [prefix, n, undone] of [
      ['dest:', 2, false],
      ['dest:', 1, true],
      ['user:', 2, false],
      ['user:', 1, true],
    ] as const) {
      const label = `${prefix} ${n}`;
      const r = rig({ retries: 1 });
      r.onNextSend(async () => {
        r.w.lose(prefix, n);
        return 'fail';
      });
      const from = r.w.calls.length;
      await rejectsWith(() => r.twoStep.enrollPhone('ida', { phone: PHONE_1 }), 'SENDER_FAILED');
      const attempts = [...Array(n).fill(false), ...(undone ? [true] : [])];
      // The first put on each key is the send's own (reservation, stored code); the rest are the undo's.
      expect(r.w.puts(prefix, from).slice(1), label).toEqual(attempts);
      const [dest] = r.w.destinations();
      if (prefix === 'dest:') {
        expect((await r.destination(dest!))!.sends, label).toHaveLength(undone ? 0 : 1);
        expect((await r.user('ida')).sends, label).toEqual([]);
      } else {
        expect((await r.user('ida')).sends, label).toHaveLength(undone ? 0 : 1);
        expect((await r.destination(dest!))!.sends, label).toEqual([]);
      }
    }
  });
});

describe("send-flow: the errors' messages say what happened, and hold no code or number", () => {
  const noSecrets = (err: TwoSvError, sent: readonly CodeMessage[]) => {
    expect(err.message).not.toContain(PHONE_1.slice(2));
    for (const m of sent) expect(err.message).not.toContain(m.code);
  };

  it('STORE_CONFLICT on the destination record', async () => {
    const r = rig({ retries: 0 });
    r.w.lose('dest:', 1);
    const err = await caught(() => r.twoStep.enrollPhone('jo', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual([
      'STORE_CONFLICT',
      'the destination record kept changing; nothing was sent',
    ]);
    noSecrets(err, r.sent);
  });

  it("STORE_CONFLICT on the user's record", async () => {
    const r = rig({ retries: 0 });
    r.w.lose('user:', 1);
    const err = await caught(() => r.twoStep.enrollPhone('jo', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual(['STORE_CONFLICT', 'the record kept changing; nothing was sent']);
    noSecrets(err, r.sent);
  });

  it('INVALID_OPTION without a sender', async () => {
    const twoStep = createTwoStep({ clock: () => START, random: seededRandom() });
    const err = await caught(() => twoStep.enrollPhone('jo', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual(['INVALID_OPTION', 'a sender is required to send codes']);
  });

  it("SENDER_FAILED, with the sender's error as its cause", async () => {
    const r = rig();
    let sent: CodeMessage | undefined;
    const gatewayError = new Error('gateway down');
    const twoStep = createTwoStep({
      codeKey: CODE_KEY,
      clock: () => START,
      random: seededRandom(),
      policy: definePolicy({ requireBackup: false }),
      store: r.w.store,
      sender: async (message) => {
        sent = message;
        throw gatewayError;
      },
    });
    const err = await caught(() => twoStep.enrollPhone('jo', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual(['SENDER_FAILED', 'the sender failed; no code was sent']);
    expect(err.cause).toBe(gatewayError);
    noSecrets(err, sent ? [sent] : []);
  });

  it('SENDER_FAILED after the timeout, caused by an error that names the timeout', async () => {
    const twoStep = createTwoStep({
      clock: () => START,
      random: seededRandom(),
      policy: definePolicy({ requireBackup: false, senderTimeout: 1 }),
      sender: () => new Promise<void>(() => {}), // never answers
    });
    // Given up after about a second; a request that still hangs after 5 s fails the test at once.
    const hung = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('still hanging after 5 s')), 5000).unref();
    });
    const err = await caught(() => Promise.race([twoStep.enrollPhone('jo', { phone: PHONE_1 }), hung]));
    expect([err.code, err.message]).toEqual(['SENDER_FAILED', 'the sender failed; no code was sent']);
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as Error).message).toBe('the sender did not finish within 1 s');
  });
});

describe('send-flow: the sender timeout', () => {
  it('is cleared once the sender answers: no timer is left holding the process', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const sent: CodeMessage[] = [];
      const twoStep = createTwoStep({
        store: new MemoryStore({ clock: () => START }),
        codeKey: CODE_KEY,
        clock: () => START,
        random: seededRandom(7),
        policy: definePolicy({ requireBackup: false, senderTimeout: 30 }),
        sender: async (message) => {
          sent.push(message);
        },
      });
      expect(vi.getTimerCount()).toBe(0);
      await twoStep.enrollPhone('jo', { phone: PHONE_1 });
      expect(sent).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
