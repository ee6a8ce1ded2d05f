// reg_bounds_sync and its stages (kernel/bpf/verifier.c), one exported function per stage so
// proofs can take them one at a time:
//   __update_reg_bounds → __reg_deduce_bounds ×3 (32, 64, mixed) → __reg_bound_offset → __update_reg_bounds
import { type ScalarState, type D, type KernelFlavor, umaxOf, uminOf, smaxOf, sminOf, scalarConst, selState, sMin, sMax, withVarOff } from './scalar.ts';
import { tnumIntersect, tnumRange, tnumSubreg, tnumClearSubreg, tnumOr, tnumContains } from './tnum.ts';
import { tnumStep } from './scalar-tnum.ts';

// (the scalars below written out field by field in one order, not spread: one V8 map for every
// scalar, see scalar.ts markUnbounded)
/** __update_reg32_bounds: tighten the 32-bit bounds from the subregister tnum. */
export function updateReg32Bounds<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const h = d.u32;
  const v = d.lo32(s.varOff.value), m = d.lo32(s.varOff.mask);
  // signed min = sign bit if possibly set | known other bits; signed max = the converse
  const sminT = h.or(v, h.and(m, sMin(h)));
  const smaxT = h.or(v, h.and(m, sMax(h)));
  return {
    varOff: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax,
    u32min: umaxOf(h, s.u32min, v),
    u32max: uminOf(h, s.u32max, h.or(v, m)),
    s32min: smaxOf(h, s.s32min, sminT),
    s32max: sminOf(h, s.s32max, smaxT),
  };
}

/**
 * __update_reg64_bounds: tighten the 64-bit bounds from the tnum. 6.18.y adds (tnum_step): when
 * the u64 range and the tnum share exactly one value, the register becomes that constant.
 */
export function updateReg64Bounds<V, B>(d: D<V, B>, s: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const q = d.u64;
  const v = s.varOff.value, m = s.varOff.mask;
  const tmax = q.or(v, m);
  const r: ScalarState<V> = {
    varOff: s.varOff,
    umin: umaxOf(q, s.umin, v),
    umax: uminOf(q, s.umax, tmax),
    smin: smaxOf(q, s.smin, q.or(v, q.and(m, sMin(q)))),
    smax: sminOf(q, s.smax, q.or(v, q.and(m, sMax(q)))),
    u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max,
  };
  if (!fl.tnumStepBounds) return r;
  return collapseSingleValue(d, r);
}

/** The 6.18.y tnum_step step of __update_reg64_bounds (separate for proofs). */
export function collapseSingleValue<V, B>(d: D<V, B>, r: ScalarState<V>): ScalarState<V> {
  const q = d.u64;
  const t = r.varOff;
  const tmax = q.or(t.value, t.mask);
  const next = tnumStep(q, t, r.umin);
  const uminIn = tnumContains(q, t, r.umin);
  const onlyUmin = q.andB(uminIn, q.ugt(next, r.umax));
  const onlyTmax = q.andB(q.notB(uminIn), q.eq(next, tmax));
  const onlyNext = q.andB(q.notB(uminIn), q.ule(next, r.umax), q.ugt(tnumStep(q, t, next), r.umax));
  const k = q.ite(onlyUmin, r.umin, q.ite(onlyTmax, tmax, next));
  const hit = q.orB(onlyUmin, onlyTmax, onlyNext);
  return selState(d, hit, () => scalarConst(d, k), () => r);
}

/** __update_reg_bounds: 32 then 64. */
export function updateRegBounds<V, B>(d: D<V, B>, s: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  return updateReg64Bounds(d, updateReg32Bounds(d, s), fl);
}

