// The verifier's closed forms for 64-bit `and`, `add` and `rsh` (src/verifier/alu.ts: lowMaskAnd,
// zeroBasedAdd, zeroBasedRsh, floorAnd), written once over the bit-vector interface: each gives
// its precondition as a boolean and the state it claims scalarAlu returns there. The bigint
// shortcuts in alu.ts are the fast copies; test/verifier/closed-forms.test.ts checks that they
// agree with these on the concrete backend, and proofs/closed-forms.ts proves with Z3 that, where
// the precondition holds, these are scalarAlu's result in every kernel flavor.
import type { Bits64x32 } from '../bv/bits.ts';
import type { ScalarState } from './scalar.ts';

type D<V, B> = Bits64x32<V, B>;

/** A closed form's answer: `ok` the precondition, `s` the result (meaningful where ok holds). */
export interface ClosedForm<V, B> {
  ok: B;
  s: ScalarState<V>;
}

/** The state [0, u] at both widths, signed and unsigned, with var_off (0; mask); u and mask below 2^31. */
export function floorState<V, B>(d: D<V, B>, u: V, mask: V): ScalarState<V> {
  const q = d.u64, lo = d.lo32(u);
  return { varOff: { value: q.zero, mask }, umin: q.zero, umax: u, smin: q.zero, smax: u, u32min: d.u32.zero, u32max: lo, s32min: d.u32.zero, s32max: lo };
}

/** 2^len(x) - 1 for a 64-bit x below 2^32: every bit at or below x's highest one set. */
export function fillBelow<V, B>(d: D<V, B>, x: V): V {
  const q = d.u64;
  let r = x;
  for (const n of [1, 2, 4, 8, 16]) r = q.or(r, q.lshrN(r, n));
  return r;
}

/** min of two unsigned 64-bit values. */
const umin = <V, B>(d: D<V, B>, a: V, b: V): V => d.u64.ite(d.u64.ult(a, b), a, b);

/**
 * The test of alu.ts' floorOf: `s` is [0, U] at both widths, signed and unsigned, 0 < U < 2^31,
 * with var_off (0; X), X < 2^31 (then s = floorState(U, X)).
 */
export function hasZeroFloor<V, B>(d: D<V, B>, s: ScalarState<V>): B {
  const q = d.u64, h = d.u32, u = s.umax, lo = d.lo32(u);
  return q.andB(
    q.ult(u, q.c(0x8000_0000n)), q.ne(u, q.zero), q.eq(s.umin, q.zero), q.eq(s.varOff.value, q.zero), q.eq(s.smin, q.zero),
    h.eq(s.u32min, h.zero), h.eq(s.s32min, h.zero), q.eq(s.smax, u), h.eq(s.u32max, lo), h.eq(s.s32max, lo),
    q.ult(s.varOff.mask, q.c(0x8000_0000n)),
  );
}

/** The test of alu.ts' zeroBasedBits: a zero floor whose tnum is the range's own, (0; 2^len(U) - 1). */
export function isZeroBased<V, B>(d: D<V, B>, s: ScalarState<V>): B {
  return d.u64.andB(hasZeroFloor(d, s), d.u64.eq(s.varOff.mask, fillBelow(d, s.umax)));
}

/**
 * lowMaskAnd: `dst & k` with k = 2^n - 1 (0 < n < 32), dst's low n bits unknown, umax and u32max
 * at least k: [0, k] with var_off (0; k).
 */
export function lowMaskAndForm<V, B>(d: D<V, B>, dst: ScalarState<V>, k: V): ClosedForm<V, B> {
  const q = d.u64, h = d.u32;
  const ok = q.andB(
    q.ult(k, q.c(0x8000_0000n)), q.ne(k, q.zero), q.eq(q.and(k, q.add(k, q.one)), q.zero),
    q.eq(q.and(dst.varOff.mask, k), k), q.uge(dst.umax, k), h.uge(dst.u32max, d.lo32(k)),
  );
  return { ok, s: floorState(d, k, k) };
}

/** zeroBasedAdd: both zero-based, a + b < 2^31: [0, a + b] with var_off (0; 2^len(a + b) - 1). */
export function zeroBasedAddForm<V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>): ClosedForm<V, B> {
  const q = d.u64, sum = q.add(dst.umax, src.umax);
  const ok = q.andB(isZeroBased(d, dst), isZeroBased(d, src), q.ult(sum, q.c(0x8000_0000n)));
  return { ok, s: floorState(d, sum, fillBelow(d, sum)) };
}

/**
 * floorTail: a value known to be [0, v] with var_off (0; t) after reg_bounds_sync: the tnum is
 * y = t & (2^len(v) - 1), every upper bound w = min(v, y); valid when v and y are not 0 (else a
 * constant 0: left to the domain). y's lowest bit is then at most w (it is at most y, and below
 * 2^len(v) it is at most 2^(len(v) - 1) <= v), so 6.18's collapse to a constant never applies.
 */
export function floorTailForm<V, B>(d: D<V, B>, t: V, v: V): ClosedForm<V, B> {
  const q = d.u64, y = q.and(t, fillBelow(d, v)), w = umin(d, v, y);
  const ok = q.andB(q.ne(v, q.zero), q.ne(y, q.zero));
  return { ok, s: floorState(d, w, y) };
}

/** zeroBasedRsh: `dst >> c` with dst a zero floor ([0, U], (0; X)) and 0 < c < 64: floorTail(X >> c, min(U >> c, X >> c)). */
export function zeroBasedRshForm<V, B>(d: D<V, B>, dst: ScalarState<V>, c: V): ClosedForm<V, B> {
  const q = d.u64, x = q.lshr(dst.varOff.mask, c), v = q.lshr(dst.umax, c);
  const tail = floorTailForm(d, x, umin(d, v, x));
  return { ok: q.andB(hasZeroFloor(d, dst), q.ne(c, q.zero), q.ult(c, q.c(64)), tail.ok), s: tail.s };
}

/** floorAnd: `dst & k` with dst a zero floor ([0, U], (0; X)): floorTail(X & k, min(U, X & k)). */
export function floorAndForm<V, B>(d: D<V, B>, dst: ScalarState<V>, k: V): ClosedForm<V, B> {
  const q = d.u64, x = q.and(dst.varOff.mask, k);
  const tail = floorTailForm(d, x, umin(d, dst.umax, x));
  return { ok: q.andB(hasZeroFloor(d, dst), tail.ok), s: tail.s };
}
