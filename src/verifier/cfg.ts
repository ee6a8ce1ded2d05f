// The static checks that run before path exploration (kernel/bpf/verifier.c): decoding,
// check_subprogs (jumps stay inside their function, functions end in exit/ja), check_cfg (jumps
// in range, every instruction reachable, prune points) and compute_live_registers (the
// `Live regs before insn:` table, used here to ignore dead registers when comparing states).
import { toOp, InsnError, type Op } from '../isa/op.ts';
import type { Insn } from '../isa/insn.ts';
import type { ProgType } from '../isa/program.ts';
import { helperArgsFor } from '../isa/protos.ts';
import { calleeSlot, fillSlots, jumpSlot, nextSlot, slotTableAt, slotTableBytes, solveLive, SK_CALL, SK_EXIT, SK_JA, SK_JCOND, SK_LDDW, SK_LOCAL_CALL, SK_MAYGOTO, type SlotTable } from '../isa/flow.ts';

export interface Cfg {
  readonly ops: (Op | null)[];
  /** Function start for every instruction. */
  readonly funcOf: Int32Array;
  /** Sorted function starts (0 first). */
  readonly subprogs: number[];
  readonly prune: Uint8Array;
  /**
   * Jump points (mark_jmp_point): branch targets and the instruction after a call. Reaching
   * one adds an entry to the path's jump history.
   */
  readonly jmp: Uint8Array;
  /** Registers live before each instruction, bit i = ri. */
  readonly live: Uint16Array;
  /** Instructions the kernel rejects when it reaches them (reserved fields, bad opcodes): the message. */
  readonly bad: (string | undefined)[];
  /** Each slot's kind, successors and register effects, read from `ops` once (cfg-delta.ts keeps them in step). */
  readonly slots: SlotTable;
}

export class CfgError extends Error {
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

/** Decode, check structure and compute prune points and liveness; throws CfgError or InsnError. */
export function buildCfg(insns: readonly Insn[], type?: ProgType, opts: { loops?: boolean } = {}): Cfg {
  const n = insns.length;
  if (n === 0) throw new CfgError('empty program', 0);
  const ops: (Op | null)[] = new Array(n).fill(null);
  const bad: (string | undefined)[] = [];
  // errors of the checks that run before exploration, by phase: add_subprog_and_kfunc (calls),
  // resolve_pseudo_ldimm64 (lddw, LDX); the rest is reported when the instruction is reached
  // (made at the first such error: a Map per check costs more than the rest of a small program's decoding)
  let callErr: Map<number, InsnError> | undefined;
  let resolveErr: InsnError | undefined;
  for (let i = 0; i < n; i++) {
    let op: Op;
    try {
      op = toOp(insns, i);
    } catch (e) {
      if (!(e instanceof InsnError)) throw e;
      const x = insns[i];
      const acqRel = narrowAcqRel(x);
      if (acqRel) {
        ops[i] = acqRel;
        continue;
      }
      if ((x.code & 0xf7) === 0x85 && (x.src === 1 || x.src === 2)) (callErr ??= new Map()).set(i, e);
      else if (x.code === 0x18 || (x.code & 7) === 1) resolveErr ??= e;
      else {
        bad[i] = x.code === 0xbf && x.off === 1
          ? (x.imm !== 1 && x.imm !== 1 << 16 ? 'addr_space_cast insn can only convert between address space 1 and 0' : 'addr_space_cast insn can only be used in a program that has an associated arena')
          : e.message;
      }
      op = standIn(x);
      if (x.code === 0x18 && i + 1 < n) {
        ops[i] = { kind: 'lddw', dst: 0, pseudo: 0, lo: 0, hi: 0 };
        i++;
        continue;
      }
    }
    ops[i] = op;
    // a decoded lddw is exactly code 0x18 (one object shape: no megamorphic `op.kind` load)
    if (insns[i].code === 0x18) i++;
  }
  const { funcOf, slots, live, prune, jmp, seen } = cfgTables(n);
  fillSlots(slots, { ops, end: n }, helperArgsFor(type));
  const { kind, next, jump } = slots;
  // add_subprog: starts of bpf-to-bpf callees (and of functions whose address is taken), besides 0
  let callees: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const k = kind[i];
    if (k !== SK_LOCAL_CALL && k !== SK_LDDW) {
      if (callErr) {
        const ce = callErr.get(i);
        if (ce) throw ce;
      }
      continue;
    }
    const op = ops[i]!;
    let t = -1;
    if (op.kind === 'call') t = i + op.imm + 1;
    else if (op.kind === 'lddw' && op.pseudo === 4) t = i + op.lo + 1;
    else continue;
    if (t < 0 || t >= n) throw new CfgError('call to invalid destination', i);
    (callees ??= []).push(t);
  }
  const subprogs = callees ? [...new Set([0, ...callees])].sort((a, b) => a - b) : [0];
  for (let k = 0; k < subprogs.length; k++) {
    const lo = subprogs[k], hi = k + 1 < subprogs.length ? subprogs[k + 1] : n;
    for (let i = lo; i < hi; i++) funcOf[i] = lo;
    // check_subprogs: jumps stay inside, the last instruction is exit or ja
    for (let i = lo; i < hi; i++) {
      const k = kind[i];
      if (k !== SK_JA && k !== SK_JCOND && k !== SK_MAYGOTO) continue;
      const t = jump[i];
      if (t < lo || t >= hi) throw new CfgError(`jump out of range from insn ${i} to ${t}`, i);
    }
    // (an lddw half is no instruction: the one before it counts)
    const last = ops[hi - 1] ? kind[hi - 1] : hi >= 2 ? kind[hi - 2] : SK_NONE_LAST;
    if (last !== SK_EXIT && last !== SK_JA) throw new CfgError('last insn is not an exit or jmp', hi - 1);
  }

