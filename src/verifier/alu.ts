// ALU instructions on registers (check_alu_op, adjust_reg_min_max_vals, adjust_ptr_min_max_vals):
// scalar math through the domain, pointer arithmetic with the kernel's rules, linked scalar ids
// (mov copies an id; `rX += K` keeps a link with a constant delta, BPF_ADD_CONST).
import type { Op } from '../isa/op.ts';
import { aluSem } from '../bv/alu.ts';
import { scalarNeg, scalarMovReg, scalarMovsx, scalarEnd, scalarEndSwap, forkScalars, type EndOrder, type ScalarAluOp } from '../domains/alu.ts';
import { unbounded32, scalarConst } from '../domains/scalar.ts';
import type { Env } from './env.ts';
import type { DomainSession } from './memo.ts';
import { type Reg, type Scalar, D, SCALAR_UNKNOWN, ZERO, immReg, regWith, isConst, isPtr, s64, scalarReg, typeStr, mayBeNull } from './regs.ts';
import { type State, cur } from './state.ts';
import { sanitizeCheckBounds, sanitizePtrAlu, sanitizeValAlu, type SanitizeInfo } from './spectre.ts';
import { Recent } from './recent.ts';

/**
 * BPF_ADD_CONST, the id's bit 31, kept in an int32: a linked id is `id | ADD_CONST`, a negative
 * number. As 2^31 + id it was no small integer to V8, and the register holding it gave the
 * registers' shared map a double field (a map deprecated, every register reader deoptimized or
 * kept unoptimized while its feedback kept changing).
 */
export const ADD_CONST = -0x80000000;
/** Whether an id carries BPF_ADD_CONST. */
export const addConst = (id: number): boolean => id < 0;
export const baseId = (id: number): number => id & 0x7fffffff;

const ALU_STR: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  neg: 'neg', mod: '%=', smod: 's%=', xor: '^=', mov: '=', movsx: '=', arsh: 's>>=',
};

const BPF_MAX_VAR_OFF = 1n << 29n, MAX_VAR_OFF = 1 << 29;
/** -BPF_MAX_VAR_OFF as a u64 word: signed values above it (and below BPF_MAX_VAR_OFF) are in range. */
const NEG_MAX_VAR_OFF = (1n << 64n) - BPF_MAX_VAR_OFF;
const S64_MIN = -(1n << 63n), U64_MAX = (1n << 64n) - 1n, S64_SIGN = 1n << 63n;

/** Signed a > b on the u64 words the scalars hold (no BigInt.asIntN copies). */
function sgt64(a: bigint, b: bigint): boolean {
  const na = a >= S64_SIGN, nb = b >= S64_SIGN;
  return na === nb ? a > b : nb;
}

/** check_reg_arg(SRC_OP)'s message: register `r` is not_init. */
export const notInitMsg = (r: number): string => `R${r} !read_ok`;

/** check_reg_arg(DST_OP)'s message: r10 cannot be written. */
export const FP_READ_ONLY = 'frame pointer is read only';

/** get_reg_width. */
const width = (s: Scalar): number => (s.umax === 0n ? 0 : s.umax.toString(2).length);

/** assign_scalar_id_before_mov: a non-constant scalar without an id gets one (in place). */
function linkId(env: Env, regs: Reg[], r: number): Reg {
  let reg = regs[r];
  if (reg.type !== 'scalar') return reg;
  if (addConst(reg.id)) reg = regWith(reg, reg.v, 0, 0, reg.range);
  if (reg.id === 0 && !isConst(reg.v)) reg = regWith(reg, reg.v, 0, ++env.idGen, reg.range);
  regs[r] = reg;
  return reg;
}

/**
 * check_reg_sane_offset: its rejection's message (naming `ptr`'s type, computed only for a
 * message), else undefined.
 */
function saneOffset(rv: Scalar, off: number, ptr: Reg): string | undefined {
  const offOk = off < MAX_VAR_OFF && off > -MAX_VAR_OFF;
  // a pointer without a variable part (the shared zero: constants only were added to it) passes
  // on its offset alone; a relational test of bigints costs ~10 ns
  if (offOk && rv === ZERO) return undefined;
  // the common case (every value in (-2^29, 2^29)) tested on the u64 words, without signed copies
  const v = rv.varOff.value, sm = rv.smin;
  if (offOk && (v < BPF_MAX_VAR_OFF || v > NEG_MAX_VAR_OFF) && (sm < BPF_MAX_VAR_OFF || sm > NEG_MAX_VAR_OFF)) return undefined;
  const type = typeStr(ptr);
  const known = isConst(rv);
  const val = s64(v);
  const smin = s64(sm);
  if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) return `math between ${type} pointer and ${val} is not allowed`;
  if (!offOk) return `${type} pointer offset ${off} is not allowed`;
  if (smin === S64_MIN) return `math between ${type} pointer and register with unbounded min value is not allowed`;
  if (smin >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF) return `value ${smin} makes ${type} pointer be out of bounds`;
  return undefined;
}

