// One register's verifier state as the kernel prints it (kernel/bpf/log.c print_reg_state),
// its parser and its printer. Scalars carry all eight bounds and var_off as bigints; pointers
// are tagged objects holding whatever fields the kernel printed.
//
// Printing rules (6.12 log.c, unchanged in 6.18; numbers and bounds in src/domains/format.ts):
//   a constant scalar prints as snum(var_off.value), preceded by P when precise;
//   otherwise scalar(id=..,<ranges>,var_off=(v; m)); ranges omit default values and group
//   equal values as smin=umin=… (a min only with mins, a max with maxes, never a negative
//   signed value with a non-negative one); 32-bit signed values outside s16 print as their u32
//   pattern; var_off is omitted when fully unknown.
import { formatBoundsItems, formatRanges, formatVarOffPair, snum, unum } from '../domains/format.ts';

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export interface Bounds {
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
}

export interface ScalarState extends Bounds {
  readonly kind: 'scalar';
  /** Printed as a P prefix. */
  readonly precise: boolean;
  /** Linked-register id (0 = none). */
  readonly id: number;
  /** With BPF_ADD_CONST ids: the delta printed after the id (`id=1+4`). */
  readonly idDelta?: number;
  readonly varOff: Tnum;
}

export interface PtrState {
  readonly kind: 'ptr';
  /** reg_type_str: base name with rdonly_/ringbuf_/… prefixes and _or_null postfix, e.g. map_value_or_null. */
  readonly type: string;
  /** ptr_ types: the BTF type name printed after the type (ptr_task_struct → "task_struct"). */
  readonly btfName?: string;
  /** fp[N]: a pointer into another frame's stack. */
  readonly frameno?: number;
  /** fp with a constant offset: the printed offset (var_off + off). */
  readonly fpOff?: bigint;
  readonly id?: number;
  readonly idDelta?: number;
  readonly refObjId?: number;
  readonly nonOwnRef?: boolean;
  readonly map?: string;
  readonly ks?: number;
  readonly vs?: number;
  readonly off?: bigint;
  /** Packet range (unum: negative markers print as 0xfffffffffffffffe etc.). */
  readonly r?: bigint;
  readonly sz?: bigint;
  readonly dynptrType?: string;
  /** Constant var_off when non-zero. */
  readonly imm?: bigint;
  /** Variable offset: bounds and var_off, present only when var_off is not constant. */
  readonly bounds?: Bounds;
  readonly varOff?: Tnum;
}

export type RegState = ScalarState | PtrState;

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
export const U64_MAX = U64;
export const U32_MAX = U32;

/** Bounds of a fully unknown scalar. */
export const UNBOUNDED: Bounds = { smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64, s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32 };
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** A constant scalar: every bound is the value seen through its own type. */
export function constScalar(v: bigint, precise = false): ScalarState {
  const u = u64(v);
  const lo = u & U32;
  return {
    kind: 'scalar', precise, id: 0, varOff: { value: u, mask: 0n },
    smin: s64(u), smax: s64(u), umin: u, umax: u,
    s32min: BigInt.asIntN(32, lo), s32max: BigInt.asIntN(32, lo), u32min: lo, u32max: lo,
  };
}

export const unknownScalar = (): ScalarState => ({ kind: 'scalar', precise: false, id: 0, varOff: TNUM_UNKNOWN, ...UNBOUNDED });

// ---- printing ---------------------------------------------------------------------------

export { snum, unum } from '../domains/format.ts';
/** tnum_strn for a non-constant tnum. */
export const printTnum = (t: Tnum): string => (t.mask === 0n ? unum(t.value) : formatVarOffPair(t));

const isConst = (t: Tnum): boolean => t.mask === 0n;

/** print_scalar_ranges: the comma-separated bound list (maybe empty). */
export const printRanges = (b: Bounds): string[] => formatRanges(b);

const idItem = (id: number | undefined, delta: number | undefined): string[] =>
  id ? [`id=${id}${delta !== undefined ? (delta >= 0 ? `+${delta}` : `${delta}`) : ''}`] : [];

