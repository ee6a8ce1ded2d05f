// BTF (include/uapi/linux/btf.h): the type information clang emits in .BTF, read far enough
// to understand BTF-defined maps, and .BTF.ext's func_info/line_info so that a rewriter can
// move their instruction offsets.
import { ElfError, cstr } from './elf.ts';

export const BTF_KIND = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

export interface BtfMember {
  name: string;
  type: number;
  /** Bit offset (for STRUCT/UNION), value (ENUM), or byte offset (DATASEC). */
  offset: number;
  size?: number;
  /** ENUM/ENUM64: the value (ENUM's s32 sign-extended, ENUM64's 64 bits as unsigned). */
  value?: bigint;
}

export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** size for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT; referenced type id for PTR/TYPEDEF/CONST/VAR/FUNC… */
  sizeOrType: number;
  vlen: number;
  members: BtfMember[];
  /** ARRAY only. */
  array?: { type: number; indexType: number; nelems: number };
  /** info's kind_flag: bitfield member offsets (STRUCT/UNION), signed (ENUM), union (FWD). */
  kindFlag: boolean;
  /** INT only: encoding (1 signed, 2 char, 4 bool), bit offset and bit count. */
  int?: { encoding: number; offset: number; bits: number };
  /** DECL_TAG only: the tagged member or parameter, -1 for the declaration itself. */
  componentIdx?: number;
}

export interface Btf {
  types: BtfType[]; // index = type id; [0] is void
  byName(name: string, kind?: number): BtfType | undefined;
  /** Size in bytes of a type, following typedefs and modifiers. */
  sizeOf(id: number): number;
  /** Skip typedef/const/volatile/restrict/type_tag. */
  resolve(id: number): BtfType;
  /** The string at an offset of the string section (CO-RE access strings). */
  str(off: number): string;
}

const MEMBER_BYTES: Partial<Record<number, number>> = {
  [BTF_KIND.STRUCT]: 12, [BTF_KIND.UNION]: 12, [BTF_KIND.ENUM]: 8, [BTF_KIND.FUNC_PROTO]: 8,
  [BTF_KIND.DATASEC]: 12, [BTF_KIND.ENUM64]: 12,
};
const EXTRA_BYTES: Partial<Record<number, number>> = {
  [BTF_KIND.INT]: 4, [BTF_KIND.ARRAY]: 12, [BTF_KIND.VAR]: 4, [BTF_KIND.DECL_TAG]: 4,
};

