// CO-RE access specs and type matching, with libbpf's rules (tools/lib/bpf/relo_core.c):
// an access string "0:3:1" is parsed against the program's BTF into accessors (named struct
// members and array indices), then matched member by member, by name, against a candidate
// type of the target BTF. Results here are plain data; core-calc.ts turns them into values.
import { BTF_KIND, type Btf, type BtfType } from './btf.ts';
import { ElfError } from './elf.ts';

/** enum bpf_core_relo_kind (include/uapi/linux/bpf.h). */
export const CORE_KIND = {
  FIELD_BYTE_OFFSET: 0, FIELD_BYTE_SIZE: 1, FIELD_EXISTS: 2, FIELD_SIGNED: 3, FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5, TYPE_ID_LOCAL: 6, TYPE_ID_TARGET: 7, TYPE_EXISTS: 8, TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10, ENUMVAL_VALUE: 11, TYPE_MATCHES: 12,
} as const;
export type CoreKind = (typeof CORE_KIND)[keyof typeof CORE_KIND];

export const coreKindName = (k: number): string =>
  Object.entries(CORE_KIND).find(([, v]) => v === k)?.[0].toLowerCase() ?? `kind ${k}`;

export const isFieldKind = (k: number): boolean => k <= CORE_KIND.FIELD_RSHIFT_U64;
export const isTypeKind = (k: number): boolean =>
  k === CORE_KIND.TYPE_ID_LOCAL || k === CORE_KIND.TYPE_ID_TARGET || k === CORE_KIND.TYPE_EXISTS ||
  k === CORE_KIND.TYPE_SIZE || k === CORE_KIND.TYPE_MATCHES;
export const isEnumvalKind = (k: number): boolean => k === CORE_KIND.ENUMVAL_EXISTS || k === CORE_KIND.ENUMVAL_VALUE;

/** A relocation's failure that makes libbpf refuse the whole object (not a poisoned insn). */
export class CoreError extends ElfError {}

/** One step of an access path: a named member of a struct/union, or an array index. */
export interface Accessor {
  /** The struct/union (named member) or the element type (index), modifiers skipped. */
  typeId: number;
  idx: number;
  name?: string;
}

export interface Spec {
  btf: Btf;
  rootId: number;
  accessors: Accessor[];
  /** Raw indices, anonymous members included. */
  raw: number[];
  bitOffset: number;
}

const SPEC_MAX = 64; // BPF_CORE_SPEC_MAX_LEN

const isComposite = (t: BtfType): boolean => t.kind === BTF_KIND.STRUCT || t.kind === BTF_KIND.UNION;
export const isAnyEnum = (t: BtfType): boolean => t.kind === BTF_KIND.ENUM || t.kind === BTF_KIND.ENUM64;

/** Same kind, or both enums (ENUM and ENUM64 are interchangeable for CO-RE). */
export const kindsCompatible = (a: BtfType, b: BtfType): boolean => a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));

/** A member's bit offset and bitfield size (kind_flag packs both into the offset). */
export function memberBits(t: BtfType, i: number): { offset: number; bitfield: number } {
  const raw = t.members[i].offset;
  return t.kindFlag ? { offset: raw & 0xffffff, bitfield: raw >>> 24 } : { offset: raw, bitfield: 0 };
}

/** Name without a ___flavor suffix: "task_struct___v2" → "task_struct" (X___Y, X and Y not '_'). */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name.startsWith('___', i + 1) && name[i + 4] !== '_') return name.slice(0, i + 1);
  }
  return name;
}

/** Skip typedefs and modifiers; undefined for an id outside the BTF. */
function skip(btf: Btf, id: number): BtfType | undefined {
  if (!btf.types[id]) return undefined;
  return btf.resolve(id);
}

export function sizeOrError(btf: Btf, id: number): number {
  try {
    return btf.sizeOf(id);
  } catch {
    throw new CoreError(`type [${id}] has no size`);
  }
}

