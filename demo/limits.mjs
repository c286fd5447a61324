// Sign-in and sign-up rate limits, on rate-limiter-flexible (a maintained limiter with stores for memory,
// PostgreSQL and Redis), so the counters live where the demo keeps everything else and hold across servers.
// The engine throttles codes; passwords and new accounts are the app's to limit.
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis } from 'rate-limiter-flexible';

/** Points per window, in seconds. REAL APP: tune to your traffic; watch the 429s. */
export const LIMITS = Object.freeze({
  // Wrong passwords for one account name from one address; a right password starts again from zero.
  signInFailures: { points: 10, duration: 15 * 60 },
  // All sign-in attempts from one address, whatever the account (spraying many accounts).
  signInAddress: { points: 100, duration: 15 * 60 },
  // New accounts from one address.
  signUpAddress: { points: 10, duration: 60 * 60 },
});

const build = (make, limits) =>
  Object.fromEntries(
    Object.entries({ ...LIMITS, ...limits }).map(([name, { points, duration }]) => [
      name,
      make({ keyPrefix: name, points, duration }),
    ]),
  );

/**
 * The limiters in this process's memory (a single server, counters lost on restart).
 * @param {Partial<typeof LIMITS>} [limits]
 */
export function createMemoryLimits(limits = {}) {
  return build((o) => new RateLimiterMemory(o), limits);
}

/** The table holding the counters of every limiter (rate-limiter-flexible's layout). */
export const LIMITS_TABLE = 'demo_rate_limits';
export const LIMITS_SCHEMA = `CREATE TABLE IF NOT EXISTS ${LIMITS_TABLE} (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
)`;

/**
 * The limiters over PostgreSQL: a `pg` Pool, or anything with `query(text, params)` resolving to
 * `{ rows, affectedRows? }` (PGlite). The table must exist ({@link LIMITS_SCHEMA}).
 * @param {{ query: Function }} db
 * @param {{ pool?: boolean }} [how] `pool: true` for a `pg` Pool, else a PGlite-style client.
 * @param {Partial<typeof LIMITS>} [limits]
 */
export function createPostgresLimits(db, how = {}, limits = {}) {
  // rate-limiter-flexible sends node-postgres query objects and reads `rowCount`; PGlite takes text and
  // parameters, and returns int8 as BigInt. This small client bridges the two.
  const client = how.pool
    ? db
    : {
        async query(q) {
          const result = await db.query(q.text, q.values ?? []);
          const rows = result.rows.map((row) =>
            Object.fromEntries(
              Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
            ),
          );
          return { rows, rowCount: result.affectedRows || rows.length };
        },
      };
  return build(
    (o) =>
      new RateLimiterPostgres({
        ...o,
        storeClient: client,
        storeType: how.pool ? 'pool' : 'client',
        tableName: LIMITS_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
      }),
    limits,
  );
}

/**
 * The limiters over Redis (an ioredis client).
 * @param {object} redis
 * @param {Partial<typeof LIMITS>} [limits]
 */
export function createRedisLimits(redis, limits = {}) {
  return build(
    (o) => new RateLimiterRedis({ ...o, keyPrefix: `twosv-demo:limit:${o.keyPrefix}`, storeClient: redis }),
    limits,
  );
}
