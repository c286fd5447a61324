// Store benchmark (issue 9): sign-in verifications per second through the engine with 32 in flight, p50 and
// p99 latency, and round trips per verification, for MemoryStore, PGlite, PostgreSQL and Redis on loopback;
// beside them each server's own ceiling in the same run: pgbench with a one-row read and a conditional update
// per transaction at the same concurrency, and redis-benchmark on the equivalent Lua script.
//
// Servers: DATABASE_URL / REDIS_URL if set (pgbench then needs PG* access too), else throwaway servers on
// loopback (as the tests start them; as root, PostgreSQL runs as the postgres user). Missing ones are skipped.
// Run: npm run build && node bench/stores.mjs   (BENCH_STORE_USERS, BENCH_STORE_SECONDS tune it)
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTwoStep, definePolicy, generateTotp, MemoryStore } from '../dist/esm/index.js';
import { migratePostgres, PostgresStore } from '../dist/esm/postgres.js';
import { RedisStore } from '../dist/esm/redis.js';

const USERS = Number(process.env.BENCH_STORE_USERS ?? 2000);
const SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? 5);
const IN_FLIGHT = 32;
const policy = definePolicy({ requireBackup: false });

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const v = readdirSync(root).find((d) => existsSync(join(root, d, 'bin', 'postgres')));
  return v ? join(root, v, 'bin') : null;
}

