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
 * RFC 2104 messages are hashed by one native one-shot `hash` each: K ^ ipad with the counter, then K ^ opad
 * with the inner digest, in two shared buffers filled from the key per code and zeroed after; per code this
 * allocates only the two digest strings. In Node that is about 3x the JavaScript path (see `bench/core.mjs`).
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
  /**
   * Node's name of the hash, set where HOTP HMACs take the native path when Node's `crypto` is at hand: only
   * SHA-512 (the native path's blocks are sized for its 128-byte blocks and 64-byte digest).
   */
  readonly nativeName?: string;
}

/**
 * The part of Node's `crypto` module the native path uses (Node >= 20.12). Digests come back as 'binary'
 * (latin1) strings, one character per byte: about half the cost of a `Buffer` per call.
 */
export interface NativeCrypto {
  hash(algorithm: string, data: Uint8Array, outputEncoding: 'binary'): string;
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
  try {
    const crypto = g.process?.getBuiltinModule?.('crypto');
    return typeof crypto?.hash === 'function' ? (crypto as NativeCrypto) : null;
  } catch {
    // A Node built without crypto throws here: the JavaScript path does it all.
    return null;
  }
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
  const bits = message.length * 8;
  storeWord(padded, padded.length - 8, Math.floor(bits / 0x1_0000_0000));
  storeWord(padded, padded.length - 4, bits);
  const state = core.initial.slice();
  for (let offset = 0; offset < padded.length; offset += blockBytes) {
    loadWords(padded, offset, core.schedule, core.blockWords);
    core.compress(state);
  }
  const out = new Uint8Array(core.stateWords * 4);
  for (let i = 0; i < core.stateWords; i++) storeWord(out, i * 4, state[i]!);
  return out;
}

/**
 * Stores the low 32 bits of `word` big-endian at `offset`. By hand, not through a `DataView`: making one
 * costs Node 20 about a microsecond, as much as a whole compression (this runs per step-up proof).
 */
function storeWord(bytes: Uint8Array, offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = word >>> 16;
  bytes[offset + 2] = word >>> 8;
  bytes[offset + 3] = word;
}

// The key block while keying: shared, since nothing re-enters the constructor while it runs; zeroed after.
const KEY_BYTES = /* @__PURE__ */ new Uint8Array(128);
const KEY_WORDS = /* @__PURE__ */ new Int32Array(32);
// The native path's two messages, K ^ ipad || counter and K ^ opad || inner digest, sized for SHA-512 (the one
// core with a `nativeName`): shared, filled per code and zeroed after, since allocating two typed arrays per
// key costs about as much as one native hash.
const NATIVE_INNER = /* @__PURE__ */ new Uint8Array(128 + 8);
const NATIVE_OUTER = /* @__PURE__ */ new Uint8Array(128 + 64);
const NO_STATE = /* @__PURE__ */ new Int32Array(0);

/**
 * The shared buffers that hold key material while a key is prepared or a native code computed, and must be
 * all zero between calls (the native inner message's last 8 bytes, the counter, excepted): for the tests,
 * which cannot otherwise see that keys are wiped.
 */
export const SCRATCH: readonly (Uint8Array | Int32Array)[] = [
  KEY_BYTES,
  KEY_WORDS,
  NATIVE_INNER,
  NATIVE_OUTER,
];
const NO_KEY = /* @__PURE__ */ new Uint8Array(0);

/** HMAC keyed once, then applied to 8-byte big-endian counters. */
export class HotpHmac {
  // The states after compressing K ^ ipad and K ^ opad: RFC 2104 with each hash's first block done.
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  private readonly state: Int32Array;
  // Native path (SHA-512 in Node): Node's crypto and the key (hashed first if longer than a block), not copied:
  // like every HotpHmac, it lives only for the synchronous generate or verify call that made it.
  private readonly native: NativeCrypto | null;
  private readonly key: Uint8Array;

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
    if (native !== null && core.nativeName !== undefined) {
      this.native = native;
      // RFC 2104: the key, hashed first if longer than a block (zero-padded to a block per code).
      this.key = key.length > blockBytes ? latin1Bytes(native.hash(core.nativeName, key, 'binary')) : key;
      this.inner = this.outer = this.state = NO_STATE;
      return;
    }
    this.native = null;
    this.key = NO_KEY;
    // RFC 2104: the key, hashed first if longer than a block, zero-padded to a block.
    KEY_BYTES.set(key.length > blockBytes ? digest(core, key) : key);
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
    if (this.native !== null) return nativeTruncated(this.native, this.core.nativeName!, this.key, high, low);
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

/** `truncated` on the native path: RFC 2104's two hashes, each one native one-shot hash of a shared block. */
function nativeTruncated(
  native: NativeCrypto,
  name: string,
  key: Uint8Array,
  high: number,
  low: number,
): number {
  const inner = NATIVE_INNER;
  const outer = NATIVE_OUTER;
  inner.fill(0x36, 0, 128);
  outer.fill(0x5c, 0, 128);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  inner[128] = high >>> 24;
  inner[129] = high >>> 16;
  inner[130] = high >>> 8;
  inner[131] = high;
  inner[132] = low >>> 24;
  inner[133] = low >>> 16;
  inner[134] = low >>> 8;
  inner[135] = low;
  const innerDigest = native.hash(name, inner, 'binary');
  for (let i = 0; i < 64; i++) outer[128 + i] = innerDigest.charCodeAt(i);
  const mac = native.hash(name, outer, 'binary');
  inner.fill(0, 0, 128);
  outer.fill(0);
  // Dynamic truncation: offset = low nibble of the last byte; 4 bytes from there, top bit cleared.
  const offset = mac.charCodeAt(63) & 0xf;
  return (
    ((mac.charCodeAt(offset) & 0x7f) << 24) |
    (mac.charCodeAt(offset + 1) << 16) |
    (mac.charCodeAt(offset + 2) << 8) |
    mac.charCodeAt(offset + 3)
  );
}

/** The bytes of a latin1 string (one byte per character). */
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
