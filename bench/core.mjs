// Core benchmark (issue 3): twosv beside otplib, otpauth, speakeasy, notp and @oslojs/otp, same secrets,
// rounds interleaved. Each contender is used the way a server uses it per sign-in: from the stored base32
// secret to a result (notp and @oslojs/otp take raw key bytes only, so they get the key pre-decoded: an
// advantage to them).
import { generateHOTP, generateTOTP, verifyTOTPWithGracePeriod } from '@oslojs/otp';
import notp from 'notp';
import * as OTPAuth from 'otpauth';
import { generateSync as otplibGenerate, verifySync as otplibVerify } from 'otplib';
import speakeasy from 'speakeasy';
import { decodeBase32, generateHotp, generateSecret, generateTotp, verifyTotp } from '../dist/esm/index.js';
import { consume, row } from './harness.mjs';

const secrets = Array.from({ length: 64 }, () => generateSecret());
const keys = secrets.map((s) => decodeBase32(s));
const buffers = keys.map((k) => Buffer.from(k));
const pick = (i) => i & 63;
const at = Date.now();
const seconds = Math.floor(at / 1000);
const right = secrets.map((s) => generateTotp(s, { at }));
// A wrong token: differs from every code in the window, so every step is checked (the worst case).
const wrong = secrets.map((s) => {
  const near = [-1, 0, 1].map((d) => generateTotp(s, { at: at + d * 30_000 }));
  let t = 0;
  while (near.includes(String(t).padStart(6, '0'))) t++;
  return String(t).padStart(6, '0');
});

export function runCore() {
  const results = [];
  results.push(
    row('generate TOTP (SHA1, 6 digits)', [
      ['twosv', (i) => consume(generateTotp(secrets[pick(i)], { at }))],
      ['otplib', (i) => consume(otplibGenerate({ secret: secrets[pick(i)], epoch: seconds }))],
      [
        'otpauth',
        (i) =>
          consume(
            OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secrets[pick(i)]), timestamp: at }),
          ),
      ],
      [
        'speakeasy',
        (i) => consume(speakeasy.totp({ secret: secrets[pick(i)], encoding: 'base32', time: seconds })),
      ],
      ['notp (raw key)', (i) => consume(notp.totp.gen(buffers[pick(i)]))],
      ['@oslojs/otp (raw key)', (i) => consume(generateTOTP(keys[pick(i)], 30, 6))],
    ]),
  );
  for (const [title, tokens] of [
    ['verify TOTP, wrong token, window 1 (worst case)', wrong],
    ['verify TOTP, right token, window 1', right],
  ]) {
    results.push(
      row(title, [
        ['twosv', (i) => consume(verifyTotp(tokens[pick(i)], secrets[pick(i)], { at, window: 1 }))],
        [
          'otplib',
          (i) =>
            consume(
              otplibVerify({
                secret: secrets[pick(i)],
                token: tokens[pick(i)],
                epoch: seconds,
                epochTolerance: 30,
              }).valid,
            ),
        ],
        [
          'otpauth',
          (i) =>
            consume(
              OTPAuth.TOTP.validate({
                token: tokens[pick(i)],
                secret: OTPAuth.Secret.fromBase32(secrets[pick(i)]),
                timestamp: at,
                window: 1,
              }),
            ),
        ],
        [
          'speakeasy',
          (i) =>
            consume(
              speakeasy.totp.verify({
                secret: secrets[pick(i)],
                encoding: 'base32',
                token: tokens[pick(i)],
                time: seconds,
                window: 1,
              }),
            ),
        ],
        [
          'notp (raw key)',
          (i) => consume(notp.totp.verify(tokens[pick(i)], buffers[pick(i)], { window: 1 })),
        ],
        [
          '@oslojs/otp (raw key)',
          (i) => consume(verifyTOTPWithGracePeriod(keys[pick(i)], 30, 6, tokens[pick(i)], 30)),
        ],
      ]),
    );
  }
  results.push(
    row('generate HOTP (SHA1, 6 digits)', [
      ['twosv', (i) => consume(generateHotp(secrets[pick(i)], i))],
      ['otplib', (i) => consume(otplibGenerate({ strategy: 'hotp', secret: secrets[pick(i)], counter: i }))],
      [
        'otpauth',
        (i) =>
          consume(OTPAuth.HOTP.generate({ secret: OTPAuth.Secret.fromBase32(secrets[pick(i)]), counter: i })),
      ],
      [
        'speakeasy',
        (i) => consume(speakeasy.hotp({ secret: secrets[pick(i)], encoding: 'base32', counter: i })),
      ],
      ['notp (raw key)', (i) => consume(notp.hotp.gen(buffers[pick(i)], { counter: i }))],
      ['@oslojs/otp (raw key)', (i) => consume(generateHOTP(keys[pick(i)], BigInt(i), 6))],
    ]),
  );
  for (const algorithm of ['SHA256', 'SHA512']) {
    results.push(
      row(`generate TOTP (${algorithm}, 8 digits; otpauth uses node:crypto here)`, [
        ['twosv', (i) => consume(generateTotp(secrets[pick(i)], { at, algorithm, digits: 8 }))],
        [
          'otpauth',
          (i) =>
            consume(
              OTPAuth.TOTP.generate({
                secret: OTPAuth.Secret.fromBase32(secrets[pick(i)]),
                timestamp: at,
                algorithm,
                digits: 8,
              }),
            ),
        ],
      ]),
    );
  }
  return results;
}
