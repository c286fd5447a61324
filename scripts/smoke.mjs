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
