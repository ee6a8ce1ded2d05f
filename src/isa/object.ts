// A clang-built BPF object: its program sections, maps, license and BTF, and the linking that
// turns one entry function into a self-contained Program (as libbpf does before loading):
// subprograms from .text appended, calls re-targeted, map references made MAP_IDX(_VALUE).
import { ElfError, EM_BPF, R_BPF, SHT, STT, parseElf, type ElfFile, type Section, type Symbol } from './elf.ts';
import { btfMaps, parseBtf, parseBtfExt, type Btf, type BtfExt } from './btf.ts';
import { decodeBytes, type Insn } from './insn.ts';
import { LDDW_CODE, PSEUDO } from './opcodes.ts';
import { MAP_TYPE, progTypeOfSection, type MapDef, type Program, type ProgType } from './program.ts';

const SHF_EXECINSTR = 4n;
const MACHINE_NAMES: Record<number, string> = { 3: 'x86 (i386)', 62: 'x86-64', 40: 'ARM', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 21: 'PowerPC64' };

/** A function symbol inside an executable section. */
export interface FuncSym {
  name: string;
  section: string;
  /** First slot within its section. */
  start: number;
  /** Length in slots. */
  length: number;
  global: boolean;
}

/** Where a map lives in the object, so relocations can find it. */
interface MapSlot {
  def: MapDef;
  section: number;
  /** Byte offset of the definition in its section (BTF/legacy maps) or 0 (global data). */
  offset: number;
  /** Global-data maps are referenced by section symbol + offset. */
  global: boolean;
}

export interface BpfObject {
  readonly file: ElfFile;
  readonly license: string;
  readonly maps: readonly MapDef[];
  /** Executable sections by name, with their raw (unlinked) instruction slots. */
  readonly code: ReadonlyMap<string, { section: Section; insns: Insn[] }>;
  readonly funcs: readonly FuncSym[];
  /** Entry points: global functions in non-.text executable sections. */
  readonly programs: readonly FuncSym[];
  readonly btf?: Btf;
  readonly btfExt?: BtfExt;
  /** Link one entry point into a Program. */
  link(name?: string): Program;
  /** Relocation symbol names by section and slot, for listings. */
  relocAt(section: string, slot: number): string | undefined;
  /** The symbol a relocation at (section, slot) refers to. */
  relocSymAt(section: string, slot: number): Symbol | undefined;
}

export function readObject(bytes: Uint8Array): BpfObject {
  const file = parseElf(bytes);
  if (file.machine !== EM_BPF) {
    const m = MACHINE_NAMES[file.machine] ?? `machine ${file.machine}`;
    throw new ElfError(`not a BPF object: e_machine is ${file.machine} (${m}), expected 247 (BPF)`);
  }
  const byName = (n: string): Section | undefined => file.sections.find((s) => s.name === n);
  const licSec = byName('license');
  const license = licSec ? new TextDecoder().decode(licSec.data).replace(/\0.*$/s, '') : '';

  const btfSec = byName('.BTF');
  const btf = btfSec ? parseBtf(btfSec.data) : undefined;
  const extSec = byName('.BTF.ext');
  const btfExt = extSec && btfSec ? parseBtfExt(extSec.data, btfSec.data) : undefined;

  const mapSlots = readMaps(file, btf);
  const code = new Map<string, { section: Section; insns: Insn[] }>();
  for (const s of file.sections) {
    if (s.type !== SHT.PROGBITS || !(s.flags & SHF_EXECINSTR) || s.size === 0) continue;
    if (s.size % 8) throw new ElfError(`section ${s.name}: size ${s.size} is not a multiple of 8 (truncated instruction)`);
    code.set(s.name, { section: s, insns: decodeBytes(s.data) });
  }
  const funcs: FuncSym[] = [];
  for (const sym of file.symbols) {
    if (sym.type !== STT.FUNC || sym.shndx === 0 || sym.shndx >= file.sections.length) continue;
    const sec = file.sections[sym.shndx];
    if (!code.has(sec.name)) continue;
    if (sym.value % 8 || sym.size % 8 || sym.value + sym.size > sec.size) {
      throw new ElfError(`function ${sym.name} in ${sec.name}: bounds ${sym.value}+${sym.size} are not whole instructions inside the section (${sec.size} bytes)`);
    }
    funcs.push({ name: sym.name, section: sec.name, start: sym.value / 8, length: sym.size / 8, global: sym.bind !== 0 });
  }
  funcs.sort((a, b) => (a.section === b.section ? a.start - b.start : a.section < b.section ? -1 : 1));
  const programs = funcs.filter((f) => f.section !== '.text');

  const relocIndex = new Map<string, Map<number, { sym: Symbol; type: number }>>();
  for (const [secIdx, list] of file.relocs) {
    const sec = file.sections[secIdx];
    if (!code.has(sec.name)) continue;
    const m = new Map<number, { sym: Symbol; type: number }>();
    for (const r of list) {
      if (r.offset % 8 || r.offset >= sec.size) throw new ElfError(`relocation in ${sec.name} at byte ${r.offset}: not at an instruction`);
      m.set(r.offset / 8, { sym: file.symbols[r.sym], type: r.type });
    }
    relocIndex.set(sec.name, m);
  }

  const obj: BpfObject = {
    file, license, maps: mapSlots.map((m) => m.def), code, funcs, programs, btf, btfExt,
    relocAt: (section, slot) => relocIndex.get(section)?.get(slot)?.sym.name,
    relocSymAt: (section, slot) => relocIndex.get(section)?.get(slot)?.sym,
    link: (name) => link(obj, name, mapSlots, relocIndex),
  };
  return obj;
}