async function startPostgres() {
  const bin = postgresBin();
  if (!bin) return null;
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const run = (name, args) => {
    const [cmd, ...rest] = [...asUser, join(bin, name), ...args];
    execFileSync(cmd, rest, { stdio: 'ignore' });
  };
  const dir = mkdtempSync(join(tmpdir(), 'twosv-bench-pg-'));
  chmodSync(dir, 0o777);
  if (asUser.length) execFileSync('chown', ['postgres:postgres', dir]);
  run('initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`;
  run('pg_ctl', ['-D', dir, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    bin,
    asUser,
    dir,
    stop() {
      run('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startRedis() {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => child.kill('SIGKILL') };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Sign-ins through the engine: users set up, challenges begun, then verifications 32 in flight. */
async function signIns(name, store, countCalls) {
  let now = Date.UTC(2030, 0, 1);
  const twoStep = createTwoStep({
    store,
    codeKey: 'bench-code-key-bench-code-key-bench!',
    clock: () => now,
    policy,
  });
  const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const secrets = [];
  for (let i = 0; i < USERS; i += IN_FLIGHT) {
    await Promise.all(
      users.slice(i, i + IN_FLIGHT).map(async (user, j) => {
        const e = await twoStep.enrollAuthenticator(user, { account: user });
        await twoStep.confirmEnrollment(user, generateTotp(e.secret, { at: now }));
        secrets[i + j] = e.secret;
      }),
    );
  }
  const latencies = [];
  let done = 0;
  let calls = 0;
  const deadline = performance.now() + SECONDS * 1000;
  let elapsed = 0;
  while (performance.now() < deadline) {
    // A round: a fresh TOTP step, a challenge for everyone (untimed), then every user verifies (timed).
    now += 30_000;
    const at = now;
    for (let i = 0; i < USERS; i += IN_FLIGHT)
      await Promise.all(users.slice(i, i + IN_FLIGHT).map((u) => twoStep.beginChallenge(u)));
    const codes = secrets.map((s) => generateTotp(s, { at }));
    const callsBefore = countCalls();
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < USERS) {
          const i = next++;
          const t = performance.now();
          const result = await twoStep.verify(users[i], codes[i]);
          latencies.push(performance.now() - t);
          if (!result.ok) throw new Error(`${name}: a verification failed`);
        }
      }),
    );
    elapsed += performance.now() - start;
    calls += countCalls() - callsBefore;
    done += USERS;
  }
  latencies.sort((a, b) => a - b);
  return {
    name,
    rate: (done * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    trips: calls / done,
  };
}

function pgbenchCeiling(server) {
  const [cmd, ...pre] = [...server.asUser, join(server.bin, 'psql')];
  const psql = (sql) =>
    execFileSync(
      cmd,
      [...pre, '-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-q', '-c', sql],
      {
        stdio: 'ignore',
      },
    );
  psql(`DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (key text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL, record text NOT NULL, expires_at timestamptz);
    CREATE SEQUENCE IF NOT EXISTS bench_versions;
    INSERT INTO bench_rows SELECT 'user:' || i, i, repeat('x', 700), NULL FROM generate_series(1, ${USERS}) i;`);
  const script = join(server.dir, 'bench.sql');
  writeFileSync(
    script,
    `\\set k random(1, ${USERS})
SELECT version::text, record FROM bench_rows WHERE key = 'user:' || :k AND (expires_at IS NULL OR expires_at > now());
UPDATE bench_rows SET version = nextval('bench_versions'), record = record, expires_at = NULL WHERE key = 'user:' || :k AND version = version RETURNING version::text;
`,
  );
  if (server.asUser.length) execFileSync('chown', ['postgres', script]);
  const [bench, ...pre2] = [...server.asUser, join(server.bin, 'pgbench')];
  const out = execFileSync(
    bench,
    [
      ...pre2,
      '-h',
      '127.0.0.1',
      '-p',
      String(server.port),
      '-U',
      'postgres',
      '-n',
      '-M',
      'extended',
      '-c',
      String(IN_FLIGHT),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      script,
      'postgres',
    ],
    { encoding: 'utf8' },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  return { tps, latency };
}

function redisCeiling(server) {
  // The engine's two commands per sign-in, HMGET then the conditional-write script, as one script here:
  // redis-benchmark counts one call per sign-in, so this ceiling is the server's, without the second trip.
  const script =
    "local r = redis.call('HMGET', KEYS[1], 'v', 'r') local v = redis.call('HGET', KEYS[1], 'v') " +
    "redis.call('HSET', KEYS[1], 'v', ARGV[1], 'r', ARGV[2]) redis.call('PERSIST', KEYS[1]) return 1";
  const out = execFileSync(
    'redis-benchmark',
    [
      '-p',
      String(server.port),
      '-c',
      String(IN_FLIGHT),
      '-n',
      String(100_000),
      '-r',
      String(USERS),
      '-q',
      'EVAL',
      script,
      '1',
      'bench:__rand_int__',
      '__rand_int__',
      '{"x":1}',
    ],
    { encoding: 'utf8' },
  );
  return Number(/([\d.]+) requests per second/.exec(out)?.[1]);
}

export async function runStores() {
  console.log(`\nStores: sign-in verifications through the engine, ${IN_FLIGHT} in flight, ${USERS} users`);
  const rows = [];
  const counted = (client, method) => {
    let n = 0;
    const original = client[method].bind(client);
    client[method] = (...args) => {
      n++;
      return original(...args);
    };
    return () => n;
  };
  const memory = new MemoryStore();
  const gets = counted(memory, 'get');
  const puts = counted(memory, 'put');
  rows.push(await signIns('MemoryStore', memory, () => gets() + puts()));

  const lite = new PGlite();
  await migratePostgres(lite);
  rows.push(await signIns('PGlite (in process)', new PostgresStore(lite), counted(lite, 'query')));
  await lite.close();

  const pgServer = process.env.DATABASE_URL ? null : await startPostgres();
  const pgUrl = process.env.DATABASE_URL ?? pgServer?.url;
  let pgCeiling = null;
  if (pgUrl) {
    try {
      const pool = new pg.Pool({ connectionString: pgUrl, max: IN_FLIGHT });
      await migratePostgres(pool, { table: 'bench_twosv' });
      await pool.query('TRUNCATE bench_twosv');
      rows.push(
        await signIns(
          'PostgreSQL (pg Pool)',
          new PostgresStore(pool, { table: 'bench_twosv' }),
          counted(pool, 'query'),
        ),
      );
      await pool.end();
      if (pgServer) pgCeiling = pgbenchCeiling(pgServer);
    } finally {
      pgServer?.stop();
    }
  }

  const redisServer = process.env.REDIS_URL ? null : await startRedis();
  const redisUrl = process.env.REDIS_URL ?? redisServer?.url;
  let redisRps = null;
  if (redisUrl) {
    try {
      const redis = new Redis(redisUrl);
      const calls = counted(redis, 'call'); // before the store binds redis.call
      const store = new RedisStore(redis, { prefix: `bench:${Date.now()}:` });
      rows.push(await signIns('Redis (ioredis)', store, calls));
      redis.disconnect();
      if (redisServer) redisRps = redisCeiling(redisServer);
    } finally {
      redisServer?.stop();
    }
  }

  for (const r of rows) {
    let ceiling = '';
    if (r.name.startsWith('PostgreSQL') && pgCeiling)
      ceiling = `   pgbench ${pgCeiling.tps.toFixed(0)} tx/s → ${((100 * r.rate) / pgCeiling.tps).toFixed(0)}% of the ceiling`;
    if (r.name.startsWith('Redis') && redisRps)
      ceiling = `   redis-benchmark ${redisRps.toFixed(0)} scripts/s → ${((100 * r.rate) / redisRps).toFixed(0)}% of the ceiling`;
    console.log(
      `  ${r.name.padEnd(22)} ${r.rate.toFixed(0).padStart(7)} verifications/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   ${r.trips.toFixed(2)} store calls each${ceiling}`,
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runStores();
