// Writing an optimized program back into its object: each function's slots are edited in its
// own section (the entry's, and .text for bpf-to-bpf callees; deleted slots really removed,
// jumps and calls re-targeted), and the ELF writer keeps relocations, symbols and .BTF.ext in
// step. The written object is read back and checked.
import type { BpfObject } from '../isa/object.ts';
import { readObject, type LinkOptions, type ReadOptions } from '../isa/object.ts';
import { writeElf, type SectionEdit } from '../isa/elf-write.ts';
import { STT } from '../isa/elf.ts';
import { deleteSlots } from '../isa/edit.ts';
import type { Insn } from '../isa/insn.ts';
import { funcRanges, type Program } from '../isa/program.ts';
import { fromOp } from '../isa/op.ts';
import type { Candidate } from './candidate.ts';

const isLocalCall = (x: Insn): boolean => x.code === 0x85 && x.src === 1;

/**
 * Apply the candidate's edits (changed and deleted slots of the linked program; each linked
 * function maps 1:1 onto its symbol's range in its section) to the raw sections and serialize.
 */
export function writeOptimized(obj: BpfObject, cand: Candidate): Uint8Array {
  const original = cand.original.program;
  const secs = new Map<string, { raw: Insn[]; del: Set<number> }>();
  for (const f of funcRanges(original)) {
    const sym = obj.funcs.find((g) => g.name === f.name);
    if (!sym) throw new Error(`function ${f.name} is not in the object`);
    let s = secs.get(sym.section);
    if (!s) secs.set(sym.section, (s = { raw: [...obj.code.get(sym.section)!.insns], del: new Set() }));
    for (let pc = f.start; pc < f.end; pc++) {
      const at = sym.start + pc - f.start;
      const o = cand.ops[pc];
      if (cand.deleted[pc]) s.del.add(at);
      else if (o !== null && cand.changed(pc)) s.raw[at] = fromOp(o)[0];
    }
  }
  // a call relocated against a section symbol names its target as a slot of that section
  // (imm + 1): within the section, deleteSlots remaps it; into another section, see below
  const sectionCall = (sec: string, i: number): string | undefined => {
    const r = obj.relocSymAt(sec, i);
    return r && r.type === STT.SECTION ? obj.file.sections[r.shndx]?.name : undefined;
  };
  const edits = new Map<string, { insns: Insn[]; oldToNew: Int32Array }>();
  for (const [sec, { raw, del }] of secs) {
    const absolute = new Set<number>(), fixed = new Set<number>();
    raw.forEach((x, i) => {
      if (!isLocalCall(x) || obj.relocSymAt(sec, i) === undefined) return;
      if (sectionCall(sec, i) === sec) absolute.add(i);
      else fixed.add(i);
    });
    edits.set(sec, deleteSlots(raw, del, absolute, fixed));
  }
  // calls from any section into an edited one, against its section symbol
  for (const [sec, code] of obj.code) {
    code.insns.forEach((x, i) => {
      const target = isLocalCall(x) ? sectionCall(sec, i) : undefined;
      if (!target || target === sec || !edits.has(target)) return;
      let e = edits.get(sec);
      if (!e) edits.set(sec, (e = { insns: [...code.insns], oldToNew: Int32Array.from(code.insns, (_, k) => k) }));
      const at = e.oldToNew[i];
      e.insns[at] = { ...e.insns[at], imm: nextKept(edits.get(target)!.oldToNew, x.imm + 1) - 1 };
    });
  }
  return writeElf(obj.file, [...edits].map(([section, e]): SectionEdit => ({ section, ...e })));
}

/** New index of the first slot at or after old slot t that survived. */
function nextKept(oldToNew: Int32Array, t: number): number {
  for (let i = t; i < oldToNew.length; i++) if (oldToNew[i] >= 0) return oldToNew[i];
  return oldToNew.reduce((n, v) => (v >= 0 ? n + 1 : n), 0);
}

/** Functions of `name`'s program that another program of the object also calls. */
export function sharedFuncs(obj: BpfObject, name: string): string[] {
  const mine = obj.link(name).funcs.map((f) => f.name).slice(1);
  if (!mine.length) return [];
  const others = new Set<string>();
  for (const p of obj.programs) {
    if (p.name === name) continue;
    let linked;
    try {
      linked = obj.link(p.name);
    } catch {
      continue; // a program that does not link (e.g. its type unknown) calls nothing we keep
    }
    for (const f of linked.funcs) others.add(f.name);
  }
  return mine.filter((f) => others.has(f));
}

/** Read back a written object and link the same program. */
export function relink(bytes: Uint8Array, name: string, opts: ReadOptions & LinkOptions = {}): Program {
  return readObject(bytes, opts).link(name, opts);
}
