// tnum: tracked (tristate) numbers, the kernel's bit-level abstract domain (kernel/bpf/tnum.c,
// Linux 6.18 semantics), written once over the Bits<V, B> interface so that the same code runs
// with the concrete backend (bigints) and is proved with the Z3 backend (proofs/tnum.ts).
//
// A tnum is (value, mask) with value & mask == 0; bit i is unknown when mask bit i is set, else
// it equals value bit i. Concretisation: x ∈ γ(t) ⇔ (x & ~mask) == value.
//
// Shift amounts and byte sizes are plain numbers, as the kernel's u8 arguments are: they are
// always constants where the verifier calls these operators.
import type { Bits } from '../bv/bits.ts';

export interface Tnum<V> {
  readonly value: V;
  readonly mask: V;
}

// ---------------------------------------------------------------------------------------------
// Constructors and membership

/** Known constant: (v; 0). */
export function tnumConst<V, B>(_bv: Bits<V, B>, v: V): Tnum<V> {
  return { value: v, mask: _bv.zero };
}

/** Fully unknown: (0; ~0). */
export function tnumUnknown<V, B>(bv: Bits<V, B>): Tnum<V> {
  return { value: bv.zero, mask: bv.ones };
}

/** Copy every bit below the highest set bit: smear(0b0100_1000) = 0b0111_1111. Equals 2^fls(x) - 1. */
export function smearRight<V, B>(bv: Bits<V, B>, x: V): V {
  for (let s = 1; s < bv.width; s *= 2) x = bv.or(x, bv.lshrN(x, s));
  return x;
}

/** Population count, branch-free (sum of bits); result as a V. */
export function popcount<V, B>(bv: Bits<V, B>, x: V): V {
  let n = bv.zero;
  for (let i = 0; i < bv.width; i++) n = bv.add(n, bv.and(bv.lshrN(x, i), bv.one));
  return n;
}

/** fls: 1-based index of the highest set bit, 0 for 0 (the kernel's fls64), = popcount(smear(x)). */
export function fls<V, B>(bv: Bits<V, B>, x: V): V {
  return popcount(bv, smearRight(bv, x));
}

/**
 * tnum_range(min, max): the bits above the highest differing bit are known (taken from min),
 * the rest unknown. delta = 2^fls(min ^ max) - 1 = smear(min ^ max); when fls = width the kernel
 * returns unknown, which is what (min & ~ones; ones) is, so no special case is needed.
 */
export function tnumRange<V, B>(bv: Bits<V, B>, min: V, max: V): Tnum<V> {
  const delta = smearRight(bv, bv.xor(min, max));
  return { value: bv.and(min, bv.not(delta)), mask: delta };
}

/** x ∈ γ(t) ⇔ (x & ~t.mask) == t.value. */
export function tnumContains<V, B>(bv: Bits<V, B>, t: Tnum<V>, x: V): B {
  return bv.eq(bv.and(x, bv.not(t.mask)), t.value);
}

/** Well-formed: value & mask == 0. */
export function tnumWellFormed<V, B>(bv: Bits<V, B>, t: Tnum<V>): B {
  return bv.eq(bv.and(t.value, t.mask), bv.zero);
}

/** Same tnum (both fields equal). */
export function tnumEq<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): B {
  return bv.andB(bv.eq(a.value, b.value), bv.eq(a.mask, b.mask));
}

/** Component-wise if-then-else on tnums. */
export function tnumIte<V, B>(bv: Bits<V, B>, c: B, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  return { value: bv.ite(c, a.value, b.value), mask: bv.ite(c, a.mask, b.mask) };
}

// ---------------------------------------------------------------------------------------------
// Predicates

/** tnum_is_const: mask == 0. */
export function tnumIsConst<V, B>(bv: Bits<V, B>, a: Tnum<V>): B {
  return bv.eq(a.mask, bv.zero);
}

/** tnum_equals_const: a is the constant b. */
export function tnumEqualsConst<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: V): B {
  return bv.andB(tnumIsConst(bv, a), bv.eq(a.value, b));
}

/** tnum_is_unknown: every bit unknown. */
export function tnumIsUnknown<V, B>(bv: Bits<V, B>, a: Tnum<V>): B {
  return bv.eq(a.mask, bv.ones);
}

/** tnum_is_aligned: every member is a multiple of size (a power of two); size 0 → true. */
export function tnumIsAligned<V, B>(bv: Bits<V, B>, a: Tnum<V>, size: bigint | number): B {
  if (BigInt(size) === 0n) return bv.T;
  const low = bv.sub(bv.c(size), bv.one);
  return bv.eq(bv.and(bv.or(a.value, a.mask), low), bv.zero);
}

