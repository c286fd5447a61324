/**
 * The store test kit (`twosv/testing`): the whole {@link Store} contract as a test suite, for any test runner
 * that has `describe` and `it` (vitest, Jest, Mocha, `node:test`). twosv's own stores run it; run it against
 * an adapter you write (DynamoDB, MongoDB, an ORM) before the engine trusts it with your users' 2SV state.
 * @module twosv/testing
 */
import type { JsonValue, Store, Version } from './store.js';

/** The two functions of a test runner the kit needs: `describe` and `it` of vitest, Jest, Mocha or `node:test`. */
export interface TestRunner {
  /** Groups the cases under a name. */
  describe(name: string, fn: () => void): unknown;
  /** Registers one case. */
  it(name: string, fn: () => Promise<void>): unknown;
}

/** Options of {@link runStoreContract} and {@link storeContractCases}. */
export interface StoreContractOptions {
  /**
   * Whether the store honours `PutOptions.expiresAt`, so that a record past it reads as absent (the
   * contract makes this a hint). **(Optional)** Defaults to `true`; pass `false` for a store that ignores it.
   */
  expiry?: boolean;
  /** How many writers race in the concurrency cases. **(Optional)** Defaults to `25`. */
  concurrency?: number;
  /** The size of the large record, in characters. **(Optional)** Defaults to `1_000_000`. */
  largeRecord?: number;
  /** Called with each case's store when the case ends (close a pool, drop a table). **(Optional)** */
  dispose?: (store: Store) => void | Promise<void>;
}

/** One case of the contract: a name and a function that rejects when the store breaks the contract. */
export interface StoreContractCase {
  /** What the case checks, as a sentence. */
  readonly name: string;
  /** Runs the case against a fresh store. */
  run(): Promise<void>;
}

/** The assertion failure of the kit: its message says which rule the store broke. */
class ContractError extends Error {
  override name = 'StoreContractError';
}

function fail(message: string): never {
  throw new ContractError(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

/** JSON text with object keys sorted, so that records compare whatever order a store gives back. */
function canon(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canon).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sameJson(actual: unknown, expected: unknown, what: string): void {
  if (canon(actual) !== canon(expected)) {
    const shown = (v: unknown) => {
      const text = canon(v) ?? String(v);
      return text.length > 200 ? `${text.slice(0, 200)}…` : text;
    };
    fail(`${what}: expected ${shown(expected)}, got ${shown(actual)}`);
  }
}

function isConflict(result: unknown): boolean {
  return canon(result) === canon({ ok: false, reason: 'conflict' });
}

function written(result: { ok: boolean; version?: Version }, what: string): Version {
  check(result.ok === true, `${what}: the put should have been written`);
  const version = result.version;
  check(
    (typeof version === 'number' && Number.isFinite(version)) || typeof version === 'string',
    `${what}: a successful put must return a number or string version`,
  );
  return version;
}

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return fail('expected a rejection, got a result');
}

/** Whether `err` is a `TwoSvError` of `code`, from any copy of twosv (checked by name, not `instanceof`). */
function isTwoSvError(err: unknown, code: string): boolean {
  return (
    err instanceof Error && err.name === 'TwoSvError' && (err as Error & { code?: unknown }).code === code
  );
}

/** Keys that must stay apart: prototype names, separators, pattern characters, Unicode forms, SQL text. */
const ODD_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'a',
  'A',
  'a:b',
  'a:b:c',
  'user:__proto__',
  'user:a:b',
  'dest:a',
  'ünïcødé',
  'e\u0301', // decomposed é
  '\u00e9', // composed é: a different key
  '\ufffd', // the replacement character: what a lone surrogate would become if mangled
  '😀', // a surrogate pair
  '用户',
  ' a',
  'a ',
  'a\nb',
  'a*',
  'a?',
  'a[b]',
  'a%',
  'a_',
  "'; DROP TABLE twosv_records; --",
  '{a}',
  'x'.repeat(270),
  '',
];

/** Keys a database cannot hold as text: a store refuses them (`INVALID_KEY`) or keeps them exactly. */
const UNSTORABLE_KEYS: readonly string[] = ['\u0000', 'a\u0000b', 'a\ud800', 'a\udc00', '\udc00\ud800'];

