// The kernel verifier's scalar state (struct bpf_reg_state for SCALAR_VALUE, Linux 6.18):
// a 64-bit tnum plus unsigned/signed bounds at 64 bits and at 32 bits (the low subregister).
//
// Written once over Bits64x32<V, B>: 64-bit fields live in d.u64, 32-bit fields in d.u32.
// Signed bounds are stored as bit patterns of their ring and compared with slt/sle.
// No native `if` on V or B: every choice goes through ite/iteB (or `sel`, which the concrete
// backend may short-circuit but the symbolic one sees both arms of).
import type { Bits, Bits64x32 } from '../bv/bits.ts';
import { type Tnum, tnumConst, tnumContains, tnumIte, tnumUnknown, tnumWellFormed, tnumConstSubreg, tnumSubreg, tnumIsConst } from './tnum.ts';

export interface ScalarState<V> {
  readonly varOff: Tnum<V>;
  readonly umin: V;
  readonly umax: V;
  /** Signed bounds, as 64-bit patterns. */
  readonly smin: V;
  readonly smax: V;
  /** 32-bit bounds of the low subregister, values of the 32-bit ring. */
  readonly u32min: V;
  readonly u32max: V;
  readonly s32min: V;
  readonly s32max: V;
}

export type D<V, B> = Bits64x32<V, B>;

/**
 * Kernel behaviour switches where Linux versions differ. Plain booleans (configuration, not
 * values), so native `if` on them is fine.
 */
export interface KernelFlavor {
  readonly name: string;
  /** 6.17+: add/sub unsigned bounds kept when both or neither bound wraps (else: any wrap → unbounded). */
  readonly addSubWrap: boolean;
  /** 6.14+: mul bounds from the four signed / two unsigned products with overflow checks. */
  readonly mulProducts: boolean;
  /** 6.18 tnum_mul (Edamana) vs the CGO'22 tnum_mul of 5.13–6.17. */
  readonly tnumMul618: boolean;
  /** 6.13+: NEG tracked as 0 - x; else NEG gives unknown. */
  readonly negTracked: boolean;
  /** 6.18.y backport: BPF_END tracked with tnum_bswap; else END gives unknown. */
  readonly endTracked: boolean;
  /** 6.18.y backport: __update_reg64_bounds collapses to a constant when range ∩ tnum is one value (tnum_step). */
  readonly tnumStepBounds: boolean;
  /** 6.18.y (observed on 6.18.44): r = (sN) r keeps the 32-bit bounds when the s32 range fits N bits; 64-bit = their sign extension, synced. */
  readonly sxFromSubreg: boolean;
}

/** The running kernel as understood from source + kallsyms (tnum_step, tnum_bswap*, tnum_overlap present). */
export const LINUX_6_18: KernelFlavor = {
  name: '6.18',
  addSubWrap: true,
  mulProducts: true,
  tnumMul618: true,
  negTracked: true,
  endTracked: true,
  tnumStepBounds: true,
  sxFromSubreg: true,
};

/**
 * An earlier 6.18.44 build (6.18.44-fc-v657, where corpus/traces was first recorded): the same
 * but r = (sN) r bounded from the 64-bit bounds only. Both builds report release 6.18.44, so
 * live runs tell them apart by behaviour (src/kernel/flavor.ts) and recordings name theirs.
 */
export const LINUX_6_18_SX64: KernelFlavor = { ...LINUX_6_18, name: '6.18-sx64', sxFromSubreg: false };

/** Debian's 6.12.117 tree in /work/ksrc (which already carries the sign-crossing deductions and tnum_overlap). */
export const LINUX_6_12: KernelFlavor = {
  name: '6.12',
  addSubWrap: false,
  mulProducts: false,
  tnumMul618: false,
  negTracked: false,
  endTracked: false,
  tnumStepBounds: false,
  sxFromSubreg: false,
};

export const FLAVORS: readonly KernelFlavor[] = [LINUX_6_18, LINUX_6_18_SX64, LINUX_6_12];

