// ELF64 little-endian relocatable objects, as much as BPF objects need: the header, section
// headers and their bytes, symbols and REL relocations. Everything read is bounds-checked and
// a problem becomes one ElfError naming where it is.
//
// Written by hand rather than with an npm ELF library: the ones available are read-only or
// unmaintained, and the optimizer needs a writer that re-lays out sections (see elf-write.ts).
import { oneLine } from './one-line.ts';

export const EM_BPF = 247;
export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
export const R_BPF = { NONE: 0, R64_64: 1, ABS64: 2, ABS32: 3, NODYLD32: 4, R64_32: 10 } as const;

export class ElfError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'ElfError';
  }
}


export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
  /** The section's bytes (empty for NOBITS). */
  readonly data: Uint8Array;
}

export interface Symbol {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly bind: number;
  readonly other: number;
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

export interface Reloc {
  /** Byte offset in the target section. */
  readonly offset: number;
  readonly type: number;
  readonly sym: number;
}

export interface ElfFile {
  readonly machine: number;
  readonly type: number;
  readonly flags: number;
  readonly sections: readonly Section[];
  readonly symbols: readonly Symbol[];
  /** Relocations by the index of the section they apply to. */
  readonly relocs: ReadonlyMap<number, readonly Reloc[]>;
  readonly bytes: Uint8Array;
}

/** A DataView that throws ElfError instead of RangeError and says what it was reading. */
class Reader {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(off: number, len: number, what: string): void {
    if (!Number.isSafeInteger(off) || off < 0 || len < 0 || off + len > this.bytes.length) {
      throw new ElfError(`${what} at offset ${off} (+${len}) lies outside the file (${this.bytes.length} bytes)`);
    }
  }
  u8(off: number, what: string): number {
    this.check(off, 1, what);
    return this.dv.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.check(off, 2, what);
    return this.dv.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.check(off, 4, what);
    return this.dv.getUint32(off, true);
  }
  u64(off: number, what: string): bigint {
    this.check(off, 8, what);
    return this.dv.getBigUint64(off, true);
  }
  /** u64 that must fit a JS number (offsets, sizes). */
  n64(off: number, what: string): number {
    const v = this.u64(off, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} ${v} is too large`);
    return Number(v);
  }
}

/** NUL-terminated string at `off` inside a string table. */
export function cstr(table: Uint8Array, off: number, what: string): string {
  if (off < 0 || off > table.length) throw new ElfError(`${what}: string offset ${off} outside its table (${table.length} bytes)`);
  let end = off;
  while (end < table.length && table[end] !== 0) end++;
  if (end === table.length && off !== table.length) throw new ElfError(`${what}: string at ${off} is not NUL-terminated`);
  return new TextDecoder().decode(table.subarray(off, end));
}

export function parseElf(bytes: Uint8Array): ElfFile {
  const r = new Reader(bytes);
  if (bytes.length < 64) throw new ElfError(`file is ${bytes.length} bytes, too short for an ELF header (64)`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfError('not an ELF file (bad magic)');
  if (bytes[4] !== 2) throw new ElfError(`not a 64-bit ELF (EI_CLASS ${bytes[4]})`);
  if (bytes[5] !== 1) throw new ElfError(`not a little-endian ELF (EI_DATA ${bytes[5]}); big-endian BPF objects are not supported`);
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  const flags = r.u32(48, 'e_flags');
  const shoff = r.n64(40, 'e_shoff');
  const shentsize = r.u16(58, 'e_shentsize');
  let shnum = r.u16(60, 'e_shnum');
  let shstrndx = r.u16(62, 'e_shstrndx');
  if (shoff === 0) throw new ElfError('ELF file has no section headers');
  if (shentsize !== 64) throw new ElfError(`e_shentsize is ${shentsize}, expected 64`);
  if (shnum === 0) shnum = r.n64(shoff + 32, 'section 0 sh_size (extended section count)');
  if (shstrndx === 0xffff) shstrndx = r.u32(shoff + 40, 'section 0 sh_link (extended shstrndx)');
  r.check(shoff, shnum * 64, `section header table (${shnum} entries)`);
  if (shstrndx >= shnum) throw new ElfError(`e_shstrndx ${shstrndx} is not a section (there are ${shnum})`);

  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * 64;
    const what = `section ${i}`;
    const sh = {
      nameOff: r.u32(h, what), type: r.u32(h + 4, what), flags: r.u64(h + 8, what), addr: r.u64(h + 16, what),
      offset: r.n64(h + 24, what), size: r.n64(h + 32, what), link: r.u32(h + 40, what), info: r.u32(h + 44, what),
      addralign: r.u64(h + 48, what), entsize: r.u64(h + 56, what),
    };
    if (sh.type !== SHT.NOBITS && sh.type !== SHT.NULL) r.check(sh.offset, sh.size, `${what} contents`);
    raw.push(sh);
  }
  const strtab = raw[shstrndx];
  const shstr = bytes.subarray(strtab.offset, strtab.offset + strtab.size);
  const sections: Section[] = raw.map((sh, index) => ({
    index,
    name: cstr(shstr, sh.nameOff, `section ${index} name`),
    type: sh.type, flags: sh.flags, addr: sh.addr, offset: sh.offset, size: sh.size, link: sh.link, info: sh.info,
    addralign: sh.addralign, entsize: sh.entsize,
    data: sh.type === SHT.NOBITS || sh.type === SHT.NULL ? new Uint8Array(0) : bytes.subarray(sh.offset, sh.offset + sh.size),
  }));

  const symbols = readSymbols(r, sections);
  const relocs = new Map<number, Reloc[]>();
  for (const s of sections) {
    if (s.type === SHT.RELA) throw new ElfError(`section ${s.name}: RELA relocations are not used by BPF objects`);
    if (s.type !== SHT.REL) continue;
    if (s.info >= sections.length) throw new ElfError(`section ${s.name}: applies to section ${s.info}, which does not exist`);
    if (s.size % 16) throw new ElfError(`section ${s.name}: size ${s.size} is not a multiple of 16`);
    const list: Reloc[] = [];
    for (let p = 0; p < s.size; p += 16) {
      const offset = r.n64(s.offset + p, `${s.name} entry ${p / 16}`);
      const info = r.u64(s.offset + p + 8, `${s.name} entry ${p / 16}`);
      const sym = Number(info >> 32n);
      if (sym >= symbols.length) throw new ElfError(`${s.name} entry ${p / 16}: symbol ${sym} does not exist`);
      list.push({ offset, type: Number(info & 0xffff_ffffn), sym });
    }
    relocs.set(s.info, list);
  }
  return { machine, type, flags, sections, symbols, relocs, bytes };
}

function readSymbols(r: Reader, sections: Section[]): Symbol[] {
  const symtab = sections.find((s) => s.type === SHT.SYMTAB);
  if (!symtab) return [];
  if (symtab.link >= sections.length) throw new ElfError(`.symtab links to string table ${symtab.link}, which does not exist`);
  const strs = sections[symtab.link].data;
  if (symtab.size % 24) throw new ElfError(`.symtab size ${symtab.size} is not a multiple of 24`);
  const out: Symbol[] = [];
  for (let i = 0, p = symtab.offset; i < symtab.size / 24; i++, p += 24) {
    const what = `symbol ${i}`;
    const info = r.u8(p + 4, what);
    const sym = {
      index: i,
      name: cstr(strs, r.u32(p, what), `${what} name`),
      type: info & 0xf,
      bind: info >> 4,
      other: r.u8(p + 5, what),
      shndx: r.u16(p + 6, what),
      value: r.n64(p + 8, what),
      size: r.n64(p + 16, what),
    };
    out.push(sym);
  }
  return out;
}
