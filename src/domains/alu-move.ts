// Width changes of a scalar: coerce_reg_to_size (BPF_END truncation), coerce_reg_to_size_sx
// (64-bit MOVSX) and coerce_subreg_to_size_sx (32-bit MOVSX), kernel/bpf/verifier.c.
import { type ScalarState, type D, type KernelFlavor, scalarConst, markUnbounded32, iteState, isConst64 } from './scalar.ts';
import { tnumUnknown, tnumRange, tnumCast, tnumSubreg, tnumConst } from './tnum.ts';
import { regBoundsSync } from './sync.ts';

/**
 * The reg_bounds_sync a width change applies (always `regBoundsSync` in the verifier). A
 * parameter so proofs/scalar-move.ts can run the same code with the identity: the state before
 * sync, proved sound on its own; the sync stage lemmas do the rest (proofs/SCALAR.md).
 */
export type SyncFn = <V, B>(d: D<V, B>, s: ScalarState<V>, fl: KernelFlavor) => ScalarState<V>;

/** Sign-extend the low `bits` bits of x within its ring. */
const sextN = <V, B>(r: import('../bv/bits.ts').Bits<V, B>, x: V, bits: number): V => r.ashrN(r.shlN(x, r.width - bits), r.width - bits);

/** (a ≥s 0) == (b ≥s 0). */
const sameSign = <V, B>(r: import('../bv/bits.ts').Bits<V, B>, a: V, b: V): B => {
  const pa = r.sge(a, r.zero), pb = r.sge(b, r.zero);
  return r.iteB(pa, pb, r.notB(pb));
};

/**
 * coerce_reg_to_size(size bytes, size < 8): var_off cast; u64 bounds masked when they agree
 * above the size, else [0, mask]; s64 = u64; 32-bit bounds forgotten when size < 4; sync.
 */
export function coerceRegToSize<V, B>(d: D<V, B>, s: ScalarState<V>, size: number, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  const q = d.u64;
  const mask = q.c((1n << BigInt(size * 8)) - 1n);
  const hiMask = q.not(mask);
  const same = q.eq(q.and(s.umin, hiMask), q.and(s.umax, hiMask));
  const umin = q.ite(same, q.and(s.umin, mask), q.zero);
  const umax = q.ite(same, q.and(s.umax, mask), mask);
  let r: ScalarState<V> = { varOff: tnumCast(q, s.varOff, size), umin, umax, smin: umin, smax: umax, u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max };
  if (size < 4) r = markUnbounded32(d, r);
  return sync(d, r, fl);
}

/**
 * coerce_reg_to_size_sx (r = (s8|s16|s32) r). A constant stays exact. Linux 6.18.y then checks
 * the 32-bit bounds: when the s32 range lies within the signed range of `bits`, sign extension
 * changes no value's low word, so the 32-bit bounds stay and the 64-bit value is their sign
 * extension (then synced). Otherwise, the older rule: the sign-extended smin/smax when they agree
 * above `bits` and have one sign, else the signed range of `bits` (no sync).
 */
export function coerceRegToSizeSx<V, B>(d: D<V, B>, s: ScalarState<V>, bits: 8 | 16 | 32, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  const konst = scalarConst(d, sextN(d.u64, s.varOff.value, bits));
  const older = sxOlderRule(d, s, bits);
  if (!fl.sxFromSubreg) return iteState(d, isConst64(d, s), konst, older);
  return iteState(d, isConst64(d, s), konst, iteState(d, sxFitsSubreg(d, s, bits), sync(d, sxFromSubreg(d, s), fl), older));
}

/** The older rule of coerce_reg_to_size_sx (6.12, and 6.18.y when the s32 range does not fit), no constant case. */
export function sxOlderRule<V, B>(d: D<V, B>, s: ScalarState<V>, bits: 8 | 16 | 32): ScalarState<V> {
  const q = d.u64, h = d.u32;
  // smin and smax agree above `bits`: the sign-extended low parts, ordered, if of one sign
  const topEq = q.eq(q.lshrN(s.smax, bits), q.lshrN(s.smin, bits));
  const a = sextN(q, s.smax, bits), b = sextN(q, s.smin, bits);
  const hi = q.ite(q.sgt(a, b), a, b), lo = q.ite(q.slt(a, b), a, b);
  const ranged: ScalarState<V> = {
    varOff: tnumRange(q, lo, hi),
    smin: lo, smax: hi, umin: lo, umax: hi,
    s32min: d.lo32(lo), s32max: d.lo32(hi), u32min: d.lo32(lo), u32max: d.lo32(hi),
  };
  const half = 1n << BigInt(bits - 1);
  const def: ScalarState<V> = {
    varOff: tnumUnknown(q),
    smin: q.c(-half), smax: q.c(half - 1n), s32min: h.c(-half), s32max: h.c(half - 1n),
    umin: q.zero, umax: q.ones, u32min: h.zero, u32max: h.ones,
  };
  return iteState(d, q.andB(topEq, sameSign(q, lo, hi)), ranged, def);
}

/** 6.18.y: the s32 range lies within [-2^(bits-1), 2^(bits-1) - 1] (sign extension keeps every low word). */
export function sxFitsSubreg<V, B>(d: D<V, B>, s: ScalarState<V>, bits: 8 | 16 | 32): B {
  const h = d.u32, half = 1n << BigInt(bits - 1);
  return h.andB(h.sge(s.s32min, h.c(-half)), h.sle(s.s32max, h.c(half - 1n)));
}

/** 6.18.y, when the s32 range fits: 32-bit bounds kept, 64-bit signed bounds their sign extension, the rest unknown (before sync). */
export function sxFromSubreg<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const q = d.u64;
  return { varOff: tnumUnknown(q), umin: q.zero, umax: q.ones, smin: d.sext32(s.s32min), smax: d.sext32(s.s32max), u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max };
}

/** coerce_subreg_to_size_sx (w = (s8|s16) w): only var_off and the 32-bit bounds change. */
export function coerceSubregToSizeSx<V, B>(d: D<V, B>, s: ScalarState<V>, bits: 8 | 16): ScalarState<V> {
  const q = d.u64, h = d.u32;
  // constant (64-bit tnum): var_off = the sign-extended low part as a 64-bit constant
  const cv = sextN(q, s.varOff.value, bits);
  const c32 = d.lo32(cv);
  const konst: ScalarState<V> = { varOff: tnumConst(q, cv), umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, u32min: c32, u32max: c32, s32min: c32, s32max: c32 };
  const topEq = h.eq(h.lshrN(s.s32max, bits), h.lshrN(s.s32min, bits));
  const a = sextN(h, s.s32max, bits), b = sextN(h, s.s32min, bits);
  const hi = h.ite(h.sgt(a, b), a, b), lo = h.ite(h.slt(a, b), a, b);
  const ranged: ScalarState<V> = {
    varOff: tnumSubreg(q, tnumRange(q, d.sext32(lo), d.sext32(hi))),
    umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax,
    u32min: lo, u32max: hi, s32min: lo, s32max: hi,
  };
  const half = 1n << BigInt(bits - 1);
  const def: ScalarState<V> = {
    varOff: tnumSubreg(q, tnumUnknown(q)),
    umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax,
    u32min: h.zero, u32max: h.ones, s32min: h.c(-half), s32max: h.c(half - 1n),
  };
  return iteState(d, isConst64(d, s), konst, iteState(d, h.andB(topEq, sameSign(h, lo, hi)), ranged, def));
}
