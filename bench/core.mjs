// Core benchmark (issues 3 and 14): twosv beside otplib, otpauth, speakeasy, notp and @oslojs/otp, same
// secrets, rounds interleaved. Each contender is used the way a server uses it per sign-in: from the stored
// base32 secret to a result (notp and @oslojs/otp take raw key bytes only, so they get the key pre-decoded: an
// advantage to them; both do SHA1 only). In Node, otpauth and speakeasy hash with node:crypto (OpenSSL);
// otplib with @noble/hashes. twosv hashes SHA-1 and SHA-256 in JavaScript everywhere, and SHA-512 with Node's
// crypto when it finds it at run time (src/internal/hmac.ts), as here. Rows: generate, verify a right token
// and verify a wrong token (window 1), for SHA1, SHA256 and SHA512, 6 digits, 20-byte secrets (what
// authenticator apps get), then HOTP generation, then the SHA-512 HMAC itself on both of twosv's paths (the
// JavaScript one is what browsers, Deno and Bun run) beside @noble/hashes' hmac.

import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { generateHOTP, generateTOTP, verifyTOTPWithGracePeriod } from '@oslojs/otp';
import notp from 'notp';
import * as OTPAuth from 'otpauth';
import { generateSync as otplibGenerate, verifySync as otplibVerify } from 'otplib';
import speakeasy from 'speakeasy';
import { decodeBase32, generateHotp, generateSecret, generateTotp, verifyTotp } from '../dist/esm/index.js';
import { HotpHmac, nodeCrypto } from '../dist/esm/internal/hmac.js';
import { SHA512 } from '../dist/esm/internal/sha512.js';
import { consume, row } from './harness.mjs';

const secrets = Array.from({ length: 64 }, () => generateSecret());
const keys = secrets.map((s) => decodeBase32(s));
const buffers = keys.map((k) => Buffer.from(k));
const pick = (i) => i & 63;
const at = Date.now();
const seconds = Math.floor(at / 1000);

/** Right tokens, and wrong ones that differ from every code in the window, so every step is checked. */
function tokens(algorithm) {
  const right = secrets.map((s) => generateTotp(s, { at, algorithm }));
  const wrong = secrets.map((s) => {
    const near = [-1, 0, 1].map((d) => generateTotp(s, { at: at + d * 30_000, algorithm }));
    let t = 0;
    while (near.includes(String(t).padStart(6, '0'))) t++;
    return String(t).padStart(6, '0');
  });
  return { right, wrong };
}

function generators(algorithm) {
  const lower = algorithm.toLowerCase();
  const contenders = [
    ['twosv', (i) => consume(generateTotp(secrets[pick(i)], { at, algorithm }))],
    [
      'otplib',
      (i) => consume(otplibGenerate({ secret: secrets[pick(i)], epoch: seconds, algorithm: lower })),
    ],
    [
      'otpauth',
      (i) =>
        consume(
          OTPAuth.TOTP.generate({
            secret: OTPAuth.Secret.fromBase32(secrets[pick(i)]),
            timestamp: at,
            algorithm,
          }),
        ),
    ],
    [
      'speakeasy',
      (i) =>
        consume(
          speakeasy.totp({ secret: secrets[pick(i)], encoding: 'base32', time: seconds, algorithm: lower }),
        ),
    ],
  ];
  if (algorithm === 'SHA1') {
    contenders.push(
      ['notp (raw key)', (i) => consume(notp.totp.gen(buffers[pick(i)]))],
      ['@oslojs/otp (raw key)', (i) => consume(generateTOTP(keys[pick(i)], 30, 6))],
    );
  }
  return contenders;
}

function verifiers(algorithm, list) {
  const lower = algorithm.toLowerCase();
  const contenders = [
    ['twosv', (i) => consume(verifyTotp(list[pick(i)], secrets[pick(i)], { at, window: 1, algorithm }))],
    [
      'otplib',
      (i) =>
        consume(
          otplibVerify({
            secret: secrets[pick(i)],
            token: list[pick(i)],
            epoch: seconds,
            epochTolerance: 30,
            algorithm: lower,
          }).valid,
        ),
    ],
    [
      'otpauth',
      (i) =>
        consume(
          OTPAuth.TOTP.validate({
            token: list[pick(i)],
            secret: OTPAuth.Secret.fromBase32(secrets[pick(i)]),
            timestamp: at,
            window: 1,
            algorithm,
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
            token: list[pick(i)],
            time: seconds,
            window: 1,
            algorithm: lower,
          }),
        ),
    ],
  ];
  if (algorithm === 'SHA1') {
    contenders.push(
      ['notp (raw key)', (i) => consume(notp.totp.verify(list[pick(i)], buffers[pick(i)], { window: 1 }))],
      [
        '@oslojs/otp (raw key)',
        (i) => consume(verifyTOTPWithGracePeriod(keys[pick(i)], 30, 6, list[pick(i)], 30)),
      ],
    );
  }
  return contenders;
}

/** The algorithms to run: all three, or those named in BENCH_ALGORITHMS (e.g. `SHA512`). */
const ALGORITHMS = (process.env.BENCH_ALGORITHMS ?? 'SHA1,SHA256,SHA512').split(',');

export function runCore() {
  const results = [];
  for (const algorithm of ALGORITHMS) {
    const { right, wrong } = tokens(algorithm);
    results.push(row(`generate TOTP (${algorithm}, 6 digits)`, generators(algorithm)));
    results.push(
      row(`verify TOTP (${algorithm}), wrong token, window 1 (worst case)`, verifiers(algorithm, wrong)),
    );
    results.push(row(`verify TOTP (${algorithm}), right token, window 1`, verifiers(algorithm, right)));
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
  if (ALGORITHMS.includes('SHA512')) {
    const native = nodeCrypto();
    const counter = new Uint8Array(8);
    results.push(
      row('HMAC-SHA512 of one 8-byte counter, raw 20-byte key (twosv internals)', [
        ['twosv JavaScript path', (i) => consume(new HotpHmac(SHA512, keys[pick(i)], null).truncated(0, i))],
        ['twosv native path', (i) => consume(new HotpHmac(SHA512, keys[pick(i)], native).truncated(0, i))],
        [
          '@noble/hashes hmac',
          (i) => {
            counter[7] = i;
            consume(hmac(sha512, keys[pick(i)], counter)[63]);
          },
        ],
      ]),
    );
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) runCore();
