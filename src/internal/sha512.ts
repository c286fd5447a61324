/**
 * SHA-512 (FIPS 180-4 §6.4) as a compression function for the HOTP HMAC of `hmac.ts`. JavaScript bit
 * operations are 32-bit, so every 64-bit word is two: its high half at an even index, its low half next to
 * it (the big-endian order of the digest). Additions carry from the low halves, summed exactly as doubles
 * (five 32-bit terms stay far below 2^53), into the high halves.
 * @module
 */
import { H64, K64 } from './fips.js';
import type { ShaCore } from './hmac.js';

const TWO_32 = 0x1_0000_0000;

// One message schedule of 80 words (160 halves), reused by every compression: no allocation per code.
const W = /* @__PURE__ */ new Int32Array(160);

/** Compresses the 16 words (32 halves) already in `W[0..31]` into `state` (8 words, 16 halves). */
function compress(state: Int32Array): void {
  const w = W;
  const K = K64;
  for (let i = 32; i < 160; i += 2) {
    // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], with i = 2t.
    const xh = w[i - 30]!;
    const xl = w[i - 29]!;
    // σ0(x) = ROTR1 ^ ROTR8 ^ SHR7
    const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
    const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
    const yh = w[i - 4]!;
    const yl = w[i - 3]!;
    // σ1(y) = ROTR19 ^ ROTR61 ^ SHR6 (ROTR61 swaps the halves, then rotates by 29)
    const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
    const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
    const low = (s1l >>> 0) + (w[i - 13]! >>> 0) + (s0l >>> 0) + (w[i - 31]! >>> 0);
    w[i] = (s1h + w[i - 14]! + s0h + w[i - 32]! + ((low / TWO_32) | 0)) | 0;
    w[i + 1] = low | 0;
  }
  let ah = state[0]!;
  let al = state[1]!;
  let bh = state[2]!;
  let bl = state[3]!;
  let ch = state[4]!;
  let cl = state[5]!;
  let dh = state[6]!;
  let dl = state[7]!;
  let eh = state[8]!;
  let el = state[9]!;
  let fh = state[10]!;
  let fl = state[11]!;
  let gh = state[12]!;
  let gl = state[13]!;
  let hh = state[14]!;
  let hl = state[15]!;
  for (let i = 0; i < 160; i += 2) {
    // Σ1(e) = ROTR14 ^ ROTR18 ^ ROTR41 (ROTR41: halves swapped, then rotated by 9)
    const sigma1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
    const sigma1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
    // Ch(e, f, g)
    const chh = (eh & fh) ^ (~eh & gh);
    const chl = (el & fl) ^ (~el & gl);
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]
    const t1Low = (hl >>> 0) + (sigma1l >>> 0) + (chl >>> 0) + (K[i + 1]! >>> 0) + (w[i + 1]! >>> 0);
    const t1h = (hh + sigma1h + chh + K[i]! + w[i]! + ((t1Low / TWO_32) | 0)) | 0;
    const t1l = t1Low | 0;
    // Σ0(a) = ROTR28 ^ ROTR34 ^ ROTR39 (the last two: halves swapped, then rotated by 2 and 7)
    const sigma0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
    const sigma0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
    // Maj(a, b, c)
    const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
    const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
    hh = gh;
    hl = gl;
    gh = fh;
    gl = fl;
    fh = eh;
    fl = el;
    // e = d + T1
    const eLow = (dl >>> 0) + (t1l >>> 0);
    eh = (dh + t1h + ((eLow / TWO_32) | 0)) | 0;
    el = eLow | 0;
    dh = ch;
    dl = cl;
    ch = bh;
    cl = bl;
    bh = ah;
    bl = al;
    // a = T1 + T2, T2 = Σ0(a) + Maj(a, b, c)
    const aLow = (t1l >>> 0) + (sigma0l >>> 0) + (majl >>> 0);
    ah = (t1h + sigma0h + majh + ((aLow / TWO_32) | 0)) | 0;
    al = aLow | 0;
  }
  add(state, 0, ah, al);
  add(state, 2, bh, bl);
  add(state, 4, ch, cl);
  add(state, 6, dh, dl);
  add(state, 8, eh, el);
  add(state, 10, fh, fl);
  add(state, 12, gh, gl);
  add(state, 14, hh, hl);
}

/** Adds the 64-bit word (high, low) into `state` at `i`. */
function add(state: Int32Array, i: number, high: number, low: number): void {
  const sum = (state[i + 1]! >>> 0) + (low >>> 0);
  state[i] = (state[i]! + high + ((sum / TWO_32) | 0)) | 0;
  state[i + 1] = sum | 0;
}

/** SHA-512: 1024-bit blocks, a 512-bit state; HOTP HMACs take the native path in Node (see `hmac.ts`). */
export const SHA512: ShaCore = /* @__PURE__ */ Object.freeze({
  nativeName: 'sha512',
  blockWords: 32,
  stateWords: 16,
  initial: H64,
  schedule: W,
  compress,
});
