// Engine benchmark (issue 5): sign-in verifications per second through createTwoStep with the MemoryStore,
// and the engine's overhead over a bare verifyTotp call on the same secrets and codes.
//
// Each user has an authenticator primary and an SMS backup (default policy). Every round moves the clock one
// TOTP step on, so every user has a fresh, never-used code; codes are computed before the timed part.
// Verifications run in waves of concurrent calls for different users, as a server handles requests.
//
// Run: npm run build && node bench/enrollment.mjs   (BENCH_USERS, BENCH_ROUNDS, BENCH_WAVE tune it)
import { createTwoStep, generateTotp, MemoryStore, verifyTotp } from '../dist/esm/index.js';

const USERS = Number(process.env.BENCH_USERS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WAVE = Number(process.env.BENCH_WAVE ?? 64);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function inWaves(count, fn) {
  for (let start = 0; start < count; start += WAVE) {
    const wave = [];
    for (let i = start; i < Math.min(count, start + WAVE); i++) wave.push(fn(i));
    await Promise.all(wave);
  }
}

export async function runEnrollment() {
  let now = Date.UTC(2030, 0, 1);
  const sent = new Map();
  const twoStep = createTwoStep({
    store: new MemoryStore({ clock: () => now }),
    codeKey: 'bench-code-key-bench-code-key-bench!',
    clock: () => now,
    sender: (message) => {
      sent.set(message.userId, message.code);
    },
  });
  const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const secrets = [];
  for (const [i, user] of users.entries()) {
    const enrollment = await twoStep.enrollAuthenticator(user, { account: `${user}@example.com` });
    await twoStep.confirmEnrollment(user, generateTotp(enrollment.secret, { at: now }));
    await twoStep.enrollPhone(user, { phone: `+1201${2_000_000 + i}` });
    await twoStep.confirmEnrollment(user, sent.get(user));
    secrets.push(enrollment.secret);
  }

  const verifyRates = [];
  const signInRates = [];
  const bareRates = [];
  let failures = 0;
  for (let round = 0; round < ROUNDS * 2; round++) {
    now += 30_000;
    const at = now;
    const codes = secrets.map((s) => generateTotp(s, { at }));
    const full = round % 2 === 1; // alternate: verify only, then begin + verify
    if (!full) await inWaves(USERS, (i) => twoStep.beginChallenge(users[i]));
    const start = performance.now();
    await inWaves(USERS, async (i) => {
      if (full) await twoStep.beginChallenge(users[i]);
      const result = await twoStep.verify(users[i], codes[i]);
      if (!result.ok) failures++;
    });
    const seconds = (performance.now() - start) / 1000;
    (full ? signInRates : verifyRates).push(USERS / seconds);

    // The same work with no engine: one verifyTotp per user, with the replay guard, from base32.
    const bareStart = performance.now();
    let matched = 0;
    for (let i = 0; i < USERS; i++) {
      if (verifyTotp(codes[i], secrets[i], { at, window: 1, afterStep: Math.floor(at / 30_000) - 1 }))
        matched++;
    }
    bareRates.push(USERS / ((performance.now() - bareStart) / 1000));
    if (matched !== USERS) throw new Error('bare verifyTotp missed a code');
  }
  if (failures) throw new Error(`${failures} verifications failed`);

  const verify = median(verifyRates);
  const signIn = median(signInRates);
  const bare = median(bareRates);
  console.log(
    `\nEngine: sign-in verifications through createTwoStep + MemoryStore (${USERS} users, waves of ${WAVE})`,
  );
  console.log(`  verify (challenge open)        ${(verify / 1000).toFixed(1).padStart(8)} k/s`);
  console.log(`  beginChallenge + verify        ${(signIn / 1000).toFixed(1).padStart(8)} k/s`);
  console.log(`  bare verifyTotp                ${(bare / 1000).toFixed(1).padStart(8)} k/s`);
  console.log(`  engine overhead: verify costs ${(bare / verify).toFixed(2)}x a bare verifyTotp`);
  console.log(`  target: >= 100 k verifications/s — ${verify >= 100_000 ? 'met' : 'NOT met'}`);
  return { verify, signIn, bare, ratio: bare / verify };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`twosv engine benchmark — node ${process.version}, ${new Date().toISOString()}`);
  await runEnrollment();
}
