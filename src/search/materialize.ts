// From a candidate (slots in place, deleted ones null) to real instructions: deleted slots are
// removed and jumps re-targeted (src/isa/edit.ts), never padded with `goto +0`.
import { deleteSlots } from '../isa/edit.ts';
import { fromOp } from '../isa/op.ts';
import type { Insn } from '../isa/insn.ts';
import type { Slot } from './proposals.ts';

export function materialize(slots: readonly Slot[], original: readonly Insn[], mutable: ReadonlySet<number>): { insns: Insn[]; oldToNew: Int32Array; deleted: Set<number> } {
  const full: Insn[] = [];
  const deleted = new Set<number>();
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s === null && mutable.has(i)) {
      deleted.add(i);
      full.push(original[i]);
    } else if (s === null || !mutable.has(i)) full.push(original[i]);
    else full.push(fromOp(s)[0]);
  }
  const { insns, oldToNew } = deleteSlots(full, deleted);
  return { insns, oldToNew, deleted };
}