/**
 * off ± a constant fits the pointer's s32 offset (computed on numbers: exact where it can fit, as
 * |off| < 2^29 after saneOffset; a larger constant loses precision but is out of range either way).
 */
const fitsS32 = (x: number): boolean => x >= -0x80000000 && x <= 0x7fffffff;

/**
 * A packet pointer moved by a constant keeps its range, but not mark_pkt_end's markers
 * (AT/BEYOND_PKT_END, negative): 6.18 logs `pkt(off=22,r=0)` for `r3 += 8` after `if r3 > r2`
 * was taken (fuzz verifier found the false accept; test/verifier regression).
 */
const markerCleared = (ptr: Reg): number => ((ptr.type === 'pkt' || ptr.type === 'pkt_meta') && ptr.range < 0 ? 0 : ptr.range);

/** The 32-bit bounds __mark_reg32_unbounded sets. */
const UNBOUNDED32 = unbounded32(D);

/**
 * __mark_reg32_unbounded on a copy, field by field: V8 runs a second spread in one literal
 * (`{ ...s, ...UNBOUNDED32 }`) through its runtime, which cost several % of a looping check.
 */
const unbounded32Of = (s: Scalar): Scalar => ({
  varOff: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax,
  u32min: UNBOUNDED32.u32min, u32max: UNBOUNDED32.u32max, s32min: UNBOUNDED32.s32min, s32max: UNBOUNDED32.s32max,
});

/**
 * The key (with the variable part) of a pointer's variable part moved by a constant at an
 * instruction, in the memo's side table: reg_bounds_sync after __mark_reg32_unbounded, a function
 * of the variable part alone (the constant moves the fixed offset).
 */
const MOVED = { moved: true };

/** The session's ptrVar for instruction `pc`, or the last answer there on these very objects (immutable, shared). */
function ptrVarAt(env: Env, pc: number, op: 'add' | 'sub', p: Scalar, o: Scalar): { raw: Scalar; synced: Scalar } {
  return (env.aluMemo.sideGet(pc, p, o) as { raw: Scalar; synced: Scalar } | undefined) ?? env.aluMemo.sideSet(pc, p, o, env.dom.ptrVar(op, p, o));
}

/** movedVar's last four answers by variable part and session (a loop's pointer is moved at a few instructions per path). */
const moved = new Recent<Scalar, DomainSession, Scalar>(4);

/**
 * A pointer's variable part `p` after a move by a constant: reg_bounds_sync after
 * __mark_reg32_unbounded, a function of `p` and the session alone, so the last few answers are
 * kept by the object `p` whatever the instruction. The memo's side table keeps one per
 * instruction, and a loop moves each new packet pointer at several instructions (xdp_loop:
 * `r6 = r1; r6 += 2` and `r3 = r1; r3 += 8` on the r1 of `r1 += r0`): 376 of the 388 moves
 * of a check missed it, and each computed a new 32-bit-unbounded copy the session's own cache
 * keyed by object cannot meet again. Exported for tests.
 */
export function movedVar(dom: DomainSession, p: Scalar): Scalar {
  return moved.get(p, dom, 0) ?? moved.set(p, dom, 0, dom.sync(unbounded32Of(p)));
}

/**
 * adjust_ptr_min_max_vals (unprivileged: the Spectre masking's bounds, not its speculative paths).
 * Returns the new dst, or the rejection's message (aluStep's convention). `imm`: the instruction's
 * immediate when it is the offset (`ptr += K`, the common case): the offset is then a well-formed
 * constant whose value is known as a number, so its bounds need no bigint tests and no
 * BigInt-to-number conversion.
 */
