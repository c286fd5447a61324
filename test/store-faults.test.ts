// Faults in the middle of sign-ins: connections killed (pg_terminate_backend, Redis CLIENT KILL) and the
// PostgreSQL server restarted while verifications run. Each failure is a typed STORE_FAILED, no success is
// counted twice, no record is half-written, no enrolment is lost, and work resumes once the server is back.
// The restart uses a PostgreSQL server of its own, so other test files keep theirs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTwoStep, type TwoStep } from '../src/enrollment.js';
import { TwoSvError } from '../src/errors.js';
import { definePolicy } from '../src/policy.js';
import { migratePostgres, PostgresStore } from '../src/postgres.js';
import { RedisStore } from '../src/redis.js';
import type { Store } from '../src/store.js';
import { generateTotp } from '../src/totp.js';
import { startPostgres } from './support/servers.js';
import { CODE_KEY, rejectsWith, START } from './support/two-step.js';

const USERS = 24;
const postgres = inject('postgres');
const redis = inject('redis');
const policy = definePolicy({ requireBackup: false });
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Tally {
  ok: number;
  failed: number;
  other: string[];
}

/** Users with an authenticator each (2SV on), and a function that runs one wave of sign-ins. */
async function population(store: Store) {
  let now = START;
  const engine: TwoStep = createTwoStep({ store, codeKey: CODE_KEY, clock: () => now, policy });
  const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const secrets: string[] = [];
  for (const user of users) {
    const e = await engine.enrollAuthenticator(user, { account: user });
    expect(await engine.confirmEnrollment(user, generateTotp(e.secret, { at: now }))).toMatchObject({
      enabled: true,
    });
    secrets.push(e.secret);
  }
  const tallies = new Map(users.map((u) => [u, { ok: 0, failed: 0, other: [] } as Tally]));
  const count = (user: string, settled: PromiseSettledResult<{ ok: boolean; reason?: string }>) => {
    const t = tallies.get(user)!;
    if (settled.status === 'fulfilled') {
      if (settled.value.ok) t.ok++;
      else t.other.push(settled.value.reason!);
    } else if (settled.reason instanceof TwoSvError && settled.reason.code === 'STORE_FAILED') t.failed++;
    else t.other.push(String(settled.reason));
  };
  return {
    engine,
    users,
    tallies,
    /** Begins a challenge for everyone on a fresh TOTP step (retrying through faults). */
    async begin() {
      now += 30_000;
      for (const user of users) {
        for (let attempt = 0; ; attempt++) {
          try {
            await engine.beginChallenge(user);
            break;
          } catch (err) {
            if (attempt > 100 || !(err instanceof TwoSvError && err.code === 'STORE_FAILED')) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
      for (const t of tallies.values()) Object.assign(t, { ok: 0, failed: 0, other: [] });
    },
    /** Every user signs in with the right code, all at once; `fault` runs meanwhile. */
    async wave(fault: () => Promise<unknown>) {
      const running = users.map((user, i) =>
        engine.verify(user, generateTotp(secrets[i]!, { at: now })).then(
          (value) => count(user, { status: 'fulfilled', value }),
          (reason) => count(user, { status: 'rejected', reason }),
        ),
      );
      await Promise.all([...running, fault()]);
    },
    /** Users whose sign-in failed with STORE_FAILED try again (until the server answers). */
    async retry() {
      for (const [i, user] of users.entries()) {
        const t = tallies.get(user)!;
        // Until the server answers: STORE_FAILED is retried, any answer ends it.
        for (let attempt = 0; attempt < 300 && t.ok + t.other.length === 0; attempt++) {
          const settled = await engine.verify(user, generateTotp(secrets[i]!, { at: now })).then(
            (value) => ({ status: 'fulfilled', value }) as const,
            (reason) => ({ status: 'rejected', reason }) as const,
          );
          count(user, settled);
          if (settled.status === 'rejected') await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    /** The invariants after a wave and its retries. */
    async check() {
      for (const user of users) {
        const t = tallies.get(user)!;
        expect(t.ok, `${user}: successes`).toBeLessThanOrEqual(1);
        // A failure either left the code usable (then the retry succeeded) or was applied without an
        // answer (then the retry finds the challenge used): never a second success.
        expect(t.ok + t.other.filter((r) => r === 'no-challenge').length, `${user}: outcomes`).toBe(1);
        expect(
          t.other.filter((r) => r !== 'no-challenge'),
          `${user}: unexpected`,
        ).toEqual([]);
        const status = await engine.status(user);
        expect(status.enabled, `${user}: enrolment kept`).toBe(true);
        expect(status.failures, `${user}: no failure counted`).toBe(0);
      }
      return [...tallies.values()].reduce((sum, t) => sum + t.failed, 0);
    },
  };
}

(postgres ? describe : describe.skip)('faults on PostgreSQL', () => {
  it('connections killed with pg_terminate_backend in the middle of verifications', async () => {
    const name = `twosv-faults-${process.pid}`;
    const pool = new pg.Pool({ connectionString: postgres!.url, max: 8, application_name: name });
    pool.on('error', () => {});
    const admin = new pg.Client({ connectionString: postgres!.url });
    await admin.connect();
    cleanups.push(
      () => pool.end(),
      () => admin.end(),
    );
    await migratePostgres(pool, { table: 'faults_kill' });
    const p = await population(new PostgresStore(pool, { table: 'faults_kill' }));
    let failures = 0;
    for (let wave = 0; wave < 10 && failures === 0; wave++) {
      await p.begin();
      await p.wave(async () => {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 2 * i));
          await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
            [name],
          );
        }
      });
      await p.retry();
      failures += await p.check();
    }
    expect(failures, 'some verifications met a killed connection').toBeGreaterThan(0);
  });

  // One retry, on a fresh server: once in many CI runs (2026-11-29) this test timed out at 60 s with no
  // failed assertion. 16 runs here, under load and two with the event loop blocked 3–5 s during the restart, did
  // not reproduce it. The restart is synchronous, so a `pg_ctl -w` waiting out its own 60 s default would look
  // exactly like that; it now waits at most 20 s and fails with the server log's tail. A sign-in that never
  // settles would be a product bug (the user's calls queue behind it): the wave and the retries now fail
  // after 20 s with the pool's state instead of timing out, so either cause shows itself next time.
  it('the server restarted in the middle of verifications', { retry: 1, timeout: 90_000 }, async () => {
    const own = await startPostgres();
    if (!own) throw new Error('PostgreSQL binaries vanished');
    cleanups.push(own.stop);
    const { server } = own;
    const pool = new pg.Pool({ connectionString: server.url, max: 8, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const within = <T>(what: string, work: Promise<T>) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const state = `pool: ${pool.totalCount} clients, ${pool.idleCount} idle, ${pool.waitingCount} waiting`;
          reject(new Error(`${what} did not settle within 20 s (${state})`));
        }, 20_000);
      });
      return Promise.race([work, late]).finally(() => clearTimeout(timer));
    };
    await migratePostgres(pool);
    const p = await population(new PostgresStore(pool));
    await p.begin();
    const wave = p.wave(async () => {
      await new Promise((r) => setTimeout(r, 5));
      const [cmd, ...args] = [
        ...server.asUser,
        `${server.bin}/pg_ctl`,
        '-D',
        server.dir,
        '-l',
        `${server.dir}/log`,
        '-m',
        'immediate',
        '-w',
        '-t',
        '20',
        'restart',
      ];
      try {
        // stdio ignored: the restarted server must not hold a pipe of ours open.
        execFileSync(cmd!, args, { stdio: 'ignore' });
      } catch (err) {
        const log = readFileSync(`${server.dir}/log`, 'utf8').split('\n').slice(-20).join('\n');
        throw new Error(`pg_ctl restart failed (${String(err)}); server log:\n${log}`);
      }
    });
    await within('the wave of sign-ins during the restart', wave);
    await within('the retries after the restart', p.retry());
    const failures = await p.check();
    expect(failures, 'some verifications met the restart').toBeGreaterThan(0);
    // Work goes on: a second round of sign-ins after the restart succeeds for everyone.
    await p.begin();
    await p.wave(async () => {});
    expect([...p.tallies.values()].every((t) => t.ok === 1)).toBe(true);
  });

  // The engine runs one user's calls one after another in a process, so a store call that never answers
  // holds that user's later calls: docs/store-adapter.md tells apps to set the driver's timeouts. A table
  // lock held by another session stands in for a stuck server, or a connection that went silent.
  it("a query that never answers holds the user's calls; the driver's query_timeout makes it STORE_FAILED", async () => {
    const admin = new pg.Client({ connectionString: postgres!.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const plain = new pg.Pool({ connectionString: postgres!.url, max: 2 });
    const timed = new pg.Pool({ connectionString: postgres!.url, max: 2, query_timeout: 300 });
    for (const pool of [plain, timed]) pool.on('error', () => {});
    cleanups.push(
      () => plain.end(),
      () => timed.end(),
    );
    await migratePostgres(plain, { table: 'faults_stuck' });
    let now = START;
    const engineOn = (pool: pg.Pool) =>
      createTwoStep({
        store: new PostgresStore(pool, { table: 'faults_stuck' }),
        codeKey: CODE_KEY,
        clock: () => now,
        policy,
      });
    const e = await engineOn(plain).enrollAuthenticator('stuck', { account: 'stuck' });
    await engineOn(plain).confirmEnrollment('stuck', generateTotp(e.secret, { at: now }));
    now += 30_000;
    await engineOn(plain).beginChallenge('stuck');
    const lock = async () => {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE faults_stuck IN ACCESS EXCLUSIVE MODE');
    };
    const settledWithin = (work: Promise<unknown>, ms: number) =>
      Promise.race([
        work.then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise((r) => setTimeout(() => r('pending'), ms)),
      ]);

    // No timeout: the sign-in waits as long as the database does, and so does the user's next sign-in.
    const plainEngine = engineOn(plain);
    await lock();
    const first = plainEngine.verify('stuck', '000000');
    const next = plainEngine.verify('stuck', '111111');
    expect(await settledWithin(first, 1_000)).toBe('pending');
    expect(await settledWithin(next, 0)).toBe('pending');
    await admin.query('ROLLBACK');
    expect(await first).toMatchObject({ ok: false });
    expect(await next).toMatchObject({ ok: false });
    expect((await plainEngine.status('stuck')).failures).toBe(2);

    // With query_timeout: a typed STORE_FAILED, nothing changed, and the
    // user's next call goes ahead once the database answers again.
    const timedEngine = engineOn(timed);
    await lock();
    const started = Date.now();
    const err = await rejectsWith(
      () => timedEngine.verify('stuck', generateTotp(e.secret, { at: now })),
      'STORE_FAILED',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    // The engine's error, caused by the store's, caused by the driver's timeout.
    const storeError = err.cause as TwoSvError;
    expect(storeError.code).toBe('STORE_FAILED');
    expect((storeError.cause as Error).message).toMatch(/timeout/i);
    await admin.query('ROLLBACK');
    expect((await timedEngine.status('stuck')).failures).toBe(2);
    expect(await timedEngine.verify('stuck', generateTotp(e.secret, { at: now }))).toMatchObject({
      ok: true,
    });
  });

  it('a corrupt row is reported (STORE_FAILED caused by INVALID_RECORD), a foreign one is INVALID_RECORD', async () => {
    const pool = new pg.Pool({ connectionString: postgres!.url, max: 2 });
    cleanups.push(() => pool.end());
    await migratePostgres(pool, { table: 'faults_corrupt' });
    const engine = createTwoStep({
      store: new PostgresStore(pool, { table: 'faults_corrupt' }),
      codeKey: CODE_KEY,
    });
    await pool.query(`INSERT INTO faults_corrupt VALUES ('user:corrupt', 1, '{"v":1,', NULL)`);
    const err = await rejectsWith(() => engine.verify('corrupt', '123456'), 'STORE_FAILED');
    expect((err.cause as TwoSvError).code).toBe('INVALID_RECORD');
    await pool.query(`INSERT INTO faults_corrupt VALUES ('user:foreign', 2, '{"name":"not twosv"}', NULL)`);
    await rejectsWith(() => engine.verify('foreign', '123456'), 'INVALID_RECORD');
    await rejectsWith(() => engine.status('foreign'), 'INVALID_RECORD');
  });
});

(redis ? describe : describe.skip)('faults on Redis', () => {
  /** Kills the store's connection (only it: other test files share the server) while sign-ins are in flight. */
  async function killWaves(store: Store, clientId: () => Promise<string>, requireFailure: boolean) {
    const admin = new Redis(redis!.url);
    cleanups.push(() => admin.disconnect());
    const p = await population(store);
    let failures = 0;
    for (let wave = 0; wave < (requireFailure ? 20 : 3) && failures === 0; wave++) {
      await p.begin();
      const id = await clientId();
      await p.wave(() => admin.call('CLIENT', 'KILL', 'ID', id).catch(() => {}));
      await p.retry();
      failures += await p.check();
    }
    if (requireFailure) expect(failures, 'some verifications met a killed connection').toBeGreaterThan(0);
  }

  it('CLIENT KILL in the middle of verifications, node-redis: STORE_FAILED, never a double success', async () => {
    const client = createClient({ url: redis!.url });
    client.on('error', () => {});
    await client.connect();
    cleanups.push(() => client.destroy());
    await killWaves(
      new RedisStore(client, { prefix: `faults:node:${process.pid}:` }),
      async () => String(await client.sendCommand(['CLIENT', 'ID'])),
      true,
    );
  }, 120_000);

  it('CLIENT KILL in the middle of verifications, ioredis: unanswered commands are resent, and safe', async () => {
    // ioredis resends unanswered commands after reconnecting (its default): a resent write finds its own
    // version and reports success, so nothing fails and nothing is counted twice. (Do not turn that off:
    // with autoResendUnfulfilledCommands false, ioredis 5 leaves the unanswered calls pending for ever.)
    const client = new Redis(redis!.url);
    client.on('error', () => {});
    cleanups.push(() => client.disconnect());
    await killWaves(
      new RedisStore(client, { prefix: `faults:io:${process.pid}:` }),
      async () => String(await client.call('CLIENT', 'ID')),
      false,
    );
  }, 120_000);
});
