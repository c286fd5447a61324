/**
 * The PostgreSQL store (`twosv/postgres`): a {@link Store} over any client with `query(text, params)`, so the
 * same code runs on node-postgres (`pg`: a `Pool` or a `Client`) and on the embedded `@electric-sql/pglite`.
 * This module imports no driver: you pass the client.
 * @module twosv/postgres
 */
import { TwoSvError } from './errors.js';
import { expiresAtOf } from './internal/expiry.js';
import {
  checkStoreKey,
  type JsonValue,
  type PutOptions,
  type PutResult,
  parseRecord,
  type Store,
  type StoredEntry,
  serializeRecord,
  type Version,
} from './store.js';

/**
 * What the store needs of a PostgreSQL client: node-postgres' `Pool`, `PoolClient` and `Client` and PGlite
 * all have it. Each call is one statement, and one round trip.
 */
export interface PostgresClient {
  /** Runs one statement with `$1`-style parameters and resolves to its rows, as objects. */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A statement as node-postgres' `query(config)` takes it: with a `name`, the driver prepares it once per
 * connection and afterwards sends only the name and the values.
 */
interface NamedQuery {
  name: string;
  text: string;
  values: unknown[];
}

/** Options of {@link PostgresStore} and {@link migratePostgres}. */
export interface PostgresStoreOptions {
  /**
   * The table, optionally schema-qualified (`auth.twosv_records`): lower-case letters, digits and `_`, each
   * part at most 48 characters. Its version sequence is `<table>_versions`. **(Optional)** Defaults to
   * `'twosv_records'`.
   */
  table?: string;
  /**
   * Send the store's statements as named prepared statements (`{ name, text, values }`), so the server
   * parses and plans each once per connection instead of on every call. Only node-postgres takes that
   * form. **(Optional)** Defaults to `true` for a node-postgres `Pool`, `PoolClient` or `Client` and
   * `false` for anything else (PGlite, other drivers, wrappers). Set `false` behind a proxy in
   * transaction-pooling mode that does not keep prepared statements (PgBouncer before 1.21).
   */
  prepare?: boolean;
}

/** Defaults of {@link PostgresStoreOptions}. */
export const POSTGRES_DEFAULTS = Object.freeze({ table: 'twosv_records' });

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

interface Names {
  table: string;
  sequence: string;
  index: string;
}

function names(options: PostgresStoreOptions | undefined): Names {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TwoSvError('INVALID_OPTION', 'options must be an object');
  }
  const table = options?.table ?? POSTGRES_DEFAULTS.table;
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new TwoSvError(
      'INVALID_OPTION',
      'table must be a lower-case SQL name (letters, digits, _), optionally schema-qualified',
    );
  }
  const quote = (list: string[]) => list.map((p) => `"${p}"`).join('.');
  const last = parts[parts.length - 1] as string;
  return {
    table: quote(parts),
    sequence: quote([...parts.slice(0, -1), `${last}_versions`]),
    index: `"${last}_expires_at"`,
  };
}

/**
 * The statements that create the store's table, version sequence and expiry index, each idempotent. They
 * are also shipped as `sql/postgres.sql` (for the default table name) for migration tools.
 */
function schemaStatements(n: Names): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${n.table} (
  key        text COLLATE "C" PRIMARY KEY,
  version    bigint NOT NULL,
  record     text NOT NULL,
  expires_at timestamptz
)`,
    `CREATE SEQUENCE IF NOT EXISTS ${n.sequence}`,
    `CREATE INDEX IF NOT EXISTS ${n.index} ON ${n.table} (expires_at) WHERE expires_at IS NOT NULL`,
  ];
}

/**
 * Creates the store's table, its version sequence and the index on `expires_at`, if they do not exist. Safe
 * to run on every start, from several servers at once (it takes a transaction-scoped advisory lock), and
 * one statement, so it also runs on PGlite. The same schema is in `sql/postgres.sql` in the package.
 *
 * The table: `key text COLLATE "C" PRIMARY KEY, version bigint, record text, expires_at timestamptz`. The
 * record is JSON kept as `text`, not `jsonb`: `jsonb` cannot hold the `\u0000` escape, and the store hands
 * the text back exactly as written.
 *
 * @param client - a `pg` `Pool` or `Client`, or a PGlite instance.
 * @param options - `table` (default `'twosv_records'`).
 * @throws TwoSvError `INVALID_OPTION` for a bad table name, `STORE_FAILED` when the database refuses
 *   (the driver's error is the `cause`).
 *
 * @example On PGlite, the embedded PostgreSQL
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { migratePostgres, PostgresStore } from 'twosv/postgres';
 *
 * const db = new PGlite();
 * await migratePostgres(db);
 * const store = new PostgresStore(db);
 * (await store.put('user:alice', { n: 1 }, null)).ok; // true
 * await db.close();
 * ```
 */