export function parseBtf(data: Uint8Array): Btf {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 24) throw new ElfError(`.BTF is ${data.length} bytes, too short for its header`);
  if (dv.getUint16(0, true) !== 0xeb9f) throw new ElfError('.BTF has a bad magic number (big-endian BTF is not supported)');
  const hdrLen = dv.getUint32(4, true);
  const typeOff = dv.getUint32(8, true), typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true), strLen = dv.getUint32(20, true);
  const tStart = hdrLen + typeOff, sStart = hdrLen + strOff;
  if (tStart + typeLen > data.length || sStart + strLen > data.length) {
    throw new ElfError(`.BTF: type or string section (types ${tStart}+${typeLen}, strings ${sStart}+${strLen}) outside the ${data.length} bytes`);
  }
  const strs = data.subarray(sStart, sStart + strLen);
  // names repeat (a kernel's BTF has ~1M names, far fewer distinct): decode each once
  const names = new Map<number, string>();
  const nameAt = (off: number, id: number, what: string): string => {
    let n = names.get(off);
    if (n === undefined) names.set(off, (n = cstr(strs, off, `.BTF type ${id} ${what}`)));
    return n;
  };
  const types: BtfType[] = [{ id: 0, kind: 0, name: '', sizeOrType: 0, vlen: 0, members: [], kindFlag: false }];
  let p = tStart;
  const end = tStart + typeLen;
  const need = (n: number, what: string): void => {
    if (p + n > end) throw new ElfError(`.BTF: type ${types.length} (${what}) runs past the type section at offset ${p}`);
  };
  while (p < end) {
    need(12, 'header');
    const id = types.length;
    const info = dv.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const t: BtfType = {
      id, kind, vlen, members: [], kindFlag: (info >>> 31) === 1,
      name: nameAt(dv.getUint32(p, true), id, 'name'),
      sizeOrType: dv.getUint32(p + 8, true),
    };
    if (kind < 1 || kind > 19) throw new ElfError(`.BTF: type ${id} has unknown kind ${kind}`);
    p += 12;
    const extra = EXTRA_BYTES[kind] ?? 0;
    need(extra, 'extra');
    if (kind === BTF_KIND.ARRAY) {
      t.array = { type: dv.getUint32(p, true), indexType: dv.getUint32(p + 4, true), nelems: dv.getUint32(p + 8, true) };
    } else if (kind === BTF_KIND.INT) {
      const v = dv.getUint32(p, true);
      t.int = { encoding: (v >>> 24) & 0x0f, offset: (v >>> 16) & 0xff, bits: v & 0xff };
    }
    if (kind === BTF_KIND.DECL_TAG) t.componentIdx = dv.getInt32(p, true);
    p += extra;
    const mb = MEMBER_BYTES[kind] ?? 0;
    need(mb * vlen, 'members');
    for (let i = 0; i < vlen && mb; i++, p += mb) {
      if (kind === BTF_KIND.DATASEC) {
        t.members.push({ name: '', type: dv.getUint32(p, true), offset: dv.getUint32(p + 4, true), size: dv.getUint32(p + 8, true) });
      } else if (kind === BTF_KIND.ENUM || kind === BTF_KIND.FUNC_PROTO) {
        const isEnum = kind === BTF_KIND.ENUM;
        t.members.push({
          name: nameAt(dv.getUint32(p, true), id, 'member'), type: isEnum ? 0 : dv.getUint32(p + 4, true),
          offset: isEnum ? dv.getInt32(p + 4, true) : 0, value: isEnum ? BigInt(dv.getInt32(p + 4, true)) : undefined,
        });
      } else if (kind === BTF_KIND.ENUM64) {
        const value = (BigInt(dv.getUint32(p + 8, true)) << 32n) | BigInt(dv.getUint32(p + 4, true));
        t.members.push({ name: nameAt(dv.getUint32(p, true), id, 'member'), type: 0, offset: dv.getUint32(p + 4, true), value });
      } else {
        t.members.push({ name: nameAt(dv.getUint32(p, true), id, 'member'), type: dv.getUint32(p + 4, true), offset: dv.getUint32(p + 8, true) });
      }
    }
    types.push(t);
  }
  const get = (id: number): BtfType => {
    const t = types[id];
    if (!t) throw new ElfError(`.BTF refers to type ${id}, which does not exist (${types.length - 1} types)`);
    return t;
  };
  const resolve = (id: number): BtfType => {
    let t = get(id);
    for (let hops = 0; [BTF_KIND.TYPEDEF, BTF_KIND.VOLATILE, BTF_KIND.CONST, BTF_KIND.RESTRICT, BTF_KIND.TYPE_TAG].includes(t.kind as 8); hops++) {
      if (hops > 64) throw new ElfError(`.BTF type ${id}: modifier chain too long (cycle?)`);
      t = get(t.sizeOrType);
    }
    return t;
  };
  const sizeOf = (id: number, depth = 0): number => {
    if (depth > 64) throw new ElfError(`.BTF type ${id}: nesting too deep (cycle?)`);
    const t = resolve(id);
    switch (t.kind) {
      case BTF_KIND.PTR:
        return 8;
      case BTF_KIND.ARRAY:
        return t.array!.nelems * sizeOf(t.array!.type, depth + 1);
      case BTF_KIND.VAR:
        return sizeOf(t.sizeOrType, depth + 1);
      case BTF_KIND.INT: case BTF_KIND.STRUCT: case BTF_KIND.UNION: case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64: case BTF_KIND.DATASEC: case BTF_KIND.FLOAT:
        return t.sizeOrType;
      default:
        throw new ElfError(`.BTF type ${t.id} (kind ${t.kind}) has no size`);
    }
  };
  return {
    types,
    byName: (name, kind) => types.find((t) => t.name === name && (kind === undefined || t.kind === kind)),
    sizeOf: (id) => sizeOf(id),
    resolve,
    str: (off) => cstr(strs, off, '.BTF string'),
  };
}

