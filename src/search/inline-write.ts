// Writing an inlined program (inline-calls.ts) back into its object: the entry's section gets
// the entry's new slots. An instruction that carried a relocation is written in its raw form
// with the relocation: the entry's own move with their slots, a callee's copy gets a copy of
// the callee's relocation. The callees stay in .text; libbpf links only the functions still
// called, so one inlined at every call site is left out of the program the loader builds.
// The written object is read back and must link to exactly the inlined program.
import type { BpfObject } from '../isa/object.ts';
import { readObject } from '../isa/object.ts';
import { writeElf } from '../isa/elf-write.ts';
import { sameInsn, type Insn } from '../isa/insn.ts';
import { funcRanges, type Program } from '../isa/program.ts';
import type { InlineResult } from './inline-calls.ts';

/** Where a slot of the linked input lies in the object: section, raw slot, its relocation if any. */
function rawPlace(obj: BpfObject, p: Program, slot: number): { section: string; at: number; reloc?: { sym: number; type: number } } {
  const f = funcRanges(p).find((r) => slot >= r.start && slot < r.end);
  const sym = f && obj.funcs.find((g) => g.name === f.name);
  if (!f || !sym) throw new Error(`slot ${slot} of ${p.name} is in no function of the object`);
  const at = sym.start + slot - f.start;
  const sec = obj.code.get(sym.section)!.section;
  const r = obj.file.relocs.get(sec.index)?.find((x) => x.offset === at * 8);
  return { section: sym.section, at, reloc: r && { sym: r.sym, type: r.type } };
}

/** The object with `r` (the inlining of `p`, linked from `obj`) written in; throws when it cannot be. */
export function writeInlined(obj: BpfObject, p: Program, r: InlineResult): Uint8Array {
  const origins = r.origins;
  if (!origins) throw new Error('nothing was inlined');
  const entry = obj.funcs.find((g) => g.name === p.funcs[0].name);
  if (!entry) throw new Error(`function ${p.funcs[0].name} is not in the object`);
  const raw = obj.code.get(entry.section)!.insns;
  const entryEnd = funcRanges(p)[0].end;
  if (entry.start !== 0 || raw.length !== entryEnd) throw new Error(`${entry.name} shares its section ${entry.section} with other code`);
  const q = r.program;
  const end = q.funcs[1]?.start ?? q.insns.length;
  const insns: Insn[] = q.insns.slice(0, end);
  const oldToNew = new Int32Array(raw.length).fill(-1);
  const added: { slot: number; sym: number; type: number }[] = [];
  for (let j = 0; j < end; j++) {
    const o = origins[j];
    if (o < 0) continue;
    const place = rawPlace(obj, p, o);
    const mine = o < entryEnd;
    if (mine) oldToNew[o] = j;
    if (!place.reloc) continue;
    const src = obj.code.get(place.section)!.insns;
    insns[j] = src[place.at];
    if (q.insns[j].code === 0x18) insns[j + 1] = src[place.at + 1];
    if (!mine) added.push({ slot: j, ...place.reloc });
  }
  // an inlined call's slot maps to the body that took its place (function symbols and line_info
  // start there); its relocation goes
  const dropped: number[] = [];
  for (const { call, at } of r.replaced ?? []) {
    if (call >= entryEnd) continue;
    oldToNew[call] = at;
    dropped.push(call);
  }
  const bytes = writeElf(obj.file, [{ section: entry.section, insns, oldToNew, added, dropped }]);
  const back = readObject(bytes).link(p.name, { type: p.type });
  if (back.insns.length !== q.insns.length || back.insns.some((x, i) => !sameInsn(x, q.insns[i]))) throw new Error('the written object does not link to the inlined program');
  return bytes;
}
