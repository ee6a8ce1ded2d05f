// The variable part of a pointer moved by a scalar of unknown value (adjust_ptr_min_max_vals,
// BPF_ADD / BPF_SUB with a non-constant offset): the 64-bit bounds add or subtract as scalars
// do, but any unsigned wrap gives unbounded whatever the kernel version (the pointer path kept
// the pre-6.17 rule), the tnum adds or subtracts, and the 32-bit bounds become unbounded.
// Written generically so that the verifier model runs it compiled (src/domains/compiled.ts).
import { type ScalarState, type D, type KernelFlavor, sMin, sMax } from './scalar.ts';
import { addBounds, subBounds, bounds64 } from './alu-arith.ts';
import { tnumAdd, tnumSub } from './tnum.ts';
import { regBoundsSync } from './sync.ts';

export type PtrVarOp = 'add' | 'sub';

/** The pointer's new variable part before reg_bounds_sync (what check_reg_sane_offset looks at). */
export function ptrVarOffset<V, B>(d: D<V, B>, op: PtrVarOp, p: ScalarState<V>, o: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  // the pointer rule is addSubWrap off in either flavor: any wrap of a bound loses both
  const rule: KernelFlavor = { ...fl, addSubWrap: false };
  const b = op === 'add' ? addBounds(d.u64, bounds64(p), bounds64(o), rule) : subBounds(d.u64, bounds64(p), bounds64(o), rule);
  const varOff = op === 'add' ? tnumAdd(d.u64, p.varOff, o.varOff) : tnumSub(d.u64, p.varOff, o.varOff);
  const h = d.u32;
  return { varOff, umin: b.umin, umax: b.umax, smin: b.smin, smax: b.smax, u32min: h.zero, u32max: h.ones, s32min: sMin(h), s32max: sMax(h) };
}

/** The unsynced variable part and the synced one (the register's new state). */
export function ptrVarMove<V, B>(d: D<V, B>, op: PtrVarOp, p: ScalarState<V>, o: ScalarState<V>, fl: KernelFlavor): { raw: ScalarState<V>; synced: ScalarState<V> } {
  const raw = ptrVarOffset(d, op, p, o, fl);
  return { raw, synced: regBoundsSync(d, raw, fl) };
}
