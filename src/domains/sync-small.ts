// The three __reg_deduce_bounds rounds of reg_bounds_sync, in a few 32-bit operations, for a
// common kind of state: every bound and both tnum words below 2^31 (packet offsets, loop
// counters, a checksum's partial sums) and the four ranges meeting. For such a state the u64,
// s64, u32 and s32 orders agree, so a deduce round makes every range their intersection [L, H]
// and intersects the tnum with tnum_range(L, H), and the rounds after it change nothing.
// The compiled sync (src/domains/compiled.ts) runs __update_reg_bounds, then this where `ok`
// holds (the three deduce rounds otherwise), then __reg_bound_offset and __update_reg_bounds:
// proofs/sync-small.ts proves ∀ x: ok(x) ⇒ __reg_deduce_bounds(x) = merged(x), and that
// merged(x) is again such a state with merged(merged(x)) = merged(x), so all three rounds give it.
import { type ScalarState, type D, type KernelFlavor, umaxOf, uminOf, scalarConst, selState } from './scalar.ts';
import { tnumIntersect, tnumRange, tnumContains } from './tnum.ts';
import { tnumStep } from './scalar-tnum.ts';

/** Every word of x below 2^31. */
export function isSmall<V, B>(d: D<V, B>, x: ScalarState<V>): B {
  const q = d.u64, h = d.u32;
  const b64 = (v: V): B => q.eq(q.lshrN(v, 31), q.zero), b32 = (v: V): B => h.sge(v, h.zero);
  return q.andB(b64(x.varOff.value), b64(x.varOff.mask), b64(x.umin), b64(x.umax), b64(x.smin), b64(x.smax),
    b32(x.u32min), b32(x.u32max), b32(x.s32min), b32(x.s32max));
}

/** L and H: the intersection of x's four ranges, as 32-bit words (meaningful for small states). */
export function meet<V, B>(d: D<V, B>, x: ScalarState<V>): { lo: V; hi: V } {
  const h = d.u32, lo32 = d.lo32;
  return {
    lo: umaxOf(h, umaxOf(h, umaxOf(h, lo32(x.umin), lo32(x.smin)), x.u32min), x.s32min),
    hi: uminOf(h, uminOf(h, uminOf(h, lo32(x.umax), lo32(x.smax)), x.u32max), x.s32max),
  };
}

/**
 * The deduce rounds of x when `ok` (x small and its ranges meeting): four ranges [L, H], the
 * tnum intersected with tnum_range(L, H). When not ok, `s` is meaningless.
 */
export function mergeSmall<V, B>(d: D<V, B>, x: ScalarState<V>): { ok: B; s: ScalarState<V> } {
  const h = d.u32, z = d.zext32;
  const { lo, hi } = meet(d, x);
  const t = tnumIntersect(h, { value: d.lo32(x.varOff.value), mask: d.lo32(x.varOff.mask) }, tnumRange(h, lo, hi));
  const lo64 = z(lo), hi64 = z(hi);
  return {
    ok: d.u64.andB(isSmall(d, x), h.ule(lo, hi)),
    s: {
      varOff: { value: z(t.value), mask: z(t.mask) },
      umin: lo64, umax: hi64, smin: lo64, smax: hi64, u32min: lo, u32max: hi, s32min: lo, s32max: hi,
    },
  };
}

/**
 * __update_reg_bounds of a small state in 32-bit operations. Below 2^31 the signed and unsigned
 * orders agree and the tnum's signed bounds are its unsigned ones, so every lower bound becomes
 * max(bound, value) and every upper one min(bound, value | mask), at 64 bits as at 32; and 6.18's
 * collapse to a single value (tnum_step) gives the same at 32 bits, the tnum's members all
 * being below 2^31. proofs/sync-small.ts proves ∀ x: isSmall(x) ⇒ updateRegBounds(x) =
 * updateSmall(x) per flavor; for other states the result is meaningless.
 */
export function updateSmall<V, B>(d: D<V, B>, x: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const h = d.u32, z = d.zext32, lo = d.lo32;
  const t = { value: lo(x.varOff.value), mask: lo(x.varOff.mask) };
  const tmax = h.or(t.value, t.mask);
  const up = (b: V): V => umaxOf(h, b, t.value), down = (b: V): V => uminOf(h, b, tmax);
  const umin = up(lo(x.umin)), umax = down(lo(x.umax));
  const r: ScalarState<V> = {
    varOff: x.varOff,
    umin: z(umin), umax: z(umax), smin: z(up(lo(x.smin))), smax: z(down(lo(x.smax))),
    u32min: up(x.u32min), u32max: down(x.u32max), s32min: up(x.s32min), s32max: down(x.s32max),
  };
  if (!fl.tnumStepBounds) return r;
  // collapseSingleValue (src/domains/sync.ts) on the 32-bit words
  const next = tnumStep(h, t, umin);
  const uminIn = tnumContains(h, t, umin);
  const onlyUmin = h.andB(uminIn, h.ugt(next, umax));
  const onlyTmax = h.andB(h.notB(uminIn), h.eq(next, tmax));
  const onlyNext = h.andB(h.notB(uminIn), h.ule(next, umax), h.ugt(tnumStep(h, t, next), umax));
  const k = h.ite(onlyUmin, umin, h.ite(onlyTmax, tmax, next));
  return selState(d, h.orB(onlyUmin, onlyTmax, onlyNext), () => scalarConst(d, z(k)), () => r);
}
