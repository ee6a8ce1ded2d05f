// Exact integer model of the bit-vector interface over Z3 Int, for proofs about multiplication.
//
// A value is an Int term meant to lie in [0, 2^width) (the unsigned reading); fresh variables
// get that range from `z3IntRange`. Every operation returns a term in the range again:
//   add a+b − 2^w·[a+b ≥ 2^w]      sub a−b + 2^w·[a < b]      neg (2^w − a) mod 2^w
//   mul (a·b) mod 2^w              signed reading sg(a) = a − 2^w·[a ≥ 2^(w−1)]
//   umulOverflows a·b ≥ 2^w        smulOverflows sg(a)·sg(b) ∉ [−2^(w−1), 2^(w−1))
// Why: Z3 decides these with its nonlinear integer arithmetic, where a 32- or 64-bit product is
// one monomial; the bit-vector backend has to bit-blast a multiplier, which is what makes the
// mul bounds queries time out beyond 12 bits. Only the operations the mul bounds proof needs
// (and the cheap linear ones) exist; the bitwise ones, division and shifts by a value throw.
// test/bv/z3int.test.ts checks every supported operation against the concrete backend.
import type { Arith, Bool } from 'z3-solver';
import type { Bits } from './bits.ts';
import { concreteBits } from './concrete.ts';
import type { Z3Ctx } from './z3.ts';

export type Z3Int = Arith<'main'>;
export type Z3IntBool = Bool<'main'>;

const rings = new WeakMap<Z3Ctx, Map<number, Bits<Z3Int, Z3IntBool>>>();

/** Bits<Int, Bool> at `width` over ctx (cached per context and width). */
export function z3IntBits(ctx: Z3Ctx, width: number): Bits<Z3Int, Z3IntBool> {
  let m = rings.get(ctx);
  if (!m) rings.set(ctx, (m = new Map()));
  let b = m.get(width);
  if (!b) m.set(width, (b = makeInt(ctx, width)));
  return b;
}

/** 0 ≤ v < 2^width: what every fresh variable of this model must satisfy. */
export function z3IntRange(ctx: Z3Ctx, width: number, v: Z3Int): Z3IntBool {
  return ctx.And(v.ge(0), v.lt(ctx.Int.val(1n << BigInt(width))));
}

/** The signed (two's complement) reading of a ring value: sg(v) = v − 2^w·[v ≥ 2^(w−1)]. */
export function z3IntSigned(ctx: Z3Ctx, width: number, v: Z3Int): Z3Int {
  const M = 1n << BigInt(width);
  return ctx.If(v.ge(ctx.Int.val(M >> 1n)), v.sub(ctx.Int.val(M)), v) as Z3Int;
}

const unsupported = (op: string) => (): never => {
  throw new Error(`${op} is unsupported in the integer model`);
};

