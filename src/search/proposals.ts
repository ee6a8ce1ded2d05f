// K2's proposal moves over a candidate: change one operand, replace one instruction, delete
// one (make it a no-op), replace two consecutive instructions, swap a memory access's width
// or kind — plus idiom rewrites (idioms.ts) that a random walk rarely reaches. Only
// straight-line instructions (ALU, END, loads, stores, atomics) are touched; jumps, calls,
// exits and lddw stay where they are, so control flow is preserved — except by the tail merge
// (idiom-tail-merge.ts, only with `jumps`), which retargets a jump.
import type { AluName, Op, Size } from '../isa/op.ts';
import type { IsaLevel } from '../isa/target.ts';
import { proposeIdiom } from './idioms.ts';
import { proposeLatencyMove } from './latency-moves.ts';

export type Slot = Op | null;

/** A memory access of the original: where the program reads or writes. */
export interface MemShape {
  base: number;
  off: number;
  size: Size;
}

export interface ProposalContext {
  /** Slots that may change (straight-line instructions of the original). */
  mutable: readonly number[];
  /** The same, as a set. */
  straight: ReadonlySet<number>;
  /** Immediates to draw from: [-10, 10] and the program's own constants. */
  imms: readonly number[];
  /** Registers that appear in the original (r10 only as a base register). */
  regs: readonly number[];
  /** The original's memory accesses (base, offset, size), for new loads, stores and atomics. */
  mems: readonly MemShape[];
  rand: () => number;
  /**
   * The target's ISA level (default 1): at v4 the moves also make sign-extending loads and
   * moves; below it they make only base instructions (every kernel runs those).
   */
  isa?: IsaLevel;
  /**
   * Also propose tail merges, which retarget a jump (idiom-tail-merge.ts): only where every
   * candidate is proved as a whole program, never by windows alone.
   */
  jumps?: boolean;
  /** Also propose the latency objective's moves (latency-moves.ts). */
  latencyMoves?: boolean;
  /** Under the size objective: the latency moves that also shrink the program (latency-moves.ts, sizeOnly). */
  shrinkingLatencyMoves?: boolean;
}

/** The moves' context for a program: its straight-line slots `mutable`, constants, registers and memory places. */
export function proposalContext(original: readonly Slot[], mutable: readonly number[], rand: () => number, isa: IsaLevel = 1): ProposalContext {
  const consts = new Set<number>();
  const regs = new Set<number>([0]);
  const mems = new Map<string, MemShape>();
  for (const o of original) {
    if (!o) continue;
    if (o.kind === 'ldx') mems.set(`${o.src},${o.off},${o.size}`, { base: o.src, off: o.off, size: o.size });
    if (o.kind === 'st' || o.kind === 'stx' || o.kind === 'atomic') mems.set(`${o.dst},${o.off},${o.size}`, { base: o.dst, off: o.off, size: o.size });
    if ('src' in o && typeof o.src === 'object' && 'imm' in o.src) consts.add(o.src.imm);
    if (o.kind === 'st') consts.add(o.imm);
    if ('dst' in o) regs.add(o.dst);
    if ('src' in o && typeof o.src === 'number') regs.add(o.src);
    if ('src' in o && typeof o.src === 'object' && 'reg' in o.src) regs.add(o.src.reg);
  }
  return {
    mutable, rand, straight: new Set(mutable), mems: [...mems.values()],
    imms: [...new Set([...Array.from({ length: 21 }, (_, i) => i - 10), ...consts])],
    regs: [...regs].sort((a, b) => a - b),
    isa,
  };
}

const ALU: AluName[] = ['add', 'sub', 'mul', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor', 'mov', 'neg'];
const SIZES: Size[] = [1, 2, 4, 8];
const pick = <T>(c: ProposalContext, xs: readonly T[]): T => xs[Math.floor(c.rand() * xs.length)];
/** May the moves make cpu v4's sign-extending loads and moves? */
const v4 = (c: ProposalContext): boolean => (c.isa ?? 1) >= 4;
/** A load's signedness: unsigned, or at v4 sometimes signed (no 8-byte signed load exists). */
const signedLoad = (c: ProposalContext, size: Size): boolean => v4(c) && size < 8 && c.rand() < 0.25;
const dstReg = (c: ProposalContext): number => {
  const r = pick(c, c.regs);
  return r === 10 ? 0 : r;
};

/** A random load, store or atomic add at one of the original's memory places. */
function randomMem(c: ProposalContext): Op {
  const m = pick(c, c.mems);
  const r = c.rand();
  if (r < 0.3) return { kind: 'ldx', size: m.size, signed: signedLoad(c, m.size), dst: dstReg(c), src: m.base, off: m.off };
  if (r < 0.6) return { kind: 'stx', size: m.size, dst: m.base, src: pick(c, c.regs), off: m.off };
  if (r < 0.85 || m.size < 4) return { kind: 'st', size: m.size, dst: m.base, off: m.off, imm: pick(c, c.imms) };
  return { kind: 'atomic', size: m.size as 4 | 8, op: 'add', fetch: false, dst: m.base, src: dstReg(c), off: m.off };
}

export function randomOp(c: ProposalContext, like?: Op): Op {
  const mem = like && (like.kind === 'ldx' || like.kind === 'stx' || like.kind === 'st' || like.kind === 'atomic');
  if ((mem && c.rand() < 0.5) || (c.mems.length && c.rand() < 0.15)) {
    if (!mem || c.rand() < 0.5) return c.mems.length ? randomMem(c) : randomAlu(c);
    const m = like as Extract<Op, { kind: 'ldx' | 'stx' | 'st' | 'atomic' }>;
    const size = pick(c, SIZES);
    if (m.kind === 'ldx') return { kind: 'ldx', size, signed: signedLoad(c, size), dst: dstReg(c), src: m.src, off: m.off };
    if (m.kind === 'stx' || m.kind === 'atomic') return { kind: 'stx', size, dst: m.dst, src: pick(c, c.regs), off: m.off };
    return { kind: 'st', size, dst: m.dst, off: m.off, imm: pick(c, c.imms) };
  }
  return randomAlu(c);
}

function randomAlu(c: ProposalContext): Op {
  const dst = dstReg(c);
  const op = pick(c, ALU);
  const width = c.rand() < 0.5 ? 64 : 32;
  if (v4(c) && c.rand() < 0.1) return randomMovsx(c, dst, width);
  if (op === 'neg') return { kind: 'alu', op, width, dst, src: { imm: 0 } };
  let src: { reg: number } | { imm: number } = c.rand() < 0.5 ? { reg: pick(c, c.regs) } : { imm: pick(c, c.imms) };
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && 'imm' in src) src = { imm: ((src.imm % width) + width) % width };
  return { kind: 'alu', op, width, dst, src };
}

