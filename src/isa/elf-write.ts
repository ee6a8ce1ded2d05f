// Writing a BPF object back, optionally with one code section's instructions replaced.
//
// A rewrite takes the new slots of the section and a map from old slot to new slot (-1 for a
// deleted slot) and keeps the object consistent: relocations move with their instructions
// (and vanish with them), function symbols shrink to their new extent, .BTF.ext func_info,
// line_info and CO-RE (core_relo) records move or are dropped, and the DWARF sections, which would otherwise
// describe code that is gone, are dropped (BTF keeps the types libbpf and the kernel need).
// Unchanged objects are written byte for byte as they were read.
import { SHT, STT, type ElfFile, type Reloc, type Section } from './elf.ts';
import { encodeBytes, type Insn } from './insn.ts';
import { parseBtfExt } from './btf.ts';

export interface SectionEdit {
  /** Name of the executable section to replace. */
  section: string;
  /** New raw slots (relocation-bearing instructions in their unlinked form). */
  insns: readonly Insn[];
  /** oldToNew[oldSlot] = new slot, or -1 when the old slot was deleted. */
  oldToNew: Int32Array;
  /** Relocations of new slots (copies of relocated instructions): symbol index in the input file, type. */
  added?: readonly { slot: number; sym: number; type: number }[];
  /** Old slots kept (mapped) whose relocations go: an instruction replaced by code that refers to nothing. */
  dropped?: readonly number[];
}

interface OutSection {
  src: Section;
  data: Uint8Array;
  link: number;
  info: number;
}

/** Serialize an object, applying edits. With no edits, returns the original bytes. */
export function writeElf(file: ElfFile, edits: readonly SectionEdit[] = []): Uint8Array {
  if (!edits.length) return file.bytes.slice();
  const byName = new Map(file.sections.map((s) => [s.name, s]));
  const editOf = new Map<number, SectionEdit>();
  for (const e of edits) {
    const s = byName.get(e.section);
    if (!s) throw new Error(`no section ${e.section} to rewrite`);
    if (e.oldToNew.length !== s.size / 8) throw new Error(`slot map for ${e.section} has ${e.oldToNew.length} entries, section has ${s.size / 8} slots`);
    if (e.added?.length && !file.relocs.has(s.index)) throw new Error(`${e.section} has no relocation section to add relocations to`);
    editOf.set(s.index, e);
  }
  // Which sections survive: drop DWARF and its relocations.
  // .llvm_addrsig lists symbol indices, which change when symbols go: drop it too (optional).
  const isDebug = (s: Section): boolean => /^(\.rel)?\.debug_/.test(s.name) || s.name === '.llvm_addrsig';
  const keep = file.sections.filter((s) => !isDebug(s));
  const newIndex = new Int32Array(file.sections.length).fill(-1);
  keep.forEach((s, i) => (newIndex[s.index] = i));

  // Symbols: remap section indices; drop those in dropped sections; fix functions in edited ones.
  const symtab = file.sections.find((s) => s.type === SHT.SYMTAB);
  const symMap = new Int32Array(file.symbols.length).fill(-1);
  const keptSyms = file.symbols.filter((sym) => {
    if (sym.index === 0) return true;
    if (sym.shndx > 0 && sym.shndx < 0xff00 && newIndex[sym.shndx] < 0) return false;
    return true;
  });
  keptSyms.forEach((s, i) => (symMap[s.index] = i));
  let firstGlobal = keptSyms.findIndex((s) => s.bind !== 0);
  if (firstGlobal < 0) firstGlobal = keptSyms.length;

  const out: OutSection[] = keep.map((s) => ({ src: s, data: s.data, link: s.link, info: s.info }));
  for (const o of out) {
    const s = o.src;
    if (s.type === SHT.REL || s.type === SHT.SYMTAB) o.link = newIndex[s.link];
    if (s.type === SHT.REL) o.info = newIndex[s.info];
    if (s.type === SHT.SYMTAB) o.info = firstGlobal;
    const edit = editOf.get(s.index);
    if (edit) o.data = encodeBytes(edit.insns);
    if (s.type === SHT.REL) o.data = writeRelocs(file.relocs.get(s.info) ?? [], editOf.get(s.info), symMap);
    if (s === symtab) o.data = writeSymbols(file, keptSyms, newIndex, editOf);
  }
  const ext = out.find((o) => o.src.name === '.BTF.ext');
  const btf = file.sections.find((s) => s.name === '.BTF');
  if (ext && btf) {
    const r = rewriteBtfExt(ext.src.data, btf.data, file, editOf);
    ext.data = r.data;
    const relExt = out.find((o) => o.src.name === '.rel.BTF.ext');
    if (relExt) relExt.data = r.relocs(symMap, file.relocs.get(ext.src.index) ?? []);
  }
  return layout(file, out, newIndex);
}