/** tnum_in(a, b): γ(b) ⊆ γ(a) — b's unknown bits are unknown in a, and known bits agree. */
export function tnumIn<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): B {
  const maskOk = bv.eq(bv.and(b.mask, bv.not(a.mask)), bv.zero);
  return bv.andB(maskOk, bv.eq(bv.and(b.value, bv.not(a.mask)), a.value));
}

/** tnum_overlap: the bits known in both agree (γ(a) ∩ γ(b) ≠ ∅ for well-formed inputs). */
export function tnumOverlap<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): B {
  const mu = bv.and(bv.not(a.mask), bv.not(b.mask));
  return bv.eq(bv.and(a.value, mu), bv.and(b.value, mu));
}

// ---------------------------------------------------------------------------------------------
// Shifts (by constant amounts)

/** tnum_lshift: both fields shifted left; vacated bits known 0. */
export function tnumLshift<V, B>(bv: Bits<V, B>, a: Tnum<V>, shift: number): Tnum<V> {
  return { value: bv.shlN(a.value, shift), mask: bv.shlN(a.mask, shift) };
}

/** tnum_rshift: both fields shifted right logically; vacated bits known 0. */
export function tnumRshift<V, B>(bv: Bits<V, B>, a: Tnum<V>, shift: number): Tnum<V> {
  return { value: bv.lshrN(a.value, shift), mask: bv.lshrN(a.mask, shift) };
}

/**
 * tnum_arshift(a, min_shift, insn_bitness): both fields shifted right arithmetically, so an
 * unknown sign bit smears unknown and a known one smears itself. With bitness 32 on a wider
 * ring the low 32 bits are shifted as s32 and the result is zero-extended, as in the kernel.
 */
export function tnumArshift<V, B>(bv: Bits<V, B>, a: Tnum<V>, minShift: number, insnBitness: number = bv.width): Tnum<V> {
  if (insnBitness > bv.width) throw new RangeError(`tnumArshift: bitness ${insnBitness} > width ${bv.width}`);
  if (insnBitness === bv.width) return { value: bv.ashrN(a.value, minShift), mask: bv.ashrN(a.mask, minShift) };
  const up = bv.width - insnBitness;
  const low = bv.c((1n << BigInt(insnBitness)) - 1n);
  // (u32)((s32)x >> s): move the sub-word to the top, shift back arithmetically, keep the low part.
  const sub = (x: V): V => bv.and(bv.ashrN(bv.shlN(x, up), up + Math.min(minShift, insnBitness - 1)), low);
  return { value: sub(a.value), mask: sub(a.mask) };
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

/**
 * tnum_add: sv = a.v + b.v is the sum with all unknowns 0, sv + (a.m + b.m) the sum with all 1;
 * the bits where they differ (chi) are where carries may vary; unknown = chi | a.m | b.m.
 */
export function tnumAdd<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const sm = bv.add(a.mask, b.mask);
  const sv = bv.add(a.value, b.value);
  const chi = bv.xor(bv.add(sm, sv), sv);
  const mu = bv.or(chi, bv.or(a.mask, b.mask));
  return { value: bv.and(sv, bv.not(mu)), mask: mu };
}

/**
 * tnum_sub: dv = a.v - b.v; the extremes dv + a.m (a's unknowns 1, b's 0) and dv - b.m differ
 * exactly where borrows may vary; unknown = that xor | a.m | b.m.
 */
export function tnumSub<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const dv = bv.sub(a.value, b.value);
  const chi = bv.xor(bv.add(dv, a.mask), bv.sub(dv, b.mask));
  const mu = bv.or(chi, bv.or(a.mask, b.mask));
  return { value: bv.and(dv, bv.not(mu)), mask: mu };
}

/** tnum_neg: 0 - a. */
export function tnumNeg<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return tnumSub(bv, tnumConst(bv, bv.zero), a);
}

/** tnum_and: known 1 where both known 1; possibly 1 where both possibly 1. */
export function tnumAnd<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const alpha = bv.or(a.value, a.mask);
  const beta = bv.or(b.value, b.mask);
  const v = bv.and(a.value, b.value);
  return { value: v, mask: bv.and(bv.and(alpha, beta), bv.not(v)) };
}

/** tnum_or: known 1 where either known 1; unknown where either unknown and not known 1. */
export function tnumOr<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const v = bv.or(a.value, b.value);
  return { value: v, mask: bv.and(bv.or(a.mask, b.mask), bv.not(v)) };
}

/** tnum_xor: unknown where either unknown; else value xor. */
export function tnumXor<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const mu = bv.or(a.mask, b.mask);
  return { value: bv.and(bv.xor(a.value, b.value), bv.not(mu)), mask: mu };
}

// ---------------------------------------------------------------------------------------------
// Lattice operations