/** A flavor by its name ('6.18', '6.18-sx64', '6.12'). */
export function flavorNamed(name: string): KernelFlavor {
  const f = FLAVORS.find((x) => x.name === name);
  if (!f) throw new Error(`unknown kernel flavor '${name}' (known: ${FLAVORS.map((x) => x.name).join(', ')})`);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Ring helpers (min/max as the kernel's max_t/min_t over a type).

export const umaxOf = <V, B>(r: Bits<V, B>, a: V, b: V): V => r.ite(r.ugt(a, b), a, b);
export const uminOf = <V, B>(r: Bits<V, B>, a: V, b: V): V => r.ite(r.ult(a, b), a, b);
export const smaxOf = <V, B>(r: Bits<V, B>, a: V, b: V): V => r.ite(r.sgt(a, b), a, b);
export const sminOf = <V, B>(r: Bits<V, B>, a: V, b: V): V => r.ite(r.slt(a, b), a, b);
/** Boolean xor. */
export const xorB = <V, B>(r: Bits<V, B>, a: B, b: B): B => r.iteB(a, r.notB(b), b);

/** Signed minimum / maximum of the ring, and the largest unsigned value. */
// Cached per ring: they are used in every sync (a measurable cost with bigints otherwise).
const limits = new WeakMap<object, { min: unknown; max: unknown }>();
function ringLimits<V, B>(r: Bits<V, B>): { min: V; max: V } {
  let l = limits.get(r);
  if (!l) {
    l = { min: r.shlN(r.one, r.width - 1), max: r.lshrN(r.ones, 1) };
    limits.set(r, l);
  }
  return l as { min: V; max: V };
}
export const sMin = <V, B>(r: Bits<V, B>): V => ringLimits(r).min;
export const sMax = <V, B>(r: Bits<V, B>): V => ringLimits(r).max;

/**
 * Choose between two computed results. The concrete backend evaluates only the chosen arm (the
 * condition is known); a symbolic backend evaluates both and merges them with `merge`.
 */
export function sel<V, B, T>(r: Bits<V, B>, c: B, a: () => T, b: () => T, merge: (c: B, a: T, b: T) => T): T {
  const k = r.knownB(c);
  if (k === true) return a();
  if (k === false) return b();
  return merge(c, a(), b());
}

/** sel over scalar states. */
export function selState<V, B>(d: D<V, B>, c: B, a: () => ScalarState<V>, b: () => ScalarState<V>): ScalarState<V> {
  return sel(d.u64, c, a, b, (cc, x, y) => iteState(d, cc, x, y));
}

/** Field-wise if-then-else on states. */
export function iteState<V, B>(d: D<V, B>, c: B, a: ScalarState<V>, b: ScalarState<V>): ScalarState<V> {
  const q = d.u64, h = d.u32;
  return {
    varOff: tnumIte(q, c, a.varOff, b.varOff),
    umin: q.ite(c, a.umin, b.umin), umax: q.ite(c, a.umax, b.umax),
    smin: q.ite(c, a.smin, b.smin), smax: q.ite(c, a.smax, b.smax),
    u32min: h.ite(c, a.u32min, b.u32min), u32max: h.ite(c, a.u32max, b.u32max),
    s32min: h.ite(c, a.s32min, b.s32min), s32max: h.ite(c, a.s32max, b.s32max),
  };
}

// ---------------------------------------------------------------------------------------------
// Constructors (the kernel's __mark_reg_* helpers)

/** __mark_reg_unknown: tnum unknown, every bound unbounded. */
export function scalarUnknown<V, B>(d: D<V, B>): ScalarState<V> {
  return { varOff: tnumUnknown(d.u64), umin: d.u64.zero, umax: d.u64.ones, smin: sMin(d.u64), smax: sMax(d.u64), u32min: d.u32.zero, u32max: d.u32.ones, s32min: sMin(d.u32), s32max: sMax(d.u32) };
}

/** ___mark_reg_known(imm): the constant at 64 bits, and its low half at 32. */
export function scalarConst<V, B>(d: D<V, B>, imm: V): ScalarState<V> {
  const lo = d.lo32(imm);
  return { varOff: tnumConst(d.u64, imm), umin: imm, umax: imm, smin: imm, smax: imm, u32min: lo, u32max: lo, s32min: lo, s32max: lo };
}

/** A constant from a plain number or bigint (taken modulo 2^64). */
export function scalarConstOf<V, B>(d: D<V, B>, x: bigint | number): ScalarState<V> {
  return scalarConst(d, d.u64.c(x));
}

/** __mark_reg32_known(imm): the low subregister becomes the constant (u32)imm; 64-bit bounds untouched. */
export function markKnown32<V, B>(d: D<V, B>, s: ScalarState<V>, imm32: V): ScalarState<V> {
  return { varOff: tnumConstSubreg(d.u64, s.varOff, d.zext32(imm32)), umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, u32min: imm32, u32max: imm32, s32min: imm32, s32max: imm32 };
}

export const unbounded64 = <V, B>(d: D<V, B>) => ({ umin: d.u64.zero, umax: d.u64.ones, smin: sMin(d.u64), smax: sMax(d.u64) });
export const unbounded32 = <V, B>(d: D<V, B>) => ({ u32min: d.u32.zero, u32max: d.u32.ones, s32min: sMin(d.u32), s32max: sMax(d.u32) });

// The scalars these return are written out field by field in one order, as scalarConst's and
// the compiled tier's are: a spread (`{ ...s, ...unbounded64(d) }`) gives V8 a copy map of each
// source's map, and once more than four maps reach one property load in the compiled tier (its
// operand store) that load goes megamorphic for the rest of the process (BENCHMARKS, eighteenth pass).
/** `s` with var_off `varOff` (a spread, `{ ...s, varOff }`, would give its result a copy map of s's). */
export const withVarOff = <V>(s: ScalarState<V>, varOff: Tnum<V>): ScalarState<V> =>
  ({ varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max });
/** __mark_reg64_unbounded. */
export const markUnbounded64 = <V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> =>
  ({ varOff: s.varOff, umin: d.u64.zero, umax: d.u64.ones, smin: sMin(d.u64), smax: sMax(d.u64), u32min: s.u32min, u32max: s.u32max, s32min: s.s32min, s32max: s.s32max });
/** __mark_reg32_unbounded. */
export const markUnbounded32 = <V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> =>
  ({ varOff: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, u32min: d.u32.zero, u32max: d.u32.ones, s32min: sMin(d.u32), s32max: sMax(d.u32) });
/** __mark_reg_unbounded: all eight bounds, var_off kept. */
export const markUnbounded = <V, B>(d: D<V, B>, s: ScalarState<V>): ScalarState<V> =>
  ({ varOff: s.varOff, umin: d.u64.zero, umax: d.u64.ones, smin: sMin(d.u64), smax: sMax(d.u64), u32min: d.u32.zero, u32max: d.u32.ones, s32min: sMin(d.u32), s32max: sMax(d.u32) });

/**
 * A state from explicit fields (concrete convenience for tests and tables). Missing bounds
 * default to unbounded, a missing var_off to unknown; nothing is synced.
 */
export function scalarFrom(
  d: D<bigint, boolean>,
  f: Partial<{ varOff: Tnum<bigint>; umin: bigint; umax: bigint; smin: bigint; smax: bigint; u32min: bigint; u32max: bigint; s32min: bigint; s32max: bigint }>,
): ScalarState<bigint> {
  const q = d.u64, h = d.u32;
  const u = scalarUnknown(d);
  const c64 = (x: bigint | undefined, def: bigint) => (x === undefined ? def : q.c(x));
  const c32 = (x: bigint | undefined, def: bigint) => (x === undefined ? def : h.c(x));
  return {
    varOff: f.varOff ?? u.varOff,
    umin: c64(f.umin, u.umin), umax: c64(f.umax, u.umax), smin: c64(f.smin, u.smin), smax: c64(f.smax, u.smax),
    u32min: c32(f.u32min, u.u32min), u32max: c32(f.u32max, u.u32max), s32min: c32(f.s32min, u.s32min), s32max: c32(f.s32max, u.s32max),
  };
}

// ---------------------------------------------------------------------------------------------
// Predicates

/**
 * The kernel's reg_bounds_sanity_check as a predicate: min ≤ max in all four domains, and a
 * constant tnum (or constant subregister) agrees exactly with the bounds.
 */
export function scalarSane<V, B>(d: D<V, B>, s: ScalarState<V>): B {
  const q = d.u64, h = d.u32;
  const ordered = q.andB(q.ule(s.umin, s.umax), q.sle(s.smin, s.smax), h.ule(s.u32min, s.u32max), h.sle(s.s32min, s.s32max));
  const v = s.varOff.value;
  const constOk = q.implies(tnumIsConst(q, s.varOff), q.andB(q.eq(s.umin, v), q.eq(s.umax, v), q.eq(s.smin, v), q.eq(s.smax, v)));
  const sub = tnumSubreg(q, s.varOff);
  const v32 = d.lo32(sub.value);
  const sub32Ok = q.implies(tnumIsConst(q, sub), h.andB(h.eq(s.u32min, v32), h.eq(s.u32max, v32), h.eq(s.s32min, v32), h.eq(s.s32max, v32)));
  return q.andB(ordered, constOk, sub32Ok);
}

/** Well-formed: the tnum is well formed and the sanity check passes. */
export function scalarWellFormed<V, B>(d: D<V, B>, s: ScalarState<V>): B {
  return d.u64.andB(tnumWellFormed(d.u64, s.varOff), scalarSane(d, s));
}

/** x ∈ γ(s): x is in the tnum and in all eight bounds. */
export function scalarContains<V, B>(d: D<V, B>, s: ScalarState<V>, x: V): B {
  const q = d.u64, h = d.u32;
  const lo = d.lo32(x);
  return q.andB(
    tnumContains(q, s.varOff, x),
    q.ule(s.umin, x), q.ule(x, s.umax), q.sle(s.smin, x), q.sle(x, s.smax),
    h.ule(s.u32min, lo), h.ule(lo, s.u32max), h.sle(s.s32min, lo), h.sle(lo, s.s32max),
  );
}

/** tnum_is_const at 64 bits / at the subregister. */
export const isConst64 = <V, B>(d: D<V, B>, s: ScalarState<V>): B => tnumIsConst(d.u64, s.varOff);
export const isConst32 = <V, B>(d: D<V, B>, s: ScalarState<V>): B => tnumIsConst(d.u64, tnumSubreg(d.u64, s.varOff));

/** Field-wise equality. */
export function scalarEq<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>): B {
  const q = d.u64, h = d.u32;
  return q.andB(
    q.eq(a.varOff.value, b.varOff.value), q.eq(a.varOff.mask, b.varOff.mask),
    q.eq(a.umin, b.umin), q.eq(a.umax, b.umax), q.eq(a.smin, b.smin), q.eq(a.smax, b.smax),
    h.eq(a.u32min, b.u32min), h.eq(a.u32max, b.u32max), h.eq(a.s32min, b.s32min), h.eq(a.s32max, b.s32max),
  );
}

// ---------------------------------------------------------------------------------------------
// Concrete printing (kernel-like, every field explicit)

const hex = (x: bigint) => `0x${x.toString(16)}`;

/** `{var_off=(0x0; 0xff) u64=[..] s64=[..] u32=[..] s32=[..]}` with signed fields in decimal. */
export function formatScalar(s: ScalarState<bigint>): string {
  const s64 = (x: bigint) => BigInt.asIntN(64, x).toString();
  const s32 = (x: bigint) => BigInt.asIntN(32, x).toString();
  return `{var_off=(${hex(s.varOff.value)}; ${hex(s.varOff.mask)}) u64=[${hex(s.umin)}, ${hex(s.umax)}] s64=[${s64(s.smin)}, ${s64(s.smax)}] ` +
    `u32=[${hex(s.u32min)}, ${hex(s.u32max)}] s32=[${s32(s.s32min)}, ${s32(s.s32max)}]}`;
}
