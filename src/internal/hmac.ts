/**
 * HMAC (RFC 2104) specialised for HOTP, shared by SHA-1, SHA-256 and SHA-512: the key's inner and outer pad
 * states are computed once per key, then every counter costs exactly two compressions (inner block: counter
 * and padding; outer block: inner digest and padding) with nothing allocated. Each hash brings only its
 * compression function over 32-bit words (SHA-512's 64-bit words as high/low halves, which keeps the
 * big-endian word order of the digest).
 *
 * Why not a generic hash API: generic APIs re-run buffering, padding and length encoding per message and
 * allocate; skipping that is what makes `verifyTotp` several times faster than its peers (see `bench/`).
 * Checked against `@noble/hashes` and `node:crypto` in `test/sha*.test.ts`.
 * @module
 */

/** One hash of the SHA family, seen as its compression function (FIPS 180-4 §6). */
export interface ShaCore {
  /** 32-bit words per message block: 16 (512-bit blocks) or 32 (SHA-512's 1024-bit blocks). */
  readonly blockWords: number;
  /** 32-bit words of the state, which is also the digest: 5, 8 or 16. */
  readonly stateWords: number;
  /** The initial hash value H(0). */
  readonly initial: Int32Array;
  /** The message schedule; `compress` reads the block from its first `blockWords` words. */
  readonly schedule: Int32Array;
  /** Compresses the block in `schedule` into `state`. */
  compress(state: Int32Array): void;
}

/** Loads `count` big-endian 32-bit words of `bytes` from `offset` into `words`. */
function loadWords(bytes: Uint8Array, offset: number, words: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const at = offset + i * 4;
    words[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }
}

/**
 * The plain hash of any message (FIPS 180-4 §5.1 padding: 0x80, zeros, then the bit length in the last 8
 * or 16 bytes). Used only for HMAC keys longer than a block (RFC 2104 §2), so it may allocate.
 */
export function digest(core: ShaCore, message: Uint8Array): Uint8Array {
  const blockBytes = core.blockWords * 4;
  const lengthBytes = blockBytes / 8;
  const padded = new Uint8Array(Math.ceil((message.length + 1 + lengthBytes) / blockBytes) * blockBytes);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = message.length * 8;
  view.setUint32(padded.length - 8, Math.floor(bits / 0x1_0000_0000));
  view.setUint32(padded.length - 4, bits >>> 0);
  const state = core.initial.slice();
  for (let offset = 0; offset < padded.length; offset += blockBytes) {
    loadWords(padded, offset, core.schedule, core.blockWords);
    core.compress(state);
  }
  const out = new Uint8Array(core.stateWords * 4);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < core.stateWords; i++) outView.setInt32(i * 4, state[i]!);
  return out;
}

// The key block while keying: shared, since nothing re-enters the constructor while it runs; zeroed after.
const KEY_BYTES = /* @__PURE__ */ new Uint8Array(128);
const KEY_WORDS = /* @__PURE__ */ new Int32Array(32);

/** HMAC keyed once, then applied to 8-byte big-endian counters. */
export class HotpHmac {
  // The states after compressing K ^ ipad and K ^ opad: RFC 2104 with each hash's first block done.
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  private readonly state: Int32Array;

  constructor(
    private readonly core: ShaCore,
    key: Uint8Array,
  ) {
    const { blockWords, stateWords, initial, schedule } = core;
    // RFC 2104: the key, hashed first if longer than a block, zero-padded to a block.
    KEY_BYTES.set(key.length > blockWords * 4 ? digest(core, key) : key);
    loadWords(KEY_BYTES, 0, KEY_WORDS, blockWords);
    KEY_BYTES.fill(0);
    this.inner = initial.slice();
    this.outer = initial.slice();
    this.state = new Int32Array(stateWords);
    for (let i = 0; i < blockWords; i++) schedule[i] = KEY_WORDS[i]! ^ 0x36363636;
    core.compress(this.inner);
    for (let i = 0; i < blockWords; i++) schedule[i] = KEY_WORDS[i]! ^ 0x5c5c5c5c;
    core.compress(this.outer);
    KEY_WORDS.fill(0);
  }

  /**
   * The RFC 4226 §5.3 dynamic truncation of HMAC(key, counter): a 31-bit integer.
   * @param high - the counter's upper 32 bits.
   * @param low - the counter's lower 32 bits.
   */
  truncated(high: number, low: number): number {
    const { core, state } = this;
    const { blockWords, stateWords, schedule: w } = core;
    const last = blockWords - 1;
    // Inner hash, second block: counter, 0x80, zeros, bit length of (block + 8 bytes).
    state.set(this.inner);
    w[0] = high;
    w[1] = low;
    w[2] = 0x80000000;
    w.fill(0, 3, last);
    w[last] = (blockWords * 4 + 8) * 8;
    core.compress(state);
    // Outer hash, second block: inner digest, 0x80, zeros, bit length of (block + digest).
    w.set(state);
    w[stateWords] = 0x80000000;
    w.fill(0, stateWords + 1, last);
    w[last] = (blockWords + stateWords) * 32;
    state.set(this.outer);
    core.compress(state);
    // Dynamic truncation: offset = low nibble of the last byte; 4 bytes from there, top bit cleared.
    const offset = state[stateWords - 1]! & 0xf;
    const index = offset >> 2;
    const shift = (offset & 3) * 8;
    const word =
      shift === 0 ? state[index]! : (state[index]! << shift) | (state[index + 1]! >>> (32 - shift));
    return word & 0x7fffffff;
  }
}
