/**
 * The SHA-2 constants of FIPS 180-4, computed from their definition rather than copied as 176 hex words:
 * exact integer roots with `bigint`, once, when the module loads (well under a millisecond). The tests
 * compare them with the published values and every hash with `@noble/hashes` and `node:crypto`.
 * @module
 */

/** The first `count` primes. */
function primes(count: number): bigint[] {
  const out: bigint[] = [];
  for (let n = 2n; out.length < count; n++) if (out.every((p) => n % p !== 0n)) out.push(n);
  return out;
}

/** floor(x^(1/k)), by Newton's method from a floating-point guess just above the root. */
function integerRoot(x: bigint, k: bigint): bigint {
  let root = BigInt(Math.ceil(Number(x) ** (1 / Number(k)) * (1 + 1e-9)));
  for (;;) {
    const next = ((k - 1n) * root + x / root ** (k - 1n)) / k;
    if (next >= root) return root;
    root = next;
  }
}

/** 64-bit words as 32-bit halves, high then low: the layout of every SHA-512 word here. */
function halves(words: bigint[]): Int32Array {
  const out = new Int32Array(words.length * 2);
  words.forEach((word, i) => {
    out[2 * i] = Number((word >> 32n) & 0xffff_ffffn) | 0;
    out[2 * i + 1] = Number(word & 0xffff_ffffn) | 0;
  });
  return out;
}

const MASK_64 = 0xffff_ffff_ffff_ffffn;

/**
 * FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots of the first 80 primes
 * (SHA-512's K), as high/low halves. SHA-256's K (§4.2.2) are the high halves of the first 64.
 */
export const K64: Int32Array = /* @__PURE__ */ halves(
  /* @__PURE__ */ primes(80).map((p) => integerRoot(p << 192n, 3n) & MASK_64),
);

/**
 * FIPS 180-4 §5.3.5: the first 64 bits of the fractional parts of the square roots of the first 8 primes
 * (SHA-512's initial hash value H(0)), as high/low halves. SHA-256's H(0) (§5.3.3) are the high halves.
 */
export const H64: Int32Array = /* @__PURE__ */ halves(
  /* @__PURE__ */ primes(8).map((p) => integerRoot(p << 128n, 2n) & MASK_64),
);
