// BPF_AND / BPF_OR / BPF_XOR on scalars: the kernel's switch case in adjust_scalar_min_max_vals
// (var_off first) followed by scalar32_min_max_<op> and scalar_min_max_<op>. Zero extension and
// reg_bounds_sync are left to the caller (alu.ts).
import { type ScalarState, type D, type KernelFlavor, uminOf, umaxOf, markKnown32, scalarConst, selState, isConst32, isConst64, sMin, sMax, withVarOff } from './scalar.ts';
import { type Tnum, tnumAnd, tnumOr, tnumXor } from './tnum.ts';
import { updateRegBounds } from './sync.ts';

export type BitwiseOp = 'and' | 'or' | 'xor';

/**
 * New [min, max] for one ring from the result tnum bits (v, m) and both operands' bounds:
 * and: [v, min(maxes)]; or: [max(mins), v|m]; xor: [v, v|m].
 */
function range<V, B>(r: import('../bv/bits.ts').Bits<V, B>, op: BitwiseOp, v: V, m: V, dMin: V, dMax: V, sMin_: V, sMax_: V): [V, V] {
  if (op === 'and') return [v, uminOf(r, dMax, sMax_)];
  if (op === 'or') return [umaxOf(r, dMin, sMin_), r.or(v, m)];
  return [v, r.or(v, m)];
}

function tnumOp<V, B>(d: D<V, B>, op: BitwiseOp, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  if (op === 'and') return tnumAnd(d.u64, a, b);
  if (op === 'or') return tnumOr(d.u64, a, b);
  return tnumXor(d.u64, a, b);
}

/** The whole BPF_AND/OR/XOR case for scalars (before zext / sync). */
export function scalarBitwise<V, B>(d: D<V, B>, op: BitwiseOp, dst: ScalarState<V>, src: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const q = d.u64, h = d.u32;
  const varOff = tnumOp(d, op, dst.varOff, src.varOff);
  let s: ScalarState<V> = withVarOff(dst, varOff);

  // scalar32_min_max_<op>: dst_known is tested on the already-combined var_off.
  const v32 = d.lo32(varOff.value), m32 = d.lo32(varOff.mask);
  const known32 = h.andB(isConst32(d, src), isConst32(d, s));
  const [u32min, u32max] = range(h, op, v32, m32, dst.u32min, dst.u32max, src.u32min, src.u32max);
  const s32ok = h.sle(u32min, u32max);
  const k32 = markKnown32(d, s, v32);
  s = {
    varOff: { value: q.ite(known32, k32.varOff.value, varOff.value), mask: q.ite(known32, k32.varOff.mask, varOff.mask) },
    umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax,
    u32min: h.ite(known32, v32, u32min),
    u32max: h.ite(known32, v32, u32max),
    s32min: h.ite(known32, v32, h.ite(s32ok, u32min, sMin(h))),
    s32max: h.ite(known32, v32, h.ite(s32ok, u32max, sMax(h))),
  };

  // scalar_min_max_<op>: both constant → __mark_reg_known; else bounds from var_off, then __update_reg_bounds.
  const known64 = q.andB(isConst64(d, src), isConst64(d, s));
  const [umin, umax] = range(q, op, s.varOff.value, s.varOff.mask, dst.umin, dst.umax, src.umin, src.umax);
  const sok = q.sle(umin, umax);
  const general = (): ScalarState<V> =>
    updateRegBounds(d, { varOff: s.varOff, umin, umax, smin: q.ite(sok, umin, sMin(q)), smax: q.ite(sok, umax, sMax(q)), u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max }, fl);
  return selState(d, known64, () => scalarConst(d, s.varOff.value), general);
}
