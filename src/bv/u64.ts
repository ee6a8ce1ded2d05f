// 64-bit arithmetic on two int32 halves (hi, lo), no allocation: each function takes the halves
// as plain numbers and leaves its result in OUT[0] (hi) and OUT[1] (lo). The fixed-width
// backend (fixed.ts) stores values in an arena; this module is only the arithmetic, so that a
// different storage (the pair-object candidate of bench/bv-repr.ts) runs the same code.
//
// Halves are kept as int32 (`| 0`) rather than uint32: V8 keeps int32 in registers and typed
// arrays without boxing, while uint32 above 2^31 becomes a heap number in many places.

/** Result halves of the last operation: [hi, lo] as int32. */
export const OUT = new Int32Array(2);

const TWO32 = 4294967296;

export function add64(ah: number, al: number, bh: number, bl: number): void {
  const s = (al >>> 0) + (bl >>> 0);
  OUT[1] = s | 0;
  OUT[0] = (ah + bh + (s >= TWO32 ? 1 : 0)) | 0;
}

export function sub64(ah: number, al: number, bh: number, bl: number): void {
  const s = (al >>> 0) - (bl >>> 0);
  OUT[1] = s | 0;
  OUT[0] = (ah - bh - (s < 0 ? 1 : 0)) | 0;
}

/** High 32 bits of the 64-bit product of two uint32 (as int32); the low half is Math.imul(a, b). */
export function mulhi32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

export function mul64(ah: number, al: number, bh: number, bl: number): void {
  const hi = mulhi32(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl);
  OUT[1] = Math.imul(al, bl);
  OUT[0] = hi | 0;
}

/** Shift left by 0 <= n (n >= 64 gives 0). */
export function shl64(h: number, l: number, n: number): void {
  if (n >= 64) { OUT[0] = 0; OUT[1] = 0; }
  else if (n >= 32) { OUT[0] = l << (n - 32); OUT[1] = 0; }
  else if (n === 0) { OUT[0] = h; OUT[1] = l; }
  else { OUT[0] = (h << n) | (l >>> (32 - n)); OUT[1] = l << n; }
}

export function lshr64(h: number, l: number, n: number): void {
  if (n >= 64) { OUT[0] = 0; OUT[1] = 0; }
  else if (n >= 32) { OUT[0] = 0; OUT[1] = h >>> (n - 32); }
  else if (n === 0) { OUT[0] = h; OUT[1] = l; }
  else { OUT[0] = h >>> n; OUT[1] = (l >>> n) | (h << (32 - n)); }
}

/** Arithmetic shift right; n >= 64 fills with the sign. */
export function ashr64(h: number, l: number, n: number): void {
  if (n >= 63) { OUT[0] = h >> 31; OUT[1] = h >> 31; }
  else if (n >= 32) { OUT[0] = h >> 31; OUT[1] = h >> (n - 32); }
  else if (n === 0) { OUT[0] = h; OUT[1] = l; }
  else { OUT[0] = h >> n; OUT[1] = (l >>> n) | (h << (32 - n)); }
}

export const ult64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah === bh ? al >>> 0 < bl >>> 0 : ah >>> 0 < bh >>> 0;

export const slt64 = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah === bh ? al >>> 0 < bl >>> 0 : ah < bh;

/**
 * check_mul_overflow on u64: the true product of the unsigned readings is >= 2^64. With both high
 * halves set it always is; with neither it never is; otherwise a·b = (h·b)·2^32 + l·b with one
 * 32-bit factor b, and the product overflows when h·b plus the carry of l·b reaches 2^32.
 */
export function umulOverflows64(ah: number, al: number, bh: number, bl: number): boolean {
  if (ah !== 0 && bh !== 0) return true;
  if (ah === 0 && bh === 0) return false;
  const h = ah !== 0 ? ah : bh, l = ah !== 0 ? al : bl, b = ah !== 0 ? bl : al;
  if (mulhi32(h, b) !== 0) return true;
  return (Math.imul(h, b) >>> 0) + (mulhi32(l, b) >>> 0) >= TWO32;
}

/** The 64-bit pattern of a bigint (taken modulo 2^64) into OUT. */
const dv = new DataView(new ArrayBuffer(8));
export function fromBig(x: bigint): void {
  dv.setBigUint64(0, BigInt.asUintN(64, x));
  OUT[0] = dv.getInt32(0);
  OUT[1] = dv.getInt32(4);
}

/** The unsigned bigint of two halves. */
export function toBig(h: number, l: number): bigint {
  dv.setInt32(0, h);
  dv.setInt32(4, l);
  return dv.getBigUint64(0);
}
