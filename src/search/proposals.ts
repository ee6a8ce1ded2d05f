// K2's proposal moves over a candidate: change one operand, replace one instruction, delete
// one (make it a no-op), replace two consecutive instructions, swap a memory access's width.
// Only straight-line instructions (ALU, END, loads, stores) are touched; jumps, calls, exits
// and lddw stay where they are, so control flow is preserved.
import type { AluName, Op, Size } from '../isa/op.ts';

export type Slot = Op | null;

export interface ProposalContext {
  /** Slots that may change (straight-line instructions of the original). */
  mutable: readonly number[];
  /** Immediates to draw from: [-10, 10] and the program's own constants. */
  imms: readonly number[];
  /** Registers that appear in the original (r10 only as a base register). */
  regs: readonly number[];
  rand: () => number;
}

const ALU: AluName[] = ['add', 'sub', 'mul', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor', 'mov', 'neg'];
const pick = <T>(c: ProposalContext, xs: readonly T[]): T => xs[Math.floor(c.rand() * xs.length)];

export function randomOp(c: ProposalContext, like?: Op): Op {
  const dst = pick(c, c.regs.filter((r) => r !== 10));
  const mem = like && (like.kind === 'ldx' || like.kind === 'stx' || like.kind === 'st');
  if (mem && c.rand() < 0.5) {
    const m = like as Extract<Op, { kind: 'ldx' | 'stx' | 'st' }>;
    const size = pick(c, [1, 2, 4, 8] as Size[]);
    if (m.kind === 'ldx') return { kind: 'ldx', size, signed: false, dst, src: m.src, off: m.off };
    if (m.kind === 'stx') return { kind: 'stx', size, dst: m.dst, src: pick(c, c.regs), off: m.off };
    return { kind: 'st', size, dst: m.dst, off: m.off, imm: pick(c, c.imms) };
  }
  const op = pick(c, ALU);
  const width = c.rand() < 0.5 ? 64 : 32;
  if (op === 'neg') return { kind: 'alu', op, width, dst, src: { imm: 0 } };
  let src: Op extends never ? never : { reg: number } | { imm: number } = c.rand() < 0.5 ? { reg: pick(c, c.regs) } : { imm: pick(c, c.imms) };
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && 'imm' in src) src = { imm: ((src.imm % width) + width) % width };
  return { kind: 'alu', op, width, dst, src };
}

/** Change one field of an instruction. */
function mutateOperand(c: ProposalContext, op: Op): Op {
  switch (op.kind) {
    case 'alu': {
      const r = c.rand();
      if (r < 0.3) return { ...op, dst: pick(c, c.regs.filter((x) => x !== 10)) };
      if (r < 0.6 && op.op !== 'neg') return { ...op, src: c.rand() < 0.5 ? { reg: pick(c, c.regs) } : { imm: pick(c, c.imms) } };
      if (r < 0.8) return { ...op, width: op.width === 64 ? 32 : 64 };
      const o = pick(c, ALU.filter((x) => x !== 'neg'));
      return op.op === 'neg' ? { ...op, op: o, src: { imm: pick(c, c.imms) } } : { ...op, op: o };
    }
    case 'ldx':
      return c.rand() < 0.5 ? { ...op, dst: pick(c, c.regs.filter((x) => x !== 10)) } : { ...op, size: pick(c, [1, 2, 4, 8] as Size[]) };
    case 'stx':
      return c.rand() < 0.5 ? { ...op, src: pick(c, c.regs) } : { ...op, size: pick(c, [1, 2, 4, 8] as Size[]) };
    case 'st':
      return c.rand() < 0.5 ? { ...op, imm: pick(c, c.imms) } : { ...op, size: pick(c, [1, 2, 4, 8] as Size[]) };
    default:
      return op;
  }
}

/** One proposal: the slots it changes and their new contents. */
export function propose(c: ProposalContext, slots: readonly Slot[], original: readonly Slot[]): [number, Slot][] {
  const pc = pick(c, c.mutable);
  const r = c.rand();
  const cur = slots[pc];
  if (r < 0.25) return [[pc, cur ? mutateOperand(c, cur) : original[pc]]];
  if (r < 0.5) return [[pc, randomOp(c, original[pc] ?? undefined)]];
  if (r < 0.75) return [[pc, cur ? null : original[pc]]];
  const next = c.mutable.includes(pc + 1) ? pc + 1 : -1;
  if (next < 0) return [[pc, randomOp(c, original[pc] ?? undefined)]];
  return [[pc, c.rand() < 0.3 ? null : randomOp(c)], [next, c.rand() < 0.3 ? null : randomOp(c)]];
}
