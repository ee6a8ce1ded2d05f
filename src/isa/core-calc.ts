// CO-RE relocation values, as libbpf computes them (relo_core.c): the value the compiler put
// in the instruction (from the program's own BTF), the value for the target BTF, and whether
// the instruction must be poisoned instead. Candidates are the target's types with the same
// essential name and a compatible kind; when several match, they must agree.
import { BTF_KIND, type Btf, type BtfType } from './btf.ts';
import {
  CORE_KIND, CoreError, essentialName, isAnyEnum, isEnumvalKind, isFieldKind, kindsCompatible, matchSpec, memberBits,
  parseSpec, sizeOrError, typesCompatible, typesMatch, type Spec,
} from './core-spec.ts';

/** One bpf_core_relo record, its access string resolved. */
export interface CoreRelo {
  /** Byte offset of the instruction in its ELF section. */
  insnOff: number;
  typeId: number;
  access: string;
  kind: number;
}

export interface CoreResult {
  /** Value expected in the instruction (from the program's BTF). */
  orig: bigint;
  /** Value for the target. */
  value: bigint;
  /** No target matched where one is needed: the instruction becomes the 0xbad2310 call. */
  poison: boolean;
  /** Whether the instruction must hold `orig` before patching. */
  validate: boolean;
  /** Load/store sizes in bytes (0: not a sized field), and whether resizing is unsafe. */
  origSize: number;
  newSize: number;
  badResize: boolean;
  /** How many target candidates matched (0: none). */
  matched: number;
}

interface FieldValue { value: bigint; size: number; typeId: number; validate: boolean }

/** bpf_core_calc_field_relo; undefined = poison (no spec where one is needed). */
function fieldValue(kind: number, spec: Spec | undefined): FieldValue | undefined {
  if (kind === CORE_KIND.FIELD_EXISTS) return { value: spec ? 1n : 0n, size: 0, typeId: 0, validate: true };
  if (!spec) return undefined;
  const btf = spec.btf;
  const acc = spec.accessors[spec.accessors.length - 1];
  if (!acc.name) {
    // an array element (or the root itself): only its offset and size make sense
    const sz = sizeOrError(btf, acc.typeId);
    if (kind === CORE_KIND.FIELD_BYTE_OFFSET) return { value: BigInt(spec.bitOffset >>> 3), size: sz, typeId: acc.typeId, validate: true };
    if (kind === CORE_KIND.FIELD_BYTE_SIZE) return { value: BigInt(sz), size: 0, typeId: 0, validate: true };
    throw new CoreError('this relocation kind cannot be applied to an array access');
  }
  const t = btf.types[acc.typeId];
  const m = t.members[acc.idx];
  const mt = btf.resolve(m.type);
  const bitOff = spec.bitOffset;
  let bitSz = memberBits(t, acc.idx).bitfield;
  const bitfield = bitSz > 0;
  let byteSz: number, byteOff: number;
  if (bitfield) {
    // the smallest power-of-two load, aligned to its size, that holds the whole bitfield
    byteSz = mt.sizeOrType;
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new CoreError('bitfield cannot be read with one 64-bit load');
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = sizeOrError(btf, mt.id);
    byteOff = Math.floor(bitOff / 8);
    bitSz = byteSz * 8;
  }
  // bitfield layouts are ambiguous between compiler and libbpf: only signedness and the right shift are checked
  let validate = !bitfield;
  let value: number;
  switch (kind) {
    case CORE_KIND.FIELD_BYTE_OFFSET:
      return { value: BigInt(byteOff), size: bitfield ? 0 : byteSz, typeId: bitfield ? 0 : mt.id, validate };
    case CORE_KIND.FIELD_BYTE_SIZE:
      value = byteSz;
      break;
    case CORE_KIND.FIELD_SIGNED:
      value = Number((isAnyEnum(mt) && mt.kindFlag) || (mt.kind === BTF_KIND.INT && (mt.int!.encoding & 1) !== 0));
      validate = true;
      break;
    case CORE_KIND.FIELD_LSHIFT_U64:
      value = 64 - (bitOff + bitSz - byteOff * 8); // little-endian
      break;
    case CORE_KIND.FIELD_RSHIFT_U64:
      value = 64 - bitSz;
      validate = true;
      break;
    default:
      throw new CoreError(`unknown field relocation kind ${kind}`);
  }
  return { value: BigInt(value), size: 0, typeId: 0, validate };
}

/** bpf_core_calc_type_relo: type relocations give 0 when nothing matched. */
function typeValue(kind: number, spec: Spec | undefined): bigint {
  if (!spec) return 0n;
  switch (kind) {
    case CORE_KIND.TYPE_ID_TARGET: return BigInt(spec.rootId);
    case CORE_KIND.TYPE_EXISTS: case CORE_KIND.TYPE_MATCHES: return 1n;
    case CORE_KIND.TYPE_SIZE: return BigInt(sizeOrError(spec.btf, spec.rootId));
    default: throw new CoreError(`unknown type relocation kind ${kind}`);
  }
}

