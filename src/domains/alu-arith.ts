// Range parts of the kernel's scalar{32,}_min_max_{add,sub,mul} (kernel/bpf/verifier.c).
// The 32- and 64-bit variants are the same code over a ring: `Bounds` is one half of a state.
import type { Bits } from '../bv/bits.ts';
import { type ScalarState, type D, type KernelFlavor, sminOf, smaxOf, xorB, sMin, sMax } from './scalar.ts';

/** One ring's four bounds. */
export interface Bounds<V> {
  readonly umin: V;
  readonly umax: V;
  readonly smin: V;
  readonly smax: V;
}

export const bounds64 = <V>(s: ScalarState<V>): Bounds<V> => ({ umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax });
export const bounds32 = <V>(s: ScalarState<V>): Bounds<V> => ({ umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max });
// (field by field, not `{ ...s, umin: ... }`: one V8 map for every scalar, see markUnbounded)
export const with64 = <V>(s: ScalarState<V>, b: Bounds<V>): ScalarState<V> =>
  ({ varOff: s.varOff, umin: b.umin, umax: b.umax, smin: b.smin, smax: b.smax, u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max });
export const with32 = <V>(s: ScalarState<V>, b: Bounds<V>): ScalarState<V> =>
  ({ varOff: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, u32min: b.umin, u32max: b.umax, s32min: b.smin, s32max: b.smax });

/** Apply a per-ring bounds function to the 32-bit half, then the 64-bit half (kernel order). */
export function bothHalves<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>, f: <W>(r: Bits<W, B>, a: Bounds<W>, b: Bounds<W>) => Bounds<W>): ScalarState<V> {
  const r32 = with32(dst, f(d.u32, bounds32(dst), bounds32(src)));
  return with64(r32, f(d.u64, bounds64(dst), bounds64(src)));
}

// ---------------------------------------------------------------------------------------------
// Overflow predicates (the kernel's check_{add,sub,mul}_overflow on the type of the ring)

/** a + b wraps as unsigned. */
export const uaddOvf = <V, B>(r: Bits<V, B>, a: V, b: V): B => r.ult(r.add(a, b), a);
/** a + b overflows as signed: the sum moved the wrong way for b's sign. */
export const saddOvf = <V, B>(r: Bits<V, B>, a: V, b: V): B => xorB(r, r.slt(r.add(a, b), a), r.slt(b, r.zero));
/** a - b wraps as unsigned. */
export const usubOvf = <V, B>(r: Bits<V, B>, a: V, b: V): B => r.ult(a, b);
/** a - b overflows as signed. */
export const ssubOvf = <V, B>(r: Bits<V, B>, a: V, b: V): B => xorB(r, r.sgt(r.sub(a, b), a), r.slt(b, r.zero));
/** a · b does not fit unsigned, by division: a ≠ 0 and (a·b)/a ≠ b (for rings without the primitive). */
export const umulOvfByDiv = <V, B>(r: Bits<V, B>, a: V, b: V): B => r.andB(r.ne(a, r.zero), r.ne(r.udiv(r.mul(a, b), a), b));
/** a · b does not fit signed, by division: the magnitude product overflows, or exceeds 2^(w-1) (-1 if positive). */
export function smulOvfByDiv<V, B>(r: Bits<V, B>, a: V, b: V): B {
  const na = r.slt(a, r.zero), nb = r.slt(b, r.zero);
  const ua = r.ite(na, r.neg(a), a), ub = r.ite(nb, r.neg(b), b);
  const m = r.mul(ua, ub);
  const limit = r.ite(xorB(r, na, nb), sMin(r), sMax(r));
  return r.orB(umulOvfByDiv(r, ua, ub), r.ugt(m, limit));
}
/** check_mul_overflow, unsigned: the true product a·b ≥ 2^w (the ring's primitive when it has one). */
export const umulOvf = <V, B>(r: Bits<V, B>, a: V, b: V): B => (r.umulOverflows ? r.umulOverflows(a, b) : umulOvfByDiv(r, a, b));
/** check_mul_overflow, signed: the true product of the signed readings is outside [S_MIN, S_MAX]. */
export const smulOvf = <V, B>(r: Bits<V, B>, a: V, b: V): B => (r.smulOverflows ? r.smulOverflows(a, b) : smulOvfByDiv(r, a, b));

