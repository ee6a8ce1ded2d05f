// Instruction semantics written once over the bit-vector interface: the ALU (incl. ALU32,
// div/mod by zero, signed div/mod, masked shifts, movsx), END/BSWAP and the jump conditions.
// The same functions run on concrete64x32 (bigints), on the Z3 pair, and on the folding
// backend (fold.ts) the symbolic executor uses; test/smt checks them against src/interp.
//
// Operands are 64-bit values. An immediate must already be sign-extended to 64 bits.
// ALU32 works on the low halves and zero-extends its result (kernel: zext after every ALU32).
import type { Bits, Bits64x32 } from '../bv/bits.ts';
import type { AluName, JcondName, Width } from '../isa/op.ts';

/** |x| as unsigned, with the sign: (x <s 0 ? -x : x). */
function abs<V, B>(R: Bits<V, B>, x: V): { mag: V; neg: B } {
  const neg = R.slt(x, R.zero);
  return { mag: R.ite(neg, R.neg(x), x), neg };
}

/** Boolean xor. */
const xorB = <V, B>(R: Bits<V, B>, a: B, b: B): B => R.iteB(a, R.notB(b), b);

/** Sign-extend the low `from` bits of x across the ring: (x << (w-from)) >>s (w-from). */
export const sextFrom = <V, B>(R: Bits<V, B>, x: V, from: number): V =>
  from >= R.width ? x : R.ashrN(R.shlN(x, R.width - from), R.width - from);

/** dst OP src in one ring (R.width bits); shift amounts masked to width-1 as the kernel does. */
function aluIn<V, B>(R: Bits<V, B>, op: AluName, a: V, b: V): V {
  const isZero = R.eq(b, R.zero);
  const amt = (): V => R.and(b, R.c(R.width - 1));
  switch (op) {
    case 'add': return R.add(a, b);
    case 'sub': return R.sub(a, b);
    case 'mul': return R.mul(a, b);
    case 'or': return R.or(a, b);
    case 'and': return R.and(a, b);
    case 'xor': return R.xor(a, b);
    case 'neg': return R.neg(a);
    case 'mov': return b;
    case 'lsh': return R.shl(a, amt());
    case 'rsh': return R.lshr(a, amt());
    case 'arsh': return R.ashr(a, amt());
    // x / 0 = 0; x % 0 = x (kernel run time)
    case 'div': return R.ite(isZero, R.zero, R.udiv(a, b));
    case 'mod': return R.ite(isZero, a, R.urem(a, b));
    case 'sdiv': {
      // trunc(a / b) = ±(|a| / |b|), negative when signs differ; INT_MIN / -1 wraps to INT_MIN
      const x = abs(R, a), y = abs(R, b);
      const q = R.udiv(x.mag, y.mag);
      return R.ite(isZero, R.zero, R.ite(xorB(R, x.neg, y.neg), R.neg(q), q));
    }
    case 'smod': {
      // a rem b takes a's sign: ±(|a| % |b|); x % -1 = 0
      const x = abs(R, a), y = abs(R, b);
      const m = R.urem(x.mag, y.mag);
      return R.ite(isZero, a, R.ite(x.neg, R.neg(m), m));
    }
    case 'movsx': throw new Error('movsx needs its source width');
  }
}

/** Result of `dst OP= src` (64-bit value) for ALU/ALU64. */
export function aluSem<V, B>(P: Bits64x32<V, B>, op: AluName, width: Width, dst: V, src: V, ext?: 8 | 16 | 32): V {
  if (width === 64) return op === 'movsx' ? sextFrom(P.u64, src, ext ?? 64) : aluIn(P.u64, op, dst, src);
  const b = P.lo32(src);
  const r = op === 'movsx' ? sextFrom(P.u32, b, ext ?? 32) : aluIn(P.u32, op, P.lo32(dst), b);
  return P.zext32(r);
}

/** Byte i (0 = least significant) of x, as a 64-bit value < 256. */
export const byteOf = <V, B>(R: Bits<V, B>, x: V, i: number): V => R.and(R.lshrN(x, 8 * i), R.c(0xff));

/** BPF_END / BPF_BSWAP (little-endian host): le truncates, be and swap reverse the low `bits`. */
export function endSem<V, B>(P: Bits64x32<V, B>, order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, v: V): V {
  const R = P.u64;
  if (order === 'le') return bits === 64 ? v : R.and(v, R.c((1n << BigInt(bits)) - 1n));
  const n = bits / 8;
  let r = R.zero;
  for (let i = 0; i < n; i++) r = R.or(r, R.shlN(byteOf(R, v, i), 8 * (n - 1 - i)));
  return r;
}

/** Is the conditional jump taken? JMP32 compares the low halves. */
export function jcondSem<V, B>(P: Bits64x32<V, B>, op: JcondName, width: Width, a: V, b: V): B {
  const R = width === 64 ? P.u64 : P.u32;
  const x = width === 64 ? a : P.lo32(a), y = width === 64 ? b : P.lo32(b);
  switch (op) {
    case 'jeq': return R.eq(x, y);
    case 'jne': return R.ne(x, y);
    case 'jgt': return R.ugt(x, y);
    case 'jge': return R.uge(x, y);
    case 'jlt': return R.ult(x, y);
    case 'jle': return R.ule(x, y);
    case 'jsgt': return R.sgt(x, y);
    case 'jsge': return R.sge(x, y);
    case 'jslt': return R.slt(x, y);
    case 'jsle': return R.sle(x, y);
    case 'jset': return R.ne(R.and(x, y), R.zero);
  }
}

/** A 32-bit immediate as the 64-bit operand ALU64/JMP see (sign-extended). */
export const immOperand = <V, B>(R: Bits<V, B>, imm: number): V => R.c(BigInt(imm | 0));
