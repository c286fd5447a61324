/**
 * The async `Store` behind the enrolment engine: one JSON record per key, read with its version and written
 * only if the version is unchanged. `MemoryStore` is the in-process implementation.
 * @module
 */

/** Plain JSON data: what a {@link Store} keeps. No `undefined`, `Date`, `Map`, `bigint` or class instances. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

import { TwoSvError } from './errors.js';
import { markDeepFrozen } from './internal/frozen.js';

/**
 * A record's version: opaque to the engine, which only hands it back to {@link Store.put}. A number (an
 * integer column, a Redis counter) or a string (an ETag) both work.
 */
export type Version = number | string;

/** What {@link Store.get} returns for a key that exists. */
export interface StoredEntry {
  /** The record as last written: a fresh copy the caller may keep. */
  readonly record: JsonValue;
  /** Its current version. */
  readonly version: Version;
}

/**
 * The outcome of {@link Store.put}: written (with the new version), or refused because the record's version
 * is no longer `expectedVersion`.
 */
export type PutResult =
  | { readonly ok: true; readonly version: Version }
  | { readonly ok: false; readonly reason: 'conflict' };

/** Hints for {@link Store.put}. */
export interface PutOptions {
  /**
   * The record is worthless after this moment (ms since the epoch), and the store **may** delete it then
   * (Redis `PEXPIREAT`, a cleanup job in SQL). The engine sets it only on its send-throttling records, never
   * on a user's record. A store may ignore it.
   */
  readonly expiresAt?: number;
}

/**
 * Where the engine keeps its state: **every user's 2SV state (devices, authenticator secrets as sealed by
 * your hook, code hashes, counters, locks) lives in one record, and must be persisted durably and shared by
 * every server that runs the engine for those users.** The engine also keeps one small record per phone
 * number or e-mail address it sends codes to (for the per-destination send caps).
 *
 * ## Contract
 *
 * An implementation must provide, for every key:
 *
 * 1. **Keys are opaque strings**, compared exactly (case and Unicode as given). `'__proto__'`, `'a:b'`,
 *    `'constructor'` and `''` are ordinary keys that never collide with one another. The engine's keys are
 *    at most 270 characters and start with `user:` or `dest:`. (In JavaScript use a `Map`, never a plain
 *    object.)
 * 2. **`get(key)`** resolves to `null` when the key has no record, or to `{ record, version }`: the record
 *    exactly as last written (a JSON round-trip: object key order may differ) and its current version.
 *    What it returns is a snapshot that later writes do not change; callers treat it as read-only (a
 *    database store returns a fresh parse; {@link MemoryStore} returns frozen data).
 * 3. **`put` takes its record**: once called, nothing the caller does to that object changes what is
 *    stored (a database store has serialised it; {@link MemoryStore} freezes it), and the caller does not
 *    change it.
 * 4. **`put(key, record, expectedVersion)`** is one atomic compare-and-set. It writes and resolves
 *    `{ ok: true, version }` only if the key's current version is `expectedVersion` — or, when
 *    `expectedVersion` is `null`, only if the key has no record. Otherwise it writes nothing and resolves
 *    `{ ok: false, reason: 'conflict' }`. Of several concurrent puts with the same expected version, at most
 *    one succeeds: that is what makes a one-time code usable once.
 * 5. **A successful put returns a version never returned before for that key** (not even after the record
 *    was deleted and created again): a global sequence, a per-key counter kept across deletion, or a random
 *    128-bit value. This rules out ABA: a writer holding an old version always conflicts.
 * 6. **Records are plain JSON** ({@link JsonValue}); store them as text or `jsonb`.
 * 7. **Errors are thrown, never swallowed**: a get or put that fails (connection lost) rejects. The engine
 *    then reports `STORE_FAILED` and changes nothing it has not stored. A put that rejects after it may
 *    have been applied is safe too: the engine never reports success without a confirmed write.
 * 8. `options.expiresAt` is a hint (see {@link PutOptions}).
 * 9. **`delete(key)`** removes the key's record for good (account deletion, a privacy request) and resolves
 *    `true` if there was one. A writer still holding the old version conflicts afterwards (rule 5).
 * 10. **Keys a database cannot hold exactly are refused**, never mangled: a key with a NUL character or a
 *    lone UTF-16 surrogate makes `get`, `put` and `delete` reject with `TwoSvError` `INVALID_KEY`
 *    (see {@link checkStoreKey}); a record that is not JSON data makes `put` reject with `INVALID_RECORD`.
 *
 * Every store should pass the store test kit, `runStoreContract` from `twosv/testing`.
 *
 * ## PostgreSQL
 *
 * ```sql
 * CREATE TABLE twosv_records (
 *   key        text PRIMARY KEY,
 *   version    bigint NOT NULL,
 *   record     jsonb  NOT NULL,
 *   expires_at timestamptz
 * );
 * CREATE SEQUENCE twosv_versions;
 * -- get:                 SELECT record, version FROM twosv_records WHERE key = $1
 * -- put, expected null:  INSERT INTO twosv_records VALUES ($1, nextval('twosv_versions'), $2, $3)
 * --                      ON CONFLICT (key) DO NOTHING RETURNING version
 * -- put, expected $4:    UPDATE twosv_records SET record = $2, expires_at = $3,
 * --                      version = nextval('twosv_versions') WHERE key = $1 AND version = $4 RETURNING version
 * -- No row returned: { ok: false, reason: 'conflict' }. Delete expired rows from a periodic job.
 * ```
 *
 * ## Redis
 *
 * One hash per key with fields `v` (version) and `r` (record JSON), written by a Lua script so the compare
 * and the write are one step (or `WATCH key` / `MULTI` / `EXEC`, where a nil `EXEC` is a conflict):
 *
 * ```lua
 * -- KEYS[1] = key; ARGV[1] = expected version or '' for none; ARGV[2] = record JSON; ARGV[3] = expiresAt or ''
 * local v = redis.call('HGET', KEYS[1], 'v')
 * if (ARGV[1] == '' and v) or (ARGV[1] ~= '' and v ~= ARGV[1]) then return false end
 * local nv = redis.call('INCR', 'twosv:versions')
 * redis.call('HSET', KEYS[1], 'v', nv, 'r', ARGV[2])
 * if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
 * return nv
 * ```
 *
 * @example A Store is two methods: here, one that wraps another and counts conflicts
 * ```ts
 * const inner = new MemoryStore();
 * let conflicts = 0;
 * const store: Store = {
 *   get: (key) => inner.get(key),
 *   delete: (key) => inner.delete(key),
 *   async put(key, record, expectedVersion, options) {
 *     const result = await inner.put(key, record, expectedVersion, options);
 *     if (!result.ok) conflicts++;
 *     return result;
 *   },
 * };
 * await store.put('user:alice', { n: 1 }, null);
 * await store.put('user:alice', { n: 1 }, null); // { ok: false, reason: 'conflict' }
 * conflicts; // 1
 * ```
 */
