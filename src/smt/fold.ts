// The folding backend of Bits: a value is a bigint while it is known and a Z3 term once it is
// not. Operations on two known values run on the concrete backend; anything else builds the Z3
// term (with a few identities: x+0, x&0, x|0, x*1, ite on a known condition). This is what gives
// the symbolic executor concrete stack and packet offsets (K2's "concrete offsets"): r10 - 8
// stays the number it is, so memory can be indexed by plain offsets.
import type { Bits, Bits64x32 } from '../bv/bits.ts';
import { concreteBits } from '../bv/concrete.ts';
import { z3Bits, type Z3BV, type Z3Bool, type Z3Ctx } from '../bv/z3.ts';

export type FV = bigint | Z3BV;
export type FB = boolean | Z3Bool;

const isK = (x: FV): x is bigint => typeof x === 'bigint';
const isKB = (x: FB): x is boolean => typeof x === 'boolean';

/** log2(x) when x is a power of two, else -1. */
const pow2 = (x: bigint): number => (x > 0n && (x & (x - 1n)) === 0n ? x.toString(2).length - 1 : -1);

const rings = new WeakMap<Z3Ctx, Map<number, Bits<FV, FB>>>();

/** The folding ring at `width` over ctx (cached). */
export function foldBits(ctx: Z3Ctx, width: number): Bits<FV, FB> {
  let m = rings.get(ctx);
  if (!m) rings.set(ctx, (m = new Map()));
  let b = m.get(width);
  if (!b) m.set(width, (b = makeFold(ctx, width)));
  return b;
}

