// A clang-built BPF object: its program sections, maps, license and BTF. Programs are found as
// libbpf finds them (FUNC symbols) and as older loaders did (NOTYPE symbols from old clang, or
// a whole section without symbols). Linking one entry point into a Program is in link.ts.
import { ElfError, EM_BPF, SHT, STT, parseElf, type ElfFile, type Section, type Symbol } from './elf.ts';
import { parseBtf, parseBtfExt, type Btf, type BtfExt } from './btf.ts';
import { decodeBytes, type Insn } from './insn.ts';
import { type MapDef, type Program, type ProgType } from './program.ts';
import { isTailCallSection, sectionDef, type SectionDef } from './sections.ts';
import { readMaps } from './maps-read.ts';
import { NO_EXTERNS, type ExternResolver } from './externs.ts';
import { linkProgram, type RelocIndex } from './link.ts';

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

/** What the section name says about an entry point, or why it says nothing. */
export interface EntryKind {
  /** Program type, when the section name (or the object's other programs) tell it. */
  readonly type?: ProgType;
  readonly def?: SectionDef;
  /** Why no type could be told (give one with --type). */
  readonly reason?: string;
  /** The type was inferred from the object's other programs (numbered tail-call section). */
  readonly inferred?: boolean;
}

export interface LinkOptions {
  /** Program type to use instead of the section's (`--type`), applied before linking. */
  readonly type?: ProgType;
}

export interface BpfObject {
  readonly file: ElfFile;
  readonly license: string;
  readonly maps: readonly MapDef[];
  /** Executable sections by name, with their raw (unlinked) instruction slots. */
  readonly code: ReadonlyMap<string, { section: Section; insns: Insn[] }>;
  readonly funcs: readonly FuncSym[];
  /** Entry points: functions in executable sections other than .text. */
  readonly programs: readonly FuncSym[];
  readonly btf?: Btf;
  readonly btfExt?: BtfExt;
  /** CO-RE relocation records per section (.BTF.ext core_relo), 0 when none. */
  coreRelos(section: string): number;
  /** What an entry point's section says (type, attach needs), without linking. */
  kindOf(entry: FuncSym): EntryKind;
  /** Link one entry point (by function or section name; default the first of known type) into a Program. */
  link(name?: string, opts?: LinkOptions): Program;
  /** Relocation symbol names by section and slot, for listings. */
  relocAt(section: string, slot: number): string | undefined;
  /** The symbol a relocation at (section, slot) refers to. */
  relocSymAt(section: string, slot: number): Symbol | undefined;
}

export interface ReadOptions {
  /** Values of .kconfig/.ksyms externs (default: none known; weak externs read as 0). */
  readonly externs?: ExternResolver;
}

export function readObject(bytes: Uint8Array, opts: ReadOptions = {}): BpfObject {
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
  const coreCounts = extSec && btfSec ? coreReloCounts(extSec.data, btfSec.data) : new Map<string, number>();

  const mapSlots = readMaps(file, btf);
  const code = new Map<string, { section: Section; insns: Insn[] }>();
  for (const s of file.sections) {
    if (s.type !== SHT.PROGBITS || !(s.flags & SHF_EXECINSTR) || s.size === 0) continue;
    if (s.size % 8) throw new ElfError(`section ${s.name}: size ${s.size} is not a multiple of 8 (truncated instruction)`);
    code.set(s.name, { section: s, insns: decodeBytes(s.data) });
  }
  const funcs = findFuncs(file, code);
  const programs = funcs.filter((f) => f.section !== '.text');

  const relocIndex: RelocIndex = new Map();
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

  const kindOf = (entry: FuncSym): EntryKind => {
    const def = sectionDef(entry.section);
    if (def) return { type: def.type, def };
    if (isTailCallSection(entry.section)) {
      // iproute2/Cilium tail-call sections hold programs of the type the loader was told;
      // when the object's named sections agree on one type, that is the type.
      const types = new Set(programs.map((p) => sectionDef(p.section)?.type).filter((t) => t !== undefined));
      if (types.size === 1) return { type: [...types][0], inferred: true };
      return { reason: `numbered tail-call section '${entry.section}' does not say its type (give --type)` };
    }
    return { reason: `section '${entry.section}' does not name a program type libbpf knows (give --type)` };
  };

  const obj: BpfObject = {
    file, license, maps: mapSlots.map((m) => m.def), code, funcs, programs, btf, btfExt,
    coreRelos: (section) => coreCounts.get(section) ?? 0,
    kindOf,
    relocAt: (section, slot) => relocIndex.get(section)?.get(slot)?.sym.name,
    relocSymAt: (section, slot) => relocIndex.get(section)?.get(slot)?.sym,
    link: (name, lo = {}) => {
      // default: the first program whose type is known (a `2/1` section sorts first but says nothing)
      const entry = name === undefined ? programs.find((p) => lo.type || kindOf(p).type) ?? programs[0] : programs.find((p) => p.name === name) ?? programs.find((p) => p.section === name);
      if (!entry) {
        const have = programs.map((p) => `${p.name} (${p.section})`).join(', ') || 'none';
        throw new ElfError(name === undefined ? 'object has no programs' : `no program or section named '${name}' (programs: ${have})`);
      }
      const kind = kindOf(entry);
      const type = lo.type ?? kind.type;
      if (!type) throw new ElfError(kind.reason!);
      return linkProgram({ obj, entry, type, def: kind.def, maps: mapSlots, relocs: relocIndex, externs: opts.externs ?? NO_EXTERNS });
    },
  };
  return obj;
}