function makeInt(ctx: Z3Ctx, width: number): Bits<Z3Int, Z3IntBool> {
  const W = BigInt(width);
  const MOD = 1n << W, HALF = 1n << (W - 1n);
  const num = (x: bigint): Z3Int => ctx.Int.val(x);
  const val = (x: bigint | number): Z3Int => num(BigInt.asUintN(width, BigInt(x)));
  const kMod = num(MOD), kHalf = num(HALF);
  const ite = (c: Z3IntBool, a: Z3Int, b: Z3Int): Z3Int => ctx.If(c, a, b) as Z3Int;
  const known = (a: Z3Int): bigint | undefined => (ctx.isIntVal(a) ? a.value() : undefined);
  // constants fold on the concrete ring, so sMin/sMax and the like stay numerals
  const C = concreteBits(width);
  const fold1 = (k: (a: bigint) => bigint, z: (a: Z3Int) => Z3Int) => (a: Z3Int): Z3Int => {
    const x = known(a);
    return x === undefined ? z(a) : num(k(x));
  };
  const fold2 = (k: (a: bigint, b: bigint) => bigint, z: (a: Z3Int, b: Z3Int) => Z3Int) => (a: Z3Int, b: Z3Int): Z3Int => {
    const x = known(a), y = known(b);
    return x === undefined || y === undefined ? z(a, b) : num(k(x, y));
  };
  const sg = (a: Z3Int): Z3Int => z3IntSigned(ctx, width, a);
  const T = ctx.Bool.val(true);
  const F = ctx.Bool.val(false);
  // a·2^n mod 2^w and ⌊a / 2^n⌋ are linear: the constant factor keeps them out of nonlinear arithmetic
  const shlN = (a: Z3Int, n: number): Z3Int => fold1((x) => C.shlN(x, n), (x) => (n === 0 ? x : n >= width ? num(0n) : x.mul(num(1n << BigInt(n))).mod(kMod)))(a);
  const lshrN = (a: Z3Int, n: number): Z3Int => fold1((x) => C.lshrN(x, n), (x) => (n === 0 ? x : n >= width ? num(0n) : x.div(num(1n << BigInt(n)))))(a);
  return {
    width,
    backend: 'z3int',
    c: val,
    zero: num(0n),
    one: num(1n),
    ones: num(MOD - 1n),
    // a+b < 2^(w+1), a−b > −2^w: one correction at most
    add: fold2(C.add, (a, b) => { const s = a.add(b); return ite(s.ge(kMod), s.sub(kMod), s); }),
    sub: fold2(C.sub, (a, b) => ite(a.lt(b), a.sub(b).add(kMod), a.sub(b))),
    mul: fold2(C.mul, (a, b) => a.mul(b).mod(kMod)),
    neg: fold1(C.neg, (a) => ite(a.eq(0), a, kMod.sub(a))),
    and: unsupported('and'),
    or: unsupported('or'),
    xor: unsupported('xor'),
    not: fold1(C.not, (a) => num(MOD - 1n).sub(a)),
    udiv: unsupported('udiv'),
    urem: unsupported('urem'),
    shl: unsupported('shl'),
    lshr: unsupported('lshr'),
    ashr: unsupported('ashr'),
    shlN,
    lshrN,
    // ⌊sg(a) / 2^n⌋ (Z3's div rounds toward −∞ for a positive divisor), read back unsigned
    ashrN: (a, n) => fold1((x) => C.ashrN(x, n), (x) => (n === 0 ? x : sg(x).div(num(1n << BigInt(Math.min(n, width - 1)))).mod(kMod)))(a),
    eq: (a, b) => a.eq(b),
    ne: (a, b) => a.neq(b),
    ult: (a, b) => a.lt(b),
    ule: (a, b) => a.le(b),
    ugt: (a, b) => a.gt(b),
    uge: (a, b) => a.ge(b),
    slt: (a, b) => sg(a).lt(sg(b)),
    sle: (a, b) => sg(a).le(sg(b)),
    sgt: (a, b) => sg(a).gt(sg(b)),
    sge: (a, b) => sg(a).ge(sg(b)),
    umulOverflows: (a, b) => a.mul(b).ge(kMod),
    smulOverflows: (a, b) => { const p = sg(a).mul(sg(b)); return ctx.Or(p.lt(num(-HALF)), p.ge(kHalf)); },
    T,
    F,
    bool: (x) => (x ? T : F),
    andB: (...xs) => (xs.length === 0 ? T : xs.length === 1 ? xs[0] : ctx.And(...xs)),
    orB: (...xs) => (xs.length === 0 ? F : xs.length === 1 ? xs[0] : ctx.Or(...xs)),
    notB: (a) => a.not(),
    implies: (a, b) => ctx.Implies(a, b),
    ite,
    iteB: (c, a, b) => ctx.If(c, a, b) as Z3IntBool,
    bit: (a, i) => a.div(num(1n << BigInt(i))).mod(num(2n)).eq(1),
    known,
    knownB: (a) => (ctx.isTrue(a) ? true : ctx.isFalse(a) ? false : undefined),
  };
}
