// Writing an optimized program back into its object: the entry function's slots are edited
// in its section (deleted slots really removed, jumps re-targeted), and the ELF writer keeps
// relocations, symbols and .BTF.ext in step. The written object is read back and checked.
import type { BpfObject } from '../isa/object.ts';
import { readObject } from '../isa/object.ts';
import { writeElf } from '../isa/elf-write.ts';
import { deleteSlots } from '../isa/edit.ts';
import type { Insn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import type { Slot } from './proposals.ts';
import { fromOp, toOps } from '../isa/op.ts';

/**
 * Apply the candidate's edits (changed and deleted slots of the linked entry function, which
 * maps 1:1 onto the start of its section range) to the raw section and serialize the object.
 */
export function writeOptimized(obj: BpfObject, original: Program, optimizedSlots: readonly Slot[], deleted: ReadonlySet<number>): Uint8Array {
  const entry = obj.programs.find((p) => p.name === original.name)!;
  const code = obj.code.get(entry.section)!;
  const raw: Insn[] = [...code.insns];
  const origSlots = toOps(original.insns);
  for (let pc = 0; pc < entry.length; pc++) {
    const s = optimizedSlots[pc];
    if (deleted.has(pc) || s === null || s === origSlots[pc]) continue;
    if (JSON.stringify(s) !== JSON.stringify(origSlots[pc])) raw[entry.start + pc] = fromOp(s)[0];
  }
  const del = new Set([...deleted].map((pc) => entry.start + pc));
  // calls whose relocation points at another section keep their imm (the linker resolves them)
  const fixed = new Set<number>();
  raw.forEach((x, i) => {
    if (x.code === 0x85 && x.src === 1 && obj.relocAt(entry.section, i) !== undefined) fixed.add(i);
  });
  const { insns, oldToNew } = deleteSlots(raw, del, new Set(), fixed);
  return writeElf(obj.file, [{ section: entry.section, insns, oldToNew }]);
}

/** Read back a written object and link the same program. */
export function relink(bytes: Uint8Array, name: string): Program {
  return readObject(bytes).link(name);
}
