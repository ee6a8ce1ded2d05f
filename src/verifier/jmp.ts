// Conditional jumps (check_cond_jmp_op): branch decisions, range refinement on both edges,
// linked scalars, null checks of map_value_or_null, packet ranges learned from comparisons with
// pkt_end (find_good_pkt_pointers / mark_pkt_end).
import type { Op, JcondName } from '../isa/op.ts';
import type { MapDef } from '../isa/program.ts';
import { branchTaken, type Cond } from '../domains/branch.ts';
import type { DomainSession } from './memo.ts';
import { addBounds, bothHalves } from '../domains/alu-arith.ts';
import { scalarConst } from '../domains/scalar.ts';
import { tnumAdd } from '../domains/tnum.ts';
import { type Env, reject } from './env.ts';
import { notInitMsg, baseId, addConst } from './alu.ts';
import { type Reg, type Scalar, D, regAs, regWith, AT_PKT_END, BEYOND_PKT_END, SCALAR_ZERO, ZERO, isConst, isPtr, isPkt, mayBeNull, scalarReg, s64 } from './regs.ts';
import { isSpill, slotOf } from './stack.ts';
import { type State, cur, cloneState, mapAllRegsBy, ownStack } from './state.ts';
import { dropRef } from './refs.ts';
import { Recent } from './recent.ts';

/** The session's refined edges (immutable: kept and handed out again). */
type Edges = ReturnType<DomainSession['refine']>;

const FLIP: Partial<Record<JcondName, JcondName>> = { jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge', jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge' };
const flip = (c: JcondName): JcondName => FLIP[c] ?? c;

/** reg_not_null. */
const notNull = (r: Reg): boolean =>
  // an unbounded offset could wrap the base to zero
  s64(r.v.smin) > -NOT_NULL_VAR_OFF && s64(r.v.smax) < NOT_NULL_VAR_OFF &&
  (r.type === 'map_value' || r.type === 'map_key' || r.type === 'mem' || r.type === 'sock' || r.type === 'sock_common' || r.type === 'tcp_sock' || r.type === 'map_ptr');
const NOT_NULL_VAR_OFF = 1n << 29n;

/** is_pkt_ptr_branch_taken. */
function pktTaken(a: Reg, b: Reg, c: JcondName): number {
  let pkt: Reg;
  if (b.type === 'pkt_end') pkt = a;
  else if (a.type === 'pkt_end') { pkt = b; c = flip(c); } else return -1;
  if (pkt.range >= 0) return -1;
  switch (c) {
    case 'jle': case 'jgt':
      if (pkt.range === BEYOND_PKT_END) return c === 'jgt' ? 1 : 0;
      break;
    case 'jlt': case 'jge':
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return c === 'jge' ? 1 : 0;
      break;
  }
  return -1;
}

const isPktAny = (r: Reg) => r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end';

/** is_branch_taken: 1 taken, 0 not taken, -1 unknown. */
function taken(dom: DomainSession, a: Reg, b: Reg, c: JcondName, w: 32 | 64, same: boolean): number {
  // `if rX op rX` on a scalar: Linux 6.18 does not decide it from the register being itself; it
  // compares the register's range with itself like two registers (fuzz verifier found this:
  // `call …; if r0 s>= r0 goto +1` explores the fall-through in the running kernel)
  void same;
  if (isPktAny(a) && isPktAny(b) && w === 64) return pktTaken(a, b, c);
  if (isPtr(a) || isPtr(b)) {
    if (!(b.type === 'scalar' && isConstW(b, w))) { c = flip(c); [a, b] = [b, a]; }
    if (!(b.type === 'scalar' && isConstW(b, w))) return -1;
    if (!notNull(a)) return -1;
    const v = w === 64 ? b.v.varOff.value : b.v.varOff.value & 0xffffffffn;
    if (v !== 0n) return -1;
    return c === 'jeq' ? 0 : c === 'jne' ? 1 : -1;
  }
  return dom.branchTaken(a.v, b.v, c as Cond, w);
}

const isConstW = (r: Reg, w: 32 | 64): boolean => (w === 64 ? isConst(r.v) : (r.v.varOff.mask & 0xffffffffn) === 0n);