function ptrArith(env: Env, pc: number, op: Op & { kind: 'alu' }, ptr: Reg, offReg: Reg, dstIsPtr: boolean, imm?: number): Reg | string {
  const dst = op.dst;
  const o = offReg.v;
  const immOff = imm !== undefined;
  const known = immOff || isConst(o);
  if (!immOff && ((known && (o.smin !== o.smax || o.umin !== o.umax)) || sgt64(o.smin, o.smax) || o.umin > o.umax)) return SCALAR_UNKNOWN;
  if (op.width === 32) {
    if (op.op === 'sub' && env.privileged) return SCALAR_UNKNOWN;
    return `R${dst} 32-bit pointer arithmetic prohibited`;
  }
  if (mayBeNull(ptr)) return `R${dst} pointer arithmetic on ${typeStr(ptr)} prohibited, null-check it first`;
  switch (ptr.type) {
    case 'ctx': case 'map_value': case 'map_key': case 'fp': case 'pkt_meta': case 'pkt': case 'mem':
      break;
    default:
      if (ptr.type === 'map_ptr' && known && o.smin === 0n && op.op === 'add') break;
      return `R${dst} pointer arithmetic on ${typeStr(ptr)} prohibited`;
  }
  // an immediate's register has offset 0: only its value can fail check_reg_sane_offset
  let bad = !immOff || imm >= MAX_VAR_OFF || imm <= -MAX_VAR_OFF ? saneOffset(o, offReg.off, ptr) : undefined;
  if (bad === undefined) bad = saneOffset(ptr.v, ptr.off, ptr);
  if (bad !== undefined) return bad;
  // sanitize_ptr_alu's state (the root skips it: no object then)
  const info: SanitizeInfo | undefined = env.privileged ? undefined : { maskToLeft: false };
  if (info) {
    const e = sanitizePtrAlu(env, pc, op, ptr, offReg, dstIsPtr, info, false);
    if (e !== undefined) return e;
  }
  const p = ptr.v;
  /** A constant offset as a number (inexact only where it cannot fit the s32 offset anyway). */
  const k = immOff ? imm : !known ? 0 : o.smin < S64_SIGN ? Number(o.smin) : Number(s64(o.smin));
  const isPktPtr = ptr.type === 'pkt' || ptr.type === 'pkt_meta';
  // the new variable part before reg_bounds_sync (what check_reg_sane_offset sees), the synced
  // one when the operator computed it, and the new fixed offset, id and range
  let raw: Scalar, synced: Scalar | undefined, off = ptr.off, id = ptr.id, range = ptr.range;
  switch (op.op) {
    case 'add': {
      if (known && fitsS32(ptr.off + k)) {
        off = ptr.off + k;
        range = markerCleared(ptr);
        raw = p;
        break;
      }
      const m = ptrVarAt(env, pc, 'add', p, o);
      raw = m.raw;
      synced = m.synced;
      if (isPktPtr) { id = ++env.idGen; range = 0; }
      break;
    }
    case 'sub': {
      if (!dstIsPtr) return `R${dst} tried to subtract pointer from scalar`;
      if (ptr.type === 'fp') return `R${dst} subtraction from stack pointer prohibited`;
      if (known && fitsS32(ptr.off - k)) {
        off = ptr.off - k;
        range = markerCleared(ptr);
        raw = p;
        break;
      }
      const m = ptrVarAt(env, pc, 'sub', p, o);
      raw = m.raw;
      synced = m.synced;
      if (isPktPtr) { id = ++env.idGen; range = o.smin >= S64_SIGN || ptr.range < 0 ? 0 : ptr.range; }
      break;
    }
    case 'and': case 'or': case 'xor':
      return `R${dst} bitwise operator ${ALU_STR[op.op]} on pointer prohibited`;
    default:
      return `R${dst} pointer arithmetic with ${ALU_STR[op.op]} operator prohibited`;
  }
  // a constant move leaves `raw` = p: the variable part after __mark_reg32_unbounded has p's
  // varOff and smin, all check_reg_sane_offset reads, so p is checked in its place. p passed
  // that check above with the old offset, so only the new offset can fail it now (and then with
  // the offset's message, the first test being p's and passed): no bigint tests again
  if (raw !== p || off >= MAX_VAR_OFF || off <= -MAX_VAR_OFF) {
    const e = saneOffset(raw, off, ptr);
    if (e !== undefined) return e;
  }
  let v: Scalar;
  if (synced !== undefined) v = synced;
  else if (isConst(p)) v = p;
  else v = (env.aluMemo.sideGet(pc, p, MOVED) as Scalar | undefined) ?? env.aluMemo.sideSet(pc, p, MOVED, movedVar(env.dom, p));
  const out: Reg = regWith(ptr, v, off, id, range);
  if (info) {
    const e = sanitizeCheckBounds(env, dst, out) ?? sanitizePtrAlu(env, pc, op, out, offReg, true, info, true);
    if (e !== undefined) return e;
  }
  return out;
}

