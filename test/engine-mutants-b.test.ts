// Issue #17, the engine's transactions (`src/engine/io.ts`) and the send counting (`src/engine/sends.ts`).
// Each test pins a behaviour that a mutant left alive by the engine suite showed was never checked: calls on
// one user's record run one after another (and a finished call leaves nothing queued), a clock that returns
// no finite number, the store's failures with their messages and causes (reads, writes, a destination
// record's write, a broken version contract), the skew mark and the rebase of the load–decide–write loop at
// small retry budgets, an agreeing send clearing the skew mark, the contact checks' daily cap, and the undo
// of a failed send on the contact-check counters. Through `createTwoStep` on a `MemoryStore` wrapped to
// record every call and to fail, lose or hold chosen ones (the approach of engine-mutants-3 and -4).
// Equivalent mutants: test/MUTATION.md.
import { describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE } from '../src/engine/clock.js';
import { checkPut } from '../src/engine/io.js';
import type { UserRecord } from '../src/engine/record.js';
import { TwoSvError } from '../src/errors.js';
import { createTwoStep } from '../src/index.js';
import { definePolicy, type Policy } from '../src/policy.js';
import { MemoryStore, type PutResult, type Store, type StoredEntry } from '../src/store.js';
import {
  type Bench,
  CODE_KEY,
  caught,
  makeBench,
  PHONE_1,
  rejectsWith,
  START,
  seededRandom,
} from './support/two-step.js';

const DAY = 86_400_000;

interface Call {
  op: 'get' | 'put' | 'delete';
  key: string;
  ok?: boolean;
}

/** Store calls past this many in one test mean a retry loop that does not end. */
const RUNAWAY = 400;

/**
 * A MemoryStore that records every call, and on request: loses the next `n` puts on keys with a prefix,
 * throws on gets or puts of keys with a prefix, answers puts on keys with a prefix (with a version given)
 * as written while keeping that version (a store breaking its contract), and holds gets until released.
 */
function faultyStore(clock: () => number) {
  const inner = new MemoryStore({ clock });
  const calls: Call[] = [];
  const lost = { prefix: '', n: 0 };
  const faults = { getThrows: '', putThrows: '', keepsVersion: '' };
  let holding = false;
  const held: (() => void)[] = [];
  const count = (call: Call) => {
    calls.push(call);
    if (calls.length > RUNAWAY) throw new Error(`runaway: more than ${RUNAWAY} store calls`);
  };
  const matches = (prefix: string, key: string) => prefix !== '' && key.startsWith(prefix);
  const store: Store = {
    async get(key): Promise<StoredEntry | null> {
      count({ op: 'get', key });
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
      if (matches(faults.getThrows, key)) throw new Error('connection reset (read)');
      return inner.get(key);
    },
    async delete(key) {
      count({ op: 'delete', key });
      return inner.delete(key);
    },
    async put(key, record, version, options): Promise<PutResult> {
      const call: Call = { op: 'put', key };
      count(call);
      if (matches(faults.putThrows, key)) throw new Error('connection reset (write)');
      if (lost.n > 0 && matches(lost.prefix, key)) {
        lost.n--;
        call.ok = false;
        return { ok: false, reason: 'conflict' };
      }
      const result = await inner.put(key, record, version, options);
      call.ok = result.ok;
      if (result.ok && version !== null && matches(faults.keepsVersion, key)) return { ok: true, version };
      return result;
    },
  };
  return {
    store,
    inner,
    calls,
    faults,
    /** The next `n` puts on keys starting with `prefix` lose their race (nothing is written). */
    lose(prefix: string, n: number) {
      lost.prefix = prefix;
      lost.n = n;
    },
    /** From now on, gets wait until {@link release}d. */
    hold() {
      holding = true;
    },
    /** Lets the gets held so far go on (and stops holding new ones when `stop`). */
    release(stop = false) {
      if (stop) holding = false;
      for (const go of held.splice(0)) go();
    },
    /** How many gets are waiting. */
    waiting: () => held.length,
    /** The outcome of the puts recorded since call number `from`: `true` written, `false` lost. */
    puts(from = 0): boolean[] {
      return calls
        .slice(from)
        .filter((c) => c.op === 'put')
        .map((c) => c.ok === true);
    },
    ops(from = 0): string[] {
      return calls.slice(from).map((c) => `${c.op} ${c.key}${c.ok === false ? ' (lost)' : ''}`);
    },
  };
}

type Faulty = ReturnType<typeof faultyStore>;

