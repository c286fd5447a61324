// The contract every Store must meet (see the `Store` TSDoc in src/store.ts). A future PostgreSQL or Redis
// adapter runs it with `storeContract('PostgresStore', () => new PostgresStore(pool))`.
import { describe, expect, it } from 'vitest';
import type { JsonValue, Store, Version } from '../src/store.js';

/**
 * Registers the Store contract tests for one implementation.
 *
 * @param name - shown in the test names.
 * @param makeStore - a fresh, empty store per test.
 */
export function storeContract(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    it('a snapshot: a record got earlier does not change when the key is written again', async () => {
      const store = await makeStore();
      await store.put('user:a', { n: 1, list: [1] }, null);
      const first = (await store.get('user:a'))!;
      await store.put('user:a', { n: 2, list: [2] }, first.version);
      expect(first.record).toEqual({ n: 1, list: [1] });
    });

    it('get of a missing key is null', async () => {
      const store = await makeStore();
      expect(await store.get('user:nobody')).toBeNull();
    });

    it('put with expectedVersion null creates, then get returns the record and that version', async () => {
      const store = await makeStore();
      const put = await store.put('user:a', { n: 1 }, null);
      expect(put.ok).toBe(true);
      const entry = await store.get('user:a');
      expect(entry).not.toBeNull();
      expect(entry!.record).toEqual({ n: 1 });
      expect(put.ok && entry!.version === put.version).toBe(true);
    });

    it('put with expectedVersion null on an existing key conflicts and changes nothing', async () => {
      const store = await makeStore();
      await store.put('user:a', { n: 1 }, null);
      const before = await store.get('user:a');
      expect(await store.put('user:a', { n: 2 }, null)).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.get('user:a')).toEqual(before);
    });

    it('put with the current version writes and returns a new version', async () => {
      const store = await makeStore();
      await store.put('user:a', { n: 1 }, null);
      const v1 = (await store.get('user:a'))!.version;
      const put = await store.put('user:a', { n: 2 }, v1);
      expect(put.ok).toBe(true);
      const entry = await store.get('user:a');
      expect(entry!.record).toEqual({ n: 2 });
      expect(entry!.version).not.toEqual(v1);
    });

    it('put with a stale version conflicts and changes nothing', async () => {
      const store = await makeStore();
      await store.put('user:a', { n: 1 }, null);
      const v1 = (await store.get('user:a'))!.version;
      await store.put('user:a', { n: 2 }, v1);
      expect(await store.put('user:a', { n: 3 }, v1)).toEqual({ ok: false, reason: 'conflict' });
      expect((await store.get('user:a'))!.record).toEqual({ n: 2 });
    });

    it('put with a version on a missing key conflicts and creates nothing', async () => {
      const store = await makeStore();
      const v = (await store.put('user:other', {}, null)) as { version: Version };
      expect(await store.put('user:a', { n: 1 }, v.version)).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.get('user:a')).toBeNull();
    });

    it('versions never repeat for a key', async () => {
      const store = await makeStore();
      const seen = new Set<Version>();
      let expected: Version | null = null;
      for (let i = 0; i < 50; i++) {
        const put = await store.put('user:a', { i }, expected);
        if (!put.ok) throw new Error('unexpected conflict');
        expect(seen.has(put.version)).toBe(false);
        seen.add(put.version);
        expected = put.version;
      }
    });

    it('keys are opaque: __proto__, constructor, a:b and the like never collide', async () => {
      const store = await makeStore();
      const keys = [
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'a',
        'a:b',
        'a:b:c',
        'A',
        'user:__proto__',
        'user:a:b',
        'dest:a',
        'ünïcødé',
        'e\u0301', // decomposed é
        '\u00e9', // composed é: a different key
        ' a',
        '',
      ];
      for (const [i, key] of keys.entries()) {
        expect((await store.put(key, { i }, null)).ok, key).toBe(true);
      }
      for (const [i, key] of keys.entries()) {
        expect((await store.get(key))!.record, key).toEqual({ i });
      }
      expect(await store.get('b')).toBeNull();
      expect(await store.get('user:a')).toBeNull();
      expect(({} as Record<string, unknown>).i).toBeUndefined(); // nothing leaked onto Object.prototype
    });

    it('records round-trip as JSON; neither writer nor reader can change what is stored', async () => {
      const store = await makeStore();
      const record = {
        s: 'text with ünïcode • and "quotes"',
        n: 1.5,
        big: Number.MAX_SAFE_INTEGER,
        neg: -0.25,
        t: true,
        f: false,
        z: null,
        list: [1, 'two', { three: [3] }],
        nested: { deep: { deeper: ['x'] } },
        __proto__key: 'ok',
      };
      const input = structuredClone(record) as Record<string, JsonValue>;
      await store.put('user:a', input, null);
      // The caller must not change a record it has put; if it tries, the stored one stays as it was.
      try {
        input.s = 'mutated after put';
      } catch {}
      const entry = await store.get('user:a');
      expect(entry!.record).toEqual(record);
      // A reader must treat the record as read-only; whether it is a copy or frozen, the store keeps its own.
      try {
        (entry!.record as Record<string, JsonValue>).s = 'mutated after get';
        ((entry!.record as Record<string, JsonValue[]>).list as JsonValue[]).push('x');
      } catch {}
      expect((await store.get('user:a'))!.record).toEqual(record);
    });

    it('a record holding a "__proto__" property keeps it as data', async () => {
      const store = await makeStore();
      const record = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as JsonValue;
      await store.put('user:a', record, null);
      const got = (await store.get('user:a'))!.record as Record<string, unknown>;
      expect(Object.hasOwn(got, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('of many concurrent puts with the same expected version exactly one wins', async () => {
      const store = await makeStore();
      const created = await store.put('user:a', { n: 0 }, null);
      if (!created.ok) throw new Error('create failed');
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.put('user:a', { n: i + 1 }, created.version)),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const entry = await store.get('user:a');
      expect(entry!.version).toEqual((winners[0] as { version: Version }).version);
    });

    it('of many concurrent creates exactly one wins', async () => {
      const store = await makeStore();
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.put('user:a', { i }, null)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('read-modify-write loops lose no update', async () => {
      const store = await makeStore();
      await store.put('user:counter', { n: 0 }, null);
      const increment = async () => {
        for (;;) {
          const entry = (await store.get('user:counter'))!;
          const n = (entry.record as { n: number }).n;
          if ((await store.put('user:counter', { n: n + 1 }, entry.version)).ok) return;
        }
      };
      await Promise.all(Array.from({ length: 30 }, increment));
      expect((await store.get('user:counter'))!.record).toEqual({ n: 30 });
    });

    it('keeps a record whose expiresAt is in the future', async () => {
      const store = await makeStore();
      await store.put('dest:x', { sends: [] }, null, { expiresAt: Date.now() + 86_400_000 });
      expect((await store.get('dest:x'))!.record).toEqual({ sends: [] });
    });
  });
}
