// Random one-slot changes of a program, for the incremental checker's and the CFG delta's
// properties: a decoded instruction of a common kind, a tweak of the slot's own fields, or raw
// bytes of a common opcode (which may not decode: the full CFG build then has to answer); and
// a program with slots deleted as the optimizer deletes them.
import fc from 'fast-check';
import { fromOp } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { deleteSlots, EditError } from '../../src/isa/edit.ts';

const reg = fc.integer({ min: 0, max: 10 });
const small = fc.integer({ min: -4, max: 6 });

const decoded: fc.Arbitrary<Insn> = fc.oneof(
  small.map((off) => fromOp({ kind: 'ja', off, long: false })[0]),
  fc.tuple(reg, fc.integer({ min: -3, max: 300 })).map(([dst, imm]) => fromOp({ kind: 'alu', op: 'mov', width: 64, dst, src: { imm } })[0]),
  fc.tuple(fc.constantFrom('add', 'sub', 'and', 'or', 'lsh', 'rsh', 'xor', 'mov', 'arsh', 'mul') as fc.Arbitrary<'add'>, fc.constantFrom(32, 64) as fc.Arbitrary<64>, reg, reg)
    .map(([op, width, dst, r]) => fromOp({ kind: 'alu', op, width, dst, src: { reg: r } })[0]),
  fc.tuple(fc.constantFrom('jeq', 'jne', 'jgt', 'jsgt', 'jset') as fc.Arbitrary<'jeq'>, reg, fc.integer({ min: 0, max: 64 }), small)
    .map(([op, dst, imm, off]) => fromOp({ kind: 'jcond', op, width: 64, dst, src: { imm }, off })[0]),
  fc.tuple(reg, reg, fc.integer({ min: -64, max: 16 }).map((x) => x * 4)).map(([dst, src, off]) => fromOp({ kind: 'ldx', size: 4, signed: false, dst, src, off })[0]),
  fc.tuple(reg, reg, fc.integer({ min: -16, max: 4 }).map((x) => x * 8)).map(([dst, src, off]) => fromOp({ kind: 'stx', size: 8, dst, src, off })[0]),
  fc.integer({ min: 1, max: 8 }).map((imm) => fromOp({ kind: 'call', callKind: 'helper', imm, off: 0 })[0]),
  fc.constant(fromOp({ kind: 'exit' })[0]),
);

const raw: fc.Arbitrary<Insn> = fc.record({
  code: fc.constantFrom(0x05, 0x07, 0x0f, 0x15, 0x1d, 0x25, 0x61, 0x63, 0x69, 0x6b, 0x71, 0x73, 0x79, 0x7b, 0x85, 0x95, 0xb7, 0xbf, 0xc3, 0xdb, 0x0e, 0xff),
  dst: fc.integer({ min: 0, max: 11 }), src: fc.integer({ min: 0, max: 11 }), off: small, imm: fc.integer({ min: -2, max: 40 }),
});

/** A changed instruction for slot `x`. */
function changeOf(x: Insn): fc.Arbitrary<Insn> {
  const tweak = fc.oneof(
    small.map((d) => ({ ...x, off: x.off + d })),
    small.map((d) => ({ ...x, imm: x.imm + d })),
    reg.map((dst) => ({ ...x, dst })),
    reg.map((src) => ({ ...x, src })),
  );
  return fc.oneof({ arbitrary: decoded, weight: 3 }, { arbitrary: tweak, weight: 2 }, { arbitrary: raw, weight: 1 });
}

/** A program with one slot changed (never an lddw's slots: their pair is one instruction). */
export function oneSlotChange(p: Program): fc.Arbitrary<{ slot: number; prog: Program }> {
  const slots = p.insns.map((_, i) => i).filter((i) => p.insns[i].code !== 0x18 && !(i > 0 && p.insns[i - 1].code === 0x18));
  return fc.constantFrom(...slots).chain((slot) =>
    changeOf(p.insns[slot]).map((ins) => ({ slot, prog: { ...p, insns: p.insns.map((y, j) => (j === slot ? ins : y)) } })));
}

/**
 * A program with `min` to `max` distinct ALU slots changed at once, as the search's moves change
 * straight-line slots: mostly a tweak of the immediate or a register, now and then any change
 * of changeOf's (which may break the structure: the delta then declines).
 */
export function slotsChange(p: Program, min: number, max: number): fc.Arbitrary<{ slots: number[]; prog: Program }> {
  const alu = p.insns.map((_, i) => i).filter((i) => (p.insns[i].code & 7) === 4 || (p.insns[i].code & 7) === 7);
  const mild = (x: Insn): fc.Arbitrary<Insn> => fc.oneof(
    { arbitrary: small.map((d) => ({ ...x, imm: x.imm + d })), weight: 6 },
    { arbitrary: reg.map((dst) => ({ ...x, dst })), weight: 2 },
    { arbitrary: changeOf(x), weight: 1 },
  );
  return fc.uniqueArray(fc.constantFrom(...alu), { minLength: min, maxLength: Math.min(max, alu.length) }).chain((chosen) =>
    fc.tuple(...chosen.map((slot) => mild(p.insns[slot]))).map((ins) => {
      const insns = p.insns.slice();
      chosen.forEach((slot, k) => (insns[slot] = ins[k]));
      return { slots: chosen.slice().sort((a, b) => a - b), prog: { ...p, insns } };
    }));
}

/** `p` with slots `del` removed (an lddw's halves go together), or undefined when deleteSlots refuses. */
export function without(p: Program, del: readonly number[]): { prog: Program; oldToNew: Int32Array } | undefined {
  const set = new Set<number>();
  for (const s of del) {
    set.add(s);
    if (p.insns[s].code === 0x18) set.add(s + 1);
    if (s > 0 && p.insns[s - 1].code === 0x18) set.add(s - 1);
  }
  if (set.size >= p.insns.length) return undefined;
  try {
    const { insns, oldToNew } = deleteSlots(p.insns, set);
    return { prog: { ...p, insns }, oldToNew };
  } catch (e) {
    if (e instanceof EditError) return undefined;
    throw e;
  }
}