/** bpf_core_calc_enumval_relo; undefined = poison. */
function enumValue(kind: number, spec: Spec | undefined): bigint | undefined {
  if (kind === CORE_KIND.ENUMVAL_EXISTS) return spec ? 1n : 0n;
  if (!spec) return undefined;
  const a = spec.accessors[0];
  return BigInt.asUintN(64, spec.btf.types[a.typeId].members[a.idx].value!);
}

/** bpf_core_calc_relo: the local and target values of one relocation for one candidate (or none). */
function calc(kind: number, local: Spec, targ: Spec | undefined, matched: number): CoreResult {
  const r: CoreResult = { orig: 0n, value: 0n, poison: false, validate: true, origSize: 0, newSize: 0, badResize: false, matched };
  if (isFieldKind(kind)) {
    const o = fieldValue(kind, local)!;
    r.orig = o.value;
    r.origSize = o.size;
    r.validate = o.validate;
    const n = fieldValue(kind, targ);
    if (!n) return { ...r, poison: true };
    r.value = n.value;
    r.newSize = n.size;
    if (r.origSize !== r.newSize) {
      // resizing a load is safe only for pointers and unsigned integers (zero extension)
      const ot = local.btf.types[o.typeId], nt = targ!.btf.types[n.typeId];
      const unsignedInt = (t: BtfType): boolean => t.kind === BTF_KIND.INT && t.int!.encoding !== 1;
      r.badResize = !((ot.kind === BTF_KIND.PTR && nt.kind === BTF_KIND.PTR) || (unsignedInt(ot) && unsignedInt(nt)));
    }
  } else if (isEnumvalKind(kind)) {
    r.orig = enumValue(kind, local)!;
    const v = enumValue(kind, targ);
    if (v === undefined) return { ...r, poison: true };
    r.value = v;
  } else {
    r.orig = typeValue(kind, local);
    r.validate = kind !== CORE_KIND.TYPE_ID_TARGET; // type ids change when objects are linked
    r.value = typeValue(kind, targ);
  }
  return r;
}

/** The target's named types by essential name, built once per target BTF. */
const indexes = new WeakMap<Btf, Map<string, number[]>>();
function candidatesByName(target: Btf): Map<string, number[]> {
  let idx = indexes.get(target);
  if (!idx) {
    idx = new Map();
    for (const t of target.types) {
      if (!t.name) continue;
      const n = essentialName(t.name);
      const list = idx.get(n);
      if (list) list.push(t.id);
      else idx.set(n, [t.id]);
    }
    indexes.set(target, idx);
  }
  return idx;
}

/** Resolve one relocation of `local` (the program's BTF) against `target`, as libbpf would. */
export function resolveRelo(local: Btf, relo: CoreRelo, target: Btf): CoreResult {
  const root = local.types[relo.typeId];
  if (!root || relo.typeId === 0) throw new CoreError(`root type [${relo.typeId}] does not exist`);
  const spec = parseSpec(local, relo.typeId, relo.access, relo.kind);
  if (relo.kind === CORE_KIND.TYPE_ID_LOCAL) {
    const id = BigInt(relo.typeId);
    return { orig: id, value: id, poison: false, validate: false, origSize: 0, newSize: 0, badResize: false, matched: 1 };
  }
  if (!root.name) throw new CoreError('relocations against anonymous types are not supported (libbpf)');
  const name = essentialName(root.name);
  const cands = (candidatesByName(target).get(name) ?? []).filter((id) => kindsCompatible(target.types[id], root));
  let chosen: { res: CoreResult; spec: Spec } | undefined;
  let matched = 0;
  for (const id of cands) {
    const cand = candidateSpec(spec, relo.kind, target, id);
    if (!cand) continue;
    matched++;
    const res = calc(relo.kind, spec, cand, 0);
    if (!chosen) {
      chosen = { res, spec: cand };
    } else if (cand.bitOffset !== chosen.spec.bitOffset) {
      throw new CoreError(`field offset ambiguity between candidates [${chosen.spec.rootId}] and [${id}]: bit ${chosen.spec.bitOffset} != ${cand.bitOffset}`);
    } else if (res.poison !== chosen.res.poison || res.value !== chosen.res.value) {
      throw new CoreError(`candidates [${chosen.spec.rootId}] and [${id}] disagree: ${chosen.res.value} != ${res.value}`);
    }
  }
  if (chosen) return { ...chosen.res, matched };
  return calc(relo.kind, spec, undefined, 0);
}

function candidateSpec(local: Spec, kind: number, target: Btf, id: number): Spec | undefined {
  if (kind === CORE_KIND.TYPE_MATCHES || (!isFieldKind(kind) && !isEnumvalKind(kind))) {
    const ok = kind === CORE_KIND.TYPE_MATCHES
      ? typesMatch(local.btf, local.rootId, target, id)
      : typesCompatible(local.btf, local.rootId, target, id);
    return ok ? { btf: target, rootId: id, accessors: [], raw: [], bitOffset: 0 } : undefined;
  }
  return matchSpec(local, kind, target, id);
}
