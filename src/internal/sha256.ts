/**
 * SHA-256 (FIPS 180-4 §6.2) as a compression function for the HOTP HMAC of `hmac.ts`.
 * @module
 */
import { H64, K64 } from './fips.js';
import type { ShaCore } from './hmac.js';

/** SHA-256's K (§4.2.2): the high halves of SHA-512's first 64 constants. */
const K = /* @__PURE__ */ Int32Array.from({ length: 64 }, (_, t) => K64[2 * t]!);

// One message schedule, reused by every compression: no allocation per code.
const W = /* @__PURE__ */ new Int32Array(64);

/** Compresses the 16 words already in `W[0..15]` into `state` (8 words). */
function compress(state: Int32Array): void {
  const w = W;
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    // σ0(x) = ROTR7 ^ ROTR18 ^ SHR3; σ1(y) = ROTR17 ^ ROTR19 ^ SHR10
    const sigma0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const sigma1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (sigma1 + w[t - 7]! + sigma0 + w[t - 16]!) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t++) {
    // Σ1(e) = ROTR6 ^ ROTR11 ^ ROTR25; Ch(e, f, g); Σ0(a) = ROTR2 ^ ROTR13 ^ ROTR22; Maj(a, b, c)
    const bigSigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + bigSigma1 + ch + K[t]! + w[t]!) | 0;
    const bigSigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (bigSigma0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** SHA-256: 512-bit blocks, a 256-bit state; H(0) (§5.3.3) the high halves of SHA-512's. */
export const SHA256: ShaCore = /* @__PURE__ */ Object.freeze({
  blockWords: 16,
  stateWords: 8,
  initial: /* @__PURE__ */ Int32Array.from({ length: 8 }, (_, i) => H64[2 * i]!),
  schedule: W,
  compress,
});
