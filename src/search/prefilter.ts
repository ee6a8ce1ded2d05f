// A cheap safety pre-filter run before any test: must-be-defined registers over the CFG, the
// verifier's `R%d !read_ok` rule. Entry: r1 (context) and r10 defined; a call or LD_ABS/LD_IND
// defines r0 and leaves r1-r5 undefined; a helper reads the arguments of its prototype (the
// verifier model's, for the program type); a bpf-to-bpf callee starts with the r1-r5 its
// callers define (on every call site) and its own r10. Uses, defs and successors: src/isa/flow.ts.
import { toOps, type Op } from '../isa/op.ts';
import type { Insn } from '../isa/insn.ts';
import type { ProgType } from '../isa/program.ts';
import { ARG_REGS, clobbers, defs, solveForward, uses, type ForwardProblem, type HelperArgs, type Slot } from '../isa/flow.ts';
import { helperArgsFor } from '../isa/protos.ts';

const R10 = 1 << 10;

/** The first slot that reads a register some path leaves undefined, or -1 (callees included). */
export function firstUndefinedRead(insns: readonly Insn[], end = insns.length, type?: ProgType): number {
  let ops: Slot[];
  try {
    ops = toOps(insns);
  } catch {
    return 0;
  }
  return firstUndefinedReadOps(ops, end, () => false, type);
}

/** Must-defined registers: in-state per slot (-1 = not reached), intersected at joins. */
class Defined implements ForwardProblem {
  readonly in: Int32Array;
  first = -1;
  private out = 0;
  constructor(end: number, private readonly args: HelperArgs) {
    this.in = new Int32Array(end).fill(-1);
    this.in[0] = (1 << 1) | R10;
  }
  transfer(pc: number, op: Op | null): void {
    const s = this.in[pc];
    if (!op) {
      this.out = s;
      return;
    }
    if ((uses(op, this.args) & ~s) !== 0 && (this.first < 0 || pc < this.first)) this.first = pc;
    this.out = (s & ~clobbers(op)) | defs(op);
  }
  join(to: number): boolean {
    return this.merge(to, this.out);
  }
  joinCallee(pc: number, to: number): boolean {
    return this.merge(to, (this.in[pc] & ARG_REGS) | R10);
  }
  private merge(to: number, d: number): boolean {
    const old = this.in[to];
    const merged = old === -1 ? d : old & d;
    if (merged === old) return false;
    this.in[to] = merged;
    return true;
  }
}

/**
 * The same on decoded slots, where `deleted(pc)` marks slots that act as no-ops (the search's
 * candidates before materialization); lddw's second half is a null slot that is not deleted.
 */
export function firstUndefinedReadOps(ops: readonly Slot[], end: number, deleted: (pc: number) => boolean, type?: ProgType): number {
  const p = new Defined(end, helperArgsFor(type));
  solveForward({ ops, end, deleted }, p);
  return p.first;
}
