// fast-check arbitraries for reachable scalar states: built as the kernel would build them,
// from unknown or a constant through random ALU ops and branch refinements, each state carried
// with one concrete member (a value a real execution could hold), so soundness is checkable.
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { type ScalarState, scalarUnknown, scalarConstOf, scalarContains } from '../../src/domains/scalar.ts';
import { type ScalarAluOp, type Width, type EndOrder, scalarAlu, immOperand, scalarNeg, scalarMovReg, scalarMovsx, scalarEnd } from '../../src/domains/alu.ts';
import { type Cond, refine, branchTaken } from '../../src/domains/branch.ts';
import { aluRef, negRef, movsxRef, endRef, condRef, mov32Ref } from './scalar-ref.ts';
import { arbBits } from './arb.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

export const d = concrete64x32;

/** An abstract state and a concrete value it must contain. */
export interface Tracked {
  readonly s: ScalarState<bigint>;
  readonly x: bigint;
}

export const ALU_OPS: ScalarAluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor'];
export const CONDS: Cond[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
export const WIDTHS: Width[] = [32, 64];

/** Immediates the way programs use them: small, masks, signs, powers of two, anything 32-bit. */
export const arbImm: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -16, max: 16 }),
  fc.constantFrom(0xff, 0xffff, 0xfff0, 0x7fffffff, -0x80000000, 0x100, 1000, 63, 31, 32, 0xf0f0f0f),
  fc.integer({ min: 0, max: 31 }).map((i) => 2 ** i | 0),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

type Step =
  | { k: 'alu'; op: ScalarAluOp; width: Width; imm: number }
  | { k: 'aluReg'; op: ScalarAluOp; width: Width; other: Tracked }
  | { k: 'jmp'; cond: Cond; width: Width; imm: number }
  | { k: 'jmpReg'; cond: Cond; width: Width; other: Tracked }
  | { k: 'neg'; width: Width }
  | { k: 'mov32' }
  | { k: 'movsx'; width: Width; ext: 8 | 16 | 32 }
  | { k: 'end'; order: EndOrder; bits: 16 | 32 | 64 };

/** Shift immediates stay in range (the kernel rejects others), divisors non-zero. */
function fixImm(op: ScalarAluOp, width: Width, imm: number): number {
  if (op === 'lsh' || op === 'rsh' || op === 'arsh') return ((imm % width) + width) % width;
  if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && imm === 0) return 1;
  return imm;
}

export function applyStep(t: Tracked, st: Step): Tracked {
  switch (st.k) {
    case 'alu': {
      const imm = fixImm(st.op, st.width, st.imm);
      const src = immOperand(d, imm);
      return { s: scalarAlu(d, st.op, st.width, t.s, src, LINUX_6_18), x: aluRef(st.op, st.width, t.x, BigInt.asUintN(64, BigInt(imm))) };
    }
    case 'aluReg':
      return { s: scalarAlu(d, st.op, st.width, t.s, st.other.s, LINUX_6_18), x: aluRef(st.op, st.width, t.x, st.other.x) };
    case 'jmp': case 'jmpReg': {
      const o = st.k === 'jmp' ? { s: immOperand(d, st.imm), x: BigInt.asUintN(64, BigInt(st.imm)) } : st.other;
      // the kernel refines only when the outcome is not known
      if (branchTaken(d, t.s, o.s, st.cond, st.width) !== -1) return t;
      const r = refine(d, t.s, o.s, st.cond, st.width, LINUX_6_18);
      const taken = condRef(st.cond, st.width, t.x, o.x);
      return { s: (taken ? r.taken : r.fallthrough)[0], x: t.x };
    }
    case 'neg':
      return { s: scalarNeg(d, st.width, t.s, LINUX_6_18), x: negRef(st.width, t.x) };
    case 'mov32':
      return { s: scalarMovReg(d, 32, t.s, LINUX_6_18), x: mov32Ref(t.x) };
    case 'movsx': {
      const ext = st.width === 32 && st.ext === 32 ? 16 : st.ext;
      return { s: scalarMovsx(d, st.width, ext, t.s, LINUX_6_18), x: movsxRef(st.width, ext, t.x) };
    }
    case 'end':
      return { s: scalarEnd(d, st.order, st.bits, t.s, LINUX_6_18), x: endRef(st.order, st.bits, t.x) };
  }
}

const arbWidth = fc.constantFrom<Width>(32, 64);
/** Ops weighted towards the ones that shape ranges in real programs. */
const arbOp: fc.Arbitrary<ScalarAluOp> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<ScalarAluOp>('and', 'add', 'sub', 'rsh', 'lsh', 'or') },
  { weight: 1, arbitrary: fc.constantFrom(...ALU_OPS) },
);

function arbStep(other: fc.Arbitrary<Tracked> | null): fc.Arbitrary<Step> {
  const base: fc.Arbitrary<Step>[] = [
    fc.record({ k: fc.constant('alu' as const), op: arbOp, width: arbWidth, imm: arbImm }),
    fc.record({ k: fc.constant('alu' as const), op: arbOp, width: arbWidth, imm: arbImm }),
    fc.record({ k: fc.constant('jmp' as const), cond: fc.constantFrom(...CONDS), width: arbWidth, imm: arbImm }),
    fc.record({ k: fc.constant('jmp' as const), cond: fc.constantFrom(...CONDS), width: arbWidth, imm: arbImm }),
    fc.record({ k: fc.constant('neg' as const), width: arbWidth }),
    fc.constant({ k: 'mov32' as const }),
    fc.record({ k: fc.constant('movsx' as const), width: arbWidth, ext: fc.constantFrom<8 | 16 | 32>(8, 16, 32) }),
    fc.record({ k: fc.constant('end' as const), order: fc.constantFrom<EndOrder>('le', 'be', 'swap'), bits: fc.constantFrom<16 | 32 | 64>(16, 32, 64) }),
  ];
  if (other) {
    base.push(fc.record({ k: fc.constant('aluReg' as const), op: arbOp, width: arbWidth, other }));
    base.push(fc.record({ k: fc.constant('jmpReg' as const), cond: fc.constantFrom(...CONDS), width: arbWidth, other }));
  }
  return fc.oneof(...base);
}

/** A starting point: unknown with any member, or a constant. */
const arbStart: fc.Arbitrary<Tracked> = fc.oneof(
  arbBits(64).map((x) => ({ s: scalarUnknown(d), x })),
  arbBits(64).map((x) => ({ s: scalarConstOf(d, x), x })),
);

function chain(steps: fc.Arbitrary<Step>, maxSteps: number): fc.Arbitrary<Tracked> {
  return fc.tuple(arbStart, fc.array(steps, { maxLength: maxSteps })).map(([t, ss]) => ss.reduce(applyStep, t));
}

/** A reachable state with a member; `maxSteps` ops from the start, operands themselves reachable. */
export function arbTracked(maxSteps = 6): fc.Arbitrary<Tracked> {
  const leaf = chain(arbStep(null), 3);
  return chain(arbStep(leaf), maxSteps);
}

/** More members of t.s: fill the tnum's unknown bits at random and keep those inside the bounds. */
export function extraMembers(t: Tracked, fills: bigint[]): bigint[] {
  const out = [t.x];
  for (const f of fills) {
    const y = t.s.varOff.value | (f & t.s.varOff.mask);
    if (scalarContains(d, t.s, y)) out.push(y);
  }
  return out;
}
