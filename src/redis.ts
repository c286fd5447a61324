/**
 * The Redis store (`twosv/redis`): a {@link Store} in Redis hashes, each conditional write one Lua script,
 * over an `ioredis` or a node-redis (`redis`) client. This module imports no driver: you pass the client.
 * @module twosv/redis
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { TwoSvError } from './errors.js';
import { expiresAtOf } from './internal/expiry.js';
import type { RandomSource } from './secret.js';
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
 * What the store needs of a Redis client: a way to send one command. `ioredis` clients (`Redis`, `Cluster`)
 * have `call(command, ...args)`; node-redis v4/v5 clients have `sendCommand([command, ...args])`. Replies
 * must be strings (the default of both; not `returnBuffers`/RESP3 maps).
 */
export type RedisClient =
  | {
      /** ioredis: sends one command with its arguments and resolves with the reply. */
      call(command: string, ...args: string[]): Promise<unknown>;
    }
  | {
      /** node-redis: sends one command given as `[command, ...args]` and resolves with the reply. */
      sendCommand(args: string[]): Promise<unknown>;
    };

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Put before every key, e.g. `'myapp:twosv:'`. **(Optional)** Defaults to `'twosv:'`. */
  prefix?: string;
  /** The source of the random 128-bit versions. **(Optional)** Defaults to `crypto.getRandomValues`. */
  random?: RandomSource;
}

/** Defaults of {@link RedisStoreOptions}. */
export const REDIS_DEFAULTS = Object.freeze({ prefix: 'twosv:' });

/**
 * The conditional write. KEYS[1]: the hash; ARGV: expected version ('' for none), new version, record JSON,
 * expiresAt in ms ('' for none). Returns 1 when written, 0 on conflict. A write whose new version is already
 * stored returns 1 too: that is this very write, applied before the connection dropped and resent by the
 * client on reconnect (versions are random, so no other write has it).
 */
export const REDIS_PUT_SCRIPT = `local v = redis.call('HGET', KEYS[1], 'v')
if v == ARGV[2] then return 1 end
if ARGV[1] == '' then
  if v then return 0 end
elseif v ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])
if ARGV[4] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
return 1`;

const SCRIPT_SHA = /* @__PURE__ */ bytesToHex(sha1(utf8ToBytes(REDIS_PUT_SCRIPT)));
const CONFLICT: PutResult = Object.freeze({ ok: false, reason: 'conflict' });
const VERSION = /^[0-9a-f]{32}$/;

function fromRedis(err: unknown, what: string): TwoSvError {
  // A key of another type at our name (WRONGTYPE) is foreign data, not a failure of the server.
  if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
    return new TwoSvError('INVALID_RECORD', 'the Redis key holds something other than a twosv record', {
      cause: err,
    });
  }
  return new TwoSvError('STORE_FAILED', `the Redis store failed to ${what}`, { cause: err });
}

/**
 * A {@link Store} in Redis: one hash per key (`v`: version, `r`: record JSON) under a prefix. **This is
 * where your users' 2SV state lives: run Redis with persistence (AOF `appendfsync everysec` or better) and
 * replication, as for any primary data, or a restart turns 2SV off for everyone.**
 *
 * - `get` is one `HMGET`, `put` one `EVALSHA` of {@link REDIS_PUT_SCRIPT} (compare and write in one atomic
 *   step; after a server restart the script is sent once with `EVAL`), `delete` one `DEL`. A sign-in
 *   verification through the engine is **two round trips**.
 * - Versions are random 128-bit values (32 hex digits) chosen by the client, so they are never reused,
 *   even for a key deleted and created again, and every operation touches a single key: it works on Redis
 *   Cluster too.
 * - `expiresAt` becomes `PEXPIREAT` on the hash; a write without it clears any expiry (`PERSIST`).
 * - Keys holding NUL or lone surrogates are refused (`INVALID_KEY`), non-JSON records too
 *   (`INVALID_RECORD`); a client error becomes `STORE_FAILED` (the error is the `cause`); a key of another
 *   type, or a hash that is not a twosv record, is `INVALID_RECORD`.
 *
 * Both clients are accepted through {@link RedisClient} because apps already have one or the other, and the
 * store needs only "send this command".
 *
 * @example With ioredis
 * ```ts check=types
 * import { Redis } from 'ioredis';
 * import { createTwoStep } from 'twosv';
 * import { RedisStore } from 'twosv/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL!);
 * const twoStep = createTwoStep({
 *   store: new RedisStore(redis, { prefix: 'myapp:2sv:' }),
 *   codeKey: process.env.TWOSV_CODE_KEY!, // the same secret on every server
 * });
 * ```
 *
 * @example With node-redis
 * ```ts check=types
 * import { createClient } from 'redis';
 * import { RedisStore } from 'twosv/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = new RedisStore(client);
 * await store.put('user:alice', { n: 1 }, null); // { ok: true, version: '…32 hex digits…' }
 * ```
 *
 * @example The commands it sends, with a stand-in client
 * ```ts
 * import { RedisStore } from 'twosv/redis';
 *
 * const sent: string[] = [];
 * const store = new RedisStore({
 *   call: async (command: string, ...args: string[]) => {
 *     sent.push(command);
 *     return command === 'HMGET' ? [null, null] : 1;
 *   },
 * });
 * await store.get('user:alice'); // null
 * (await store.put('user:alice', { n: 1 }, null)).ok; // true
 * sent; // ['HMGET', 'EVALSHA']
 * ```
 */
