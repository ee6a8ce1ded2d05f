// The performance term of the cost: instruction count (size) or estimated latency.
import type { Op } from '../isa/op.ts';
import type { Slot } from './proposals.ts';

export type Objective = 'size' | 'latency';

/** Rough cycle costs per instruction class on a JIT (x86-64): ALU 1, mul 3, div 20, memory 2–4, calls 20. */
export function latency(op: Op): number {
  switch (op.kind) {
    case 'alu':
      return op.op === 'mul' ? 3 : op.op === 'div' || op.op === 'sdiv' || op.op === 'mod' || op.op === 'smod' ? 20 : 1;
    case 'end': return 1;
    case 'ldx': return 3;
    case 'st': case 'stx': return 2;
    case 'atomic': return 8;
    case 'lddw': return 1;
    case 'call': return 20;
    case 'ldabs': case 'ldind': return 10;
    default: return 1;
  }
}

/** Performance of a candidate: slots kept (size) or summed latency. lddw's second half counts as a slot. */
export function perf(slots: readonly Slot[], original: readonly Slot[], objective: Objective): number {
  let n = 0;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s === null) {
      if (original[i] === null) n += objective === 'size' ? 1 : 0; // lddw second half
      continue;
    }
    n += objective === 'size' ? 1 : latency(s);
  }
  return n;
}
