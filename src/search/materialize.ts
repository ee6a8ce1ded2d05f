// From a candidate to real instructions: deleted slots are removed and jumps re-targeted
// (src/isa/edit.ts), never padded with `goto +0`; unchanged slots keep the original's bytes.
import { deleteSlots } from '../isa/edit.ts';
import { fromOp } from '../isa/op.ts';
import type { Insn } from '../isa/insn.ts';
import type { Candidate } from './candidate.ts';

export interface Materialized {
  insns: Insn[];
  oldToNew: Int32Array;
  deleted: Set<number>;
}

export function materialize(c: Candidate): Materialized {
  const original = c.original.program.insns, orig = c.original.ops;
  const full: Insn[] = [];
  const deleted = new Set<number>();
  for (let i = 0; i < c.ops.length; i++) {
    const s = c.ops[i];
    if (c.deleted[i]) deleted.add(i);
    // deleted slots stay in place until deleteSlots removes them; an lddw's second half is null
    full.push(c.deleted[i] || s === null || s === orig[i] ? original[i] : fromOp(s)[0]);
  }
  const { insns, oldToNew } = deleteSlots(full, deleted);
  return { insns, oldToNew, deleted };
}