/**
 * Execute an ALU instruction on the current frame (may push a forked state: maybe_fork_scalars):
 * undefined when the instruction was executed, else the message of its rejection
 * (step() reports it by return: env.ts reject). A rejection is returned, not thrown, because V8 counts a function's
 * calls towards its optimisation only when they return: a small program's candidates are mostly
 * rejected, many at their first ALU instruction, and a function whose calls ended in a throw stayed
 * in the interpreter without even inline caches (%GetOptimizationStatus after 25,000 re-checks of
 * xdp_pktcntr or xdp_map_access), ~0.5 µs per call. The Spectre checks of unprivileged runs
 * (spectre.ts) return theirs the same way.
 *
 * The registers are read from the frame's array once (check_reg_arg's checks inline: no second `cur`
 * per operand), and a read register's type is known not to be not_init, so isPtr is `!== 'scalar'`.
 */
export function aluStep(env: Env, st: State, pc: number, op: Op & { kind: 'alu' }, push: (s: State, pc: number) => void, clone: (s: State) => State): string | undefined {
  const regs = cur(st).regs;
  const d = op.dst;
  const o = op.op;
  const operand = op.src;
  if (o === 'mov' || o === 'movsx') {
    if ('reg' in operand) {
      const s = operand.reg;
      let src = regs[s];
      if (src.type === 'not_init') return notInitMsg(s);
      if (d === 10) return FP_READ_ONLY;
      if (!env.privileged && src.type !== 'scalar' && (op.width === 32 || o === 'movsx'))
        return op.width === 32 ? `R${s} partial copy of pointer` : `R${s} sign-extension part of pointer`;
      if (o === 'mov' && op.width === 64) {
        if (src.type === 'scalar') src = linkId(env, regs, s);
        regs[d] = src;
      } else if (src.type !== 'scalar') {
        // a pointer copied (root may): unknown, then zero-extended when 32-bit (fuzz verifier:
        // `w3 = (s8)w6` with r6 a packet pointer gives scalar(smin=0,smax=umax=0xffffffff,…))
        regs[d] = op.width === 32 ? scalarReg(scalarMovReg(D, 32, SCALAR_UNKNOWN.v, env.dom.flavor, env.dom.syncFn)) : SCALAR_UNKNOWN;
      } else if (o === 'mov') {
        const fits = width(src.v) <= 32;
        if (fits) src = linkId(env, regs, s);
        // the sync through the session's tiers: the generic sync on bigints costs ~20 µs, more
        // than the rest of a small re-check
        const r = scalarReg(scalarMovReg(D, 32, src.v, env.dom.flavor, env.dom.syncFn), fits ? src.id : 0);
        regs[d] = fits ? regWith(r, r.v, src.off, r.id, r.range) : r;
      } else {
        // movsx: the link survives when no sign extension can happen (umax < 2^(ext-1))
        const noSext = src.v.umax < 1n << BigInt(op.ext! - 1);
        if (noSext) src = linkId(env, regs, s);
        regs[d] = linkedScalar(movsxScalar(env.dom, op.width, op.ext!, src.v), noSext ? src.id : 0, noSext ? src.off : 0);
      }
    } else {
      if (d === 10) return FP_READ_ONLY;
      // scalarMovImm's value: the immediate sign-extended (64) or zero-extended (32), shared
      regs[d] = env.imms.at(pc, op.width === 64 ? operand.imm | 0 : (operand.imm | 0) >>> 0);
    }
    return undefined;
  }
  if (o === 'neg') {
    const r = regs[d];
    if (r.type === 'not_init') return notInitMsg(d);
    if (!env.privileged && r.type !== 'scalar') return `R${d} pointer arithmetic prohibited`;
    if (d === 10) return FP_READ_ONLY;
    regs[d] = r.type === 'scalar' ? scalarReg(scalarNeg(D, op.width, r.v, env.dom.flavor, env.dom.syncFn)) : SCALAR_UNKNOWN;
    return undefined;
  }
  // binary ops: the source read first, then the destination (check_reg_arg's order)
  const isX = 'reg' in operand;
  let srcReg: Reg;
  if (isX) {
    srcReg = regs[operand.reg];
    if (srcReg.type === 'not_init') return notInitMsg(operand.reg);
  } else srcReg = env.imms.at(pc, operand.imm | 0); // immOperand's value, shared
  const dstReg = regs[d];
  if (dstReg.type === 'not_init') return notInitMsg(d);
  if (!isX) {
    const imm = operand.imm;
    if ((o === 'div' || o === 'mod' || o === 'sdiv' || o === 'smod') && imm === 0) return 'div by zero';
    if ((o === 'lsh' || o === 'rsh' || o === 'arsh') && (imm < 0 || imm >= op.width)) return `invalid shift ${imm}`;
  }
  if (d === 10) return FP_READ_ONLY;

  // both are read (not not_init): a pointer is anything but a scalar
  const dstPtr = dstReg.type !== 'scalar', srcPtr = srcReg.type !== 'scalar';
  if (dstPtr || srcPtr) {
    if (dstPtr && srcPtr) {
      if (o === 'sub' && env.privileged) { regs[d] = SCALAR_UNKNOWN; return undefined; }
      return `R${d} pointer ${ALU_STR[o]} pointer prohibited`;
    }
    let r: Reg | string;
    if (dstPtr) {
      if (isX) env.precise(1 << operand.reg);
      r = ptrArith(env, pc, op, dstReg, srcReg, true, isX ? undefined : operand.imm | 0);
    } else {
      env.precise(1 << d);
      r = ptrArith(env, pc, op, srcReg, dstReg, false);
    }
    if (typeof r === 'string') return r;
    regs[d] = r;
    return undefined;
  }
  if (!env.privileged) {
    const e = sanitizeValAlu(env, pc, op);
    if (e !== undefined) return e;
  }
  const aop = o as ScalarAluOp;
  let dv = dstReg.v;
  const sv = srcReg.v;
  // linked ids (6.18): 64-bit rX += K / rX -= K with K in s32 keeps the link with a delta;
  // anything else breaks it (the kernel also links 32-bit forms; the model drops those links,
  // which only loses precision). Told apart from the operator, width and id first: the source's
  // constness (a bigint test through two objects) only where those allow a link
  const mayLink = (aop === 'add' || aop === 'sub') && op.width === 64 && dstReg.id !== 0;
  const memo = env.aluMemo;
  // the common revisit: the memo's result for these very inputs, in the register kept with it.
  // No fork is skipped: the memo is keyed by the inputs after a fork, and those are either
  // inputs that did not fork (the test is a function of the objects) or the fork's constant -1
  // side, which cannot fork
  if (!mayLink) {
    const r = memo.hitReg(pc, dv, sv);
    if (r !== undefined) {
      regs[d] = r;
      return undefined;
    }
  }
  // an immediate is a constant (its register is immReg's): one bigint test less per instruction
  const srcConst = !isX || isConst(sv);
  const linked = mayLink && srcConst;
  // (hitReg has answered a revisit that cannot link: get would give its undefined)
  let v = mayLink ? memo.get(pc, dv, sv) : undefined;
  if (v !== undefined && !linked) {
    regs[d] = memo.reg(pc, v);
    return undefined;
  }
  // forkScalars only forks for a constant source and a dst in [-1, 0] (s64 or s32): checked here
  // first, as the generic code on bigints is slow for the common case of no fork
  if (v === undefined && (aop === 'and' || aop === 'or') && srcConst && ((dv.smin === U64_MAX && dv.smax === 0n) || (dv.s32min === 0xffffffffn && dv.s32max === 0n))) {
    const f = forkScalars(D, aop, dv, sv);
    if (f.fork) {
      const other = clone(st);
      cur(other).regs[d] = scalarReg(f.zero);
      push(other, pc);
      dv = f.minusOne;
      v = memo.get(pc, dv, sv);
    }
  }
  if (v === undefined && op.width === 64 && (aop === 'and' || aop === 'add' || aop === 'rsh')) {
    // the closed forms (a function of its own: aluStep's body stays as small as before them)
    const r = closedForm(aop, dv, sv, srcConst);
    if (r !== undefined) {
      const reg = 'type' in r ? r : memo.reg(pc, r);
      regs[d] = reg;
      memo.setReg(pc, dv, sv, reg);
      return undefined;
    }
  }
  if (v === undefined) {
    // two constants: the result's register is the shared one of its value when it has one
    // (immReg's: a loop counter's values recur in every check), else a new constant
    const k = srcConst && isConst(dv) ? constAlu(aop, op.width, dv.varOff.value, sv.varOff.value) : undefined;
    if (k !== undefined && !linked) {
      const x = Number(k);
      if (x < 0x100000000) {
        const r = immReg(x);
        regs[d] = r;
        memo.setReg(pc, dv, sv, r);
        return undefined;
      }
    }
    v = memo.set(pc, dv, sv, k !== undefined ? scalarConst(D, k) : env.dom.alu(aop, op.width, dv, sv));
  }
  if (linked) {
    const val = BigInt.asIntN(64, sv.varOff.value);
    let off = Number(val);
    const fits = val >= -0x80000000n && val <= 0x7fffffffn && !(aop === 'sub' && val === -0x80000000n);
    // (0 - off, not -off: a sub of 0 would store -0, a double to V8, as above)
    if (aop === 'sub') off = 0 - off;
    if (!fits || addConst(dstReg.id)) regs[d] = scalarReg(v);
    else regs[d] = linkedScalar(v, dstReg.id | ADD_CONST, off);
  } else regs[d] = memo.reg(pc, v);
  return undefined;
}