/** __reg32_deduce_bounds: learn 32-bit bounds from the 64-bit ones and s32 ↔ u32. */
export function reg32DeduceBounds<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const q = d.u64, h = d.u32;
  let { u32min, u32max, s32min, s32max } = s;
  const lo = d.lo32;
  const uminLo = lo(s.umin), umaxLo = lo(s.umax), sminLo = lo(s.smin), smaxLo = lo(s.smax);
  const hi = (x: V) => lo(q.lshrN(x, 32));

  // umin and umax share their upper 32 bits: the low halves form a u32 range (and an s32 one
  // when ordered as s32).
  const uSameHi = q.eq(q.lshrN(s.umin, 32), q.lshrN(s.umax, 32));
  u32min = h.ite(uSameHi, umaxOf(h, u32min, uminLo), u32min);
  u32max = h.ite(uSameHi, uminOf(h, u32max, umaxLo), u32max);
  const uS = h.andB(uSameHi, h.sle(uminLo, umaxLo));
  s32min = h.ite(uS, smaxOf(h, s32min, uminLo), s32min);
  s32max = h.ite(uS, sminOf(h, s32max, umaxLo), s32max);

  // smin and smax share their upper 32 bits.
  const sSameHi = q.eq(q.ashrN(s.smin, 32), q.ashrN(s.smax, 32));
  const sU = h.andB(sSameHi, h.ule(sminLo, smaxLo));
  u32min = h.ite(sU, umaxOf(h, u32min, sminLo), u32min);
  u32max = h.ite(sU, uminOf(h, u32max, smaxLo), u32max);
  const sS = h.andB(sSameHi, h.sle(sminLo, smaxLo));
  s32min = h.ite(sS, smaxOf(h, s32min, sminLo), s32min);
  s32max = h.ite(sS, sminOf(h, s32max, smaxLo), s32max);

  // Upper halves are consecutive and the low halves go from negative to non-negative.
  const uNext = h.andB(h.eq(h.add(hi(s.umin), h.one), hi(s.umax)), h.slt(uminLo, h.zero), h.sge(umaxLo, h.zero));
  s32min = h.ite(uNext, smaxOf(h, s32min, uminLo), s32min);
  s32max = h.ite(uNext, sminOf(h, s32max, umaxLo), s32max);
  const sNext = h.andB(h.eq(h.add(hi(s.smin), h.one), hi(s.smax)), h.slt(sminLo, h.zero), h.sge(smaxLo, h.zero));
  s32min = h.ite(sNext, smaxOf(h, s32min, sminLo), s32min);
  s32max = h.ite(sNext, sminOf(h, s32max, smaxLo), s32max);

  // u32 range that is a valid s32 range.
  const uAsS = h.sle(u32min, u32max);
  s32min = h.ite(uAsS, smaxOf(h, s32min, u32min), s32min);
  s32max = h.ite(uAsS, sminOf(h, s32max, u32max), s32max);

  // s32 range that does not cross the sign boundary (as u32) ↔ combine; else cut the side of
  // the split s32 range that the u32 range does not reach.
  const sAsU = h.ule(s32min, s32max);
  const cutLow = h.andB(h.notB(sAsU), h.ult(u32max, s32min));
  const cutHigh = h.andB(h.notB(sAsU), h.notB(cutLow), h.ult(s32max, u32min));
  const nU32min = h.ite(sAsU, umaxOf(h, s32min, u32min), h.ite(cutHigh, umaxOf(h, u32min, s32min), u32min));
  const nU32max = h.ite(sAsU, uminOf(h, s32max, u32max), h.ite(cutLow, uminOf(h, u32max, s32max), u32max));
  const nS32min = h.ite(cutLow, u32min, s32min);
  const nS32max = h.ite(cutHigh, u32max, s32max);
  return { varOff: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, u32min: nU32min, u32max: nU32max, s32min: nS32min, s32max: nS32max };
}

/** __reg64_deduce_bounds: u64 ↔ s64. */
export function reg64DeduceBounds<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const q = d.u64;
  let { umin, umax, smin, smax } = s;
  const uAsS = q.sle(umin, umax);
  smin = q.ite(uAsS, smaxOf(q, smin, umin), smin);
  smax = q.ite(uAsS, sminOf(q, smax, umax), smax);
  const sAsU = q.ule(smin, smax);
  const cutLow = q.andB(q.notB(sAsU), q.ult(umax, smin));
  const cutHigh = q.andB(q.notB(sAsU), q.notB(cutLow), q.ult(smax, umin));
  const nUmin = q.ite(sAsU, umaxOf(q, smin, umin), q.ite(cutHigh, umaxOf(q, umin, smin), umin));
  const nUmax = q.ite(sAsU, uminOf(q, smax, umax), q.ite(cutLow, uminOf(q, umax, smax), umax));
  const nSmin = q.ite(cutLow, umin, smin);
  const nSmax = q.ite(cutHigh, umax, smax);
  return { varOff: s.varOff, umin: nUmin, umax: nUmax, smin: nSmin, smax: nSmax, u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max };
}

