// The one definition of what eBPF's ALU, ALU64, END/BSWAP and conditional-jump instructions
// compute, written once over the bit-vector interface. Everything that needs these semantics
// instantiates it: the verifier's constant folding (concrete64x32), the SMT encoder (the Z3
// pair, and fold.ts's folding backend), and the proofs' concrete ops. The fast interpreter keeps
// a specialised uint32-halves copy for speed (src/interp/vm.ts), which test/interp/alu.test.ts
// checks against this file op by op; test/oracle/reference.ts is an independent bigint oracle
// this file is tested against (test/bv/alu.test.ts).
//
// Operands are 64-bit values; an immediate must already be sign-extended to 64 bits.
// ALU32 works on the low halves and zero-extends its result (kernel: zext after every ALU32).
// Run-time rules (the kernel's interpreter and JITs): x / 0 = 0, x % 0 = x, shift amounts
// masked to width − 1, INT_MIN s/ −1 = INT_MIN, x s% −1 = 0.
import type { Bits, Bits64x32 } from './bits.ts';
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

/** The binary and unary ALU ops that need no source width (all but movsx). */
export type RingAluName = Exclude<AluName, 'movsx'>;

/** The shift amount masked to the ring's width − 1 (a function, not a closure per ALU op: the verifier folds constants through aluIn). */
const shiftAmount = <V, B>(R: Bits<V, B>, b: V): V => R.and(b, R.c(R.width - 1));

/**
 * dst OP src in one ring (R.width bits). Terms are built only for the op asked (no unused
 * comparison), so a Z3 query over one op is the same term whoever builds it.
 */
export function aluIn<V, B>(R: Bits<V, B>, op: RingAluName, a: V, b: V): V {
  switch (op) {
    case 'add': return R.add(a, b);
    case 'sub': return R.sub(a, b);
    case 'mul': return R.mul(a, b);
    case 'or': return R.or(a, b);
    case 'and': return R.and(a, b);
    case 'xor': return R.xor(a, b);
    case 'neg': return R.neg(a);
    case 'mov': return b;
    case 'lsh': return R.shl(a, shiftAmount(R, b));
    case 'rsh': return R.lshr(a, shiftAmount(R, b));
    case 'arsh': return R.ashr(a, shiftAmount(R, b));
    case 'div': return R.ite(R.eq(b, R.zero), R.zero, R.udiv(a, b));
    case 'mod': return R.ite(R.eq(b, R.zero), a, R.urem(a, b));
    case 'sdiv': {
      // trunc(a / b) = ±(|a| / |b|), negative when signs differ; INT_MIN / -1 wraps to INT_MIN
      const x = abs(R, a), y = abs(R, b);
      const q = R.udiv(x.mag, y.mag);
      return R.ite(R.eq(b, R.zero), R.zero, R.ite(xorB(R, x.neg, y.neg), R.neg(q), q));
    }
    case 'smod': {
      // a rem b takes a's sign: ±(|a| % |b|); x % -1 = 0
      const x = abs(R, a), y = abs(R, b);
      const m = R.urem(x.mag, y.mag);
      return R.ite(R.eq(b, R.zero), a, R.ite(x.neg, R.neg(m), m));
    }
  }
}

/** Result of `dst OP= src` (64-bit value) for ALU/ALU64; `ext` is movsx's source width. */
export function aluSem<V, B>(P: Bits64x32<V, B>, op: AluName, width: Width, dst: V, src: V, ext?: 8 | 16 | 32): V {
  if (width === 64) return op === 'movsx' ? sextFrom(P.u64, src, ext ?? 64) : aluIn(P.u64, op, dst, src);
  const b = P.lo32(src);
  const r = op === 'movsx' ? sextFrom(P.u32, b, ext ?? 32) : aluIn(P.u32, op, P.lo32(dst), b);
  return P.zext32(r);
}

const lowMask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

/**
 * BPF_END / BPF_BSWAP (little-endian host): le truncates (identity at 64), be and swap reverse
 * the bytes of the low `bits` (upper bits 0). The reversal is a swap network (adjacent bytes,
 * then 16-bit lanes, then 32-bit halves) rather than a per-byte loop: log2 steps keep the Z3
 * term small, which the END proofs (proofs/scalar-move.ts) rely on.
 */
export function endSem<V, B>(P: Bits64x32<V, B>, order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, v: V): V {
  const R = P.u64;
  let r = bits === 64 ? v : R.and(v, R.c(lowMask(bits)));
  if (order === 'le') return r;
  for (let lane = 8; lane < bits; lane *= 2) {
    // the low lane of every pair of lanes, within the low `bits` bits
    let m = 0n;
    for (let i = 0; i < bits; i += 2 * lane) m |= lowMask(lane) << BigInt(i);
    const k = R.c(m);
    r = R.or(R.shlN(R.and(r, k), lane), R.and(R.lshrN(r, lane), k));
  }
  return r;
}

/** Does the condition hold between two values of one ring? */
export function jcondIn<V, B>(R: Bits<V, B>, op: JcondName, x: V, y: V): B {
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

/** Is the conditional jump taken? JMP32 compares the low halves. */
export function jcondSem<V, B>(P: Bits64x32<V, B>, op: JcondName, width: Width, a: V, b: V): B {
  return width === 64 ? jcondIn(P.u64, op, a, b) : jcondIn(P.u32, op, P.lo32(a), P.lo32(b));
}

/** A 32-bit immediate as the 64-bit operand ALU64/JMP see (sign-extended). */
export const immOperand = <V, B>(R: Bits<V, B>, imm: number): V => R.c(BigInt(imm | 0));