export async function migratePostgres(client: PostgresClient, options?: PostgresStoreOptions): Promise<void> {
  const n = names(options);
  const body = schemaStatements(n)
    .map((s) => `  ${s.replace(/\n/g, '\n  ')};`)
    .join('\n');
  // One DO block is one statement and one transaction: the lock serialises servers migrating at once.
  const text = `DO $twosv$ BEGIN\n  PERFORM pg_advisory_xact_lock(7325940871);\n${body}\nEND $twosv$`;
  await run(client, text, [], 'migrate');
}

async function run(
  client: PostgresClient,
  text: string,
  params: unknown[],
  what: string,
): Promise<Record<string, unknown>[]> {
  return rowsOf(() => client.query(text, params), what);
}

async function rowsOf(
  query: () => Promise<{ rows: unknown[] }>,
  what: string,
): Promise<Record<string, unknown>[]> {
  let result: { rows: unknown[] };
  try {
    result = await query();
  } catch (cause) {
    throw new TwoSvError('STORE_FAILED', `the PostgreSQL store failed to ${what}`, { cause });
  }
  return result.rows as Record<string, unknown>[];
}

/**
 * Whether `client` is node-postgres' `Pool` (it has the `Client` class it makes connections with) or a
 * `Client`/`PoolClient` (it has `connectionParameters`): the clients that take `{ name, text, values }`.
 */
function isNodePostgres(client: object): boolean {
  const c = client as { Client?: unknown; connect?: unknown; connectionParameters?: unknown };
  return (
    typeof c.connect === 'function' &&
    (typeof c.Client === 'function' ||
      (typeof c.connectionParameters === 'object' && c.connectionParameters !== null))
  );
}

/**
 * A statement name that is the same for the same text in every process (the server keeps prepared
 * statements per connection, node-postgres refuses one name for two texts) and fits PostgreSQL's 63 bytes.
 */