/** The registers of [0, 2^n - 1] with var_off (0; 2^n - 1), by n (1 .. 31): lowMaskAnd's results, shared. */
const LOW_MASKS: (Reg | undefined)[] = new Array(32).fill(undefined);

/**
 * The register of `dst & k` (64-bit, k a constant) when k = 2^n - 1 (0 < n < 32) and dst's low n
 * bits are all unknown, its umax and u32max at least k: then, whatever else dst holds (not a
 * constant: its mask has k's bits), the kernel's result is the canonical [0, k] with var_off (0; k)
 * in every flavor: tnum_and gives (0; k) (dst's value has no bit where its mask has one), the
 * unsigned bounds [var_off.value, min(umax, k)] = [0, k] at both widths, signed ones the same (no
 * sign crossing below 2^31; 6.12's loss of them on a negative smin is restored by
 * __update_reg_bounds from the tnum), and reg_bounds_sync leaves that fixed point as it is. A
 * checksum's or a header field's `&= 0xffff`, `&= 0xf`: no domain call.
 * test/verifier/insn-shortcuts.test.ts compares it with scalarAlu in every flavor; Z3 proves its
 * generic form (src/domains/closed-forms.ts; proofs/closed-forms.ts). Else undefined.
 */
export function lowMaskAnd(dst: Scalar, k: bigint): Reg | undefined {
  if (k >= 0x80000000n || k === 0n) return undefined;
  const x = Number(k);
  // k + 1 a power of two (x < 2^31: bit operations on the number are exact)
  if ((x & (x + 1)) !== 0) return undefined;
  if ((dst.varOff.mask & k) !== k || dst.umax < k || dst.u32max < k) return undefined;
  const n = 32 - Math.clz32(x);
  let r = LOW_MASKS[n];
  if (r === undefined) {
    r = LOW_MASKS[n] = scalarReg({ varOff: { value: 0n, mask: k }, umin: 0n, umax: k, smin: 0n, smax: k, u32min: 0n, u32max: k, s32min: 0n, s32max: k });
  }
  return r;
}

