// Concrete backend of the bit-vector interface: values are bigints in [0, 2^width).
//
// Why bigint: the domains need exact 64-bit unsigned and signed arithmetic, including
// multiplication with wrap-around; bigint gives that directly and V8 keeps 64-bit bigints
// in a single digit, so each operation costs one small allocation. A pair-of-u32 encoding
// would avoid the allocation but makes mul and comparisons several times longer; see
// BENCHMARKS.md for the measured op rates that motivated this choice.
import type { Bits, Bits64x32 } from './bits.ts';

const cache = new Map<number, Bits<bigint, boolean>>();

export function concreteBits(width: number): Bits<bigint, boolean> {
  let b = cache.get(width);
  if (!b) {
    b = makeConcrete(width);
    cache.set(width, b);
  }
  return b;
}

function makeConcrete(width: number): Bits<bigint, boolean> {
  const W = BigInt(width);
  const MASK = (1n << W) - 1n;
  const SIGN = 1n << (W - 1n);
  const wrap = (x: bigint): bigint => x & MASK;
  const signed = (x: bigint): bigint => (x & SIGN ? x - (1n << W) : x);
  return {
    width,
    backend: 'concrete',
    c: (x) => wrap(BigInt(x)),
    zero: 0n,
    one: 1n,
    ones: MASK,
    add: (a, b) => (a + b) & MASK,
    sub: (a, b) => (a - b) & MASK,
    mul: (a, b) => (a * b) & MASK,
    neg: (a) => -a & MASK,
    and: (a, b) => a & b,
    or: (a, b) => a | b,
    xor: (a, b) => a ^ b,
    not: (a) => a ^ MASK,
    udiv: (a, b) => (b === 0n ? MASK : a / b),
    urem: (a, b) => (b === 0n ? a : a % b),
    shl: (a, n) => (n >= W ? 0n : (a << n) & MASK),
    lshr: (a, n) => (n >= W ? 0n : a >> n),
    ashr: (a, n) => wrap(signed(a) >> (n >= W ? W - 1n : n)),
    shlN: (a, n) => (n >= width ? 0n : (a << BigInt(n)) & MASK),
    lshrN: (a, n) => (n >= width ? 0n : a >> BigInt(n)),
    ashrN: (a, n) => wrap(signed(a) >> BigInt(Math.min(n, width - 1))),
    umulOverflows: (a, b) => a * b > MASK,
    smulOverflows: (a, b) => { const p = signed(a) * signed(b); return p < -SIGN || p >= SIGN; },
    eq: (a, b) => a === b,
    ne: (a, b) => a !== b,
    ult: (a, b) => a < b,
    ule: (a, b) => a <= b,
    ugt: (a, b) => a > b,
    uge: (a, b) => a >= b,
    slt: (a, b) => signed(a) < signed(b),
    sle: (a, b) => signed(a) <= signed(b),
    sgt: (a, b) => signed(a) > signed(b),
    sge: (a, b) => signed(a) >= signed(b),
    T: true,
    F: false,
    bool: (x) => x,
    andB: (...xs) => xs.every((x) => x),
    orB: (...xs) => xs.some((x) => x),
    notB: (a) => !a,
    implies: (a, b) => !a || b,
    ite: (c, a, b) => (c ? a : b),
    iteB: (c, a, b) => (c ? a : b),
    bit: (a, i) => ((a >> BigInt(i)) & 1n) === 1n,
    known: (a) => a,
    knownB: (a) => a,
  };
}

const M32 = 0xffff_ffffn;

/** The concrete 64/32-bit pair used by the scalar domain at run time. */
export const concrete64x32: Bits64x32<bigint, boolean> = {
  u64: concreteBits(64),
  u32: concreteBits(32),
  lo32: (v) => v & M32,
  zext32: (v) => v,
  sext32: (v) => (v & 0x8000_0000n ? v | 0xffff_ffff_0000_0000n : v),
};

/** Interpret a width-bit unsigned bigint as signed. */
export function toSigned(x: bigint, width: number): bigint {
  return BigInt.asIntN(width, x);
}

/** Interpret any bigint as a width-bit unsigned value. */
export function toUnsigned(x: bigint, width: number): bigint {
  return BigInt.asUintN(width, x);
}