function statementName(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `twosv_${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

const CONFLICT: PutResult = Object.freeze({ ok: false, reason: 'conflict' });
/** A version this store could have returned: a positive bigint, as decimal text. */
const VERSION = /^[1-9][0-9]{0,18}$/;

function version(row: Record<string, unknown> | undefined): string {
  const v = row?.version;
  if (typeof v !== 'string' || !VERSION.test(v)) {
    throw new TwoSvError('INVALID_RECORD', 'the stored row has no valid version');
  }
  return v;
}

/**
 * A {@link Store} in one PostgreSQL table: one row per key, each write one conditional statement. **This is
 * where your users' 2SV state lives: back it up like the accounts table, and give every app server the
 * same database.**
 *
 * Round trips: `get`, `put` and `delete` are one statement each, so a sign-in verification through the
 * engine is **two round trips** (read, conditional write), as is every other engine operation on one user
 * (sending a code also reads and writes the destination's throttle row: four).
 *
 * - On node-postgres the statements are named prepared statements (option `prepare`), each parsed and
 *   planned once per connection; PGlite and other clients get plain `query(text, params)` calls.
 * - Versions come from the sequence `<table>_versions`, so they are never reused, even for a key deleted
 *   and created again. They are returned as decimal strings (a `bigint` does not fit a JS number).
 * - A row past its `expires_at` reads as absent and is taken over by the next create; delete such rows
 *   from time to time with {@link PostgresStore.deleteExpired} (the engine sets `expires_at` only on its
 *   send-throttle rows, about a day ahead).
 * - Keys holding NUL or lone surrogates are refused (`INVALID_KEY`), non-JSON records too
 *   (`INVALID_RECORD`); a driver error becomes `STORE_FAILED` with the driver's error as `cause`; a row
 *   that is not JSON text (corrupt, or written by something else) is reported as `INVALID_RECORD`.
 *
 * @example With node-postgres: a pool shared by the app
 * ```ts check=types
 * import pg from 'pg';
 * import { createTwoStep } from 'twosv';
 * import { migratePostgres, PostgresStore } from 'twosv/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migratePostgres(pool);
 * const twoStep = createTwoStep({
 *   store: new PostgresStore(pool),
 *   codeKey: process.env.TWOSV_CODE_KEY!, // the same secret on every server
 * });
 * ```
 *
 * @example With PGlite, in memory: versions are decimal strings
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { migratePostgres, PostgresStore } from 'twosv/postgres';
 *
 * const db = new PGlite();
 * await migratePostgres(db, { table: 'auth_twosv' });
 * const store = new PostgresStore(db, { table: 'auth_twosv' });
 * const created = await store.put('user:alice', { n: 1 }, null); // { ok: true, version: '1' }
 * await store.put('user:alice', { n: 2 }, null); // { ok: false, reason: 'conflict' }
 * (await store.get('user:alice'))?.record; // { n: 1 }
 * await store.delete('user:alice'); // true
 * await db.close();
 * ```
 */
export class PostgresStore implements Store {
  readonly #get: string;
  readonly #create: string;
  readonly #update: string;
  readonly #delete: string;
  readonly #expired: string;
  readonly #send: (text: string, params: unknown[]) => Promise<{ rows: unknown[] }>;

  /**
   * @param client - a `pg` `Pool` (recommended: one per app server) or `Client`, or a PGlite instance.
   * @param options - `table` (default `'twosv_records'`); create it with {@link migratePostgres}.
   * @throws TwoSvError `INVALID_OPTION` for a client without `query` or a bad table name.
   */
  constructor(client: PostgresClient, options?: PostgresStoreOptions) {
    if (typeof client?.query !== 'function') {
      throw new TwoSvError('INVALID_OPTION', 'client must have a query(text, params) method');
    }
    const n = names(options);
    const prepare = options?.prepare ?? isNodePostgres(client);
    if (typeof prepare !== 'boolean') throw new TwoSvError('INVALID_OPTION', 'prepare must be a boolean');
    if (prepare) {
      const named = new Map<string, string>();
      const query = client.query.bind(client) as unknown as (q: NamedQuery) => Promise<{ rows: unknown[] }>;
      this.#send = (text, values) => {
        let name = named.get(text);
        if (name === undefined) {
          name = statementName(text);
          named.set(text, name);
        }
        return query({ name, text, values });
      };
    } else {
      const query = client.query.bind(client);
      this.#send = (text, params) => query(text, params);
    }
    const live = '(expires_at IS NULL OR expires_at > now())';
    const expires = 'to_timestamp($3::double precision / 1000)';
    this.#get = `SELECT version::text AS version, record FROM ${n.table} WHERE key = $1 AND ${live}`;
    // A create takes over a row past its expires_at (it reads as absent); otherwise it inserts nothing.
    this.#create = `INSERT INTO ${n.table} AS t (key, version, record, expires_at)
VALUES ($1, nextval('${n.sequence}'), $2, ${expires})
ON CONFLICT (key) DO UPDATE SET version = excluded.version, record = excluded.record, expires_at = excluded.expires_at
WHERE t.expires_at IS NOT NULL AND t.expires_at <= now()
RETURNING version::text AS version`;
    this.#update = `UPDATE ${n.table} SET version = nextval('${n.sequence}'), record = $2, expires_at = ${expires}
WHERE key = $1 AND version = $4::bigint AND ${live}
RETURNING version::text AS version`;
    this.#delete = `DELETE FROM ${n.table} WHERE key = $1 RETURNING ${live} AS live`;
    this.#expired = `WITH gone AS (DELETE FROM ${n.table} WHERE expires_at <= now() RETURNING 1)
SELECT count(*)::int AS n FROM gone`;
  }

  /** See {@link Store.get}: one `SELECT`. */
  async get(key: string): Promise<StoredEntry | null> {
    checkStoreKey(key);
    const rows = await rowsOf(() => this.#send(this.#get, [key]), 'read');
    const row = rows[0];
    if (!row) return null;
    return { record: parseRecord(row.record), version: version(row) };
  }

  /** See {@link Store.put}: one `INSERT ... ON CONFLICT` (create) or one `UPDATE ... WHERE version` (update). */
  async put(
    key: string,
    record: JsonValue,
    expectedVersion: Version | null,
    options?: PutOptions,
  ): Promise<PutResult> {
    checkStoreKey(key);
    const text = serializeRecord(record);
    const expiresAt = expiresAtOf(options);
    const expires = expiresAt === undefined ? null : expiresAt;
    let rows: Record<string, unknown>[];
    if (expectedVersion === null) {
      rows = await rowsOf(() => this.#send(this.#create, [key, text, expires]), 'write');
    } else {
      // A version this store never returns matches no row: a conflict, without asking the database.
      const expected = typeof expectedVersion === 'number' ? String(expectedVersion) : expectedVersion;
      if (typeof expected !== 'string' || !VERSION.test(expected)) return CONFLICT;
      if (expected.length === 19 && expected > '9223372036854775807') return CONFLICT;
      rows = await rowsOf(() => this.#send(this.#update, [key, text, expires, expected]), 'write');
    }
    return rows.length ? { ok: true, version: version(rows[0]) } : CONFLICT;
  }

  /** See {@link Store.delete}: one `DELETE`. A row past its `expires_at` is removed but counts as absent. */
  async delete(key: string): Promise<boolean> {
    checkStoreKey(key);
    const rows = await rowsOf(() => this.#send(this.#delete, [key]), 'delete');
    return rows[0]?.live === true;
  }

  /**
   * Deletes every row past its `expires_at` (the engine's send-throttle rows a day after their last send)
   * and resolves to how many. Run it from a periodic job, e.g. hourly; the partial index on `expires_at`
   * makes it cheap. Rows it has not reached yet already read as absent.
   *
   * @example
   * ```ts
   * import { PGlite } from '@electric-sql/pglite';
   * import { migratePostgres, PostgresStore } from 'twosv/postgres';
   *
   * const db = new PGlite();
   * await migratePostgres(db);
   * const store = new PostgresStore(db);
   * await store.put('dest:a', { sends: [] }, null, { expiresAt: Date.now() - 1 });
   * await store.put('dest:b', { sends: [] }, null, { expiresAt: Date.now() + 86_400_000 });
   * await store.deleteExpired(); // 1
   * await db.close();
   * ```
   */
  async deleteExpired(): Promise<number> {
    const rows = await rowsOf(() => this.#send(this.#expired, []), 'delete expired rows');
    return Number(rows[0]?.n ?? 0);
  }
}
