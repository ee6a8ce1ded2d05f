// Zero-extension narrowing, a move for both objectives: clang's way of keeping the low 32 bits
// of a 64-bit register (a `u32` loop counter compared as 64 bits, a global function's `int`
// result, a hash reduced modulo a u32) is a shift pair after the 64-bit instruction that made
// the value:
//     rX op= S; rX <<= 32; rX >>= 32   →  wX op= S           (op: mov add sub mul and or xor,
//                                                            neg, lsh by a constant below 32)
//     rX <<= 32; rX >>= 32             →  wX = wX            (any other maker)
// A 32-bit ALU instruction writes the low half and zeroes the high one, and the low 32 bits of
// those operations depend only on the low 32 bits of their operands, so the result is the same
// value. It removes two dependent ALU instructions from the value's chain (in xdp_csum_loop and
// xdp_loop, from every iteration of the loop counter's). The three slots must follow each other
// in one straight-line run (deleted slots aside) with no jump landing on the second or third.
// Like every move it is only a proposal: tests, the verifier model, Z3 and the kernel decide
// (a 32-bit operation on a pointer, for one, the verifiers refuse).
import type { Op } from '../isa/op.ts';
import type { Slot } from './proposals.ts';

type Change = [number, Slot];
type Alu = Extract<Op, { kind: 'alu' }>;

/** 64-bit ALU operations whose result's low 32 bits depend only on their operands' low 32 bits. */
const NARROWABLE = new Set(['mov', 'add', 'sub', 'mul', 'and', 'or', 'xor', 'neg']);

const shiftBy32 = (o: Slot, op: 'lsh' | 'rsh', x?: number): o is Alu =>
  !!o && o.kind === 'alu' && o.op === op && o.width === 64 && 'imm' in o.src && o.src.imm === 32 && (x === undefined || o.dst === x);

/** The instruction `o` (writing rX) at 32 bits, if its low half is the same; undefined if not. */
export function narrowed(o: Slot, x: number): Op | undefined {
  if (!o || o.kind !== 'alu' || o.width !== 64 || o.dst !== x) return undefined;
  if (NARROWABLE.has(o.op)) return { ...o, width: 32 };
  // a shift left by a constant: the low half's bits come from the low half (not by a register:
  // 64-bit shifts mask the amount with 63, 32-bit ones with 31)
  if (o.op === 'lsh' && 'imm' in o.src && o.src.imm >= 0 && o.src.imm < 32) return { ...o, width: 32 };
  return undefined;
}

/** The next non-deleted slot after i within the run, or -1 (a run ends at a jump target or a non-straight slot). */
function next(slots: readonly Slot[], straight: ReadonlySet<number>, targets: Uint8Array, i: number): number {
  for (let j = i + 1; straight.has(j) && !targets[j]; j++) if (slots[j]) return j;
  return -1;
}

/** The previous non-deleted slot before i within the run, or -1. */
function prev(slots: readonly Slot[], straight: ReadonlySet<number>, targets: Uint8Array, i: number): number {
  if (targets[i]) return -1;
  for (let j = i - 1; straight.has(j); j--) {
    if (slots[j]) return j;
    if (targets[j]) return -1;
  }
  return -1;
}

/** The narrowing whose `<<= 32` is at pc, or undefined when pc does not start a zero-extension. */
export function narrowZext(slots: readonly Slot[], straight: ReadonlySet<number>, targets: Uint8Array, pc: number): Change[] | undefined {
  const sh = slots[pc];
  if (!straight.has(pc) || !shiftBy32(sh, 'lsh')) return undefined;
  const x = sh.dst;
  const q = next(slots, straight, targets, pc);
  if (q < 0 || !shiftBy32(slots[q], 'rsh', x)) return undefined;
  const m = prev(slots, straight, targets, pc);
  const maker = m >= 0 ? narrowed(slots[m], x) : undefined;
  if (maker) return [[m, maker], [pc, null], [q, null]];
  return [[pc, { kind: 'alu', op: 'mov', width: 32, dst: x, src: { reg: x } }], [q, null]];
}