  if (resolveErr) throw resolveErr;

  // check_cfg: depth-first walk from 0 (calls also lead into their callee)
  const work: number[] = [0];
  seen[0] = 1;
  const w: Walk = { prune, jmp, seen, work };
  while (work.length) {
    const t = work.pop()!;
    const k = kind[t];
    if (!ops[t]) {
      // the second half of an lddw, reached by a jump: walked as an ordinary instruction
      if (t + 1 < n) visit(w, t, t + 1, false);
      continue;
    }
    // a jump target is a prune and jump point; so are a callee's entry and the slot after a call
    if (next[t] >= 0) visit(w, t, next[t], false);
    if (jump[t] >= 0) visit(w, t, jump[t], true);
    if (prunesItself(k)) prune[t] = 1;
    if (k === SK_CALL || k === SK_LOCAL_CALL) prune[t + 1] = jmp[t + 1] = 1; // jumpPointsOf's third kind
    if (k === SK_LOCAL_CALL) {
      // (in the program: 'call to invalid destination' above)
      const callee = calleeSlot(ops[t]!, t);
      if (callee >= 0) visit(w, t, callee, true);
    }
  }
  // without CAP_BPF a loop is refused during the walk, before unreachable code is looked for
  if (opts.loops === false) {
    const loop = firstBackEdge(ops);
    if (loop) throw new CfgError(`back-edge from insn ${loop[0]} to ${loop[1]}`, loop[0]);
  }
  for (let i = 0; i < n; i++) {
    if (!seen[i]) throw new CfgError(`unreachable insn ${i}`, i);
    if (kind[i] === SK_LDDW) {
      if (seen[i + 1]) throw new CfgError(`jump into the middle of ldimm64 insn ${i}`, i);
      i++;
    }
  }

  solveLive(slots, n, live);
  return { ops, funcOf, subprogs, prune, jmp, live, bad, slots };
}

/** A CFG's per-slot tables, all zero, and check_cfg's marks of slots walked. */
export interface CfgTables {
  readonly funcOf: Int32Array;
  readonly slots: SlotTable;
  readonly live: Uint16Array;
  readonly prune: Uint8Array;
  readonly jmp: Uint8Array;
  readonly seen: Uint8Array;
}

/**
 * The per-slot tables of a CFG of n slots in one region (a typed array of its own costs a malloc
 * each; the region is carved from a shared chunk, see carve). `live` has n entries (solveLive
 * reads none past the last slot), though the region keeps n + 1.
 */
export function cfgTables(n: number): CfgTables {
  const base = carve(4 * n + slotTableBytes(n) + 2 * (n + 1) + 3 * n);
  const tables = carved;
  const atTable = base + 4 * n, atLive = atTable + slotTableBytes(n), atMarks = atLive + 2 * (n + 1);
  return {
    funcOf: new Int32Array(tables, base, n),
    slots: slotTableAt(tables, atTable, n),
    live: new Uint16Array(tables, atLive, n),
    prune: new Uint8Array(tables, atMarks, n),
    jmp: new Uint8Array(tables, atMarks + n, n),
    seen: new Uint8Array(tables, atMarks + 2 * n, n),
  };
}

/**
 * The per-slot tables of a CFG (25 bytes a slot) are carved from chunks of CHUNK bytes, each
 * region once: a region is never handed out again, so it is zero as a fresh buffer is, and a CFG
 * owns its region for as long as it lives (a chunk is freed when no CFG carved from it is left).
 * An ArrayBuffer per build was ~1% of a small program's cold check (its backing store is a malloc
 * and an external-memory account), most of buildCfg's own time. Nothing is shared between builds
 * but untouched zero bytes: a cold check stays cold. Tables over a quarter of a chunk (over ~2,600
 * slots) get a buffer of their own.
 */
const CHUNK = 1 << 18;
let chunk = new ArrayBuffer(0), chunkUsed = 0;
/** The buffer of carve's last region. */
let carved = chunk;