/** mark_ptr_or_null_regs: every copy of the nullable pointer becomes scalar 0 or the pointer. */
function markPtrOrNull(st: State, id: number, isNull: boolean, maps: readonly MapDef[]): void {
  // the == NULL branch holds nothing: an acquired object that was never handed out needs no release
  if (isNull) dropRef(st, id);
  mapAllRegsBy(st, ptrOrNull, id, isNull, maps);
}

/** mark_ptr_or_null_reg for one register: a copy of nullable pointer `id` as scalar 0 or the pointer without its id. */
function ptrOrNull(r: Reg, id: number, isNull: boolean, maps: readonly MapDef[]): Reg {
  if (!mayBeNull(r) || r.id !== id) return r;
  return isNull ? SCALAR_ZERO : nonNull(r, maps, 0);
}

/**
 * The pointer once known non-null, with id `id` (its own by default). A lookup in a map-in-map
 * yields the inner map itself (mark_ptr_or_null_reg: CONST_PTR_TO_MAP of the outer map's inner_map_meta).
 */
function nonNull(r: Reg, maps: readonly MapDef[], id = r.id): Reg {
  if (r.type === 'sock_or_null') return regAs(r, 'sock', id);
  if (r.type === 'sock_common_or_null') return regAs(r, 'sock_common', id);
  if (r.type === 'tcp_sock_or_null') return regAs(r, 'tcp_sock', id);
  if (r.type !== 'map_value_or_null') return regAs(r, 'mem', id);
  const mt = maps[r.map]?.type;
  if (mt === 15 || mt === 18) return regAs(r, 'sock', id); // mark_ptr_not_null_reg: sockmap values are sockets
  const inner = maps[r.map]?.inner;
  const at = inner ? maps.indexOf(inner) : -1;
  return at >= 0 ? regAs(r, 'map_ptr', id, at) : regAs(r, 'map_value', id);
}

/** find_good_pkt_pointers. */
function goodPkt(st: State, dst: Reg, rightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rightOpen)) return;
  // (a pointer without a variable part, the shared zero, on its offset alone: no bigint temporaries)
  if (dst.v === ZERO ? dst.off > 0xffff : dst.v.umax > 0xffffn || dst.v.umax + BigInt(dst.off) > 0xffffn) return;
  const newRange = dst.off + (rightOpen ? 1 : 0);
  // mapAllRegsBy written out for this one test (its callback is a call per register that the
  // compiler cannot inline there: the function serves several callers)
  const type = dst.type, id = dst.id;
  for (const fr of st.frames) {
    const regs = fr.regs;
    for (let i = 0; i < 11; i++) {
      const r = regs[i];
      if (r.type === type && r.id === id && r.range < newRange) regs[i] = regWith(r, r.v, r.off, id, newRange);
    }
    const stack = fr.stack;
    for (let i = 0; i < stack.length; i++) {
      const r = stack[i]?.spilled;
      if (r !== undefined && r.type === type && r.id === id && r.range < newRange) ownStack(fr)[i] = slotOf(stack[i]!.types, regWith(r, r.v, r.off, id, newRange));
    }
  }
}

/** mark_pkt_end on one register of the current frame. */
function markPktEnd(st: State, regno: number, open: boolean): void {
  const fr = cur(st);
  const r = fr.regs[regno];
  if (r.type !== 'pkt') return;
  fr.regs[regno] = regWith(r, r.v, r.off, r.id, open ? BEYOND_PKT_END : AT_PKT_END);
}

const initPkt = (r: Reg): boolean => r.type === 'pkt' && r.off === 0 && isConst(r.v) && r.v.varOff.value === 0n;

/**
 * try_match_pkt_pointers. `fall` is this_branch, `tk` the other one. Returns whether it matched.
 * Normalised to "p OP q" where p is the pointer checked against the end (pkt vs pkt_end, or
 * pkt_meta vs an initial pkt pointer).
 */
