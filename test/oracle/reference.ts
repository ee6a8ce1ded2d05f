// An independent oracle for the eBPF ALU, byte-order and condition ops on BigInt: written to be
// obviously right, not fast, and deliberately not over the bit-vector interface, so that the one
// definition (src/bv/alu.ts) is checked against a second, differently written one
// (test/bv/alu.test.ts); the scalar-domain tests use it too. Values are unsigned 64-bit
// bigints; 32-bit ops look at the low 32 bits and zero-extend the result.
import type { AluName, JcondName } from '../../src/isa/op.ts';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const u = (v: bigint, bits: number): bigint => BigInt.asUintN(bits, v);
const s = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

/** Truncating signed division as C does it (BigInt division already truncates toward zero). */
const sdiv = (a: bigint, b: bigint): bigint => a / b;
/** Remainder with the sign of the dividend (BigInt % already does this). */
const smod = (a: bigint, b: bigint): bigint => a % b;

/**
 * dst OP src at `width` bits. `src` is the full 64-bit operand (an immediate must already be
 * sign-extended to 64 bits). `ext` is movsx's source width.
 */
export function refAlu(op: AluName, width: 32 | 64, dst: bigint, src: bigint, ext?: 8 | 16 | 32): bigint {
  const w = width;
  const a = u(dst, w), b = u(src, w);
  let r: bigint;
  switch (op) {
    case 'add': r = a + b; break;
    case 'sub': r = a - b; break;
    case 'mul': r = a * b; break;
    case 'div': r = b === 0n ? 0n : a / b; break;
    case 'mod': r = b === 0n ? a : a % b; break;
    case 'sdiv': {
      const sa = s(a, w), sb = s(b, w);
      r = sb === 0n ? 0n : sdiv(sa, sb); // INT_MIN / -1 wraps back to INT_MIN below
      break;
    }
    case 'smod': {
      const sa = s(a, w), sb = s(b, w);
      r = sb === 0n ? a : smod(sa, sb);
      break;
    }
    case 'or': r = a | b; break;
    case 'and': r = a & b; break;
    case 'xor': r = a ^ b; break;
    case 'lsh': r = a << (b & BigInt(w - 1)); break;
    case 'rsh': r = a >> (b & BigInt(w - 1)); break;
    case 'arsh': r = s(a, w) >> (b & BigInt(w - 1)); break;
    case 'neg': r = -a; break;
    case 'mov': r = b; break;
    case 'movsx': r = s(src, ext ?? w); break;
  }
  return u(r, w); // ALU32 results are zero-extended to 64 bits
}

/** BPF_END / BPF_BSWAP on a little-endian host. */
export function refEnd(order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, v: bigint): bigint {
  const x = u(v, bits);
  if (order === 'le') return x;
  let r = 0n;
  for (let i = 0; i < bits / 8; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return r;
}

/** Is the branch taken? */
export function refJcond(op: JcondName, width: 32 | 64, a: bigint, b: bigint): boolean {
  const ua = u(a, width), ub = u(b, width), sa = s(a, width), sb = s(b, width);
  switch (op) {
    case 'jeq': return ua === ub;
    case 'jne': return ua !== ub;
    case 'jgt': return ua > ub;
    case 'jge': return ua >= ub;
    case 'jlt': return ua < ub;
    case 'jle': return ua <= ub;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
    case 'jset': return (ua & ub) !== 0n;
  }
}

