// BPF_LSH / BPF_RSH / BPF_ARSH on scalars with a constant in-range shift amount (the caller,
// alu.ts, has already sent non-constant or ≥ width amounts to unknown): the kernel's
// scalar{32,}_min_max_{lsh,rsh,arsh}. Zero extension and reg_bounds_sync are left to the caller.
import { type ScalarState, type D, type KernelFlavor, markUnbounded32, markUnbounded64, sMin, sMax, withVarOff } from './scalar.ts';
import { tnumSubreg } from './tnum.ts';
import { tnumShlV, tnumLshrV, tnumAshrV } from './scalar-tnum.ts';
import { updateRegBounds, updateReg32Bounds } from './sync.ts';

/**
 * __scalar32_min_max_lsh(dst, umin_val, umax_val) with 64-bit amounts: s32 unbounded; u32
 * shifted unless the top bit could be shifted out (umax_val > 31 or u32max > 1 << (31 - umax_val)).
 */
function lsh32Bounds<V, B>(d: D<V, B>, s: ScalarState<V>, uminVal: V, umaxVal: V): ScalarState<V> {
  const q = d.u64, h = d.u32;
  const lost = q.orB(q.ugt(umaxVal, q.c(31)), q.ugt(d.zext32(s.u32max), q.shl(q.one, q.sub(q.c(31), umaxVal))));
  return {
    varOff: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax,
    u32min: h.ite(lost, h.zero, h.shl(s.u32min, d.lo32(uminVal))),
    u32max: h.ite(lost, h.ones, h.shl(s.u32max, d.lo32(umaxVal))),
    s32min: sMin(h), s32max: sMax(h),
  };
}

/** __scalar64_min_max_lsh: s64 from s32 << 32 for the `<<32` idiom, else unbounded; u64 as in the 32-bit case. */
function lsh64Bounds<V, B>(d: D<V, B>, s: ScalarState<V>, uminVal: V, umaxVal: V): ScalarState<V> {
  const q = d.u64;
  const by32 = q.andB(q.eq(uminVal, q.c(32)), q.eq(umaxVal, q.c(32)));
  const lost = q.ugt(s.umax, q.shl(q.one, q.sub(q.c(63), umaxVal)));
  return {
    varOff: s.varOff,
    umin: q.ite(lost, q.zero, q.shl(s.umin, uminVal)),
    umax: q.ite(lost, q.ones, q.shl(s.umax, umaxVal)),
    smin: q.ite(by32, q.shlN(d.sext32(s.s32min), 32), sMin(q)),
    smax: q.ite(by32, q.shlN(d.sext32(s.s32max), 32), sMax(q)),
    u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max,
  };
}

/** scalar_min_max_lsh (ALU64). */
export function scalarLsh64<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  let s = lsh64Bounds(d, dst, src.umin, src.umax);
  s = lsh32Bounds(d, s, src.umin, src.umax);
  s = withVarOff(s, tnumShlV(d.u64, s.varOff, src.umin));
  return updateRegBounds(d, s, fl);
}

/** scalar32_min_max_lsh (ALU32). */
export function scalarLsh32<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>): ScalarState<V> {
  const q = d.u64;
  const uminVal = d.zext32(src.u32min), umaxVal = d.zext32(src.u32max);
  const sub = tnumSubreg(q, dst.varOff);
  let s = lsh32Bounds(d, dst, uminVal, umaxVal);
  s = markUnbounded64(d, withVarOff(s, tnumSubreg(q, tnumShlV(q, sub, uminVal))));
  return updateReg32Bounds(d, s);
}

/** scalar_min_max_rsh (ALU64): s64 unbounded, u64 [umin >> umax_val, umax >> umin_val], 32-bit unbounded. */
export function scalarRsh64<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const q = d.u64;
  const s: ScalarState<V> = {
    varOff: tnumLshrV(q, dst.varOff, src.umin),
    umin: q.lshr(dst.umin, src.umax),
    umax: q.lshr(dst.umax, src.umin),
    smin: sMin(q), smax: sMax(q),
    u32min: dst.u32min, u32max: dst.u32max, s32min: dst.s32min, s32max: dst.s32max,
  };
  return updateRegBounds(d, markUnbounded32(d, s), fl);
}

/** scalar32_min_max_rsh (ALU32). */
export function scalarRsh32<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>): ScalarState<V> {
  const q = d.u64, h = d.u32;
  const s: ScalarState<V> = {
    varOff: tnumLshrV(q, tnumSubreg(q, dst.varOff), d.zext32(src.u32min)),
    umin: dst.umin, umax: dst.umax, smin: dst.smin, smax: dst.smax,
    u32min: h.lshr(dst.u32min, src.u32max),
    u32max: h.lshr(dst.u32max, src.u32min),
    s32min: sMin(h), s32max: sMax(h),
  };
  return updateReg32Bounds(d, markUnbounded64(d, s));
}

/** scalar_min_max_arsh (ALU64): s64 shifted arithmetically by the constant, u64 and 32-bit unbounded. */
export function scalarArsh64<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const q = d.u64;
  const s: ScalarState<V> = {
    varOff: tnumAshrV(q, dst.varOff, src.umin),
    umin: q.zero, umax: q.ones,
    smin: q.ashr(dst.smin, src.umin),
    smax: q.ashr(dst.smax, src.umin),
    u32min: dst.u32min, u32max: dst.u32max, s32min: dst.s32min, s32max: dst.s32max,
  };
  return updateRegBounds(d, markUnbounded32(d, s), fl);
}

/** scalar32_min_max_arsh (ALU32): the subregister shifted as s32, zero-extended. */
export function scalarArsh32<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>): ScalarState<V> {
  const h = d.u32;
  const n = src.u32min;
  const sub = { value: d.lo32(dst.varOff.value), mask: d.lo32(dst.varOff.mask) };
  const t = tnumAshrV(h, sub, n);
  const s: ScalarState<V> = {
    varOff: { value: d.zext32(t.value), mask: d.zext32(t.mask) },
    umin: dst.umin, umax: dst.umax, smin: dst.smin, smax: dst.smax,
    u32min: h.zero, u32max: h.ones,
    s32min: h.ashr(dst.s32min, n),
    s32max: h.ashr(dst.s32max, n),
  };
  return updateReg32Bounds(d, markUnbounded64(d, s));
}
