// Register states of the verifier model (struct bpf_reg_state, Linux 6.18, the parts we model).
//
// Every register is an immutable object: a type tag, a scalar state `v` (the value of a scalar;
// the variable part of a pointer's offset, as the kernel keeps var_off and bounds in the same
// fields for both), a fixed offset `off` for pointers, an `id` (linked scalars, packet pointers
// derived from one another, a nullable pointer and its copies), `range` (packet pointers: bytes
// known to be inside the packet past `off`; -1 / -2 mark "at / beyond pkt_end"; mem pointers:
// the size) and `map` (map index for map pointers/values/keys, frame number for stack pointers).
import { concrete64x32 } from '../bv/concrete.ts';
import { scalarConst, scalarUnknown, type ScalarState } from '../domains/scalar.ts';
import { isNullableType, isPacketType, isPointerType, type RegType } from '../isa/regtype.ts';

export const D = concrete64x32;
export type Scalar = ScalarState<bigint>;

export type { RegType };

export interface Reg {
  readonly type: RegType;
  readonly v: Scalar;
  readonly off: number;
  readonly id: number;
  readonly range: number;
  readonly map: number;
  /** Read-only memory (map value of a frozen .rodata map, rdonly mem). */
  readonly rdonly?: boolean;
  /** ref_obj_id: the acquired reference this pointer (or a copy of it) holds; released together. */
  readonly refObj?: number;
  /** MEM_RINGBUF: mem / mem_or_null returned by bpf_ringbuf_reserve. */
  readonly ringbuf?: boolean;
  /** dynptr_id: the dynptr a bpf_dynptr_data slice (mem / mem_or_null) was taken from. */
  readonly dynptrId?: number;
}

/** range markers of mark_pkt_end. */
export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;

export const ZERO: Scalar = scalarConst(D, 0n);
export const UNKNOWN: Scalar = scalarUnknown(D);

export const NOT_INIT: Reg = { type: 'not_init', v: UNKNOWN, off: 0, id: 0, range: 0, map: 0 };
export const SCALAR_UNKNOWN: Reg = { type: 'scalar', v: UNKNOWN, off: 0, id: 0, range: 0, map: 0 };
export const SCALAR_ZERO: Reg = { type: 'scalar', v: ZERO, off: 0, id: 0, range: 0, map: 0 };

export const scalarReg = (v: Scalar, id = 0): Reg => ({ type: 'scalar', v, off: 0, id, range: 0, map: 0 });
export const constReg = (x: bigint): Reg => scalarReg(scalarConst(D, BigInt.asUintN(64, x)));

// Constant registers made from an instruction's immediate (an ALU or jump operand, a mov, a
// stored immediate): the same few values recur at every visit of an instruction, and a register
// is immutable, so one object per value is shared instead of ten bigints made per use.
const CONST_CACHE_LIMIT = 1 << 12;
let constCache = new Map<number, Reg>();

/**
 * The constant scalar register holding `x`, an integer in [-2^31, 2^32): negative values are
 * sign-extended to 64 bits (an immediate operand), the others are the value itself (also a
 * zero-extended 32-bit immediate). Shared: at most CONST_CACHE_LIMIT values are kept.
 */
export function immReg(x: number): Reg {
  let r = constCache.get(x);
  if (r === undefined) {
    if (constCache.size >= CONST_CACHE_LIMIT) constCache = new Map();
    r = scalarReg(scalarConst(D, BigInt.asUintN(64, BigInt(x))));
    constCache.set(x, r);
  }
  return r;
}
/**
 * The immediate operands of one exploration by instruction: an instruction's immediate is the
 * same at every visit, so immReg's Map lookup (~1% of a looping check's CPU) is made once per
 * instruction and then read from an array. The value is kept beside its register and compared,
 * so a caller passing another value for the same instruction still gets the right register.
 */
export class ImmRegs {
  private readonly regs: (Reg | undefined)[];
  /**
   * The value each register was made for (plain arrays: made once per check, a typed array costs
   * ~1 µs; left holey, not filled: an entry is read only after its register, which is undefined
   * until both are stored).
   */
  private readonly vals: number[];
  constructor(n: number) {
    this.regs = new Array(n);
    this.vals = new Array(n);
  }

  /** immReg(x), for the immediate of instruction `pc`. */
  at(pc: number, x: number): Reg {
    const r = this.regs[pc];
    if (r !== undefined && this.vals[pc] === x) return r;
    const m = immReg(x);
    this.regs[pc] = m;
    this.vals[pc] = x;
    return m;
  }

  /**
   * lddw constants (made at an lddw's first visit, when the program has one): per instruction,
   * the register and the two immediates it was made for.
   */
  private wide: (Reg | number | undefined)[] | undefined;

