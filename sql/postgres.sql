-- twosv PostgreSQL store schema (twosv/postgres), for the default table name `twosv_records`.
-- The same as `migratePostgres(client)` runs; idempotent. For another table name, replace every
-- `twosv_records` (the sequence and index names derive from it) and pass { table } to PostgresStore.
--
-- What a DBA needs to know:
-- * One row per user (`user:<id>`: devices, sealed authenticator secrets, code hashes, counters, locks) and
--   one per phone number or e-mail address codes were sent to in the last day (`dest:<hmac>`: send caps).
--   A user row is about 1-3 KB of JSON (a few devices; more with long device names), a `dest:` row about
--   100-300 bytes. 1 million users with 2SV: some 2-4 GB with the primary key index.
-- * `record` is JSON kept as `text`, not `jsonb`: `jsonb` cannot hold the `\u0000` escape, and the store
--   returns the text exactly as written. Cast it (`record::jsonb`) for ad-hoc queries.
-- * `key` uses the "C" collation: keys are compared byte for byte, and the primary key index is plain.
-- * Every write is `UPDATE ... WHERE key = $1 AND version = $4` (or `INSERT ... ON CONFLICT`): one row, one
--   round trip, through the primary key. `version` comes from the sequence, so it is never reused.
-- * `expires_at` is set only on `dest:` rows (a day after their last send). Expired rows read as absent;
--   delete them from a periodic job (hourly is plenty), which the partial index keeps cheap:
--       DELETE FROM twosv_records WHERE expires_at <= now();
--   or call `store.deleteExpired()`.
-- * Deleting a user's 2SV data (account deletion, a privacy request) deletes the row `user:<id>`.
-- * Back it up with the accounts tables: losing it turns 2SV off for every user.

CREATE TABLE IF NOT EXISTS twosv_records (
  key        text COLLATE "C" PRIMARY KEY,
  version    bigint NOT NULL,
  record     text NOT NULL,
  expires_at timestamptz
);
CREATE SEQUENCE IF NOT EXISTS twosv_records_versions;
CREATE INDEX IF NOT EXISTS twosv_records_expires_at ON twosv_records (expires_at) WHERE expires_at IS NOT NULL;