/**
 * Functions per executable section: FUNC symbols; where a section has none, the NOTYPE symbols
 * old clang emitted for programs (global ones, else named non-label local ones), each running
 * to the next; a section with no symbol at all is one function named after it.
 */
function findFuncs(file: ElfFile, code: ReadonlyMap<string, { section: Section }>): FuncSym[] {
  const funcs: FuncSym[] = [];
  for (const [name, { section: sec }] of code) {
    const inSec = file.symbols.filter((s) => s.shndx === sec.index && s.name !== '');
    let syms = inSec.filter((s) => s.type === STT.FUNC);
    let sized = true;
    if (!syms.length) {
      const notype = inSec.filter((s) => s.type === STT.NOTYPE && !/^(\.L|LBB)/.test(s.name));
      const global = notype.filter((s) => s.bind !== 0);
      syms = global.length ? global : notype;
      sized = false;
    }
    const starts = [...new Set(syms.map((s) => s.value))].sort((a, b) => a - b);
    if (!syms.length) {
      if (name !== '.text') funcs.push({ name, section: name, start: 0, length: sec.size / 8, global: true });
      continue;
    }
    for (const sym of syms) {
      const size = sized && sym.size ? sym.size : (starts.find((v) => v > sym.value) ?? sec.size) - sym.value;
      if (sym.value % 8 || size % 8 || sym.value + size > sec.size) {
        throw new ElfError(`function ${sym.name} in ${name}: bounds ${sym.value}+${size} are not whole instructions inside the section (${sec.size} bytes)`);
      }
      if (funcs.some((f) => f.section === name && f.start === sym.value / 8)) continue; // aliases
      funcs.push({ name: sym.name, section: name, start: sym.value / 8, length: size / 8, global: sym.bind !== 0 });
    }
  }
  funcs.sort((a, b) => (a.section === b.section ? a.start - b.start : a.section < b.section ? -1 : 1));
  return funcs;
}

/** Number of CO-RE relocation records per section in .BTF.ext (header fields core_relo_off/len). */
function coreReloCounts(ext: Uint8Array, btfData: Uint8Array): Map<string, number> {
  const out = new Map<string, number>();
  const dv = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < 32 || ext.length < 32) return out;
  const off = dv.getUint32(24, true), len = dv.getUint32(28, true);
  if (!len) return out;
  const bdv = new DataView(btfData.buffer, btfData.byteOffset, btfData.byteLength);
  const strs = btfData.subarray(bdv.getUint32(4, true) + bdv.getUint32(16, true));
  const start = hdrLen + off;
  if (start + len > ext.length) throw new ElfError(`.BTF.ext core_relo (${start}+${len}) outside the ${ext.length} bytes`);
  const recSize = dv.getUint32(start, true);
  for (let p = start + 4; p + 8 <= start + len;) {
    const nameOff = dv.getUint32(p, true), n = dv.getUint32(p + 4, true);
    const end = strs.indexOf(0, nameOff);
    out.set(new TextDecoder().decode(strs.subarray(nameOff, end < 0 ? undefined : end)), n);
    p += 8 + n * recSize;
  }
  return out;
}