/**
 * The 64-bit `and`, `add` or `rsh` of dst and src computed in closed form, when one applies (src a
 * constant for `and` and `rsh`, a register for `add`): the shared register of lowMaskAnd, or the
 * state of floorAnd, zeroBasedAdd, zeroBasedRsh; else undefined (the domain's call).
 */
function closedForm(aop: 'and' | 'add' | 'rsh', dv: Scalar, sv: Scalar, srcConst: boolean): Reg | Scalar | undefined {
  if (aop === 'add') return srcConst ? undefined : zeroBasedAdd(dv, sv);
  if (!srcConst) return undefined;
  if (aop === 'rsh') return zeroBasedRsh(dv, sv.varOff.value);
  // `rX &= 2^n - 1` keeping the low bits of a value whose low n bits are all unknown, then any
  // other mask on a value with a zero floor
  return lowMaskAnd(dv, sv.varOff.value) ?? floorAnd(dv, sv.varOff.value);
}

/** 2^n - 1 by n (0 .. 31), as bigints. */
const FULL_MASKS: readonly bigint[] = Array.from({ length: 32 }, (_, n) => (1n << BigInt(n)) - 1n);

/**
 * n when `s` is [0, a] at both widths, signed and unsigned, with var_off (0; 2^n - 1) where n is
 * a's bit length and 0 < a < 2^31 (a zero-based range whose tnum is the range's own); else 0.
 */
function zeroBasedBits(s: Scalar): number {
  // a zero floor whose tnum is the range's own (as isZeroBased is hasZeroFloor and that mask)
  const a = floorOf(s);
  if (a === undefined) return 0;
  const n = 32 - Math.clz32(Number(a));
  return s.varOff.mask === FULL_MASKS[n] ? n : 0;
}

/**
 * The state of `dst + src` (64-bit) when both are zero-based (zeroBasedBits) and a + b < 2^31: the
 * kernel's result is zero-based again, [0, a + b] with var_off (0; 2^m - 1), m the bit length of
 * a + b. scalar(32)_min_max_add give [0, a + b] at both widths (nothing wraps); tnum_add of (0;
 * 2^n1 - 1) and (0; 2^n2 - 1), n1 >= n2 >= 1, is (0; 2^(n1 + 1) - 1), which holds a + b <
 * 2^(n1 + 1); reg_bounds_sync's __reg_bound_offset intersects it with tnum_range(0, a + b) = (0;
 * 2^m - 1), and the bounds are then the tnum's own. test/verifier/insn-shortcuts.test.ts compares it
 * with scalarAlu's add in every flavor; Z3 proves its generic form (src/domains/closed-forms.ts;
 * proofs/closed-forms.ts). Else undefined.
 */