  /**
   * The constant register of the 64-bit immediate `hi:lo` loaded by the lddw at `pc` (a plain
   * lddw, pseudo 0): one shared object per instruction instead of ten bigints per visit, and a
   * later ALU instruction meets the same input object at every visit (its memo answers).
   */
  wideAt(pc: number, lo: number, hi: number): Reg {
    // register, lo, hi per instruction in one holey array (made once, at the first lddw)
    const w = (this.wide ??= new Array(3 * this.vals.length));
    const k = 3 * pc;
    const r = w[k] as Reg | undefined;
    if (r !== undefined && w[k + 1] === lo && w[k + 2] === hi) return r;
    const m = scalarReg(scalarConst(D, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)));
    w[k] = m;
    w[k + 1] = lo;
    w[k + 2] = hi;
    return m;
  }
}

/**
 * `{ ...r, v, off, id, range }` without the spread: V8 runs a spread that overrides fields
 * through its runtime (ptrArith's result and the refined registers of every branch cost several
 * % of a check). Only for the common register without optional fields; others are spread.
 */
export function regWith(r: Reg, v: Scalar, off: number, id: number, range: number): Reg {
  if (r.rdonly === undefined && r.refObj === undefined && r.ringbuf === undefined && r.dynptrId === undefined) return { type: r.type, v, off, id, range, map: r.map };
  return { ...r, v, off, id, range };
}

/**
 * `{ ...r, type, id, map }` without the spread, as regWith: a spread's copy gets a map of its own
 * (no transition from the literal's), so registers came in several V8 maps and every register
 * read that met them all went megamorphic.
 */
export function regAs(r: Reg, type: RegType, id: number, map = r.map): Reg {
  if (r.rdonly === undefined && r.refObj === undefined && r.ringbuf === undefined && r.dynptrId === undefined) return { type, v: r.v, off: r.off, id, range: r.range, map };
  return { ...r, type, id, map };
}

/**
 * A pointer with a zero variable part. Its fields in scalarReg's order (type, v, off, id, range,
 * map), as one literal when `f` names none of the optional fields: every register then shares
 * one hidden class, and the `type` load of a register read and isPtr at every instruction stays
 * monomorphic (a register made as `{ v, ..., type }` was a second class, a spread a third).
 */
export function ptrReg(type: RegType, f: Partial<Omit<Reg, 'type'>> = {}): Reg {
  if (!('rdonly' in f) && !('refObj' in f) && !('ringbuf' in f) && !('dynptrId' in f)) {
    return { type, v: 'v' in f ? f.v! : ZERO, off: 'off' in f ? f.off! : 0, id: 'id' in f ? f.id! : 0, range: 'range' in f ? f.range! : 0, map: 'map' in f ? f.map! : 0 };
  }
  return { type, v: ZERO, off: 0, id: 0, range: 0, map: 0, ...f };
}

export const isPtr = (r: Reg): boolean => isPointerType(r.type);
export const isPkt = (r: Reg): boolean => isPacketType(r.type);
export const mayBeNull = (r: Reg): boolean => isNullableType(r.type);

export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const isConst = (s: Scalar): boolean => s.varOff.mask === 0n;

/** Scalars of equal fields (these objects, or others of the same value). */
export const sameScalar = (a: Scalar, b: Scalar): boolean =>
  a === b || (a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask && a.umin === b.umin && a.umax === b.umax &&
    a.smin === b.smin && a.smax === b.smax && a.u32min === b.u32min && a.u32max === b.u32max && a.s32min === b.s32min && a.s32max === b.s32max);
/** A constant scalar's value as a signed 64-bit number. */
export const constVal = (s: Scalar): bigint => s64(s.varOff.value);
export const isConstReg = (r: Reg, x?: bigint): boolean =>
  r.type === 'scalar' && isConst(r.v) && (x === undefined || r.v.varOff.value === BigInt.asUintN(64, x));
/** register_is_null: a scalar known to be 0. */
export const isNull = (r: Reg): boolean => r.type === 'scalar' && r.v.varOff.mask === 0n && r.v.varOff.value === 0n;

/** reg_type_str for the types we model. */
export function typeStr(r: Reg): string {
  switch (r.type) {
    case 'not_init': return '?';
    case 'scalar': return 'scalar';
    case 'ctx': return 'ctx';
    case 'fp': return 'fp';
    case 'pkt': return 'pkt';
    case 'pkt_meta': return 'pkt_meta';
    case 'pkt_end': return 'pkt_end';
    case 'map_ptr': return 'map_ptr';
    case 'map_value': return r.rdonly ? 'rdonly_map_value' : 'map_value';
    case 'map_value_or_null': return 'map_value_or_null';
    case 'map_key': return 'map_key';
    case 'mem': return r.ringbuf ? 'ringbuf_mem' : r.rdonly ? 'rdonly_mem' : 'mem';
    case 'mem_or_null': return r.ringbuf ? 'ringbuf_mem_or_null' : 'mem_or_null';
    case 'sock': case 'sock_or_null': case 'sock_common': case 'sock_common_or_null': case 'tcp_sock': case 'tcp_sock_or_null': return r.type;
  }
}