/**
 * The cases of the store contract, each run against a fresh store from `makeStore`: for runners other than
 * `describe`/`it` style ones, or to run a single case. {@link runStoreContract} registers them all.
 *
 * @param makeStore - a fresh, **empty** store for each case (a new table, key prefix or database).
 * @param options - see {@link StoreContractOptions}.
 * @returns the cases, in order.
 *
 * @example Running the cases by hand, without a test runner
 * ```ts
 * import { MemoryStore } from 'twosv';
 * import { storeContractCases } from 'twosv/testing';
 *
 * const cases = storeContractCases(() => new MemoryStore());
 * for (const c of cases) await c.run(); // rejects, naming the broken rule, if the store breaks one
 * cases.length > 20; // true
 * ```
 */
export function storeContractCases(
  makeStore: () => Store | Promise<Store>,
  options: StoreContractOptions = {},
): StoreContractCase[] {
  const expiry = options.expiry ?? true;
  const concurrency = options.concurrency ?? 25;
  const largeSize = options.largeRecord ?? 1_000_000;
  const cases: StoreContractCase[] = [];
  const add = (name: string, body: (store: Store) => Promise<void>) => {
    cases.push({
      name,
      async run() {
        const store = await makeStore();
        try {
          await body(store);
        } finally {
          await options.dispose?.(store);
        }
      },
    });
  };

  add('get and delete of an unknown key: null and false', async (store) => {
    check((await store.get('user:nobody')) === null, 'get of an unknown key must resolve to null');
    check((await store.delete('user:nobody')) === false, 'delete of an unknown key must resolve to false');
    check((await store.get('user:nobody')) === null, 'delete of an unknown key must not create it');
  });

  add(
    'create: a put with expectedVersion null writes; get returns the record and that version',
    async (store) => {
      const version = written(await store.put('user:a', { n: 1 }, null), 'create');
      const entry = await store.get('user:a');
      check(entry !== null, 'get after a create must find the record');
      sameJson(entry.record, { n: 1 }, 'the record read back');
      check(entry.version === version, 'get must return the version the put returned, of the same type');
    },
  );

  add('create on an existing key conflicts and changes nothing', async (store) => {
    await store.put('user:a', { n: 1 }, null);
    const before = await store.get('user:a');
    check(
      isConflict(await store.put('user:a', { n: 2 }, null)),
      "must resolve { ok: false, reason: 'conflict' }",
    );
    const after = await store.get('user:a');
    sameJson(after?.record, before?.record, 'the record after a refused create');
    check(after?.version === before?.version, 'a refused create must not change the version');
  });

  add('conditional write: the current version writes and returns a new version', async (store) => {
    const v1 = written(await store.put('user:a', { n: 1 }, null), 'create');
    const v2 = written(await store.put('user:a', { n: 2 }, v1), 'update');
    check(v2 !== v1, 'an update must return a new version');
    const entry = await store.get('user:a');
    sameJson(entry?.record, { n: 2 }, 'the record after an update');
    check(entry?.version === v2, 'get must return the version of the last write');
  });

  add('conflict: a stale version writes nothing', async (store) => {
    const v1 = written(await store.put('user:a', { n: 1 }, null), 'create');
    written(await store.put('user:a', { n: 2 }, v1), 'update');
    check(isConflict(await store.put('user:a', { n: 3 }, v1)), 'a put with a stale version must conflict');
    sameJson((await store.get('user:a'))?.record, { n: 2 }, 'the record after a stale put');
  });

  add('conflict: a version on a missing key, or a foreign version, writes nothing', async (store) => {
    const other = written(await store.put('user:other', {}, null), 'create');
    check(isConflict(await store.put('user:a', { n: 1 }, other)), 'a version on a missing key must conflict');
    check((await store.get('user:a')) === null, 'a refused put must not create the key');
    written(await store.put('user:a', { n: 1 }, null), 'create');
    for (const foreign of [other, 'not-a-version', '', 0, -1, 1.5, '1e3', ' 1']) {
      if ((await store.get('user:a'))?.version === foreign) continue;
      check(isConflict(await store.put('user:a', { n: 9 }, foreign)), `a foreign version must conflict`);
    }
    sameJson((await store.get('user:a'))?.record, { n: 1 }, 'the record after foreign versions');
  });

  add('versions are never reused for a key, not even after delete and create (no ABA)', async (store) => {
    const seen = new Set<Version>();
    let expected: Version | null = null;
    for (let i = 0; i < 50; i++) {
      const version = written(await store.put('user:a', { i }, expected), `write ${i}`);
      check(!seen.has(version), 'a version was returned twice for one key');
      seen.add(version);
      expected = version;
    }
    const old = expected as Version;
    check((await store.delete('user:a')) === true, 'delete of an existing key must resolve to true');
    const again = written(await store.put('user:a', { i: 'again' }, null), 'create after delete');
    check(!seen.has(again), 'a key created again after delete reused an old version (ABA)');
    check(
      isConflict(await store.put('user:a', { i: 'stale' }, old)),
      'a version from before delete must conflict',
    );
    sameJson((await store.get('user:a'))?.record, { i: 'again' }, 'the record after the stale put');
  });

  add('delete removes one record for good and leaves the others', async (store) => {
    written(await store.put('user:a', { n: 1 }, null), 'create a');
    written(await store.put('user:b', { n: 2 }, null), 'create b');
    written(await store.put('dest:a', { n: 3 }, null, { expiresAt: Date.now() + 3_600_000 }), 'create dest');
    check((await store.delete('user:a')) === true, 'delete of an existing key must resolve to true');
    check((await store.get('user:a')) === null, 'get after delete must resolve to null');
    check((await store.delete('user:a')) === false, 'a second delete must resolve to false');
    check((await store.delete('dest:a')) === true, 'delete of a record with expiresAt must resolve to true');
    sameJson((await store.get('user:b'))?.record, { n: 2 }, 'another key after a delete');
    written(await store.put('user:a', { n: 4 }, null), 'create after delete');
    sameJson((await store.get('user:a'))?.record, { n: 4 }, 'the record created after delete');
  });

  add('a snapshot: a record read earlier does not change when the key is written again', async (store) => {
    await store.put('user:a', { n: 1, list: [1] }, null);
    const first = await store.get('user:a');
    check(first !== null, 'get after a create must find the record');
    await store.put('user:a', { n: 2, list: [2] }, first.version);
    sameJson(first.record, { n: 1, list: [1] }, 'a record read before a later write');
  });

  add('records round-trip as JSON; neither writer nor reader can change what is stored', async (store) => {
    const record = {
      s: 'text with ünïcode • 😀 and "quotes", \\ backslash, \u0000 NUL and a lone \ud800 surrogate',
      n: 1.5,
      big: Number.MAX_SAFE_INTEGER,
      tiny: 5e-324,
      neg: -0.25,
      t: true,
      f: false,
      z: null,
      empty: {},
      none: [],
      list: [1, 'two', { three: [3] }, null],
      nested: { deep: { deeper: ['x'] } },
      'a:b': 'colon key',
      '': 'empty key',
    };
    const input = JSON.parse(JSON.stringify(record)) as Record<string, JsonValue>;
    await store.put('user:a', input, null);
    try {
      input.s = 'mutated after put';
    } catch {}
    const entry = await store.get('user:a');
    sameJson(entry?.record, record, 'the record read back');
    const got = entry?.record as Record<string, JsonValue>;
    check(got.s === record.s, 'strings must come back exactly (NUL and lone surrogates included)');
    try {
      got.s = 'mutated after get';
      (got.list as JsonValue[]).push('x');
    } catch {}
    sameJson(
      (await store.get('user:a'))?.record,
      record,
      'the stored record after a reader changed its copy',
    );
    for (const scalar of [null, 0, -1.25, true, 'just a string', [1, [2]]] as JsonValue[]) {
      await store.put(`user:${canon(scalar)}`, scalar, null);
      sameJson((await store.get(`user:${canon(scalar)}`))?.record, scalar, 'a record that is not an object');
    }
  });

  add('a record holding a "__proto__" property keeps it as data', async (store) => {
    const record = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as JsonValue;
    await store.put('user:a', record, null);
    const got = (await store.get('user:a'))?.record as Record<string, unknown>;
    check(Object.hasOwn(got, '__proto__'), 'the "__proto__" property must come back as an own property');
    check(({} as Record<string, unknown>).polluted === undefined, 'Object.prototype was polluted');
    sameJson(got, record, 'the record read back');
  });

  add('large records round-trip', async (store) => {
    const text = 'aé€😀'.repeat(Math.ceil(largeSize / 5)).slice(0, largeSize - (largeSize % 2));
    const record = {
      text,
      many: Array.from({ length: 10_000 }, (_, i) => ({ i, s: `item ${i}` })),
      deep: Array.from({ length: 60 }).reduce<JsonValue>((inner) => ({ inner }), 'bottom'),
    };
    written(await store.put('user:large', record, null), 'a large record');
    const entry = await store.get('user:large');
    check(entry !== null, 'get after a create must find the record');
    check((entry.record as { text: string }).text === text, 'a large string must come back exactly');
    sameJson(entry.record, record, 'a large record');
    written(await store.put('user:large', { small: true }, entry.version), 'shrinking it');
  });

  add('odd keys: __proto__, a:b, pattern characters, non-ASCII and the like never collide', async (store) => {
    for (const key of ODD_KEYS) {
      check(
        (await store.get(key)) === null,
        `key ${JSON.stringify(key.slice(0, 40))} must be absent at first`,
      );
    }
    for (const [i, key] of ODD_KEYS.entries()) {
      written(await store.put(key, { i }, null), `create ${JSON.stringify(key.slice(0, 40))}`);
    }
    for (const [i, key] of ODD_KEYS.entries()) {
      sameJson(
        (await store.get(key))?.record,
        { i },
        `the record of key ${JSON.stringify(key.slice(0, 40))}`,
      );
    }
    for (const absent of ['b', 'user:a', 'a:', 'a\\*', 'E\u0301', 'x'.repeat(269), 'user:'])
      check((await store.get(absent)) === null, `key ${JSON.stringify(absent)} was never written`);
    check(({} as Record<string, unknown>).i === undefined, 'Object.prototype was polluted');
    check((await store.delete('a*')) === true, 'delete of "a*" must resolve to true');
    sameJson((await store.get('a'))?.record, { i: ODD_KEYS.indexOf('a') }, 'delete("a*") must not touch "a"');
  });

  add('keys with a NUL or a lone surrogate: refused with INVALID_KEY, or kept exactly', async (store) => {
    written(await store.put('a\ufffd', { mangled: true }, null), 'create "a\\ufffd"');
    written(await store.put('a', { plain: true }, null), 'create "a"');
    written(await store.put('ab', { ab: true }, null), 'create "ab"');
    for (const key of UNSTORABLE_KEYS) {
      const shown = JSON.stringify(key);
      let put: { ok: boolean; version?: Version } | undefined;
      try {
        put = await store.put(key, { key }, null);
      } catch (err) {
        check(isTwoSvError(err, 'INVALID_KEY'), `put of ${shown} must store it or reject with INVALID_KEY`);
        check(
          isTwoSvError(await rejects(store.get(key)), 'INVALID_KEY'),
          `get of ${shown} must reject with INVALID_KEY too`,
        );
        check(
          isTwoSvError(await rejects(store.delete(key)), 'INVALID_KEY'),
          `delete of ${shown} must reject with INVALID_KEY too`,
        );
        continue;
      }
      written(put, `create ${shown}`);
      sameJson((await store.get(key))?.record, { key }, `the record of key ${shown}`);
      check((await store.get(key)) !== null, `key ${shown} must be kept exactly`);
    }
    sameJson(
      (await store.get('a\ufffd'))?.record,
      { mangled: true },
      'key "a\\ufffd" (a mangled key collided)',
    );
    sameJson((await store.get('a'))?.record, { plain: true }, 'key "a" (a mangled key collided)');
    sameJson((await store.get('ab'))?.record, { ab: true }, 'key "ab" (a mangled key collided)');
  });

  add('a record that is not JSON data is refused, and nothing is stored', async (store) => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: [string, unknown][] = [
      ['NaN', { n: Number.NaN }],
      ['Infinity', [Number.POSITIVE_INFINITY]],
      ['a bigint', { n: 1n }],
      ['a cycle', cyclic],
      ['a function', { f: () => 1 }],
      ['a Date', { at: new Date(0) }],
      ['a Map', new Map()],
      ['undefined', undefined],
      ['undefined in an array', [undefined]],
    ];
    for (const [what, record] of bad) {
      await rejects(store.put('user:a', record as JsonValue, null)).catch(() =>
        fail(`a record with ${what} must be refused (put must reject)`),
      );
      check((await store.get('user:a')) === null, `a refused record with ${what} must not be stored`);
    }
  });

  add('of many concurrent puts with the same expected version exactly one wins', async (store) => {
    const v0 = written(await store.put('user:a', { n: 0 }, null), 'create');
    const results = await Promise.all(
      Array.from({ length: concurrency }, (_, i) => store.put('user:a', { n: i + 1 }, v0)),
    );
    const winners = results.filter((r) => r.ok);
    check(winners.length === 1, `exactly one of the racing puts must win, ${winners.length} did`);
    check(
      results.every((r) => r.ok || isConflict(r)),
      'the losers must resolve to a conflict',
    );
    const entry = await store.get('user:a');
    check(entry?.version === (winners[0] as { version: Version }).version, 'the winner is what is stored');
  });

  add('of many concurrent creates exactly one wins', async (store) => {
    const results = await Promise.all(
      Array.from({ length: concurrency }, (_, i) => store.put('user:a', { i }, null)),
    );
    const winners = results.filter((r) => r.ok).length;
    check(winners === 1, `exactly one of the racing creates must win, ${winners} did`);
  });

  add('many concurrent read-modify-write loops lose no update', async (store) => {
    await store.put('user:counter', { n: 0 }, null);
    const increment = async () => {
      for (let attempt = 0; attempt < 10 * concurrency; attempt++) {
        const entry = await store.get('user:counter');
        check(entry !== null, 'the counter disappeared');
        const n = (entry.record as { n: number }).n;
        if ((await store.put('user:counter', { n: n + 1 }, entry.version)).ok) return;
      }
      fail('a writer never got through');
    };
    await Promise.all(Array.from({ length: concurrency }, increment));
    sameJson((await store.get('user:counter'))?.record, { n: concurrency }, 'the counter');
  });

  add('concurrent deletes and stale writes: the record stays deleted', async (store) => {
    const v1 = written(await store.put('user:a', { n: 1 }, null), 'create');
    const results = await Promise.all([
      store.delete('user:a'),
      ...Array.from({ length: concurrency }, (_, i) => store.delete(i % 2 ? 'user:a' : 'user:b')),
    ]);
    check(results.filter((r) => r === true).length === 1, 'exactly one delete must find the record');
    check(isConflict(await store.put('user:a', { n: 2 }, v1)), 'a write with the old version must conflict');
    check((await store.get('user:a')) === null, 'the deleted record must stay deleted');
  });

  add('a record whose expiresAt is in the future is kept', async (store) => {
    const v = written(
      await store.put('dest:x', { sends: [] }, null, { expiresAt: Date.now() + 86_400_000 }),
      'create with expiresAt',
    );
    sameJson((await store.get('dest:x'))?.record, { sends: [] }, 'a record before its expiresAt');
    written(await store.put('dest:x', { sends: [1] }, v, { expiresAt: Date.now() + 86_400_000 }), 'update');
    written(await store.put('dest:x', { sends: [2] }, (await store.get('dest:x'))?.version ?? null), 'keep');
    sameJson((await store.get('dest:x'))?.record, { sends: [2] }, 'a record written again without expiresAt');
  });

  if (expiry) {
    add('a record past its expiresAt reads as absent and can be created again', async (store) => {
      const v = written(
        await store.put('dest:x', { n: 1 }, null, { expiresAt: Date.now() - 1_000 }),
        'create already expired',
      );
      check((await store.get('dest:x')) === null, 'a record past its expiresAt must read as absent');
      check(isConflict(await store.put('dest:x', { n: 2 }, v)), 'its old version must conflict');
      written(await store.put('dest:x', { n: 3 }, null), 'create again');
      sameJson((await store.get('dest:x'))?.record, { n: 3 }, 'the record created again');
    });
  }
  return cases;
}

