// Concrete eBPF semantics for the scalar-domain tests, in the domain's vocabulary: thin
// wrappers over the one reference evaluator (test/oracle/reference.ts), so the domains and the
// interpreter are checked against the same definition.
import type { ScalarAluOp, Width, EndOrder } from '../../src/domains/alu.ts';
import type { Cond } from '../../src/domains/branch.ts';
import { refAlu, refEnd, refJcond } from '../oracle/reference.ts';

/** dst op src at the given width; ALU32 results are zero-extended. Shift amounts are masked. */
export const aluRef = (op: ScalarAluOp, width: Width, x: bigint, y: bigint): bigint => refAlu(op, width, x, y);
export const negRef = (width: Width, x: bigint): bigint => refAlu('neg', width, x, 0n);
export const mov32Ref = (x: bigint): bigint => refAlu('mov', 32, 0n, x);
export const movsxRef = (width: Width, ext: 8 | 16 | 32, x: bigint): bigint => refAlu('movsx', width, 0n, x, ext);
/** le: truncate (identity at 64); be and bswap: swap the low bytes (upper bits cleared). */
export const endRef = (order: EndOrder, bits: 16 | 32 | 64, x: bigint): bigint => refEnd(order, bits, x);
/** The jump condition on the operands at the given width. */
export const condRef = (cond: Cond, width: Width, x: bigint, y: bigint): boolean => refJcond(cond, width, x, y);