/**
 * tnum_intersect: γ(a) ∩ γ(b) for overlapping inputs — known where either is known. If a and b
 * disagree on a known bit the result has a known 1 there (the kernel's documented behaviour).
 */
export function tnumIntersect<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const v = bv.or(a.value, b.value);
  const mu = bv.and(a.mask, b.mask);
  return { value: bv.and(v, bv.not(mu)), mask: mu };
}

/** tnum_union (6.18): smallest tnum ⊇ γ(a) ∪ γ(b) — unknown where either is unknown or they differ. */
export function tnumUnion<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const v = bv.and(a.value, b.value);
  const mu = bv.or(bv.xor(a.value, b.value), bv.or(a.mask, b.mask));
  return { value: bv.and(v, bv.not(mu)), mask: mu };
}

// ---------------------------------------------------------------------------------------------
// Multiplication

/** State of a shift-and-add tnum multiplication loop. */
export interface MulState<V> {
  readonly acc: Tnum<V>;
  /** Multiplier, shifted right one bit per step. */
  readonly a: Tnum<V>;
  /** Multiplicand, shifted left one bit per step. */
  readonly b: Tnum<V>;
}

/**
 * One step of the 6.18 tnum_mul: a's low bit known 1 → acc + b; unknown → union(acc, acc + b)
 * (the two cases bit = 0 and bit = 1); known 0 → acc. Then a >>= 1, b <<= 1.
 */
export function tnumMulStep<V, B>(bv: Bits<V, B>, s: MulState<V>): MulState<V> {
  const sum = tnumAdd(bv, s.acc, s.b);
  const either = tnumUnion(bv, s.acc, sum);
  const acc = tnumIte(bv, bv.bit(s.a.value, 0), sum, tnumIte(bv, bv.bit(s.a.mask, 0), either, s.acc));
  return { acc, a: tnumRshift(bv, s.a, 1), b: tnumLshift(bv, s.b, 1) };
}

/**
 * Run `step` `width` times from `init`. The concrete run stops as soon as the multiplier is the
 * constant 0: from then on every step sees a known-0 low bit, leaves acc unchanged and keeps the
 * multiplier 0, so the remaining steps are the identity on acc (this is the kernel's loop exit).
 */
export function runMulLoop<V, B, S extends { readonly a: Tnum<V> }>(bv: Bits<V, B>, init: S, step: (bv: Bits<V, B>, s: S) => S): S {
  let s = init;
  for (let i = 0; i < bv.width; i++) {
    if (bv.knownB(mulLoopDone(bv, s.a)) === true) break;
    s = step(bv, s);
  }
  return s;
}

/** The loop's exit test, the kernel's `while (a.value || a.mask)` negated (proved in proofs/tnum-mul.ts). */
export function mulLoopDone<V, B>(bv: Bits<V, B>, a: Tnum<V>): B {
  return bv.eq(bv.or(a.value, a.mask), bv.zero);
}

/**
 * A ring that runs tnum_mul as one native operation: the recording backend (src/bv/trace.ts, via
 * src/domains/compiled.ts) calls code compiled from tnumMulStep, driven with runMulLoop's exit,
 * because the loop unrolled to 64 steps is too long for V8 to optimise. Same result.
 */
export interface TnumMulNative<V> {
  tnumMulNative?: (a: Tnum<V>, b: Tnum<V>) => Tnum<V>;
}

/** tnum_mul as in Linux 6.18 (Edamana, 2025): shift-and-add with a union for unknown multiplier bits. */
export function tnumMul<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const native = (bv as TnumMulNative<V>).tnumMulNative;
  if (native) return native(a, b);
  const init: MulState<V> = { acc: tnumConst(bv, bv.zero), a, b };
  return runMulLoop(bv, init, tnumMulStep).acc;
}

/** State of the CGO'22 loop: accM accumulates the mask contributions only. */
export interface MulCgo22State<V> {
  readonly accM: Tnum<V>;
  readonly a: Tnum<V>;
  readonly b: Tnum<V>;
}

/**
 * One step of the CGO'22 multiplication (the kernel's tnum_mul from 5.13 to 6.17): a's low bit
 * known 1 → accM += (0; b.m); unknown → accM += (0; b.v | b.m); known 0 → nothing.
 */
export function tnumMulCgo22Step<V, B>(bv: Bits<V, B>, s: MulCgo22State<V>): MulCgo22State<V> {
  const ifOne = tnumAdd(bv, s.accM, { value: bv.zero, mask: s.b.mask });
  const ifUnknown = tnumAdd(bv, s.accM, { value: bv.zero, mask: bv.or(s.b.value, s.b.mask) });
  const accM = tnumIte(bv, bv.bit(s.a.value, 0), ifOne, tnumIte(bv, bv.bit(s.a.mask, 0), ifUnknown, s.accM));
  return { accM, a: tnumRshift(bv, s.a, 1), b: tnumLshift(bv, s.b, 1) };
}

