// A terminal walk-through of the core, against the built package: a new secret, its current code, a
// verification with the replay guard, and RFC vectors. (The web demo of the enrollment engine replaces it.)
import assert from 'node:assert/strict';
import { generateHotp, generateSecret, generateTotp, secondsRemaining, totpStep, verifyTotp } from 'twosv';

const secret = generateSecret();
const at = Date.now();
const code = generateTotp(secret, { at });
console.log(`new secret (base32, 20 bytes): ${secret}`);
console.log(`current TOTP code: ${code} (step ${totpStep(at)}, ${secondsRemaining(at)} s left)`);
const first = verifyTotp(code, secret, { at });
console.log(`verify it: ${JSON.stringify(first)}`);
console.log(
  `verify it again with afterStep (replay): ${JSON.stringify(verifyTotp(code, secret, { at, afterStep: first?.step }))}`,
);
const rfc = generateHotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0);
console.log(`RFC 4226 HOTP counter 0: ${rfc} (expected 755224)`);
// A walk-through that prints a wrong value must not end as if all were well.
assert.equal(rfc, '755224', 'RFC 4226 Appendix D, counter 0');
assert.equal(first?.delta, 0, 'the current code verifies at the current step');
assert.equal(verifyTotp(code, secret, { at, afterStep: first?.step }), null, 'a replayed code is refused');