/** One BTF-defined map: `struct { __uint(type, …); __type(key, …); … } name SEC(".maps")`. */
export interface BtfMapDef {
  name: string;
  /** Byte offset of the variable in .maps. */
  offset: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

/** Read the map definitions of the .maps DATASEC. */
export function btfMaps(btf: Btf): BtfMapDef[] {
  const sec = btf.byName('.maps', BTF_KIND.DATASEC);
  if (!sec) return [];
  return sec.members.map((m) => {
    const v = btf.types[m.type];
    if (!v || v.kind !== BTF_KIND.VAR) throw new ElfError(`.maps entry at offset ${m.offset} is not a variable`);
    const st = btf.resolve(v.sizeOrType);
    if (st.kind !== BTF_KIND.STRUCT) throw new ElfError(`map ${v.name}: its definition is not a struct`);
    const def: BtfMapDef = { name: v.name, offset: m.offset, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
    for (const f of st.members) {
      // __uint(x, N) is `int (*x)[N]`; __type(x, T) is `T *x`.
      const ptr = btf.resolve(f.type);
      const target = ptr.kind === BTF_KIND.PTR ? btf.resolve(ptr.sizeOrType) : undefined;
      const n = target?.kind === BTF_KIND.ARRAY ? target.array!.nelems : undefined;
      switch (f.name) {
        case 'type': def.type = n ?? 0; break;
        case 'max_entries': def.maxEntries = n ?? 0; break;
        case 'map_flags': def.flags = n ?? 0; break;
        case 'key_size': def.keySize = n ?? 0; break;
        case 'value_size': def.valueSize = n ?? 0; break;
        case 'key': def.keySize = btf.sizeOf(ptr.sizeOrType); break;
        case 'value': def.valueSize = btf.sizeOf(ptr.sizeOrType); break;
        // __array(values, …): prog and map-in-map arrays hold 4-byte fds (libbpf sets value_size).
        case 'values': def.valueSize ||= 4; break;
        default: break; // pinning, values, numa_node…: not needed to model the map
      }
    }
    return def;
  });
}

export interface BtfExtRecord {
  /** Byte offset of the instruction within its section. */
  insnOff: number;
  /** The rest of the record, kept verbatim. */
  rest: Uint8Array;
}
export interface BtfExtInfo {
  recSize: number;
  /** Records per section name. */
  bySection: Map<string, BtfExtRecord[]>;
}
export interface BtfExt {
  funcInfo: BtfExtInfo;
  lineInfo: BtfExtInfo;
  /** CO-RE relocations (struct bpf_core_relo: insn_off, type_id, access_str_off, kind); empty without. */
  coreRelo: BtfExtInfo;
}

/** Parse .BTF.ext's func_info, line_info and core_relo (section names come from .BTF's string table). */
export function parseBtfExt(data: Uint8Array, btfData: Uint8Array): BtfExt {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 24 || dv.getUint16(0, true) !== 0xeb9f) throw new ElfError('.BTF.ext has a bad header');
  const hdrLen = dv.getUint32(4, true);
  const bdv = new DataView(btfData.buffer, btfData.byteOffset, btfData.byteLength);
  const strs = btfData.subarray(bdv.getUint32(4, true) + bdv.getUint32(16, true));
  const part = (off: number, len: number, what: string): BtfExtInfo => {
    const start = hdrLen + off;
    const bySection = new Map<string, BtfExtRecord[]>();
    if (len === 0) return { recSize: 0, bySection };
    if (start + len > data.length) throw new ElfError(`.BTF.ext ${what} (${start}+${len}) outside the ${data.length} bytes`);
    const recSize = dv.getUint32(start, true);
    if (recSize < 4) throw new ElfError(`.BTF.ext ${what}: record size ${recSize} too small`);
    let p = start + 4;
    while (p < start + len) {
      const sec = cstr(strs, dv.getUint32(p, true), `.BTF.ext ${what} section name`);
      const n = dv.getUint32(p + 4, true);
      p += 8;
      if (p + n * recSize > start + len) throw new ElfError(`.BTF.ext ${what} for ${sec}: ${n} records overrun the section`);
      const recs: BtfExtRecord[] = [];
      for (let i = 0; i < n; i++, p += recSize) recs.push({ insnOff: dv.getUint32(p, true), rest: data.slice(p + 4, p + recSize) });
      bySection.set(sec, recs);
    }
    return { recSize, bySection };
  };
  return {
    funcInfo: part(dv.getUint32(8, true), dv.getUint32(12, true), 'func_info'),
    lineInfo: part(dv.getUint32(16, true), dv.getUint32(20, true), 'line_info'),
    // the core_relo subsection exists only in headers of 32 bytes or more
    coreRelo: hdrLen >= 32 ? part(dv.getUint32(24, true), dv.getUint32(28, true), 'core_relo') : { recSize: 0, bySection: new Map() },
  };
}