function isFlexArray(btf: Btf, parent: Accessor | undefined, nelems: number): boolean {
  if (!parent?.name || nelems > 0) return false;
  return parent.idx === btf.types[parent.typeId].vlen - 1;
}

/** Parse a relocation's access string against the BTF that holds its root type. */
export function parseSpec(btf: Btf, rootId: number, access: string, kind: number): Spec {
  const spec: Spec = { btf, rootId, accessors: [], raw: [], bitOffset: 0 };
  if (access === '' || access.startsWith(':')) throw new CoreError(`empty access string`);
  if (isTypeKind(kind)) {
    if (access !== '0') throw new CoreError(`type relocation with access string '${access}' (expected '0')`);
    return spec;
  }
  for (const part of access.split(':')) {
    if (!/^\d+$/.test(part)) throw new CoreError(`bad access string '${access}'`);
    if (spec.raw.length === SPEC_MAX) throw new CoreError(`access string '${access}' is too long`);
    spec.raw.push(Number(part));
  }
  let t = skip(btf, rootId);
  if (!t) throw new CoreError(`root type [${rootId}] does not exist`);
  let id = t.id;
  const first = spec.raw[0];
  if (isEnumvalKind(kind)) {
    if (!isAnyEnum(t) || spec.raw.length > 1 || first >= t.vlen) throw new CoreError(`enum value access '${access}' does not fit [${rootId}] ${t.name}`);
    spec.accessors.push({ typeId: id, idx: first, name: t.members[first].name });
    return spec;
  }
  if (!isFieldKind(kind)) throw new CoreError(`unknown relocation kind ${kind}`);
  spec.accessors.push({ typeId: id, idx: first });
  spec.bitOffset = first * sizeOrError(btf, id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    t = skip(btf, id);
    if (!t) throw new CoreError(`type [${id}] does not exist`);
    id = t.id; // accessors name the struct itself, not a typedef or const of it
    const idx = spec.raw[i];
    if (isComposite(t)) {
      if (idx >= t.vlen) throw new CoreError(`member ${idx} of [${id}] ${t.name} does not exist`);
      spec.bitOffset += memberBits(t, idx).offset;
      const m = t.members[idx];
      if (m.name) spec.accessors.push({ typeId: id, idx, name: m.name });
      id = m.type;
    } else if (t.kind === BTF_KIND.ARRAY) {
      const a = t.array!;
      const elem = skip(btf, a.type);
      if (!elem) throw new CoreError(`array element type [${a.type}] does not exist`);
      id = elem.id;
      const flex = isFlexArray(btf, spec.accessors[spec.accessors.length - 1], a.nelems);
      if (!flex && idx >= a.nelems) throw new CoreError(`index ${idx} outside array [${t.id}] of ${a.nelems}`);
      spec.accessors.push({ typeId: id, idx });
      spec.bitOffset += idx * sizeOrError(btf, id) * 8;
    } else {
      throw new CoreError(`access '${access}' step ${i} goes into [${id}], which is neither struct, union nor array`);
    }
  }
  return spec;
}

/** libbpf's bpf_core_fields_are_compat: may a local field be read as the target's? */
function fieldsCompatible(lb: Btf, lid: number, tb: Btf, tid: number): boolean {
  for (let depth = 0; depth < 64; depth++) {
    const l = skip(lb, lid), t = skip(tb, tid);
    if (!l || !t) throw new CoreError(`broken type reference while matching fields`);
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindsCompatible(l, t)) return false;
    switch (l.kind) {
      case BTF_KIND.PTR: case BTF_KIND.FLOAT:
        return true;
      case BTF_KIND.FWD: case BTF_KIND.ENUM: case BTF_KIND.ENUM64: {
        const a = essentialName(l.name), b = essentialName(t.name);
        return a === '' || b === '' || a === b;
      }
      case BTF_KIND.INT:
        return l.int!.offset === 0 && t.int!.offset === 0;
      case BTF_KIND.ARRAY:
        lid = l.array!.type;
        tid = t.array!.type;
        continue;
      default:
        return false;
    }
  }
  throw new CoreError('field types nest too deeply');
}

