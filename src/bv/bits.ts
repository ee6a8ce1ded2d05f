// The bit-vector interface every abstract-domain operator is written against.
//
// One `Bits<V, B>` is a ring of fixed-width bit-vectors (values V) with booleans B.
// Two backends implement it: `concreteBits(width)` (V = bigint, B = boolean) for run time,
// and the Z3 backend in src/smt for proofs. An operator written as
//   function tnumAdd<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V>
// is then the same code whether it runs or is proved.
//
// Rules for operator authors:
// - no native `if` on values: use `ite`/`iteB` so the symbolic backend sees both arms;
// - loops have a trip count that depends only on `width`, or are written as a step
//   function plus a driver (see tnum mul), so proofs can unroll or induct;
// - shift amounts that are plain numbers use shlN/lshrN/ashrN.

export interface Bits<V, B> {
  /** Width in bits: 8, 16, 32 or 64 (other widths are allowed for proofs). */
  readonly width: number;
  /** 'concrete', 'z3', 'z3int' (exact integer model, proofs only), … */
  readonly backend: string;

  /** Constant from a bigint (taken modulo 2^width; negative values wrap). */
  c(x: bigint | number): V;
  readonly zero: V;
  readonly one: V;
  readonly ones: V;

  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  neg(a: V): V;
  and(a: V, b: V): V;
  or(a: V, b: V): V;
  xor(a: V, b: V): V;
  not(a: V): V;
  /** Unsigned division and remainder; x/0 = all ones, x%0 = x (SMT-LIB semantics). */
  udiv(a: V, b: V): V;
  urem(a: V, b: V): V;
  /** Shifts by a bit-vector amount; amounts >= width give 0 (shl/lshr) or sign fill (ashr). */
  shl(a: V, n: V): V;
  lshr(a: V, n: V): V;
  ashr(a: V, n: V): V;
  /** Shifts by a plain number of bits, 0 <= n. */
  shlN(a: V, n: number): V;
  lshrN(a: V, n: number): V;
  ashrN(a: V, n: number): V;

  /**
   * check_mul_overflow on the ring's unsigned type: the true product of the unsigned readings is
   * ≥ 2^width. Optional: a backend without it gets the division test of alu-arith.ts (same truth).
   */
  umulOverflows?(a: V, b: V): B;
  /** check_mul_overflow on the signed type: the true product of the signed readings is outside [−2^(w−1), 2^(w−1)). Optional, as above. */
  smulOverflows?(a: V, b: V): B;

  eq(a: V, b: V): B;
  ne(a: V, b: V): B;
  ult(a: V, b: V): B;
  ule(a: V, b: V): B;
  ugt(a: V, b: V): B;
  uge(a: V, b: V): B;
  slt(a: V, b: V): B;
  sle(a: V, b: V): B;
  sgt(a: V, b: V): B;
  sge(a: V, b: V): B;

  readonly T: B;
  readonly F: B;
  bool(x: boolean): B;
  andB(...xs: B[]): B;
  orB(...xs: B[]): B;
  notB(a: B): B;
  implies(a: B, b: B): B;

  ite(c: B, a: V, b: V): V;
  iteB(c: B, a: B, b: B): B;

  /** Bit i (0 = least significant) as a boolean. */
  bit(a: V, i: number): B;
  /** The concrete value when known (always, for the concrete backend); undefined when symbolic. */
  known(a: V): bigint | undefined;
  knownB(a: B): boolean | undefined;
}

/** Width conversions between two rings of the same backend. */
export interface Resize<V> {
  /** Low `to.width` bits. */
  trunc(v: V): V;
  zext(v: V): V;
  sext(v: V): V;
}

/** A pair of rings at 64 and 32 bits, as the kernel's scalar state needs both. */
export interface Bits64x32<V, B> {
  readonly u64: Bits<V, B>;
  readonly u32: Bits<V, B>;
  /** 64 → 32: low half. */
  lo32(v: V): V;
  /** 32 → 64. */
  zext32(v: V): V;
  sext32(v: V): V;
}
