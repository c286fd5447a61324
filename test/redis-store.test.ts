// The Redis store on a real redis-server (started by test/support/servers.ts), through both clients it
// accepts: ioredis and node-redis. Skipped, loudly, when redis-server is not installed (never in CI).
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../src/redis.js';
import { runStoreContract } from '../src/testing.js';
import { rejectsWith } from './support/two-step.js';

const server = inject('redis');
if (!server) console.warn('*** redis-server is not installed: Redis store tests SKIPPED ***');
const suite = server ? describe : describe.skip;

let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;
let prefixes = 0;
const prefix = () => `kit${++prefixes}:`;

beforeAll(async () => {
  if (!server) return;
  ioredis = new Redis(server.url);
  nodeRedis = createClient({ url: server.url });
  await nodeRedis.connect();
});
afterAll(async () => {
  ioredis?.disconnect();
  await nodeRedis?.close();
});

suite('RedisStore', () => {
  runStoreContract('RedisStore on ioredis', () => new RedisStore(ioredis, { prefix: prefix() }), {
    describe,
    it,
  });
  runStoreContract('RedisStore on node-redis', () => new RedisStore(nodeRedis, { prefix: prefix() }), {
    describe,
    it,
  });

  it('keeps one hash per key under the prefix, with PEXPIREAT from expiresAt', async () => {
    const store = new RedisStore(ioredis, { prefix: 'layout:' });
    const at = Date.now() + 3_600_000;
    const put = await store.put('dest:x', { n: 1 }, null, { expiresAt: at });
    expect(await ioredis.hgetall('layout:dest:x')).toEqual({
      v: (put as { version: string }).version,
      r: '{"n":1}',
    });
    expect(await ioredis.pexpiretime('layout:dest:x')).toBe(at);
    await store.put('dest:x', { n: 2 }, (put as { version: string }).version);
    expect(await ioredis.pttl('layout:dest:x')).toBe(-1); // written without expiresAt: persistent
  });

  it('reloads its script after SCRIPT FLUSH (as after a server restart)', async () => {
    const store = new RedisStore(nodeRedis, { prefix: prefix() });
    await nodeRedis.scriptFlush();
    expect((await store.put('user:a', { n: 1 }, null)).ok).toBe(true);
    expect((await store.put('user:a', { n: 1 }, null)).ok).toBe(false);
  });

  it('reports foreign data as INVALID_RECORD, never trusting it', async () => {
    const p = prefix();
    const store = new RedisStore(ioredis, { prefix: p });
    await ioredis.set(`${p}user:string`, 'not a hash');
    await rejectsWith(() => store.get('user:string'), 'INVALID_RECORD');
    await rejectsWith(() => store.put('user:string', {}, null), 'INVALID_RECORD');
    await ioredis.hset(`${p}user:half`, 'r', '{}');
    await rejectsWith(() => store.get('user:half'), 'INVALID_RECORD');
    await ioredis.hset(`${p}user:corrupt`, 'v', '0123456789abcdef0123456789abcdef', 'r', '{"n":');
    await rejectsWith(() => store.get('user:corrupt'), 'INVALID_RECORD');
  });

  it('a lost connection is STORE_FAILED with the cause, and a resent write is recognised as itself', async () => {
    const client = new Redis(server!.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    client.on('error', () => {});
    await new Promise((resolve) => client.once('ready', resolve));
    const store = new RedisStore(client, { prefix: prefix() });
    await store.put('user:a', { n: 1 }, null);
    client.disconnect();
    const err = await rejectsWith(() => store.get('user:a'), 'STORE_FAILED');
    expect(err.cause).toBeInstanceOf(Error);
    // A write applied, then sent again (ioredis resends unanswered commands after a reconnect): the script
    // sees its own version and reports success, not a conflict; a different write still conflicts.
    let calls = 0;
    const store2 = new RedisStore(ioredis, {
      prefix: prefix(),
      random: (b) => b.fill(calls++ < 2 ? 0 : calls),
    });
    const write = () => store2.put('user:a', { n: 1 }, null);
    expect(await write()).toEqual({ ok: true, version: '0'.repeat(32) });
    expect(await write()).toEqual({ ok: true, version: '0'.repeat(32) }); // the same write, resent
    expect(await store2.put('user:a', { n: 2 }, null)).toEqual({ ok: false, reason: 'conflict' });
    expect((await store2.get('user:a'))?.record).toEqual({ n: 1 });
  });

  it('refuses bad options', () => {
    expect(() => new RedisStore({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new RedisStore(ioredis, { prefix: 'a\0' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