/** Find the local accessor's member by name in target composite `tid`, descending into anonymous members. */
function matchMember(local: Spec, acc: Accessor, tb: Btf, tid: number, out: Spec): number | undefined {
  const t = skip(tb, tid);
  if (!t) throw new CoreError(`target type [${tid}] does not exist`);
  if (!isComposite(t)) return undefined;
  const lm = local.btf.types[acc.typeId].members[acc.idx];
  for (let i = 0; i < t.vlen; i++) {
    const bits = memberBits(t, i).offset;
    if (out.raw.length === SPEC_MAX) throw new CoreError('target access path too long');
    out.bitOffset += bits;
    out.raw.push(i);
    const m = t.members[i];
    if (m.name === '') {
      const found = matchMember(local, acc, tb, m.type, out);
      if (found !== undefined) return found;
    } else if (m.name === lm.name) {
      if (!fieldsCompatible(local.btf, lm.type, tb, m.type)) return undefined;
      out.accessors.push({ typeId: t.id, idx: i, name: m.name });
      return m.type;
    }
    out.bitOffset -= bits;
    out.raw.pop();
  }
  return undefined;
}

/** Match a local field or enum spec against target candidate `targId`; undefined when it does not match. */
export function matchSpec(local: Spec, kind: number, tb: Btf, targId: number): Spec | undefined {
  const out: Spec = { btf: tb, rootId: targId, accessors: [], raw: [], bitOffset: 0 };
  if (isEnumvalKind(kind)) {
    const t = skip(tb, targId);
    if (!t || !isAnyEnum(t)) return undefined;
    const want = essentialName(local.accessors[0].name!);
    const i = t.members.findIndex((m) => essentialName(m.name) === want);
    if (i < 0) return undefined;
    out.accessors.push({ typeId: t.id, idx: i, name: t.members[i].name });
    out.raw.push(i);
    return out;
  }
  let tid = targId;
  for (let i = 0; i < local.accessors.length; i++) {
    const acc = local.accessors[i];
    const t = skip(tb, tid);
    if (!t) throw new CoreError(`target type [${tid}] does not exist`);
    tid = t.id;
    if (acc.name) {
      const next = matchMember(local, acc, tb, tid, out);
      if (next === undefined) return undefined;
      tid = next;
      continue;
    }
    if (i > 0) {
      if (t.kind !== BTF_KIND.ARRAY) return undefined;
      const a = t.array!;
      if (!isFlexArray(tb, out.accessors[out.accessors.length - 1], a.nelems) && acc.idx >= a.nelems) return undefined;
      const elem = skip(tb, a.type);
      if (!elem) throw new CoreError(`target array element [${a.type}] does not exist`);
      tid = elem.id;
    }
    if (out.raw.length === SPEC_MAX) throw new CoreError('target access path too long');
    out.accessors.push({ typeId: tid, idx: acc.idx });
    out.raw.push(acc.idx);
    out.bitOffset += acc.idx * sizeOrError(tb, tid) * 8;
  }
  return out;
}

