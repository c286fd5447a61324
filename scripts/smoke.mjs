// Smoke test of the built package as users receive it: ESM through `import 'twosv'` and CJS through
// `require('twosv')`, both resolved by the package's own `exports` map (self-reference), must agree with
// each other and with RFC 4226 / RFC 6238.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const esm = await import('twosv');
const cjs = createRequire(import.meta.url)('twosv');
const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

for (const lib of [esm, cjs]) {
  assert.equal(lib.generateHotp(secret, 0), '755224');
  assert.equal(lib.generateTotp(secret, { at: 59_000, digits: 8 }), '94287082');
  assert.deepEqual(lib.verifyTotp('287082', secret, { at: 89_000 }), { step: 1, delta: -1 });
  assert.throws(
    () => lib.generateHotp(secret, -1),
    (err) => err instanceof lib.TwoSvError && err.code === 'INVALID_COUNTER',
  );
}
const at = Date.now();
const fresh = esm.generateSecret();
assert.equal(esm.generateTotp(fresh, { at }), cjs.generateTotp(fresh, { at }));
assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
console.log(`smoke: ESM and CJS builds agree on ${Object.keys(esm).length} exports`);

// Sub-paths: the store test kit and the database stores, in ESM and CJS. Their errors are the core's
// TwoSvError class (one shared chunk in CJS), and no build file loads a database driver.
const require = createRequire(import.meta.url);
for (const [lib, postgres, redis, testing] of [
  [esm, await import('twosv/postgres'), await import('twosv/redis'), await import('twosv/testing')],
  [cjs, require('twosv/postgres'), require('twosv/redis'), require('twosv/testing')],
]) {
  const store = new postgres.PostgresStore({ query: async () => ({ rows: [] }) });
  assert.equal(await store.get('user:a'), null);
  await assert.rejects(
    store.get('user:\0'),
    (err) => err instanceof lib.TwoSvError && err.code === 'INVALID_KEY',
  );
  assert.throws(
    () => new redis.RedisStore({}),
    (err) => err instanceof lib.TwoSvError && err.code === 'INVALID_OPTION',
  );
  let cases = 0;
  for (const c of testing.storeContractCases(() => new lib.MemoryStore())) {
    await c.run();
    cases++;
  }
  assert.ok(cases > 20);
}
const { readdirSync, readFileSync } = await import('node:fs');
const drivers =
  /^\s*(?:import|export)\b[^;]*?['"](?:pg|ioredis|redis|@electric-sql\/pglite)['"]|require\(\s*['"](?:pg|ioredis|redis|@electric-sql\/pglite)['"]|import\(\s*['"](?:pg|ioredis|redis|@electric-sql\/pglite)['"]/m;
for (const dir of ['dist', 'dist/esm']) {
  for (const file of readdirSync(dir).filter((f) => /\.(c?js)$/.test(f))) {
    assert.ok(!drivers.test(readFileSync(`${dir}/${file}`, 'utf8')), `${dir}/${file} imports a driver`);
  }
}
console.log('smoke: twosv/testing, twosv/postgres and twosv/redis load in ESM and CJS, without drivers');
