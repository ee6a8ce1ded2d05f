// A Bits<number, boolean> backend for small widths (≤ 30 bits), used by the exhaustive precision
// study: the tnum operators of src/domains/tnum.ts run unchanged on plain numbers, several times
// faster than on bigints.
import type { Bits } from '../../src/bv/bits.ts';

export function numberBits(width: number): Bits<number, boolean> {
  if (width < 1 || width > 30) throw new RangeError(`numberBits: width ${width} not in 1..30`);
  const M = 2 ** width - 1;
  const SH = 32 - width;
  const signed = (x: number): number => (x << SH) >> SH;
  return {
    width,
    backend: 'number',
    c: (x) => Number(BigInt.asUintN(width, BigInt(x))),
    zero: 0,
    one: 1,
    ones: M,
    add: (a, b) => (a + b) & M,
    sub: (a, b) => (a - b) & M,
    mul: (a, b) => Math.imul(a, b) & M,
    neg: (a) => -a & M,
    and: (a, b) => a & b,
    or: (a, b) => a | b,
    xor: (a, b) => a ^ b,
    not: (a) => ~a & M,
    udiv: (a, b) => (b === 0 ? M : Math.floor(a / b)),
    urem: (a, b) => (b === 0 ? a : a % b),
    shl: (a, n) => (n >= width ? 0 : (a << n) & M),
    lshr: (a, n) => (n >= width ? 0 : a >>> n),
    ashr: (a, n) => (signed(a) >> Math.min(n, width - 1)) & M,
    shlN: (a, n) => (n >= width ? 0 : (a << n) & M),
    lshrN: (a, n) => (n >= width ? 0 : a >>> n),
    ashrN: (a, n) => (signed(a) >> Math.min(n, width - 1)) & M,
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
    bit: (a, i) => ((a >>> i) & 1) === 1,
    known: (a) => BigInt(a),
    knownB: (a) => a,
  };
}