function makeFold(ctx: Z3Ctx, width: number): Bits<FV, FB> {
  const C = concreteBits(width);
  const Z = z3Bits(ctx, width);
  const lift = (x: FV): Z3BV => (isK(x) ? Z.c(x) : x);
  const liftB = (x: FB): Z3Bool => (isKB(x) ? Z.bool(x) : x);
  type K2 = (a: bigint, b: bigint) => bigint;
  type Z2 = (a: Z3BV, b: Z3BV) => Z3BV;
  const op2 = (k: K2, z: Z2) => (a: FV, b: FV): FV => (isK(a) && isK(b) ? k(a, b) : z(lift(a), lift(b)));
  const cmp = (k: (a: bigint, b: bigint) => boolean, z: (a: Z3BV, b: Z3BV) => Z3Bool) =>
    (a: FV, b: FV): FB => (isK(a) && isK(b) ? k(a, b) : z(lift(a), lift(b)));
  const add = op2(C.add, Z.add), or = op2(C.or, Z.or), and = op2(C.and, Z.and), mul = op2(C.mul, Z.mul);
  const same = (a: FV, b: FV): boolean => (isK(a) ? isK(b) && a === b : !isK(b) && a.eqIdentity(b));
  const sameB = (a: FB, b: FB): boolean => (isKB(a) ? isKB(b) && a === b : !isKB(b) && a.eqIdentity(b));
  const ones = C.ones;
  const shlK = (a: FV, k: number): FV => (k === 0 ? a : isK(a) ? C.shlN(a, k) : Z.shlN(a, k));
  const shiftN = (k: (a: bigint, n: number) => bigint, z: (a: Z3BV, n: number) => Z3BV) =>
    (a: FV, n: number): FV => (n === 0 ? a : isK(a) ? k(a, n) : z(a, n));
  return {
    width,
    backend: 'fold',
    c: (x) => C.c(x),
    zero: 0n,
    one: 1n,
    ones,
    add: (a, b) => (a === 0n ? b : b === 0n ? a : add(a, b)),
    sub: op2(C.sub, Z.sub),
    // x * 2^k is written x << k, so both spellings give one term
    mul: (a, b) => (a === 0n || b === 0n ? 0n : isK(b) && pow2(b) >= 0 ? shlK(a, pow2(b)) : isK(a) && pow2(a) >= 0 ? shlK(b, pow2(a)) : mul(a, b)),
    neg: (a) => (isK(a) ? C.neg(a) : Z.neg(a)),
    and: (a, b) => (a === 0n || b === 0n ? 0n : a === ones ? b : b === ones ? a : and(a, b)),
    or: (a, b) => (a === 0n ? b : b === 0n ? a : or(a, b)),
    xor: op2(C.xor, Z.xor),
    not: (a) => (isK(a) ? C.not(a) : Z.not(a)),
    udiv: op2(C.udiv, Z.udiv),
    urem: op2(C.urem, Z.urem),
    shl: op2(C.shl, Z.shl),
    lshr: op2(C.lshr, Z.lshr),
    ashr: op2(C.ashr, Z.ashr),
    shlN: shiftN(C.shlN, Z.shlN),
    lshrN: shiftN(C.lshrN, Z.lshrN),
    ashrN: shiftN(C.ashrN, Z.ashrN),
    eq: (a, b) => (same(a, b) ? true : cmp(C.eq, Z.eq)(a, b)),
    ne: (a, b) => (same(a, b) ? false : cmp(C.ne, Z.ne)(a, b)),
    ult: cmp(C.ult, Z.ult),
    ule: cmp(C.ule, Z.ule),
    ugt: cmp(C.ugt, Z.ugt),
    uge: cmp(C.uge, Z.uge),
    slt: cmp(C.slt, Z.slt),
    sle: cmp(C.sle, Z.sle),
    sgt: cmp(C.sgt, Z.sgt),
    sge: cmp(C.sge, Z.sge),
    T: true,
    F: false,
    bool: (x) => x,
    andB: (...xs) => {
      const rest: Z3Bool[] = [];
      for (const x of xs) {
        if (x === false) return false;
        if (x !== true) rest.push(x as Z3Bool);
      }
      return rest.length === 0 ? true : Z.andB(...rest);
    },
    orB: (...xs) => {
      const rest: Z3Bool[] = [];
      for (const x of xs) {
        if (x === true) return true;
        if (x !== false) rest.push(x as Z3Bool);
      }
      return rest.length === 0 ? false : Z.orB(...rest);
    },
    notB: (a) => (isKB(a) ? !a : Z.notB(a)),
    implies: (a, b) => (a === false || b === true ? true : a === true ? b : Z.implies(liftB(a), liftB(b))),
    ite: (c, a, b) => (isKB(c) ? (c ? a : b) : same(a, b) ? a : Z.ite(c, lift(a), lift(b))),
    iteB: (c, a, b) => (isKB(c) ? (c ? a : b) : sameB(a, b) ? a : Z.iteB(c, liftB(a), liftB(b))),
    bit: (a, i) => (isK(a) ? C.bit(a, i) : Z.bit(a, i)),
    known: (a) => (isK(a) ? a : ctx.isBitVecVal(a) ? a.value() : undefined),
    knownB: (a) => (isKB(a) ? a : ctx.isTrue(a) ? true : ctx.isFalse(a) ? false : undefined),
  };
}

/** The folding 64/32 pair the executor runs the semantics on. */
export function foldPair(ctx: Z3Ctx): Bits64x32<FV, FB> {
  return {
    u64: foldBits(ctx, 64),
    u32: foldBits(ctx, 32),
    lo32: (v) => (isK(v) ? v & 0xffff_ffffn : v.extract(31, 0)),
    zext32: (v) => (isK(v) ? v : v.zeroExt(32)),
    sext32: (v) => (isK(v) ? BigInt.asUintN(64, BigInt.asIntN(32, v)) : v.signExt(32)),
  };
}

/** A folded value as a Z3 term of `width` bits. */
export const toZ3 = (ctx: Z3Ctx, x: FV, width: number): Z3BV => (isK(x) ? ctx.BitVec.val(x, width) : x);
/** A folded boolean as a Z3 term. */
export const toZ3B = (ctx: Z3Ctx, x: FB): Z3Bool => (isKB(x) ? ctx.Bool.val(x) : x);
export { isK, isKB };