function bench(options: { policy?: Policy; retries?: number } = {}): { b: Bench; s: Faulty } {
  let clock = () => START;
  const s = faultyStore(() => clock());
  const b = makeBench({
    store: s.store,
    policy: options.policy ?? definePolicy({ requireBackup: false }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
  });
  clock = b.now;
  return { b, s };
}

const user = async (s: Faulty, userId: string) =>
  (await s.inner.get(`user:${userId}`))?.record as unknown as UserRecord | undefined;

/** Lets every pending promise chain (MemoryStore answers in microtasks) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('io: calls on one user run one after another', () => {
  it('two calls at once: the second reads the store only after the first has written', async () => {
    const { b, s } = bench();
    const [one, two] = await Promise.all([
      b.twoStep.enrollAuthenticator('ann', { account: 'ann' }),
      b.twoStep.enrollAuthenticator('ann', { account: 'ann' }),
    ]);
    expect(one.id).not.toBe(two.id);
    // Without the queue both would read first, and one write would lose its race.
    expect(s.ops()).toEqual(['get user:ann', 'put user:ann', 'get user:ann', 'put user:ann']);
    expect((await user(s, 'ann'))!.pending!.id).toBe(two.id);
  });

  it('a call that arrives while the second of two runs waits for it too', async () => {
    const { b, s } = bench();
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    const setup = s.calls.length;
    s.hold();
    const first = b.twoStep.revokeRememberedBrowsers('ann');
    const second = b.twoStep.revokeRememberedBrowsers('ann');
    await settle();
    expect(s.waiting()).toBe(1); // the first reads; the second waits behind it
    s.release();
    await first;
    await settle();
    expect(s.waiting()).toBe(1); // now the second reads
    const third = b.twoStep.revokeRememberedBrowsers('ann');
    await settle();
    // The third queues behind the second (whose turn came after the first had finished): still one read.
    expect(s.waiting()).toBe(1);
    expect(s.ops(setup)).toEqual(['get user:ann', 'get user:ann']);
    s.release(true);
    await Promise.all([second, third]);
    expect(s.ops(setup)).toEqual(['get user:ann', 'get user:ann', 'get user:ann']);
  });

  it('a finished call leaves nothing behind: the next call on the key starts at once', async () => {
    const { b, s } = bench();
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    await settle();
    for (let i = 0; i < 3; i++) {
      const from = s.calls.length;
      const call = b.twoStep.revokeRememberedBrowsers('ann');
      // Its read is issued before the call returns, not queued behind a call that has finished.
      expect(s.ops(from)).toEqual(['get user:ann']);
      await call;
      await settle();
    }
    // Another user's first call too.
    await b.twoStep.enrollAuthenticator('bob', { account: 'bob' });
    await settle();
    const from = s.calls.length;
    const bob = b.twoStep.revokeRememberedBrowsers('bob');
    expect(s.ops(from)).toEqual(['get user:bob']);
    await bob;
  });
});

describe('io: a clock that gives no finite number of milliseconds', () => {
  it('is refused with INVALID_TIME before anything is written or decided', async () => {
    for (const reading of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1893499200000']) {
      const store = new MemoryStore({ clock: () => START });
      const twoStep = createTwoStep({
        codeKey: CODE_KEY,
        policy: definePolicy({ requireBackup: false }),
        clock: () => reading as number,
        random: seededRandom(),
        store,
      });
      for (const call of [
        () => twoStep.enrollAuthenticator('ann', { account: 'ann' }),
        () => twoStep.status('ann'),
      ]) {
        const err = await caught(call);
        expect([err.code, err.message], String(reading)).toEqual([
          'INVALID_TIME',
          'clock must return a finite number of milliseconds',
        ]);
      }
      expect(await store.get('user:ann')).toBeNull();
    }
  });
});

describe('io: store failures keep their cause, with a stable code and message', () => {
  it('a read that throws: STORE_FAILED, in a change and in a read-only call', async () => {
    const { b, s } = bench();
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    const before = await user(s, 'ann');
    s.faults.getThrows = 'user:';
    for (const call of [
      () => b.twoStep.revokeRememberedBrowsers('ann'),
      () => b.twoStep.status('ann'),
      () => b.twoStep.activity('ann'),
    ]) {
      const err = await caught(call);
      expect([err.code, err.message]).toEqual(['STORE_FAILED', 'the store failed to read']);
      expect((err.cause as Error).message).toBe('connection reset (read)');
    }
    expect(await user(s, 'ann')).toStrictEqual(before);
  });

  it("a read of a destination's record that throws: STORE_FAILED, nothing sent or stored", async () => {
    const { b, s } = bench();
    s.faults.getThrows = 'dest:';
    const err = await caught(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual(['STORE_FAILED', 'the store failed to read']);
    expect((err.cause as Error).message).toBe('connection reset (read)');
    expect(b.senderCalls()).toBe(0);
    expect(await user(s, 'ann')).toBeUndefined();
  });

  it("a user's write that throws: STORE_FAILED with the cause, nothing stored, no event", async () => {
    const { b, s } = bench();
    s.faults.putThrows = 'user:';
    const err = await caught(() => b.twoStep.enrollAuthenticator('ann', { account: 'ann' }));
    expect([err.code, err.message]).toEqual(['STORE_FAILED', 'the store failed to write']);
    expect((err.cause as Error).message).toBe('connection reset (write)');
    expect(await user(s, 'ann')).toBeUndefined();
    expect(b.events).toEqual([]);
  });

  it("a destination's write that throws: STORE_FAILED with the cause, nothing sent or stored", async () => {
    const { b, s } = bench();
    s.faults.putThrows = 'dest:';
    const err = await caught(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual(['STORE_FAILED', 'the store failed to write']);
    expect((err.cause as Error).message).toBe('connection reset (write)');
    expect(b.senderCalls()).toBe(0);
    expect(await user(s, 'ann')).toBeUndefined();
  });

  it("a destination's write reported without a new version: STORE_CONTRACT, not a store failure", async () => {
    const { b, s } = bench();
    expect(await b.twoStep.enrollPhone('ann', { phone: PHONE_1 })).toMatchObject({ ok: true });
    s.faults.keepsVersion = 'dest:';
    // Bob's send updates the number's record, which now exists: the store keeps its version.
    const err = await caught(() => b.twoStep.enrollPhone('bob', { phone: PHONE_1 }));
    expect([err.code, err.message]).toEqual([
      'STORE_CONTRACT',
      'the store reported a write without a new version; the result is not trusted',
    ]);
    expect(b.senderCalls()).toBe(1); // Ann's only
    expect(await user(s, 'bob')).toBeUndefined();
  });

  it('a record that keeps changing: STORE_CONFLICT after 1 + retries attempts, with its message', async () => {
    for (const retries of [0, 2]) {
      const { b, s } = bench({ retries });
      s.lose('user:', retries + 1);
      const err = await caught(() => b.twoStep.enrollAuthenticator('ann', { account: 'ann' }));
      expect([err.code, err.message]).toEqual([
        'STORE_CONFLICT',
        'the record kept changing; nothing was stored',
      ]);
      expect(s.puts()).toEqual(Array(retries + 1).fill(false));
    }
  });
});

describe('io: checkPut', () => {
  it('trusts a first write whatever version it reports, and names a broken contract', () => {
    expect(checkPut({ ok: true, version: undefined } as unknown as PutResult, null)).toBe(true);
    expect(() => checkPut({ ok: true, version: 'v1' }, 'v1')).toThrow(
      new TwoSvError(
        'STORE_CONTRACT',
        'the store reported a write without a new version; the result is not trusted',
      ),
    );
  });
});

describe('io: a change from a clock behind the record', () => {
  const behind = START - 2 * CLOCK_TOLERANCE;

  it('with no retry to spare: the mark is written once and the call refused with CLOCK_SKEW', async () => {
    const { b, s } = bench({ retries: 0 });
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    const before = (await user(s, 'ann'))!;
    b.setTime(behind);
    const from = s.calls.length;
    await rejectsWith(() => b.twoStep.enrollAuthenticator('ann', { account: 'ann' }), 'CLOCK_SKEW');
    expect(s.ops(from)).toEqual(['get user:ann', 'put user:ann']);
    expect(await user(s, 'ann')).toStrictEqual({ ...before, skew: behind });
  });

  it('a lost race on the mark is retried (when a retry is left), then refused with the mark stored', async () => {
    const { b, s } = bench({ retries: 1 });
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    const before = (await user(s, 'ann'))!;
    b.setTime(behind);
    const from = s.calls.length;
    s.lose('user:', 1);
    await rejectsWith(() => b.twoStep.enrollAuthenticator('ann', { account: 'ann' }), 'CLOCK_SKEW');
    expect(s.puts(from)).toEqual([false, true]);
    expect(await user(s, 'ann')).toStrictEqual({ ...before, skew: behind });
  });

  it('a tolerance after the mark: the rebase is stored without spending a retry, then the change', async () => {
    const mark = START - 3 * CLOCK_TOLERANCE;
    const later = mark + CLOCK_TOLERANCE; // still behind the record by two tolerances
    for (const retries of [0, 1]) {
      const { b, s } = bench({ retries });
      await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
      b.setTime(mark);
      await rejectsWith(() => b.twoStep.enrollAuthenticator('ann', { account: 'ann' }), 'CLOCK_SKEW');
      expect((await user(s, 'ann'))!.skew).toBe(mark);
      b.setTime(later);
      const from = s.calls.length;
      const again = await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
      expect(s.ops(from), `retries ${retries}`).toEqual([
        'get user:ann',
        'put user:ann', // the rebase, on its own
        'get user:ann',
        'put user:ann', // the change
      ]);
      const stored = (await user(s, 'ann'))!;
      expect(stored.seen).toBe(later);
      expect(stored.skew).toBeUndefined();
      expect(stored.pending!.id).toBe(again.id);
    }
  });

  it('a lost race on the rebase counts as a conflict: with no retry left, STORE_CONFLICT', async () => {
    const mark = START - 3 * CLOCK_TOLERANCE;
    for (const retries of [0, 1]) {
      const { b, s } = bench({ retries });
      await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
      b.setTime(mark);
      await rejectsWith(() => b.twoStep.enrollAuthenticator('ann', { account: 'ann' }), 'CLOCK_SKEW');
      const before = (await user(s, 'ann'))!;
      b.setTime(mark + CLOCK_TOLERANCE);
      const from = s.calls.length;
      s.lose('user:', 1);
      const outcome = await b.twoStep.enrollAuthenticator('ann', { account: 'ann' }).then(
        () => 'ok',
        (err: TwoSvError) => err.code,
      );
      if (retries === 0) {
        expect(outcome).toBe('STORE_CONFLICT');
        expect(s.puts(from)).toEqual([false]);
        expect(await user(s, 'ann')).toStrictEqual(before);
      } else {
        expect(outcome).toBe('ok');
        expect(s.puts(from)).toEqual([false, true, true]);
      }
    }
  });

  it('a send from an agreeing clock clears the mark (the user record is stamped by the send)', async () => {
    const { b, s } = bench();
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    b.setTime(behind);
    await rejectsWith(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'CLOCK_SKEW');
    expect((await user(s, 'ann'))!.skew).toBe(behind);
    b.setTime(START + 1000);
    expect(await b.twoStep.enrollPhone('ann', { phone: PHONE_1 })).toMatchObject({ ok: true });
    const stored = (await user(s, 'ann'))!;
    expect('skew' in stored).toBe(false);
    expect(stored.seen).toBe(START + 1000);
    expect(stored.sends.map((x) => x.at)).toEqual([START + 1000]);
  });
});

describe('sends: contact checks', () => {
  const contactPolicy = definePolicy({
    requireBackup: false,
    sendLimits: { cooldown: 1, contact: { hour: 2, day: 2 } },
  });

  it('the daily cap of contact checks refuses with limit contact-day, until a day after the first', async () => {
    const { b } = bench({ policy: contactPolicy });
    for (let i = 0; i < 2; i++) {
      b.setTime(START + i * 60_000);
      expect(await b.twoStep.beginContactVerification('ann', { email: `ann${i}@example.com` })).toMatchObject(
        {
          ok: true,
        },
      );
    }
    b.setTime(START + 2 * 60 * 60_000); // the hour has passed, the day has not
    expect(await b.twoStep.beginContactVerification('ann', { email: 'ann9@example.com' })).toEqual({
      ok: false,
      reason: 'throttled',
      limit: 'contact-day',
      retryAt: START + DAY,
    });
    b.setTime(START + DAY);
    expect(await b.twoStep.beginContactVerification('ann', { email: 'ann9@example.com' })).toMatchObject({
      ok: true,
    });
  });

  it('a failed contact check is uncounted; the checks counted before stay counted', async () => {
    const { b, s } = bench({ policy: contactPolicy });
    expect(await b.twoStep.beginContactVerification('ann', { email: 'ann0@example.com' })).toMatchObject({
      ok: true,
    });
    const counted = (await user(s, 'ann'))!.contactSends!;
    expect(counted.map((x) => x.at)).toEqual([START]);
    b.setTime(START + 60_000);
    b.failSends(1);
    await rejectsWith(
      () => b.twoStep.beginContactVerification('ann', { email: 'ann1@example.com' }),
      'SENDER_FAILED',
    );
    expect((await user(s, 'ann'))!.contactSends).toStrictEqual(counted);
    // A failed sign-in send leaves the contact checks counted as they were.
    await b.twoStep.enrollAuthenticator('ann', { account: 'ann' });
    b.setTime(START + 120_000);
    b.failSends(1);
    await rejectsWith(() => b.twoStep.enrollPhone('ann', { phone: PHONE_1 }), 'SENDER_FAILED');
    const after = (await user(s, 'ann'))!;
    expect(after.contactSends).toStrictEqual(counted);
    expect(after.sends).toEqual([]);
  });
});
