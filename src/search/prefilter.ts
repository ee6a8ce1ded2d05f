// The pre-filter's `R%d !read_ok` rule on its own: registers read before every path defines
// them. One pass computes it with the pointer rules (src/search/ptrkinds.ts, whose entry, call
// and callee conventions apply); these are the entry points that ask for this part only.
import { toOps } from '../isa/op.ts';
import type { Insn } from '../isa/insn.ts';
import type { ProgType } from '../isa/program.ts';
import type { Slot } from '../isa/flow.ts';
import { pointerKinds } from './ptrkinds.ts';

/** The first slot that reads a register some path leaves undefined, or -1 (callees included). */
export function firstUndefinedRead(insns: readonly Insn[], end = insns.length, type: ProgType = 'xdp'): number {
  let ops: Slot[];
  try {
    ops = toOps(insns);
  } catch {
    return 0;
  }
  return firstUndefinedReadOps(ops, end, () => false, type);
}

/**
 * The same on decoded slots, where `deleted(pc)` marks slots that act as no-ops (the search's
 * candidates before materialization); lddw's second half is a null slot that is not deleted.
 */
export function firstUndefinedReadOps(ops: readonly Slot[], end: number, deleted: (pc: number) => boolean, type: ProgType = 'xdp'): number {
  return pointerKinds(ops, end, type, deleted).undefinedRead;
}
