// Linking one entry point of an object into a self-contained Program, as libbpf does before
// loading: subprograms from .text appended and calls re-targeted; map references made
// MAP_IDX(_VALUE); `lddw` of a function made BPF_PSEUDO_FUNC (callbacks); `.kconfig` externs
// read from one read-only map; `.ksyms` externs made kfunc calls, BTF ids or addresses.
import { ElfError, R_BPF, type Symbol } from './elf.ts';
import { BTF_KIND } from './btf.ts';
import { type Insn, insnWith } from './insn.ts';
import { CALL_CODE, CALL_KIND, LDDW_CODE, PSEUDO } from './opcodes.ts';
import type { LoadNeeds, MapDef, Program, ProgType } from './program.ts';
import type { SectionDef } from './sections.ts';
import type { MapSlot } from './maps-read.ts';
import { kconfigLayout, kconfigMap, ksymIsTyped, type ExternResolver } from './externs.ts';
import type { BpfObject, FuncSym } from './object.ts';

export type RelocIndex = Map<string, Map<number, { sym: Symbol; type: number }>>;

export interface LinkInput {
  obj: BpfObject;
  entry: FuncSym;
  type: ProgType;
  /** The section's definition (attach needs); ignored when `type` differs from its type. */
  def?: SectionDef;
  maps: readonly MapSlot[];
  relocs: RelocIndex;
  externs: ExternResolver;
}

const STB_WEAK = 2;

export function linkProgram(inp: LinkInput): Program {
  const { obj, entry, type, relocs } = inp;
  const notes: string[] = [];
  const kcfg = kconfigLayout(obj.btf);
  const maps: MapDef[] = inp.maps.map((m) => m.def);
  // BTF map-in-map templates are not maps of the object: give them a slot so that a lookup's
  // result (the inner map) can name one; the loader creates them like any map.
  for (const m of inp.maps) if (m.def.inner && !maps.includes(m.def.inner)) maps.push(m.def.inner);
  let kcfgIdx = -1;
  const kconfigIndex = (): number => {
    if (kcfgIdx < 0) {
      const weak = (n: string): boolean => obj.file.symbols.some((s) => s.name === n && s.shndx === 0 && s.bind === STB_WEAK);
      maps.push(kconfigMap(kcfg, inp.externs, weak));
      kcfgIdx = maps.length - 1;
    }
    return kcfgIdx;
  };

  const out: Insn[] = [];
  const placed = new Map<FuncSym, number>();
  const queue: FuncSym[] = [];
  const extra: FuncSym[] = [];
  const place = (f: FuncSym): number => {
    let at = placed.get(f);
    if (at === undefined) {
      at = out.length;
      placed.set(f, at);
      out.push(...obj.code.get(f.section)!.insns.slice(f.start, f.start + f.length));
      queue.push(f);
    }
    return at;
  };
  const funcAt = (section: string, slot: number, where: string): FuncSym => {
    const all = [...obj.funcs, ...extra];
    const f = all.find((g) => g.section === section && slot >= g.start && slot < g.start + g.length);
    if (f) return f;
    // Old objects: a static function without a symbol runs to the next known one.
    const code = obj.code.get(section);
    if (!code || slot < 0 || slot >= code.insns.length) throw new ElfError(`${where}: call into ${section} slot ${slot}, which is outside the section`);
    const next = Math.min(code.insns.length, ...all.filter((g) => g.section === section && g.start > slot).map((g) => g.start));
    const g = { name: `${section}+${slot}`, section, start: slot, length: next - slot, global: false };
    extra.push(g);
    return g;
  };
  // libbpf: a kfunc is an extern FUNC listed in the .ksyms DATASEC (declared __ksym).
  const ksyms = obj.btf?.byName('.ksyms', BTF_KIND.DATASEC);
  const isExternFunc = (name: string): boolean => !!ksyms?.members.some((m) => obj.btf!.types[m.type]?.kind === BTF_KIND.FUNC && obj.btf!.types[m.type].name === name);

  place(entry);
  while (queue.length) {
    const f = queue.shift()!;
    const base = placed.get(f)!;
    const rel = relocs.get(f.section);
    for (let i = 0; i < f.length; i++) {
      const pc = base + i;
      const x = out[pc];
      const r = rel?.get(f.start + i);
      const where = `${f.section} slot ${f.start + i}`;
      if (r && x.code === CALL_CODE && r.sym.shndx === 0) {
        // clang emits a call to an extern as a local call relocated against the symbol
        out[pc] = kfuncCall(x, r.sym, isExternFunc(r.sym.name), inp.externs, where, notes);
      } else if (x.code === CALL_CODE && x.src === CALL_KIND.LOCAL) {
        let tSec = f.section;
        let tSlot = f.start + i + x.imm + 1;
        if (r) {
          const sec = obj.file.sections[r.sym.shndx];
          if (!sec) throw new ElfError(`${where}: call relocation against symbol ${r.sym.name} with no section`);
          tSec = sec.name;
          tSlot = r.sym.value / 8 + x.imm + 1;
        }
        const g = funcAt(tSec, tSlot, where);
        const at = place(g);
        out[pc] = insnWith(x, { imm: at + (tSlot - g.start) - pc - 1 });
      } else if (r && x.code === LDDW_CODE) {
        const sym = r.sym;
        const sec = obj.file.sections[sym.shndx];
        if (sym.shndx === 0) {
          const v = kcfg.vars.find((k) => k.name === sym.name);
          if (v) out.splice(pc, 2, insnWith(x, { src: PSEUDO.MAP_IDX_VALUE, imm: kconfigIndex() }), insnWith(out[pc + 1], { imm: v.offset + x.imm }));
          else out.splice(pc, 2, ...ksymLoad(x, out[pc + 1], sym, ksymIsTyped(obj.btf, sym.name), inp.externs, where, notes));
        } else if (sec && obj.code.has(sec.name)) {
          // lddw of a function: a callback (bpf_loop, for_each_map_elem, timers).
          const tSlot = (sym.value + x.imm) / 8;
          const g = funcAt(sec.name, tSlot, where);
          const at = place(g);
          out.splice(pc, 2, insnWith(x, { src: PSEUDO.FUNC, imm: at + (tSlot - g.start) - pc - 1 }), insnWith(out[pc + 1], { imm: 0 }));
        } else {
          out.splice(pc, 2, ...mapRef(obj, inp.maps, sym, x, out[pc + 1], where));
        }
      } else if (r && r.type !== R_BPF.NONE) {
        throw new ElfError(`${where}: relocation against ${r.sym.name} on an instruction that is neither lddw nor call`);
      }
    }
  }
  const funcs = [...placed].map(([f, start]) => ({ name: f.name, start })).sort((a, b) => a.start - b.start);
  const sections = new Set([...placed.keys()].map((f) => f.section));
  const core = [...sections].reduce((n, s) => n + obj.coreRelos(s), 0);
  if (core) notes.push(`${core} CO-RE relocation${core > 1 ? 's' : ''} in its sections not applied (compile-time offsets kept)`);
  const def = inp.def && inp.def.type === type ? inp.def : undefined;
  const load: LoadNeeds | undefined = def && {
    expectedAttachType: def.expectedAttachType, sleepable: def.sleepable, xdpFrags: def.xdpFrags,
    attachTo: def.attachTo, unloadable: def.unloadable,
  };
  return {
    name: entry.name, section: entry.section, type, insns: out, maps, license: obj.license, funcs,
    ...(load ? { load } : {}), ...(notes.length ? { notes } : {}),
  };
}