// ---------------------------------------------------------------------------------------------
// add / sub / mul on one ring

/** scalar_min_max_add. Signed: both sums or unbounded. Unsigned (6.17+): unbounded only if the max sum wraps and the min sum does not. */
export function addBounds<V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>, fl: KernelFlavor): Bounds<V> {
  const sOvf = r.orB(saddOvf(r, a.smin, b.smin), saddOvf(r, a.smax, b.smax));
  const minO = uaddOvf(r, a.umin, b.umin), maxO = uaddOvf(r, a.umax, b.umax);
  // 6.12: any unsigned wrap → unbounded
  const uLost = fl.addSubWrap ? r.andB(r.notB(minO), maxO) : r.orB(minO, maxO);
  return {
    smin: r.ite(sOvf, sMin(r), r.add(a.smin, b.smin)),
    smax: r.ite(sOvf, sMax(r), r.add(a.smax, b.smax)),
    umin: r.ite(uLost, r.zero, r.add(a.umin, b.umin)),
    umax: r.ite(uLost, r.ones, r.add(a.umax, b.umax)),
  };
}

/** scalar_min_max_sub: [a.smin - b.smax, a.smax - b.smin]; unsigned (6.17+) lost only when the min wraps and the max does not. */
export function subBounds<V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>, fl: KernelFlavor): Bounds<V> {
  const sOvf = r.orB(ssubOvf(r, a.smin, b.smax), ssubOvf(r, a.smax, b.smin));
  const minU = usubOvf(r, a.umin, b.umax), maxU = usubOvf(r, a.umax, b.umin);
  // 6.12: dst.umin < src.umax → unbounded (that is the min-wrap test alone)
  const uLost = fl.addSubWrap ? r.andB(minU, r.notB(maxU)) : minU;
  return {
    smin: r.ite(sOvf, sMin(r), r.sub(a.smin, b.smax)),
    smax: r.ite(sOvf, sMax(r), r.sub(a.smax, b.smin)),
    umin: r.ite(uLost, r.zero, r.sub(a.umin, b.umax)),
    umax: r.ite(uLost, r.ones, r.sub(a.umax, b.umin)),
  };
}

/**
 * scalar_min_max_mul (6.14+): unsigned [umin·umin, umax·umax] unless the max product overflows;
 * signed min/max of the four corner products unless one overflows.
 */
export function mulBounds<V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> {
  const uOvf = r.orB(umulOvf(r, a.umax, b.umax), umulOvf(r, a.umin, b.umin));
  const p = [r.mul(a.smin, b.smin), r.mul(a.smin, b.smax), r.mul(a.smax, b.smin), r.mul(a.smax, b.smax)];
  const sOvf = r.orB(smulOvf(r, a.smin, b.smin), smulOvf(r, a.smin, b.smax), smulOvf(r, a.smax, b.smin), smulOvf(r, a.smax, b.smax));
  const lo = sminOf(r, sminOf(r, p[0], p[1]), sminOf(r, p[2], p[3]));
  const hi = smaxOf(r, smaxOf(r, p[0], p[1]), smaxOf(r, p[2], p[3]));
  return {
    umin: r.ite(uOvf, r.zero, r.mul(a.umin, b.umin)),
    umax: r.ite(uOvf, r.ones, r.mul(a.umax, b.umax)),
    smin: r.ite(sOvf, sMin(r), lo),
    smax: r.ite(sOvf, sMax(r), hi),
  };
}

/**
 * 6.12: scalar_min_max_mul before 6.14 — any negative signed min, or an operand's umax above
 * 2^(w/2)-1, gives unbounded; else the unsigned products, copied to signed if ≤ S_MAX.
 */
export function mulBounds612<V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> {
  const halfMax = r.c((1n << BigInt(r.width / 2)) - 1n);
  const lost = r.orB(r.slt(b.smin, r.zero), r.slt(a.smin, r.zero), r.ugt(b.umax, halfMax), r.ugt(a.umax, halfMax));
  const umin = r.mul(a.umin, b.umin), umax = r.mul(a.umax, b.umax);
  const sLost = r.orB(lost, r.ugt(umax, sMax(r)));
  return {
    umin: r.ite(lost, r.zero, umin),
    umax: r.ite(lost, r.ones, umax),
    smin: r.ite(sLost, sMin(r), umin),
    smax: r.ite(sLost, sMax(r), umax),
  };
}