export function zeroBasedAdd(dst: Scalar, src: Scalar): Scalar | undefined {
  const n1 = zeroBasedBits(dst);
  if (n1 === 0) return undefined;
  const n2 = zeroBasedBits(src);
  if (n2 === 0) return undefined;
  const sum = dst.umax + src.umax;
  if (sum >= 0x80000000n) return undefined;
  // the sum's bit length is the longer operand's or one more (no BigInt-to-number conversion)
  const n = n1 > n2 ? n1 : n2;
  const mask = sum > FULL_MASKS[n] ? FULL_MASKS[n + 1] : FULL_MASKS[n];
  return { varOff: { value: 0n, mask }, umin: 0n, umax: sum, smin: 0n, smax: sum, u32min: 0n, u32max: sum, s32min: 0n, s32max: sum };
}

/**
 * U when `s` is [0, U] at both widths, signed and unsigned, 0 < U < 2^31, with var_off (0; X),
 * X < 2^31 (a value with a zero floor: every zero-based one, and what `and` and `>>` make of them);
 * else undefined.
 */
function floorOf(s: Scalar): bigint | undefined {
  const u = s.umax;
  if (u >= 0x80000000n || s.umin !== 0n || u === 0n || s.varOff.value !== 0n || s.smin !== 0n || s.u32min !== 0n || s.s32min !== 0n) return undefined;
  if (s.smax !== u || s.u32max !== u || s.s32max !== u || s.varOff.mask >= 0x80000000n) return undefined;
  return u;
}

/**
 * The end of reg_bounds_sync for a value known to be [0, v] at both widths, signed and unsigned,
 * with var_off (0; t) (v, t < 2^31): __reg_bound_offset intersects the tnum with tnum_range(0, v) =
 * (0; 2^len(v) - 1), __update_reg_bounds brings every upper bound to w = min(v, that mask), and
 * 6.18's collapse to a constant (tnum_step) would need 0 to be the only member left: with y not 0
 * its lowest bit is a member at most w (at most y, and at most 2^(len(v) - 1) <= v). y = 0 (and
 * v = 0) is left to the domain (undefined).
 */
function floorTail(t: bigint, v: bigint): Scalar | undefined {
  if (v === 0n) return undefined;
  const y = t & FULL_MASKS[32 - Math.clz32(Number(v))];
  if (y === 0n) return undefined;
  const w = v < y ? v : y;
  return { varOff: { value: 0n, mask: y }, umin: 0n, umax: w, smin: 0n, smax: w, u32min: 0n, u32max: w, s32min: 0n, s32max: w };
}

/**
 * The state of `dst >> c` (64-bit, c a constant) when dst has a zero floor (floorOf: [0, U], var_off
 * (0; X)) and 0 < c < 64: scalar_min_max_rsh shifts the tnum and the unsigned bounds, leaving the
 * signed and 32-bit ones unbounded; __update_reg_bounds takes those from the tnum (0; X >> c), whose
 * sign bits are 0, and __reg_deduce_bounds brings all four to v = min(U >> c, X >> c); then
 * floorTail. A zero-based value stays zero-based (a checksum's carry, `r1 >>= 16`).
 * test/verifier/insn-shortcuts.test.ts compares it with scalarAlu's rsh in every flavor; Z3 proves
 * its generic form (src/domains/closed-forms.ts; proofs/closed-forms.ts). Else undefined.
 */
export function zeroBasedRsh(dst: Scalar, c: bigint): Scalar | undefined {
  const u = floorOf(dst);
  if (u === undefined || c === 0n || c >= 64n) return undefined;
  const x = dst.varOff.mask >> c, v = u >> c;
  return floorTail(x, v < x ? v : x);
}

/**
 * The state of `dst & k` (64-bit, k a constant) when dst has a zero floor ([0, U], var_off (0; X)):
 * tnum_and gives (0; X & k); scalar(32)_min_max_and take the lower bounds from it (0) and the upper
 * ones as min(U, k) (min(U, (u32)k) at 32 bits), signed alike (no sign crossing below 2^31), and
 * __update_reg_bounds brings all four to v = min(U, X & k) (X & k is at most (u32)k, as X < 2^31);
 * then floorTail. (A checksum's `r2 &= 0xffff0000` with r2 a zero-based sum.)
 * test/verifier/insn-shortcuts.test.ts compares it with scalarAlu's and in every flavor; Z3 proves
 * its generic form (src/domains/closed-forms.ts; proofs/closed-forms.ts). Else undefined.
 */