/** print_reg_state. */
export function printRegState(r: RegState): string {
  if (r.kind === 'scalar') {
    const p = r.precise ? 'P' : '';
    if (isConst(r.varOff)) return p + snum(r.varOff.value);
    const items = [...idItem(r.id, r.idDelta), ...formatBoundsItems(r, r.varOff)];
    return `${p}scalar(${items.join(',')})`;
  }
  let head = r.type;
  if (r.type === 'arena') return head;
  if (r.type === 'fp') {
    if (r.frameno !== undefined) head += `[${r.frameno}]`;
    if (r.fpOff !== undefined) return head + snum(r.fpOff);
  }
  if (r.btfName !== undefined) head += r.btfName;
  const items = idItem(r.id, r.idDelta);
  if (r.refObjId) items.push(`ref_obj_id=${r.refObjId}`);
  if (r.nonOwnRef) items.push('non_own_ref');
  if (r.map !== undefined) items.push(`map=${r.map}`);
  if (r.ks !== undefined) items.push(`ks=${r.ks}`, `vs=${r.vs ?? 0}`);
  if (r.off) items.push(`off=${snum(r.off)}`);
  if (r.r !== undefined) items.push(`r=${unum(r.r)}`);
  if (r.sz !== undefined) items.push(`sz=${unum(r.sz)}`);
  if (r.dynptrType !== undefined) items.push(`type=${r.dynptrType}`);
  if (r.bounds) items.push(...formatBoundsItems(r.bounds, r.varOff ?? TNUM_UNKNOWN));
  else if (r.imm) items.push(`imm=${snum(r.imm)}`);
  return `${head}(${items.join(',')})`;
}

// ---- parsing ----------------------------------------------------------------------------

export class LogParseError extends Error {
  constructor(message: string, readonly text: string) {
    super(`${message}: ${JSON.stringify(text)}`);
    this.name = 'LogParseError';
  }
}

/** A number as the kernel prints it: strict decimal (optionally negative) or 0x hex. */
export function parseNum(s: string): bigint | undefined {
  if (/^-?(0|[1-9]\d*)$/.test(s)) return BigInt(s);
  if (/^0x[0-9a-f]+$/.test(s)) return BigInt(s);
  return undefined;
}
const num = (s: string, text: string): bigint => {
  const v = parseNum(s);
  if (v === undefined) throw new LogParseError(`bad number ${s}`, text);
  return v;
};

/** Signed 64-bit field: decimal, or hex = the u64 pattern. */
const asS64 = (v: bigint) => s64(v);
/** Signed 32-bit field: decimal, or hex = the u32 pattern. */
const asS32 = (v: bigint) => BigInt.asIntN(32, v);

const BOUND_FIELDS: Record<string, [keyof Bounds, (v: bigint) => bigint]> = {
  smin: ['smin', asS64], smax: ['smax', asS64], umin: ['umin', u64], umax: ['umax', u64],
  smin32: ['s32min', asS32], smax32: ['s32max', asS32], umin32: ['u32min', (v) => v & U32], umax32: ['u32max', (v) => v & U32],
};

/** Split a comma list at depth 0 (var_off=(a; b) has no comma, but be safe about parentheses). */
function splitItems(s: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.length) out.push(s.slice(start));
  return out;
}

function parseTnum(s: string, text: string): Tnum {
  const m = /^\((0x[0-9a-f]+); (0x[0-9a-f]+)\)$/.exec(s);
  if (m) return { value: BigInt(m[1]), mask: BigInt(m[2]) };
  return { value: u64(num(s, text)), mask: 0n };
}

interface Fields {
  bounds: { -readonly [K in keyof Bounds]: Bounds[K] };
  haveBounds: boolean;
  varOff?: Tnum;
  id?: number;
  idDelta?: number;
  other: Record<string, string>;
  flags: Set<string>;
}

function parseFields(list: string, text: string): Fields {
  const f: Fields = { bounds: { ...UNBOUNDED }, haveBounds: false, other: {}, flags: new Set() };
  for (const item of splitItems(list)) {
    if (item.startsWith('var_off=')) {
      f.varOff = parseTnum(item.slice(8), text);
      continue;
    }
    const id = /^id=(\d+)([+-]\d+)?$/.exec(item);
    if (id) {
      f.id = Number(id[1]);
      if (id[2] !== undefined) f.idDelta = Number(id[2]);
      continue;
    }
    const parts = item.split('=');
    if (parts.length === 1) {
      f.flags.add(item);
      continue;
    }
    const value = parts[parts.length - 1];
    const names = parts.slice(0, -1);
    if (names.every((n) => n in BOUND_FIELDS)) {
      const v = num(value, text);
      for (const n of names) {
        const [key, conv] = BOUND_FIELDS[n];
        f.bounds[key] = conv(v);
      }
      f.haveBounds = true;
    } else if (names.length === 1) f.other[names[0]] = value;
    else throw new LogParseError(`bad field ${item}`, text);
  }
  return f;
}

