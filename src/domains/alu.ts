// ALU transfer functions on scalars, as adjust_scalar_min_max_vals and check_alu_op do them:
// (dst, src, op, width) → new dst, including zero extension for ALU32, reg_bounds_sync, and the
// cases the kernel sends to unknown (shift by a non-constant or ≥ width amount, div/mod).
// Also NEG, MOV/MOVSX and END. Pointer cases and scalar ids are the verifier model's business.
import { type ScalarState, type D, type KernelFlavor, scalarUnknown, scalarConst, markKnown32, markUnbounded, selState, iteState, isConst32, isConst64, withVarOff } from './scalar.ts';
import { tnumAdd, tnumSub, tnumMul, tnumMulCgo22, tnumNeg, tnumSubreg, tnumBswap16, tnumBswap32, tnumBswap64 } from './tnum.ts';
import { bothHalves, addBounds, subBounds, mulBounds, mulBounds612 } from './alu-arith.ts';
import { scalarBitwise } from './alu-bitwise.ts';
import { scalarLsh64, scalarLsh32, scalarRsh64, scalarRsh32, scalarArsh64, scalarArsh32 } from './alu-shift.ts';
import { regBoundsSync } from './sync.ts';
import { coerceRegToSize, coerceRegToSizeSx, coerceSubregToSizeSx, type SyncFn } from './alu-move.ts';

export type Width = 32 | 64;
export type ScalarAluOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'lsh' | 'rsh' | 'arsh' | 'xor';

/** The source operand of an immediate form: __mark_reg_known(imm) with imm sign-extended to 64 bits (both ALU and ALU64). */
export function immOperand<V, B>(d: D<V, B>, imm: number): ScalarState<V> {
  return scalarConst(d, d.u64.c(BigInt(imm | 0)));
}

/**
 * is_safe_to_compute_dst_reg_range: arithmetic and bitwise ops always; shifts only by a
 * constant (tnum and both ranges agree, at the op's width) whose 64-bit umax is < width;
 * div/mod never (6.12–6.18: unknown).
 */
