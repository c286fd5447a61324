// Many processes, one store: four Node processes (test/support/store-worker.mjs), each with its own engine
// and connection pool, share a real PostgreSQL or Redis server, and the one-use, lock, challenge and send-cap
// rules hold across them. Skipped only when the server is not installed (never in CI).
import { type ChildProcess, fork } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTwoStep, type TwoStep } from '../src/enrollment.js';
import { definePolicy, type PolicyInput } from '../src/policy.js';
import { migratePostgres, PostgresStore } from '../src/postgres.js';
import { RedisStore } from '../src/redis.js';
import type { Store } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import { CODE_KEY, PHONE_1, START } from './support/two-step.js';

const PROCESSES = 4;

interface Outcome {
  value?: { ok: boolean; reason?: string };
  error?: string;
}

class Worker {
  readonly child: ChildProcess;
  #next = 0;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor() {
    this.child = fork(new URL('./support/store-worker.mjs', import.meta.url), { stdio: 'inherit' });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
  }
  request<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, ...args });
    });
  }
}

interface Backend {
  name: string;
  available: boolean;
  /** Connection settings for the workers, and a store for the test's own engine. */
  setup(): Promise<{ config: Record<string, unknown>; store: Store; close(): Promise<void> }>;
}

const postgres = inject('postgres');
const redis = inject('redis');
let tableCount = 0;

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    available: postgres !== null,
    async setup() {
      const table = `processes_${process.pid}_${++tableCount}`;
      const pool = new pg.Pool({ connectionString: postgres!.url, max: 4 });
      await migratePostgres(pool, { table });
      return {
        config: { kind: 'postgres', url: postgres!.url, table },
        store: new PostgresStore(pool, { table }),
        close: () => pool.end(),
      };
    },
  },
  {
    name: 'Redis',
    available: redis !== null,
    async setup() {
      const prefix = `processes:${process.pid}:${++tableCount}:`;
      const client = new Redis(redis!.url);
      return {
        config: { kind: 'redis', url: redis!.url, prefix },
        store: new RedisStore(client, { prefix }),
        close: async () => client.disconnect(),
      };
    },
  },
];

