import { describe, expect, it } from 'vitest';
import { TwoSvError } from '../src/errors.js';
import { checkStoreKey, MemoryStore, parseRecord, serializeRecord } from '../src/store.js';
import { runStoreContract } from '../src/testing.js';
import { rejectsWith } from './support/two-step.js';

runStoreContract('MemoryStore', () => new MemoryStore(), { describe, it });

describe('MemoryStore', () => {
  it('drops a record once its expiresAt has passed, and it can be created again', async () => {
    let now = 1_000;
    const store = new MemoryStore({ clock: () => now });
    const first = await store.put('dest:x', { n: 1 }, null, { expiresAt: 2_000 });
    now = 1_999;
    expect((await store.get('dest:x'))!.record).toEqual({ n: 1 });
    now = 2_000;
    expect(await store.get('dest:x')).toBeNull();
    // The old version no longer matches anything.
    expect(await store.put('dest:x', { n: 2 }, (first as { version: number }).version)).toEqual({
      ok: false,
      reason: 'conflict',
    });
    expect((await store.put('dest:x', { n: 3 }, null)).ok).toBe(true);
  });

  it('refuses what is not JSON data with INVALID_RECORD, storing nothing', async () => {
    const store = new MemoryStore();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [cyclic, 1n, undefined, { n: Number.NaN }, new Date(0)]) {
      await rejectsWith(() => store.put('user:a', bad as never, null), 'INVALID_RECORD');
    }
    expect(await store.get('user:a')).toBeNull();
    expect(store.size).toBe(0);
  });

  it('refuses the built-in prototypes, subclassed arrays and frozen objects holding undefined', async () => {
    // Object.prototype has no prototype and Array.prototype is an array: taken as plain data, they would
    // be frozen for the whole process.
    const store = new MemoryStore();
    class List extends Array {}
    const bad = [
      { x: Object.prototype },
      { x: Array.prototype },
      [Object.prototype],
      { x: List.from([1]) },
      { x: Object.freeze({ y: undefined }) },
    ];
    for (const record of bad) {
      await rejectsWith(() => store.put('user:a', record as never, null), 'INVALID_RECORD');
      expect(() => serializeRecord(record as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_RECORD' }),
      );
    }
    expect(Object.isFrozen(Object.prototype)).toBe(false);
    expect(Object.isFrozen(Array.prototype)).toBe(false);
    expect(store.size).toBe(0);
  });

  it('checks and freezes the new parts of a record written back with parts of the stored one', async () => {
    const store = new MemoryStore();
    await store.put('user:a', { list: [{ n: 1 }, { n: 2 }, { n: 3 }], meta: { m: 1 } }, null);
    const entry = await store.get('user:a');
    const stored = entry!.record as { list: { n: number }[]; meta: { m: number } };
    const [one, two, three] = stored.list;
    // A new part anywhere (appended, in place of a kept one, inside a new object, under a moved part's
    // old place) is checked: nothing is stored.
    const bad = [
      { list: [one, two, three, { n: Number.NaN }], meta: stored.meta },
      { list: [one, { n: 1n }, three], meta: stored.meta },
      { list: stored.list, meta: { m: 1, deep: [{ d: new Date(0) }] } },
      { list: [two, one, { n: () => 0 }], meta: stored.meta },
      { list: stored.list, meta: stored.meta, other: [undefined] },
      { list: [one, two, three, Object.freeze({ n: Number.POSITIVE_INFINITY })], meta: stored.meta },
    ];
    for (const record of bad) {
      await rejectsWith(() => store.put('user:a', record as never, entry!.version), 'INVALID_RECORD');
    }
    expect((await store.get('user:a'))!.version).toBe(entry!.version);
    // Kept parts in another order, or moved under another field, are fine; new parts come out frozen, with
    // their undefined fields dropped.
    const added = { n: 4, gone: undefined };
    const next = { list: [three, one, added], meta: two, moved: stored.meta };
    expect((await store.put('user:a', next as never, entry!.version)).ok).toBe(true);
    const after = (await store.get('user:a'))!.record;
    expect(after).toEqual({ list: [{ n: 3 }, { n: 1 }, { n: 4 }], meta: { n: 2 }, moved: { m: 1 } });
    expect(Object.isFrozen(after) && Object.isFrozen(next.list) && Object.isFrozen(added)).toBe(true);
    expect('gone' in added).toBe(false);
  });

  it('refuses keys with a NUL or a lone surrogate with INVALID_KEY, in get, put and delete', async () => {
    const store = new MemoryStore();
    for (const key of ['\0', 'user:a\0', 'user:\ud800', 'user:\udc00x', 'user:\udc00\ud800']) {
      await rejectsWith(() => store.get(key), 'INVALID_KEY');
      await rejectsWith(() => store.put(key, {}, null), 'INVALID_KEY');
      await rejectsWith(() => store.delete(key), 'INVALID_KEY');
    }
    expect(store.size).toBe(0);
  });

  it('deletes a record; an expired one counts as absent', async () => {
    let now = 1_000;
    const store = new MemoryStore({ clock: () => now });
    await store.put('dest:x', { n: 1 }, null, { expiresAt: 2_000 });
    await store.put('user:a', { n: 1 }, null);
    expect(await store.delete('user:a')).toBe(true);
    now = 2_000;
    expect(await store.delete('dest:x')).toBe(false);
    expect(store.size).toBe(0);
  });

  it('lists its keys', async () => {
    const store = new MemoryStore();
    await store.put('__proto__', 1, null);
    await store.put('a:b', 2, null);
    expect(store.keys()).toEqual(['__proto__', 'a:b']);
    expect(store.size).toBe(2);
  });
});

describe('checkStoreKey', () => {
  it('accepts well-formed text, surrogate pairs included', () => {
    for (const key of ['', 'a', 'user:😀', '\ud83d\ude00', 'x'.repeat(10_000), '\ufffd', '\u0001'])
      expect(checkStoreKey(key)).toBe(key);
  });

  it('refuses NUL, lone surrogates and non-strings', () => {
    for (const key of ['\0', 'a\0b', '\ud800', 'a\ud83d', '\ude00a', '\ude00\ud83d', 1, null, undefined]) {
      expect(() => checkStoreKey(key as string)).toThrow(TwoSvError);
      try {
        checkStoreKey(key as string);
      } catch (err) {
        expect((err as TwoSvError).code).toBe('INVALID_KEY');
      }
    }
  });
});

describe('serializeRecord and parseRecord', () => {
  it('round-trip NUL, lone surrogates and __proto__ exactly, as ASCII-safe JSON text', () => {
    const record = JSON.parse('{"__proto__":{"x":1},"s":"a\\u0000b\\ud800c"}');
    const text = serializeRecord(record);
    expect(text).toBe('{"__proto__":{"x":1},"s":"a\\u0000b\\ud800c"}');
    const back = parseRecord(text) as Record<string, unknown>;
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(back.s).toBe('a\u0000b\ud800c');
  });

  it('refuse what is not JSON, with INVALID_RECORD', () => {
    for (const bad of [
      Number.NaN,
      [Number.NEGATIVE_INFINITY],
      1n,
      () => 1,
      [undefined],
      new Map(),
      undefined,
    ])
      expect(() => serializeRecord(bad as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_RECORD' }),
      );
    for (const bad of ['', '{', 'undefined', 1, null, Buffer.from('{}')])
      expect(() => parseRecord(bad)).toThrow(expect.objectContaining({ code: 'INVALID_RECORD' }));
  });
});