export interface Store {
  /** The record and version of `key`, or `null` when there is none. */
  get(key: string): Promise<StoredEntry | null>;
  /** Writes `record` only if the version of `key` is still `expectedVersion` (`null`: only if absent). */
  put(
    key: string,
    record: JsonValue,
    expectedVersion: Version | null,
    options?: PutOptions,
  ): Promise<PutResult>;
  /** Removes the record of `key` for good; `true` if there was one. */
  delete(key: string): Promise<boolean>;
}

/** A NUL, or a UTF-16 surrogate without its partner: text that PostgreSQL or UTF-8 cannot hold exactly. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a store key: any string, except one holding a NUL character or a lone UTF-16 surrogate, which a
 * PostgreSQL `text` column cannot hold and UTF-8 (the wire format of every database driver) would silently
 * replace with U+FFFD, so that two different keys would share one record. Every shipped store calls it
 * first, so all of them refuse the same keys; call it in your own adapter too.
 *
 * @param key - the key given to `get`, `put` or `delete`.
 * @returns the key.
 * @throws TwoSvError `INVALID_KEY` for a key that is not a string, or holds a NUL or a lone surrogate.
 *
 * @example
 * ```ts
 * checkStoreKey('user:zoë'); // 'user:zoë'
 * try {
 *   checkStoreKey('user:\ud800');
 * } catch (err) {
 *   (err as TwoSvError).code; // 'INVALID_KEY'
 * }
 * ```
 */
export function checkStoreKey(key: string): string {
  if (typeof key !== 'string') throw new TwoSvError('INVALID_KEY', 'key must be a string');
  if (UNSTORABLE.test(key)) {
    throw new TwoSvError('INVALID_KEY', 'key must not hold a NUL character or a lone surrogate');
  }
  return key;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The clock used for {@link PutOptions.expiresAt}, in ms since the epoch. **(Optional)** Defaults to
   * `Date.now`; pass the engine's clock in tests.
   */
  clock?: () => number;
}

interface Slot {
  readonly record: JsonValue;
  readonly version: number;
  readonly expiresAt: number | undefined;
}

function notJson(why: string): never {
  throw new TwoSvError('INVALID_RECORD', `record must be JSON data: ${why}`);
}