for (const backend of backends) {
  if (!backend.available)
    console.warn(`*** ${backend.name} is not installed: multi-process tests SKIPPED ***`);

  (backend.available ? describe : describe.skip)(`${PROCESSES} processes, one ${backend.name} store`, () => {
    let workers: Worker[] = [];
    let closeStore: () => Promise<void> = async () => {};
    let engine: TwoStep;
    let now = START;
    const sent: string[] = [];
    const all = <T>(op: string, args: Record<string, unknown> = {}) =>
      Promise.all(workers.map((w) => w.request<T>(op, args)));

    /** Starts the workers and the test's own engine with one policy, on a fresh table or prefix. */
    async function start(policy?: PolicyInput) {
      await closeStore();
      const { config, store, close } = await backend.setup();
      closeStore = close;
      now = START;
      engine = createTwoStep({
        store,
        codeKey: CODE_KEY,
        clock: () => now,
        ...(policy ? { policy: definePolicy(policy) } : {}),
        sender: (message) => {
          sent.push(message.code);
        },
      });
      if (!workers.length) workers = Array.from({ length: PROCESSES }, () => new Worker());
      const pids = await all<number>('init', { ...config, codeKey: CODE_KEY, at: now, policy });
      expect(new Set(pids).size).toBe(PROCESSES);
    }

    async function stop() {
      await Promise.all(workers.map((w) => w.request('close').catch(() => {})));
      workers = [];
      await closeStore();
      closeStore = async () => {};
    }

    async function setTime(at: number) {
      now = at;
      await all('setTime', { at });
    }

    /** A user with an authenticator primary and an SMS backup, set up through the test's own engine. */
    async function setUpUser(userId: string) {
      const enrollment = await engine.enrollAuthenticator(userId, { account: userId });
      expect(
        await engine.confirmEnrollment(userId, generateTotp(enrollment.secret, { at: now })),
      ).toMatchObject({
        ok: true,
      });
      const phone = await engine.enrollPhone(userId, { phone: PHONE_1 });
      if (!phone.ok) throw new Error('send refused');
      expect(await engine.confirmEnrollment(userId, sent.at(-1)!)).toMatchObject({ ok: true, enabled: true });
      await setTime(now + 60_000);
      return { secret: enrollment.secret, smsId: phone.enrollment.id };
    }

    beforeAll(() => {}, 60_000);
    afterAll(() => stop(), 60_000);

    it('one valid code, hundreds of concurrent attempts from every process: exactly one ok', async () => {
      await start();
      const { secret } = await setUpUser('alice');
      await setTime(now + 30_000);
      expect(await engine.beginChallenge('alice')).toMatchObject({ ok: true });
      const code = generateTotp(secret, { at: now });
      const outcomes = (await all<Outcome[]>('verify', { userId: 'alice', code, n: 60 })).flat();
      expect(outcomes).toHaveLength(PROCESSES * 60);
      expect(outcomes.filter((o) => o.value?.ok)).toHaveLength(1);
      // The rest: the challenge is gone (or, rarely, too many conflicts: fail closed), never a second ok.
      for (const o of outcomes.filter((o) => !o.value?.ok))
        expect(o.value?.reason ?? o.error).toMatch(/^(no-challenge|replayed|STORE_CONFLICT)$/);
      expect((await engine.status('alice')).failures).toBe(0);
    });

    it('wrong codes spread across processes add up to the lock; then every process refuses the right code', async () => {
      await start({ attemptsPerCode: 10, lockout: { failures: 10 } });
      const { secret } = await setUpUser('bob');
      await setTime(now + 30_000);
      expect(await engine.beginChallenge('bob')).toMatchObject({ ok: true });
      const right = generateTotp(secret, { at: now });
      const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
      const outcomes = (await all<Outcome[]>('verify', { userId: 'bob', code: wrong, n: 4 })).flat();
      // 16 wrong codes from 4 processes: the first 9 are counted as invalid, the 10th locks, the rest find
      // the lock. None is lost, none counted twice.
      const reasons = outcomes.map((o) => o.value?.reason ?? o.error);
      expect(reasons.filter((r) => r === 'invalid')).toHaveLength(9);
      expect(reasons.filter((r) => r === 'locked')).toHaveLength(7);
      const status = await engine.status('bob');
      expect(status.failures).toBe(10);
      expect(status.lockedUntil).toBeGreaterThan(now);
      const afterLock = (await all<Outcome[]>('verify', { userId: 'bob', code: right, n: 3 })).flat();
      expect(afterLock.map((o) => o.value?.reason ?? o.error)).toEqual(Array(PROCESSES * 3).fill('locked'));
    });

    it('two processes beginning a challenge at once leave one open, and only its code works', async () => {
      await start({ sendLimits: { cooldown: 0 } });
      const { smsId } = await setUpUser('carol');
      const [a, b] = await Promise.all(
        workers.slice(0, 2).map((w) =>
          w.request<{ results: Outcome[]; codes: string[] }>('begin', {
            userId: 'carol',
            deviceId: smsId,
            n: 1,
          }),
        ),
      );
      const codes = [...a!.codes, ...b!.codes];
      expect(codes.length).toBeGreaterThanOrEqual(1);
      // Try every sent code, each from a different process: exactly one is accepted.
      const results: string[] = [];
      for (const [i, code] of codes.entries()) {
        const [o] = await workers[(i + 2) % PROCESSES]!.request<Outcome[]>('verify', {
          userId: 'carol',
          code,
          n: 1,
        });
        results.push(o!.value?.ok ? 'ok' : (o!.value?.reason ?? o!.error!));
      }
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      if (codes.length === 2) {
        // Either the stale code is refused first (then the open one works), or the open one ends the challenge.
        expect(results).toSatisfy(
          (r: string[]) =>
            (r[0] === 'invalid' && r[1] === 'ok') || (r[0] === 'ok' && r[1] === 'no-challenge'),
        );
      }
    });

    it('send caps hold across processes: no process sends past the cap', async () => {
      await start({ sendLimits: { cooldown: 0, perUser: { hour: 5, day: 10 } } });
      const { smsId } = await setUpUser('dave');
      const before = (await engine.status('dave')) as unknown;
      expect(before).toBeTruthy();
      const rounds = await all<{ results: Outcome[]; codes: string[] }>('begin', {
        userId: 'dave',
        deviceId: smsId,
        n: 5,
      });
      const sentCodes = rounds.flatMap((r) => r.codes);
      const accepted = rounds.flatMap((r) => r.results).filter((o) => o.value?.ok);
      const throttled = rounds
        .flatMap((r) => r.results)
        .filter((o) => o.value && !o.value.ok && o.value.reason === 'throttled');
      expect(sentCodes).toHaveLength(accepted.length);
      // One send went to enrolment: 4 left in the hour, whichever processes asked.
      expect(accepted).toHaveLength(4);
      expect(throttled.length + accepted.length).toBe(PROCESSES * 5);
    });
  });
}
