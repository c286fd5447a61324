// Where the demo keeps everything: the engine's records, the demo's accounts, sessions and notifications,
// and the rate limiter's counters. By default an embedded PGlite database (PostgreSQL compiled to
// WebAssembly) in a local folder, so accounts and their 2SV settings survive a restart with no server to
// install; `DATABASE_URL` switches to a PostgreSQL server (`pg`), `REDIS_URL` puts the engine's records and
// the limiter's counters in Redis (`ioredis`), accounts and sessions staying in PostgreSQL or PGlite.
//
// REAL APP: your own database and migrations; the engine's part is `migratePostgres` and `PostgresStore`
// (or `RedisStore`), the rest is what any app with accounts already has.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accountId } from './accounts.mjs';
import { createPostgresLimits, createRedisLimits, LIMITS_SCHEMA, LIMITS_TABLE } from './limits.mjs';

/** The default data folder, git-ignored: `.demo-data/` at the repository's root. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.demo-data', import.meta.url));

/** The demo's own tables (the engine's come from `migratePostgres`). */
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS demo_settings (name text PRIMARY KEY, value text NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS demo_accounts (
    id text PRIMARY KEY,
    name text NOT NULL,
    salt bytea NOT NULL,
    hash bytea NOT NULL,
    locale text NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS demo_notifications (
    seq bigserial PRIMARY KEY,
    account_id text NOT NULL REFERENCES demo_accounts (id) ON DELETE CASCADE,
    event jsonb NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS demo_notifications_account ON demo_notifications (account_id, seq)`,
  `CREATE TABLE IF NOT EXISTS demo_sessions (sid text PRIMARY KEY, data jsonb NOT NULL, expires_at bigint NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS demo_sessions_expiry ON demo_sessions (expires_at)`,
  LIMITS_SCHEMA,
];

const bytes = (value) => Buffer.from(value);

/**
 * Accounts in SQL (see `createMemoryAccounts` for the interface).
 * @param {{ query(text: string, params?: unknown[]): Promise<{ rows: any[] }> }} db
 */
export function createSqlAccounts(db) {
  return {
    async create(name, password, locale) {
      const { rows } = await db.query(
        `INSERT INTO demo_accounts (id, name, salt, hash, locale) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [accountId(name), name, password.salt, password.hash, locale],
      );
      return rows.length === 1;
    },
    async get(id) {
      const { rows } = await db.query('SELECT name, salt, hash, locale FROM demo_accounts WHERE id = $1', [
        id,
      ]);
      const row = rows[0];
      return row && { name: row.name, locale: row.locale, salt: bytes(row.salt), hash: bytes(row.hash) };
    },
    async locale(id) {
      const { rows } = await db.query('SELECT locale FROM demo_accounts WHERE id = $1', [id]);
      return rows[0]?.locale;
    },
    async setLocale(id, locale) {
      await db.query('UPDATE demo_accounts SET locale = $2 WHERE id = $1', [id, locale]);
    },
    async notify(id, event) {
      // The newest 30 per account, as in memory.
      await db.query(
        `WITH added AS (
           INSERT INTO demo_notifications (account_id, event)
           SELECT id, $2::jsonb FROM demo_accounts WHERE id = $1 RETURNING account_id
         )
         DELETE FROM demo_notifications WHERE account_id IN (SELECT account_id FROM added)
           AND seq NOT IN (SELECT seq FROM demo_notifications WHERE account_id = $1 ORDER BY seq DESC LIMIT 29)`,
        [id, JSON.stringify(event)],
      );
    },
    async notifications(id) {
      const { rows } = await db.query(
        'SELECT event FROM demo_notifications WHERE account_id = $1 ORDER BY seq',
        [id],
      );
      return rows.map((r) => (typeof r.event === 'string' ? JSON.parse(r.event) : r.event));
    },
  };
}

/**
 * Sessions in SQL, each row with the moment it expires (`expiresAt(data)`), expired rows deleted now and
 * then.
 * @param {{ query(text: string, params?: unknown[]): Promise<{ rows: any[] }> }} db
 * @param {{ expiresAt(data: object): number, clock: () => number }} how
 */
export function createSqlSessions(db, { expiresAt, clock }) {
  let swept = 0;
  return {
    async get(sid) {
      const { rows } = await db.query('SELECT data FROM demo_sessions WHERE sid = $1', [sid]);
      const data = rows[0]?.data;
      return typeof data === 'string' ? JSON.parse(data) : data;
    },
    async set(sid, data) {
      await db.query(
        `INSERT INTO demo_sessions (sid, data, expires_at) VALUES ($1, $2::jsonb, $3)
         ON CONFLICT (sid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
        [sid, JSON.stringify(data), expiresAt(data)],
      );
      const now = clock();
      if (now - swept > 10 * 60_000) {
        swept = now;
        await db.query('DELETE FROM demo_sessions WHERE expires_at < $1', [now]);
        await db.query(`DELETE FROM ${LIMITS_TABLE} WHERE expire < $1`, [Date.now()]);
      }
    },
    async delete(sid) {
      await db.query('DELETE FROM demo_sessions WHERE sid = $1', [sid]);
    },
  };
}

/**
 * Opens the demo's storage from the environment: `DATABASE_URL`, `REDIS_URL`, and `DEMO_DATA` (the PGlite
 * folder, default {@link DEFAULT_DATA_DIR}).
 * @param {{ env?: Record<string, string | undefined>, clock?: () => number,
 *   sessionExpiry: (data: object) => number }} options
 */
export async function openStorage({ env = process.env, clock = Date.now, sessionExpiry }) {
  const { migratePostgres, PostgresStore } = await import('twosv/postgres');
  const closers = [];
  let db;
  let pool = false;
  let where;
  if (env.DATABASE_URL) {
    const { default: pg } = await import('pg');
    db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 5 });
    pool = true;
    closers.push(() => db.end());
    where = 'PostgreSQL';
  } else {
    const dir = resolve(env.DEMO_DATA || DEFAULT_DATA_DIR);
    mkdirSync(dir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    // One process per folder: PGlite is an embedded database, not a server.
    db = await PGlite.create(resolve(dir, 'pglite'));
    closers.push(() => db.close());
    where = `PGlite (${dir})`;
  }
  for (const statement of SCHEMA) await db.query(statement);

  // The engine's code key: REAL APP, from your secret manager, the same on every server. The demo makes one
  // on first start and keeps it beside the accounts, so codes sent before a restart still verify after it.
  await db.query(
    `INSERT INTO demo_settings (name, value) VALUES ('code_key', $1) ON CONFLICT (name) DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  );
  const codeKey = (await db.query(`SELECT value FROM demo_settings WHERE name = 'code_key'`)).rows[0].value;

  let store;
  let limits;
  if (env.REDIS_URL) {
    const [{ default: Redis }, { RedisStore }] = await Promise.all([
      import('ioredis'),
      import('twosv/redis'),
    ]);
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 });
    closers.unshift(() => redis.quit());
    store = new RedisStore(redis, { prefix: 'twosv-demo:' });
    limits = createRedisLimits(redis);
    where += ', and Redis for two-step verification';
  } else {
    await migratePostgres(db, { table: 'demo_twosv' });
    store = new PostgresStore(db, { table: 'demo_twosv' });
    limits = createPostgresLimits(db, { pool });
  }
  return {
    accounts: createSqlAccounts(db),
    sessions: createSqlSessions(db, { expiresAt: sessionExpiry, clock }),
    limits,
    store,
    codeKey,
    where,
    db,
    async close() {
      for (const close of closers) await close();
    },
  };
}
