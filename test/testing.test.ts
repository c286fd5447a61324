// The store test kit must catch broken stores: each flawed store below breaks one rule, and the kit's case
// for that rule fails, naming it. (MemoryStore, PostgreSQL, PGlite and Redis pass the whole kit elsewhere.)
import { describe, expect, it } from 'vitest';
import { TwoSvError } from '../src/errors.js';
import {
  checkStoreKey,
  type JsonValue,
  MemoryStore,
  type PutResult,
  type Store,
  type Version,
} from '../src/store.js';
import { storeContractCases } from '../src/testing.js';

/** A simple correct store over a Map, to which each flaw is applied. */
class MapStore implements Store {
  rows = new Map<string, { version: Version; text: string }>();
  sequence = 0;
  key(key: string): string {
    return checkStoreKey(key);
  }
  text(record: JsonValue): string {
    if (JSON.stringify(record) === undefined) throw new TypeError('not JSON');
    const check = (v: unknown): void => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('not JSON');
      if (typeof v === 'bigint' || typeof v === 'function') throw new TypeError('not JSON');
      if (v instanceof Date || v instanceof Map) throw new TypeError('not JSON');
      if (Array.isArray(v) && v.includes(undefined)) throw new TypeError('not JSON');
      if (v && typeof v === 'object') Object.values(v).forEach(check);
    };
    check(record);
    return JSON.stringify(record);
  }
  nextVersion(_key: string): Version {
    return ++this.sequence;
  }
  matches(current: Version | undefined, expected: Version | null): boolean {
    return current === undefined ? expected === null : current === expected;
  }
  async get(key: string) {
    const row = this.rows.get(this.key(key));
    return row ? { record: JSON.parse(row.text) as JsonValue, version: row.version } : null;
  }
  async put(key: string, record: JsonValue, expected: Version | null): Promise<PutResult> {
    const text = this.text(record);
    const k = this.key(key);
    if (!this.matches(this.rows.get(k)?.version, expected)) return { ok: false, reason: 'conflict' };
    const version = this.nextVersion(k);
    this.rows.set(k, { version, text });
    return { ok: true, version };
  }
  async delete(key: string) {
    return this.rows.delete(this.key(key));
  }
}

async function failures(makeStore: () => Store, options = { expiry: false }): Promise<string[]> {
  const failed: string[] = [];
  for (const c of storeContractCases(makeStore, options)) {
    try {
      await c.run();
    } catch {
      failed.push(c.name);
    }
  }
  return failed;
}

describe('the store test kit', () => {
  it('passes a correct store, and MemoryStore with expiry', async () => {
    expect(await failures(() => new MapStore())).toEqual([]);
    expect(await failures(() => new MemoryStore(), { expiry: true })).toEqual([]);
  });

  it('catches a store that ignores the expected version (last writer wins)', async () => {
    const failed = await failures(() => Object.assign(new MapStore(), { matches: () => true }));
    expect(failed).toContain('conflict: a stale version writes nothing');
    expect(failed).toContain('of many concurrent puts with the same expected version exactly one wins');
  });

  it('catches versions reused after delete (a per-key counter): ABA', async () => {
    const failed = await failures(() => {
      const store = new MapStore();
      const counters = new Map<string, number>();
      store.nextVersion = (key) => {
        const n = (store.rows.has(key) ? (counters.get(key) ?? 0) : 0) + 1;
        counters.set(key, n);
        return n;
      };
      return store;
    });
    expect(failed).toEqual([
      'versions are never reused for a key, not even after delete and create (no ABA)',
    ]);
  });

  it('catches keys mangled the way UTF-8 encoding mangles lone surrogates', async () => {
    const failed = await failures(() =>
      Object.assign(new MapStore(), {
        key: (key: string) => Buffer.from(key, 'utf8').toString('utf8').replace(/\0/g, ''),
      }),
    );
    expect(failed).toContain(
      'keys with a NUL or a lone surrogate: refused with INVALID_KEY, or kept exactly',
    );
  });

  it('catches a store that refuses odd keys with a raw error instead of INVALID_KEY', async () => {
    const failed = await failures(() =>
      Object.assign(new MapStore(), {
        key: (key: string) => {
          if (key.includes('\0')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
          return checkStoreKey(key);
        },
      }),
    );
    expect(failed).toEqual([
      'keys with a NUL or a lone surrogate: refused with INVALID_KEY, or kept exactly',
    ]);
    expect(new TwoSvError('INVALID_KEY', 'x').name).toBe('TwoSvError'); // what the kit recognises
  });

  it('catches a plain object used as the table (__proto__ and friends)', async () => {
    const failed = await failures(() => {
      const store = new MapStore();
      const table: Record<string, { version: Version; text: string }> = {};
      store.rows = {
        get: (k: string) => table[k],
        set: (k: string, v: { version: Version; text: string }) => {
          table[k] = v;
        },
        has: (k: string) => k in table,
        delete: (k: string) => (k in table ? delete table[k] : false),
      } as unknown as Map<string, { version: Version; text: string }>;
      return store;
    });
    expect(failed).toContain(
      'odd keys: __proto__, a:b, pattern characters, non-ASCII and the like never collide',
    );
  });

  it('catches a store that hands out its own mutable record, and one that stores NaN as null', async () => {
    const shared = await failures(() => {
      const store = new MapStore();
      const objects = new Map<string, JsonValue>();
      store.get = async (key) => {
        const row = store.rows.get(key);
        if (!row) return null;
        if (!objects.has(key)) objects.set(key, JSON.parse(row.text));
        return { record: objects.get(key)!, version: row.version };
      };
      return store;
    });
    expect(shared).toContain(
      'records round-trip as JSON; neither writer nor reader can change what is stored',
    );
    const lenient = await failures(() =>
      Object.assign(new MapStore(), { text: (r: JsonValue) => JSON.stringify(r) ?? 'null' }),
    );
    expect(lenient).toEqual(['a record that is not JSON data is refused, and nothing is stored']);
  });

  it('catches a delete that reports false for an existing record', async () => {
    const failed = await failures(() => {
      const store = new MapStore();
      store.delete = async (key) => {
        store.rows.delete(key);
        return false;
      };
      return store;
    });
    expect(failed).toContain('delete removes one record for good and leaves the others');
  });
});
