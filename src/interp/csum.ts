// Internet-checksum primitives exactly as Linux computes them on x86_64
// (arch/x86/lib/csum-partial_64.c, arch/x86/include/asm/checksum_64.h, include/net/checksum.h).
// The exact 32-bit partial sums matter: bpf_csum_diff returns one to the program.
// All values are unsigned numbers (u16 / u32); csum_partial uses BigInt (helpers are rare).

const M64 = (1n << 64n) - 1n;

/** The x86 add/adc chain: s += w[0]; s += w[1] + CF; ...; s += CF. */
function adcChain(s: bigint, words: readonly bigint[]): bigint {
  let carry = 0n;
  for (const w of words) {
    const t = s + w + carry;
    carry = t >> 64n;
    s = t & M64;
  }
  return (s + carry) & M64;
}

function le64(b: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}

/** csum_finalize_sum: (t + ror64(t, 32)) >> 32, i.e. hi + lo + carry(lo + hi) mod 2^32. */
function finalize(t: bigint): number {
  const ror = ((t >> 32n) | (t << 32n)) & M64;
  return Number(((t + ror) & M64) >> 32n);
}

/** csum_partial(buff, len, sum) on x86_64: 64-bit ones'-complement accumulation, folded to 32. */
export function csumPartial(b: Uint8Array, at: number, len: number, sum: number): number {
  let t = BigInt(sum >>> 0);
  let p = at;
  const words = (n: number): bigint[] => {
    const ws: bigint[] = [];
    for (let i = 0; i < n; i++) ws.push(le64(b, p + 8 * i));
    return ws;
  };
  if (len >= 80) {
    let t2 = 0n;
    do {
      t = adcChain(t, words(5));
      p += 40;
      t2 = adcChain(t2, words(5));
      p += 40;
      len -= 80;
    } while (len >= 80);
    t = adcChain(t, [t2]);
  }
  if (len >= 40) {
    t = adcChain(t, words(5));
    len -= 40;
    if (len === 0) return finalize(t);
    p += 40;
  }
  if (len & 32) { t = adcChain(t, words(4)); p += 32; }
  if (len & 16) { t = adcChain(t, words(2)); p += 16; }
  if (len & 8) { t = adcChain(t, words(1)); p += 8; }
  if (len & 7) {
    let trail = 0n;
    for (let i = (len & 7) - 1; i >= 0; i--) trail = (trail << 8n) | BigInt(b[p + i]);
    t = adcChain(t, [trail]);
  }
  return finalize(t);
}

/** add32_with_carry: a + b with the carry folded back in. */
export function csumAdd(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return (s > 0xffffffff ? s - 0xffffffff : s) >>> 0;
}

/** csum_sub(a, b) = csum_add(a, ~b). */
export const csumSub = (a: number, b: number): number => csumAdd(a, ~b >>> 0);

/** x86 csum_fold: add the halves with end-around carry, invert, keep 16 bits. */
export function csumFold(sum: number): number {
  const s = sum >>> 0;
  let r = ((s & 0xffff0000) >>> 0) + ((s << 16) >>> 0);
  const c = r > 0xffffffff ? 1 : 0;
  r = ((r >>> 0) + 0xffff + c) >>> 0;
  return (~r >>> 16) & 0xffff;
}

/** csum_replace_by_diff: new field = fold(add(diff, ~unfold(old))). */
export const csumReplaceByDiff = (sum16: number, diff: number): number =>
  csumFold(csumAdd(diff >>> 0, ~(sum16 & 0xffff) >>> 0));

/** csum_replace4(sum, from, to). */
export function csumReplace4(sum16: number, from: number, to: number): number {
  const tmp = csumSub(~(sum16 & 0xffff) >>> 0, from >>> 0);
  return csumFold(csumAdd(tmp, to >>> 0));
}

/** csum16_add: 16-bit add with end-around carry. */
function csum16Add(c: number, a: number): number {
  const res = (c + a) & 0xffff;
  return (res + (res < a ? 1 : 0)) & 0xffff;
}

/** csum_replace2 (RFC 1624): HC' = ~(~HC + ~m + m'). */
export function csumReplace2(sum16: number, from: number, to: number): number {
  const sub = csum16Add(~sum16 & 0xffff, ~from & 0xffff);
  return ~csum16Add(sub, to & 0xffff) & 0xffff;
}

/**
 * bpf_csum_diff as Linux 6.18 computes it (measured against the running kernel):
 *   from and to: csum_sub(csum_partial(to, seed), csum_partial(from, 0))
 *   to only:     csum_partial(to, seed)
 *   otherwise:   ~csum_partial(from, ~seed)
 * folded to 16 bits with the end-around carry. (6.12 summed ~from and to in one csum_partial and
 * returned the 32-bit sum; the two differ in which of 0x0000/0xffff stands for zero.)
 */
export function csumDiff(from: Uint8Array, to: Uint8Array, seed: number): number {
  let sum: number;
  if (from.length && to.length) sum = csumSub(csumPartial(to, 0, to.length, seed >>> 0), csumPartial(from, 0, from.length, 0));
  else if (to.length) sum = csumPartial(to, 0, to.length, seed >>> 0);
  else sum = ~csumPartial(from, 0, from.length, ~seed >>> 0) >>> 0;
  return from32to16(sum >>> 0);
}

/** Fold a 32-bit sum to 16 bits: (x >> 16) + (x & 0xffff), plus the carry. */
export function from32to16(x: number): number {
  x = (x & 0xffff) + (x >>> 16);
  return (x & 0xffff) + (x >>> 16);
}
