// The performance term of the cost: instruction count (size) or estimated latency, the latter
// from a per-class table: the built-in guesses, or one `bpfsynth calibrate` measured here.
import type { Op } from '../isa/op.ts';
import type { CostClass } from '../kernel/calibrate.ts';
import type { SlotView } from './candidate.ts';
import type { Slot } from './proposals.ts';

export type Objective = 'size' | 'latency';

/** Cost of one instruction of each class, in units of one ALU instruction. */
export type CostTable = Readonly<Record<CostClass, number>>;

/** Rough cycle costs on an x86-64 JIT (K2-style guesses): ALU 1, mul 3, div 20, memory 2–4, calls 20. */
export const BUILTIN_COSTS: CostTable = { alu: 1, mul: 3, div: 20, end: 1, ldx: 3, st: 2, stx: 2, atomic: 8, lddw: 1, call: 20, jmp: 1 };

/** The class an instruction is costed as. */
export function costClass(op: Op): CostClass | 'ldabs' {
  switch (op.kind) {
    case 'alu':
      return op.op === 'mul' ? 'mul' : op.op === 'div' || op.op === 'sdiv' || op.op === 'mod' || op.op === 'smod' ? 'div' : 'alu';
    case 'end': case 'ldx': case 'st': case 'stx': case 'atomic': case 'lddw': case 'call':
      return op.kind;
    case 'ldabs': case 'ldind':
      return 'ldabs';
    default:
      return 'jmp';
  }
}

/** Estimated cost of one instruction. LD_ABS/IND (a call into the kernel, not calibrated) costs half a call. */
export function latency(op: Op, table: CostTable = BUILTIN_COSTS): number {
  const c = costClass(op);
  return c === 'ldabs' ? table.call / 2 : table[c];
}

/**
 * Performance of a candidate: slots kept (size) or summed latency. lddw's second half counts as a slot.
 * Under size, equal counts are ranked by latency: it adds a fraction far below one slot, so
 * it never outweighs an instruction but makes a cheaper equal-size variant an improvement.
 * `executed`, when given, replaces the static latency sum (see exec-cost.ts).
 */
export function perf(c: SlotView, objective: Objective, table: CostTable = BUILTIN_COSTS, executed?: (slots: readonly Slot[]) => number): number {
  let n = 0, lat = 0;
  const slots = c.ops, deleted = c.deleted;
  for (let i = 0; i < slots.length; i++) {
    if (deleted[i]) continue;
    n += 1;
    const s = slots[i];
    if (s !== null) lat += latency(s, table); // null: an lddw's second half
  }
  // with a profile (exec-cost.ts): the cost executed per test input instead of the static sum
  if (executed) lat = executed(slots);
  return objective === 'size' ? n + lat * TIE_WEIGHT : lat;
}

/** Weight of latency in the size objective: below one slot for programs up to ~10^5 insns of the costliest class. */
const TIE_WEIGHT = 1e-7;

/** The instruction count a size perf stands for. */
export const sizeOfPerf = (p: number): number => Math.floor(p + 1e-9);
