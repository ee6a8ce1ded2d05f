// A domain fuzz case: r6 and r7 start as unknown 64-bit scalars (from bpf_ktime_get_ns), go
// through a few ALU operations and branches that leave the program when taken, and every step
// is compared: the kernel's logged state against our domain's.
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';
import { fromOp } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';

export type Reg = 6 | 7;
export type AluStepOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'lsh' | 'rsh' | 'arsh' | 'xor' | 'neg' | 'mov' | 'movsx' | 'end';
export type CondOp = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

export type Step =
  | { kind: 'alu'; op: AluStepOp; width: 32 | 64; dst: Reg; src: { reg: Reg } | { imm: number }; ext?: 8 | 16 | 32; order?: 'le' | 'be' | 'swap'; bits?: 16 | 32 | 64 }
  | { kind: 'br'; op: CondOp; width: 32 | 64; dst: Reg; src: { reg: Reg } | { imm: number } };

export interface DomainCase {
  steps: Step[];
}

/** Slot index of step i: after the two calls and two movs of the prologue. */
export const PROLOGUE = 4;
export const stepSlot = (i: number): number => PROLOGUE + i;

/** Slot of the exit block that branch step i jumps to (each branch has its own, so the
 * kernel never prunes a jump edge against another's state and always prints it). */
export function exitSlot(c: DomainCase, i: number): number {
  const before = c.steps.slice(0, i).filter((s) => s.kind === 'br').length;
  return PROLOGUE + c.steps.length + 3 * (1 + before);
}

/** The program: prologue, steps (branch i jumps to exit block i), fall-through epilogue, exit blocks. */
export function caseProgram(c: DomainCase): Insn[] {
  const ops: Op[] = [
    { kind: 'call', callKind: 'helper', imm: 5, off: 0 },
    { kind: 'alu', op: 'mov', width: 64, dst: 6, src: { reg: 0 } },
    { kind: 'call', callKind: 'helper', imm: 5, off: 0 },
    { kind: 'alu', op: 'mov', width: 64, dst: 7, src: { reg: 0 } },
  ];
  c.steps.forEach((s, i) => {
    const pc = PROLOGUE + i;
    if (s.kind === 'br') ops.push({ kind: 'jcond', op: s.op, width: s.width, dst: s.dst, src: s.src, off: exitSlot(c, i) - pc - 1 });
    else if (s.op === 'end') ops.push({ kind: 'end', order: s.order!, bits: s.bits!, dst: s.dst });
    else if (s.op === 'movsx') ops.push({ kind: 'alu', op: 'movsx', width: s.width, dst: s.dst, src: s.src, ext: s.ext });
    else if (s.op === 'neg') ops.push({ kind: 'alu', op: 'neg', width: s.width, dst: s.dst, src: { imm: 0 } });
    else ops.push({ kind: 'alu', op: s.op, width: s.width, dst: s.dst, src: s.src });
  });
  // every exit returns r6 ^ r7, so the two registers stay live to the end
  const epilogue: Op[] = [
    { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { reg: 6 } },
    { kind: 'alu', op: 'xor', width: 64, dst: 0, src: { reg: 7 } },
    { kind: 'exit' },
  ];
  ops.push(...epilogue);
  for (const s of c.steps) if (s.kind === 'br') ops.push(...epilogue);
  return ops.flatMap(fromOp);
}

const interesting = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 0xfff, 0xffff, 0x10000, 0x7fff_ffff, -1, -2, -8, -128, -256, -0x8000_0000];
const imm = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: -300, max: 300 }), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }));
const reg = fc.constantFrom(6 as const, 7 as const);
const width = fc.constantFrom(32 as const, 64 as const);

const aluStep: fc.Arbitrary<Step> = fc.tuple(
  fc.constantFrom('add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor', 'neg', 'mov', 'movsx', 'end' as const),
  width, reg, fc.boolean(), imm, fc.constantFrom(8 as const, 16 as const, 32 as const), fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const),
).map(([op, w, dst, useReg, v, ext, order, bits]) => {
  const other: Reg = dst === 6 ? 7 : 6;
  if (op === 'end') return { kind: 'alu' as const, op, width: 64 as const, dst, src: { imm: 0 }, order, bits };
  // register moves (mov, movsx) link the two registers under one scalar id when the value is
  // unchanged, and the kernel then refines both on a branch: the verifier model's business
  // (fuzz verifier). Here they move a register onto itself, which exercises the same domain code.
  if (op === 'movsx') return { kind: 'alu' as const, op, width: w, dst, src: { reg: dst }, ext: w === 32 && ext === 32 ? 16 : ext };
  if (op === 'neg') return { kind: 'alu' as const, op, width: w, dst, src: { imm: 0 } };
  if (op === 'mov' && useReg) return { kind: 'alu' as const, op, width: w, dst, src: { reg: dst } };
  let k = v;
  // the verifier rejects constant shifts >= width and constant division by zero: avoid them
  if (op === 'lsh' || op === 'rsh' || op === 'arsh') k = ((v % w) + w) % w;
  if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && k === 0) k = 3;
  return { kind: 'alu' as const, op, width: w, dst, src: useReg ? { reg: other } : { imm: k } };
});

const brStep: fc.Arbitrary<Step> = fc.tuple(
  fc.constantFrom('jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset' as const),
  width, reg, fc.boolean(), imm,
).map(([op, w, dst, useReg, v]) => ({ kind: 'br' as const, op, width: w, dst, src: useReg ? { reg: dst === 6 ? 7 as const : 6 as const } : { imm: v } }));

/** 1–8 steps, mostly narrowing (masks, shifts, comparisons) with any op in between. */
export const arbCase: fc.Arbitrary<DomainCase> = fc.array(fc.oneof({ weight: 3, arbitrary: aluStep }, { weight: 2, arbitrary: brStep }), { minLength: 1, maxLength: 8 })
  .map((steps) => ({ steps: JSON.parse(JSON.stringify(steps)) as Step[] }));
