// A cheap safety pre-filter run before any test: must-be-defined registers over the CFG, the
// verifier's `R%d !read_ok` rule. Entry: r1 (context) and r10 defined; a call defines r0 and
// leaves r1-r5 undefined; a bpf-to-bpf callee starts with the r1-r5 its callers define (on every
// call site) and its own r10.
import { toOps, jumpTarget, type Op } from '../isa/op.ts';
import type { Insn } from '../isa/insn.ts';

const r = (n: number): number => 1 << n;

/** Registers an instruction reads, as a bit set (a call's arguments are not counted). */
export function reads(op: Op): number {
  switch (op.kind) {
    case 'alu':
      if (op.op === 'mov' || op.op === 'movsx') return 'reg' in op.src ? r(op.src.reg) : 0;
      return r(op.dst) | ('reg' in op.src ? r(op.src.reg) : 0);
    case 'end': return r(op.dst);
    case 'jcond': return r(op.dst) | ('reg' in op.src ? r(op.src.reg) : 0);
    case 'ldx': return r(op.src);
    case 'st': return r(op.dst);
    case 'stx': return r(op.dst) | r(op.src);
    case 'atomic': return r(op.dst) | r(op.src) | (op.op === 'cmpxchg' ? r(0) : 0);
    case 'exit': return r(0);
    case 'ldabs': return r(6);
    case 'ldind': return r(6) | r(op.src);
    default: return 0;
  }
}

/** Registers an instruction defines. */
export function writes(op: Op): number {
  switch (op.kind) {
    case 'alu': case 'end': case 'ldx': case 'lddw': return 1 << op.dst;
    case 'atomic': return op.fetch ? (op.op === 'cmpxchg' ? 1 : 1 << op.src) : 0;
    case 'ldabs': case 'ldind': return 1;
    default: return 0;
  }
}

const CALL_ARGS = 0b111110; // r1-r5
const CALL_KEEPS = ~CALL_ARGS; // a call leaves r1-r5 undefined

/** The first slot that reads a register some path leaves undefined, or -1 (callees included). */
export function firstUndefinedRead(insns: readonly Insn[], end = insns.length): number {
  let ops: (Op | null)[];
  try {
    ops = toOps(insns);
  } catch {
    return 0;
  }
  return firstUndefinedReadOps(ops, end, () => false);
}

/**
 * The same on decoded slots, where `deleted(pc)` marks slots that act as no-ops (the search's
 * candidates before materialization); lddw's second half is a null slot that is not deleted.
 */
export function firstUndefinedReadOps(ops: readonly (Op | null)[], end: number, deleted: (pc: number) => boolean): number {
  const inState = new Int32Array(end).fill(-1); // -1: not reached; else the must-defined set
  inState[0] = (1 << 1) | (1 << 10);
  const work = [0];
  let first = -1;
  /** Reach slot n with the defined set `d` (intersected with what reached it before). */
  const flow = (n: number, d: number): void => {
    if (n < 0 || n >= end) return;
    const merged = inState[n] === -1 ? d : inState[n] & d;
    if (merged !== inState[n]) {
      inState[n] = merged;
      work.push(n);
    }
  };
  while (work.length) {
    const pc = work.pop()!;
    const op = ops[pc];
    const s = inState[pc];
    if (!op) {
      if (deleted(pc)) flow(pc + 1, s);
      continue;
    }
    if ((reads(op) & ~s) !== 0 && (first < 0 || pc < first)) first = pc;
    let out = s | writes(op);
    if (op.kind === 'call') out = (s & CALL_KEEPS) | 1;
    if (op.kind === 'call' && op.callKind === 'local') flow(jumpTarget(op, pc), (s & CALL_ARGS) | (1 << 10));
    if (op.kind === 'exit') continue;
    if (op.kind === 'ja') flow(jumpTarget(op, pc), out);
    else {
      flow(pc + (op.kind === 'lddw' ? 2 : 1), out);
      if (op.kind === 'jcond') flow(jumpTarget(op, pc), out);
    }
  }
  return first;
}