function writeRelocs(list: readonly Reloc[], edit: SectionEdit | undefined, symMap: Int32Array): Uint8Array {
  const rows: [number, number, number][] = [];
  for (const r of list) {
    let off = r.offset;
    if (edit) {
      const n = edit.oldToNew[r.offset / 8];
      if (n < 0 || edit.dropped?.includes(r.offset / 8)) continue;
      off = n * 8;
    }
    rows.push([off, symMap[r.sym], r.type]);
  }
  if (edit?.added?.length) {
    for (const a of edit.added) rows.push([a.slot * 8, symMap[a.sym], a.type]);
    rows.sort((x, y) => x[0] - y[0]);
  }
  const b = new Uint8Array(rows.length * 16);
  const dv = new DataView(b.buffer);
  rows.forEach(([off, sym, type], i) => {
    dv.setBigUint64(i * 16, BigInt(off), true);
    dv.setBigUint64(i * 16 + 8, (BigInt(sym) << 32n) | BigInt(type), true);
  });
  return b;
}

/** First surviving new slot at or after `old`, or the new section end. */
function forward(edit: SectionEdit, old: number, total: number): number {
  for (let i = old; i < edit.oldToNew.length; i++) if (edit.oldToNew[i] >= 0) return edit.oldToNew[i];
  return total;
}

function writeSymbols(file: ElfFile, kept: ElfFile['symbols'], newIndex: Int32Array, edits: Map<number, SectionEdit>): Uint8Array {
  const strtab = file.sections.find((s) => s.type === SHT.SYMTAB)!;
  const orig = strtab.data;
  const b = new Uint8Array(kept.length * 24);
  kept.forEach((sym, i) => {
    b.set(orig.subarray(sym.index * 24, sym.index * 24 + 24), i * 24);
    const dv = new DataView(b.buffer, i * 24, 24);
    if (sym.shndx > 0 && sym.shndx < 0xff00) dv.setUint16(6, newIndex[sym.shndx], true);
    const edit = edits.get(sym.shndx);
    if (edit && sym.type === STT.FUNC) {
      const total = edit.insns.length;
      const start = forward(edit, sym.value / 8, total);
      const end = forward(edit, (sym.value + sym.size) / 8, total);
      dv.setBigUint64(8, BigInt(start * 8), true);
      dv.setBigUint64(16, BigInt((end - start) * 8), true);
    }
  });
  return b;
}

