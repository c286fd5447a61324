// Store benchmark (issue 9): sign-in verifications per second through the engine with 32 in flight, p50 and
// p99 latency, and round trips per verification, for MemoryStore, PGlite, PostgreSQL and Redis on loopback;
// beside them each server's own ceiling in the same run: pgbench with a one-row read and a conditional update
// per transaction at the same concurrency, and redis-benchmark on the equivalent Lua script.
//
// Servers: DATABASE_URL / REDIS_URL if set (pgbench then needs PG* access too), else throwaway servers on
// loopback (as the tests start them; as root, PostgreSQL runs as the postgres user). Missing ones are skipped.
// Run: npm run build && node bench/stores.mjs   (BENCH_STORE_USERS, BENCH_STORE_SECONDS, BENCH_STORES,
// BENCH_PG_POOL, BENCH_PG_PREPARE, BENCH_REDIS_AUTOPIPELINE tune it). "Node CPU" is this process's user + system CPU time per
// verification in the timed part: on a 2-core machine, what the client burns the server cannot use.
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
/** The pg Pool's size (BENCH_PG_POOL) and whether the store prepares its statements (BENCH_PG_PREPARE=0). */
const POOL = Number(process.env.BENCH_PG_POOL ?? IN_FLIGHT);
const PREPARE = process.env.BENCH_PG_PREPARE !== '0';
/** Which stores to run (BENCH_STORES=memory,pglite,postgres,redis): all by default. */
const ONLY = new Set((process.env.BENCH_STORES ?? 'memory,pglite,postgres,redis').split(','));
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
  let cpu = 0;
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
    const cpuBefore = process.cpuUsage();
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
    const cpuUsed = process.cpuUsage(cpuBefore);
    cpu += cpuUsed.user + cpuUsed.system;
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
    cpu: cpu / done,
  };
}

/**
 * The store alone, without the engine: each of 32 workers reads a user's row and writes it back under its
 * version (the engine's two calls per verification), so the engine's own cost reads as the difference.
 */
