// tnum operators the scalar domain needs that src/domains/tnum.ts does not provide (yet):
// shifts by a bit-vector amount (the kernel passes a register's umin, symbolic in proofs) and
// tnum_step (6.18.y, used by __update_reg64_bounds).
import type { Bits } from '../bv/bits.ts';
import { type Tnum, smearRight } from './tnum.ts';

/** tnum_lshift by a V amount (< width where the kernel calls it). */
export function tnumShlV<V, B>(bv: Bits<V, B>, a: Tnum<V>, n: V): Tnum<V> {
  return { value: bv.shl(a.value, n), mask: bv.shl(a.mask, n) };
}

/** tnum_rshift by a V amount. */
export function tnumLshrV<V, B>(bv: Bits<V, B>, a: Tnum<V>, n: V): Tnum<V> {
  return { value: bv.lshr(a.value, n), mask: bv.lshr(a.mask, n) };
}

/** tnum_arshift at the ring's own width by a V amount. */
export function tnumAshrV<V, B>(bv: Bits<V, B>, a: Tnum<V>, n: V): Tnum<V> {
  return { value: bv.ashr(a.value, n), mask: bv.ashr(a.mask, n) };
}

/**
 * tnum_step(t, z): the smallest member of t greater than z; t.value when z < t.value; tmax when
 * z ≥ tmax (= value | mask).
 *
 * With n = z + 1: if n's known bits agree with t, n itself. Else let h be the highest known bit
 * where they differ. If t has 1 there, keep n above h and take t's minimum below: (n & ~low) |
 * (value & low). If t has 0 there, the unknown bits above h must count up by one: set every bit
 * up to h and every known bit, add 1 (the carry lands on the lowest unknown 0 above h), keep the
 * unknown bits and or in value.
 */
export function tnumStep<V, B>(bv: Bits<V, B>, t: Tnum<V>, z: V): V {
  const tmax = bv.or(t.value, t.mask);
  const n = bv.add(z, bv.one);
  const notMask = bv.not(t.mask);
  const diff = bv.xor(bv.and(n, notMask), t.value);
  const low = smearRight(bv, diff);
  const top = bv.xor(low, bv.lshrN(low, 1));
  const up = bv.or(bv.and(n, bv.not(low)), bv.and(t.value, low));
  const carry = bv.or(t.value, bv.and(bv.add(bv.or(bv.or(n, low), notMask), bv.one), t.mask));
  const next = bv.ite(bv.eq(diff, bv.zero), n, bv.ite(bv.eq(bv.and(t.value, top), bv.zero), carry, up));
  return bv.ite(bv.uge(z, tmax), tmax, bv.ite(bv.ult(z, t.value), t.value, next));
}