function matchPkt(op: Op & { kind: 'jcond' }, a: Reg, b: Reg, fall: State, tk: State): boolean {
  if (!('reg' in op.src) || op.width === 32) return false;
  let c = op.op;
  let p: Reg, pReg: number;
  if ((a.type === 'pkt' && b.type === 'pkt_end') || (a.type === 'pkt_meta' && initPkt(b))) {
    p = a; pReg = op.dst;
  } else if ((a.type === 'pkt_end' && b.type === 'pkt') || (initPkt(a) && b.type === 'pkt_meta')) {
    p = b; pReg = op.src.reg; c = flip(c);
  } else return false;
  if (c !== 'jgt' && c !== 'jlt' && c !== 'jge' && c !== 'jle') return false;
  // edge where p is within bounds: p <= end (jgt fallthrough, jle taken), p < end (jlt taken, jge fallthrough)
  const safeOnTaken = c === 'jlt' || c === 'jle';
  const rightOpen = c === 'jlt' || c === 'jge';
  goodPkt(safeOnTaken ? tk : fall, p, rightOpen);
  // the other edge: p > end (open) or p >= end
  markPktEnd(safeOnTaken ? fall : tk, pReg, c === 'jgt' || c === 'jle');
  return true;
}

/**
 * The registers of frame `f` that collect_linked_regs looks at in 6.18: only live ones — live
 * before the jump in the current frame, before the call in a caller's frame (spilled registers
 * are always looked at). A dead copy keeps its old range (fuzz verifier's state comparison
 * found this: `r6 = r5; if r6 == 17 goto L` with r5 dead leaves r5 unrefined at L).
 */
export function linkedLive(live: Uint16Array, st: State, pc: number, f: number): number {
  return f === st.frames.length - 1 ? live[pc] : live[st.frames[f + 1].callsite];
}

/** collect_linked_regs: how many live registers and spilled stack slots hold a scalar with the base id of `id` (0: none). */
function linkedCount(st: State, id: number, live: Uint16Array, pc: number): number {
  if (!id) return 0;
  const base = baseId(id);
  let n = 0;
  for (let f = 0; f < st.frames.length; f++) {
    const fr = st.frames[f];
    const mask = linkedLive(live, st, pc, f);
    for (let i = 0; i < 10; i++) if (mask & (1 << i) && linkedTo(fr.regs[i], base)) n++;
    for (let i = 0; i < fr.stack.length; i++) {
      const sl = fr.stack[i];
      if (isSpill(sl) && linkedTo(sl.spilled, base)) n++;
    }
  }
  return n;
}

const linkedTo = (r: Reg | undefined, base: number): boolean => r?.type === 'scalar' && !!r.id && baseId(r.id) === base;

/** sync_linked_regs: the linked registers sharing the base id of `known` take its value (plus their delta). */
function syncLinked(dom: DomainSession, st: State, known: Reg, live: Uint16Array, pc: number): void {
  const id = baseId(known.id);
  for (let f = 0; f < st.frames.length; f++) {
    const fr = st.frames[f];
    const mask = linkedLive(live, st, pc, f);
    for (let i = 0; i < 10; i++) if (mask & (1 << i)) fr.regs[i] = syncOne(dom, known, id, fr.regs[i]);
    for (let i = 0; i < fr.stack.length; i++) {
      const sl = fr.stack[i];
      if (!sl?.spilled) continue;
      const n = syncOne(dom, known, id, sl.spilled);
      if (n !== sl.spilled) ownStack(fr)[i] = slotOf(sl.types, n);
    }
  }
}

/**
 * syncLinked for one register: `r` as linked to `known` (whose base id is `id`), or `r` itself.
 * At module level: a named closure per call costs an Object.defineProperty under tsx (keepNames).
 */
function syncOne(dom: DomainSession, known: Reg, id: number, r: Reg): Reg {
  if (r.type !== 'scalar' || r === known || baseId(r.id) !== id) return r;
  if ((!addConst(r.id) && !addConst(known.id)) || r.off === known.off) return regWith(known, known.v, r.off, r.id, known.range);
  return regWith(r, linkedValue(dom, known.v, r.off - known.off), r.off, r.id, r.range);
}