/** Parse one printed register state (the text after `R3=` or a spilled slot's state). */
export function parseRegState(text: string): RegState {
  let s = text;
  let precise = false;
  if (s.startsWith('P') && (s.startsWith('Pscalar(') || parseNum(s.slice(1)) !== undefined)) {
    precise = true;
    s = s.slice(1);
  }
  const c = parseNum(s);
  if (c !== undefined) return constScalar(c, precise);
  if (s === 'arena') return { kind: 'ptr', type: 'arena' };
  const fp = /^fp(?:\[(\d+)\])?(-?(?:0x[0-9a-f]+|\d+))$/.exec(s);
  if (fp) {
    const base: PtrState = { kind: 'ptr', type: 'fp', fpOff: s64(num(fp[2], text)) };
    return fp[1] !== undefined ? { ...base, frameno: Number(fp[1]) } : base;
  }
  const m = /^([A-Za-z0-9_]+?)(?:\[(\d+)\])?\((.*)\)$/.exec(s);
  if (!m) throw new LogParseError('unrecognised register state', text);
  const [, typeRaw, frameno, list] = m;
  const f = parseFields(list, text);
  if (typeRaw === 'scalar') {
    if (f.varOff && f.varOff.mask === 0n) throw new LogParseError('scalar(...) with a constant var_off', text);
    const out: ScalarState = { kind: 'scalar', precise, id: f.id ?? 0, ...f.bounds, varOff: f.varOff ?? TNUM_UNKNOWN };
    return f.idDelta !== undefined ? { ...out, idDelta: f.idDelta } : out;
  }
  const p: { -readonly [K in keyof PtrState]: PtrState[K] } = { kind: 'ptr', type: typeRaw };
  // ptr_<btf type>: reg_type_str gives "[prefixes]ptr_[or_null_]" then the BTF name follows.
  const btf = /^((?:[a-z]+_)*?ptr_(?:or_null_)?)(.+)$/.exec(typeRaw);
  if (btf && !typeRaw.endsWith('_or_null')) {
    p.type = btf[1];
    p.btfName = btf[2];
  }
  if (frameno !== undefined) p.frameno = Number(frameno);
  if (f.id !== undefined) p.id = f.id;
  if (f.idDelta !== undefined) p.idDelta = f.idDelta;
  const o = f.other;
  if (o.ref_obj_id !== undefined) p.refObjId = Number(o.ref_obj_id);
  if (f.flags.has('non_own_ref')) p.nonOwnRef = true;
  if (o.map !== undefined) p.map = o.map;
  if (o.ks !== undefined) p.ks = Number(o.ks);
  if (o.vs !== undefined) p.vs = Number(o.vs);
  if (o.off !== undefined) p.off = s64(num(o.off, text));
  if (o.r !== undefined) p.r = u64(num(o.r, text));
  if (o.sz !== undefined) p.sz = u64(num(o.sz, text));
  if (o.type !== undefined) p.dynptrType = o.type;
  if (o.imm !== undefined) p.imm = s64(num(o.imm, text));
  if (f.haveBounds || f.varOff) {
    p.bounds = f.bounds;
    p.varOff = f.varOff ?? TNUM_UNKNOWN;
  }
  return p;
}

/** Equality of two states: same fields with the same values (undefined fields ignored). */
export function sameRegState(a: RegState, b: RegState): boolean {
  return canonical(a) === canonical(b);
}

/** A key-order-independent text of a state (bigints as `123n`). */
export function canonical(r: unknown): string {
  if (typeof r === 'bigint') return `${r}n`;
  if (r === null || typeof r !== 'object') return JSON.stringify(r);
  const o = r as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${k}:${canonical(o[k])}`).join(',')}}`;
}