function readMaps(file: ElfFile, btf: Btf | undefined): MapSlot[] {
  const out: MapSlot[] = [];
  const mapsSec = file.sections.find((s) => s.name === '.maps');
  if (mapsSec) {
    if (!btf) throw new ElfError('object has a .maps section but no .BTF to describe it');
    for (const d of btfMaps(btf)) {
      // clang leaves DATASEC offsets at 0 in objects (libbpf fills them in): use the symbol's.
      const sym = file.symbols.find((s) => s.shndx === mapsSec.index && s.name === d.name);
      if (!sym) throw new ElfError(`map ${d.name} is described in .BTF but has no symbol in .maps`);
      out.push({ def: { name: d.name, type: d.type, keySize: d.keySize, valueSize: d.valueSize, maxEntries: d.maxEntries, flags: d.flags }, section: mapsSec.index, offset: sym.value, global: false });
    }
  }
  const legacy = file.sections.find((s) => s.name === 'maps');
  if (legacy) {
    const syms = file.symbols.filter((s) => s.shndx === legacy.index && s.type !== STT.SECTION);
    const dv = new DataView(legacy.data.buffer, legacy.data.byteOffset, legacy.data.byteLength);
    for (const s of syms) {
      if (s.value + 20 > legacy.size) throw new ElfError(`legacy map ${s.name}: definition at ${s.value} runs past the maps section`);
      const u = (k: number): number => dv.getUint32(s.value + 4 * k, true);
      out.push({ def: { name: s.name, type: u(0), keySize: u(1), valueSize: u(2), maxEntries: u(3), flags: u(4) }, section: legacy.index, offset: s.value, global: false });
    }
  }
  for (const s of file.sections) {
    if (!/^\.(rodata|data|bss)(\..*)?$/.test(s.name) || s.size === 0 || s.flags & SHF_EXECINSTR) continue;
    if (s.type !== SHT.PROGBITS && s.type !== SHT.NOBITS) continue;
    const readonly = s.name.startsWith('.rodata');
    out.push({
      def: {
        name: s.name, type: MAP_TYPE.array, keySize: 4, valueSize: s.size, maxEntries: 1,
        flags: readonly ? 0x80 /* BPF_F_RDONLY_PROG */ : 0,
        initial: s.type === SHT.NOBITS ? new Uint8Array(s.size) : s.data.slice(), readonly,
      },
      section: s.index, offset: 0, global: true,
    });
  }
  return out;
}