/** linkedValue's last four answers by known value, session and delta. */
const linked = new Recent<Scalar, DomainSession, Scalar>(4);

/**
 * The value of a register linked to a known one with a constant delta (sync_linked_regs: the
 * known value plus the delta, both halves' bounds and the tnum, then reg_bounds_sync), a
 * function of the known value, the delta and the session alone: the last few answers are kept
 * by the very known object. The sum is computed on bigints (~0.7 µs); an exploration syncs the
 * same known value into the same delta again and again (one xdp_loop candidate, `r5 += -8`
 * making r5 a linked copy with a delta: 286 of these per re-check, all but 2 repeats).
 * Exported for tests.
 */
export function linkedValue(dom: DomainSession, known: Scalar, delta: number): Scalar {
  const kept = linked.get(known, dom, delta);
  if (kept) return kept;
  const d = scalarConst(D, BigInt.asUintN(64, BigInt(delta)));
  const b = bothHalves(D, known, d, (ring, x, y) => addBounds(ring, x, y, dom.flavor));
  // field by field (not a spread): one V8 map for every scalar, see markUnbounded
  const v = dom.sync({ varOff: tnumAdd(D.u64, known.varOff, d.varOff), umin: b.umin, umax: b.umax, smin: b.smin, smax: b.smax, u32min: b.u32min, u32max: b.u32max, s32min: b.s32min, s32max: b.s32max });
  return linked.set(known, dom, delta, v);
}

/**
 * A compared register with its refined value on one edge: the register itself when the value is
 * its own (a constant operand keeps its object; the session returns an unchanged input as that
 * input) and it has no id, as `regWith(r, v, r.off, r.id, r.range)` would hold the same fields.
 * (A linked register is always new: syncLinked then gives its copies new objects, and the log
 * prints a stack slot whose object changed.)
 */
const edgeReg = (r: Reg, v: Scalar): Reg => (v === r.v && r.id === 0 ? r : regWith(r, v, r.off, r.id, r.range));

/**
 * Execute a conditional jump. Returns the instruction the current path continues at (with the
 * current state object, possibly refined), or REJECTED (env.ts reject) when it rejects the
 * program; when both edges remain, the other edge's new state is handed to `push` (no edge
 * objects: this runs at every branch).
 */
