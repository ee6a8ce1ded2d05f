// Writing an inlined program (inline-calls.ts) back into its object: the entry's section gets
// the entry's new slots. An instruction that carried a relocation is written in its raw form
// with the relocation: the entry's own move with their slots, a callee's copy gets a copy of
// the callee's relocation. The callees stay in .text; libbpf links only the functions still
// called, so one inlined at every call site is left out of the program the loader builds.
// The written object is read back and must link to exactly the inlined program, and every other
// program of the entry's section to what it linked to before.
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

/**
 * The first slot outside [lo, hi) of `raw` whose call or function address is resolved by its
 * offset alone (no relocation) and crosses that range: moving the range's end would change
 * its target. Relocated ones are resolved by their symbol and are safe to move.
 */
export function crossingRef(obj: BpfObject, section: string, raw: readonly Insn[], lo: number, hi: number): number | undefined {
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i];
    if (i >= lo && i < hi) continue;
    const ref = (x.code === 0x85 && x.src === 1) || (x.code === 0x18 && x.src === 4);
    if (ref && !obj.relocSymAt(section, i)) {
      const to = i + x.imm + 1;
      if (to >= lo && (i < lo || to < hi)) return i;
      if (i >= hi && to < hi) return i;
    }
    if (x.code === 0x18) i++;
  }
  return undefined;
}

/** What each other program of `section` links to, by name (those that do not link are left out). */
function othersOf(obj: BpfObject, section: string, except: string): Map<string, readonly Insn[]> {
  const out = new Map<string, readonly Insn[]>();
  for (const f of obj.programs) {
    if (f.section !== section || f.name === except) continue;
    try {
      out.set(f.name, obj.link(f.name).insns);
    } catch {
      // a program the reader cannot link (no type) is checked by nothing here; libbpf decides
    }
  }
  return out;
}

/** The object with `r` (the inlining of `p`, linked from `obj`) written in; throws when it cannot be. */
// The entry may share its section with other programs: their slots move by the entry's change in
// length, their relocations, symbols and BTF records with them; each must link to what it did.
export function writeInlined(obj: BpfObject, p: Program, r: InlineResult): Uint8Array {
  const origins = r.origins;
  if (!origins) throw new Error('nothing was inlined');
  const entry = obj.funcs.find((g) => g.name === p.funcs[0].name);
  if (!entry) throw new Error(`function ${p.funcs[0].name} is not in the object`);
  const raw = obj.code.get(entry.section)!.insns;
  const entryEnd = funcRanges(p)[0].end;
  const lo = entry.start, hi = entry.start + entryEnd;
  const crossing = crossingRef(obj, entry.section, raw, lo, hi);
  if (crossing !== undefined) throw new Error(`slot ${crossing} of ${entry.section} reaches across ${entry.name} by offset`);
  const q = r.program;
  const end = q.funcs[1]?.start ?? q.insns.length;
  const body: Insn[] = q.insns.slice(0, end);
  const shift = end - entryEnd;
  const oldToNew = new Int32Array(raw.length).fill(-1);
  for (let i = 0; i < lo; i++) oldToNew[i] = i;
  for (let i = hi; i < raw.length; i++) oldToNew[i] = i + shift;
  const added: { slot: number; sym: number; type: number }[] = [];
  for (let j = 0; j < end; j++) {
    const o = origins[j];
    if (o < 0) continue;
    const place = rawPlace(obj, p, o);
    const mine = o < entryEnd;
    if (mine) oldToNew[lo + o] = lo + j;
    if (!place.reloc) continue;
    const src = obj.code.get(place.section)!.insns;
    body[j] = src[place.at];
    if (q.insns[j].code === 0x18) body[j + 1] = src[place.at + 1];
    if (!mine) added.push({ slot: lo + j, ...place.reloc });
  }
  // an inlined call's slot maps to the body that took its place (function symbols and line_info
  // start there); its relocation goes
  const dropped: number[] = [];
  for (const { call, at } of r.replaced ?? []) {
    if (call >= entryEnd) continue;
    oldToNew[lo + call] = lo + at;
    dropped.push(lo + call);
  }
  const insns = [...raw.slice(0, lo), ...body, ...raw.slice(hi)];
  const others = othersOf(obj, entry.section, entry.name);
  const bytes = writeElf(obj.file, [{ section: entry.section, insns, oldToNew, added, dropped }]);
  const again = readObject(bytes);
  const back = again.link(p.name, { type: p.type });
  if (back.insns.length !== q.insns.length || back.insns.some((x, i) => !sameInsn(x, q.insns[i]))) throw new Error('the written object does not link to the inlined program');
  for (const [name, before] of others) {
    const after = again.link(name).insns;
    if (after.length !== before.length || after.some((x, i) => !sameInsn(x, before[i]))) throw new Error(`the written object changes ${name}, which shares ${entry.section}`);
  }
  return bytes;
}
