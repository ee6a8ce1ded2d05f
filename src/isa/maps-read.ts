// The maps an object defines, the way libbpf finds them: BTF-defined maps in `.maps` (with
// map-in-map templates from `__array(values, …)`), legacy `maps` sections with a definition of
// any size (libbpf's 20-byte struct bpf_map_def, samples/bpf's 28 bytes with inner_map_idx,
// iproute2's 36-byte struct bpf_elf_map with id/inner_id), and global data (.rodata/.data/.bss).
import { ElfError, SHT, STT, type ElfFile } from './elf.ts';
import { BTF_KIND, btfMaps, type Btf } from './btf.ts';
import { MAP_TYPE, type MapDef } from './program.ts';

const SHF_EXECINSTR = 4n;

/** Where a map lives in the object, so relocations can find it. */
export interface MapSlot {
  def: MapDef;
  section: number;
  /** Byte offset of the definition in its section (BTF/legacy maps) or 0 (global data). */
  offset: number;
  /** Global-data maps are referenced by section symbol + offset. */
  global: boolean;
}

export function readMaps(file: ElfFile, btf: Btf | undefined): MapSlot[] {
  return [...btfDefinedMaps(file, btf), ...legacyMaps(file), ...globalData(file)];
}

function btfDefinedMaps(file: ElfFile, btf: Btf | undefined): MapSlot[] {
  const mapsSec = file.sections.find((s) => s.name === '.maps');
  if (!mapsSec) return [];
  if (!btf) throw new ElfError('object has a .maps section but no .BTF to describe it');
  return btfMaps(btf).map((d) => {
    // clang leaves DATASEC offsets at 0 in objects (libbpf fills them in): use the symbol's.
    const sym = file.symbols.find((s) => s.shndx === mapsSec.index && s.name === d.name);
    if (!sym) throw new ElfError(`map ${d.name} is described in .BTF but has no symbol in .maps`);
    const inner = innerTemplate(btf, d.name);
    // libbpf: an outer map's value is an inner map's id (4 bytes) whatever the definition says
    const valueSize = inner && !d.valueSize ? 4 : d.valueSize;
    const def: MapDef = { name: d.name, type: d.type, keySize: d.keySize, valueSize, maxEntries: d.maxEntries, flags: d.flags, ...(inner ? { inner } : {}) };
    return { def, section: mapsSec.index, offset: sym.value, global: false };
  });
}

/** `__array(values, struct inner)` of a map-in-map: the inner struct read as a map definition. */
function innerTemplate(btf: Btf, mapName: string): MapDef | undefined {
  const sec = btf.byName('.maps', BTF_KIND.DATASEC);
  const v = sec?.members.map((m) => btf.types[m.type]).find((t) => t?.name === mapName);
  if (!v) return undefined;
  const st = btf.resolve(v.sizeOrType);
  const values = st.members.find((m) => m.name === 'values');
  if (!values) return undefined;
  const arr = btf.resolve(values.type);
  if (arr.kind !== BTF_KIND.ARRAY) return undefined;
  const ptr = btf.resolve(arr.array!.type);
  if (ptr.kind !== BTF_KIND.PTR) return undefined;
  const inner = btf.resolve(ptr.sizeOrType);
  if (inner.kind !== BTF_KIND.STRUCT) return undefined; // prog_array values point to programs
  const def = { name: `${mapName}.inner`, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
  for (const f of inner.members) {
    // __uint(x, N) is `int (*x)[N]`; __type(x, T) is `T *x` (as in btfMaps).
    const p = btf.resolve(f.type);
    const target = p.kind === BTF_KIND.PTR ? btf.resolve(p.sizeOrType) : undefined;
    const n = target?.kind === BTF_KIND.ARRAY ? target.array!.nelems : 0;
    if (f.name === 'type') def.type = n;
    else if (f.name === 'max_entries') def.maxEntries = n;
    else if (f.name === 'map_flags') def.flags = n;
    else if (f.name === 'key_size') def.keySize = n;
    else if (f.name === 'value_size') def.valueSize = n;
    else if (f.name === 'key') def.keySize = btf.sizeOf(p.sizeOrType);
    else if (f.name === 'value') def.valueSize = btf.sizeOf(p.sizeOrType);
  }
  return def;
}

function legacyMaps(file: ElfFile): MapSlot[] {
  const legacy = file.sections.find((s) => s.name === 'maps');
  if (!legacy) return [];
  const syms = file.symbols.filter((s) => s.shndx === legacy.index && s.type !== STT.SECTION && s.name !== '').sort((a, b) => a.value - b.value);
  if (!syms.length) return [];
  // libbpf: every definition has the same size, section size / number of map symbols.
  const size = Math.floor(legacy.size / syms.length);
  if (size < 20 || legacy.size % syms.length) {
    throw new ElfError(`legacy maps section: ${legacy.size} bytes for ${syms.length} maps is not a whole number of definitions of at least 20 bytes`);
  }
  const dv = new DataView(legacy.data.buffer, legacy.data.byteOffset, legacy.data.byteLength);
  const rows = syms.map((s) => {
    if (s.value % size || s.value + size > legacy.size) throw new ElfError(`legacy map ${s.name}: definition at byte ${s.value} is not one of the ${size}-byte slots of the maps section`);
    const u = (k: number): number => (4 * k + 4 <= size ? dv.getUint32(s.value + 4 * k, true) : 0);
    const def: MapDef = { name: s.name, type: u(0), keySize: u(1), valueSize: u(2), maxEntries: u(3), flags: u(4) };
    return { sym: s, def, u };
  });
  const isOuter = (t: number): boolean => t === MAP_TYPE.array_of_maps || t === MAP_TYPE.hash_of_maps;
  return rows.map(({ sym, def, u }) => {
    let inner: MapDef | undefined;
    if (isOuter(def.type) && size >= 36) inner = u(7) ? rows.find((r) => r.u(5) === u(7))?.def : undefined; // bpf_elf_map: inner_id names a map's id
    else if (isOuter(def.type) && size >= 28) inner = rows[u(5)]?.def; // samples/bpf: inner_map_idx
    return { def: inner ? { ...def, inner } : def, section: legacy.index, offset: sym.value, global: false };
  });
}

function globalData(file: ElfFile): MapSlot[] {
  const out: MapSlot[] = [];
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
