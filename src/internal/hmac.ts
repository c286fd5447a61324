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
 *
 * SHA-512 in Node only: its compression on 32-bit halves costs JavaScript several times what OpenSSL pays, so
 * where Node's own `crypto` is at hand (found at run time through `process.getBuiltinModule`, never a `node:`
 * import, so the same build still runs in browsers, Deno and Bun, which keep the JavaScript path), the same
 * RFC 2104 blocks are hashed by one native one-shot `hash` each: K ^ ipad with the counter, then K ^ opad with
 * the inner digest, in two buffers filled once per key (see `bench/core.mjs` for what it pays).
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
  /** Node's name of the hash, set where HMACs take the native path when Node's `crypto` is at hand. */
  readonly nativeName?: string;
}

/** The part of Node's `crypto` module the native path uses (Node >= 20.12). */
export interface NativeCrypto {
  hash(algorithm: string, data: Uint8Array, outputEncoding: 'buffer'): Uint8Array;
}

/**
 * Node's `crypto` when running in Node (>= 20.16, where `process.getBuiltinModule` exists), else null:
 * browsers have no `process`, and Deno and Bun, which imitate it, are left on the JavaScript path.
 */
export function nodeCrypto(): NativeCrypto | null {
  const g = globalThis as {
    Deno?: unknown;
    Bun?: unknown;
    process?: { getBuiltinModule?: (id: string) => Partial<NativeCrypto> | undefined };
  };
  if (g.Deno !== undefined || g.Bun !== undefined) return null;
  const crypto = g.process?.getBuiltinModule?.('crypto');
  return typeof crypto?.hash === 'function' ? (crypto as NativeCrypto) : null;
}

const NODE_CRYPTO = /* @__PURE__ */ nodeCrypto();

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
  // Native path (SHA-512 in Node): K ^ ipad then room for the counter; K ^ opad then room for the inner digest.
  private readonly native: NativeCrypto | null;
  private readonly innerBlock: Uint8Array | undefined;
  private readonly outerBlock: Uint8Array | undefined;

  /**
   * @param native - Node's `crypto` for the native SHA-512 path, or null for JavaScript only; detected by
   *   default (the tests force each path).
   */
  constructor(
    private readonly core: ShaCore,
    key: Uint8Array,
    native: NativeCrypto | null = NODE_CRYPTO,
  ) {
    const { blockWords, stateWords, initial, schedule } = core;
    const blockBytes = blockWords * 4;
    this.state = new Int32Array(stateWords);
    if (native !== null && core.nativeName !== undefined) {
      const name = core.nativeName;
      // RFC 2104: the key, hashed first if longer than a block, zero-padded to a block.
      const long = key.length > blockBytes;
      const padded = long ? native.hash(name, key, 'buffer') : key;
      const innerBlock = new Uint8Array(blockBytes + 8).fill(0x36, 0, blockBytes);
      const outerBlock = new Uint8Array(blockBytes + stateWords * 4).fill(0x5c, 0, blockBytes);
      for (let i = 0; i < padded.length; i++) {
        innerBlock[i]! ^= padded[i]!;
        outerBlock[i]! ^= padded[i]!;
      }
      if (long) padded.fill(0);
      this.native = native;
      this.innerBlock = innerBlock;
      this.outerBlock = outerBlock;
      this.inner = this.outer = this.state;
      return;
    }
    this.native = null;
    this.innerBlock = this.outerBlock = undefined;
    // RFC 2104: the key, hashed first if longer than a block, zero-padded to a block.
    KEY_BYTES.set(key.length > blockBytes ? digest(core, key) : key);
    loadWords(KEY_BYTES, 0, KEY_WORDS, blockWords);
    KEY_BYTES.fill(0);
    this.inner = initial.slice();
    this.outer = initial.slice();
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
    const { native, innerBlock, outerBlock } = this;
    if (native !== null) return nativeTruncated(native, this.core, innerBlock!, outerBlock!, high, low);
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

/** `truncated` on the native path: two one-shot hashes over the per-key blocks, the counter written in place. */
function nativeTruncated(
  native: NativeCrypto,
  core: ShaCore,
  innerBlock: Uint8Array,
  outerBlock: Uint8Array,
  high: number,
  low: number,
): number {
  const at = core.blockWords * 4;
  innerBlock[at] = high >>> 24;
  innerBlock[at + 1] = high >>> 16;
  innerBlock[at + 2] = high >>> 8;
  innerBlock[at + 3] = high;
  innerBlock[at + 4] = low >>> 24;
  innerBlock[at + 5] = low >>> 16;
  innerBlock[at + 6] = low >>> 8;
  innerBlock[at + 7] = low;
  outerBlock.set(native.hash(core.nativeName!, innerBlock, 'buffer'), at);
  const mac = native.hash(core.nativeName!, outerBlock, 'buffer');
  // Dynamic truncation: offset = low nibble of the last byte; 4 bytes from there, top bit cleared.
  const offset = mac[mac.length - 1]! & 0xf;
  return (
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!
  );
}
