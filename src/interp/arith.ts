// 64-bit arithmetic on (hi, lo) int32 halves: the pieces the interpreter's loop does not
// inline. Results go to OUT[0] (lo) and OUT[1] (hi) so nothing is allocated on the common
// paths; division falls back to BigInt only when an operand does not fit in 32 bits.

export const OUT = new Int32Array(2);

/** High 32 bits of the unsigned 64-bit product a*b (a, b as uint32), via 16-bit limbs. */
export function mulhiu(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid1 = a1 * b0 + ((a0 * b0) >>> 16); // < 2^32
  const mid2 = a0 * b1 + (mid1 & 0xffff); // < 2^32
  return (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16)) | 0;
}

const toU64 = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const toS64 = (hi: number, lo: number): bigint => BigInt.asIntN(64, toU64(hi, lo));

function outBig(v: bigint): void {
  const u = BigInt.asUintN(64, v);
  OUT[0] = Number(u & 0xffffffffn) | 0;
  OUT[1] = Number(u >> 32n) | 0;
}

/** Unsigned 64-bit a / b with b != 0 (truncating). */
export function udiv64(ah: number, al: number, bh: number, bl: number): void {
  if (ah === 0 && bh === 0) {
    OUT[0] = Math.floor((al >>> 0) / (bl >>> 0)) | 0;
    OUT[1] = 0;
    return;
  }
  outBig(toU64(ah, al) / toU64(bh, bl));
}

/** Unsigned 64-bit a % b with b != 0. */
export function umod64(ah: number, al: number, bh: number, bl: number): void {
  if (ah === 0 && bh === 0) {
    OUT[0] = ((al >>> 0) % (bl >>> 0)) | 0;
    OUT[1] = 0;
    return;
  }
  outBig(toU64(ah, al) % toU64(bh, bl));
}

const fitsI32 = (hi: number, lo: number): boolean => hi === lo >> 31;

/** Signed 64-bit a / b, b ∉ {0, -1}: truncates toward zero (kernel div64_s64). */
export function sdiv64(ah: number, al: number, bh: number, bl: number): void {
  if (fitsI32(ah, al) && fitsI32(bh, bl)) {
    const q = Math.trunc(al / bl); // |q| <= 2^31 only for INT32_MIN / -1, excluded here
    OUT[0] = q | 0;
    OUT[1] = q < 0 ? -1 : 0;
    return;
  }
  outBig(toS64(ah, al) / toS64(bh, bl));
}

/** Signed 64-bit a % b, b ∉ {0, -1}: the remainder has the sign of the dividend. */
export function smod64(ah: number, al: number, bh: number, bl: number): void {
  if (fitsI32(ah, al) && fitsI32(bh, bl)) {
    const r = al % bl;
    OUT[0] = r | 0;
    OUT[1] = r < 0 ? -1 : 0;
    return;
  }
  outBig(toS64(ah, al) % toS64(bh, bl));
}

/** Byte-swap a 32-bit value. */
export const bswap32 = (x: number): number =>
  ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

/** Byte-swap the low 16 bits, zero-extended. */
export const bswap16 = (x: number): number => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);

/** (hi, lo) as an unsigned bigint. */
export const u64 = toU64;
/** (hi, lo) as a signed bigint. */
export const s64 = toS64;

/**
 * The value a BPF_ATOMIC read-modify-write stores, from the old memory value and src (hi, lo
 * halves; 32-bit forms pass hi = 0 and store only OUT[0]): add, or, and, xor as aluSem's ops
 * of those names, xchg (code 4) as its mov. src/bv/alu.ts is the one definition;
 * test/interp/atomic.test.ts checks this int32-halves form against it by fast-check.
 * `op`: the low 3 bits of the atomic's sub-code (0 add, 1 or, 2 and, 3 xor, 4 xchg).
 */
export function atomicRmw(op: number, oldLo: number, oldHi: number, srcLo: number, srcHi: number): void {
  switch (op) {
    case 0: {
      const lo = (oldLo + srcLo) | 0;
      OUT[0] = lo;
      OUT[1] = (oldHi + srcHi + ((lo >>> 0) < (oldLo >>> 0) ? 1 : 0)) | 0;
      return;
    }
    case 1: OUT[0] = oldLo | srcLo; OUT[1] = oldHi | srcHi; return;
    case 2: OUT[0] = oldLo & srcLo; OUT[1] = oldHi & srcHi; return;
    case 3: OUT[0] = oldLo ^ srcLo; OUT[1] = oldHi ^ srcHi; return;
    default: OUT[0] = srcLo; OUT[1] = srcHi;
  }
}