/**
 * Whether an object is a plain array (`true`) or a plain object (`false`); anything else, including the
 * built-in prototypes themselves (`Array.prototype` is an array, `Object.prototype` has no prototype, and
 * freezing either would break the whole process), is not JSON data.
 */
function isJsonArray(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) notJson('not a plain array');
    return true;
  }
  if ((proto !== Object.prototype && proto !== null) || value === Object.prototype)
    notJson('not a plain object');
  return false;
}

/** Checks a record as {@link adopt} does, without freezing it: for stores that serialise. */
function checkJson(value: unknown, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) notJson('a number is not finite');
    return;
  }
  if (typeof value !== 'object') notJson(`${typeof value} is not`);
  if (depth > MAX_DEPTH) notJson('nested too deeply, or cyclic');
  if (isJsonArray(value)) {
    for (const item of value as unknown[]) {
      if (item === undefined) notJson('an array holds undefined');
      checkJson(item, depth + 1);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    // Dropped, as MemoryStore deletes it; where it cannot be deleted (a frozen object), no store takes it.
    if (item === undefined) {
      if (!Object.getOwnPropertyDescriptor(value, key)?.configurable)
        notJson('a frozen object holds undefined');
    } else checkJson(item, depth + 1);
  }
}

/**
 * The JSON text of a record, after checking that it is JSON data ({@link JsonValue}): what the database
 * stores use, so that every store refuses the same records as {@link MemoryStore} does (`NaN`, `bigint`,
 * class instances, cycles) instead of storing something else (`JSON.stringify(NaN)` is `null`). Lone
 * surrogates and NUL characters in strings come out escaped (`\ud800`, `\u0000`), so the text is valid
 * UTF-8 and round-trips exactly.
 *
 * @param record - the record to store.
 * @returns its JSON text.
 * @throws TwoSvError `INVALID_RECORD` for a value that is not JSON data.
 *
 * @example
 * ```ts
 * serializeRecord({ n: 1, s: 'a\u0000b' }); // '{"n":1,"s":"a\\u0000b"}'
 * try {
 *   serializeRecord({ n: Number.NaN });
 * } catch (err) {
 *   (err as TwoSvError).code; // 'INVALID_RECORD'
 * }
 * ```
 */
export function serializeRecord(record: JsonValue): string {
  checkJson(record, 0);
  return JSON.stringify(record);
}

/**
 * Parses the JSON text a database store read back.
 *
 * @param text - what the store holds.
 * @returns the record.
 * @throws TwoSvError `INVALID_RECORD` when the stored text is not JSON (a corrupt or foreign row).
 *
 * @example
 * ```ts
 * parseRecord('{"n":1}'); // { n: 1 }
 * try {
 *   parseRecord('{"n":');
 * } catch (err) {
 *   (err as TwoSvError).code; // 'INVALID_RECORD'
 * }
 * ```
 */
export function parseRecord(text: unknown): JsonValue {
  if (typeof text !== 'string') {
    throw new TwoSvError('INVALID_RECORD', 'the stored record is not JSON text');
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new TwoSvError('INVALID_RECORD', 'the stored record is not JSON text');
  }
}

const CONFLICT: PutResult = Object.freeze({ ok: false, reason: 'conflict' });
const MAX_DEPTH = 64;
const NOTHING: readonly unknown[] = [];

/**
 * Checks that a value is JSON data and deep-freezes it in place, refusing what JSON cannot hold (`NaN`,
 * `bigint`, functions, class instances, `undefined` in arrays, cycles); object properties whose value is
 * `undefined` are deleted, as `JSON.stringify` drops them.
 *
 * `known` is the part of the record the key holds now (checked and deep-frozen when it was put) found at
 * the same place: a part of `value` that *is* it (the same object, or an array element found, in order,
 * among the known array's elements) is skipped. A record read, changed and written back shares its
 * unchanged parts, so a put costs in proportion to what changed, without remembering every checked
 * object in a global `WeakSet` (whose growth and garbage collection cost more than the checks saved,
 * measured in bench/enrollment.mjs). Only own properties of `known` count (never an inherited `__proto__`).
 * Freezing instead of copying keeps reads free of copies.
 */
