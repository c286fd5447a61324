// The PostgreSQL store on PGlite (always) and on a real PostgreSQL server through node-postgres (started by
// test/support/servers.ts when installed, which CI=true requires).
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migratePostgres, PostgresStore } from '../src/postgres.js';
import { runStoreContract } from '../src/testing.js';
import { rejectsWith } from './support/two-step.js';

const server = inject('postgres');
if (!server) console.warn('*** PostgreSQL is not installed: PostgresStore tested on PGlite only ***');

let tables = 0;
const table = () => `kit_${++tables}`;
const pglite = new PGlite();
let pool: pg.Pool;

beforeAll(() => {
  if (server) pool = new pg.Pool({ connectionString: server.url, max: 10 });
});
afterAll(async () => {
  await pglite.close();
  await pool?.end();
});

runStoreContract(
  'PostgresStore on PGlite',
  async () => {
    const t = table();
    await migratePostgres(pglite, { table: t });
    return new PostgresStore(pglite, { table: t });
  },
  { describe, it },
);

(server ? describe : describe.skip)('PostgresStore on PostgreSQL (node-postgres Pool)', () => {
  runStoreContract(
    'PostgresStore on PostgreSQL',
    async () => {
      const t = table();
      await migratePostgres(pool, { table: t });
      return new PostgresStore(pool, { table: t });
    },
    { describe, it },
  );

  it('migrations from several servers at once do not collide', async () => {
    const clients = Array.from({ length: 4 }, () => new pg.Client({ connectionString: server!.url }));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      await Promise.all(clients.map((c) => migratePostgres(c, { table: 'together' })));
      expect((await new PostgresStore(pool, { table: 'together' }).put('user:a', 1, null)).ok).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a killed connection is STORE_FAILED with the driver error as cause; the pool goes on', async () => {
    const client = new pg.Client({ connectionString: server!.url });
    client.on('error', () => {});
    await client.connect();
    await migratePostgres(client);
    const store = new PostgresStore(client);
    await store.put('user:killed', { n: 1 }, null);
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    const err = await rejectsWith(() => store.get('user:killed'), 'STORE_FAILED');
    expect(err.cause).toBeInstanceOf(Error);
    await rejectsWith(() => store.put('user:killed', {}, null), 'STORE_FAILED');
    expect((await new PostgresStore(pool).get('user:killed'))?.record).toEqual({ n: 1 });
  });
});