/** libbpf's __bpf_core_types_are_compat (TYPE_EXISTS, TYPE_SIZE, TYPE_ID_TARGET). */
export function typesCompatible(lb: Btf, lid: number, tb: Btf, tid: number, level = 32): boolean {
  if (!kindsCompatible(lb.types[lid], tb.types[tid])) return false;
  for (let depth = 32; depth > 0; depth--) {
    const l = skip(lb, lid), t = skip(tb, tid);
    if (!l || !t) throw new CoreError('broken type reference while comparing types');
    lid = l.id;
    tid = t.id;
    if (!kindsCompatible(l, t)) return false;
    switch (l.kind) {
      case 0: case BTF_KIND.STRUCT: case BTF_KIND.UNION: case BTF_KIND.ENUM: case BTF_KIND.FWD: case BTF_KIND.ENUM64:
        return true;
      case BTF_KIND.INT:
        return l.int!.offset === 0 && t.int!.offset === 0;
      case BTF_KIND.PTR:
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      case BTF_KIND.ARRAY:
        lid = l.array!.type;
        tid = t.array!.type;
        continue;
      case BTF_KIND.FUNC_PROTO:
        if (l.vlen !== t.vlen) return false;
        for (let i = 0; i < l.vlen; i++) {
          if (level <= 0) throw new CoreError('function prototypes nest too deeply');
          if (!typesCompatible(lb, skip(lb, l.members[i].type)!.id, tb, skip(tb, t.members[i].type)!.id, level - 1)) return false;
        }
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      default:
        return false;
    }
  }
  throw new CoreError('types nest too deeply');
}

function namesMatch(local: string, targ: string): boolean {
  if (targ === '') return local === '';
  return essentialName(local) === essentialName(targ);
}

/** libbpf's __bpf_core_types_match (TYPE_MATCHES): a stricter, layout-level comparison. */
export function typesMatch(lb: Btf, lid: number, tb: Btf, tid: number, behindPtr = false, level = 32): boolean {
  if (level <= 0) throw new CoreError('types nest too deeply to match');
  for (let depth = 32; depth > 0; depth--) {
    const l = skip(lb, lid), t = skip(tb, tid);
    if (!l || !t) throw new CoreError('broken type reference while matching types');
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 0:
        return t.kind === 0;
      case BTF_KIND.FWD:
        if (behindPtr && l.kind !== t.kind) {
          return (t.kind === BTF_KIND.STRUCT && !l.kindFlag) || (t.kind === BTF_KIND.UNION && l.kindFlag);
        }
        return l.kind === t.kind && l.kindFlag === t.kindFlag;
      case BTF_KIND.ENUM: case BTF_KIND.ENUM64:
        if (!isAnyEnum(t) || l.sizeOrType !== t.sizeOrType || l.vlen > t.vlen) return false;
        return l.members.every((lm) => t.members.some((tm) => namesMatch(lm.name, tm.name)));
      case BTF_KIND.STRUCT: case BTF_KIND.UNION:
        if (behindPtr) {
          if (l.kind === t.kind) return true;
          return t.kind === BTF_KIND.FWD && (l.kind === BTF_KIND.UNION) === t.kindFlag;
        }
        if (l.kind !== t.kind || l.vlen > t.vlen) return false;
        return l.members.every((lm) =>
          t.members.some((tm) => namesMatch(lm.name, tm.name) && typesMatch(lb, lm.type, tb, tm.type, behindPtr, level - 1)));
      case BTF_KIND.INT:
        return t.kind === BTF_KIND.INT && l.sizeOrType === t.sizeOrType && (l.int!.encoding & 1) === (t.int!.encoding & 1);
      case BTF_KIND.PTR:
        if (t.kind !== BTF_KIND.PTR) return false;
        behindPtr = true;
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      case BTF_KIND.ARRAY:
        if (t.kind !== BTF_KIND.ARRAY || l.array!.nelems !== t.array!.nelems) return false;
        lid = l.array!.type;
        tid = t.array!.type;
        continue;
      case BTF_KIND.FUNC_PROTO:
        if (t.kind !== BTF_KIND.FUNC_PROTO || l.vlen !== t.vlen) return false;
        for (let i = 0; i < l.vlen; i++) if (!typesMatch(lb, l.members[i].type, tb, t.members[i].type, behindPtr, level - 1)) return false;
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      default:
        return false;
    }
  }
  throw new CoreError('types nest too deeply to match');
}