function adopt(value: unknown, known: unknown, depth: number): JsonValue {
  if (value === null || typeof value !== 'object') {
    checkScalar(value);
    return value as JsonValue;
  }
  if (value === known) return value as JsonValue;
  if (depth > MAX_DEPTH) notJson('nested too deeply, or cyclic');
  if (isJsonArray(value)) {
    const old = Array.isArray(known) ? known : NOTHING;
    let from = 0; // elements kept from `old` stay in order (filtered, appended to, one replaced)
    const array = value as unknown[];
    for (let i = 0; i < array.length; i++) {
      const item: unknown = array[i];
      if (item === null || typeof item !== 'object') {
        if (item === undefined) notJson('an array holds undefined');
        checkScalar(item);
        continue;
      }
      let hint: unknown = i < old.length ? old[i] : undefined;
      for (let j = from; j < old.length; j++) {
        if (old[j] === item) {
          hint = item;
          from = j + 1;
          break;
        }
      }
      if (hint !== item) adopt(item, hint, depth + 1);
    }
  } else {
    const object = value as Record<string, unknown>;
    const old =
      known !== null && typeof known === 'object' && !Array.isArray(known)
        ? (known as Record<string, unknown>)
        : undefined;
    for (const key of Object.keys(object)) {
      const item = object[key];
      if (item === null || typeof item !== 'object') {
        // As JSON.stringify drops it; an object frozen by the caller cannot lose it, and is refused.
        if (item === undefined) {
          if (!Reflect.deleteProperty(object, key)) notJson('a frozen object holds undefined');
        } else checkScalar(item);
        continue;
      }
      const hint = old !== undefined && Object.hasOwn(old, key) ? old[key] : undefined;
      if (hint !== item) adopt(item, hint, depth + 1);
    }
  }
  return Object.freeze(value) as JsonValue;
}

/** Checks a value that is not an object: `null`, a string, a boolean or a finite number. */
function checkScalar(value: unknown): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) notJson('a number is not finite');
  } else if (value !== null && typeof value !== 'string' && typeof value !== 'boolean') {
    notJson(`${typeof value} is not`);
  }
}

/**
 * A {@link Store} in this process's memory, following the whole contract: each put checks that its record
 * is plain JSON data (refusing anything a database could not store) and deep-freezes it in place, so
 * neither the writer nor a reader can change what is stored; versions come from one sequence; expired
 * records are dropped when next touched. Reads return the frozen record itself, without copying: **treat
 * records you get, and records you have put, as read-only** (the engine does).
 *
 * **It forgets everything when the process ends and is not shared between processes**: use it for tests,
 * demos and single-process apps, and a database-backed {@link Store} in production.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const first = await store.put('user:alice', { n: 1 }, null); // { ok: true, version: 1 }
 * await store.put('user:alice', { n: 2 }, null); // { ok: false, reason: 'conflict' }
 * const entry = await store.get('user:alice');
 * entry?.record; // { n: 1 }
 * await store.put('user:alice', { n: 2 }, entry!.version); // { ok: true, version: 2 }
 * ```
 */
export class MemoryStore implements Store {
  readonly #slots = new Map<string, Slot>();
  readonly #clock: () => number;
  #sequence = 0;

  /** @param options - `clock` for `expiresAt` (default `Date.now`). */
  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now;
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot?.expiresAt !== undefined && this.#clock() >= slot.expiresAt) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }

  /** See {@link Store.get}. The record returned is deep-frozen. */
  get(key: string): Promise<StoredEntry | null> {
    try {
      checkStoreKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    const slot = this.#live(key);
    return Promise.resolve(slot ? { record: slot.record, version: slot.version } : null);
  }

  /**
   * See {@link Store.put}. Deep-freezes `record`. Rejects with `TwoSvError` `INVALID_RECORD` for a record
   * that is not plain JSON data, and `INVALID_KEY` for a key {@link checkStoreKey} refuses.
   */
  put(
    key: string,
    record: JsonValue,
    expectedVersion: Version | null,
    options?: PutOptions,
  ): Promise<PutResult> {
    let copy: JsonValue;
    let current: Slot | undefined;
    try {
      checkStoreKey(key);
      current = this.#live(key);
      copy = adopt(record, current?.record, 0);
      if (copy !== null && typeof copy === 'object') markDeepFrozen(copy);
    } catch (err) {
      return Promise.reject(err);
    }
    if (current ? current.version !== expectedVersion : expectedVersion !== null)
      return Promise.resolve(CONFLICT);
    const version = ++this.#sequence;
    this.#slots.set(key, { record: copy, version, expiresAt: options?.expiresAt });
    return Promise.resolve({ ok: true, version });
  }

  /** See {@link Store.delete}. */
  delete(key: string): Promise<boolean> {
    try {
      checkStoreKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    const existed = this.#live(key) !== undefined;
    this.#slots.delete(key);
    return Promise.resolve(existed);
  }

  /** How many records are held (expired ones included until touched). For tests and monitoring. */
  get size(): number {
    return this.#slots.size;
  }

  /** The keys held, in insertion order. For tests and debugging. */
  keys(): string[] {
    return [...this.#slots.keys()];
  }
}