/** Rebuild .BTF.ext with func_info, line_info and core_relo moved to the new slots; returns its relocation writer. */
function rewriteBtfExt(data: Uint8Array, btfData: Uint8Array, file: ElfFile, edits: Map<number, SectionEdit>) {
  const ext = parseBtfExt(data, btfData);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const hdrLen = dv.getUint32(4, true);
  const editByName = new Map([...edits].map(([idx, e]) => [file.sections[idx].name, e]));
  // Section name offsets, as in the original (the string table is .BTF's and does not change).
  const nameOffs = new Map<string, number>();
  // [offset field, length field] of each part in the header; core_relo only in 32-byte headers
  const fields: [number, number][] = hdrLen >= 32 ? [[8, 12], [16, 20], [24, 28]] : [[8, 12], [16, 20]];
  for (const [partOff, partLen] of fields) {
    const start = hdrLen + dv.getUint32(partOff, true), len = dv.getUint32(partLen, true);
    if (!len) continue;
    const rec = dv.getUint32(start, true);
    for (let p = start + 4; p < start + len;) {
      const nameOff = dv.getUint32(p, true), n = dv.getUint32(p + 4, true);
      const bdv = new DataView(btfData.buffer, btfData.byteOffset, btfData.byteLength);
      const strs = btfData.subarray(bdv.getUint32(4, true) + bdv.getUint32(16, true));
      let end = nameOff;
      while (strs[end]) end++;
      nameOffs.set(new TextDecoder().decode(strs.subarray(nameOff, end)), nameOff);
      p += 8 + n * rec;
    }
  }
  const parts: Uint8Array[] = [];
  /** Offsets (within the new .BTF.ext) of each record's insn_off field, with the section name. */
  const insnOffFields: { at: number; section: string }[] = [];
  let cursor = hdrLen;
  const partHeaders: [number, number][] = [];
  const infos = [ext.funcInfo, ext.lineInfo, ext.coreRelo].slice(0, fields.length);
  for (const info of infos) {
    const startCursor = cursor;
    // func/line info: records of a deleted slot move to the next one unless it has its own;
    // a CO-RE relocation belongs to its instruction only, and goes with it
    const exact = info === ext.coreRelo;
    if (!info.recSize) {
      partHeaders.push([cursor - hdrLen, 0]);
      continue;
    }
    const chunks: number[] = [];
    const u32 = (v: number): void => void chunks.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    u32(info.recSize);
    for (const [sec, recs] of info.bySection) {
      const edit = editByName.get(sec);
      const moved: { off: number; rest: Uint8Array }[] = [];
      let last = -1;
      for (const r of recs) {
        let off = r.insnOff;
        if (edit) {
          const n = edit.oldToNew[off / 8];
          if (n === undefined || n < 0 || (!exact && n * 8 <= last)) continue; // its instruction is gone
          off = n * 8;
        }
        last = off;
        moved.push({ off, rest: r.rest });
      }
      u32(nameOffs.get(sec) ?? 0);
      u32(moved.length);
      for (const m of moved) {
        insnOffFields.push({ at: startCursor + chunks.length, section: sec });
        u32(m.off);
        chunks.push(...m.rest);
      }
    }
    parts.push(Uint8Array.from(chunks));
    partHeaders.push([cursor - hdrLen, chunks.length]);
    cursor += chunks.length;
  }
  const outData = new Uint8Array(cursor);
  outData.set(data.subarray(0, hdrLen));
  const odv = new DataView(outData.buffer);
  fields.forEach(([offField, lenField], i) => {
    odv.setUint32(offField, partHeaders[i][0], true);
    odv.setUint32(lenField, partHeaders[i][1], true);
  });
  let p = hdrLen;
  for (const part of parts) {
    outData.set(part, p);
    p += part.length;
  }
  const relocs = (symMap: Int32Array, orig: readonly Reloc[]): Uint8Array => {
    // One relocation per insn_off field, against the same symbol the original used for that section.
    const symFor = new Map<string, { sym: number; type: number }>();
    for (const r of orig) {
      const sym = file.symbols[r.sym];
      const name = sym.type === STT.SECTION ? file.sections[sym.shndx]?.name : undefined;
      if (name && !symFor.has(name)) symFor.set(name, { sym: symMap[r.sym], type: r.type });
    }
    const rows = insnOffFields.filter((f) => symFor.has(f.section));
    const b = new Uint8Array(rows.length * 16);
    const bdv = new DataView(b.buffer);
    rows.forEach((f, i) => {
      const s = symFor.get(f.section)!;
      bdv.setBigUint64(i * 16, BigInt(f.at), true);
      bdv.setBigUint64(i * 16 + 8, (BigInt(s.sym) << 32n) | BigInt(s.type), true);
    });
    return b;
  };
  return { data: outData, relocs };
}

/** Lay out header, section contents (in index order, aligned) and the section header table. */
function layout(file: ElfFile, out: OutSection[], newIndex: Int32Array): Uint8Array {
  let size = 64;
  const offsets: number[] = [];
  for (const o of out) {
    const align = Math.max(1, Number(o.src.addralign));
    if (o.src.type === SHT.NULL) {
      offsets.push(0);
      continue;
    }
    size = Math.ceil(size / align) * align;
    offsets.push(size);
    if (o.src.type !== SHT.NOBITS) size += o.data.length;
  }
  const shoff = Math.ceil(size / 8) * 8;
  const total = shoff + out.length * 64;
  const b = new Uint8Array(total);
  b.set(file.bytes.subarray(0, 64));
  const dv = new DataView(b.buffer);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint16(60, out.length, true);
  const shstrndx = new DataView(file.bytes.buffer, file.bytes.byteOffset).getUint16(62, true);
  dv.setUint16(62, newIndex[shstrndx], true);
  out.forEach((o, i) => {
    if (o.src.type !== SHT.NOBITS && o.src.type !== SHT.NULL) b.set(o.data, offsets[i]);
    const h = shoff + i * 64;
    const origH = Number(new DataView(file.bytes.buffer, file.bytes.byteOffset).getBigUint64(40, true)) + o.src.index * 64;
    b.set(file.bytes.subarray(origH, origH + 64), h);
    dv.setBigUint64(h + 24, BigInt(offsets[i]), true);
    dv.setBigUint64(h + 32, BigInt(o.src.type === SHT.NOBITS ? o.src.size : o.data.length), true);
    dv.setUint32(h + 40, o.link, true);
    dv.setUint32(h + 44, o.info, true);
  });
  return b;
}