async function storeOnly(name, store, countCalls) {
  const users = Array.from({ length: USERS }, (_, i) => `user:user-${i}`);
  const latencies = [];
  let done = 0;
  const callsBefore = countCalls();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, w) => {
      // Worker w owns the users w, w + 32, …: no two workers write one row at once.
      for (let i = w; performance.now() < deadline; i = i + IN_FLIGHT < USERS ? i + IN_FLIGHT : w) {
        const key = users[i];
        const t = performance.now();
        const entry = await store.get(key);
        const put = await store.put(key, entry.record, entry.version);
        latencies.push(performance.now() - t);
        if (!put.ok) throw new Error(`${name}: a write conflicted`);
        done++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const cpuUsed = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    name,
    rate: (done * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    trips: (countCalls() - callsBefore) / done,
    cpu: (cpuUsed.user + cpuUsed.system) / done,
  };
}

/**
 * pgbench on the engine's own table after its run, with the store's own two statements: the read of one
 * user's row, then the conditional update of that row under the version just read, writing the record just
 * read back (the same bytes as the engine's write, sent as a parameter). Two statements, each its own
 * transaction and round trip, as the store sends them; 32 clients; `-M prepared` when the store prepares
 * its statements (node-postgres), else `-M extended`.
 */
function pgbenchCeiling(server, table, mode) {
  const live = '(expires_at IS NULL OR expires_at > now())';
  const [psql, ...pre] = [...server.asUser, join(server.bin, 'psql')];
  const versions = () =>
    Number(
      execFileSync(
        psql,
        [
          ...pre,
          '-h',
          '127.0.0.1',
          '-p',
          String(server.port),
          '-U',
          'postgres',
          '-Atc',
          `SELECT last_value FROM ${table}_versions`,
        ],
        { encoding: 'utf8' },
      ),
    );
  // 'user:' || 'user-' and :k::text: pgbench would take ':user' inside a literal for a variable, and
  // -M prepared needs the parameter's type.
  const script = join(server.dir, 'bench.sql');
  writeFileSync(
    script,
    `\\set k random(0, ${USERS - 1})
SELECT version::text AS v, record AS r FROM ${table} WHERE key = 'user:' || 'user-' || :k::text AND ${live} \\gset
UPDATE ${table} SET version = nextval('${table}_versions'), record = :r, expires_at = to_timestamp(NULL::double precision / 1000) WHERE key = 'user:' || 'user-' || :k::text AND version = :v::bigint AND ${live} RETURNING version::text AS version;
`,
  );
  if (server.asUser.length) execFileSync('chown', ['postgres', script]);
  const [bench, ...pre2] = [...server.asUser, join(server.bin, 'pgbench')];
  const before = versions();
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
      mode,
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
  // The updates must have matched their rows (nextval runs once per updated row); a few lose to another
  // client that drew the same user at the same moment, a conflict, as in the engine.
  const processed = Number(/actually processed: (\d+)/.exec(out)?.[1]);
  const updated = versions() - before;
  if (!(processed > 0) || updated < 0.98 * processed)
    throw new Error(`pgbench: ${processed} transactions but ${updated} rows updated`);
  return { tps, latency, mode };
}

function redisBenchmark(server, shape, args) {
  const base = ['-p', String(server.port), '-n', String(200_000), '-r', String(USERS), '-q'];
  const out = execFileSync('redis-benchmark', [...base, ...shape, ...args], { encoding: 'utf8' });
  return Number(/([\d.]+) requests per second/.exec(out)?.[1]);
}

/**
 * redis-benchmark on the store's two commands per verification, 32 in flight: \`HMGET key v r\` on the
 * engine's own hashes, then \`EVALSHA\` of the store's write script minus its expected-version comparison
 * (redis-benchmark cannot carry the version read into the write; the comparison is one string compare),
 * writing a record of the engine's size. Each run is one command, so the ceiling per verification is
 * 1 / (1/HMGET rate + 1/EVALSHA rate).
 */
function redisCeiling(server, prefix, recordBytes) {
  const script =
    "local v = redis.call('HGET', KEYS[1], 'v') if v == ARGV[2] then return 1 end " +
    "redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3]) " +
    "if ARGV[4] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end return 1";
  const sha = execFileSync('redis-cli', ['-p', String(server.port), 'SCRIPT', 'LOAD', script], {
    encoding: 'utf8',
  }).trim();
  // runStores filled prefix + 000000000000 … with hashes of the engine's size (__rand_int__ is 12 digits).
  const key = `${prefix}__rand_int__`;
  const record = JSON.stringify({ pad: 'x'.repeat(Math.max(0, recordBytes - 10)) });
  const ceiling = (shape) => {
    const hmget = redisBenchmark(server, shape, ['HMGET', key, 'v', 'r']);
    const evalsha = redisBenchmark(server, shape, ['EVALSHA', sha, '1', key, '', '__rand_int__', record, '']);
    return { shape: shape.join(' '), hmget, evalsha, pair: 1 / (1 / hmget + 1 / evalsha) };
  };
  // ioredis sends the store's commands down one connection, up to 32 outstanding: -c 1 -P 32 is that
  // shape and the ceiling the ratio uses; -c 32 -P 1 (32 connections, one command each) is shown beside it.
  return {
    piped: ceiling(['-c', '1', '-P', String(IN_FLIGHT)]),
    conns: ceiling(['-c', String(IN_FLIGHT), '-P', '1']),
  };
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
  if (ONLY.has('memory')) {
    const memory = new MemoryStore();
    const gets = counted(memory, 'get');
    const puts = counted(memory, 'put');
    rows.push(await signIns('MemoryStore', memory, () => gets() + puts()));
  }

  if (ONLY.has('pglite')) {
    const lite = new PGlite();
    await migratePostgres(lite);
    const liteCalls = counted(lite, 'query'); // before the store binds lite.query
    rows.push(await signIns('PGlite (in process)', new PostgresStore(lite), liteCalls));
    await lite.close();
  }

  const pgServer = !ONLY.has('postgres') || process.env.DATABASE_URL ? null : await startPostgres();
  const pgUrl = ONLY.has('postgres') ? (process.env.DATABASE_URL ?? pgServer?.url) : null;
  let pgCeiling = null;
  if (pgUrl) {
    try {
      const pool = new pg.Pool({ connectionString: pgUrl, max: POOL });
      await migratePostgres(pool, { table: 'bench_twosv' });
      await pool.query('TRUNCATE bench_twosv');
      const calls = counted(pool, 'query'); // before the store binds pool.query
      const store = new PostgresStore(pool, { table: 'bench_twosv', prepare: PREPARE });
      rows.push(await signIns(`PostgreSQL (pg, pool ${POOL})`, store, calls));
      rows.push(await storeOnly('  store only, no engine', store, calls));
      await pool.end();
      if (pgServer) pgCeiling = pgbenchCeiling(pgServer, 'bench_twosv', PREPARE ? 'prepared' : 'extended');
    } finally {
      pgServer?.stop();
    }
  }

  const redisServer = !ONLY.has('redis') || process.env.REDIS_URL ? null : await startRedis();
  const redisUrl = ONLY.has('redis') ? (process.env.REDIS_URL ?? redisServer?.url) : null;
  let redisRps = null;
  if (redisUrl) {
    try {
      // BENCH_REDIS_AUTOPIPELINE=1: ioredis writes the commands of one tick in one write (a client option).
      const redis = new Redis(redisUrl, {
        enableAutoPipelining: process.env.BENCH_REDIS_AUTOPIPELINE === '1',
      });
      const calls = counted(redis, 'call'); // before the store binds redis.call
      const prefix = `bench:${Date.now()}:`;
      const store = new RedisStore(redis, { prefix });
      rows.push(await signIns('Redis (ioredis)', store, calls));
      rows.push(await storeOnly('  store only, no engine', store, calls));
      const record = JSON.stringify((await store.get('user:user-0')).record);
      const fill = redis.pipeline();
      for (let i = 0; i < USERS; i++)
        fill.hset(`${prefix}ceiling:${String(i).padStart(12, '0')}`, 'v', '0'.repeat(32), 'r', record);
      await fill.exec();
      redis.disconnect();
      if (redisServer) redisRps = redisCeiling(redisServer, `${prefix}ceiling:`, record.length);
    } finally {
      redisServer?.stop();
    }
  }

  let section = '';
  for (const r of rows) {
    if (!r.name.startsWith(' ')) section = r.name;
    let ceiling = '';
    if (!r.name.startsWith(' ') && section.startsWith('PostgreSQL') && pgCeiling)
      ceiling = `   pgbench -M ${pgCeiling.mode} ${pgCeiling.tps.toFixed(0)} tx/s (2 trips each) → ${((100 * r.rate) / pgCeiling.tps).toFixed(0)}%`;
    if (!r.name.startsWith(' ') && section.startsWith('Redis') && redisRps)
      ceiling = [redisRps.piped, redisRps.conns]
        .map(
          (c, i) =>
            `${i ? `\n${' '.repeat(40)}or` : ''}   redis-benchmark ${c.shape}: HMGET ${c.hmget.toFixed(0)}/s + EVALSHA ${c.evalsha.toFixed(0)}/s → ${c.pair.toFixed(0)} pairs/s → ${((100 * r.rate) / c.pair).toFixed(0)}%`,
        )
        .join('');
    console.log(
      `  ${r.name.padEnd(24)} ${r.rate.toFixed(0).padStart(7)} /s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   ${r.trips.toFixed(2)} trips   Node CPU ${r.cpu.toFixed(0).padStart(4)} µs each${ceiling}`,
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runStores();