function link(
  obj: BpfObject,
  name: string | undefined,
  maps: MapSlot[],
  relocs: Map<string, Map<number, { sym: Symbol; type: number }>>,
): Program {
  const entry = name === undefined ? obj.programs[0] : obj.programs.find((p) => p.name === name || p.section === name);
  if (!entry) {
    const have = obj.programs.map((p) => `${p.name} (${p.section})`).join(', ') || 'none';
    throw new ElfError(name === undefined ? 'object has no programs' : `no program or section named '${name}' (programs: ${have})`);
  }
  const type: ProgType | undefined = progTypeOfSection(entry.section);
  if (!type) throw new ElfError(`section '${entry.section}': cannot tell the program type from its name`);

  const out: Insn[] = [];
  const placed = new Map<FuncSym, number>();
  const queue: FuncSym[] = [];
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
  const funcAt = (section: string, slot: number): FuncSym => {
    const f = obj.funcs.find((g) => g.section === section && slot >= g.start && slot < g.start + g.length);
    if (!f) throw new ElfError(`call into ${section} slot ${slot}, which is not inside any function`);
    return f;
  };
  place(entry);
  while (queue.length) {
    const f = queue.shift()!;
    const base = placed.get(f)!;
    const rel = relocs.get(f.section);
    for (let i = 0; i < f.length; i++) {
      const pc = base + i;
      const x = out[pc];
      const r = rel?.get(f.start + i);
      if (x.code === 0x85 && x.src === PSEUDO.MAP_FD /* src 1: local call */) {
        let tSec = f.section;
        let tSlot = f.start + i + x.imm + 1;
        if (r) {
          // An undefined symbol is a kfunc (libbpf resolves it against the kernel's BTF).
          if (r.sym.shndx === 0) throw new ElfError(`${f.section} slot ${f.start + i}: call to extern ${r.sym.name} (a kfunc), which needs the kernel's BTF`);
          const sec = obj.file.sections[r.sym.shndx];
          if (!sec) throw new ElfError(`${f.section} slot ${f.start + i}: call relocation against symbol ${r.sym.name} with no section`);
          tSec = sec.name;
          tSlot = r.sym.value / 8 + x.imm + 1;
        }
        const g = funcAt(tSec, tSlot);
        const at = place(g);
        out[pc] = { ...x, imm: at + (tSlot - g.start) - pc - 1 };
      } else if (r && x.code === LDDW_CODE) {
        out.splice(pc, 2, ...mapRef(obj, maps, r.sym, x, out[pc + 1], `${f.section} slot ${f.start + i}`));
      } else if (r && r.type !== R_BPF.NONE) {
        throw new ElfError(`${f.section} slot ${f.start + i}: relocation against ${r.sym.name} on an instruction that is neither lddw nor call`);
      }
    }
  }
  const funcs = [...placed].map(([f, start]) => ({ name: f.name, start })).sort((a, b) => a.start - b.start);
  return { name: entry.name, section: entry.section, type, insns: out, maps: maps.map((m) => m.def), license: obj.license, funcs };
}

function mapRef(obj: BpfObject, maps: MapSlot[], sym: Symbol, lo: Insn, hi: Insn, where: string): Insn[] {
  const sec = obj.file.sections[sym.shndx];
  if (sec && sec.flags & SHF_EXECINSTR) throw new ElfError(`${where}: lddw takes the address of function ${sym.name || sec.name} (a callback, BPF_PSEUDO_FUNC), which is not supported`);
  if (sym.shndx === 0) throw new ElfError(`${where}: lddw of extern ${sym.name} (a ksym or kconfig value), which needs the kernel's BTF`);
  const idx = maps.findIndex((m) => m.section === sym.shndx && (m.global || m.offset === sym.value));
  if (!sec || idx < 0) throw new ElfError(`${where}: lddw refers to ${sym.name || sec?.name || `symbol ${sym.index}`}, which is not a map`);
  if (maps[idx].global) {
    // global data: value pointer at (symbol value + the addend clang left in imm)
    const off = sym.value + lo.imm;
    return [{ ...lo, src: PSEUDO.MAP_IDX_VALUE, imm: idx }, { ...hi, imm: off }];
  }
  return [{ ...lo, src: PSEUDO.MAP_IDX, imm: idx }, { ...hi, imm: 0 }];
}
