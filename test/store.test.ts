import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/store.js';
import { storeContract } from './store-contract.js';

storeContract('MemoryStore', () => new MemoryStore());

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

  it('refuses what is not JSON data, storing nothing', async () => {
    const store = new MemoryStore();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.put('user:a', cyclic as never, null)).rejects.toThrow();
    await expect(store.put('user:a', 1n as never, null)).rejects.toThrow();
    await expect(store.put('user:a', undefined as never, null)).rejects.toThrow();
    expect(await store.get('user:a')).toBeNull();
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
