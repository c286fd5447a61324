// A terminal walk-through of the core, against the built package: a new secret, its current code, a
// verification with the replay guard, and RFC vectors. (The web demo of the enrollment engine replaces it.)
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
console.log(
  `RFC 4226 HOTP counter 0: ${generateHotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 0)} (expected 755224)`,
);