/** cpu v4's sign-extending move: 8, 16 or (64-bit only) 32 source bits. */
function randomMovsx(c: ProposalContext, dst: number, width: 32 | 64): Op {
  const ext = pick(c, width === 64 ? ([8, 16, 32] as const) : ([8, 16] as const));
  return { kind: 'alu', op: 'movsx', width, dst, src: { reg: pick(c, c.regs) }, ext };
}

/** A neighbouring offset: one access-size step either way. */
const nudge = (c: ProposalContext, off: number, size: number): number => off + (c.rand() < 0.5 ? -size : size);

/** Change one field of an instruction (or a store's kind: register ↔ immediate). */
function mutateOperand(c: ProposalContext, op: Op): Op {
  const r = c.rand();
  switch (op.kind) {
    case 'alu': {
      if (r < 0.3) return { ...op, dst: dstReg(c) };
      if (r < 0.6 && op.op === 'movsx') return { ...op, src: { reg: pick(c, c.regs) } };
      if (r < 0.6 && op.op !== 'neg') return { ...op, src: c.rand() < 0.5 ? { reg: pick(c, c.regs) } : { imm: pick(c, c.imms) } };
      if (r < 0.8) {
        // a 32-bit movsx has no 32-bit source form: it becomes a plain move
        if (op.op === 'movsx' && op.width === 64 && op.ext === 32) return { kind: 'alu', op: 'mov', width: 32, dst: op.dst, src: op.src };
        return { ...op, width: op.width === 64 ? 32 : 64 };
      }
      const o = pick(c, ALU.filter((x) => x !== 'neg'));
      const { ext: _ext, ...plain } = op;
      return op.op === 'neg' ? { ...plain, op: o, src: { imm: pick(c, c.imms) } } : { ...plain, op: o };
    }
    case 'ldx': {
      if (r < 0.4) return { ...op, dst: dstReg(c) };
      if (r < 0.8) {
        const size = pick(c, SIZES);
        return { ...op, size, signed: op.signed && size < 8 };
      }
      if (r < 0.9 && v4(c) && op.size < 8) return { ...op, signed: !op.signed };
      return { ...op, off: nudge(c, op.off, op.size) };
    }
    case 'stx':
      if (r < 0.3) return { ...op, src: pick(c, c.regs) };
      if (r < 0.6) return { ...op, size: pick(c, SIZES) };
      if (r < 0.8) return { ...op, off: nudge(c, op.off, op.size) };
      return { kind: 'st', size: op.size, dst: op.dst, off: op.off, imm: pick(c, c.imms) };
    case 'st':
      if (r < 0.3) return { ...op, imm: pick(c, c.imms) };
      if (r < 0.6) return { ...op, size: pick(c, SIZES) };
      if (r < 0.8) return { ...op, off: nudge(c, op.off, op.size) };
      return { kind: 'stx', size: op.size, dst: op.dst, src: pick(c, c.regs), off: op.off };
    case 'atomic':
      return r < 0.5 ? { ...op, src: dstReg(c) } : { ...op, size: op.size === 8 ? 4 : 8 };
    default:
      return op;
  }
}

/** One proposal: the slots it changes and their new contents. */
export function propose(c: ProposalContext, slots: readonly Slot[], original: readonly Slot[]): [number, Slot][] {
  const r = c.rand();
  if (r < 0.1) {
    const idiom = proposeIdiom(slots, c.straight, c.mutable, c.rand, c.isa ?? 1, c.jumps ?? false);
    if (idiom) return idiom;
  }
  if ((c.latencyMoves || c.shrinkingLatencyMoves) && r < 0.15) {
    const move = proposeLatencyMove(slots, original, c.straight, c.mutable, c.rand, !c.latencyMoves);
    if (move) return move;
  }
  const pc = pick(c, c.mutable);
  const cur = slots[pc];
  if (r < 0.3) return [[pc, cur ? mutateOperand(c, cur) : original[pc]]];
  if (r < 0.5) return [[pc, randomOp(c, original[pc] ?? undefined)]];
  if (r < 0.8) return [[pc, cur ? null : original[pc]]];
  const next = c.straight.has(pc + 1) ? pc + 1 : -1;
  if (next < 0) return [[pc, randomOp(c, original[pc] ?? undefined)]];
  return [[pc, c.rand() < 0.3 ? null : randomOp(c)], [next, c.rand() < 0.3 ? null : randomOp(c)]];
}