describe('PostgresStore', () => {
  it('the shipped sql/postgres.sql creates the schema migratePostgres creates', async () => {
    const schema = async () => {
      const columns = await pglite.query(
        `SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns
         WHERE table_name = 'twosv_records' ORDER BY ordinal_position`,
      );
      const indexes = await pglite.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'twosv_records' ORDER BY indexname`,
      );
      const sequences = await pglite.query(
        `SELECT sequencename FROM pg_sequences WHERE sequencename = 'twosv_records_versions'`,
      );
      return [columns.rows, indexes.rows, sequences.rows];
    };
    await pglite.exec(readFileSync(new URL('../sql/postgres.sql', import.meta.url), 'utf8'));
    const fromFile = await schema();
    expect(fromFile[0]).toHaveLength(4);
    expect(fromFile[1]).toHaveLength(2);
    expect(fromFile[2]).toHaveLength(1);
    await migratePostgres(pglite); // idempotent over the file's schema
    expect((await new PostgresStore(pglite).put('user:a', { n: 1 }, null)).ok).toBe(true);
    await pglite.exec('DROP TABLE twosv_records; DROP SEQUENCE twosv_records_versions;');
    await migratePostgres(pglite);
    expect(await schema()).toEqual(fromFile);
    await pglite.exec('DROP TABLE twosv_records; DROP SEQUENCE twosv_records_versions;');
  });

  it('uses one statement per call and returns versions as decimal strings', async () => {
    const statements: string[] = [];
    const t = table();
    await migratePostgres(pglite, { table: t });
    const store = new PostgresStore(
      {
        query: (text: string, params?: unknown[]) => {
          statements.push(text.split(' ')[0]!);
          return pglite.query(text, params);
        },
      },
      { table: t },
    );
    const created = await store.put('user:a', { n: 1 }, null);
    expect(created).toEqual({ ok: true, version: expect.stringMatching(/^[1-9]\d*$/) });
    await store.get('user:a');
    await store.put('user:a', { n: 2 }, (created as { version: string }).version);
    await store.delete('user:a');
    expect(statements).toEqual(['INSERT', 'SELECT', 'UPDATE', 'DELETE']);
    // A number version is taken as its decimal string; versions it never returns conflict without a query.
    const again = await store.put('user:a', { n: 3 }, null);
    const v = Number((again as { version: string }).version);
    expect((await store.put('user:a', { n: 4 }, v)).ok).toBe(true);
    statements.length = 0;
    for (const foreign of ['abc', '0', '-1', '1.5', '99999999999999999999', '9223372036854775808', ''])
      expect(await store.put('user:a', {}, foreign)).toEqual({ ok: false, reason: 'conflict' });
    expect(statements).toEqual([]);
  });

  it('reports a corrupt or foreign row as INVALID_RECORD', async () => {
    const t = table();
    await migratePostgres(pglite, { table: t });
    const store = new PostgresStore(pglite, { table: t });
    await pglite.query(`INSERT INTO ${t} VALUES ('user:corrupt', 1, '{"n":', NULL)`);
    await rejectsWith(() => store.get('user:corrupt'), 'INVALID_RECORD');
    await pglite.query(
      `CREATE TABLE foreign_${t} (key text PRIMARY KEY, version text, record jsonb, expires_at timestamptz)`,
    );
    await pglite.query(`INSERT INTO foreign_${t} VALUES ('user:a', 'x', '{}', NULL)`);
    await rejectsWith(
      () => new PostgresStore(pglite, { table: `foreign_${t}` }).get('user:a'),
      'INVALID_RECORD',
    );
  });

  it('deleteExpired removes only rows past expires_at', async () => {
    const t = table();
    await migratePostgres(pglite, { table: t });
    const store = new PostgresStore(pglite, { table: t });
    await store.put('dest:old', {}, null, { expiresAt: Date.now() - 1 });
    await store.put('dest:new', {}, null, { expiresAt: Date.now() + 60_000 });
    await store.put('user:a', {}, null);
    expect(await store.deleteExpired()).toBe(1);
    expect(await store.deleteExpired()).toBe(0);
    const { rows } = await pglite.query<{ key: string }>(`SELECT key FROM ${t} ORDER BY key`);
    expect(rows.map((r) => r.key)).toEqual(['dest:new', 'user:a']);
  });

  it('a missing table is STORE_FAILED, not a raw driver error', async () => {
    const store = new PostgresStore(pglite, { table: 'no_such_table' });
    const err = await rejectsWith(() => store.get('user:a'), 'STORE_FAILED');
    expect(err.cause).toBeInstanceOf(Error);
    await rejectsWith(() => store.put('user:a', {}, null), 'STORE_FAILED');
    await rejectsWith(() => store.delete('user:a'), 'STORE_FAILED');
  });

  it('refuses bad options and bad keys before any query', async () => {
    for (const t of ['', 'A', 'a-b', 'a.b.c', '1a', 'x'.repeat(49), 'a;drop', '"a"', 3])
      expect(() => new PostgresStore(pglite, { table: t as string })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }),
      );
    expect(() => new PostgresStore({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(new PostgresStore(pglite, { table: 'auth.twosv' })).toBeInstanceOf(PostgresStore);
    const store = new PostgresStore({ query: () => Promise.reject(new Error('must not be called')) });
    await rejectsWith(() => store.get('user:\0'), 'INVALID_KEY');
    await rejectsWith(() => store.put('user:\ud800', {}, null), 'INVALID_KEY');
    await rejectsWith(() => store.put('user:a', { n: Number.NaN }, null), 'INVALID_RECORD');
    await rejectsWith(() => store.put('user:a', {}, null, { expiresAt: Number.NaN }), 'INVALID_OPTION');
  });
});