function kfuncCall(x: Insn, sym: Symbol, isKfunc: boolean, ext: ExternResolver, where: string, notes: string[]): Insn {
  if (!isKfunc) {
    const hint = /^(memset|memcpy|memmove|memcmp|__builtin_)/.test(sym.name) ? ' (clang emits it for a large or unaligned copy: use __builtin_memcpy with a constant size)' : '';
    throw new ElfError(`${where}: call to undefined function '${sym.name}', which is neither a helper nor a kfunc${hint}`);
  }
  const id = ext.btfId(sym.name, 'func');
  if (id === undefined) {
    if (sym.bind !== STB_WEAK) throw new ElfError(`${where}: kfunc '${sym.name}' is not in the kernel's BTF`);
    notes.push(`weak kfunc ${sym.name} not found: call left unresolved (imm 0), as libbpf does`);
    return insnWith(x, { src: CALL_KIND.KFUNC, imm: 0, off: 0 });
  }
  return insnWith(x, { src: CALL_KIND.KFUNC, imm: id, off: 0 });
}

function ksymLoad(lo: Insn, hi: Insn, sym: Symbol, typed: boolean, ext: ExternResolver, where: string, notes: string[]): Insn[] {
  const weak = sym.bind === STB_WEAK;
  if (typed) {
    const id = ext.btfId(sym.name, 'var');
    if (id === undefined && !weak) throw new ElfError(`${where}: extern variable '${sym.name}' (__ksym) is not in the kernel's BTF`);
    if (id === undefined) notes.push(`weak __ksym ${sym.name} not found: reads as 0`);
    return id === undefined ? [insnWith(lo, { src: PSEUDO.NONE, imm: 0 }), insnWith(hi, { imm: 0 })] : [insnWith(lo, { src: PSEUDO.BTF_ID, imm: id }), insnWith(hi, { imm: 0 })];
  }
  const addr = ext.address(sym.name);
  if (addr === undefined && !weak) throw new ElfError(`${where}: extern '${sym.name}' is undefined (not a .kconfig or .ksyms symbol known to this kernel)`);
  const a = addr ?? 0n;
  return [insnWith(lo, { src: PSEUDO.NONE, imm: Number(BigInt.asIntN(32, a)) }), insnWith(hi, { imm: Number(BigInt.asIntN(32, a >> 32n)) })];
}

function mapRef(obj: BpfObject, maps: readonly MapSlot[], sym: Symbol, lo: Insn, hi: Insn, where: string): Insn[] {
  const sec = obj.file.sections[sym.shndx];
  const at = sym.type === 3 /* STT_SECTION: the offset is in imm */ ? sym.value + lo.imm : sym.value;
  const idx = maps.findIndex((m) => m.section === sym.shndx && (m.global || m.offset === at));
  if (!sec || idx < 0) throw new ElfError(`${where}: lddw refers to ${sym.name || sec?.name || `symbol ${sym.index}`}, which is not a map`);
  if (maps[idx].global) {
    // global data: value pointer at (symbol value + the addend clang left in imm)
    const off = sym.value + lo.imm;
    return [insnWith(lo, { src: PSEUDO.MAP_IDX_VALUE, imm: idx }), insnWith(hi, { imm: off })];
  }
  return [insnWith(lo, { src: PSEUDO.MAP_IDX, imm: idx }), insnWith(hi, { imm: 0 })];
}
