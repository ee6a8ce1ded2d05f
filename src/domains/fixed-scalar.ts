// Scalar states between the bigint form the verifier model stores and the fixed-width backend
// the domain operators run on (src/bv/fixed.ts). `inFixedRegion` runs one computation in an
// arena region: inputs are converted in, the generic operator runs on handles, and the results
// are converted out before the region's handles are freed, so nothing stored outlives its slot.
import { fixed64x32, fromBigint, toBigint, put, loOf, arenaMark, arenaRelease } from '../bv/fixed.ts';
import type { ScalarState } from './scalar.ts';
import { sMin, sMax } from './scalar.ts';
import type { Tnum } from './tnum.ts';

export const F = fixed64x32;

// The ring limits are cached per ring on first use; make them now, outside any region, so the
// cached handles are never freed.
sMin(F.u64); sMax(F.u64); sMin(F.u32); sMax(F.u32);

const u32In = (x: bigint): number => put(0, Number(x) | 0);
const u32Out = (v: number): bigint => BigInt(loOf(v) >>> 0);

export const tnumToFixed = (t: Tnum<bigint>): Tnum<number> => ({ value: fromBigint(t.value), mask: fromBigint(t.mask) });
export const tnumFromFixed = (t: Tnum<number>): Tnum<bigint> => ({ value: toBigint(t.value), mask: toBigint(t.mask) });

export function scalarToFixed(s: ScalarState<bigint>): ScalarState<number> {
  return {
    varOff: tnumToFixed(s.varOff),
    umin: fromBigint(s.umin), umax: fromBigint(s.umax), smin: fromBigint(s.smin), smax: fromBigint(s.smax),
    u32min: u32In(s.u32min), u32max: u32In(s.u32max), s32min: u32In(s.s32min), s32max: u32In(s.s32max),
  };
}

export function scalarFromFixed(s: ScalarState<number>): ScalarState<bigint> {
  return {
    varOff: tnumFromFixed(s.varOff),
    umin: toBigint(s.umin), umax: toBigint(s.umax), smin: toBigint(s.smin), smax: toBigint(s.smax),
    u32min: u32Out(s.u32min), u32max: u32Out(s.u32max), s32min: u32Out(s.s32min), s32max: u32Out(s.s32max),
  };
}

/** Run f in an arena region; f must return plain data (bigints, booleans), not handles. */
export function inFixedRegion<T>(f: () => T): T {
  const m = arenaMark();
  try {
    return f();
  } finally {
    arenaRelease(m);
  }
}

/** A scalar operator on bigint states, run on the fixed-width backend. */
export function viaFixed1(op: (s: ScalarState<number>) => ScalarState<number>, s: ScalarState<bigint>): ScalarState<bigint> {
  return inFixedRegion(() => scalarFromFixed(op(scalarToFixed(s))));
}

export function viaFixed2(op: (a: ScalarState<number>, b: ScalarState<number>) => ScalarState<number>, a: ScalarState<bigint>, b: ScalarState<bigint>): ScalarState<bigint> {
  return inFixedRegion(() => scalarFromFixed(op(scalarToFixed(a), scalarToFixed(b))));
}