export function safeToCompute<V, B>(d: D<V, B>, op: ScalarAluOp, width: Width, src: ScalarState<V>): B {
  const q = d.u64, h = d.u32;
  if (op === 'lsh' || op === 'rsh' || op === 'arsh') {
    const isConst = width === 32
      ? h.andB(isConst32(d, src), h.eq(src.s32min, src.s32max), h.eq(src.u32min, src.u32max))
      : q.andB(isConst64(d, src), q.eq(src.smin, src.smax), q.eq(src.umin, src.umax));
    return q.andB(isConst, q.ult(src.umax, q.c(width)));
  }
  if (op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod') return q.F; // 6.12: div/mod → unknown
  return q.T;
}

/** zext_32_to_64: var_off to its subregister, then __reg_assign_32_into_64. */
export function zext32To64<V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> {
  const q = d.u64, h = d.u32;
  const posS32 = h.andB(h.sge(s.s32min, h.zero), h.sge(s.s32max, h.zero));
  return {
    varOff: tnumSubreg(q, s.varOff),
    umin: d.zext32(s.u32min),
    umax: d.zext32(s.u32max),
    smin: q.ite(posS32, d.zext32(s.s32min), q.zero),
    smax: q.ite(posS32, d.zext32(s.s32max), d.zext32(h.ones)),
    u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max,
  };
}

/** The ALU32 zero extension (if any) and reg_bounds_sync that end adjust_scalar_min_max_vals (exported for proofs/). */
export function finish<V, B>(d: D<V, B>, s: ScalarState<V>, width: Width, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  return sync(d, width === 32 ? zext32To64(d, s) : s, fl);
}

/** The op-specific middle of adjust_scalar_min_max_vals (no zext, no sync; exported for proofs/). */
export function compute<V, B>(d: D<V, B>, op: ScalarAluOp, width: Width, dst: ScalarState<V>, src: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const q = d.u64;
  switch (op) {
    case 'add':
      return withVarOff(bothHalves(d, dst, src, (r, a, b) => addBounds(r, a, b, fl)), tnumAdd(q, dst.varOff, src.varOff));
    case 'sub':
      return withVarOff(bothHalves(d, dst, src, (r, a, b) => subBounds(r, a, b, fl)), tnumSub(q, dst.varOff, src.varOff));
    case 'mul': {
      const varOff = fl.tnumMul618 ? tnumMul(q, dst.varOff, src.varOff) : tnumMulCgo22(q, dst.varOff, src.varOff);
      return bothHalves(d, withVarOff(dst, varOff), src, fl.mulProducts ? mulBounds : mulBounds612);
    }
    case 'and': case 'or': case 'xor':
      return scalarBitwise(d, op, dst, src, fl);
    case 'lsh':
      return width === 64 ? scalarLsh64(d, dst, src, fl) : scalarLsh32(d, dst, src);
    case 'rsh':
      return width === 64 ? scalarRsh64(d, dst, src, fl) : scalarRsh32(d, dst, src);
    case 'arsh':
      return width === 64 ? scalarArsh64(d, dst, src, fl) : scalarArsh32(d, dst, src);
    default:
      return scalarUnknown(d);
  }
}

/**
 * adjust_scalar_min_max_vals for a binary op on two scalars: unknown when the range is not
 * safe to compute; else the op's bounds and tnum, ALU32 zero extension, reg_bounds_sync.
 * maybe_fork_scalars (AND/OR) is separate: see `forkScalars`.
 */
export function scalarAlu<V, B>(d: D<V, B>, op: ScalarAluOp, width: Width, dst: ScalarState<V>, src: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const safe = safeToCompute(d, op, width, src);
  return selState(d, safe, () => finish(d, compute(d, op, width, dst, src, fl), width, fl), () => scalarUnknown(d));
}

/**
 * maybe_fork_scalars: before AND/OR with a constant (64-bit tnum) source, a dst whose s64 range
 * is [-1, 0] (else whose s32 range is [-1, 0]) is split: the verifier goes on with dst = -1 and
 * pushes a branch that re-executes the instruction with dst = 0 (the 32-bit case sets only the
 * subregister). `fork` says whether this happens.
 */
export function forkScalars<V, B>(d: D<V, B>, op: ScalarAluOp, dst: ScalarState<V>, src: ScalarState<V>): { fork: B; minusOne: ScalarState<V>; zero: ScalarState<V> } {
  const q = d.u64, h = d.u32;
  const is64 = q.andB(q.eq(dst.smin, q.ones), q.eq(dst.smax, q.zero));
  const is32 = h.andB(h.eq(dst.s32min, h.ones), h.eq(dst.s32max, h.zero));
  const fork = op === 'and' || op === 'or' ? q.andB(isConst64(d, src), q.orB(is64, is32)) : q.F;
  return {
    fork,
    minusOne: iteState(d, is64, scalarConst(d, q.ones), markKnown32(d, dst, h.ones)),
    zero: iteState(d, is64, scalarConst(d, q.zero), markKnown32(d, dst, h.zero)),
  };
}

/** BPF_NEG: 6.13+ computes 0 - dst with the sub bounds and tnum_neg; 6.12 gives unknown. */
export function scalarNeg<V, B>(d: D<V, B>, width: Width, dst: ScalarState<V>, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  if (!fl.negTracked) return scalarUnknown(d); // 6.12
  return finish(d, computeNeg(d, dst, fl), width, fl, sync);
}

/** The middle of BPF_NEG (6.13+): 0 - dst bounds and tnum_neg, before zext and sync (exported for proofs/). */
export function computeNeg<V, B>(d: D<V, B>, dst: ScalarState<V>, fl: KernelFlavor): ScalarState<V> {
  const zero = scalarConst(d, d.u64.zero);
  return withVarOff(bothHalves(d, zero, dst, (r, a, b) => subBounds(r, a, b, fl)), tnumNeg(d.u64, dst.varOff));
}

// ---------------------------------------------------------------------------------------------
// MOV / MOVSX

/** r = imm (sign-extended) / w = imm (zero-extended 32-bit). */
export function scalarMovImm<V, B>(d: D<V, B>, width: Width, imm: number): ScalarState<V> {
  const v = BigInt(imm | 0);
  return scalarConst(d, d.u64.c(width === 64 ? v : BigInt.asUintN(32, v)));
}

/** r = r (copy) / w = w (copy, zext_32_to_64, reg_bounds_sync). */
export function scalarMovReg<V, B>(d: D<V, B>, width: Width, src: ScalarState<V>, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  return width === 64 ? src : sync(d, zext32To64(d, src), fl);
}

/** r = (s8|s16|s32) r: coerce_reg_to_size_sx, no sync. w = (s8|s16) w: coerce_subreg_to_size_sx, zext, sync. */
export function scalarMovsx<V, B>(d: D<V, B>, width: Width, ext: 8 | 16 | 32, src: ScalarState<V>, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  if (width === 64) return coerceRegToSizeSx(d, src, ext, fl, sync);
  if (ext === 32) throw new RangeError('movsx32 with a 32-bit source is reserved');
  return sync(d, zext32To64(d, coerceSubregToSizeSx(d, src, ext)), fl);
}

// ---------------------------------------------------------------------------------------------
// END (byte swaps)

export type EndOrder = 'le' | 'be' | 'swap';

/**
 * BPF_END on a little-endian host (6.18.y, scalar_byte_swap): bswap and to-be swap the bytes of
 * var_off and forget the bounds; 16/32-bit forms then truncate (coerce_reg_to_size, which syncs);
 * no zero extension; reg_bounds_sync. le64 is the identity (then sync). 6.12: unknown.
 */
export function scalarEnd<V, B>(d: D<V, B>, order: EndOrder, bits: 16 | 32 | 64, dst: ScalarState<V>, fl: KernelFlavor, sync: SyncFn = regBoundsSync): ScalarState<V> {
  if (!fl.endTracked) return scalarUnknown(d); // 6.12
  let s = scalarEndSwap(d, order, bits, dst);
  if (bits !== 64) s = coerceRegToSize(d, s, bits / 8, fl, sync);
  return sync(d, s, fl);
}

/** The first step of scalarEnd (6.13+): the swapped var_off with the bounds forgotten (dst itself for le). */
export function scalarEndSwap<V, B>(d: D<V, B>, order: EndOrder, bits: 16 | 32 | 64, dst: ScalarState<V>): ScalarState<V> {
  if (order === 'le') return dst;
  const q = d.u64;
  const t = bits === 16 ? tnumBswap16(q, dst.varOff) : bits === 32 ? tnumBswap32(q, dst.varOff) : tnumBswap64(q, dst.varOff);
  return markUnbounded(d, withVarOff(dst, t));
}