/** A region of `bytes` zero bytes at the returned offset of `carved` (a multiple of 8). */
function carve(bytes: number): number {
  const size = (bytes + 7) & ~7;
  if (size > CHUNK >> 2) {
    carved = new ArrayBuffer(size);
    return 0;
  }
  if (chunkUsed + size > chunk.byteLength) {
    chunk = new ArrayBuffer(CHUNK);
    chunkUsed = 0;
  }
  const at = chunkUsed;
  chunkUsed += size;
  carved = chunk;
  return at;
}

/** No kind at all (a function of one lddw half): never an exit or a jump. */
const SK_NONE_LAST = -1;

// The marking rules, also used by cfg-delta.ts to keep per-slot counts of them.
/** The slots a jump point (mark_jmp_point) is set on because of the instruction at `pc`. */
export function jumpPointsOf(op: Op | null, pc: number): number[] {
  if (!op) return [];
  const out: number[] = [];
  const j = jumpSlot(op, pc), c = calleeSlot(op, pc);
  if (j >= 0) out.push(j);
  if (c >= 0) out.push(c);
  if (op.kind === 'call') out.push(pc + 1);
  return out;
}

/**
 * A slot of this kind is a prune point itself (jump points are prune points too): a conditional
 * jump, may_goto, a bpf-to-bpf call (whose callee buildCfg has checked).
 */
export const prunesItself = (kind: number): boolean => kind === SK_JCOND || kind === SK_MAYGOTO || kind === SK_LOCAL_CALL;

/** The check_cfg walk's marks and pending instructions. */
interface Walk {
  readonly prune: Uint8Array;
  readonly jmp: Uint8Array;
  readonly seen: Uint8Array;
  readonly work: number[];
}

/** check_cfg's edge from `from` to `to` (a module-level function: a closure per build costs under tsx). */
function visit(w: Walk, from: number, to: number, branch: boolean): void {
  if (to < 0 || to >= w.seen.length) throw new CfgError(`jump out of range from insn ${from} to ${to}`, from);
  if (branch) w.prune[to] = w.jmp[to] = 1;
  if (!w.seen[to]) {
    w.seen[to] = 1;
    w.work.push(to);
  }
}

/**
 * 1- and 2-byte load-acquire / store-release, which 6.18 accepts (only the read-modify-write
 * atomics need 4 or 8 bytes) but src/isa's decoder refuses: the same atomic op with a narrow
 * size (fuzz verifier: a mutated width).
 */
function narrowAcqRel(x: Insn): Op | undefined {
  if ((x.code & 0xe7) !== 0xc3 || (x.imm !== 0x100 && x.imm !== 0x110) || x.dst > 10 || x.src > 10) return undefined;
  const size = (x.code & 0x18) === 0x10 ? 1 : (x.code & 0x18) === 0x08 ? 2 : 0;
  if (!size) return undefined;
  return { kind: 'atomic', size: size as 4, op: x.imm === 0x100 ? 'load_acq' : 'store_rel', fetch: false, dst: x.dst, src: x.src, off: x.off };
}

/** What the control-flow walk sees of an instruction that does not decode: its class and offset only. */
function standIn(x: Insn): Op {
  const k = x.code & 7;
  if (k !== 5 && k !== 6) return { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 0 } };
  switch (x.code & 0xf0) {
    case 0x00: return { kind: 'ja', off: k === 6 ? x.imm : x.off, long: k === 6 };
    case 0x80: return { kind: 'call', callKind: 'helper', imm: x.imm, off: 0 };
    case 0x90: return { kind: 'exit' };
    default: return { kind: 'jcond', op: 'jeq', width: 64, dst: 0, src: { imm: 0 }, off: x.off };
  }
}

export { InsnError };

/**
 * The first back-edge check_cfg's depth-first walk meets (fallthrough before branch, call
 * before callee, as the kernel pushes them): without CAP_BPF a loop is refused before any path
 * is explored. [from, to], or undefined for a loop-free program.
 */
export function firstBackEdge(ops: readonly (Op | null)[]): [number, number] | undefined {
  const n = ops.length;
  const state = new Uint8Array(n); // 0 new, 1 on the walk's stack, 2 explored
  const succ = (t: number): number[] => {
    const op = ops[t];
    if (!op) return t + 1 < n ? [t + 1] : [];
    return [nextSlot(op, t), jumpSlot(op, t), calleeSlot(op, t)].filter((w) => w >= 0 && w < n);
  };
  const stack: { t: number; next: number[]; i: number }[] = [{ t: 0, next: succ(0), i: 0 }];
  state[0] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i === top.next.length) {
      state[top.t] = 2;
      stack.pop();
      continue;
    }
    const w = top.next[top.i++];
    if (state[w] === 1) return [top.t, w];
    if (state[w] === 0) {
      state[w] = 1;
      stack.push({ t: w, next: succ(w), i: 0 });
    }
  }
  return undefined;
}
