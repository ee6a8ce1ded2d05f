// Concrete eBPF semantics of the ALU and jump conditions on 64-bit bigints (x86-64, little
// endian), the reference the scalar-domain tests check the abstract transfer functions against.
import type { ScalarAluOp, Width, EndOrder } from '../../src/domains/alu.ts';
import type { Cond } from '../../src/domains/branch.ts';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const u = (x: bigint, w: number) => BigInt.asUintN(w, x);
const s = (x: bigint, w: number) => BigInt.asIntN(w, x);

/** dst op src at the given width; ALU32 results are zero-extended. Shift amounts are masked. */
export function aluRef(op: ScalarAluOp, width: Width, x: bigint, y: bigint): bigint {
  const w = width;
  const a = u(x, w), b = u(y, w);
  let r: bigint;
  switch (op) {
    case 'add': r = a + b; break;
    case 'sub': r = a - b; break;
    case 'mul': r = a * b; break;
    case 'div': r = b === 0n ? 0n : a / b; break;
    case 'mod': r = b === 0n ? a : a % b; break;
    case 'sdiv': r = b === 0n ? 0n : s(a, w) / s(b, w); break;
    case 'smod': r = b === 0n ? a : s(a, w) % s(b, w); break;
    case 'and': r = a & b; break;
    case 'or': r = a | b; break;
    case 'xor': r = a ^ b; break;
    case 'lsh': r = a << (b & BigInt(w - 1)); break;
    case 'rsh': r = a >> (b & BigInt(w - 1)); break;
    case 'arsh': r = s(a, w) >> (b & BigInt(w - 1)); break;
  }
  return u(r, w);
}

export const negRef = (width: Width, x: bigint): bigint => u(-u(x, width), width);
export const mov32Ref = (x: bigint): bigint => x & M32;
export function movsxRef(width: Width, ext: 8 | 16 | 32, x: bigint): bigint {
  const v = BigInt.asIntN(ext, x);
  return width === 64 ? u(v, 64) : u(v, 32);
}

function swab(x: bigint, bits: number): bigint {
  let r = 0n;
  for (let k = 0; k < bits / 8; k++) r |= ((x >> BigInt(8 * k)) & 0xffn) << BigInt(bits - 8 - 8 * k);
  return r;
}

/** le: truncate (identity at 64); be and bswap: swap the low bytes (upper bits cleared). */
export function endRef(order: EndOrder, bits: 16 | 32 | 64, x: bigint): bigint {
  const t = bits === 64 ? x & M64 : x & ((1n << BigInt(bits)) - 1n);
  return order === 'le' ? t : swab(t, bits);
}

/** The jump condition on the operands at the given width. */
export function condRef(cond: Cond, width: Width, x: bigint, y: bigint): boolean {
  const a = u(x, width), b = u(y, width);
  const sa = s(a, width), sb = s(b, width);
  switch (cond) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
    case 'jset': return (a & b) !== 0n;
  }
}