export function condJump(env: Env, st: State, pc: number, op: Op & { kind: 'jcond' }, push: (s: State, pc: number) => void): number {
  const fr = cur(st);
  const regs = fr.regs;
  // check_reg_arg's checks on the frame's array (the destination read first, as check_cond_jmp_op)
  const a = regs[op.dst];
  if (a.type === 'not_init') return reject(env, pc, notInitMsg(op.dst));
  const isX = 'reg' in op.src;
  let b: Reg;
  if (isX) {
    b = regs[(op.src as { reg: number }).reg];
    if (b.type === 'not_init') return reject(env, pc, notInitMsg((op.src as { reg: number }).reg));
  } else b = env.imms.at(pc, (op.src as { imm: number }).imm | 0);
  const same = isX && (op.src as { reg: number }).reg === op.dst;
  // unprivileged: a pointer compared with anything but another packet pointer (src: before the
  // branch is decided; dst: only when both edges remain and it is no null check, see below)
  if (!env.privileged && isX && isPtr(b) && !(isPktAny(a) && isPktAny(b))) return reject(env, pc, `R${(op.src as { reg: number }).reg} pointer comparison prohibited`);
  // INSN_F_DST_REG_STACK / INSN_F_SRC_REG_STACK: a comparison with a stack pointer is noted in the jump history
  if (a.type === 'fp' || b.type === 'fp') env.hist();
  // jumpSlot for a conditional jump (its `op.kind` test is a megamorphic load)
  const target = pc + 1 + op.off;
  // two scalars: the decision and the refined edges are kept per instruction by input objects
  // (an exploration meets the same values at a jump again and again: a loop's later paths)
  const scalars = a.type === 'scalar' && b.type === 'scalar';
  const memo = env.aluMemo;
  let pred: number;
  if (env.allBranches) pred = -1;
  else if (scalars) pred = (memo.pairGet(pc, a.v, b.v) as number | undefined) ?? memo.pairSet(pc, a.v, b.v, env.dom.branchTaken(a.v, b.v, op.op as Cond, op.width));
  else pred = taken(env.dom, a, b, op.op, op.width, same);
  if (pred >= 0) {
    let m = a.type === 'scalar' ? 1 << op.dst : 0;
    if (isX && b.type === 'scalar') m |= 1 << (op.src as { reg: number }).reg;
    if (m) env.precise(m);
  }
  if (pred === 1) return target;
  if (pred === 0) return pc + 1;

  const live = env.cfg.live;
  // both edges possible: the linked scalars go into the jump history before the branch is pushed
  if (linkedCount(st, isX && b.type === 'scalar' ? b.id : 0, live, pc) + linkedCount(st, a.type === 'scalar' ? a.id : 0, live, pc) > 1) env.hist();
  const tk = cloneState(st);
  const tfr = cur(tk);
  if (scalars && !same) {
    const rf = (memo.pairGet2(pc, a.v, b.v) as Edges | undefined) ??
      memo.pairSet2(pc, a.v, b.v, isX ? env.dom.refine(a.v, b.v, op.op as Cond, op.width) : env.dom.refineFirst(a.v, b.v, op.op as Cond, op.width));
    const srcNo = isX ? (op.src as { reg: number }).reg : -1;
    fr.regs[op.dst] = edgeReg(a, rf.fallthrough[0]);
    tfr.regs[op.dst] = edgeReg(a, rf.taken[0]);
    if (srcNo >= 0) {
      fr.regs[srcNo] = edgeReg(b, rf.fallthrough[1]);
      tfr.regs[srcNo] = edgeReg(b, rf.taken[1]);
      if (b.id) { syncLinked(env.dom, st, fr.regs[srcNo], live, pc); syncLinked(env.dom, tk, tfr.regs[srcNo], live, pc); }
    }
    if (a.id) { syncLinked(env.dom, st, fr.regs[op.dst], live, pc); syncLinked(env.dom, tk, tfr.regs[op.dst], live, pc); }
  } else if (a.type === 'scalar' && same) {
    const rf = (memo.pairGet2(pc, a.v, a.v) as Edges | undefined) ?? memo.pairSet2(pc, a.v, a.v, env.dom.refineSame(a.v, op.op as Cond, op.width));
    fr.regs[op.dst] = edgeReg(a, rf.fallthrough[0]);
    tfr.regs[op.dst] = edgeReg(a, rf.taken[0]);
    if (a.id) { syncLinked(env.dom, st, fr.regs[op.dst], live, pc); syncLinked(env.dom, tk, tfr.regs[op.dst], live, pc); }
  }
  // a scalar compared (with anything): no null check, packet range or pointer comparison below
  // applies (each needs a pointer, a nullable one or a packet pointer, in dst)
  if (a.type === 'scalar') {
    push(tk, target);
    return pc + 1;
  }
  // pointer compared with a non-null pointer: JEQ taken / JNE fallthrough proves it non-null
  if (op.width === 64 && isX && isPtr(a) && isPtr(b) && mayBeNull(a) !== mayBeNull(b) && (op.op === 'jeq' || op.op === 'jne')) {
    const eq = op.op === 'jeq' ? tk : st;
    const n = mayBeNull(a) ? op.dst : (op.src as { reg: number }).reg;
    const r = cur(eq).regs[n];
    cur(eq).regs[n] = nonNull(r, env.prog.maps);
  }
  if (op.width === 64 && !isX && op.src && (op.src as { imm: number }).imm === 0 && (op.op === 'jeq' || op.op === 'jne') && mayBeNull(a)) {
    markPtrOrNull(st, a.id, op.op === 'jne', env.prog.maps);
    markPtrOrNull(tk, a.id, op.op === 'jeq', env.prog.maps);
  } else if (!matchPkt(op, a, isX ? b : a, st, tk) && !env.privileged && isPtr(a)) {
    return reject(env, pc, `R${op.dst} pointer comparison prohibited`);
  }
  void isPkt;
  push(tk, target);
  return pc + 1;
}