/** __reg_deduce_mixed_bounds: 64-bit bounds from the 32-bit ones. */
export function regDeduceMixedBounds<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const q = d.u64, h = d.u32;
  const HI = q.c(0xffff_ffff_0000_0000n);
  const withLo = (x: V, lo32: V) => q.or(q.and(x, HI), d.zext32(lo32));
  let { umin, umax, smin, smax, varOff } = s;

  // u32 → u64 and u32 → s64
  umin = umaxOf(q, umin, withLo(umin, s.u32min));
  umax = uminOf(q, umax, withLo(umax, s.u32max));
  smin = smaxOf(q, smin, withLo(smin, s.u32min));
  smax = sminOf(q, smax, withLo(smax, s.u32max));

  // s32 → u64 / s64 when the s32 range is a valid u32 range
  const sAsU = h.ule(s.s32min, s.s32max);
  umin = q.ite(sAsU, umaxOf(q, umin, withLo(umin, s.s32min)), umin);
  umax = q.ite(sAsU, uminOf(q, umax, withLo(umax, s.s32max)), umax);
  smin = q.ite(sAsU, smaxOf(q, smin, withLo(smin, s.s32min)), smin);
  smax = q.ite(sAsU, sminOf(q, smax, withLo(smax, s.s32max)), smax);

  // Non-negative s32 range inside [S32_MIN, S32_MAX] as s64: the upper half cannot be all ones.
  const s32MinAs64 = d.sext32(sMin(h)), s32MaxAs64 = d.sext32(sMax(h));
  const c = q.andB(h.sge(s.s32min, h.zero), q.sge(smin, s32MinAs64), q.sle(smax, s32MaxAs64));
  const lo = d.sext32(s.s32min), hi = d.sext32(s.s32max);
  const t = tnumIntersect(q, varOff, tnumRange(q, lo, hi));
  return {
    varOff: { value: q.ite(c, t.value, varOff.value), mask: q.ite(c, t.mask, varOff.mask) },
    umin: q.ite(c, lo, umin), umax: q.ite(c, hi, umax),
    smin: q.ite(c, lo, smin), smax: q.ite(c, hi, smax),
    u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max,
  };
}

/** __reg_deduce_bounds: 32, 64, mixed. */
export function regDeduceBounds<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  return regDeduceMixedBounds(d, reg64DeduceBounds(d, reg32DeduceBounds(d, s)));
}

/** __reg_bound_offset: learn tnum bits from the unsigned ranges (64, then the subregister). */
export function regBoundOffset<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const q = d.u64;
  const var64 = tnumIntersect(q, s.varOff, tnumRange(q, s.umin, s.umax));
  const var32 = tnumIntersect(q, tnumSubreg(q, var64), tnumRange(q, d.zext32(s.u32min), d.zext32(s.u32max)));
  return withVarOff(s, tnumOr(q, tnumClearSubreg(q, var64), var32));
}

/**
 * A scalar pair that runs reg_bounds_sync as one native operation: the recording backend of the
 * compiled operators (src/domains/compiled.ts) calls the compiled form of this function, so every
 * operator shares one hot sync instead of carrying its own copies. Same result.
 */
export interface RegBoundsSyncNative<V> {
  regBoundsSyncNative?: (s: ScalarState<V>, fl: KernelFlavor) => ScalarState<V>;
}

/** reg_bounds_sync. */
export function regBoundsSync<V, B>(d: D<V, B>, s: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const native = (d as RegBoundsSyncNative<V>).regBoundsSyncNative;
  if (native) return native(s, fl);
  let r = updateRegBounds(d, s, fl);
  r = regDeduceBounds(d, r);
  r = regDeduceBounds(d, r);
  r = regDeduceBounds(d, r);
  r = regBoundOffset(d, r);
  return updateRegBounds(d, r, fl);
}