export class RedisStore implements Store {
  readonly #send: (args: string[]) => Promise<unknown>;
  readonly #prefix: string;
  readonly #random: RandomSource;

  /**
   * @param client - an `ioredis` `Redis`/`Cluster` or a connected node-redis client.
   * @param options - `prefix` (default `'twosv:'`), `random`.
   * @throws TwoSvError `INVALID_OPTION` for a client with neither `call` nor `sendCommand`, or a prefix
   *   that is not a string {@link checkStoreKey} accepts.
   */
  constructor(client: RedisClient, options: RedisStoreOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TwoSvError('INVALID_OPTION', 'options must be an object');
    }
    const c = client as { call?: unknown; sendCommand?: unknown } | null;
    if (typeof c?.call === 'function') {
      const call = (c.call as (command: string, ...args: string[]) => Promise<unknown>).bind(client);
      this.#send = (args) => call(args[0] as string, ...args.slice(1));
    } else if (typeof c?.sendCommand === 'function') {
      const sendCommand = (c.sendCommand as (args: string[]) => Promise<unknown>).bind(client);
      this.#send = (args) => sendCommand(args);
    } else {
      throw new TwoSvError('INVALID_OPTION', 'client must have call (ioredis) or sendCommand (node-redis)');
    }
    const prefix = options.prefix ?? REDIS_DEFAULTS.prefix;
    if (typeof prefix !== 'string') throw new TwoSvError('INVALID_OPTION', 'prefix must be a string');
    try {
      checkStoreKey(prefix);
    } catch {
      throw new TwoSvError('INVALID_OPTION', 'prefix must not hold a NUL character or a lone surrogate');
    }
    this.#prefix = prefix;
    this.#random = options.random ?? ((bytes) => globalThis.crypto.getRandomValues(bytes));
  }

  async #command(args: string[], what: string): Promise<unknown> {
    try {
      return await this.#send(args);
    } catch (err) {
      throw fromRedis(err, what);
    }
  }

  /** See {@link Store.get}: one `HMGET`. */
  async get(key: string): Promise<StoredEntry | null> {
    checkStoreKey(key);
    const reply = await this.#command(['HMGET', this.#prefix + key, 'v', 'r'], 'read');
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw new TwoSvError('STORE_FAILED', 'the Redis client returned an unexpected reply to HMGET');
    }
    const [version, record] = reply as unknown[];
    if (version == null && record == null) return null;
    if (typeof version !== 'string' || !VERSION.test(version)) {
      throw new TwoSvError('INVALID_RECORD', 'the Redis hash has no valid version');
    }
    return { record: parseRecord(record), version };
  }

  /** See {@link Store.put}: one `EVALSHA` (or `EVAL` the first time after a server restart). */
  async put(
    key: string,
    record: JsonValue,
    expectedVersion: Version | null,
    options?: PutOptions,
  ): Promise<PutResult> {
    checkStoreKey(key);
    const text = serializeRecord(record);
    const expiresAt = expiresAtOf(options);
    // A version this store never returns matches no hash: a conflict, without asking the server.
    if (expectedVersion !== null && (typeof expectedVersion !== 'string' || !VERSION.test(expectedVersion)))
      return CONFLICT;
    const random = this.#random(new Uint8Array(16));
    if (!(random instanceof Uint8Array) || random.length !== 16) {
      throw new TwoSvError('INVALID_RANDOM', 'random must fill the buffer it is given');
    }
    const version = bytesToHex(random);
    const args = [
      '1',
      this.#prefix + key,
      expectedVersion ?? '',
      version,
      text,
      expiresAt === undefined ? '' : String(Math.ceil(expiresAt)),
    ];
    let reply: unknown;
    try {
      reply = await this.#send(['EVALSHA', SCRIPT_SHA, ...args]);
    } catch (err) {
      // After a restart or SCRIPT FLUSH the server has forgotten the script: EVAL sends and caches it.
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw fromRedis(err, 'write');
      reply = await this.#command(['EVAL', REDIS_PUT_SCRIPT, ...args], 'write');
    }
    return Number(reply) === 1 ? { ok: true, version } : CONFLICT;
  }

  /** See {@link Store.delete}: one `DEL`. */
  async delete(key: string): Promise<boolean> {
    checkStoreKey(key);
    return Number(await this.#command(['DEL', this.#prefix + key], 'delete')) === 1;
  }
}