/**
 * Registers the store contract with a test runner: one `describe` named after the store, one `it` per rule
 * (see {@link storeContractCases}). `makeStore` must give an **empty** store each time.
 *
 * @param name - shown in the test names, e.g. `'DynamoStore'`.
 * @param makeStore - a fresh, empty store for each case.
 * @param runner - the runner's `describe` and `it`.
 * @param options - see {@link StoreContractOptions}.
 *
 * @example With vitest (Jest and Mocha have the same two functions)
 * ```ts check=types
 * import { describe, it } from 'vitest';
 * import { MemoryStore } from 'twosv';
 * import { runStoreContract } from 'twosv/testing';
 *
 * runStoreContract('MemoryStore', () => new MemoryStore(), { describe, it });
 * ```
 *
 * @example With node:test (run by node --test)
 * ```ts check=types
 * import { MemoryStore } from 'twosv';
 * import { runStoreContract } from 'twosv/testing';
 *
 * const { describe, it } = await import('node:test');
 * runStoreContract('MemoryStore', () => new MemoryStore(), { describe, it });
 * ```
 *
 * @example What it registers, with a runner that only records names
 * ```ts
 * import { MemoryStore } from 'twosv';
 * import { runStoreContract } from 'twosv/testing';
 *
 * const names: string[] = [];
 * runStoreContract('MemoryStore', () => new MemoryStore(), {
 *   describe: (name, fn) => {
 *     names.push(name);
 *     fn();
 *   },
 *   it: (name) => names.push(name),
 * });
 * names[0]; // 'Store contract: MemoryStore'
 * names[1]; // 'get and delete of an unknown key: null and false'
 * ```
 */
export function runStoreContract(
  name: string,
  makeStore: () => Store | Promise<Store>,
  runner: TestRunner,
  options: StoreContractOptions = {},
): void {
  const cases = storeContractCases(makeStore, options);
  runner.describe(`Store contract: ${name}`, () => {
    for (const c of cases) runner.it(c.name, () => c.run());
  });
}