export function floorAnd(dst: Scalar, k: bigint): Scalar | undefined {
  const u = floorOf(dst);
  if (u === undefined) return undefined;
  const x = dst.varOff.mask & k;
  return floorTail(x, u < x ? u : x);
}

/** scalarReg with a link offset, as one literal in scalarReg's field order (a spread makes another hidden class). */
const linkedScalar = (v: Scalar, id: number, off: number): Reg => ({ type: 'scalar', v, off, id, range: 0, map: 0 });

/**
 * The result of scalarAlu on two constants, computed by the one ALU definition (src/bv/alu.ts;
 * the domain gives the same constant, test/verifier/constalu.test.ts checks it): undefined where
 * the kernel's domain gives unknown (all divisions and remainders, shifts by >= width).
 */
export function constAlu(op: ScalarAluOp, width: 32 | 64, a: bigint, b: bigint): bigint | undefined {
  if (op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') return undefined;
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && b >= (width === 64 ? 64n : 32n)) return undefined;
  return foldConst(op, width, a, b);
}

const M32 = 0xffffffffn;

/**
 * aluSem(D, op, width, a, b) for constAlu's operations, the frequent ones written on the u64
 * words directly (aluSem goes through the bit-vector interface: a closure call and a bigint per
 * step, and a `BigInt(width - 1)` per shift). A shift amount is below the width here (constAlu
 * refuses the rest), so no masking is needed. test/verifier/constalu.test.ts checks it against
 * aluSem op by op.
 */
export function foldConst(op: ScalarAluOp, width: 32 | 64, a: bigint, b: bigint): bigint {
  if (width === 64) {
    switch (op) {
      case 'add': return (a + b) & U64_MAX;
      case 'sub': return (a - b) & U64_MAX;
      case 'and': return a & b;
      case 'or': return a | b;
      case 'xor': return a ^ b;
      case 'lsh': return (a << b) & U64_MAX;
      case 'rsh': return a >> b;
    }
  } else {
    switch (op) {
      case 'add': return (a + b) & M32;
      case 'sub': return (a - b) & M32;
      case 'and': return a & b & M32;
      case 'or': return (a | b) & M32;
      case 'xor': return (a ^ b) & M32;
      case 'lsh': return (a << b) & M32;
      case 'rsh': return (a & M32) >> b;
    }
  }
  return aluSem(D, op, width, a, b);
}

/** BPF_END: the rejection's message, or undefined when the instruction was executed. */
export function endInsn(env: Env, st: State, op: Op & { kind: 'end' }): string | undefined {
  const regs = cur(st).regs;
  const r = regs[op.dst];
  if (r.type === 'not_init') return notInitMsg(op.dst);
  if (!env.privileged && r.type !== 'scalar') return `R${op.dst} pointer arithmetic prohibited`;
  if (op.dst === 10) return FP_READ_ONLY;
  regs[op.dst] = r.type === 'scalar' ? scalarReg(endScalar(env.dom, op.order, op.bits, r.v)) : SCALAR_UNKNOWN;
  return undefined;
}

/** scalarMovsx with its sign extension and sync through the memo tiers. */
function movsxScalar(dom: DomainSession, width: 32 | 64, ext: 8 | 16 | 32, v: Scalar): Scalar {
  return width === 64 ? dom.coerce(v, ext / 8, true) : scalarMovsx(D, width, ext, v, dom.flavor, dom.syncFn);
}

/**
 * scalarEnd with its truncation and sync through the memo tiers (the same operators, compiled once
 * hot); the session keeps each form's last input and answer (DomainSession.endLast: scalars are
 * immutable, so the same object swaps to the same value).
 */
function endScalar(dom: DomainSession, order: EndOrder, bits: 16 | 32 | 64, v: Scalar): Scalar {
  if (!dom.flavor.endTracked) return scalarEnd(D, order, bits, v, dom.flavor);
  const last = dom.endLast, k = 2 * ((order === 'le' ? 0 : order === 'be' ? 3 : 6) + (bits === 16 ? 0 : bits === 32 ? 1 : 2));
  if (last[k] === v) return last[k + 1]!;
  const s = scalarEndSwap(D, order, bits, v);
  const r = dom.sync(bits === 64 ? s : dom.coerce(s, bits / 8, false));
  last[k] = v;
  last[k + 1] = r;
  return r;
}