/** CGO'22 tnum multiplication (Vishwanathan et al.): a.v·b.v exactly, plus the accumulated mask sums. */
export function tnumMulCgo22<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const init: MulCgo22State<V> = { accM: tnumConst(bv, bv.zero), a, b };
  const { accM } = runMulLoop(bv, init, tnumMulCgo22Step);
  return tnumAdd(bv, tnumConst(bv, bv.mul(a.value, b.value)), accM);
}

/**
 * The kernel's tnum_mul before 5.13 ("half multiply accumulate", kept for the precision study):
 * a.v·b.v, then for each unknown bit of a add (0; (b.v|b.m) << i), then for each known-1 bit of
 * a.v add (0; b.m << i).
 */
export function tnumMulLegacy<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const hma = (acc: Tnum<V>, value: V, mask: V): Tnum<V> => {
    for (let i = 0; i < bv.width; i++) {
      const added = tnumAdd(bv, acc, { value: bv.zero, mask: bv.shlN(value, i) });
      acc = tnumIte(bv, bv.bit(mask, i), added, acc);
    }
    return acc;
  };
  const acc = hma(tnumConst(bv, bv.mul(a.value, b.value)), bv.or(b.mask, b.value), a.mask);
  return hma(acc, b.mask, a.value);
}

// ---------------------------------------------------------------------------------------------
// Sizes, sub-registers and byte swaps

/** Low `bits` bits set. */
function lowMask<V, B>(bv: Bits<V, B>, bits: number): V {
  return bits >= bv.width ? bv.ones : bv.c((1n << BigInt(bits)) - 1n);
}

/**
 * tnum_cast(a, size): keep the low size bytes of both fields. size·8 ≥ width keeps everything
 * (the kernel only calls it with size < 8; at 8 its `(1ULL << 64) - 1` would be undefined).
 */
export function tnumCast<V, B>(bv: Bits<V, B>, a: Tnum<V>, size: number): Tnum<V> {
  const m = lowMask(bv, size * 8);
  return { value: bv.and(a.value, m), mask: bv.and(a.mask, m) };
}

/** tnum_subreg: the low 32 bits. */
export function tnumSubreg<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return tnumCast(bv, a, 4);
}

/** tnum_clear_subreg: the low 32 bits made known 0. */
export function tnumClearSubreg<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return tnumLshift(bv, tnumRshift(bv, a, 32), 32);
}

/** tnum_with_subreg: reg's high 32 bits with subreg's low 32 bits. */
export function tnumWithSubreg<V, B>(bv: Bits<V, B>, reg: Tnum<V>, subreg: Tnum<V>): Tnum<V> {
  return tnumOr(bv, tnumClearSubreg(bv, reg), tnumSubreg(bv, subreg));
}

/** tnum_const_subreg: the low 32 bits set to the constant value (its low 32 bits). */
export function tnumConstSubreg<V, B>(bv: Bits<V, B>, a: Tnum<V>, value: V): Tnum<V> {
  return tnumWithSubreg(bv, a, tnumConst(bv, value));
}

/** tnum_subreg_is_const: the low 32 bits are known. */
export function tnumSubregIsConst<V, B>(bv: Bits<V, B>, a: Tnum<V>): B {
  return tnumIsConst(bv, tnumSubreg(bv, a));
}

/** Reverse the bytes of the low `bits` bits of x, clearing the rest (swab16/32/64 of the truncation). */
function swab<V, B>(bv: Bits<V, B>, x: V, bits: number): V {
  if (bits > bv.width || bits % 8 !== 0) throw new RangeError(`bswap${bits} needs width ≥ ${bits} (width ${bv.width})`);
  const n = bits / 8;
  const byte = bv.c(0xff);
  let out = bv.zero;
  for (let k = 0; k < n; k++) out = bv.or(out, bv.shlN(bv.and(bv.lshrN(x, 8 * k), byte), 8 * (n - 1 - k)));
  return out;
}

/** tnum_bswap16: swap the two low bytes of both fields, upper bits known 0. */
export function tnumBswap16<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return { value: swab(bv, a.value, 16), mask: swab(bv, a.mask, 16) };
}

/** tnum_bswap32: reverse the four low bytes of both fields, upper bits known 0. */
export function tnumBswap32<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return { value: swab(bv, a.value, 32), mask: swab(bv, a.mask, 32) };
}

/** tnum_bswap64: reverse all eight bytes of both fields. */
export function tnumBswap64<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return { value: swab(bv, a.value, 64), mask: swab(bv, a.mask, 64) };
}
